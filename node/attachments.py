"""Files a person attaches (`--attach FILE`) and reads back (`blob get`): read and checked here, listed in the
message's `files`, kept in the store in the transaction that stores the message (specs/09)."""
from __future__ import annotations

import base64
import mimetypes
from pathlib import Path

from antiport.crypto import Identity
from antiport.crypto.seal import SealError
from antiport.protocol import Message
from antiport.protocol.blobs import (
    MAX_BLOB,
    MAX_MESSAGE_FILES,
    MAX_NAME,
    MEDIA_TYPE,
    blob_hash,
    entry,
    listed,
    open_file,
    seal_file,
)
from antiport.protocol.kinds import MAX_FILES, NOT_IN_LINE, is_blank

from .ops import OpError
from .store import Store

File = tuple[str, str, bytes]  # name, media type, bytes


def read(paths: list[str], to: bytes | None = None) -> tuple[list[dict], list[tuple[bytes, bytes]]]:
    """The `files` entries of `paths` and their blobs (hash, bytes); sealed to `to` when given. An OpError
    names the first file that cannot be attached, before anything is written."""
    if len(paths) > MAX_FILES:
        raise OpError(f"{len(paths)} files: a message takes at most {MAX_FILES}")
    entries, blobs = [], []
    for text in paths:
        path = Path(text)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise OpError(f"cannot attach {text}: {e.strerror or e}") from None
        if not data or len(data) > MAX_BLOB - 100:  # room for a sealed box and its {name, type}
            raise OpError(f"cannot attach {text}: {len(data)} bytes; a file is 1 byte to {MAX_BLOB - 100}")
        name, kind = path.name, media_type(path.name)
        item, blob = seal_file(to, name, kind, data) if to else (entry(data, name, kind), data)
        entries.append(item)
        blobs.append((item["hash"], blob))
    if sum(e["size"] for e in entries) > MAX_MESSAGE_FILES:
        raise OpError(f"the files hold more than {MAX_MESSAGE_FILES} bytes together: attach fewer")
    return entries, blobs


def foreign(files: list[File]) -> tuple[list[dict], list[tuple[bytes, bytes]], list[str]]:
    """Files from a helpdesk (name, media type, bytes) as `files` entries and blobs: names made valid (specs/09
    section 2), types without parameters; returns also the names of those left out (too large, too many),
    for the text to say so."""
    entries: list[dict] = []
    blobs: list[tuple[bytes, bytes]] = []
    left_out, total = [], 0
    for name, kind, data in files:
        clean = safe_name(name)
        if not data or len(data) > MAX_BLOB or len(entries) == MAX_FILES or total + len(data) > MAX_MESSAGE_FILES \
                or any(h == blob_hash(data) for h, _ in blobs):
            left_out.append(clean)
            continue
        kind = kind.split(";")[0].strip().lower()
        item = entry(data, clean, kind if MEDIA_TYPE.fullmatch(kind) else media_type(clean))
        entries.append(item)
        blobs.append((item["hash"], data))
        total += len(data)
    return entries, blobs, left_out


def safe_name(name: str) -> str:
    """`name` as a file name the protocol takes: its last path part, controls and bidi controls dropped."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(c for c in last if c not in NOT_IN_LINE)[:MAX_NAME].strip()
    return clean if clean and not is_blank(clean) and clean not in (".", "..") else "attachment"


def media_type(name: str) -> str:
    """The media type a file's name suggests, without parameters; application/octet-stream when unsure."""
    guess = (mimetypes.guess_type(name)[0] or "").lower()
    return guess if MEDIA_TYPE.fullmatch(guess) else "application/octet-stream"


def keep(store: Store, blobs: list[tuple[bytes, bytes]]):
    """The `also` of a write: the message's blobs stored in its transaction."""
    def also(_msg: Message) -> None:
        for digest, data in blobs:
            store.put_blob(digest, data)
    return also


def describe(store: Store, msg: Message) -> list[dict]:
    """A message's files as JSON: hash in hex, size, name and type (a sealed one: `sealed`, no name), held."""
    return [{**{k: v for k, v in item.items() if k != "hash"}, "hash": item["hash"].hex(),
             "held": store.has_blob(item["hash"])} for item in listed(msg.kind, msg.body)]


def get(store: Store, identity: Identity, digest_hex: str, with_data: bool) -> dict:
    """A held blob listed by a held message: its name, type, size (and bytes, base64); a sealed one opened
    with this node's key."""
    try:
        digest = bytes.fromhex(digest_hex.strip())
    except ValueError:
        digest = b""
    if len(digest) != 32:
        raise OpError(f"{digest_hex!r} is not a blob hash (64 hex digits)")
    item = store.listing(digest)
    data = store.blob(digest) if item else None
    if item is None or data is None:
        raise OpError(f"no attachment {digest.hex()} here" + (" yet: it is being fetched" if item else ""), 404)
    if "sealed" in item:
        try:
            name, kind, data = open_file(identity, data)
        except SealError:
            raise OpError("this attachment is sealed to another key (the topic's vendor's)", 403) from None
    else:
        name, kind = item["name"], item["type"]
    out = {"hash": digest.hex(), "name": name, "type": kind, "size": len(data), "sealed": "sealed" in item}
    return {**out, "data": base64.b64encode(data).decode()} if with_data else out


def contents(store: Store, identity: Identity | None, files: list[dict]) -> tuple[list[File], list[str], bool]:
    """The (name, type, bytes) of a JSON body's `files` that this node holds and may open (sealed ones only with
    `identity`), a line for each of the others saying why it is not there, and whether one is still to come."""
    out, missing, waiting = [], [], False
    for f in files:
        data = store.blob(bytes.fromhex(f["hash"]))
        if data is None:
            missing.append(f"{f.get('name') or f['hash']}: not received from the network")
            waiting = True
        elif not f.get("sealed"):
            out.append((f["name"], f["type"], data))
        elif identity is None:
            missing.append(f"{f['hash']}: sealed (this connector does not receive private parts)")
        else:
            try:
                out.append(open_file(identity, data))
            except SealError as e:
                missing.append(f"{f['hash']}: {e}")
    return out, missing, waiting
