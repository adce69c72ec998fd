"""The store's schema: an ordered list of migrations, the number applied kept in `PRAGMA user_version`.

Opening a store runs the ones it lacks, each in its own transaction, so a home made by any earlier
release opens. Append new migrations; never edit one that has shipped.
"""
from __future__ import annotations

import sqlite_utils
from antiport.crypto import did_from_key
from antiport.protocol import Message, load


def _messages(db: sqlite_utils.Database) -> None:
    """The tables of the first release (its homes have them already, and a `meta` table saying schema 1)."""
    if "messages" in db.table_names():
        return
    db["messages"].create({"id": str, "raw": bytes, "kind": str, "author": str, "topic": str,
                           "created": int, "target": str, "title": str, "text": str, "received": int}, pk="id")
    db["messages"].create_index(["topic", "created"])
    db["messages"].create_index(["target"])
    db["messages"].create_index(["author"])
    db["messages"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter unicode61")
    db["follows"].create({"slug": str, "since": int}, pk="slug")
    db["outbox"].create({"id": str, "added": int}, pk="id")
    db["vendor_keys"].create({"key": bytes, "topic": str, "vendor": str, "manifest": str}, pk=("key", "topic"))
    db["peers"].create({"peer_id": str, "addrs": str, "last_seen": int}, pk="peer_id")


def _bridge_tables_and_thread_index(db: sqlite_utils.Database) -> None:
    """The bridge's tables (the first release made them when a bridge started), the version in
    user_version instead of `meta`, replies found by
    (target, kind, created) for thread lists, messages of one kind in creation order (trust facts)."""
    for sql in (
            "CREATE TABLE IF NOT EXISTS bridge_events (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " message_id TEXT NOT NULL UNIQUE, added INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS bridge_deliveries (connector TEXT NOT NULL, seq INTEGER NOT NULL,"
            " attempts INTEGER NOT NULL DEFAULT 0, next_try INTEGER NOT NULL, last_error TEXT,"
            " acked INTEGER, PRIMARY KEY (connector, seq))",
            "CREATE INDEX IF NOT EXISTS bridge_deliveries_due ON bridge_deliveries (connector, acked, next_try)",
            "CREATE TABLE IF NOT EXISTS bridge_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS bridge_rt_tickets (thread TEXT PRIMARY KEY, ticket INTEGER NOT NULL"
            " UNIQUE, topic TEXT NOT NULL, last_txn INTEGER NOT NULL DEFAULT 0, last_updated TEXT)",
            "CREATE TABLE IF NOT EXISTS bridge_rt_txns (txn INTEGER PRIMARY KEY, message_id TEXT NOT NULL)",
            "DROP TABLE IF EXISTS meta",
            "DROP INDEX IF EXISTS idx_messages_target",
            "CREATE INDEX messages_replies ON messages (target, kind, created)",
            "CREATE INDEX messages_kind_created ON messages (kind, created)"):
        db.execute(sql)


def _every_claim(db: sqlite_utils.Database) -> None:
    """Every manifest's claims, not only each vendor's newest: a status is valid when any held manifest
    names its author for the topic (specs/02 section 4), so validity does not depend on arrival order."""
    db["vendor_claims"].create({"key": bytes, "topic": str, "manifest": str}, pk=("topic", "key", "manifest"))
    for (raw,) in db.execute("SELECT raw FROM messages WHERE kind='vendor'").fetchall():
        msg = load(raw)
        db["vendor_claims"].insert_all(claims(msg), ignore=True)


def claims(msg: Message) -> list[dict]:
    """The rows of `vendor_claims` for one manifest: its author and its keys, in each of its topics."""
    keys = {msg.author, *msg.body.get("keys", [])}
    return [{"key": k, "topic": t, "manifest": msg.id} for k in keys for t in msg.body["topics"]]


def _labelers(db: sqlite_utils.Database) -> None:
    """The labelers the user follows, and what each label value does here (hide, mark or ignore)."""
    db.execute("CREATE TABLE labelers (did TEXT PRIMARY KEY, since INTEGER NOT NULL)")
    db.execute("CREATE TABLE label_effects (value TEXT PRIMARY KEY, effect TEXT NOT NULL)")


def _vendor_domains(db: sqlite_utils.Database) -> None:
    """What this node learned of vendors' domains (specs/02 section 6): the last check of each (did, domain),
    the did pinned to each domain on first sight, and the vendors the customer trusts by hand."""
    db["domain_checks"].create({"did": str, "domain": str, "problem": str, "checked": int}, pk=("did", "domain"))
    db["domain_pins"].create({"domain": str, "did": str, "pinned": int}, pk="domain")
    db["trusted_vendors"].create({"did": str, "since": int}, pk="did")


def _sent(db: sqlite_utils.Database) -> None:
    """Write requests this node carried out lately, by a digest of each, with the message it made: the same
    request again (a client that timed out retries) gives back that message (service.write)."""
    db.execute("CREATE TABLE sent (request BLOB PRIMARY KEY, id TEXT NOT NULL, at INTEGER NOT NULL)")


def _queue_skips(db: sqlite_utils.Database) -> None:
    """Requests the expert set aside in their queue, until when (local: never published)."""
    db["queue_skips"].create({"id": str, "until": int}, pk="id")


def _root_indexes(db: sqlite_utils.Database) -> None:
    """Thread roots in time order, per topic and over all topics (partial indexes: a topic of 200,000
    messages has 20,000 roots), so a page of threads, a vendor's requests and the metrics over a topic's
    roots walk the roots alone; messages of one kind per topic (facts for the ledger, answers per author);
    replies with their ids in the index, and accepts by target (whether one of a thread's 3,000 answers is
    accepted: reads of two indexes, the second small, not 3,000 rows)."""
    for sql in ("DROP INDEX messages_replies",
                "CREATE INDEX messages_replies ON messages (target, kind, created, id)",
                "CREATE INDEX messages_roots ON messages (topic, created, id) WHERE kind IN ('request','complaint')",
                "CREATE INDEX messages_roots_all ON messages (created, id) WHERE kind IN ('request','complaint')",
                "CREATE INDEX messages_topic_kind ON messages (topic, kind, author)",
                "CREATE INDEX messages_accepts ON messages (target, author) WHERE kind='accept'"):
        db.execute(sql)


def _fts_rows_by_the_store(db: sqlite_utils.Database) -> None:
    """A message's search entry is no longer written by the insert trigger: with a trigger,
    SQLite must be able to undo the INSERT in part, so it first copies every page the statement changes (the
    table's and its nine indexes') into a statement journal; that was more than half the cost of storing a
    message (docs/performance.md). Written by `Store._insert` now; the delete and update triggers stay (the key
    logs rewrite rows' author and signer, specs/10)."""
    db.execute("DROP TRIGGER IF EXISTS messages_ai")


def _key_logs(db: sqlite_utils.Database) -> None:
    """Key logs (specs/10): whom each key speaks for (`keep`: the ids a revoked device's revocation kept, as
    CBOR), and the key that signed a message when its `author` is the identity that key speaks for."""
    db.execute("CREATE TABLE key_owners (key BLOB PRIMARY KEY, identity TEXT NOT NULL, keep BLOB)")
    db.execute("ALTER TABLE messages ADD COLUMN signer TEXT")
    db.execute("CREATE INDEX messages_signer ON messages (signer) WHERE signer IS NOT NULL")


def _inbox(db: sqlite_utils.Database) -> None:
    """Threads the person follows or mutes by hand, and the inbox items read (node/inbox.py); local only."""
    db["watches"].create({"root": str, "since": int, "muted": int}, pk="root")
    db["inbox_read"].create({"item": str, "at": int}, pk="item")


def _blobs(db: sqlite_utils.Database) -> None:
    """Attachments (specs/09): the files each stored message lists (its topic, to fetch those of followed
    topics), and the blobs held, each once whatever lists it."""
    db.execute("CREATE TABLE files (message_id TEXT NOT NULL, hash BLOB NOT NULL, size INTEGER NOT NULL,"
               " topic TEXT NOT NULL, PRIMARY KEY (message_id, hash))")
    db.execute("CREATE INDEX files_hash ON files (hash)")
    db.execute("CREATE TABLE blobs (hash BLOB PRIMARY KEY, data BLOB NOT NULL)")


def _langs(db: sqlite_utils.Database) -> None:
    """The language a message says it is written in (specs/02 section 2, rule 6), to filter threads by. No
    message stored before could carry one: nothing to fill in."""
    db.execute("ALTER TABLE messages ADD COLUMN lang TEXT")


def choice(msg: Message) -> str | None:
    """What the `value` column holds: a vote's, trust's or label's value, a status's state, the did a share is
    sealed to (specs/13: its receiver finds the shares to her by the column)."""
    if msg.kind == "share":
        to = msg.body.get("to")
        return did_from_key(to) if isinstance(to, bytes) and len(to) == 32 else None
    found = msg.body.get("value", msg.body.get("state"))
    return found if isinstance(found, str) else None


def _choices_and_response_indexes(db: sqlite_utils.Database) -> None:
    """A message's choice in a column of its own (`value`, `choice`), so that a thread's vote totals and the
    ledger's facts are counted from the column, not by decoding a hundred thousand envelopes; resolves by
    topic and target, and answers and statuses by topic, author and target, so that a vendor's metrics
    read its responses and a topic's resolves in these indexes alone, not row by row; replies with their
    author and value too, so that a thread of 3,000 answers and 5,000 votes is ranked from that index
    alone, its rows read only for the page shown."""
    db.execute("ALTER TABLE messages ADD COLUMN value TEXT")
    rows = db.execute("SELECT rowid, raw FROM messages WHERE kind IN ('vote', 'trust', 'label', 'status')")
    db.conn.executemany("UPDATE messages SET value=? WHERE rowid=?",
                        [(choice(load(raw)), rowid) for rowid, raw in rows])
    db.execute("CREATE INDEX messages_resolves ON messages (topic, target) WHERE kind='resolve'")
    db.execute("DROP INDEX messages_replies")
    db.execute("CREATE INDEX messages_replies ON messages (target, kind, created, id, author, value)")
    db.execute("CREATE INDEX messages_responses ON messages (topic, author, kind, target, created)"
               " WHERE kind IN ('answer','status')")


def _intent_keys(db: sqlite_utils.Database) -> None:
    """The salts of this home's intent keys (specs/12 section 4), each with the intent it signed."""
    db.execute("CREATE TABLE intent_keys (intent TEXT PRIMARY KEY, key BLOB NOT NULL UNIQUE, salt BLOB NOT NULL,"
               " created INTEGER NOT NULL)")


def _mutes(db: sqlite_utils.Database) -> None:
    """The people the user muted (in a topic or everywhere) or blocked: local, never published; their
    messages stay stored and relayed, and are hidden here (specs/06 section 6)."""
    db.execute("CREATE TABLE mutes (did TEXT NOT NULL, topic TEXT NOT NULL, level TEXT NOT NULL,"
               " since INTEGER NOT NULL, PRIMARY KEY (did, topic))")


def _contact(db: sqlite_utils.Database) -> None:
    """The person's contact card as she last set it and the vendors she named or asked to forget her (specs/11,
    node/contact.py); local only. A contact to a vendor is found by its author (the sealed card cannot be read
    back: only the vendor opens it)."""
    db["contact_card"].create({"field": str, "value": str}, pk="field")
    db["contact_vendors"].create({"did": str, "since": int, "forgotten": int}, pk="did")


def _shares(db: sqlite_utils.Database) -> None:
    """Threads passed on to this home's person (specs/13): each share to her as her node opened it (the readers
    hold no key to open it), or why it did not open; shares stored before this schema get their addressee."""
    db.execute("CREATE TABLE shares_in (id TEXT PRIMARY KEY, thread TEXT NOT NULL, topic TEXT NOT NULL,"
               " title TEXT NOT NULL, note TEXT NOT NULL, problem TEXT NOT NULL)")
    rows = db.execute("SELECT rowid, raw FROM messages WHERE kind = 'share'").fetchall()
    db.conn.executemany("UPDATE messages SET value=? WHERE rowid=?",
                        [(choice(load(raw)), rowid) for rowid, raw in rows])
    db.execute("CREATE INDEX messages_shares ON messages (value) WHERE kind = 'share'")


def _private_denied(db: sqlite_utils.Database) -> None:
    """The vendors the person does not let read her private parts or her card (node/relations.py); local only."""
    db["private_denied"].create({"did": str, "since": int}, pk="did")


MIGRATIONS = [_messages, _bridge_tables_and_thread_index, _every_claim, _labelers, _vendor_domains, _sent,
              _queue_skips, _root_indexes, _fts_rows_by_the_store, _key_logs, _inbox, _blobs, _langs,
              _choices_and_response_indexes, _intent_keys, _mutes, _contact, _shares,
              _private_denied]
VERSION = len(MIGRATIONS)
