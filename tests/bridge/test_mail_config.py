"""The email connector's configuration and its reading of mail, without a server: every bad value is
one clear line; hostile mail is dropped with a reason."""
from __future__ import annotations

import pytest
from antiport.node.bridge.config import BridgeConfigError, parse_config
from antiport.node.bridge.mail import MARKER, Dropped, compose, parse_reply, reply_text, staff_message
from antiport.protocol.kinds import KINDS, check_body
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.fast

GOOD = {"support": "support@acme.example", "address": "bridge@acme.example", "smtp": "smtps://mail.acme.example",
        "imap": "imap://127.0.0.1:1143", "password": "p", "staff": ["@Acme.example", "ann@partner.example"]}


def email_config(**changes):
    section = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    return parse_config({"vendor": {"org": "Acme", "topics": ["acme/widget"]}, "connectors": {"email": section}})


def test_a_good_section_and_its_defaults():
    cfg = email_config().email
    assert cfg.user == "bridge@acme.example" and cfg.staff == ["@acme.example", "ann@partner.example"]
    assert cfg.starttls is True and cfg.mailbox == "INBOX" and cfg.poll_seconds == 10.0
    assert email_config(starttls=False).email.starttls is False


@pytest.mark.parametrize("changes, message", [
    ({"support": None}, "connectors.email.support is required"),
    ({"support": "support"}, "connectors.email.support: 'support' is not a plain mail address"),
    ({"address": "Bridge <b@acme.example>"}, "connectors.email.address: 'Bridge <b@acme.example>' is not a plain"),
    ({"address": "b@acme.example\nBcc: x@evil.example"}, "is not a plain mail address"),
    ({"smtp": "http://mail.acme.example"}, "connectors.email.smtp: 'http://mail.acme.example' is not smtp://host:port"
                                           " or smtps://host:port"),
    ({"imap": "imaps://:993"}, "connectors.email.imap: 'imaps://:993' is not imap://host:port"),
    ({"imap": "imap://mail.acme.example:99999"}, "connectors.email.imap: 'imap://mail.acme.example:99999' is not"),
    ({"staff": []}, "connectors.email.staff: name the addresses (or @domains)"),
    ({"staff": ["acme.example"]}, "connectors.email.staff: 'acme.example' is neither a mail address nor an @domain"),
    ({"staff": "@acme.example"}, "connectors.email.staff must be a list"),
    ({"starttls": "no"}, "connectors.email.starttls must be a bool, got 'no'"),
    ({"password": None}, "connectors.email.password (or password_env) is required"),
    ({"folder": "INBOX"}, "unknown key connectors.email.folder"),
])
def test_bad_values_are_one_clear_line(changes, message):
    with pytest.raises(BridgeConfigError) as e:
        email_config(**changes)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_the_reply_is_what_staff_wrote_above_the_quote():
    text = f"Update to 2.1.1.\n\nThanks,\nAnn\n\nOn Thu, 3 Dec 2026, Acme wrote:\n> {MARKER}\n> since 2.1\n"
    assert reply_text(text) == "Update to 2.1.1.\n\nThanks,\nAnn"
    assert reply_text(f"Top.\n{MARKER}\nold text") == "Top."


@pytest.mark.parametrize("text, made", [
    ("Thanks, fixed.", ("answer", {"text": "Thanks, fixed."})),
    ("#status resolved\nFixed in 2.1.1.\nBye", ("status", {"state": "resolved", "note": "Fixed in 2.1.1.\nBye"})),
    ("  #Status   IN-PROGRESS  ", ("status", {"state": "in-progress"})),
    ("#status wont-fix\n\n", ("status", {"state": "wont-fix"})),
    ("Fixed.\n#status resolved", ("answer", {"text": "Fixed.\n#status resolved"})),
    ("#statusresolved", ("answer", {"text": "#statusresolved"})),
    ("#status resolved now", ("answer", {"text": "#status resolved now"})),
])
def test_a_first_line_status_command_makes_a_status(text, made):
    assert staff_message(text) == made


def test_an_unknown_state_is_dropped():
    with pytest.raises(Dropped, match="bad-status"):
        staff_message("#status closed\nDone")


def test_hostile_mail_is_dropped_with_a_reason():
    cfg = email_config().email
    thread = "<antiport." + "ab" * 32 + "@acme.example>"
    ok = f"From: ann@partner.example\r\nIn-Reply-To: {thread}\r\n\r\nFine.\r\n".encode()
    assert parse_reply(ok, cfg) == (["ab" * 32], "Fine.", {"agent": "ann"})  # no display name: not the address
    html = ok.replace(b"\r\n\r\nFine.", b"\r\nContent-Type: text/html\r\n\r\n<p>Fine, <b>thanks</b></p><blockquote>"
                      + MARKER.encode() + b"<p>old</blockquote>")
    assert parse_reply(html, cfg) == (["ab" * 32], "Fine, thanks", {"agent": "ann"})
    for raw, reason in [
        (ok.replace(b"ann@partner", b"ann@partner.example.evil"), "not-staff"),
        (b"From: a@acme.example, b@acme.example\r\nIn-Reply-To: " + thread.encode() + b"\r\n\r\nx\r\n", "not-staff"),
        (ok.replace(b"In-Reply-To", b"X-Other"), "no-thread"),
        (ok.replace(b"Fine.", f"> {MARKER}".encode()), "empty"),
        (ok.replace(b"\r\n\r\n", b"\r\nContent-Type: text/plain; charset=x-none\r\n\r\n"), "unreadable"),
    ]:
        with pytest.raises(Dropped) as e:
            parse_reply(raw, cfg)
        assert str(e.value) == reason


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([b"", b"From: ann@partner.example\r\nIn-Reply-To: <antiport."
                                                 + b"ab" * 32 + b"@x.example>\r\nContent-Type: multipart/mixed; "
                                                 b"boundary=b\r\n\r\n--b\r\n"]))
def test_any_bytes_are_a_reply_or_dropped_never_an_error(tail, head):
    try:
        ids, text, agent = parse_reply(head + tail, email_config().email)
        assert ids == ["ab" * 32] and text.strip()
        check_body(KINDS["answer"], {"text": text, "seq": 1, **agent})  # what the bridge signs is valid
    except Dropped:
        pass


def test_the_agent_is_the_senders_display_name_made_a_valid_line():
    """specs/02 section 9: the From display name, its controls, bidi and line breaks made spaces, at most 100
    code points; the text's CR and controls too: what the bridge signs always passes the kind's rules."""
    cfg = email_config().email
    head = "In-Reply-To: <antiport." + "ab" * 32 + "@acme.example>\r\n"
    for sender, agent in [("Ann Lee <ann@partner.example>", {"agent": "Ann Lee"}),
                          ("=?utf-8?q?Ann=1B=5B2J=E2=80=AE_Lee=09X=E2=80=A8Y?= <ann@partner.example>",
                           {"agent": "Ann [2J Lee X Y"}),
                          ('"=?utf-8?q?=E2=80=8B?=" <ann@partner.example>', {"agent": "ann"}),
                          ("=?utf-8?q?" + "J" * 150 + "?= <ann@partner.example>", {"agent": "J" * 100})]:
        raw = f"From: {sender}\r\n{head}\r\nFine\x1b[2J.\r\nSecond\rline\r\n".encode()
        ids, text, found = parse_reply(raw, cfg)
        assert found == agent and text == "Fine [2J.\nSecond\nline"
        check_body(KINDS["answer"], {"text": text, **found})


def test_a_complaint_mail_is_marked_and_a_retry_composes_the_same_mail():
    cfg = email_config().email
    event = {"id": "cd" * 32, "thread": "cd" * 32, "kind": "complaint", "topic": "acme/widget",
             "author": "did:key:z6Mk", "created": 1_796_277_922_000, "body": {"title": "Broken", "text": "It broke."}}
    mail = compose(7, event, cfg, "Broken")
    assert mail["Subject"] == "[Complaint] Broken" and mail["Date"] == "Thu, 03 Dec 2026 06:05:22 +0000"
    assert mail["Message-ID"] == f"<antiport.{'cd' * 32}@acme.example>" and mail["In-Reply-To"] is None
    assert mail.as_bytes() == compose(7, event, cfg, "Broken").as_bytes()
    assert "It broke." in mail.get_content() and MARKER in mail.get_content() and "Sequence: 7" in mail.get_content()
