"""The node's local HTTP API: every service operation, export/import, and a server-sent events stream.

Starlette on Hypercorn's trio worker, bound to 127.0.0.1 on a free port; the address and a fresh
bearer token are written to the home's api.json (mode 0600) for the CLI and the TUI.
Reads are GET /v1/<op>?param=..., writes are POST /v1/<op> with a JSON object (application/json, at most
JSON_LIMIT bytes). Export and import stream (application/cbor-seq) and run on worker threads: the loop that
serves every other request, gossip and sync never waits for them. Every 5xx is logged with its traceback
to the `antiport.api` logger (`antiport run` writes it to stderr, the node's log).
"""
from __future__ import annotations

import json
import logging
import secrets
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import BinaryIO

import trio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from . import (
    alerts,
    http,
    intents,  # noqa: F401 -- its ops join the registry
    metrics,
    relations,  # noqa: F401 -- its ops join the registry
    service,
    share,  # noqa: F401 -- its ops join the registry
    terms,  # noqa: F401 -- its ops join the registry
)
from . import web as web_view
from .ingest import Ingest, Stored
from .readers import FACT_OPS, LEDGER_WAIT, Readers
from .service import OPS, Ctx, OpError
from .store import Store, StoreError

log = logging.getLogger("antiport.api")

JSON_LIMIT = 1 << 20          # bytes in an op's JSON body (a message is at most 64 KiB)
IMPORT_LIMIT_MB = 64          # default of the home config's import_limit_mb
IMPORT_TYPES = ("application/cbor-seq", "application/octet-stream")
DRAIN_LIMIT = 1 << 30         # bytes of a refused body read (and dropped) so that its client can read the 413
EXPORT_CHUNK = 1 << 18        # bytes of envelopes read per worker-thread call while exporting


def make_app(ctx: Ctx, token: str, readers: Readers, import_limit: int = IMPORT_LIMIT_MB << 20) -> Starlette:
    def endpoint(handler: Callable[[Request], Awaitable[Response]]):
        """Token checked; an OpError is its status with its message, a StoreError a 503, anything else a 500;
        every 5xx logged with its traceback."""
        async def run(request: Request) -> Response:
            if not secrets.compare_digest(request.headers.get("authorization", ""), f"Bearer {token}"):
                return JSONResponse({"error": "missing or wrong API token (see the home's api.json)"}, 401)
            try:
                return await handler(request)
            except OpError as e:
                failure, status, message = e, e.status, str(e)
            except StoreError as e:
                failure, status, message = e, 503, str(e)
            except Exception as e:  # noqa: BLE001 -- a bug: the caller gets one line, the log the traceback
                failure, status, message = e, 500, f"the node failed ({type(e).__name__}): see the node's log"
            if status >= 500:
                log.error("%s %s -> %d: %s", request.method, request.url.path, status, message, exc_info=failure)
            return JSONResponse({"error": message}, status)
        return run

    @endpoint
    async def run_op(request: Request) -> Response:
        name = request.path_params["op"]
        entry = OPS.get(name)
        if entry is None:
            raise OpError(f"no operation {name!r}", 404)
        if entry.write != (request.method == "POST"):
            raise OpError(f"{name} takes {'POST' if entry.write else 'GET'}", 405)
        if entry.write:
            expect_type(request, ("application/json",))
            body = b"".join([chunk async for chunk in limited(request, JSON_LIMIT, "an operation's JSON body")])
            try:
                params = json.loads(body)
            except ValueError:  # not JSON, or not UTF-8
                raise OpError("the request body is not valid JSON") from None
        else:
            params = entry.from_query(dict(request.query_params))
        if not isinstance(params, dict):
            raise OpError("the request body must be a JSON object")
        if not (entry.write or entry.live):  # in a reader process, already JSON
            return Response(await readers.run(entry, params), media_type="application/json")
        result = entry(ctx, params)
        if entry.write and ctx.node is not None:
            ctx.node.wake_outbox()  # follows changed: join or leave their gossip topics now
        if name in FACT_OPS:  # the user's next read shows what the fact did to the scores
            await readers.ledger_caught_up(LEDGER_WAIT)
        return JSONResponse(result)

    @endpoint
    async def export(request: Request) -> Response:
        store = Store(ctx.store.path, readonly=True)
        rows = await trio.to_thread.run_sync(service.export, store)

        async def stream():
            try:
                while chunk := await trio.to_thread.run_sync(take, rows, EXPORT_CHUNK):
                    yield chunk
            except Exception:  # the response has begun: the client sees it cut short, the log says why
                log.exception("GET /v1/export failed while streaming")
                raise
            finally:
                store.close()
        return StreamingResponse(stream(), media_type="application/cbor-seq")

    @endpoint
    async def import_(request: Request) -> Response:
        expect_type(request, IMPORT_TYPES)
        what = "an import (import_limit_mb in the home's config.json)"
        with tempfile.TemporaryFile(dir=ctx.store.path.parent) as spool:  # the home: private, gone when closed
            async for chunk in limited(request, import_limit, what):
                spool.write(chunk)
            # cancelled (the node stops): the thread is left to fail on the closed spool; its batch rolls back
            result = await trio.to_thread.run_sync(import_on_a_thread, ctx, spool, abandon_on_cancel=True)
        if ctx.node is not None:
            ctx.node.wake_outbox()
        return JSONResponse(result)

    @endpoint
    async def events(request: Request) -> Response:
        """New messages as they are stored, one JSON object per `data:` line, each with the alert it raises
        for this node's identity (node/alerts.py) or null."""
        if ctx.node is None:
            raise OpError("the node is not running", 503)

        async def stream():
            yield ": antiport events\n\n"
            with ctx.node.message_feed() as feed:
                async for msg in feed:
                    found = alerts.alert(ctx.store, ctx.identity.did, msg)  # what this node's person hears of
                    yield f"data: {json.dumps({**service.to_json(msg, ctx.store), 'alert': found})}\n\n"
        return StreamingResponse(stream(), media_type="text/event-stream")

    async def metrics_(request: Request) -> Response:
        """Prometheus' text format, without the token: counts only (node/metrics.py says why)."""
        if ctx.node is None:
            return JSONResponse({"error": "the node is not running"}, 503)
        return Response(metrics.render(ctx.node, readers), media_type=metrics.CONTENT_TYPE_LATEST)

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(import_limit))

    async def http_error(request: Request, e: HTTPException) -> Response:  # Starlette's own: no route, wrong method
        return JSONResponse({"error": f"{request.method} {request.url.path}: {e.detail}"}, e.status_code)

    return Starlette(exception_handlers={HTTPException: http_error}, routes=[
        Route("/v1/openapi.json", openapi),
        Route("/metrics", metrics_),
        Route("/v1/export", export),
        Route("/v1/import", import_, methods=["POST"]),
        Route("/v1/events", events),
        Route("/v1/{op}", run_op, methods=["GET", "POST"]),
    ])


def expect_type(request: Request, types: tuple[str, ...]) -> None:
    got = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if got not in types:
        said = f"this one is {got}" if got else "this one has no content type"
        raise OpError(f"the body must be {' or '.join(types)} ({said})", 415)


async def limited(request: Request, limit: int, what: str) -> AsyncIterator[bytes]:
    """The request body in the chunks it arrives in; an OpError 413 once it is known to exceed `limit`. A body
    over its limit is still read to its end (up to DRAIN_LIMIT, and thrown away): a client that is still
    sending when it is refused sees the answer, not a connection reset."""
    declared = request.headers.get("content-length", "")
    size, over = 0, declared.isdigit() and int(declared) > limit
    async for chunk in request.stream():
        size += len(chunk)
        over = over or size > limit
        if not over:
            yield chunk
        elif size > DRAIN_LIMIT:
            break
    if over:
        raise too_large(limit, what)


def too_large(limit: int, what: str) -> OpError:
    return OpError(f"the body is larger than {limit:,} bytes, the limit of {what}", 413)


def take(rows, size: int) -> bytes:
    """The next envelopes of an iterator, about `size` bytes of them (b"" at the end)."""
    out, n = [], 0
    for raw in rows:
        out.append(raw)
        n += len(raw)
        if n >= size:
            break
    return b"".join(out)


def import_on_a_thread(ctx: Ctx, fp: BinaryIO) -> dict:
    """service.import_ on a worker thread with a store connection of its own; what each batch stored is announced
    on the node's loop (live feeds, the flood guard's parked messages, the bridge) once it is committed."""
    store = ctx.store.another()
    try:
        ingest, stored = Ingest(store), []
        ingest.subscribe(stored.append)

        def committed() -> None:
            if stored:
                batch = stored.copy()
                stored.clear()
                trio.from_thread.run_sync(announce, ctx.ingest, batch)
        return service.import_(ingest, fp, committed)
    finally:
        store.close()


def announce(ingest: Ingest, events: list[Stored]) -> None:
    for event in events:
        ingest.announce(event)


def openapi_document(import_limit: int = IMPORT_LIMIT_MB << 20) -> dict:
    paths = {}
    for name, entry in OPS.items():
        params = {p.name: (p, param_schema(p)) for p in entry.params}
        method = "post" if entry.write else "get"
        spec = {"summary": entry.summary, "description": entry.doc, "responses": ERRORS}
        if entry.write:
            schema = {"type": "object", "properties": {n: s for n, (_, s) in params.items()},
                      "required": [n for n, (p, _) in params.items() if p.required]}
            spec["requestBody"] = {"content": {"application/json": {"schema": schema}}}
        else:
            spec["parameters"] = [{"name": n, "in": "query", "required": p.required, "schema": s}
                                  for n, (p, s) in params.items()]
        paths[f"/v1/{name}"] = {method: spec}
    paths["/v1/export"] = {"get": {"summary": "every envelope as a CBOR sequence",
                                   "responses": {"200": {"description": "application/cbor-seq"}}}}
    paths["/v1/import"] = {"post": {
        "summary": "validate and store a CBOR sequence of envelopes",
        "description": f"At most {import_limit:,} bytes (the home config's import_limit_mb); read as it arrives and "
                       "stored on a worker thread.",
        "requestBody": {"content": {t: {"schema": {"type": "string", "format": "binary"}} for t in IMPORT_TYPES}},
        "responses": {**ERRORS, "200": {"description": "counts by outcome"}}}}
    paths["/v1/events"] = {"get": {"summary": "new messages as server-sent events",
                                   "description": "One message per `data:` line, as JSON, with `alert`: what it "
                                                  "tells this node's person (kind, thread, topic, message, text), "
                                                  "or null.",
                                   "responses": {"200": {"description": "text/event-stream"}}}}
    paths["/metrics"] = {"get": {"summary": "counters for Prometheus (docs/metrics.md)", "security": [],
                                 "description": "Prometheus' text exposition format; counts only, no token.",
                                 "responses": {"200": {"description": "text/plain; version=0.0.4"}}}}
    about = ("A node's local API. A node run as a vendor bridge (`antiport bridge`) also serves the bridge's pull"
             " API, with its own token and port, described at /v1/openapi.json there (docs/bridge.md).")
    return {"openapi": "3.1.0", "info": {"title": "Antiport node API", "version": "1", "description": about},
            "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
            "security": [{"token": []}], "paths": paths}


ERRORS = {"200": {"description": "the result as JSON"},
          "4XX": {"description": '{"error": "..."}: 400 a wrong parameter (which, and why), 404 not found, '
                                 f'413 a body over its limit ({JSON_LIMIT:,} bytes for an op), 415 a body of '
                                 'another content type'},
          "5XX": {"description": '{"error": "..."}: 503 the store cannot be written or the node is not running'}}
JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null", list: "array"}


def param_schema(p) -> dict:
    types = [JSON_TYPES[t] for t in p.types]
    schema = {"type": types[0] if len(types) == 1 else types}
    if "array" in types:  # a list parameter is a list of strings (file paths: --attach)
        schema["items"] = {"type": "string"}
    if p.arg.help:
        schema["description"] = p.arg.help
    if p.arg.choices:
        schema["enum"] = list(p.arg.choices)
    if p.default not in (None, ""):
        schema["default"] = p.default
    return schema


async def serve(ctx: Ctx, home, port: int = 0, web: str | None = None, *,
                task_status=trio.TASK_STATUS_IGNORED) -> None:
    """Serve the API until cancelled, and the web view on `web` (HOST:PORT, node/web.py) when given, both reading
    through one pool of reader processes; publishes their addresses in the home's api.json. A port either cannot
    bind is CannotListen."""
    token = secrets.token_urlsafe(24)
    import_limit = home.config()["import_limit_mb"] << 20
    readers = Readers(ctx)
    try:
        async with trio.open_nursery() as nursery:
            url = await nursery.start(http.serve, make_app(ctx, token, readers, import_limit), f"127.0.0.1:{port}")
            view = await nursery.start(http.serve, web_view.make_app(readers, ctx.name), web) if web else None
            nursery.start_soon(readers.keep_ledger, ctx.ingest)
            home.write_api(url, token, view)
            task_status.started(url)
    finally:
        home.clear_api()
        readers.close()
