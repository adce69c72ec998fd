"""The email connector against a real mail server (Dovecot and an SMTP front, see tests/mail/setup-mail.sh)."""
from __future__ import annotations

from email.message import EmailMessage

import httpx
import pytest
import trio
from antiport.node.bridge.bridge import Bridge
from antiport.node.bridge.mail import CURSOR, MAIL_LIMIT
from antiport.node.bridge.pull import serve_pull
from antiport.node.service import Ctx, thread_view
from bridge_helpers import config
from helpers import wait_for
from mail_helpers import mail_server, reply

pytestmark = [pytest.mark.mail, pytest.mark.trio]


@pytest.fixture
def mail():
    return mail_server()


def answers(world, thread: str) -> list[dict]:
    return thread_view(Ctx(world.store, world.ingest, world.customer), world.store.get(thread))["answers"]


async def poll(bridge) -> int:
    return await bridge.email.poll(bridge.publish, bridge.created_floor)


async def test_request_to_mail_staff_replies_back_as_signed_answers_in_the_thread(world, mail):
    async with httpx.AsyncClient() as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, config(email=mail.config(private=True)), client)
        bridge.start()
        thread = world.ask("Widget jams — Größe 2", "Since 2.1 it jams daily.", private="order 4471")
        bridge.scan()
        assert await bridge.deliver_due("email") == (1, 0)

        [first] = wait_for(lambda: mail.inbox(), "the request reaching the support mailbox")
        assert first["Subject"] == "Widget jams — Größe 2"
        assert first["From"] == mail.bridge and first["To"] == mail.support
        assert first["Message-ID"] == f"<antiport.{thread}@acme.test>" and first["X-Antiport-Thread"] == thread
        assert first["X-Antiport-Author"] == world.customer.did and first["X-Antiport-Kind"] == "request"
        text = first.get_content()
        assert "Since 2.1 it jams daily." in text and "order 4471" in text and world.customer.did in text

        # An expert's answer on the network follows in the same mail thread.
        expert = world.post(world.customer, "answer", {"text": "Try oiling it."}, [thread])
        bridge.scan()
        assert await bridge.deliver_due("email") == (1, 0)
        second = wait_for(lambda: (box := mail.inbox()) and len(box) == 2 and box[1], "the update mail")
        assert second["Subject"] == "Re: Widget jams — Größe 2"
        assert second["In-Reply-To"] == second["References"] == first["Message-ID"]
        assert second["Message-ID"] == f"<antiport.{expert}@acme.test>" and "Try oiling it." in second.get_content()

        # Staff reply to the request, and to the update mail: both become the vendor's answers in the thread,
        # without the quoted mail below them.
        mail.send(reply(first, "Please update to 2.1.1."))
        mail.send(reply(second, "Oil will not help; 2.1.1 fixes it.", sender="bob@acme.test"))
        assert await poll(bridge) == 2
        mine = [a for a in answers(world, thread) if a["author"] == world.vendor.did]
        # in the mailbox's order, also within one second (INTERNALDATE's resolution): the UID is the seq
        assert [a["body"]["text"] for a in mine] == ["Please update to 2.1.1.", "Oil will not help; 2.1.1 fixes it."]
        # who wrote each (specs/02 section 9): the sender's display name, never their address
        assert [a["body"]["agent"] for a in mine] == ["Anna Staff", "Anna Staff"]
        assert not any("acme.test" in str(a["body"]) for a in mine)

        # The vendor's own answers are not mailed back to the support address.
        assert bridge.scan() == 2
        assert await bridge.deliver_due("email") == (2, 0)
        assert len(mail.inbox()) == 2
        assert "#status STATE" in first.get_content()  # the convention, said below the marker line

        # Staff set the status by mail: a first line "#status STATE" (any case), the lines below it the note;
        # a state the protocol does not know is dropped and counted, never published as an answer.
        mail.send(reply(first, "#status closed\nDone."))
        mail.send(reply(second, "#Status Resolved\n\nFixed in 2.1.1, closing.", sender="bob@acme.test"))
        assert await poll(bridge) == 1
        view = thread_view(Ctx(world.store, world.ingest, world.customer), world.store.get(thread))
        [status] = [e for e in view["events"] if e["kind"] == "status"]
        assert view["status"] == "resolved" and status["author"] == world.vendor.did
        assert {k: status["body"][k] for k in ("state", "note", "agent")} == {
            "state": "resolved", "note": "Fixed in 2.1.1, closing.", "agent": "Anna Staff"}
        assert len(answers(world, thread)) == 3 and bridge.email.dropped.counts == {"bad-status": 1}


async def test_hostile_and_stray_mail_is_dropped_and_counted_and_a_restart_loses_no_reply(world, mail):
    async with httpx.AsyncClient() as client:
        cfg = config(email=mail.config(), pull={"token": "t"})
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()
        thread = world.ask("Gadget hums", "a low hum")
        bridge.scan()
        assert await bridge.deliver_due("email") == (1, 0)
        [first] = wait_for(lambda: mail.inbox(), "the request mail")

        stranger = reply(first, "Buy cheap watches", sender="mallory@evil.test")
        auto = reply(first, "I am out of office")
        auto["Auto-Submitted"] = "auto-replied"
        unthreaded = EmailMessage()
        unthreaded["From"], unthreaded["Subject"] = "anna@acme.test", "lunch?"
        unthreaded.set_content("pizza at noon")
        unknown = reply(first, "Which thread is this?")
        unknown.replace_header("In-Reply-To", f"<antiport.{'ab' * 32}@acme.test>")
        unknown.replace_header("References", f"<antiport.{'ab' * 32}@acme.test>")
        big = reply(first, ("x" * 99 + "\n") * (MAIL_LIMIT // 100 + 1))
        for m in (stranger, auto, unthreaded, unknown, big):
            mail.send(m)
        mail.send(b"From: anna@acme.test\r\nIn-Reply-To: " + first["Message-ID"].encode()
                  + b"\r\nContent-Type: text/plain; charset=no-such-charset\r\n\r\n\xff\xfe broken\r\n")
        mail.send(b"\x00\xff garbage without headers \x00\r\n\r\n")
        mail.send(reply(first, "It hums when the fan is dusty; clean it."))

        assert await poll(bridge) == 1
        [answer] = answers(world, thread)
        assert answer["body"]["text"] == "It hums when the fan is dusty; clean it."
        dropped = {"not-staff": 2, "auto-reply": 1, "no-thread": 1, "unknown-thread": 1, "too-large": 1,
                   "unreadable": 1}
        async with trio.open_nursery() as nursery:  # the pull API's status counts them by reason
            url = await nursery.start(serve_pull, bridge, cfg.pull)
            status = (await client.get(url + "/v1/status", headers={"authorization": "Bearer t"})).json()
            assert status["dropped"] == {"email": dropped}
            nursery.cancel_scope.cancel()

        # Two replies while the bridge is stopped; a new bridge on the same store (its cursor) publishes
        # both and nothing twice; dropped counts are kept.
        mail.send(reply(first, "Second thought: also check the firmware."))
        mail.send(reply(first, "And the power supply."))
        count = world.store.count()
        again = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        again.start()
        assert again.dropped() == {"email": dropped}
        assert await poll(again) == 2
        assert world.store.count() == count + 2
        assert len(answers(world, thread)) == 3

        # A crash that lost the cursor, or a mailbox made anew (another UIDVALIDITY): every mail is read
        # again, nothing new on the network.
        validity = world.store.bridge_state(CURSOR).split(":")[0]
        for cursor in (f"{validity}:0", "1:0"):
            world.store.set_bridge_state(CURSOR, cursor)
            assert await poll(again) == 0
        assert world.store.count() == count + 2 and world.store.bridge_state(CURSOR).startswith(validity + ":")
