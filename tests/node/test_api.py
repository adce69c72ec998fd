"""The local HTTP API, served for real by Hypercorn on trio, without a network node behind it."""
from __future__ import annotations

import logging
from typing import Annotated

import httpx
import pytest
import trio
from antiport.crypto import Identity
from antiport.node import api
from antiport.node.home import Home, now_ms
from antiport.node.ingest import Ingest
from antiport.node.ops import OPS, Arg, Op, OpError
from antiport.node.service import Ctx
from antiport.node.store import Store
from antiport.protocol import sign

pytestmark = pytest.mark.fast


@pytest.fixture
def home(tmp_path):
    h = Home(tmp_path / "h")
    h.init("alice")
    return h


async def with_api(home, test, store=None):
    store = store or Store(home.db_file)
    ctx = Ctx(store, Ingest(store), home.identity(), "alice")
    async with trio.open_nursery() as nursery:
        url = await nursery.start(api.serve, ctx, home)
        info = home.read_api()
        assert info["url"] == url and (home.api_file.stat().st_mode & 0o777) == 0o600
        async with httpx.AsyncClient(base_url=url, headers={"authorization": f"Bearer {info['token']}"},
                                     timeout=60) as http:  # a busy machine: reader processes start slowly
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
        r = await http.post("/v1/import", content=r.content, headers={"content-type": "application/cbor-seq"})
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
        r = await http.put("/v1/ask")
        assert (r.status_code, r.json()) == (405, {"error": "PUT /v1/ask: Method Not Allowed"})
        r = await http.get("/v2/id")
        assert (r.status_code, r.json()) == (404, {"error": "GET /v2/id: Not Found"})
        r = await http.post("/v1/answer", json={"id": "ffffff"})
        assert r.status_code == 400 and r.json()["error"] == "answer needs text"
        r = await http.post("/v1/answer", json={"id": "ffffff", "text": "x", "bogus": 1})
        assert r.json()["error"] == "answer does not take bogus"
        r = await http.post("/v1/answer", content=b"{not json", headers={"content-type": "application/json"})
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
        ask = doc["paths"]["/v1/ask"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert ask["properties"]["title"]["type"] == "string" and ask["properties"]["private_text"]["type"] == [
            "string", "null"]
        imports = doc["paths"]["/v1/import"]["post"]
        assert set(imports["requestBody"]["content"]) == {"application/cbor-seq", "application/octet-stream"}
        assert "67,108,864 bytes" in imports["description"] and "413" in imports["responses"]["4XX"]["description"]
        r = await http.post("/v1/status", json={"id": "abcdef", "state": "done"})
        assert r.status_code == 400 and r.json()["error"].startswith("state is one of acknowledged, in-progress")
    await with_api(home, test)


@pytest.mark.trio
async def test_a_wrong_type_is_a_400_naming_the_parameter_for_every_op(home):
    async def test(http):
        for name, entry in OPS.items():
            if not entry.write:
                continue  # a query string holds only strings
            for param in entry.params:
                number = int in param.types or float in param.types
                wrong, named = ("5", "a string") if number else (5, "an integer")
                body = {p.name: (p.arg.choices or ["x"])[0] for p in entry.params if p.required} | {param.name: wrong}
                r = await http.post(f"/v1/{name}", json=body)
                assert (r.status_code, r.json()["error"]) == (400, f"{param.name} must be {param.expected()}, not "
                                                                   f"{named}"), name
        r = await http.post("/v1/ask", json={"topic": "acme/widget", "title": "t", "text": "x", "private_text": None})
        assert r.status_code == 200  # str | None takes null
        r = await http.post("/v1/answer", json={"id": ["ffffff"], "text": "x"})
        assert r.json()["error"] == "id must be a string, not an array"
    await with_api(home, test)


@pytest.mark.trio
async def test_bodies_of_another_type_or_over_their_limit_are_refused(home):
    home.write_config({**home.config(), "import_limit_mb": 1})

    async def test(http):
        r = await http.post("/v1/follow", content=b'{"topic": "acme/widget"}', headers={"content-type": "text/plain"})
        assert (r.status_code, r.json()["error"]) == (415, "the body must be application/json (this one is text/plain)")
        r = await http.post("/v1/import", content=b"", headers={"content-type": "application/json"})
        assert r.status_code == 415 and "application/cbor-seq or application/octet-stream" in r.json()["error"]
        big = {"topic": "acme/widget", "title": "t", "text": "x" * api.JSON_LIMIT}
        r = await http.post("/v1/ask", json=big)
        assert r.status_code == 413 and "1,048,576 bytes" in r.json()["error"]

        async def chunks(n):  # no content-length: counted as it arrives
            for _ in range(n):
                yield b"x" * 65536
        r = await http.post("/v1/ask", content=chunks(20), headers={"content-type": "application/json"})
        assert r.status_code == 413 and "1,048,576 bytes" in r.json()["error"]
        for content in (b"\0" * (2 << 20), chunks(40)):
            r = await http.post("/v1/import", content=content, headers={"content-type": "application/cbor-seq"})
            assert r.status_code == 413 and "import_limit_mb" in r.json()["error"]
        r = await http.get("/v1/id")  # the connection pool still works
        assert r.status_code == 200
        r = await http.post("/v1/import", content=b"\xa1\x01\x02", headers={"content-type": "application/octet-stream"})
        assert (r.status_code, r.json()) == (200, {"accepted": 0, "duplicates": 0, "rejected": {"malformed": 1}})
    await with_api(home, test)


@pytest.mark.trio
async def test_a_5xx_is_logged_with_its_traceback(home, caplog):
    store = Store(home.db_file)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count={pages}")  # SQLite's own "database or disk is full"

    async def test(http):
        r = await http.post("/v1/ask", json={"topic": "acme/widget", "title": "t", "text": "x" * 19_000})
        assert r.status_code == 507 and "is full" in r.json()["error"]
        r = await http.post("/v1/import", content=b"", headers={"content-type": "application/cbor-seq"})
        assert r.status_code == 200  # an empty export writes nothing
    with caplog.at_level("ERROR", logger="antiport.api"):
        await with_api(home, test, store)
    (record,) = [r for r in caplog.records if r.name == "antiport.api"]
    assert record.getMessage().startswith("POST /v1/ask -> 507: the disk holding") and record.exc_info
    logged = logging.Formatter().format(record)  # as the node's log handler writes it
    assert "Traceback (most recent call last)" in logged and 'in write\n    raise OpError(str(e), 507)' in logged


def paged(ctx, topic: Annotated[str, Arg()], limit: Annotated[int, Arg()] = 20,
          everything: Annotated[bool, Arg()] = False, since: Annotated[str | None, Arg()] = None):
    return {"topic": topic, "limit": limit, "everything": everything, "since": since}


def test_query_strings_take_the_types_of_the_annotations():
    entry = Op("paged", paged)
    params = entry.from_query({"topic": "5", "limit": "7", "everything": "true", "since": "x"})
    assert entry(None, params) == {"topic": "5", "limit": 7, "everything": True, "since": "x"}
    for name, value, expected in (("limit", "many", "an integer"), ("everything", "yes", "true or false")):
        with pytest.raises(OpError, match=f"^{name} must be {expected}, not '{value}'$"):
            entry.from_query({"topic": "t", name: value})
    with pytest.raises(OpError, match="^limit must be an integer, not true or false$"):
        entry.bind({"topic": "t", "limit": True})  # JSON's true is no integer
    with pytest.raises(OpError, match="^paged does not take bogus$"):
        entry.bind(entry.from_query({"topic": "t", "bogus": "1"}))


@pytest.mark.trio
async def test_a_private_part_no_vendor_can_be_believed_for_is_a_409(home):
    store = Store(home.db_file)
    squatter = Identity.generate()
    store.add(sign(squatter, "vendor", "", {"org": "Acme Corp", "topics": ["acme/widget"]}, created=now_ms()), now_ms())

    async def test(http):
        r = await http.post("/v1/ask", json={"topic": "acme/widget", "title": "t", "text": "x", "private_text": "p"})
        assert r.status_code == 409 and r.json()["error"].startswith("private part not sent: no vendor of acme/widget")
        assert squatter.did in r.json()["error"]
    await with_api(home, test, store)
    assert Store(home.db_file).count("acme/widget") == 0
