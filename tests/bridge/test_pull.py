"""The pull API served for real (Hypercorn on trio) and read with an HTTP client."""
from __future__ import annotations

import json

import httpx
import pytest
import trio
from antiport.node.api import openapi_document as node_openapi
from antiport.node.bridge.bridge import Bridge
from antiport.node.bridge.openapi import openapi_document
from antiport.node.bridge.pull import serve_pull
from antiport.node.home import now_ms
from antiport.protocol import Rejected, sign
from bridge_helpers import TOPIC, config
from openapi_spec_validator import validate

TOKEN = "pull-token-for-tests"


@pytest.mark.trio
async def test_items_stream_and_ack(world):
    cfg = config(pull={"token": TOKEN, "private": True})
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

        # The stream resumes after seq 1 and delivers what arrives while it is open, as unnamed events (what a
        # browser's EventSource.onmessage receives) whose data is the Standard Webhooks body.
        lines = []
        async with client.stream("GET", url + "/v1/stream", headers={**auth, "last-event-id": "1"}) as stream:
            second = world.ask("Gadget squeaks", "loudly")
            bridge.scan()
            with trio.fail_after(10):
                async for line in stream.aiter_lines():
                    lines.append(line)
                    if line.startswith("data: "):
                        break
        fields = [line.split(":")[0] for line in lines if line and not line.startswith(":")]
        assert fields == ["id", "data"]  # no `event:` field: the event type is "message"
        assert lines[-2] == "id: 2"
        body = json.loads(lines[-1][6:])
        assert body["type"] == "request.created" and body["data"]["id"] == second and body["data"]["seq"] == 2

        assert (await client.post(url + "/v1/ack", json={"through": 9}, headers=auth)).status_code == 400
        r = await client.post(url + "/v1/ack", json={"through": 2}, headers=auth)
        assert r.json() == {"acknowledged": 2}
        status = (await client.get(url + "/v1/status", headers=auth)).json()
        assert status["pull"] == {"acknowledged": 2} and status["last_seq"] == 2
        assert status["dropped"] == {} and status["refused"] == {}  # no helpdesk connector, nothing refused

        # What the vendor's node refuses from the network is counted by reason.
        forged = sign(world.customer, "request", TOPIC, {"title": "t", "text": "x"}, created=now_ms()).raw
        for raw in (forged[:-1] + bytes([forged[-1] ^ 1]), forged[:20]):
            with pytest.raises(Rejected):
                world.ingest(raw, now_ms(), "gossip")
        status = (await client.get(url + "/v1/status", headers=auth)).json()
        assert status["refused"] == {"bad-signature": 1, "malformed": 1}  # tests/bridge/test_mail.py: dropped

        spec = (await client.get(url + "/v1/openapi.json")).json()
        validate(spec)  # openapi-spec-validator
        assert {"/v1/items", "/v1/stream", "/v1/ack", "/v1/status"} <= set(spec["paths"])
        assert "text/event-stream" in spec["paths"]["/v1/stream"]["get"]["responses"]["200"]["content"]
        assert spec["webhooks"]["event"]["post"]["requestBody"]["content"]["application/json"]["schema"] == \
            {"$ref": "#/components/schemas/Delivery"}
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_items_carry_no_private_part_unless_the_pull_connector_opted_in(world):
    cfg = config(pull={"token": TOKEN})
    async with httpx.AsyncClient(timeout=10) as client, trio.open_nursery() as nursery:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()
        world.ask("Refund", "please", private="IBAN DE00")
        bridge.scan()
        url = await nursery.start(serve_pull, bridge, cfg.pull)
        page = (await client.get(url + "/v1/items", headers={"authorization": f"Bearer {TOKEN}"})).json()
        assert "withheld" in page["items"][0]["event"]["private"] and "IBAN" not in json.dumps(page)
        nursery.cancel_scope.cancel()


def test_both_api_descriptions_are_valid_openapi():
    """The node API's and the pull API's documents, as served, pass openapi-spec-validator; the node's
    points to the pull API."""
    validate(node_openapi())
    validate(openapi_document())
    assert "pull API" in node_openapi()["info"]["description"]
