"""Attachments: content-addressed blobs listed in a message's `files` (specs/09-attachments.md).

A blob is any bytes up to MAX_BLOB, named by BLAKE2b-256 of those bytes (as message ids are). A message lists
its blobs in `files`; a sealed entry's blob is a sealed box, to the message's `to` key, of the deterministic
CBOR map {name, type, data}, so that relays carry and check it without learning the file's name or contents.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

from antiport.crypto import Identity
from antiport.crypto.seal import SealError, seal, unseal

from . import codec
from .errors import Rejected
from .kinds import KINDS, forbidden, is_blank

MAX_BLOB = 4 * 1024 * 1024        # bytes of one blob, as stored and sent (a sealed blob with its 48 bytes of box)
MAX_MESSAGE_FILES = 8 * 1024 * 1024  # the sizes of one message's blobs together
MAX_NAME = 255                    # code points of a file name
SEAL_OVERHEAD = 48                # a sealed box's ephemeral key (32) and tag (16)
# a media type without parameters, lowercase (RFC 6838 section 4.2 restricted names)
MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
FILE_KINDS = frozenset(name for name, kind in KINDS.items() if "files" in kind.body)
PLAIN = {"hash", "size", "name", "type"}
SEALED = {"hash", "size", "sealed"}


def blob_hash(data: bytes) -> bytes:
    """The 32-byte name of a blob: BLAKE2b-256 of its bytes."""
    return hashlib.blake2b(data, digest_size=32).digest()


def entry(data: bytes, name: str, media_type: str) -> dict[str, Any]:
    """The `files` entry of a public file."""
    return {"hash": blob_hash(data), "size": len(data), "name": name, "type": media_type}


def seal_file(to: bytes, name: str, media_type: str, data: bytes) -> tuple[dict[str, Any], bytes]:
    """A file sealed to the key `to`: its `files` entry and the blob (a sealed box of {name, type, data})."""
    blob = seal(to, codec.encode({"name": name, "type": media_type, "data": data}))
    return {"hash": blob_hash(blob), "size": len(blob), "sealed": True}, blob


def open_file(identity: Identity, blob: bytes) -> tuple[str, str, bytes]:
    """(name, type, data) of a sealed blob addressed to `identity`; SealError if it is not, or holds no file."""
    try:
        inner = codec.decode(unseal(identity, blob))
    except Rejected:
        inner = None
    if not (isinstance(inner, dict) and set(inner) == {"name", "type", "data"}
            and isinstance(inner["data"], bytes) and _name_problem(inner["name"]) is None
            and isinstance(inner["type"], str) and MEDIA_TYPE.fullmatch(inner["type"])):
        raise SealError("the sealed blob does not hold a file")
    return inner["name"], inner["type"], inner["data"]


def listed(msg_kind: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The `files` entries of a validated message (none for a kind that does not take files)."""
    return list(body.get("files", [])) if msg_kind in FILE_KINDS else []


def matches(size: int, digest: bytes, data: bytes) -> bool:
    """Whether `data` is the blob an entry names (its size first: nothing is hashed that cannot match)."""
    return len(data) == size and blob_hash(data) == digest


def check_files(body: dict[str, Any]) -> str | None:
    """What is wrong with a body's `files` (bad-body), or None. The list's length is a table rule (02)."""
    seen: set[bytes] = set()
    total = 0
    for item in body["files"]:
        problem = _entry_problem(item, "to" in body)
        if problem:
            return problem
        if item["hash"] in seen:
            return "files lists a blob twice"
        seen.add(item["hash"])
        total += item["size"]
    return f"files hold more than {MAX_MESSAGE_FILES} bytes together" if total > MAX_MESSAGE_FILES else None


def _entry_problem(item: object, has_to: bool) -> str | None:
    if not isinstance(item, dict) or set(item) not in (PLAIN, SEALED):
        return "a files entry is {hash, size, name, type} or {hash, size, sealed}"
    if not (isinstance(item["hash"], bytes) and len(item["hash"]) == 32):
        return "a file's hash is 32 bytes"
    size = item["size"]
    least = SEAL_OVERHEAD + 1 if "sealed" in item else 1
    if type(size) is not int or not least <= size <= MAX_BLOB:
        return f"a file's size is an integer from {least} to {MAX_BLOB}"
    if "sealed" in item:
        if item["sealed"] is not True:
            return "sealed is true"
        return None if has_to else "a sealed file needs 'to', the key it is sealed to"
    if not (isinstance(item["type"], str) and MEDIA_TYPE.fullmatch(item["type"])):
        return "a file's type is a lowercase media type such as image/png"
    return _name_problem(item["name"])


def _name_problem(name: object) -> str | None:
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME or is_blank(name):
        return f"a file's name is 1 to {MAX_NAME} characters that say something"
    if forbidden(name, line=True) or "/" in name or "\\" in name or name in (".", ".."):
        return "a file's name is one line without / or \\, and not . or .."
    return None
