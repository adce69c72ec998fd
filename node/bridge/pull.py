"""The bridge's pull API, for CRMs that prefer to fetch: new items, a server-sent events stream, and an
acknowledgement cursor. Bearer token from the configuration; served on 127.0.0.1 (Hypercorn on trio).

GET  /v1/items?after=SEQ&limit=N   events after SEQ, oldest first
GET  /v1/stream?after=SEQ          the same as server-sent events: unnamed (EventSource.onmessage gets them),
                                   `id:` the seq (Last-Event-ID resumes), `data:` the Standard Webhooks body
POST /v1/ack {"through": SEQ}      record that the CRM has everything up to SEQ
GET  /v1/status                    delivery state of every connector, what was dropped and refused
GET  /v1/openapi.json              this description (no token needed)
"""
from __future__ import annotations

import json
import secrets

import hypercorn.config
import hypercorn.trio
import trio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from .config import Pull
from .events import envelope
from .openapi import openapi_document

PULL = "pull"
MAX_LIMIT = 500


def make_pull_app(bridge, cfg: Pull) -> Starlette:
    outbox, token = bridge.outbox, cfg.token

    def denied(request: Request) -> JSONResponse | None:
        if secrets.compare_digest(request.headers.get("authorization", ""), f"Bearer {token}"):
            return None
        return JSONResponse({"error": "missing or wrong bearer token (connectors.pull.token)"}, 401)

    def number(value, name: str, default: int) -> int:
        if value in (None, ""):
            return default
        try:
            n = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a whole number, got {value!r}") from None
        if n < 0:
            raise ValueError(f"{name} must not be negative")
        return n

    def items(after: int, limit: int) -> list[dict]:
        return [{"seq": seq, "event": bridge.event(mid, cfg.private)} for seq, mid in outbox.events_after(after, limit)]

    async def get_items(request: Request):
        if refused := denied(request):
            return refused
        try:
            after = number(request.query_params.get("after"), "after", 0)
            limit = min(MAX_LIMIT, number(request.query_params.get("limit"), "limit", 100))
        except ValueError as e:
            return JSONResponse({"error": str(e)}, 400)
        return JSONResponse({"items": items(after, limit), "last_seq": outbox.last_seq()})

    async def stream(request: Request):
        if refused := denied(request):
            return refused
        try:
            after = number(request.headers.get("last-event-id") or request.query_params.get("after"), "after", 0)
        except ValueError as e:
            return JSONResponse({"error": str(e)}, 400)

        async def events():
            cursor = after
            yield ": antiport bridge events\n\n"
            while True:
                batch = items(cursor, 100)
                for item in batch:
                    cursor = item["seq"]
                    yield f"id: {cursor}\ndata: {json.dumps(envelope(cursor, item['event']))}\n\n"
                if not batch:
                    with trio.move_on_after(15):
                        await bridge.new_events.wait()
                        continue
                    yield ": keep-alive\n\n"
        return StreamingResponse(events(), media_type="text/event-stream", headers={"cache-control": "no-store"})

    async def ack(request: Request):
        if refused := denied(request):
            return refused
        try:
            payload = await request.json()
            through = number(payload.get("through") if isinstance(payload, dict) else None, "through", -1)
        except ValueError as e:
            return JSONResponse({"error": f"send {{\"through\": SEQ}}: {e}"}, 400)
        if through < 0:
            return JSONResponse({"error": "send {\"through\": SEQ}"}, 400)
        if through > outbox.last_seq():
            return JSONResponse({"error": f"seq {through} has not been served yet"}, 400)
        acked = max(through, int(outbox.get_state("pull.acked", "0")))
        outbox.set_state("pull.acked", acked)
        return JSONResponse({"acknowledged": acked})

    async def status(request: Request):
        if refused := denied(request):
            return refused
        return JSONResponse({"connectors": outbox.report(), "last_seq": outbox.last_seq(),
                             PULL: {"acknowledged": int(outbox.get_state("pull.acked", "0"))},
                             "dropped": bridge.dropped(), "refused": bridge.refused()})

    async def openapi(request: Request):
        return JSONResponse(openapi_document())

    return Starlette(routes=[
        Route("/v1/openapi.json", openapi),
        Route("/v1/items", get_items),
        Route("/v1/stream", stream),
        Route("/v1/ack", ack, methods=["POST"]),
        Route("/v1/status", status),
    ])


async def serve_pull(bridge, cfg: Pull, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
    """Serve the pull API on 127.0.0.1 until cancelled; task_status gets its base URL."""
    config = hypercorn.config.Config()
    config.bind = [f"127.0.0.1:{cfg.port}"]
    config.accesslog = None
    config.errorlog = None
    async with trio.open_nursery() as nursery:
        binds = await nursery.start(lambda task_status: hypercorn.trio.serve(
            make_pull_app(bridge, cfg), config, task_status=task_status))
        task_status.started(binds[0])
