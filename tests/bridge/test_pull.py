"""The pull API served for real (Hypercorn on trio) and read with an HTTP client."""
from __future__ import annotations

import json

import httpx
import pytest
import trio
from antiport.node.bridge.bridge import Bridge
from antiport.node.bridge.pull import serve_pull
from bridge_helpers import config

pytestmark = pytest.mark.trio
TOKEN = "pull-token-for-tests"


async def test_items_stream_and_ack(world):
    cfg = config(pull={"token": TOKEN})
    async with httpx.AsyncClient(timeout=10) as client, trio.open_nursery() as nursery:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()
        first = world.ask("Widget jams", "daily", private="serial W-99")
        bridge.scan()
        url = await nursery.start(serve_pull, bridge, cfg.pull)
        auth = {"authorization": f"Bearer {TOKEN}"}

        r = await client.get(url + "/v1/items")
        assert r.status_code == 401 and "bearer token" in r.json()["error"]
        assert (await client.get(url + "/v1/items", params={"after": "x"}, headers=auth)).status_code == 400

        page = (await client.get(url + "/v1/items", headers=auth)).json()
        assert page["last_seq"] == 1
        [item] = page["items"]
        assert item["seq"] == 1 and item["event"]["id"] == first
        assert item["event"]["private"] == {"text": "serial W-99"} and "private" not in item["event"]["body"]

        # The stream resumes after seq 1 and delivers what arrives while it is open.
        got = []
        async with client.stream("GET", url + "/v1/stream", headers={**auth, "last-event-id": "1"}) as stream:
            second = world.ask("Gadget squeaks", "loudly")
            bridge.scan()
            with trio.fail_after(10):
                async for line in stream.aiter_lines():
                    if line.startswith("id: "):
                        got.append(int(line[4:]))
                    elif line.startswith("data: "):
                        got.append(json.loads(line[6:])["id"])
                        break
        assert got == [2, second]

        assert (await client.post(url + "/v1/ack", json={"through": 9}, headers=auth)).status_code == 400
        r = await client.post(url + "/v1/ack", json={"through": 2}, headers=auth)
        assert r.json() == {"acknowledged": 2}
        status = (await client.get(url + "/v1/status", headers=auth)).json()
        assert status["pull"] == {"acknowledged": 2} and status["last_seq"] == 2

        spec = (await client.get(url + "/v1/openapi.json")).json()
        assert spec["openapi"].startswith("3.") and {"/v1/items", "/v1/stream", "/v1/ack"} <= set(spec["paths"])
        nursery.cancel_scope.cancel()
