"""Attachments through the RT connector, against a real Request Tracker 5 (see tests/rt/setup-rt.sh): the
customer's files arrive as the ticket's attachments (a sealed one opened by the bridge), staff files are
published with the reply, and a reply of files alone still reaches the customer as a reply."""
from __future__ import annotations

import base64
import secrets

import httpx
import pytest
from antiport.crypto import Identity
from antiport.node.bridge.bridge import Bridge
from antiport.node.home import now_ms
from antiport.node.service import Ctx, thread_view
from antiport.protocol import sign
from antiport.protocol.blobs import blob_hash, entry, seal_file
from bridge_helpers import TOPIC, Staff, config, rt_url

pytestmark = [pytest.mark.rt, pytest.mark.trio]

SHOT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # binary, not UTF-8
PATCH = b"--- a/fw.c\n+++ b/fw.c\n"


def ask_with(world, files: list[tuple[dict, bytes]], to: bytes | None = None) -> str:
    """The customer's request listing `files` (entry, blob), its blobs in the store as a node fetches them."""
    body = {"title": "Widget shows an error", "text": "Screenshot attached.", "files": [e for e, _ in files]}
    if to:
        body["to"] = to
    msg = sign(world.customer, "request", TOPIC, body, created=now_ms())
    world.ingest(msg.raw, now_ms(), "test")
    for item, blob in files:
        assert world.store.put_blob(item["hash"], blob)
    return msg.id


def ticket_files(staff: Staff, ticket: int) -> dict[str, tuple[str, bytes]]:
    """The files attached anywhere on a ticket: name -> (media type, bytes)."""
    out = {}
    for txn in staff.get(f"/ticket/{ticket}/history", fields="Type", per_page=100)["items"]:
        for att in staff.get(f"/transaction/{txn['id']}/attachments")["items"]:
            found = staff.get(f"/attachment/{att['id']}")
            if found.get("Filename"):
                out[found["Filename"]] = (found["ContentType"], base64.b64decode(found.get("Content") or ""))
    return out


async def test_attachments_both_ways(world, rt_server):
    staff, queue = Staff(rt_server), f"antiport-test-{secrets.token_hex(4)}"
    cfg = config(rt={"url": rt_server, "user": "root", "password": "password", "queues": {TOPIC: queue},
                     "private": True})
    async with httpx.AsyncClient(timeout=30) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()
        public = ask_with(world, [(entry(SHOT, "screen shot.png", "image/png"), SHOT)])
        sealed_item, sealed_blob = seal_file(world.vendor.public_key, "serial.txt", "text/plain", b"SN 4711")
        private = ask_with(world, [(sealed_item, sealed_blob)], to=world.vendor.public_key)
        assert bridge.scan() == 2
        assert await bridge.deliver_due("rt") == (2, 0)

        ticket = int(staff.tickets_for(public)[0]["id"])
        assert ticket_files(staff, ticket) == {"screen shot.png": ("image/png", SHOT)}
        assert ticket_files(staff, int(staff.tickets_for(private)[0]["id"])) == {"serial.txt": ("text/plain",
                                                                                               b"SN 4711")}

        # A staff reply with a file and no words: still a reply, naming the file, the file published with it.
        staff.http.post(f"/ticket/{ticket}/correspond", json={
            "Content": "", "ContentType": "text/plain", "Attachments": [
                {"FileName": "fix.patch", "FileType": "text/x-diff",
                 "FileContent": base64.b64encode(PATCH).decode()}]}).raise_for_status()
        await bridge.poll_rt()
        view = thread_view(Ctx(world.store, world.ingest, Identity.generate()), world.store.get(public))
        [answer] = view["answers"]
        assert answer["author"] == world.vendor.did and answer["body"]["text"] == "Attached: fix.patch"
        [listed] = answer["body"]["files"]
        assert (listed["name"], listed["type"], listed["size"]) == ("fix.patch", "text/x-diff", len(PATCH))
        assert world.store.blob(blob_hash(PATCH)) == PATCH and listed["hash"] == blob_hash(PATCH).hex()


@pytest.fixture
def rt_server():
    return rt_url()
