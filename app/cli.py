"""The `antiport` command. Every error is one line on stderr and a non-zero exit."""
from __future__ import annotations

import argparse
import base64
import errno
import json
import os
import sys
from importlib.metadata import version
from pathlib import Path

from antiport.crypto import KeystoreError
from antiport.node import links
from antiport.node.client import Client, ClientError, api_of
from antiport.node.home import Home, HomeError, resolve_home
from antiport.node.ops import OPS
from antiport.node.store import StoreError
from antiport.protocol import BadTopic, normalise
from antiport.tui.visible import visible

from . import keys
from .processes import NodeProcess
from .text import TEXT


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    home = Home(resolve_home(args.home), ask=keys.ask)
    os.umask(0o077)  # whatever antiport writes is for its user only (an export too: chmod it to share it)
    try:
        home.make_private()
        return args.handler(home, args) or 0
    except (ClientError, HomeError, KeystoreError, StoreError) as e:
        print(f"antiport: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (`antiport list | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor is the flush at exit
        return 0
    except (OSError, BaseExceptionGroup) as e:  # trio wraps what its tasks raise in groups
        full = disk_full(e)
        if full is None:
            raise
        print(f"antiport: the disk holding {full.filename or home.path} is full: free some space and try again"
              " (nothing stored was lost)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def disk_full(e: BaseException) -> OSError | None:
    """The "no space left" error in `e` or in the groups it wraps, else None."""
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
        return e
    return next(filter(None, map(disk_full, getattr(e, "exceptions", ()))), None)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="antiport", description="Antiport: peer-to-peer help and feedback.")
    p.add_argument("--home", help="the node's home directory (default: $ANTIPORT_HOME or the per-user data dir)")
    p.add_argument("--version", action="version", version=f"antiport {version('antiport')}")
    sub = p.add_subparsers(metavar="COMMAND")

    def cmd(name, handler, help, json_flag=False):
        c = sub.add_parser(name, help=help, description=help)
        c.set_defaults(handler=handler)
        if json_flag:
            c.add_argument("--json", action="store_true", help="print JSON")
        return c

    c = cmd("init", cmd_init, "create an identity (its key sealed with a passphrase you choose), a host key and a "
            "config; or bring back an identity from a backup")
    c.add_argument("--name", help="your display name")
    keys.add_init_arguments(c)
    keys.add_key_commands(sub)
    run = cmd("run", cmd_run, "run the node in the foreground until Ctrl-C / SIGTERM")
    run.add_argument("--bridge", metavar="FILE", type=Path,
                     help="also run a vendor bridge from this TOML file (see docs/bridge.md)")
    bridge = cmd("bridge", cmd_run, "run the node as a vendor bridge (same as run --bridge FILE)")
    bridge.add_argument("bridge", metavar="FILE", type=Path, help="the bridge's TOML file (see docs/bridge.md)")
    for c in (run, bridge):
        c.add_argument("--listen", action="append", metavar="MULTIADDR", help="address to listen on (repeatable)")
        c.add_argument("--bootstrap", action="append", metavar="MULTIADDR", help="peer to connect to (repeatable)")
        c.add_argument("--api-port", type=int, default=0, help="port of the local HTTP API (default: any free port)")
        c.add_argument("--web", metavar="[HOST:]PORT", help="serve the read-only web view and its feeds here (host"
                       " 127.0.0.1 unless given; default: the config's web.listen, else none; docs/web.md)")
        c.add_argument("--no-discovery", dest="discovery", action="store_false",
                       help="no mDNS and no DHT, whatever the config says: only --bootstrap and remembered peers")
    cmd("tui", cmd_tui, "open the terminal UI (starts the node for this home if none runs)")
    c = cmd("open", cmd_open, "open a topic or a thread by its link in the TUI (starting the node like tui), or"
            " print its web view URL")
    c.add_argument("link", metavar="LINK", help="antiport:topic/VENDOR/PRODUCT, antiport:thread/ID, or a web view"
                   " URL of a topic or thread (docs/web.md)")
    c.add_argument("--web", action="store_true", help="print the URL of it in this home's running web view instead")
    c = cmd("qr", cmd_qr, "print a topic's support tag as a QR code in the terminal (its antiport: link), for a"
            " product's box or manual")
    c.add_argument("topic", metavar="TOPIC", help="a product topic: vendor/product")
    c.add_argument("--url", metavar="BASE", help="encode the topic's page in a web view published at BASE"
                   " (https://support.example.com) instead of its antiport: link")
    cmd("completion", cmd_completion, "print the shell completion script: `eval \"$(antiport completion bash)\"` in "
        "~/.bashrc (zsh: `antiport completion zsh > ~/.zfunc/_antiport`)").add_argument(
        "shell", choices=["bash", "zsh", "tcsh"])
    blob = add_op_commands(sub)["blob"].add_parser("get", help="save an attachment to a file (opened if sealed to"
                                                                 " this key)")
    blob.set_defaults(handler=cmd_blob_get)
    blob.add_argument("hash", metavar="HASH", help="the attachment's hash, as show lists it")
    blob.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write (not overwritten)")
    cmd("export", cmd_export, "write every stored message's signed bytes").add_argument(
        "--out", help="file to write (default: standard output)")
    cmd("import", cmd_import, "validate and store messages from an export file", True).add_argument("file")
    cmd("demo", cmd_demo, "start a local network of six nodes, play a support story in it, then open the TUI "
        "on the customer's node").add_argument(
        "--headless", action="store_true", help="only play the story and print what happened (for scripts)")
    c = cmd("doctor", cmd_doctor, "check the home's identity, host key, config and store (integrity_check);"
            " rebuild a damaged store")
    how = c.add_mutually_exclusive_group()
    how.add_argument("--rebuild", metavar="EXPORT", type=Path,
                     help="move the damaged store aside and make a new one from this export file")
    how.add_argument("--rebuild-from-network", action="store_true",
                     help="move the damaged store aside and make a new one that the next 'antiport run' fills by sync")
    return p


# -- the operations: commands, arguments and help from the op registry (node/ops.py) --------------

def add_op_commands(sub) -> dict[str, argparse._SubParsersAction]:
    """A command per op command; returns the groups (`sync`, `blob`...) for hand-written commands to join."""
    groups: dict[str, argparse._SubParsersAction] = {}
    for entry in OPS.values():
        for command in entry.commands:
            group, _, name = command.name.rpartition(" ")
            if group and group not in groups:
                parent = sub.add_parser(group, help=f"{group}: see 'antiport {group} -h'")
                groups[group] = parent.add_subparsers(metavar="ACTION", required=True)
            help = command.help or entry.summary[:1].lower() + entry.summary[1:]
            c = (groups[group] if group else sub).add_parser(name, help=help, description=command.help or entry.doc)
            c.set_defaults(handler=op_handler(entry.name, command.preset))
            for p in entry.params:
                if p.name not in command.preset:
                    add_param(c, p)
            c.add_argument("--json", action="store_true", help="print JSON")
    return groups


def add_param(c: argparse.ArgumentParser, p) -> None:
    help = p.arg.help + (f" (default: {p.default})" if p.default not in (None, "") else "")
    choices = p.arg.choices or None
    if p.arg.switch:
        c.add_argument(f"--{p.arg.switch}", dest=p.name, action="store_const", const=p.arg.switch,
                       help=f"{p.arg.switch} instead of {p.default}")
    elif p.arg.positional:
        c.add_argument(p.name, metavar=p.name.upper(), nargs=None if p.required else "?", choices=choices,
                       help=help, type=int if int in p.types else None)
    elif list in p.types:  # given again for each more; a path is sent as the node would see it from here
        c.add_argument(f"--{p.name.replace('_', '-')}", dest=p.name, action="append",
                       metavar="FILE" if p.arg.path else p.name.upper(),
                       type=(lambda text: str(Path(text).resolve())) if p.arg.path else None, help=help)
    elif bool in p.types:
        c.add_argument(f"--{p.name.replace('_', '-')}", dest=p.name, action="store_true", help=p.arg.help)
    else:
        c.add_argument(f"--{p.name.replace('_', '-')}", dest=p.name, metavar=p.name.split("_")[-1].upper(),
                       required=p.required, choices=choices, help=help, type=int if int in p.types else None)


def op_handler(op: str, preset: dict):
    def handler(home: Home, args) -> None:
        params = {**{p.name: getattr(args, p.name) for p in OPS[op].params if p.name not in preset}, **preset}
        emit(args, call(home, op, **params), TEXT[op])
    return handler


# -- output ----------------------------------------------------------------------------------------

def emit(args, data, text) -> None:
    """The result as JSON with --json, else as `text(data, params)` says."""
    print(json.dumps(data, indent=2) if getattr(args, "json", False) else text(data, vars(args)))


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
    if home.exists():  # before any passphrase is asked
        raise HomeError(f"{home.path} already holds an identity: a home holds one (choose another with --home)")
    restore = args.restore or args.words
    identity, passphrase, intents = keys.restored(args) if restore else (None, keys.init_passphrase(args), None)
    identity = home.init(args.name, passphrase, identity)
    if intents:
        home.keep_intent_secret(intents)
    if args.device_of:  # a key of an existing identity: its log is that identity's, nothing to start here
        print(TEXT["device_request"](call(home, "device_request", identity=args.device_of), {}))
    elif restore:
        keys.mark_restored(home)
    if args.name:  # published through the one write path (queued until the node runs), so peers see it
        call(home, "profile", name=args.name)
    print(identity.did)
    if restore:
        print("its threads and standing come back by sync once 'antiport run' reaches peers that hold them",
              file=sys.stderr)


def cmd_completion(home: Home, args) -> None:
    import shtab  # the script is made from this parser, so it knows every command and option
    print(shtab.complete(build_parser(), shell=args.shell))


def cmd_open(home: Home, args) -> int:
    try:
        kind, value = links.parse(args.link)
    except links.BadLink as e:
        raise ClientError(str(e)) from None
    if not args.web:
        return cmd_tui(home, args, start=(kind, value))
    view = (api_of(home) or {}).get("web")
    if view is None:
        raise ClientError(f"no web view runs for {home.path}: start the node with 'antiport run --web PORT'"
                          " (docs/web.md)")
    print(view + (links.topic_path(value) if kind == "topic" else links.thread_path(value)))
    return 0


def cmd_qr(home: Home, args) -> None:
    import segno
    try:
        slug = normalise(args.topic)
    except BadTopic as e:
        raise ClientError(str(e)) from None
    if args.url and not args.url.startswith(("https://", "http://")):
        raise ClientError(f"--url is where the web view is published, https://…, not {args.url!r}")
    text = args.url.rstrip("/") + links.topic_path(slug) if args.url else links.uri("topic", slug)
    segno.make(text, error="m").terminal(compact=True)
    print(text)


def cmd_tui(home: Home, args, start: tuple[str, str] | None = None) -> int:
    from antiport.tui.app import run
    home.identity()  # asks for the passphrase of a sealed key, on the terminal, before the TUI takes it
    node = None
    if api_of(home) is None:  # start the home's node for as long as the TUI is open
        print(f"antiport: starting the node for {home.path} ...", flush=True)
        node = NodeProcess(home.path, discovery=True, passphrase=home.passphrase)
        try:
            node.wait_ready()
        except (RuntimeError, TimeoutError) as e:
            node.stop()
            print(f"antiport: the node did not start: {str(e).splitlines()[0]}", file=sys.stderr)
            return 1
    try:
        return run(home, start)
    finally:
        if node is not None:
            node.stop()


def cmd_run(home: Home, args) -> int:
    from antiport.node.p2p import load_host_key
    from antiport.node.runtime import run_forever
    with home.lock():  # first: a second node for this home stops here, before it touches anything
        home.identity()  # a sealed key's passphrase is asked before the node starts
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
                    services=services, discovery=args.discovery, web=args.web)
    return 0


def cmd_demo(home: Home, args) -> int:
    from .demo import main as demo
    try:
        return demo(headless=args.headless)
    except (RuntimeError, OSError) as e:  # a node that did not start says why in lines of its log: keep the first
        print(f"antiport demo: {str(e).splitlines()[0]}", file=sys.stderr)
        return 1


def cmd_export(home: Home, args) -> None:
    try:
        out = open(args.out, "wb") if args.out else sys.stdout.buffer
    except OSError as e:
        raise ClientError(f"cannot write {args.out}: {e.strerror}") from None
    c = client(home)
    try:
        with out if args.out else _nullcontext(out):
            for chunk in c.export():
                out.write(chunk)
    finally:
        c.close()


def cmd_blob_get(home: Home, args) -> None:
    found = call(home, "blob", hash=args.hash, data=True)
    try:
        with open(args.output, "xb") as out:
            out.write(base64.b64decode(found["data"]))
    except OSError as e:
        raise ClientError(f"cannot write {args.output}: {e.strerror}") from None
    print(f"{args.output}: {visible(found['name'], line=True)} ({found['type']}, {found['size']} bytes)")


class _nullcontext:
    def __init__(self, value):
        self.value = value

    def __enter__(self):
        return self.value

    def __exit__(self, *exc):
        self.value.flush()


def cmd_import(home: Home, args) -> None:
    c = client(home)
    try:
        result = c.import_(Path(args.file))
    finally:
        c.close()
    emit(args, result, imported)


def imported(result: dict, params: dict) -> str:
    rejected = ", ".join(f"{n} {reason}" for reason, n in result["rejected"].items()) or "none"
    return f"{result['accepted']} new, {result['duplicates']} already held, rejected: {rejected}"


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
