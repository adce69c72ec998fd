"""The link scheme (docs/web.md): a topic, a thread or a vendor named as an `antiport:` URI or as a path of
the web view, the one being the other's path after the scheme.

    antiport:topic/äcme/wïdget     /topic/%C3%A4cme/w%C3%AFdget     /topic/%C3%A4cme/w%C3%AFdget/feed.atom
    antiport:thread/<64 hex>       /thread/<64 hex>                 /thread/<64 hex>/feed.atom
                                   /vendor/<did, or an unclaimed vendor's slug>

A URI is printed as an IRI (letters of any script as they are: what a person reads and a QR code holds);
a path percent-encodes every part, so that a topic in any script (and a vendor name holding a '/') is one
path segment. `parse` takes either form, and a web view's full URL."""
from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

from antiport.protocol import BadTopic, normalise

SCHEME = "antiport:"


def _segment(text: str) -> str:
    return quote(text, safe="")


def topic_path(slug: str) -> str:
    return "/topic/" + "/".join(map(_segment, slug.split("/")))


def thread_path(id: str) -> str:
    return "/thread/" + _segment(id)


def vendor_path(name: str) -> str:
    return "/vendor/" + _segment(name)


def uri(kind: str, value: str) -> str:
    """`antiport:topic/äcme/wïdget`, `antiport:thread/<id>`."""
    return f"{SCHEME}{kind}/{value}"


class BadLink(ValueError):
    """Text that names no topic or thread, with a line saying what a link looks like."""


def parse(text: str) -> tuple[str, str]:
    """("topic", slug) or ("thread", id) from an antiport: URI, a web view path or its full URL (a feed's too).
    A topic is normalised (`antiport:topic/ÄCME/Wïdget` names äcme/wïdget); an id is checked for hex."""
    text = text.strip()
    if text[:len(SCHEME)].lower() == SCHEME:
        path = text[len(SCHEME):]
    elif "://" in text:
        path = urlsplit(text).path.lstrip("/")
    else:
        path = text.lstrip("/")
    kind, _, rest = path.partition("/")
    parts = [unquote(p) for p in rest.split("/")]
    if parts and parts[-1] == "feed.atom":
        parts.pop()
    if kind == "topic" and len(parts) == 2:
        try:
            return kind, normalise("/".join(parts))
        except BadTopic as e:
            raise BadLink(str(e)) from None
    if kind == "thread" and len(parts) == 1 and len(parts[0]) >= 6 and _is_hex(parts[0]):
        return kind, parts[0].lower()
    raise BadLink(f"{text!r} is not a link to a topic or a thread: give antiport:topic/VENDOR/PRODUCT,"
                  " antiport:thread/ID or a web view URL of one")


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)
