"""Network text as it may be drawn on a terminal: control characters shown, never obeyed.

The protocol refuses controls in text fields (specs/02 section 2), but messages stored before that rule
and unknown kinds may still hold them, so every screen and every command line draws network text
through `visible` (defence in depth). Pure: the CLI (app/text.py) uses it as well as the TUI.
"""
from __future__ import annotations

import re

from .i18n import ngettext

# C0, DEL and C1 (Unicode Cc); in a line also LF, tab, the line and paragraph separators and the bidi
# embeddings, overrides and isolates, so that one line stays one line and reads in stored order.
_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def visible(text: str, line: bool = True) -> str:
    """`text` with each such character written as its escape (ESC as `\\x1b`, U+202E as `\\u202e`);
    a multi-line text (`line` false) keeps its line feeds and tabs."""
    return (_IN_LINE if line else _IN_TEXT).sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def written_in(lang: str | None) -> str:
    """The language a message says it is in, as a label before its title or text: `[de] `."""
    return f"[{visible(lang)}] " if lang else ""


def file_lines(body: dict) -> list[str]:
    """A message's attachments (its JSON body's `files`), one line each, names escaped as lines; `antiport blob
    get HASH -o FILE` saves one."""
    return [file_line(f) for f in body.get("files", [])]


def file_line(f: dict) -> str:
    size, digest = f["size"], f["hash"]
    if f.get("sealed"):
        return ngettext("[sealed file, {size} byte] {hash}", "[sealed file, {size} bytes] {hash}", size).format(
            size=size, hash=digest)
    return ngettext("[file] {name} ({type}, {size} byte) {hash}", "[file] {name} ({type}, {size} bytes) {hash}",
                    size).format(name=visible(str(f["name"])), type=visible(str(f["type"])), size=size, hash=digest)
