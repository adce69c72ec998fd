"""N real `antiport run` processes, each in its own network namespace, joined through the delaying proxy
(bench/testbed/net.py, proxy.py): started one after another, given a load over their APIs, timed from their
stores, and torn down (processes, proxy, namespaces) whatever happened."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from antiport.node.client import Client, ClientError, api_of
from antiport.node.home import Home
from antiport.node.p2p import host_key, peer_id_of
from antiport.node.store import Store
from antiport.protocol import topic_name

from .net import PORT, Namespaces, enter

PROXY = Path(__file__).with_name("proxy.py")
FIRST_PROXY_PORT = 20000


@dataclass
class Post:
    """A message to write: at `at` seconds into the load, by node `author`; `ref` names the post it answers."""
    key: str
    at: float
    author: int
    kind: str                   # request, answer, vote or accept
    topic: str
    ref: str | None = None


@dataclass
class Plan:
    follows: list[set[str]]                 # per node, the topics it follows
    links: dict[tuple[int, int], float]     # (dialler, dialled) with dialler > dialled -> one-way latency (s)
    posts: list[Post]
    loss: float = 0.0
    seed: int = 1
    skipped: dict[str, str] = field(default_factory=dict)  # post key -> why the node refused it

    def neighbours(self, i: int) -> set[int]:
        return {b if a == i else a for a, b in self.links if i in (a, b)}


class Testbed:
    """Use as a context manager: entering builds the network and starts the nodes, leaving tears all down."""

    def __init__(self, plan: Plan, root: Path, tag: str | None = None, say: Callable[[str], None] = print):
        self.plan, self.root, self.say = plan, Path(root), say
        self.n = len(plan.follows)
        self.net = Namespaces(tag or f"tb{os.getpid() % 100000}", self.n)
        self.homes = [Home(self.root / f"node{i}") for i in range(self.n)]
        self.procs: list[subprocess.Popen] = []
        self.proxy: subprocess.Popen | None = None
        self.threads: list[ThreadPoolExecutor] = []
        self.clients: dict[int, Client] = {}

    # -- up and down -------------------------------------------------------------------------------------

    def __enter__(self) -> Testbed:
        try:
            self.net.open()
            peer_ids = [self._make_home(i) for i in range(self.n)]
            self._start_proxy()
            self.threads = [ThreadPoolExecutor(1, initializer=enter, initargs=(ns,)) for ns in self.net.nodes]
            for i in range(self.n):  # one after another: each dials only nodes already up
                self._start_node(i, peer_ids)
                self.on(i, self._wait_ready, i).result()
            for i in range(self.n):
                self.on(i, self._wait_linked, i, peer_ids).result()
            return self
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Every node and the proxy stopped (SIGTERM, then SIGKILL), every namespace deleted."""
        for proc in [*self.procs, *([self.proxy] if self.proxy else [])]:
            signal_group(proc, signal.SIGTERM)
        for proc in [*self.procs, *([self.proxy] if self.proxy else [])]:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                signal_group(proc, signal.SIGKILL)
                proc.wait()
        self.procs, self.proxy = [], None
        for pool in self.threads:
            pool.shutdown(cancel_futures=True)
        self.threads = []
        self.net.close()

    def _make_home(self, i: int) -> str:
        home = self.homes[i]
        home.init(f"node{i}", None, None)
        offline = Client(home)
        for topic in sorted(self.plan.follows[i]):
            offline.call("follow", topic=topic)
        return peer_id_of(host_key(home.host_key_file))

    def _start_proxy(self) -> None:
        links = [{"listen": [self.net.router_addr(a), FIRST_PROXY_PORT + k], "target": [self.net.node_addr(b), PORT],
                  "latency": latency, "loss": self.plan.loss} for k, ((a, b), latency) in enumerate(self._links())]
        config = self.root / "links.json"
        config.write_text(json.dumps({"seed": self.plan.seed, "links": links}))
        self.proxy = subprocess.Popen(["ip", "netns", "exec", self.net.router, sys.executable, str(PROXY), str(config)],
                                      stdout=subprocess.PIPE, stderr=open(self.root / "proxy.log", "wb"),
                                      stdin=subprocess.DEVNULL, start_new_session=True, text=True)
        if self.proxy.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the proxy did not start; see {self.root / 'proxy.log'}")

    def _links(self) -> list[tuple[tuple[int, int], float]]:
        return sorted(self.plan.links.items())

    def _start_node(self, i: int, peer_ids: list[str]) -> None:
        argv = ["ip", "netns", "exec", self.net.nodes[i], sys.executable, "-m", "antiport.app.cli",
                "--home", str(self.homes[i].path), "run", "--no-discovery",
                "--listen", f"/ip4/{self.net.node_addr(i)}/tcp/{PORT}"]
        for k, ((a, b), _) in enumerate(self._links()):
            if a == i:  # through the proxy's port for this link: the only way to reach b
                argv += ["--bootstrap", f"/ip4/{self.net.router_addr(i)}/tcp/{FIRST_PROXY_PORT + k}/p2p/{peer_ids[b]}"]
        log = open(self.homes[i].path / "node.log", "ab")
        self.procs.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                           start_new_session=True))

    # -- the nodes' APIs, each called from a thread inside the node's namespace -----------------------------

    def on(self, i: int, fn: Callable, *args) -> Future:
        return self.threads[i].submit(fn, *args)

    def client(self, i: int) -> Client:
        if i not in self.clients:
            self.clients[i] = Client(self.homes[i])
        return self.clients[i]

    def _wait_ready(self, i: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.procs[i].poll() is not None:
                raise RuntimeError(f"node {i} exited with {self.procs[i].returncode}; "
                                   f"see {self.homes[i].path}/node.log")
            if (api_of(self.homes[i]) or {}).get("pid") == self.procs[i].pid:
                self.client(i).call("id")
                return
            time.sleep(0.2)
        raise TimeoutError(f"node {i} not up after {timeout} s; see {self.homes[i].path}/node.log")

    def _wait_linked(self, i: int, peer_ids: list[str], timeout: float = 120) -> None:
        """Until node i is connected to each of its neighbours and knows which of its topics each follows."""
        want = {peer_ids[j]: {topic_name(t) for t in self.plan.follows[i] & self.plan.follows[j]}
                for j in self.plan.neighbours(i)}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            have = {p["peer_id"]: set(p["topics"]) for p in self.client(i).call("peers")}
            if all(pid in have and topics <= have[pid] for pid, topics in want.items()):
                return
            time.sleep(0.5)
        raise TimeoutError(f"node {i} not linked to all of {sorted(self.plan.neighbours(i))} after {timeout} s")

    # -- the load and what it measures --------------------------------------------------------------------

    def play(self) -> dict[str, str]:
        """Every post at its time (from now) on its author's node; returns post key -> message id for those the
        node wrote (the others, with the node's reason, in plan.skipped)."""
        done: dict[str, Future] = {}
        start = time.monotonic()
        for post in sorted(self.plan.posts, key=lambda p: p.at):
            time.sleep(max(0.0, start + post.at - time.monotonic()))
            done[post.key] = self.on(post.author, self._post, post, done.get(post.ref))
        ids = {key: f.result() for key, f in done.items()}
        return {key: mid for key, mid in ids.items() if mid}

    def _post(self, post: Post, ref: Future | None) -> str | None:
        target = ref.result() if ref is not None else None
        if post.ref is not None and target is None:
            self.plan.skipped[post.key] = "what it refers to was not written"
            return None
        calls = {"request": ("ask", {"topic": post.topic, "title": f"Help {post.key[:16]}",
                                     "text": "It stopped working after the update."}),
                 "answer": ("answer", {"id": target, "text": "Hold the reset button for ten seconds."}),
                 "vote": ("vote", {"id": target, "value": "up"}),
                 "accept": ("accept", {"id": target})}
        op, params = calls[post.kind]
        try:
            return self.client(post.author).call(op, **params)["id"]
        except ClientError as e:
            self.plan.skipped[post.key] = str(e)
            return None

    def spread(self, ids: dict[str, str], timeout: float) -> dict[str, dict[int, float]]:
        """Per post, each follower of its topic -> seconds from its author storing it to that follower storing
        it (absent: not there when `timeout` ran out); waits until every follower holds every message."""
        posts = {p.key: p for p in self.plan.posts}
        topics = sorted({posts[k].topic for k in ids})
        deadline = time.monotonic() + timeout
        stores = [Store(h.db_file, readonly=True) for h in self.homes]
        try:
            while True:
                held = {(i, t): stores[i].received(t) for i in range(self.n) for t in topics
                        if t in self.plan.follows[i]}
                out = {}
                for key, mid in ids.items():
                    post = posts[key]
                    sent = held[(post.author, post.topic)][mid]  # the API answered once it was stored
                    out[key] = {i: (held[(i, post.topic)][mid] - sent) / 1000 for i in followers(self.plan, post.topic)
                                if mid in held[(i, post.topic)]}
                if all(len(out[k]) == len(followers(self.plan, posts[k].topic)) for k in ids) \
                        or time.monotonic() > deadline:
                    return out
                time.sleep(1)
        finally:
            for store in stores:
                store.close()


def followers(plan: Plan, topic: str) -> list[int]:
    return [i for i, topics in enumerate(plan.follows) if topic in topics]


def signal_group(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass


