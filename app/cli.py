"""The `antiport` command. Every error is one line on stderr and a non-zero exit."""
from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import time
from pathlib import Path

from antiport.crypto import KeystoreError
from antiport.node.client import Client, ClientError, api_of
from antiport.node.home import Home, HomeError, resolve_home

from .processes import NodeProcess


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    home = Home(resolve_home(args.home))
    os.umask(0o077)  # whatever antiport writes is for its user only (an export too: chmod it to share it)
    try:
        home.make_private()
        return args.handler(home, args) or 0
    except (ClientError, HomeError, KeystoreError) as e:
        print(f"antiport: {e}", file=sys.stderr)
        return 1
    except (OSError, BaseExceptionGroup) as e:  # trio wraps what its tasks raise in groups
        full = disk_full(e)
        if full is None:
            raise
        print(f"antiport: the disk holding {full.filename or home.path} is full: free some space and try again"
              " (nothing stored was lost)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def disk_full(e: BaseException) -> OSError | None:
    """The "no space left" error in `e` or in the groups it wraps, else None."""
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
        return e
    return next(filter(None, map(disk_full, getattr(e, "exceptions", ()))), None)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="antiport", description="Antiport: peer-to-peer help and feedback.")
    p.add_argument("--home", help="the node's home directory (default: $ANTIPORT_HOME or the per-user data dir)")
    sub = p.add_subparsers(metavar="COMMAND")

    def cmd(name, handler, help, json_flag=False):
        c = sub.add_parser(name, help=help, description=help)
        c.set_defaults(handler=handler)
        if json_flag:
            c.add_argument("--json", action="store_true", help="print JSON")
        return c

    c = cmd("init", cmd_init, "create an identity, a host key and a config")
    c.add_argument("--name", help="your display name")
    run = cmd("run", cmd_run, "run the node in the foreground until Ctrl-C / SIGTERM")
    run.add_argument("--bridge", metavar="FILE", type=Path,
                     help="also run a vendor bridge from this TOML file (see docs/bridge.md)")
    bridge = cmd("bridge", cmd_run, "run the node as a vendor bridge (same as run --bridge FILE)")
    bridge.add_argument("bridge", metavar="FILE", type=Path, help="the bridge's TOML file (see docs/bridge.md)")
    for c in (run, bridge):
        c.add_argument("--listen", action="append", metavar="MULTIADDR", help="address to listen on (repeatable)")
        c.add_argument("--bootstrap", action="append", metavar="MULTIADDR", help="peer to connect to (repeatable)")
        c.add_argument("--api-port", type=int, default=0, help="port of the local HTTP API (default: any free port)")
        c.add_argument("--no-discovery", dest="discovery", action="store_false",
                       help="no mDNS and no DHT, whatever the config says: only --bootstrap and remembered peers")
    cmd("tui", cmd_tui, "open the terminal UI (starts the node for this home if none runs)")
    cmd("id", cmd_id, "show the did, and the peer id and addresses while the node runs", True)
    cmd("follow", cmd_op("follow"), "follow a product topic").add_argument("topic", help="vendor/product")
    cmd("unfollow", cmd_op("unfollow"), "stop following a product topic").add_argument("topic", help="vendor/product")
    cmd("topics", cmd_topics, "list followed topics", True)
    for name, kind in (("ask", "request"), ("complain", "complaint")):
        c = cmd(name, cmd_ask, f"post a {kind} in a product topic", True)
        c.set_defaults(kind=kind)
        c.add_argument("topic", help="vendor/product")
        c.add_argument("--title", required=True)
        c.add_argument("--text", required=True)
        c.add_argument("--private-text", help="a part only the topic's vendor can read (sealed to its key)")
    c = cmd("answer", cmd_op("answer"), "answer a request or complaint", True)
    c.add_argument("id")
    c.add_argument("--text", required=True)
    for name, help in (("accept", "accept an answer to your request"), ("resolve", "confirm your request is solved")):
        cmd(name, cmd_op(name), help, True).add_argument("id")
    c = cmd("vote", cmd_op("vote"), "vote a message up or down", True)
    c.add_argument("id")
    c.add_argument("value", choices=["up", "down"])
    c = cmd("retract", cmd_op("retract"), "withdraw a message you wrote", True)
    c.add_argument("id")
    c.add_argument("--reason")
    c = cmd("report", cmd_op("report"), "flag a message as spam or abuse", True)
    c.add_argument("id")
    c.add_argument("--reason", required=True)
    c = cmd("status", cmd_op("status"), "as a vendor, set a request's state", True)
    c.add_argument("id")
    c.add_argument("state", choices=["acknowledged", "in-progress", "resolved", "wont-fix"])
    c.add_argument("--note")
    c = cmd("trust", cmd_op("trust"), "state that you trust (or distrust) an identity", True)
    c.add_argument("did")
    c.add_argument("--distrust", dest="value", action="store_const", const="distrust", default="trust")
    c.add_argument("--scope", metavar="TOPIC", help="only in this topic")
    c = cmd("profile", cmd_op("profile"), "publish your display name", True)
    c.add_argument("name")
    cmd("list", cmd_list, "list threads, newest first", True).add_argument("topic", nargs="?")
    cmd("show", cmd_show, "show a thread", True).add_argument("id")
    cmd("search", cmd_search, "full-text search", True).add_argument("query")
    cmd("export", cmd_export, "write every stored message's signed bytes").add_argument(
        "--out", help="file to write (default: standard output)")
    cmd("import", cmd_import, "validate and store messages from an export file", True).add_argument("file")
    cmd("peers", cmd_peers, "connected peers and what they sent", True)
    c = cmd("sync", None, "sync with peers: 'antiport sync status'")
    c = c.add_subparsers(metavar="ACTION", required=True).add_parser(
        "status", help="sync progress per topic and peer", description="sync progress per topic and peer")
    c.set_defaults(handler=cmd_sync_status)
    c.add_argument("--json", action="store_true", help="print JSON")
    cmd("demo", cmd_demo, "start a local network of six nodes, play a support story in it, then open the TUI "
        "on the customer's node").add_argument(
        "--headless", action="store_true", help="only play the story and print what happened (for scripts)")
    cmd("experts", cmd_experts, "who answers best in a topic, from your trust roots", True).add_argument(
        "topic", help="vendor/product")
    c = cmd("why", cmd_why, "the facts behind an identity's reputation", True)
    c.add_argument("did")
    c.add_argument("--topic", help="only this topic")
    cmd("vendors", cmd_vendors, "how vendors respond in the topics they claim", True)
    cmd("vendor", cmd_vendor, "one vendor's response metrics, per topic", True).add_argument(
        "name", help="organisation name, unclaimed vendor slug or did")
    c = cmd("doctor", cmd_doctor, "check the home's identity, host key, config and store (integrity_check);"
            " rebuild a damaged store")
    how = c.add_mutually_exclusive_group()
    how.add_argument("--rebuild", metavar="EXPORT", type=Path,
                     help="move the damaged store aside and make a new one from this export file")
    how.add_argument("--rebuild-from-network", action="store_true",
                     help="move the damaged store aside and make a new one that the next 'antiport run' fills by sync")
    return p


# -- output ----------------------------------------------------------------------------------------

def emit(args, data, text: str) -> None:
    print(json.dumps(data, indent=2) if getattr(args, "json", False) else text)


def age(ms: int) -> str:
    s = max(0, time.time() - ms / 1000)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{int(s // size)}{unit}"
    return f"{int(s)}s"


def client(home: Home) -> Client:
    if not home.exists():
        raise HomeError(f"no identity in {home.path}: run 'antiport init' first (or pass --home)")
    return Client(home)


def call(home: Home, op: str, **params):
    c = client(home)
    try:
        return c.call(op, **params)
    finally:
        c.close()


# -- commands --------------------------------------------------------------------------------------

def cmd_init(home: Home, args) -> None:
    identity = home.init(args.name)
    print(identity.did)


def cmd_tui(home: Home, args) -> int:
    from antiport.tui.app import run
    home.identity()
    node = None
    if api_of(home) is None:  # start the home's node for as long as the TUI is open
        print(f"antiport: starting the node for {home.path} ...", flush=True)
        node = NodeProcess(home.path, discovery=True)
        try:
            node.wait_ready()
        except (RuntimeError, TimeoutError) as e:
            node.stop()
            print(f"antiport: the node did not start: {str(e).splitlines()[0]}", file=sys.stderr)
            return 1
    try:
        return run(home)
    finally:
        if node is not None:
            node.stop()


def cmd_run(home: Home, args) -> int:
    from antiport.node.runtime import run_forever
    from antiport.node.p2p import load_host_key
    with home.lock():  # first: a second node for this home stops here, before it touches anything
        if home.host_key_file.exists():  # a damaged key is one line before the store is opened
            load_host_key(home.host_key_file)
        services = []
        if args.bridge:
            from antiport.node.bridge.bridge import BridgeConfigError, load_bridge
            try:  # checked before the node starts: a bad file is one line, not a half-started node
                services.append(load_bridge(args.bridge, home.identity()))
            except BridgeConfigError as e:
                print(f"antiport: {e}", file=sys.stderr)
                return 1
        run_forever(home, listen=args.listen, bootstrap=args.bootstrap, api_port=args.api_port,
                    services=services, discovery=args.discovery)
    return 0


def cmd_demo(home: Home, args) -> int:
    from .demo import main as demo
    try:
        return demo(headless=args.headless)
    except (RuntimeError, OSError) as e:  # a node that did not start says why in lines of its log: keep the first
        print(f"antiport demo: {str(e).splitlines()[0]}", file=sys.stderr)
        return 1


def cmd_id(home: Home, args) -> None:
    info = call(home, "id")
    lines = [info["did"]]
    if info.get("running"):
        lines += [f"peer id: {info['peer_id']}", *(f"listening: {a}" for a in info["addrs"])]
    else:
        lines.append("(node not running)")
    emit(args, info, "\n".join(lines))


def cmd_op(op: str):
    fields = {"follow": ["topic"], "unfollow": ["topic"], "answer": ["id", "text"], "accept": ["id"],
              "resolve": ["id"], "vote": ["id", "value"], "retract": ["id", "reason"], "report": ["id", "reason"],
              "status": ["id", "state", "note"], "trust": ["did", "value", "scope"], "profile": ["name"]}[op]

    def handler(home: Home, args) -> None:
        result = call(home, op, **{f: getattr(args, f) for f in fields})
        text = result.get("id") or f"{'following' if result.get('following') else 'not following'} {result['topic']}"
        emit(args, result, text)
    return handler


def cmd_ask(home: Home, args) -> None:
    result = call(home, "ask", topic=args.topic, title=args.title, text=args.text, kind=args.kind,
                  private_text=args.private_text)
    emit(args, result, result["id"])


def cmd_topics(home: Home, args) -> None:
    rows = call(home, "topics")
    emit(args, rows, "\n".join(f"{r['topic']:40} {r['threads']:5} threads {r['unanswered']:5} unanswered"
                               for r in rows) or "(no topics followed: antiport follow vendor/product)")


def thread_line(t: dict) -> str:
    flags = "".join([("✓" if t["accepted"] else " "), ("R" if t["resolved"] else " ")])
    status = f" [{t['status']}]" if t.get("status") else ""
    return f"{t['id'][:12]}  {t['kind']:9} {flags} {t['answers']:2} ans  {age(t['created']):>4}  {t['topic']}  {t['title']}{status}"


def cmd_list(home: Home, args) -> None:
    rows = call(home, "list", topic=args.topic)
    emit(args, rows, "\n".join(map(thread_line, rows)) or "(no threads)")


def cmd_show(home: Home, args) -> None:
    t = call(home, "show", id=args.id)
    lines = [f"{t['kind']} {t['id']}", f"topic: {t['topic']}   by {who(t['author'], t['name'])}   {age(t['created'])} ago",
             f"status: {t['status'] or '-'}   resolved: {'yes' if t['resolved'] else 'no'}", "",
             t["body"].get("title", ""), t["body"].get("text", "")]
    if "private" in t["body"]:
        lines.append(f"(+ a private part sealed to {t['body']['to']})")
    for a in t["answers"]:
        mark = "ACCEPTED " if a["accepted"] else ""
        votes = a["votes"]
        head = (f"-- {mark}answer {a['id'][:12]} by {who(a['author'], a['name'])} (+{votes.get('up', 0)}/-{votes.get('down', 0)},"
                f" score {a.get('score', 0):.4f})")
        lines += ["", head, a["body"]["text"]]
    emit(args, t, "\n".join(lines))


def cmd_search(home: Home, args) -> None:
    rows = call(home, "search", query=args.query)
    emit(args, rows, "\n".join(f"{r['id'][:12]}  {r['kind']:9} {r['topic']}  {r['title'] or (r['text'] or '')[:60]}"
                               for r in rows) or "(nothing found)")


def cmd_export(home: Home, args) -> None:
    c = client(home)
    try:
        out = open(args.out, "wb") if args.out else sys.stdout.buffer
        with out if args.out else _nullcontext(out):
            for chunk in c.export():
                out.write(chunk)
    finally:
        c.close()


class _nullcontext:
    def __init__(self, value):
        self.value = value

    def __enter__(self):
        return self.value

    def __exit__(self, *exc):
        self.value.flush()


def cmd_import(home: Home, args) -> None:
    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        raise ClientError(f"cannot read {args.file}: {e.strerror}") from None
    c = client(home)
    try:
        result = c.import_(data)
    finally:
        c.close()
    rejected = ", ".join(f"{n} {reason}" for reason, n in result["rejected"].items()) or "none"
    emit(args, result, f"{result['accepted']} new, {result['duplicates']} already held, rejected: {rejected}")


def cmd_peers(home: Home, args) -> None:
    rows = call(home, "peers")
    lines = []
    for p in rows:
        rejected = ", ".join(f"{r}={n}" for r, n in p["rejected"].items()) or "none"
        lines.append(f"{p['peer_id']}  topics: {', '.join(p['topics']) or '-'}  accepted: {p['accepted']}  rejected: {rejected}")
    emit(args, rows, "\n".join(lines) or "(no peers connected)")


def cmd_sync_status(home: Home, args) -> None:
    data = call(home, "sync_status")
    lines = [f"{r['topic'] or '(meta)'}  {r['peer']}  {r['state']}  known {r['known']}  fetched {r['fetched']}"
             f"  pending {r['pending']}  sent {r['sent']}  (total fetched {r['fetched_total']}, sent {r['sent_total']})"
             for r in data["progress"]]
    if data.get("misbehaved"):
        lines.append("cut off for protocol violations: " + ", ".join(f"{p}={n}" for p, n in data["misbehaved"].items()))
    emit(args, data, "\n".join(lines) or "(no sync yet)")


# -- reputation and vendors ------------------------------------------------------------------------

def who(did: str, name: str) -> str:
    return f"{name} ({did[:20]}…)" if name else did


def cmd_experts(home: Home, args) -> None:
    rows = call(home, "experts", topic=args.topic)
    lines = [f"{'rank':>4}  {'score':>8}  {'acc':>3}  {'up':>3}  {'down':>4}  {'ans':>3}  who"]
    lines += [f"{r['rank']:>4}  {r['score']:8.4f}  {r['accepted']:>3}  {r['upvotes']:>3}  {r['downvotes']:>4}"
              f"  {r['answers']:>3}  {who(r['did'], r['name'])}" for r in rows]
    emit(args, rows, "\n".join(lines) if rows else f"(nobody has answered in {args.topic} yet)")


def cmd_why(home: Home, args) -> None:
    data = call(home, "why", did=args.did, topic=args.topic)
    lines = [who(data["did"], data["name"])]
    for t in data["topics"]:
        lines += ["", f"{t['topic']}: score {t['score']:.4f}, rank {t['rank'] or '-'}"]
        lines += [f"  {f['weight']:+.4f}  {f['kind']:8}  {f['id'][:12]}  from {who(f['from'], f['from_name'])}  {f['note']}"
                  for f in t["facts"]] or ["  (no facts)"]
    emit(args, data, "\n".join(lines) if data["topics"] else f"{lines[0]}: no facts or answers in any topic")


def share(x) -> str:
    return "-" if x is None else f"{x:.0%}"


def secs(x) -> str:
    if x is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if x >= size:
            return f"{x / size:.1f}{unit}"
    return f"{x:.0f}s"


def vendor_line(r: dict) -> str:
    old = r["oldest_unanswered"]
    oldest = f"{old['id'][:12]} {secs(old['age_s'])} {old['title'][:30]}" if old else "-"
    name = r["name"] + ("" if r["claimed"] else " (unclaimed)")
    return (f"{name[:28]:28}  {r['seen']:>5}  {share(r['acknowledged_share']):>5}  {secs(r['median_response_s']):>7}"
            f"  {secs(r['p90_response_s']):>7}  {share(r['resolved_share']):>5}  {oldest}")


VENDOR_HEADER = f"{'vendor':28}  {'seen':>5}  {'ack':>5}  {'median':>7}  {'p90':>7}  {'res':>5}  oldest unanswered"


def cmd_vendors(home: Home, args) -> None:
    rows = call(home, "vendors")
    emit(args, rows, "\n".join([VENDOR_HEADER, *map(vendor_line, rows)]) if rows else "(no vendors or requests yet)")


def cmd_vendor(home: Home, args) -> None:
    r = call(home, "vendor", name=args.name)
    promise = f"first response promised within {r['promise']} h" if r["promise"] is not None else "no promise"
    lines = [f"{r['name']}  {r['did'] or '(unclaimed: no manifest)'}", promise, "", VENDOR_HEADER, vendor_line(r), ""]
    lines += [vendor_line({**p, "name": p["topic"], "claimed": True}) for p in r["per_topic"]]
    emit(args, r, "\n".join(lines))



def cmd_doctor(home: Home, args) -> int:
    from antiport.node import doctor
    if args.rebuild or args.rebuild_from_network:
        for line in doctor.rebuild(home, args.rebuild):
            print(line)
        return 0
    findings = doctor.check(home)
    for f in findings:
        print(f.line())
    return 0 if all(f.ok for f in findings) else 1


if __name__ == "__main__":
    sys.exit(main())
