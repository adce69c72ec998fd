"""Email across nodes: a customer's request reaches the vendor's support mailbox through the network and
the bridge node; a staff reply mailed back reaches the customer's node as the vendor's signed answer."""
from __future__ import annotations

from functools import partial

import pytest
import trio
from antiport.crypto import Identity
from antiport.node.bridge.bridge import bridge_service
from antiport.node.bridge.config import parse_config
from antiport.node.service import Ctx, ask, show, trust_vendor
from bridge_helpers import TOPIC, start
from helpers import trio_wait_for
from mail_helpers import mail_server, reply

pytestmark = [pytest.mark.mail, pytest.mark.slow, pytest.mark.trio]
# checks read the mailbox: in a thread, so the nodes in this trio loop keep running
eventually = partial(trio_wait_for, timeout=60, thread=True)


async def test_request_by_mail_and_staff_reply_back_across_nodes(tmp_path):
    mail = mail_server()
    vendor_id, customer_id = Identity.generate(), Identity.generate()
    cfg = parse_config({"vendor": {"org": "Acme", "topics": [TOPIC], "did": vendor_id.did},
                        "delivery": {"retry_base_seconds": 0.2, "retry_max_seconds": 2},
                        "connectors": {"email": mail.config(private=True)}})
    async with trio.open_nursery() as nursery:
        relay = await start(nursery, tmp_path, "relay")
        await relay.follow(TOPIC)
        hub = relay.listen_addrs()
        customer = await start(nursery, tmp_path, "customer", identity=customer_id, bootstrap=hub)
        await eventually(lambda: customer.net.host.get_connected_peers(), "customer connected to the relay")
        await start(nursery, tmp_path, "vendor", identity=vendor_id, bootstrap=hub,
                    services=[bridge_service(cfg, vendor_id)])
        await eventually(lambda: vendor_id.public_key in customer.store.vendor_keys(TOPIC), "the vendor manifest")
        ctx = Ctx(customer.store, customer.ingest, customer_id, node=customer)
        trust_vendor(ctx, vendor_id.did)
        request = ask(ctx, TOPIC, "Widget jams", "since 2.1", private_text="order 4471")["id"]
        customer.wake_outbox()

        [first] = await eventually(lambda: mail.inbox(), "the request reaching the support mailbox")
        assert first["X-Antiport-Thread"] == request and "order 4471" in first.get_content()
        mail.send(reply(first, "Fixed in 2.1.1, please update."))
        view = await eventually(lambda: (v := show(ctx, request))["answers"] and v, "the answer reaching the customer")
        [answer] = view["answers"]
        assert answer["author"] == vendor_id.did and answer["body"]["text"] == "Fixed in 2.1.1, please update."
        nursery.cancel_scope.cancel()
