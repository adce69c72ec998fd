from __future__ import annotations

import pytest
from antiport.crypto import Identity, seal
from antiport.node.bridge.events import WITHHELD, agent_fields, event_of, staff_text

pytestmark = pytest.mark.fast


def test_sealed_part_is_opened_only_by_the_vendor(world):
    ok = event_of(world.store, world.vendor, world.store.get(world.ask("Refund", "please", private="IBAN DE00")), True)
    assert ok["private"] == {"text": "IBAN DE00"}
    assert "private" not in ok["body"] and "to" not in ok["body"]

    tampered = event_of(world.store, world.vendor,
                        world.store.get(world.ask("Refund", "please", private="IBAN DE00", tamper=True)), True)
    assert tampered["private"] == {"error": "the sealed part cannot be opened: not addressed to this key, "
                                            "or tampered with"}

    other = Identity.generate()
    elsewhere = world.post(world.customer, "request", {"title": "t", "text": "x", "to": other.public_key,
                                                       "private": seal(other.public_key, b"secret")})
    event = event_of(world.store, world.vendor, world.store.get(elsewhere), True)
    assert event["private"] == {"error": "the sealed part is addressed to another key, not to this vendor"}


def test_a_connector_that_did_not_opt_in_gets_no_private_part(world):
    withheld = event_of(world.store, world.vendor, world.store.get(world.ask("Refund", "please", private="IBAN")),
                        False)
    assert withheld["private"] == {"withheld": WITHHELD} and "IBAN" not in str(withheld)
    assert "private" not in withheld["body"] and "to" not in withheld["body"]


def test_updates_name_their_thread(world):
    root = world.ask("Widget jams", "daily")
    answer = world.post(world.vendor, "answer", {"text": "oil it"}, [root])
    vote = world.post(world.customer, "vote", {"value": "up"}, [answer])
    assert event_of(world.store, world.vendor, world.store.get(vote), True)["thread"] == root
    assert event_of(world.store, world.vendor, world.store.get(root), True)["thread"] == root


def test_what_a_helpdesk_names_becomes_a_valid_agent_or_none():
    """specs/02 section 9: control, bidi and line-break characters become spaces, at most 100 code points; a name
    that says nothing gives no agent (then no agent_id either)."""
    assert agent_fields("Jo\x1b[31m\u202e Bloggs\r\n", "1\x004") == {"agent": "Jo [31m Bloggs", "agent_id": "1 4"}
    assert agent_fields("Zoë", "") == {"agent": "Zoë"}
    assert agent_fields(" \u200b\u2028 ", "14") == {}
    assert agent_fields("J" * 150, "9" * 150) == {"agent": "J" * 100, "agent_id": "9" * 100}
    assert staff_text("a\r\nb\rc\x1b[2J\td") == "a\nb\nc [2J\td"
