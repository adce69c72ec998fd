"""The node's read-only web view and its Atom feeds (docs/web.md): off unless `antiport run --web ADDR` or the
home config's `web.listen` says where; no login, nothing written.

Pages are rendered on the server by Jinja2 templates (node/templates/, autoescaped: every string of the
network is text, never markup) from the same read ops as the API, run in its reader processes
(node/readers.py): a page never waits on the node's loop, nor the loop on a page. Every value a template
prints passes `printable` first: characters XML 1.0 forbids (C0 controls) are shown as escapes, so a
hostile title can neither break a feed nor hide in a page. A Content-Security-Policy without scripts is
the second line: were anything ever printed as markup, no script of it would run.
"""
from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from urllib.parse import unquote

from antiport.protocol import BadTopic, normalise
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from . import links
from .home import now_ms
from .ops import OPS, OpError
from .readers import Readers
from .store import StoreError

log = logging.getLogger("antiport.web")

HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none';"
                                      " form-action 'none'; frame-ancestors 'none'",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
ATOM = "application/atom+xml; charset=utf-8"
FEED_ENTRIES = 50
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def printable(value):
    """What a template prints: text with XML's forbidden characters as visible escapes (`\\x1b`)."""
    if type(value) is str:  # not Markup: what a filter or the template made is already safe
        return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value


def when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def rfc3339(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


@cache
def templates():
    """The pages and the feed, made when a web view is first served: a node without one never imports jinja2."""
    import jinja2
    made = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                              autoescape=True, finalize=printable, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)
    made.filters.update(when=when, rfc3339=rfc3339, duration=duration, share=share, topic_path=links.topic_path,
                        thread_path=links.thread_path, vendor_path=links.vendor_path)
    made.globals.update(uri=links.uri)
    return made


def author(row: dict) -> str:
    """Who wrote a row, for a feed: their display name, else their did; a vendor's agent after it."""
    agent = row.get("body", {}).get("agent")
    return (row["name"] or row["author"]) + (f" (agent: {agent})" if agent else "")


# -- the vendor's chart ----------------------------------------------------------------------------

LABELS = {3600: "< 1 h", 86400: "< 1 day", 7 * 86400: "< 1 week", None: "later"}  # vendors.UNDER's bounds


def chart(vendor: dict) -> dict:
    """The figures of a vendor's chart: per topic, the shares acknowledged and resolved (0..1); and how its
    first responses spread over time (counts per bucket, and the largest, for the bars' scale)."""
    counts = [c["responses"] for c in vendor["response_times"]]
    return {"topics": [{"topic": t["topic"], "acknowledged": t["acknowledged_share"] or 0,
                        "resolved": t["resolved_share"] or 0} for t in vendor["per_topic"]],
            "times": [{"label": LABELS[c["under_s"]], "count": c["responses"]} for c in vendor["response_times"]],
            "most": max(counts) or 1}


# -- the app ---------------------------------------------------------------------------------------

def make_app(readers: Readers, name: str = "") -> Starlette:
    pages = templates()

    async def read(op: str, **params):
        return json.loads(await readers.run(OPS[op], params))

    def page(template: str, code: int = 200, **values) -> Response:
        html = pages.get_template(template).render(node=name, **values)
        return Response(html, code, HEADERS, media_type="text/html; charset=utf-8")

    def feed(request: Request, title: str, about: str, path: str, entries: list[dict], now: int) -> Response:
        base = str(request.base_url).rstrip("/")
        xml = pages.get_template("feed.atom").render(
            title=title, id=about, base=base, page=path, here=request.url.path, entries=entries,
            updated=max((e["updated"] for e in entries), default=now))
        return Response(xml, headers=HEADERS, media_type=ATOM)

    def endpoint(handler):
        """An OpError is a page with its status and line, a StoreError a 503, anything else a 500 (logged)."""
        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except OpError as e:
                status, message = e.status, str(e)
            except StoreError as e:
                status, message = 503, str(e)
            except Exception:  # noqa: BLE001 -- a bug: the reader sees one line, the log the traceback
                log.exception("%s %s failed", request.method, request.url.path)
                status, message = 500, "the node failed: see its log"
            return page("error.html", status, status=status, message=message)
        return run

    def window(request: Request) -> dict:
        q = request.query_params
        found = {k: q[k] for k in ("before", "after") if k in q}
        return {**found, "oldest": True} if q.get("oldest") == "true" else found

    def slug_of(request: Request) -> str:
        text = f"{request.path_params['vendor']}/{request.path_params['product']}"
        try:
            return normalise(text)
        except BadTopic as e:
            raise OpError(str(e), 404) from None

    def canonical(request: Request, path: str) -> Response | None:
        """A redirect to the one spelling of a topic or id (ÄCME/Widget, an id's prefix), else None."""
        if request.scope["path"] != unquote(path):  # the path as it was asked for, percent-decoded
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(path + query, 301)
        return None

    @endpoint
    async def index(request: Request) -> Response:
        return page("index.html", topics=await read("topics"), vendors=await read("vendors"))

    @endpoint
    async def topic(request: Request) -> Response:
        slug = slug_of(request)
        moved = canonical(request, links.topic_path(slug))
        return moved or page("topic.html", topic=slug, listed=await read("list", topic=slug, **window(request)))

    @endpoint
    async def topic_feed(request: Request) -> Response:
        slug = slug_of(request)
        moved = canonical(request, links.topic_path(slug) + "/feed.atom")
        if moved:
            return moved
        threads = (await read("list", topic=slug, limit=FEED_ENTRIES))["threads"]
        entries = [{"title": t["title"], "id": links.uri("thread", t["id"]), "page": links.thread_path(t["id"]),
                    "updated": t["created"], "author": author(t),
                    "text": f"{t['kind']}: {t['answers']} answers" + (f", {t['status']}" if t["status"] else "")}
                   for t in threads]
        return feed(request, f"{slug}: requests and complaints", links.uri("topic", slug), links.topic_path(slug),
                    entries, now_ms())

    @endpoint
    async def thread(request: Request) -> Response:
        shown = await read("show", id=request.path_params["id"], **window(request))
        moved = canonical(request, links.thread_path(shown["id"]))
        return moved or page("thread.html", thread=shown)

    @endpoint
    async def thread_feed(request: Request) -> Response:
        shown = await read("show", id=request.path_params["id"], limit=FEED_ENTRIES)
        path = links.thread_path(shown["id"])
        moved = canonical(request, path + "/feed.atom")
        if moved:
            return moved
        title = shown["body"].get("title", "(withheld)")
        entries = [{"title": title, "id": links.uri("thread", shown["id"]), "page": path, "updated": shown["created"],
                    "author": author(shown), "text": shown["body"].get("text", "")}]
        for m in [*shown["answers"], *(e for e in shown["events"] if e["kind"] == "status")]:
            said = "Accepted answer" if m.get("accepted") else "Answer" if m["kind"] == "answer" else \
                f"Vendor status: {m['body']['state']}"
            entries.append({"title": f"{said} to {title}", "id": f"{links.uri('thread', shown['id'])}#{m['id']}",
                            "page": f"{path}#{m['id']}", "updated": m["created"], "author": author(m),
                            "text": m["body"].get("text", m["body"].get("note", "")) if m["body"] else "(withheld)"})
        entries[1:] = sorted(entries[1:], key=lambda e: e["updated"], reverse=True)
        return feed(request, title, links.uri("thread", shown["id"]), path, entries, now_ms())

    @endpoint
    async def vendor(request: Request) -> Response:
        found = await read("vendor", name=request.path_params["name"], **window(request))
        return page("vendor.html", vendor=found, chart=chart(found))

    async def style(request: Request) -> Response:
        return Response((Path(__file__).parent / "templates" / "style.css").read_text(), headers=HEADERS,
                        media_type="text/css")

    async def not_found(request: Request, e: HTTPException) -> Response:
        return page("error.html", e.status_code, status=e.status_code, message=f"{request.url.path}: {e.detail}")

    return Starlette(exception_handlers={HTTPException: not_found}, routes=[
        Route("/", index),
        Route("/style.css", style),
        Route("/favicon.ico", lambda request: Response(status_code=204)),  # none: browsers ask for it anyway
        Route("/topic/{vendor}/{product}", topic),
        Route("/topic/{vendor}/{product}/feed.atom", topic_feed),
        Route("/thread/{id}", thread),
        Route("/thread/{id}/feed.atom", thread_feed),
        Route("/vendor/{name}", vendor),
    ])


def address(text: str) -> str:
    """`PORT` or `HOST:PORT` (127.0.0.1 unless a host is given) as a bind; a ValueError otherwise."""
    host, _, port = text.strip().rpartition(":")
    if not port.isdigit() or int(port) > 65535:
        raise ValueError(f"the web view's address is HOST:PORT or PORT, not {text!r}")
    return f"{host or '127.0.0.1'}:{port}"


def from_config(config: object) -> str | None:
    """The home config's `web` object: `{"listen": "127.0.0.1:8080"}` serves the view there; without it, none."""
    if not isinstance(config, dict) or not isinstance(config.get("listen", ""), str):
        raise ValueError('\'web\' is an object like {"listen": "127.0.0.1:8080"}')
    return address(config["listen"]) if config.get("listen") else None
