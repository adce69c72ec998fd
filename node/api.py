"""The node's local HTTP API: every service operation, export/import, and a server-sent events stream.

Starlette on Hypercorn's trio worker, bound to 127.0.0.1 on a free port; the address and a fresh
bearer token are written to the home's api.json (mode 0600) for the CLI and the TUI.
Reads are GET /v1/<op>?param=..., writes are POST /v1/<op> with a JSON object.
"""
from __future__ import annotations

import json
import secrets
import threading
from dataclasses import replace

import hypercorn.config
import hypercorn.trio
import trio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from . import service
from .ops import Op
from .service import OPS, Ctx, OpError
from .store import Store, StoreError


class Readers:
    """Read ops run on worker threads, each thread with its own read-only connection to the store (WAL
    lets them read beside the writer), so a heavy read (reputation, vendor metrics) never stalls the
    node's event loop: gossip, sync and writes go on meanwhile. Writes stay on the loop (they are short)."""

    def __init__(self, ctx: Ctx):
        self.ctx = ctx
        self.local = threading.local()
        self.opened: list[Store] = []
        self.lock = threading.Lock()

    async def run(self, entry: Op, params: dict):
        return await trio.to_thread.run_sync(self._run, entry, params)

    def _run(self, entry: Op, params: dict):
        ctx = getattr(self.local, "ctx", None)
        if ctx is None:
            store = Store(self.ctx.store.path, readonly=True)
            with self.lock:
                self.opened.append(store)
            ctx = self.local.ctx = replace(self.ctx, store=store, ingest=None)
        with ctx.store.snapshot():
            return entry(ctx, params)

    def close(self) -> None:
        with self.lock:
            for store in self.opened:
                store.close()
            self.opened.clear()


def make_app(ctx: Ctx, token: str, readers: Readers) -> Starlette:
    def guard(request: Request):
        if not secrets.compare_digest(request.headers.get("authorization", ""), f"Bearer {token}"):
            return JSONResponse({"error": "missing or wrong API token (see the home's api.json)"}, 401)
        return None

    async def run_op(request: Request):
        if denied := guard(request):
            return denied
        name = request.path_params["op"]
        entry = OPS.get(name)
        if entry is None:
            return JSONResponse({"error": f"no operation {name!r}"}, 404)
        if entry.write != (request.method == "POST"):
            return JSONResponse({"error": f"{name} takes {'POST' if entry.write else 'GET'}"}, 405)
        try:
            params = await request.json() if entry.write else dict(request.query_params)
        except json.JSONDecodeError:
            return JSONResponse({"error": "the request body is not valid JSON"}, 400)
        try:
            if not isinstance(params, dict):
                raise OpError("the request body must be a JSON object")
            result = entry(ctx, params) if entry.write or entry.live else await readers.run(entry, params)
        except OpError as e:
            return JSONResponse({"error": str(e)}, e.status)
        except StoreError as e:
            return JSONResponse({"error": str(e)}, 503)
        if entry.write and ctx.node is not None:
            ctx.node.wake_outbox()  # follows changed: join or leave their gossip topics now
        return JSONResponse(result)

    async def export(request: Request):
        if denied := guard(request):
            return denied
        return StreamingResponse(_iterate(service.export(ctx.store)), media_type="application/cbor-seq")

    async def import_(request: Request):
        if denied := guard(request):
            return denied
        try:
            result = service.import_(ctx, await request.body())
        except OpError as e:
            return JSONResponse({"error": str(e)}, e.status)
        if ctx.node is not None:
            ctx.node.wake_outbox()
        return JSONResponse(result)

    async def events(request: Request):
        """New messages as they are stored, one JSON object per `data:` line."""
        if denied := guard(request):
            return denied
        if ctx.node is None:
            return JSONResponse({"error": "the node is not running"}, 503)

        async def stream():
            yield ": antiport events\n\n"
            with ctx.node.message_feed() as feed:
                async for msg in feed:
                    yield f"data: {json.dumps(service.to_json(msg))}\n\n"
        return StreamingResponse(stream(), media_type="text/event-stream")

    async def openapi(request: Request):
        return JSONResponse(openapi_document())

    return Starlette(routes=[
        Route("/v1/openapi.json", openapi),
        Route("/v1/export", export),
        Route("/v1/import", import_, methods=["POST"]),
        Route("/v1/events", events),
        Route("/v1/{op}", run_op, methods=["GET", "POST"]),
    ])


async def _iterate(chunks):
    for chunk in chunks:
        yield chunk


def openapi_document() -> dict:
    paths = {}
    for name, entry in OPS.items():
        params = {p.name: (p, param_schema(p)) for p in entry.params}
        method = "post" if entry.write else "get"
        spec = {"summary": entry.summary, "description": entry.doc,
                "responses": {"200": {"description": "the result as JSON"}, "4XX": {"description": '{"error": "..."}'}}}
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
    paths["/v1/import"] = {"post": {"summary": "validate and store a CBOR sequence of envelopes",
                                    "responses": {"200": {"description": "counts by outcome"}}}}
    paths["/v1/events"] = {"get": {"summary": "new messages as server-sent events",
                                   "responses": {"200": {"description": "text/event-stream"}}}}
    return {"openapi": "3.1.0", "info": {"title": "Antiport node API", "version": "1"},
            "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
            "security": [{"token": []}], "paths": paths}


def param_schema(p) -> dict:
    schema = {"type": "string", "description": p.arg.help} if p.arg.help else {"type": "string"}
    if p.arg.choices:
        schema["enum"] = list(p.arg.choices)
    if p.default not in (None, ""):
        schema["default"] = p.default
    return schema


async def serve(ctx: Ctx, home, port: int = 0, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
    """Serve the API until cancelled; publishes its address in the home's api.json."""
    token = secrets.token_urlsafe(24)
    config = hypercorn.config.Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    config.errorlog = None
    readers = Readers(ctx)
    try:
        async with trio.open_nursery() as nursery:
            binds = await nursery.start(lambda task_status: hypercorn.trio.serve(
                make_app(ctx, token, readers), config, task_status=task_status))
            home.write_api(binds[0], token)
            task_status.started(binds[0])
    finally:
        home.clear_api()
        readers.close()
