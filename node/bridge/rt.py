"""Request Tracker 5 connector over its REST 2.0 API.

Network -> RT: a request or complaint becomes a ticket in the topic's queue, with the customer's did and
the message id in two ticket custom fields ("Antiport customer", "Antiport thread"), the kind and topic in
two more (names set in [connectors.rt.fields]), the kind's priority, a due date from the vendor's promise,
and the customer as Requestor: an RT user named by their did, with their profile's display name as real
name (no mail address: RT mails nobody). Every update becomes a comment; the customer's resolve also
resolves the ticket (unless resolve_on_customer = false).
RT -> network: a staff reply (Correspond) becomes a signed `answer`, a status change that the
configuration maps (resolved -> resolved, ...) becomes a signed `status`.

Nothing is done twice: on a retry, the ticket (or comment) an earlier attempt may have made is looked
up in RT before another is made; each ticket keeps
the id of the last RT transaction turned into a message, and those messages are signed with the
transaction's own time, so re-doing one after a crash yields the very same message id.
"""
from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import quote

import httpx
from antiport.protocol import is_blank
from antiport.protocol.intents import is_category, seal_to
from antiport.protocol.terms import CONSENT

from ..attachments import File, contents, foreign
from ..home import now_ms
from ..intents import offer_from_reply
from ..ledger import names
from ..ops import OpError
from ..store import Store
from ..terms_docs import named
from .config import RTConfig
from .events import ROOTS, ContactRefused, Drops, agent_fields, staff_text

log = logging.getLogger("antiport.bridge.rt")

CF_THREAD = "Antiport thread"
CF_CUSTOMER = "Antiport customer"
CF_LOOKUP = "RT::Queue-RT::Ticket"
TEXT_LIMIT = 20_000
PAGE = 100  # transactions per RT call (REST 2.0 serves at most 100)
CURSOR = "rt.txn"  # bridge state: the last RT transaction read
SYSTEM_USERS = {"RT_System", "Nobody"}  # RT's built-in users: what they do, no person did

# publish(kind, topic, body, refs, created, blobs=[(hash, bytes)]) -> message id
Publish = Callable[..., str]
FETCH_WAIT = 10 * 60_000  # ms a delivery waits for a message's attachments to arrive from the network


class RTError(Exception):
    """RT refused a call or cannot be reached; the delivery is retried later."""


class RTClient:
    def __init__(self, url: str, user: str, password: str, client: httpx.AsyncClient):
        self.base, self.auth, self.client = url.rstrip("/") + "/REST/2.0", (user, password), client

    async def call(self, method: str, path: str, *, ok404: bool = False, **kw):
        try:
            r = await self.client.request(method, self.base + path, auth=self.auth, **kw)
        except httpx.HTTPError as e:
            raise RTError(f"RT at {self.base} cannot be reached: {e!r}") from None
        if ok404 and r.status_code == 404:
            return None
        if r.status_code >= 400:
            raise RTError(f"RT refused {method} {path}: {r.status_code} {r.text[:300]}")
        return r.json()

    async def custom_fields(self, name: str) -> list[int]:
        """The ids of the enabled ticket custom fields called `name`, lowest first."""
        found = await self.call("POST", "/customfields", json=[{"field": "Name", "value": name},
                                                               {"field": "LookupType", "value": CF_LOOKUP},
                                                               {"field": "Disabled", "value": 0}])
        return sorted(int(item["id"]) for item in found["items"])

    async def ensure_custom_field(self, name: str) -> None:
        """One enabled field called `name`. Two bridges starting at once on a new RT may both create it,
        and RT then fills one and shows the other empty: every bridge keeps the lowest id and disables
        the rest, so racing bridges agree."""
        ids = await self.custom_fields(name)
        if not ids:
            await self.call("POST", "/customfield", json={"Name": name, "Type": "Freeform", "MaxValues": 1,
                                                          "LookupType": CF_LOOKUP, "Queue": 0})
            ids = await self.custom_fields(name)
        for extra in ids[1:]:
            await self.call("PUT", f"/customfield/{extra}", json={"Disabled": 1})

    async def ensure_queue(self, name: str) -> None:
        if await self.call("GET", f"/queue/{quote(name, safe='')}", ok404=True) is None:
            await self.call("POST", "/queue", json={"Name": name, "Description": "Antiport topic"})

    async def find_ticket(self, thread: str) -> int | None:
        found = await self.call("GET", "/tickets", params={"query": f"'CF.{{{CF_THREAD}}}' = '{thread}'"})
        return int(found["items"][0]["id"]) if found["items"] else None

    async def create_ticket(self, queue: str, subject: str, content: str, fields: dict, files: list[File] = (),
                            **more) -> int:
        """`more`: further ticket fields (Requestor, Priority, Due); `files` become the ticket's attachments."""
        made = await self.call("POST", "/ticket", json={"Queue": queue, "Subject": subject, "Content": content,
                                                        "ContentType": "text/plain", "CustomFields": fields,
                                                        **rt_files(files), **more})
        return int(made["id"])

    async def ensure_user(self, name: str, real_name: str) -> int:
        """The id of the RT user called `name` (made if missing), with `real_name` as its real name."""
        path = f"/user/{quote(name, safe='')}"
        user = await self.call("GET", path, ok404=True)
        if user is None:
            try:
                await self.call("POST", "/user", json={"Name": name, "RealName": real_name})
            except RTError:  # another bridge may have made it meanwhile; the lookup below tells
                pass
            user = await self.call("GET", path)
        elif real_name and user.get("RealName") != real_name:
            await self.call("PUT", f"/user/{user['id']}", json={"RealName": real_name})
        return int(user["id"])

    async def update_user(self, user: int, fields: dict[str, str]) -> None:
        """Set a user's fields. RT answers 200 whatever it refused ("Email address in use"), so the user is read
        back: a field left otherwise is a ContactRefused with what RT said."""
        said = await self.call("PUT", f"/user/{user}", json=fields)
        now = await self.call("GET", f"/user/{user}")
        if any((now.get(name) or "") != value for name, value in fields.items()):
            said = said if isinstance(said, list) else []
            refusals = [s for s in said if isinstance(s, str) and " changed from " not in s]
            raise ContactRefused("; ".join(refusals)[:150] or "RT did not take every field")

    async def comment(self, ticket: int, text: str, files: list[File] = ()) -> None:
        await self.call("POST", f"/ticket/{ticket}/comment", json={"Content": text, "ContentType": "text/plain",
                                                                    **rt_files(files)})

    async def correspond(self, ticket: int, text: str) -> None:
        await self.call("POST", f"/ticket/{ticket}/correspond", json={"Content": text, "ContentType": "text/plain"})

    async def set_status(self, ticket: int, status: str) -> None:
        await self.call("PUT", f"/ticket/{ticket}", json={"Status": status})

    async def user(self, name: str) -> dict | None:
        return await self.call("GET", f"/user/{quote(name, safe='')}", ok404=True)

    async def get_ticket(self, ticket: int) -> dict:
        return await self.call("GET", f"/ticket/{ticket}")

    async def transactions_after(self, cursor: int, limit: int = 100) -> list[dict]:
        """The next `limit` ticket transactions after id `cursor` that may become messages (replies, status
        changes, and comments answering the customer's terms), oldest first. Paged by id, not by page number, so
        that transactions made while paging neither shift nor hide any."""
        found = await self.call("GET", "/transactions", params={
            "query": f"id > {int(cursor)} AND ObjectType = 'RT::Ticket' AND (Type = 'Correspond' OR Type = 'Status'"
                     " OR Type = 'Comment')",
            "orderby": "id", "order": "ASC", "per_page": limit,
            "fields": "Type,Created,Creator,ObjectId,Field,OldValue,NewValue"})
        return found["items"]

    async def last_transaction(self) -> int:
        """The id of RT's newest transaction (0 in an empty RT)."""
        found = await self.call("GET", "/transactions", params={
            "query": "id > 0", "orderby": "id", "order": "DESC", "per_page": 1, "fields": "Type"})
        return int(found["items"][0]["id"]) if found["items"] else 0

    async def history(self, ticket: int) -> list[dict]:
        out, page = [], 1
        while True:
            found = await self.call("GET", f"/ticket/{ticket}/history", params={
                "fields": "Type,Created,Field,OldValue,NewValue", "per_page": 100, "page": page})
            out += found["items"]
            if page >= int(found.get("pages") or 1):
                return sorted(out, key=lambda t: int(t["id"]))
            page += 1

    async def texts(self, ticket: int, kind: str) -> list[str]:
        """The texts of a ticket's transactions of one type (Comment, Correspond...)."""
        return [await self.transaction_text(int(t["id"])) for t in await self.history(ticket) if t["Type"] == kind]

    async def transaction_text(self, txn: int) -> str:
        return (await self.transaction_parts(txn))[0]

    async def transaction_parts(self, txn: int) -> tuple[str, list[File]]:
        """What the staff member wrote: the text/plain part, else the text/html part as plain text
        (RT's web editor sends HTML only); and the files attached (the parts with a file name)."""
        listing = await self.call("GET", f"/transaction/{txn}/attachments", params={"per_page": 100})
        parts, files = {}, []
        for item in listing["items"]:
            att = await self.call("GET", f"/attachment/{item['id']}")
            ctype = (att.get("ContentType") or "").split(";")[0].strip()
            if att.get("Filename") and att.get("Content"):
                files.append((att["Filename"], ctype, base64.b64decode(att["Content"])))
            elif ctype in ("text/plain", "text/html") and att.get("Content") and ctype not in parts:
                parts[ctype] = base64.b64decode(att["Content"]).decode("utf-8", "replace")
        if "text/plain" in parts:
            return parts["text/plain"].strip(), files
        return html_to_text(parts["text/html"]) if "text/html" in parts else "", files


class _Text(HTMLParser):
    BREAKS = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "blockquote"}

    def __init__(self):
        super().__init__()
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BREAKS:
            self.out.append("\n")

    def handle_data(self, data):
        self.out.append(data)


def rt_files(files: list[File]) -> dict:
    """Files as RT REST 2.0 takes them on a ticket, a reply or a comment."""
    return {"Attachments": [{"FileName": name, "FileType": kind, "FileContent": base64.b64encode(data).decode()}
                            for name, kind, data in files]} if files else {}


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.out).splitlines())
    return "\n".join(line for line in lines if line).strip()


def rt_time_ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def rt_time(ms: int) -> str:
    """A time (ms since the epoch) as RT takes it: UTC, whole seconds."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


class RTConnector:
    name = "rt"

    def __init__(self, cfg: RTConfig, store: Store, client: httpx.AsyncClient, vendor_did: str, identity=None):
        self.cfg, self.store, self.vendor_did, self.private = cfg, store, vendor_did, cfg.private
        self.identity = identity if cfg.private else None  # opens sealed files for RT only when opted in
        self.rt = RTClient(cfg.url, cfg.user, cfg.password, client)
        self.dropped = Drops(store, self.name)
        self._ready = False
        self._agents: dict[str, dict] = {}  # RT user name -> the agent fields it signs, for one poll

    async def setup(self) -> None:
        """Create the custom fields and queues the bridge needs (once per run; idempotent)."""
        if self._ready:
            return
        for name in (CF_THREAD, CF_CUSTOMER, self.cfg.fields.type_field, self.cfg.fields.topic_field):
            await self.rt.ensure_custom_field(name)
        for queue in sorted(set(self.cfg.queues.values())):
            await self.rt.ensure_queue(queue)
        await self.cursor()  # before the first ticket is made, so that a new bridge starts at RT's newest
        self._ready = True

    def ticket_of(self, thread: str) -> int | None:
        return self.store.rt_ticket_of(thread)

    def from_rt(self, message_id: str) -> bool:
        """True for messages this connector published from an RT transaction (not echoed back)."""
        return self.store.rt_published(message_id)

    # -- network -> RT ------------------------------------------------------------------------------

    async def deliver(self, seq: int, event: dict, retry: bool) -> None:
        """On a retry the earlier attempt may have reached RT; look before commenting again."""
        await self.setup()
        if event["kind"] == "contact":
            await self._contact(event)
        elif event["kind"] in ROOTS:
            await self._ticket(seq, event, retry)
        elif not self.from_rt(event["id"]):
            ticket = self.ticket_of(event["thread"] or "")
            if ticket is None:
                raise RTError(f"no ticket yet for thread {event['thread']}; the thread is delivered first")
            if not (retry and any(text.endswith(message_line(event))
                                  for text in await self.rt.texts(ticket, "Comment"))):
                files, missing = self.files(event)
                await self.rt.comment(ticket, with_missing(describe(seq, event), missing), files)
            if event["kind"] == "resolve" and self.cfg.resolve_on_customer:  # only the asker may resolve
                await self.rt.set_status(ticket, "resolved")  # a second time changes nothing
            if event["kind"] == "decline":  # the customer declined the vendor's offer: the lead is closed
                await self.rt.set_status(ticket, "rejected")

    async def _contact(self, event: dict) -> None:
        """A card replaces the requestor user's fields (an erasure empties them); doing it again changes nothing."""
        card = event["contact"].get("card", {})
        lines = card.get("address", "").split("\n")
        user = await self.rt.ensure_user(event["author"], "")
        await self.rt.update_user(user, {"RealName": card.get("name", ""), "EmailAddress": card.get("email", ""),
                                         "WorkPhone": card.get("phone", ""), "Address1": lines[0],
                                         "Address2": ", ".join(line for line in lines[1:] if line.strip())})

    async def _ticket(self, seq: int, event: dict, retry: bool) -> None:
        thread = event["id"]
        ticket = self.ticket_of(thread) or (await self.rt.find_ticket(thread) if retry else None)
        if ticket is None:
            files, missing = self.files(event)
            fields, customer = self.cfg.fields, event["author"]
            requestor = await self.rt.ensure_user(customer, names(self.store, [customer])[customer])
            more = {"Requestor": requestor, "Priority": fields.priority.get(event["kind"], fields.priority["request"])}
            if self.cfg.promise_hours is not None:
                more["Due"] = rt_time(event["created"] + self.cfg.promise_hours * 3_600_000)
            ticket = await self.rt.create_ticket(
                self.cfg.queues[event["topic"]], event["body"]["title"], with_missing(ticket_text(seq, event), missing),
                {CF_THREAD: thread, CF_CUSTOMER: customer, fields.type_field: event["kind"],
                 fields.topic_field: event["topic"]}, files, **more)
        self.store.rt_add_ticket(thread, ticket, event["topic"])

    def files(self, event: dict) -> tuple[list[File], list[str]]:
        """The event's attachments this node holds, and a line for each missing one. A message's blobs come a
        moment after it: while it is younger than FETCH_WAIT, a missing one fails the delivery (retried)."""
        files, missing, waiting = contents(self.store, self.identity, event["body"].get("files", []))
        if waiting and now_ms() - event["created"] < FETCH_WAIT:
            raise RTError(f"the attachments of {event['id'][:12]} are still being fetched from the network")
        return files, missing

    # -- RT -> network ------------------------------------------------------------------------------

    async def poll(self, publish: Publish, created_floor: Callable[[str], int]) -> int:
        """Turn new staff replies and status changes into signed messages; returns how many were published.

        Reads every transaction after the cursor (the last one read, kept in the bridge's state), page
        by page, however many tickets changed since. `created_floor(thread)` is the earliest creation
        time (ms) a reply in that thread may carry.
        """
        await self.setup()
        cursor, published = await self.cursor(), 0
        self._agents.clear()  # real names may have changed since the last poll
        while True:
            page = await self.rt.transactions_after(cursor, PAGE)
            for txn in page:
                txn_id, row = int(txn["id"]), self.store.rt_ticket(int(txn["ObjectId"]))
                if row is not None and txn_id > row[2]:
                    thread, topic, _ = row
                    lead = is_category(topic)  # a ticket of an intent: staff reply with an offer (specs/12)
                    made, msg_id = await (self._offer_for(txn, thread) if lead else self._message_for(txn)), None
                    refs = [thread]
                    if made is None and txn["Type"] == "Comment" and (consent := await self._consent_for(txn, thread)):
                        made, refs = consent
                    if made:
                        created = max(rt_time_ms(txn["Created"]), created_floor(thread))
                        try:
                            msg_id = publish(made[0], topic, made[1], refs, created, blobs=made[2])
                            published += 1
                        except RuntimeError as e:  # refused by the protocol's rules: counted, never retried
                            self.dropped.add("refused")
                            log.warning("RT transaction %d not published: %s", txn_id, e)
                    self.store.rt_read(int(txn["ObjectId"]), txn_id, msg_id)
                cursor = txn_id
            self.store.set_bridge_state(CURSOR, cursor)  # a crash mid-page re-reads it: last_txn skips
            if len(page) < PAGE:
                return published

    async def cursor(self) -> int:
        """The last RT transaction read. A bridge without one starts where its tickets start (the oldest
        transaction any of them has had read, which re-reads at most what they already published:
        nothing is published twice), or at RT's newest transaction when it has no tickets yet."""
        stored = self.store.bridge_state(CURSOR)
        if stored is not None:
            return int(stored)
        oldest = self.store.rt_oldest_read()
        cursor = oldest if oldest is not None else await self.rt.last_transaction()
        self.store.set_bridge_state(CURSOR, cursor)
        return cursor

    async def _message_for(self, txn: dict) -> tuple[str, dict, list] | None:
        """The kind, body and blobs a transaction becomes; `seq` is RT's transaction id, so that replies of the
        same second (RT's times are whole seconds) keep RT's order in the thread (specs/02 section 2). A reply
        of files alone is still a reply: its text names them (an answer must say something)."""
        seq = int(txn["id"])
        if txn["Type"] == "Correspond":
            text, files = await self.rt.transaction_parts(seq)
            text = staff_text(text)
            entries, blobs, left_out = foreign(files)
            names = [e["name"] for e in entries]
            if is_blank(text) and names:
                text = "Attached: " + ", ".join(names)
            if left_out:
                text += "\n\n(Not attached here, too large or too many: " + ", ".join(left_out) + ")"
            if is_blank(text):
                self.dropped.add("empty")
                return None
            return "answer", {"text": text[:TEXT_LIMIT], "seq": seq, **await self._agent(txn),
                              **({"files": entries} if entries else {})}, blobs
        if txn["Type"] == "Status" and txn.get("NewValue") in self.cfg.status_map:
            return "status", {"state": self.cfg.status_map[txn["NewValue"]], "note": f"RT status: {txn['NewValue']}",
                              "seq": seq, **await self._agent(txn)}, []
        return None

    async def _offer_for(self, txn: dict, thread: str) -> tuple[str, dict, list] | None:
        """A staff reply to a lead becomes the vendor's offer, sealed to the intent's key; one that is not an offer
        (no price line, the intent closed, terms she did not ask for) is dropped, counted and logged."""
        if txn["Type"] != "Correspond":
            return None
        text, _ = await self.rt.transaction_parts(int(txn["id"]))
        intent = self.store.get(thread)
        try:
            plain = offer_from_reply(self.store, intent, staff_text(text), now_ms())
        except OpError as e:
            self.dropped.add("not-an-offer")
            log.warning("RT reply %s to lead %s not published: %s", txn["id"], thread[:12], e)
            return None
        return "offer", {"sealed": seal_to(intent.author, plain)}, []

    async def _consent_for(self, txn: dict, thread: str) -> tuple[tuple[str, dict, list], list[str]] | None:
        """A staff comment 'Terms: accept' or 'Terms: refuse REASON' on a ticket whose message names the customer's
        terms becomes the vendor's signed consent to them (specs/14 section 4), with the terms document as its ref.
        Only the comments of such tickets are read."""
        doc = named(self.store, self.store.get(thread))
        if doc is None:  # most tickets: their comments are not read
            return None
        text, _ = await self.rt.transaction_parts(int(txn["id"]))
        name, _, rest = staff_text(text).strip().split("\n")[0].partition(":")
        value, _, reason = rest.strip().partition(" ")
        if name.strip().lower() != "terms" or value.lower() not in CONSENT:
            return None
        body = {"value": value.lower(), **({"reason": reason.strip()[:500]} if reason.strip() else {})}
        return ("consent", body, []), [doc.id]

    async def _agent(self, txn: dict) -> dict:
        """Who made the transaction (specs/02 section 9): the RT user's real name, else their user name (its
        part before any @: a mail address is never published), and RT's number for them; none for RT itself."""
        name = (txn.get("Creator") or {}).get("id")
        if not name or name in SYSTEM_USERS:  # RT's own changes (it opens a ticket on a reply): no agent
            return {}
        if name not in self._agents:
            user = await self.rt.user(name) or {}
            number = str(user.get("id", ""))
            self._agents[name] = (agent_fields(user.get("RealName") or "", number)
                                  or agent_fields(str(user.get("Name") or name).split("@")[0], number))
        return self._agents[name]


def ticket_text(seq: int, event: dict) -> str:
    lines = [event["body"].get("text", ""), "", "--", f"{event['kind'].capitalize()} on Antiport in {event['topic']}",
             f"Customer: {event['author']}", f"Message: {event['id']}", f"Sequence: {seq}"]
    if event["kind"] == "intent":
        lines[1:1] = lead_lines(event["body"])
    if "terms" in event:
        lines[1:1] = terms_lines(event["terms"])
    private = event.get("private")
    if private and "text" in private:
        lines += ["", "Private part (sealed to the vendor, opened by the bridge):", private["text"]]
    elif private and "error" in private:
        lines += ["", f"Private part refused: {private['error']}"]
    elif private:
        lines += ["", f"Private part not shown: {private['withheld']}"]
    return "\n".join(lines)


def lead_lines(body: dict) -> list[str]:
    """What a lead's ticket says besides the customer's text, and how staff answer with an offer."""
    def when(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [""]
    if "budget" in body:
        out.append(f"Budget: up to {body['budget'] / 100:.2f} {body['currency']}")
    out += [f"{name.capitalize()}: {body[name]}" for name in ("quantity", "region") if name in body]
    out += [f"Needed by: {when(body['deadline'])}"] if "deadline" in body else []
    out += [f"Offers until: {when(body['expires'])}", f"Her terms: {', '.join(body.get('terms', [])) or 'none'}", "",
            "Reply with an offer: 'Price: 899.90 EUR', then 'Valid: 7d' and 'Accepts: TERMS' if you like, then its",
            "text. Only the customer can read it."]
    return out


def terms_lines(terms: dict) -> list[str]:
    """The customer's signed terms in plain words, and how the vendor answers them (specs/14)."""
    return ["", f"The customer's terms (signed, {terms['id']}):", *(f"- {line}" for line in terms["plain"]),
            "Answer them with a comment 'Terms: accept' or 'Terms: refuse REASON': a signed consent she keeps."]


def with_missing(text: str, missing: list[str]) -> str:
    """A ticket's or comment's text with a line for each attachment it lacks."""
    return "\n".join([text, "", "Attachments not included:", *missing]) if missing else text


def describe(seq: int, event: dict) -> str:
    """The comment an update becomes in RT."""
    who, body = event["author"], event["body"]
    text = {
        "answer": f"Answer by {who}:\n\n{body.get('text', '')}",
        "accept": f"The customer accepted answer {event['refs'][0] if event['refs'] else ''}.",
        "vote": f"{who} voted {body.get('value')} on {event['refs'][0] if event['refs'] else ''}.",
        "status": f"Status set to {body.get('state')} by {who}." + (f" {body['note']}" if body.get("note") else ""),
        "resolve": "The customer confirmed that the request is solved.",
        "contact": "The customer's contact details are now:\n" + "\n".join(
            f"{name}: {value}" for name, value in event.get("contact", {}).get("card", {}).items())
                   if event.get("contact", {}).get("op") == "update" else "The customer asks to erase their details.",
        "retract": f"{who} retracted {event['refs'][0] if event['refs'] else ''}."
                   + (f" Reason: {body['reason']}" if body.get("reason") else ""),
        "award": "The customer accepted your offer." + "".join(
            f"\n{k.capitalize()}: {v}" for k, v in event.get("award", {}).items()),
        "decline": "The customer declined your offer." + (f" Reason: {body['reason']}" if body.get("reason") else ""),
    }.get(event["kind"], f"{event['kind']} by {who}")
    return f"{text}\n\n--\nSequence: {seq}\n{message_line(event)}"


def message_line(event: dict) -> str:
    return f"Message: {event['id']}"

