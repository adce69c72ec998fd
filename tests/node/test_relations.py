"""Who may read her (node/relations.py): a vendor she denies gets no private part and no card, until she allows
it again; removing a relationship asks the vendor to erase her card and forgets what this home kept about it."""
from __future__ import annotations

import pytest
from antiport.node import relations  # noqa: F401 -- its ops join the registry
from antiport.node.service import Ctx, OpError, write
from antiport.protocol.contact import open_card
from cast import call, cast

pytestmark = pytest.mark.fast
W = "acme/widget"


@pytest.fixture
def people(tmp_path):
    ctxs = cast(tmp_path / "s.db", "ada", "acme")
    write(ctxs["acme"], "vendor", "", {"org": "Acme Corp", "topics": [W]})
    call(ctxs["ada"], "trust_vendor", did=ctxs["acme"].identity.did)  # its key, known to her: sealing goes to it
    return ctxs


def count(ctx: Ctx, kind: str) -> int:
    return ctx.store.db.execute("SELECT count(*) FROM messages WHERE kind = ?", [kind]).fetchone()[0]


def test_a_denied_vendor_gets_no_private_part_and_no_card_until_allowed(people):
    ada, acme = people["ada"], people["acme"]
    vendor = acme.identity.did
    asked = call(ada, "ask", topic=W, title="Broken", text="again", private_text="order 42")
    assert asked["sealed_to"]["did"] == vendor
    call(ada, "private_deny", did=vendor)
    assert call(ada, "private_list")["denied"][0] | {"since": 0} == {"did": vendor, "org": "Acme Corp", "since": 0}
    with pytest.raises(OpError, match="you do not let .* read your private parts"):
        call(ada, "ask", topic=W, title="Broken", text="still", private_text="order 43")
    sent = call(ada, "contact_set", email="ada@example.org")
    assert sent["sent"] == [] and "do not let" in sent["skipped"][0]["why"]
    with pytest.raises(OpError, match="private allow"):
        call(ada, "contact_set", email="ada@example.org", vendor=[vendor])
    assert count(ada, "request") == 1 and count(ada, "contact") == 0  # nothing left for it

    call(ada, "private_allow", did=vendor)
    with pytest.raises(OpError, match="not denied"):
        call(ada, "private_allow", did=vendor)
    assert call(ada, "contact_set", phone="+44 1")["sent"][0]["vendor"] == vendor


def test_removing_a_relationship_erases_the_card_there_and_forgets_it_here(people):
    ada, acme = people["ada"], people["acme"]
    vendor = acme.identity.did
    call(ada, "ask", topic=W, title="Broken", text="again")
    call(ada, "contact_set", name="Ada", vendor=[vendor])
    removed = call(ada, "vendor_remove", did=vendor)
    assert removed["removed"] == {"card_recipient": 1, "trusted": 1} and "cannot be recalled" in removed["kept"]
    erasure = ada.store.get(removed["erasure"])
    assert open_card(acme.identity, erasure.body["sealed"]) is None  # "forget me", sealed to the vendor alone
    assert ada.store.trusted_vendors() == set() and ada.store.contact_vendors() == {}
    assert [r["did"] for r in call(ada, "private_list")["denied"]] == [vendor]
    assert call(ada, "contact_set", name="Ada L.")["sent"] == []  # her next card does not go there
    with pytest.raises(OpError, match="that is you"):
        call(ada, "vendor_remove", did=ada.identity.did)
