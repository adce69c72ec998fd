"""The local HTTP API, served for real by Hypercorn on trio, without a network node behind it."""
from __future__ import annotations

import httpx
import pytest
import trio
from antiport.node import api
from antiport.node.home import Home
from antiport.node.ingest import Ingest
from antiport.node.service import Ctx
from antiport.node.store import Store

pytestmark = pytest.mark.fast


@pytest.fixture
def home(tmp_path):
    h = Home(tmp_path / "h")
    h.init("alice")
    return h


async def with_api(home, test):
    store = Store(home.db_file)
    ctx = Ctx(store, Ingest(store), home.identity(), "alice")
    async with trio.open_nursery() as nursery:
        url = await nursery.start(api.serve, ctx, home)
        info = home.read_api()
        assert info["url"] == url and (home.api_file.stat().st_mode & 0o777) == 0o600
        async with httpx.AsyncClient(base_url=url, headers={"authorization": f"Bearer {info['token']}"}) as http:
            await test(http)
        nursery.cancel_scope.cancel()
    assert not home.api_file.exists()


@pytest.mark.trio
async def test_ops_over_http(home):
    async def test(http):
        r = await http.post("/v1/ask", json={"topic": "acme/widget", "title": "Help", "text": "please"})
        assert r.status_code == 200
        request = r.json()["id"]
        r = await http.get("/v1/show", params={"id": request[:10]})
        assert r.json()["body"]["text"] == "please"
        r = await http.get("/v1/topics")
        assert r.json() == [{"topic": "acme/widget", "messages": 1, "threads": 1, "unanswered": 1}]
        r = await http.get("/v1/export")
        assert r.headers["content-type"] == "application/cbor-seq" and len(r.content) > 100
        r = await http.post("/v1/import", content=r.content)
        assert r.json() == {"accepted": 0, "duplicates": 1, "rejected": {}}
    await with_api(home, test)


@pytest.mark.trio
async def test_errors_are_json_with_a_message(home):
    async def test(http):
        r = await http.get("/v1/topics", headers={"authorization": "Bearer wrong"})
        assert r.status_code == 401 and "token" in r.json()["error"]
        r = await http.get("/v1/nothing")
        assert r.status_code == 404 and r.json() == {"error": "no operation 'nothing'"}
        r = await http.get("/v1/ask")
        assert r.status_code == 405
        r = await http.post("/v1/answer", json={"id": "ffffff"})
        assert r.status_code == 400 and r.json()["error"] == "answer needs text"
        r = await http.post("/v1/answer", json={"id": "ffffff", "text": "x", "bogus": 1})
        assert r.json()["error"] == "answer does not take bogus"
        r = await http.post("/v1/answer", content=b"{not json")
        assert r.status_code == 400 and "not valid JSON" in r.json()["error"]
        r = await http.post("/v1/answer", json={"id": "ffffff", "text": "x"})
        assert r.status_code == 404 and "no message with id" in r.json()["error"]
        r = await http.get("/v1/peers")
        assert r.status_code == 503
        r = await http.post("/v1/ask", json={"topic": "acme/widget", "title": "t", "text": "x" * 70_000})
        assert r.status_code == 400 and r.json()["error"].startswith("the message is too large")
        r = await http.post("/v1/ask", json={"topic": "acme/widget", "title": "t" * 300, "text": "x"})
        assert (r.status_code, r.json()["error"]) == (400, "cannot send: the title has 300 characters: at most 200")
        r = await http.post("/v1/vote", json={"id": "ffffff", "value": ["up"]})  # a type error, not bad JSON
        assert r.status_code == 400 and "not valid JSON" not in r.json()["error"]
    await with_api(home, test)


@pytest.mark.trio
async def test_openapi_lists_every_operation(home):
    async def test(http):
        doc = (await http.get("/v1/openapi.json")).json()
        assert doc["openapi"].startswith("3.")
        assert "post" in doc["paths"]["/v1/ask"] and "get" in doc["paths"]["/v1/list"]
        vote = doc["paths"]["/v1/vote"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert vote["properties"]["value"]["enum"] == ["up", "down"] and vote["required"] == ["id", "value"]
        topic = doc["paths"]["/v1/list"]["get"]["parameters"][0]
        assert topic["name"] == "topic" and not topic["required"] and "vendor/product" in topic["schema"]["description"]
        r = await http.post("/v1/status", json={"id": "abcdef", "state": "done"})
        assert r.status_code == 400 and r.json()["error"].startswith("state is one of acknowledged, in-progress")
    await with_api(home, test)
