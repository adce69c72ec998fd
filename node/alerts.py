"""Alerts: which newly stored messages a person wants to hear about at once, and the node's hook that passes
them on (a command of the config's `alerts`, a desktop notification).

An alert is one of: a new request or complaint in a followed topic (for experts); an answer to your own
request or complaint; an answer or accept in a thread you answered; your answer accepted. Your own
messages never alert you."""
from __future__ import annotations

import json
import logging
import shutil
import subprocess
from dataclasses import dataclass

import trio
from antiport.protocol import Message

from .store import Store

log = logging.getLogger("antiport.alerts")


def alert(store: Store, me: str, msg: Message) -> dict | None:
    """The alert `msg` raises for `me`, or None: {kind, thread, topic, text} (text plain, for a line)."""
    if msg.author_did == me:
        return None
    if msg.kind in ("request", "complaint"):
        if msg.topic in store.followed():
            return _alert("new-" + msg.kind, msg.id, msg, f"new {msg.kind} in {msg.topic}: {msg.body['title']}")
        return None
    if msg.kind not in ("answer", "accept") or not msg.refs:
        return None
    target = store.get(msg.refs[0])
    if target is None:
        return None
    if msg.kind == "accept":
        root = store.get(target.refs[0]) if target.refs else None
        if target.author_did == me and root is not None:
            return _alert("accepted", root.id, msg, f"your answer was accepted in {msg.topic}: {root.body['title']}")
        return None
    title = target.body.get("title", "")
    if target.author_did == me:
        return _alert("answer-to-you", target.id, msg, f"an answer to your {target.kind} in {msg.topic}: {title}")
    if me in store.answer_authors(target.id):
        return _alert("answer-in-your-thread", target.id, msg, f"another answer in {msg.topic}: {title}")
    return None


def _alert(kind: str, thread: str, msg: Message, text: str) -> dict:
    return {"kind": kind, "thread": thread, "topic": msg.topic, "message": msg.id, "text": text}


@dataclass(frozen=True)
class Settings:
    """The config's `alerts`: `command`, a program and its arguments run once per alert with the alert as
    JSON on its standard input; `desktop`, a notify-send notification where there is one."""
    command: tuple[str, ...] = ()
    desktop: bool = False

    @classmethod
    def from_config(cls, value: object) -> Settings:
        if not isinstance(value, dict):
            raise ValueError("alerts must be an object such as {\"command\": [\"notify-me\"]}")
        unknown = set(value) - {"command", "desktop"}
        if unknown:
            raise ValueError(f"alerts has no setting {min(unknown)!r} (command, desktop)")
        command = value.get("command", [])
        if not isinstance(command, list) or not all(isinstance(a, str) and a for a in command):
            raise ValueError("alerts.command must be a list of strings: the program, then its arguments")
        desktop = value.get("desktop", False)
        if not isinstance(desktop, bool):
            raise ValueError("alerts.desktop must be true or false")
        return cls(tuple(command), desktop)


def service(settings: Settings):
    """A node service (node/runtime.py) running the hooks for every alert of the node's identity."""
    desktop = shutil.which("notify-send") if settings.desktop else None

    async def run(node, task_status=trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        if not settings.command and not desktop:
            return
        with node.message_feed() as feed:
            async for msg in feed:
                found = alert(node.store, node.identity.did, msg)
                if found:
                    await trio.to_thread.run_sync(deliver, settings.command, desktop, found)
    return run


def deliver(command: tuple[str, ...], desktop: str | None, found: dict) -> None:
    """Run the hooks for one alert; a hook that fails is logged, never stops the node."""
    runs = ([list(command)] if command else []) + ([[desktop, "Antiport", found["text"]]] if desktop else [])
    for argv in runs:
        try:
            subprocess.run(argv, input=json.dumps(found), text=True, timeout=30, check=True,
                           capture_output=True)
        except (OSError, subprocess.SubprocessError) as e:
            log.warning("the alert hook %s failed: %s", argv[0], e)
