"""Unread marks: how many messages of each topic you had seen, kept beside the node's files (the Topics
screen's Unread column; opening a topic's threads marks it read)."""
from __future__ import annotations

import json


def marks_file(home):
    return home.path / "tui-read.json"


def read_marks(home) -> dict:
    try:
        return json.loads(marks_file(home).read_text())
    except (OSError, ValueError):
        return {}


def mark_read(home, topic: str, messages: int) -> None:
    marks = read_marks(home)
    marks[topic] = messages
    marks_file(home).write_text(json.dumps(marks))
