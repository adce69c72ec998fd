"""The testbed's network: one Linux network namespace per node and one router namespace, each node joined to
the router by its own veth pair; the router does not forward, so a node reaches another only through the
delaying proxy that listens in the router (bench/testbed/proxy.py). Needs root and iproute2's `ip`."""
from __future__ import annotations

import ctypes
import os
import subprocess

CLONE_NEWNET = 0x40000000
PORT = 4001  # every node listens on its own address, port PORT: each namespace has its own ports


class Namespaces:
    """`n` node namespaces `{tag}n{i}` and the router `{tag}r`; node i is 10.77.i.2, its router side 10.77.i.1.
    `tag` keeps two testbeds (a run and a test) apart; `close()` deletes every namespace made, and so their
    veths, whatever failed before."""

    def __init__(self, tag: str, n: int):
        self.tag, self.n = tag, n
        self.router = f"{tag}r"
        self.nodes = [f"{tag}n{i}" for i in range(n)]
        self.made: list[str] = []

    @staticmethod
    def node_addr(i: int) -> str:
        return f"10.77.{i}.2"

    @staticmethod
    def router_addr(i: int) -> str:
        return f"10.77.{i}.1"

    def open(self) -> Namespaces:
        for name in [self.router, *self.nodes]:
            ip("netns", "add", name)
            self.made.append(name)
            ip("-n", name, "link", "set", "lo", "up")
        ip("netns", "exec", self.router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0")
        for i, name in enumerate(self.nodes):
            outer, inner = f"{self.tag}v{i}r", f"{self.tag}v{i}n"
            ip("link", "add", outer, "netns", self.router, "type", "veth", "peer", "name", inner, "netns", name)
            ip("-n", self.router, "addr", "add", f"{self.router_addr(i)}/24", "dev", outer)
            ip("-n", name, "addr", "add", f"{self.node_addr(i)}/24", "dev", inner)
            ip("-n", self.router, "link", "set", outer, "up")
            ip("-n", name, "link", "set", inner, "up")
        return self

    def close(self) -> None:
        while self.made:
            subprocess.run(["ip", "netns", "del", self.made.pop()], capture_output=True)

    def __enter__(self) -> Namespaces:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()


def ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def namespaces() -> set[str]:
    """The names of this machine's network namespaces."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


_libc = ctypes.CDLL(None, use_errno=True)


def enter(name: str) -> None:
    """Move the calling thread into the namespace `name`: the sockets it makes from now on live there."""
    with open(f"/run/netns/{name}") as f:
        if _libc.setns(f.fileno(), CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {name}: {os.strerror(err)}")
