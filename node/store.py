"""The node's SQLite store (WAL): raw signed bytes of every message, query columns, threads, FTS5 search,
followed topics, the publish outbox, known peers and vendor keys.

The raw envelope is the source of truth; every other column is derived from it and can be rebuilt.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import cbor2
import sqlite_utils
from antiport.crypto import did_from_key
from antiport.protocol import Message, keylog, load
from antiport.protocol.kinds import KINDS, thread_order

from . import schema
from .store_blobs import BlobTables
from .store_bridge import BridgeTables
from .store_contact import ContactTables
from .store_inbox import InboxTables
from .store_intents import IntentTables

# the product topics, one index seek each (a loose index scan: DISTINCT would read every message's entry)
_TOPICS = ("WITH RECURSIVE t(topic) AS (SELECT min(topic) FROM messages WHERE topic > ''"
           " UNION ALL SELECT (SELECT min(topic) FROM messages WHERE topic > t.topic) FROM t"
           " WHERE t.topic IS NOT NULL)")
_THREAD = "SELECT :r UNION ALL SELECT id FROM messages WHERE target=:r AND kind='answer'"  # a root and its answers
RECENT = 1000  # messages kept decoded for get(): replies and votes refer to recent ones
OWNERS = 10_000  # key owners kept for owner() in write transactions (all forgotten when full)
SENT_PRUNE_EVERY = 60_000  # ms between two deletes of write requests past the retry window (remember_sent)
ROOTS = "m.kind IN ('request','complaint')"  # thread roots; the partial indexes messages_roots* say the same
NOT_RETRACTED = "NOT EXISTS (SELECT 1 FROM messages r WHERE r.target = m.id AND r.kind = 'retract')"  # m: a label


class StoreError(Exception):
    """The store cannot be used as asked (damaged, or the disk is full): one line saying what to do."""


class Store(BridgeTables, InboxTables, BlobTables, IntentTables, ContactTables):
    """The store of one home. `readonly` opens a second connection for reads on another thread
    (WAL lets it read beside the writer); it never writes, migrates or checks."""
    held = False  # a group commit's transaction is open (group, release)
    _depth = 0  # transaction and group blocks running
    _writing = False  # a write transaction (BEGIN IMMEDIATE) of this connection is open
    _version = None  # PRAGMA data_version when the last write transaction began
    _prune_sent = 0  # the time (ms) from which remember_sent forgets old write requests again

    def __init__(self, path: Path | str, readonly: bool = False):
        self.path = Path(path)
        self._recent: dict[str, Message] = {}
        self._owners: dict[bytes, keylog.Owner | None] = {}
        try:
            if readonly:
                conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30,
                                       isolation_level=None, check_same_thread=False)
                self.db = _database(conn)
                return
            _private(self.path)
            conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
            self.db = _database(conn)
            self._check()
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise StoreError(self._explain(e)) from None
        for suffix in ("-wal", "-shm"):  # SQLite gives them the database's mode; older homes may have others
            _private(self.path.with_name(self.path.name + suffix), create=False)

    def another(self) -> Store:
        """A second read-write connection to the same file, for a worker thread (the import): no check and no
        migration (this one did them); SQLite lets one of them write at a time."""
        store = object.__new__(type(self))
        store.path, store._recent, store._owners = self.path, {}, {}
        try:
            store.db = _database(sqlite3.connect(str(self.path), timeout=30, isolation_level=None,
                                                 check_same_thread=False))
        except sqlite3.DatabaseError as e:
            raise StoreError(self._explain(e)) from None
        return store

    def _check(self) -> None:
        """Refuse a damaged database before anything is written into it (doctor runs the full integrity_check)."""
        problems = [r[0] for r in self.db.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            self.db.conn.close()
            first = " ".join(problems[0].split())  # SQLite's report may span lines
            raise StoreError(f"{self.path} is damaged ({first[:120]}): nothing was written; run 'antiport doctor'")

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > schema.VERSION:
            raise StoreError(f"{self.path} was made by a newer antiport (schema {version} > {schema.VERSION}):"
                             " upgrade antiport to open it")
        for number, migration in enumerate(schema.MIGRATIONS[version:], version + 1):
            with self.transaction():
                migration(self.db)
                self.db.execute(f"PRAGMA user_version={number}")

    def close(self) -> None:
        self.release()
        self.db.conn.close()

    @contextmanager
    def transaction(self):
        """One explicit transaction: in autocommit mode (isolation_level=None) `with conn:` does not open one.
        Inside another, it is part of that one. A group held open (`group`) is committed first: this one stands
        on its own."""
        if self.held and not self._depth:
            self.release()
        if self.db.conn.in_transaction:
            with self._nested():
                yield
            return
        try:
            self._begin()
            try:
                with self._nested():
                    yield
                self._writing = False
                self.db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        except sqlite3.DatabaseError as e:
            raise StoreError(self._explain(e)) from None

    @contextmanager
    def group(self):
        """Group commit: what runs inside joins a transaction held open after the block (opened when none is),
        committed by `release()` or by the next `transaction()` outside a group. A database error rolls back the
        whole group (StoreError); any other exception leaves the group as it is (write nothing before it)."""
        try:
            if not self.held:
                self._begin()
                self.held = True
            with self._nested():
                yield
        except sqlite3.DatabaseError as e:
            self.held = False
            self._rollback()
            raise StoreError(self._explain(e)) from None

    def release(self) -> None:
        """Commit the group held open, if any (StoreError, and the group rolled back, when that fails)."""
        if not self.held:
            return
        self.held = self._writing = False
        try:
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as e:
            self._rollback()
            raise StoreError(self._explain(e)) from None

    def _begin(self) -> None:
        """Open a write transaction. The key owners kept (`owner`) stay right while no other connection commits:
        SQLite's data_version says whether one did since this connection's last write transaction began."""
        self.db.execute("BEGIN IMMEDIATE")
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._owners.clear()
            self._version = version
        self._writing = True

    def _rollback(self) -> None:
        """Undo the open transaction, if SQLite has not already (a full disk), and forget what it stored."""
        self._writing = False
        self._recent.clear()
        self._owners.clear()
        if self.db.conn.in_transaction:
            self.db.execute("ROLLBACK")

    @contextmanager
    def _nested(self):
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def _write(self, sql: str, params=()) -> sqlite3.Cursor:
        """One statement in its own transaction: a full disk or a damaged file is a StoreError, not a crash."""
        with self.transaction():
            return self.db.execute(sql, params)

    @contextmanager
    def snapshot(self):
        """One read transaction: every read inside sees the same state of the store."""
        self.release()
        self.db.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            self.db.execute("COMMIT")

    def _explain(self, e: sqlite3.DatabaseError) -> str:
        name = getattr(e, "sqlite_errorname", "")
        io = name.startswith("SQLITE_IOERR")  # e.g. no room for the WAL index (-shm) on a full disk
        if name == "SQLITE_FULL" or "full" in str(e) or (io and shutil.disk_usage(self.path.parent).free < 2**20):
            return f"the disk holding {self.path} is full: nothing was written; free some space and try again"
        if io:
            return f"cannot read or write {self.path} ({e}): nothing was written; check the disk"
        return f"{self.path} is damaged or not a store ({e}): nothing was written; run 'antiport doctor'"

    # -- messages ---------------------------------------------------------------------------------

    def add(self, msg: Message, received: int, queue: bool = False) -> bool:
        """Store a validated message (with `queue`, and put it in the outbox, in the same transaction);
        False when it was already held."""
        with self.transaction():
            new = self._insert(msg, received)
            if queue:
                self.db.execute("INSERT OR IGNORE INTO outbox VALUES (?, ?)", [msg.id, received])
        return new

    def add_many(self, msgs: list[Message], received: int) -> int:
        """Store validated messages in one transaction; returns how many were new."""
        with self.transaction():
            return sum(self._insert(msg, received) for msg in msgs)

    def _insert(self, msg: Message, received: int) -> bool:
        """Store a validated message in the transaction open; False when it was already held."""
        title, text = _str(msg.body.get("title")), _str(msg.body.get("text"))
        author, signer = self.speaker(msg)
        cur = self.db.execute(
            "INSERT OR IGNORE INTO messages (id, raw, kind, author, topic, created, target, title, text, received,"
            " signer, lang, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [msg.id, msg.raw, msg.kind, author, msg.topic, msg.created, msg.target, title, text, received, signer,
             _str(msg.body.get("lang")), schema.choice(msg)])
        if not cur.rowcount:
            return False
        # its search entry, here rather than by a trigger (schema._fts_rows_by_the_store)
        self.db.execute("INSERT INTO messages_fts (rowid, title, text) VALUES (?, ?, ?)", [cur.lastrowid, title, text])
        self._remember(msg)
        if msg.kind == "vendor":
            self._index_manifest(msg)
        elif msg.kind == "key":
            self._follow_log(msg)
        self._list_files(msg)
        return True

    # -- key logs (specs/10) ----------------------------------------------------------------------

    def owner(self, key: bytes) -> keylog.Owner | None:
        """Whom `key` speaks for by the held key logs (the validation context), None for itself alone. In a write
        transaction the answer is kept: validating and storing a message ask it three times or more, for the same
        few keys (no other connection can change key_owners meanwhile, and `_follow_log` forgets them)."""
        if self._writing and key in self._owners:
            return self._owners[key]
        row = self.db.execute("SELECT identity, keep FROM key_owners WHERE key=?", [key]).fetchone()
        owner = None if row is None else keylog.Owner(bytes.fromhex(row[0]),
                                                      None if row[1] is None else frozenset(cbor2.loads(row[1])))
        if self._writing:
            if len(self._owners) >= OWNERS:
                self._owners.clear()
            self._owners[key] = owner
        return owner

    def speaker(self, msg: Message) -> tuple[str, str | None]:
        """(author, signer) of a message's row: the did of the identity it speaks for, and the did of the key
        that signed it when that is another key (else None)."""
        owner = self.owner(msg.author)
        if owner is None or owner.identity == msg.author or not owner.speaks(msg.id):
            return msg.author_did, None
        return did_from_key(owner.identity), msg.author_did

    def key_log(self, identity: bytes) -> list[Message]:
        """Every held event of an identity's key log, in the order of its seq."""
        rows = self.db.execute("SELECT raw FROM messages WHERE topic='' AND kind='key' AND (author=? OR signer=?)",
                               [did_from_key(identity)] * 2).fetchall()
        return sorted((load(r[0]) for r in rows), key=lambda m: (m.body["seq"], m.id))

    def signed_by(self, did: str, limit: int) -> list[str]:
        """Ids of the newest `limit` messages the key `did` signed (what a revocation keeps, specs/10)."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM (SELECT id, created FROM messages WHERE signer=? UNION ALL"
            " SELECT id, created FROM messages WHERE author=? AND signer IS NULL) ORDER BY created DESC, id LIMIT ?",
            [did, did, limit])]

    def _follow_log(self, msg: Message) -> None:
        """A key event was stored: the identity's keys are read again from its log's head, and the rows of every
        message whose key gained or lost the identity say whom they speak for now."""
        identity = keylog.chain(msg, self.get)[0].author
        new = keylog.fold(keylog.head([*self.key_log(identity), *keylog.chain(msg, self.get)])).owners()
        old = {r[0]: r[1] for r in self.db.execute("SELECT key, keep FROM key_owners WHERE identity=?",
                                                   [identity.hex()])}
        for key in old.keys() - new.keys():
            self.db.execute("DELETE FROM key_owners WHERE key=?", [key])
            self._attribute(key, None)
        if not msg.refs:  # an identity's own key speaks for itself (specs/10 section 4)
            self.db.execute("INSERT OR REPLACE INTO key_owners VALUES (?, ?, NULL)", [identity, identity.hex()])
            self._attribute(identity, None)
        for key, owner in new.items():
            if key == identity or self._owned_elsewhere(key, identity):
                continue
            keep = None if owner.keep is None else cbor2.dumps(sorted(owner.keep))
            self.db.execute("INSERT OR REPLACE INTO key_owners VALUES (?, ?, ?)", [key, identity.hex(), keep])
            self._attribute(key, owner)
        self._owners.clear()

    def _owned_elsewhere(self, key: bytes, identity: bytes) -> bool:
        """Whether `key` is an identity of its own, or a smaller identity's log names it (specs/10 section 4)."""
        return self.db.execute("SELECT 1 FROM key_owners WHERE key=? AND identity<? UNION ALL"
                               " SELECT 1 FROM messages WHERE topic='' AND kind='key' AND author=? AND target IS NULL",
                               [key, identity.hex(), did_from_key(key)]).fetchone() is not None

    def _attribute(self, key: bytes, owner: keylog.Owner | None) -> None:
        """The rows of the messages `key` signed: by its identity where they speak for it, else by the key."""
        did = did_from_key(key)
        self.db.execute("UPDATE messages SET signer=? WHERE author=? AND signer IS NULL", [did, did])
        self.db.execute("UPDATE messages SET author=? WHERE signer=?", [did, did])
        if owner is not None:
            keep = sorted(owner.keep) if owner.keep is not None else None
            where = "" if keep is None else f" AND id IN ({','.join('?' * len(keep))})"
            self.db.execute(f"UPDATE messages SET author=? WHERE signer=?{where}",
                            [did_from_key(owner.identity), did, *(keep or [])])
        self.db.execute("UPDATE messages SET signer=NULL WHERE signer=? AND author=?", [did, did])

    def _index_manifest(self, msg: Message) -> None:
        """Every manifest's claims (validity), and the newest manifest per vendor (whom to show and seal to)."""
        self.db["vendor_claims"].insert_all(schema.claims(msg), ignore=True)
        vendor = msg.author_did
        if self.newest_manifest(vendor).id != msg.id:
            return
        self.db.execute("DELETE FROM vendor_keys WHERE vendor=?", [vendor])
        keys = {msg.author, *msg.body.get("keys", [])}
        self.db["vendor_keys"].insert_all(
            [{"key": k, "topic": t, "vendor": vendor, "manifest": msg.id} for k in keys for t in msg.body["topics"]],
            replace=True)

    def has(self, message_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM messages WHERE id=?", [message_id]).fetchone() is not None

    def received(self, topic: str) -> dict[str, int]:
        """When each message of `topic` held here was stored (ms since the epoch, this machine's clock): what the
        netns testbed (bench/testbed) reads to time a message's spread."""
        return dict(self.db.execute("SELECT id, received FROM messages WHERE topic=?", [topic]).fetchall())

    def raw(self, message_id: str) -> bytes | None:
        """The envelope of a held message as stored, not decoded (what sync sends)."""
        row = self.db.execute("SELECT raw FROM messages WHERE id=?", [message_id]).fetchone()
        return row[0] if row else None

    def get(self, message_id: str) -> Message | None:
        msg = self._recent.get(message_id)
        if msg is None:
            row = self.db.execute("SELECT raw FROM messages WHERE id=?", [message_id]).fetchone()
            msg = load(row[0]) if row else None
            if msg is not None:
                self._remember(msg)
        return msg

    def _remember(self, msg: Message) -> None:
        """Replies refer to recent messages: the last RECENT stored or read are kept decoded (ids never change
        what they name; a rollback forgets them all)."""
        self._recent[msg.id] = msg
        if len(self._recent) > RECENT:
            del self._recent[next(iter(self._recent))]

    def claimed_keys(self, topic: str) -> set[bytes]:
        """Keys any held manifest names for `topic` (the validation context: they may send status)."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT key FROM vendor_claims WHERE topic=?", [topic])}

    def vendor_keys(self, topic: str) -> set[bytes]:
        """Keys the vendors' newest manifests name for `topic` (who speaks for the vendor now)."""
        return {r[0] for r in self.db.execute("SELECT key FROM vendor_keys WHERE topic=?", [topic])}

    def resolve_id(self, prefix: str) -> str | None:
        """The full id for a unique id prefix (at least 6 hex digits), else None."""
        prefix = prefix.lower()
        if len(prefix) < 6 or any(c not in "0123456789abcdef" for c in prefix):
            return None
        rows = self.db.execute("SELECT id FROM messages WHERE id >= ? AND id < ? LIMIT 2",
                               [prefix, prefix + "g"]).fetchall()
        return rows[0][0] if len(rows) == 1 else None

    def _rows(self, where: str, params=(), order: str = "created, id", limit: int | None = None) -> list[dict]:
        sql = (f"SELECT id, kind, author, topic, created, target, title, text FROM messages"
               f" WHERE {where} ORDER BY {order}")
        if limit:
            sql += f" LIMIT {int(limit)}"
        return _dicts(self.db.execute(sql, list(params)))

    def raw_all(self, topic: str | None = None):
        """Envelopes in creation order (refs before what refers to them), for export and sync."""
        if topic is None:
            return (r[0] for r in self.db.execute("SELECT raw FROM messages ORDER BY created, id"))
        return (r[0] for r in self.db.execute("SELECT raw FROM messages WHERE topic=? ORDER BY created, id", [topic]))

    def ids(self, topic: str) -> list[tuple[int, str]]:
        """(created, id) of every message in a topic, sorted: the set that sync reconciles."""
        return [tuple(r) for r in self.db.execute(
            "SELECT created, id FROM messages WHERE topic=? ORDER BY created, id", [topic])]

    def count(self, topic: str | None = None) -> int:
        if topic is None:
            return self.db.execute("SELECT count(*) FROM messages").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM messages WHERE topic=?", [topic]).fetchone()[0]

    def thread_counts(self, topic: str) -> tuple[int, int]:
        """(threads, threads without an answer) in a topic."""
        return self.db.execute(
            "SELECT count(*),"
            " coalesce(sum(NOT EXISTS (SELECT 1 FROM messages a WHERE a.target=m.id AND a.kind='answer')), 0)"
            " FROM messages m WHERE m.topic=? AND m.kind IN ('request','complaint')", [topic]).fetchone()

    # -- threads and search -------------------------------------------------------------------------

    def position(self, message_id: str) -> tuple[int, str, int] | None:
        """(created, id, rowid) of a message: where it stands in a list in time order (paging)."""
        row = self.db.execute("SELECT created, id, rowid FROM messages WHERE id=?", [message_id]).fetchone()
        return tuple(row) if row else None

    def threads(self, topic: str | None = None, limit: int = 50, before: tuple[int, str] | None = None,
                after: tuple[int, str] | None = None, lang: str | None = None) -> list[dict]:
        """Thread roots (requests and complaints) with answer counts and state: the newest `limit`, or those
        just older than the (created, id) `before`, newest first; or those just newer than `after`, oldest
        first (`root_page`, then `thread_rows` of that page)."""
        return self.thread_rows([i for _, i in self.root_page(topic, limit, before, after, lang)])

    def root_page(self, topic: str | None = None, limit: int = 50, before: tuple[int, str] | None = None,
              after: tuple[int, str] | None = None, lang: str | None = None) -> list[tuple[int, str]]:
        """(created, id) of a page of thread roots, in the order of `threads`, from an index of roots alone
        (`messages_roots`): a vendor's requests merge the pages of its topics before reading any row."""
        where, params = ROOTS + (" AND topic=?" if topic is not None else ""), [topic] if topic is not None else []
        if lang is not None:  # a tag and its subtags: de holds de-CH (specs/02 section 2, compared without case)
            where += " AND (lang = ? COLLATE NOCASE OR lang LIKE ?)"  # LIKE: ASCII without case
            params += [lang, lang + "-%"]
        edge, order = (before, "DESC") if after is None else (after, "ASC")
        if edge is not None:  # a row value: a range of the index, not a scan down to the position
            where += f" AND (created, id) {'<' if order == 'DESC' else '>'} (?, ?)"
            params += list(edge)
        return self.db.execute(
            f"SELECT created, id FROM messages m INDEXED BY messages_roots{'' if topic is not None else '_all'}"
            f" WHERE {where} ORDER BY created {order}, id {order} LIMIT ?", params + [limit]).fetchall()

    def thread_rows(self, ids: list[str]) -> list[dict]:
        """The rows of `threads` for these roots, in this order: each root's replies read by target
        (`messages_replies`, `messages_accepts`; `+author`: never the author index, whose busiest author has
        written thousands), so a page costs what it returns and its threads' answers hold."""
        if not ids:
            return []
        sql = f"""
            SELECT m.id, m.kind, m.author, m.topic, m.created, m.title, m.lang,
              (SELECT count(*) FROM messages a WHERE a.target=m.id AND a.kind='answer') AS answers,
              EXISTS(SELECT 1 FROM messages a WHERE a.target=m.id AND a.kind='answer' AND EXISTS(
                     SELECT 1 FROM messages c INDEXED BY messages_accepts
                     WHERE c.target=a.id AND c.kind='accept' AND c.author=m.author))
                AS accepted,
              EXISTS(SELECT 1 FROM messages r
                     WHERE r.target=m.id AND r.kind='resolve' AND +r.author=m.author) AS resolved,
              (SELECT max(s.created) FROM messages s WHERE s.target=m.id AND s.kind='status') AS status
            FROM messages m WHERE m.id IN ({",".join("?" * len(ids))})"""
        found = {row["id"]: row for row in _dicts(self.db.execute(sql, ids))}
        out = [found[i] for i in ids]
        states = self._current_states([(row["id"], row["status"]) for row in out if row["status"] is not None])
        for row in out:
            row["status"] = states.get(row["id"])
            row["accepted"], row["resolved"] = bool(row["accepted"]), bool(row["resolved"])
        return out

    def _current_states(self, newest: list[tuple[str, int]]) -> dict[str, str]:
        """The state of each thread's current status: of its statuses at their newest `created` (given per
        thread), the last in thread order (`seq`, then id: RT stamps whole seconds, specs/02 section 2)."""
        rows = []
        # an OR of index lookups per 200 threads (SQLite's expression depth); left to itself, SQLite reads every
        # status of every topic (messages_kind_created) instead
        for at in range(0, len(newest), 200):
            part = newest[at:at + 200]
            rows += self.db.execute("SELECT raw FROM messages INDEXED BY messages_replies WHERE kind='status' AND ("
                                    + " OR ".join(["(target=? AND created=?)"] * len(part)) + ")",
                                    [v for pair in part for v in pair]).fetchall()
        current: dict[str, Message] = {}
        for status in sorted((load(r[0]) for r in rows), key=thread_order):
            current[status.refs[0]] = status
        return {thread: status.body["state"] for thread, status in current.items()}

    def thread(self, root_id: str) -> list[Message]:
        """The root and everything that refers to it or to its answers, in thread order: creation time,
        then the author's `seq` (same-second helpdesk replies, specs/02 section 2), then id."""
        rows = self.db.execute(
            "SELECT raw FROM messages WHERE id=:r OR target=:r OR target IN "
            "(SELECT id FROM messages WHERE target=:r) ORDER BY created, id", {"r": root_id})
        return sorted((load(r[0]) for r in rows), key=thread_order)

    def thread_answers(self, root_id: str) -> list[tuple[str, str, int]]:
        """(id, author, created) of a root's answers in creation order, from an index alone (messages_replies)."""
        return self.db.execute("SELECT id, author, created FROM messages INDEXED BY messages_replies"
                               " WHERE target=? AND kind='answer' ORDER BY created, id", [root_id]).fetchall()

    def thread_events(self, root_id: str) -> list[tuple[str, str, str, str | None, int, str]]:
        """(kind, target, author, value, created, id) of every reply to a root or to its answers but the answers
        and the votes (thanks, accepts, statuses, reports...), in creation order: one pass of `messages_replies`
        over the thread's messages, never a row read."""
        return self.db.execute(
            "SELECT kind, target, author, value, created, id FROM messages INDEXED BY messages_replies"
            f" WHERE kind NOT IN ('request','complaint','answer','vote') AND target IN ({_THREAD})"
            " ORDER BY created, id", {"r": root_id}).fetchall()

    def votes_on(self, ids: list[str]) -> list[tuple[str, str, str]]:
        """(target, author, value) of the votes on these messages, in creation order, from an index alone."""
        return self.db.execute(
            "SELECT target, author, value FROM messages INDEXED BY messages_replies WHERE kind='vote'"
            f" AND target IN ({','.join('?' * len(ids))}) ORDER BY created, id", ids).fetchall()

    def thread_state(self, root_id: str) -> tuple[str | None, bool]:
        """(current status, as in `threads`; resolved) of a thread root."""
        newest, resolved = self.db.execute(
            "SELECT (SELECT max(created) FROM messages WHERE target=:r AND kind='status'),"
            " EXISTS(SELECT 1 FROM messages WHERE target=:r AND kind='resolve')", {"r": root_id}).fetchone()
        status = self._current_states([(root_id, newest)]).get(root_id) if newest is not None else None
        return status, bool(resolved)

    def search(self, query: str, limit: int = 50, before: int | None = None, after: int | None = None) -> list[dict]:
        """Full-text search over titles and texts; the query is taken as words, not FTS syntax. The most
        recently stored first (FTS5 walks its matches in rowid order and stops at `limit`: a common word
        costs the page, not every message holding it); those stored just before the rowid `before`, or
        just after `after` (then oldest first)."""
        words = [w for w in query.replace('"', " ").split() if w]
        if not words:
            return []
        fts = " ".join(f'"{w}"' for w in words)
        edge, order = (before, "DESC") if after is None else (after, "ASC")
        where = "" if edge is None else f" AND rowid {'<' if order == 'DESC' else '>'} {int(edge)}"
        return self._rows(f"rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?{where}"
                          f" ORDER BY rowid {order} LIMIT {int(limit)})", [fts], order=f"rowid {order}")

    def roots(self, topic: str) -> list[dict]:
        """The requests and complaints of a topic, oldest first."""
        return self._rows("topic=? AND kind IN ('request', 'complaint')", [topic])

    def root_count(self, topic: str) -> int:
        return self.db.execute(f"SELECT count(*) FROM messages m INDEXED BY messages_roots WHERE m.topic=? AND {ROOTS}",
                               [topic]).fetchone()[0]

    def first_responses(self, topic: str, authors: list[str]) -> dict[str, tuple[int, int]]:
        """{root id: (its created, the created of the first answer or status on it by one of `authors`)} for the
        roots of `topic` they responded to (answers and statuses refer to roots only), read from their responses
        in an index (messages_responses) and each root's row."""
        if not authors:
            return {}
        return {r[0]: (r[1], r[2]) for r in self.db.execute(
            "SELECT r.target, m.created, min(r.created) FROM messages r INDEXED BY messages_responses"
            " CROSS JOIN messages m ON m.id = r.target WHERE r.topic=? AND r.kind IN ('answer','status')"
            f" AND r.author IN ({','.join('?' * len(authors))}) GROUP BY r.target", [topic, *authors])}

    def resolved_roots(self, topic: str) -> int:
        """How many roots of `topic` were resolved (only a root's asker can resolve it), read from an index."""
        return self.db.execute("SELECT count(DISTINCT target) FROM messages INDEXED BY messages_resolves"
                               " WHERE topic=? AND kind='resolve'", [topic]).fetchone()[0]

    def oldest_root_but(self, topic: str, but) -> dict | None:
        """The oldest root of `topic` (by created, id) whose id is not in `but`: id, title, created."""
        cur = self.db.execute(f"SELECT m.id, m.title, m.created FROM messages m INDEXED BY messages_roots"
                              f" WHERE m.topic=? AND {ROOTS} ORDER BY m.created, m.id", [topic])
        return next(({"id": i, "title": t, "created": c} for i, t, c in cur if i not in but), None)

    def replies_in(self, topic: str) -> list[tuple[str, str, str, int]]:
        """(root id, kind, author, created) of every direct reply to a root of `topic`, in creation order."""
        return [tuple(r) for r in self.db.execute(
            "SELECT r.target, r.kind, r.author, r.created FROM messages m JOIN messages r ON r.target = m.id"
            " WHERE m.topic=? AND m.kind IN ('request', 'complaint') ORDER BY r.created, r.id", [topic])]

    def newest_manifest(self, vendor: str) -> Message | None:
        row = self.db.execute("SELECT raw FROM messages WHERE kind='vendor' AND author=? ORDER BY created DESC, id"
                              " LIMIT 1", [vendor]).fetchone()
        return load(row[0]) if row else None

    def stored_since(self, rowid: int) -> list[tuple[int, str, str, str]]:
        """(rowid, id, kind, topic) of the messages stored after `rowid`, in the order they were stored."""
        return [tuple(r) for r in self.db.execute(
            "SELECT rowid, id, kind, topic FROM messages WHERE rowid>? ORDER BY rowid", [rowid])]

    def newest_rowid(self) -> int:
        """Messages are only ever added, so this tells whether anything changed (count(*) would scan)."""
        return self.db.execute("SELECT max(rowid) FROM messages").fetchone()[0] or 0

    # -- what reputation and vendor metrics are computed from ---------------------------------------------

    def fact_rows(self, topic: str, about: str | None = None) -> list[tuple[str, str, str, str, str | None, str]]:
        """(id, kind, author, target's author, value (a vote's), target id) of the accepts, votes, reports and
        thanks in a topic (with `about`, those on messages by that author)."""
        where, params = ("", [topic]) if about is None else (" AND t.author = ?", [topic, about])
        return [tuple(r) for r in self.db.execute(
            "SELECT m.id, m.kind, m.author, t.author, m.value, t.id FROM messages m JOIN messages t ON m.target = t.id"
            " WHERE m.topic = ? AND m.kind IN ('accept', 'vote', 'report', 'thanks')" + where +
            " ORDER BY m.created, m.id", params)]

    def awarded_bounties(self, topic: str) -> list[tuple[str, str, str, str, bytes]]:
        """(bounty id, asker, accepted answer's author, thread root, the bounty) for every answer its asker
        accepted in a thread of `topic` on which she offered a bounty."""
        return [tuple(r) for r in self.db.execute(
            "SELECT b.id, b.author, a.author, b.target, b.raw FROM messages b"
            " JOIN messages a ON a.target = b.target AND a.kind = 'answer'"
            " JOIN messages c ON c.target = a.id AND c.kind = 'accept' AND c.author = b.author"
            " WHERE b.topic = ? AND b.kind = 'bounty' ORDER BY b.created, b.id, a.created, a.id", [topic])]

    def ledger_version(self, topic: str) -> tuple[int, int, int]:
        """(newest message in `topic`, newest trust statement, newest key event): what a topic's scores are
        computed from changes only when one of them does (messages are only ever added; a key event may say
        that other keys speak for an identity)."""
        return tuple(self.db.execute(
            "SELECT (SELECT coalesce(max(rowid), 0) FROM messages WHERE topic = ?),"
            " (SELECT coalesce(max(rowid), 0) FROM messages WHERE kind = 'trust'),"
            " (SELECT coalesce(max(rowid), 0) FROM messages WHERE kind = 'key')", [topic]).fetchone())

    def of_kind(self, kind: str) -> list[tuple[str, str, bytes]]:
        """(id, author, raw) of every message of one kind, in creation order."""
        return [tuple(r) for r in self.db.execute(
            "SELECT id, author, raw FROM messages WHERE kind = ? ORDER BY created, id", [kind])]

    def newest_terms(self, topic: str, author: str) -> Message | None:
        """The newest terms document (specs/14) the identity `author` (a did) published in `topic`."""
        row = self.db.execute("SELECT raw FROM messages WHERE topic=? AND kind='terms' AND author=?"
                              " ORDER BY created DESC, id DESC LIMIT 1", [topic, author]).fetchone()
        return load(row[0]) if row else None

    def terms_by(self, author: str) -> list[Message]:
        """The terms documents the identity `author` (a did) published, oldest first."""
        return [load(r[0]) for r in self.db.execute(
            "SELECT raw FROM messages WHERE kind='terms' AND author=? ORDER BY created, id", [author])]

    def consents_in(self, topics: list[str]) -> list[Message]:
        """Every vendor's consent to a terms document (specs/14 section 4) in `topics`."""
        marks = ",".join("?" * len(topics))
        return [load(r[0]) for r in self.db.execute(
            f"SELECT raw FROM messages WHERE kind='consent' AND topic IN ({marks})", topics)] if topics else []

    def answer_counts(self, topic: str) -> dict[str, int]:
        return dict(self.db.execute("SELECT author, count(*) FROM messages WHERE kind='answer' AND topic=?"
                                    " GROUP BY author", [topic]).fetchall())

    def answer_rows(self, topic: str) -> list[tuple[str, str, str, int]]:
        """(id, root id, author, created) of every answer in `topic`."""
        return self.db.execute("SELECT id, target, author, created FROM messages INDEXED BY messages_topic_kind"
                               " WHERE topic=? AND kind='answer'", [topic]).fetchall()

    def answer_count(self, root_id: str) -> int:
        return self.db.execute("SELECT count(*) FROM messages INDEXED BY messages_replies"
                               " WHERE target=? AND kind='answer'", [root_id]).fetchone()[0]

    def answers_in(self, topic: str) -> list[tuple[str, str, int, int]]:
        """(root id, author, created, 1 if its asker accepted it else 0) of every answer to a root of `topic`,
        in creation order."""
        return [tuple(r) for r in self.db.execute(
            "SELECT a.target, a.author, a.created, EXISTS(SELECT 1 FROM messages c WHERE c.target = a.id"
            "   AND c.kind = 'accept' AND c.author = m.author)"
            " FROM messages m JOIN messages a ON a.target = m.id AND a.kind = 'answer'"
            " WHERE m.topic = ? AND m.kind IN ('request', 'complaint') ORDER BY a.created, a.id", [topic])]

    def answered_topics(self, did: str) -> list[tuple[str, int, int]]:
        """(topic, answers, accepted ones) where `did` answered someone else's request or complaint."""
        return [tuple(r) for r in self.db.execute(
            "SELECT a.topic, count(*), sum(EXISTS(SELECT 1 FROM messages c WHERE c.target = a.id"
            "   AND c.kind = 'accept' AND c.author = m.author))"
            " FROM messages a JOIN messages m ON a.target = m.id AND m.kind IN ('request', 'complaint')"
            " WHERE a.kind = 'answer' AND a.author = ? AND m.author != ? GROUP BY a.topic ORDER BY a.topic",
            [did, did])]

    def profiles(self, dids: list[str]) -> list[tuple[str, bytes]]:
        """(author, raw) of the profiles of `dids`, each author's oldest first."""
        out = []
        for i in range(0, len(dids), 500):
            chunk = dids[i:i + 500]
            out += self.db.execute(f"SELECT author, raw FROM messages WHERE kind='profile' AND author IN"
                                   f" ({','.join('?' * len(chunk))}) ORDER BY created, id", chunk).fetchall()
        return out  # each author is in one chunk: per author, oldest first

    def topics_of(self, did: str) -> list[str]:
        """Product topics where `did` wrote (and so where anyone replied to it: a reply is in its target's
        topic), in name order. The topics are walked one index seek each, and each asked for a message of
        `did` by kind (messages_topic_kind): never all that a busy author wrote."""
        kinds = list(KINDS)
        return [t for (t,) in self.db.execute(
            f"{_TOPICS} SELECT topic FROM t WHERE topic IS NOT NULL AND EXISTS(SELECT 1 FROM messages m INDEXED BY"
            f" messages_topic_kind WHERE m.topic = t.topic AND m.kind IN ({','.join('?' * len(kinds))})"
            "  AND m.author = ?)", [*kinds, did])]

    def vendor_claims(self) -> list[tuple[str, str, str]]:
        """(vendor did, topic, manifest id) of every claim by a current manifest."""
        return [tuple(r) for r in self.db.execute(
            "SELECT DISTINCT vendor, topic, manifest FROM vendor_keys ORDER BY vendor, topic")]

    def current_manifests(self) -> list[Message]:
        """Each vendor's newest manifest (the one `vendor_keys` holds), by did."""
        return [load(raw) for (raw,) in self.db.execute(
            "SELECT raw FROM messages WHERE id IN (SELECT DISTINCT manifest FROM vendor_keys) ORDER BY author")]

    # -- vendor domains (specs/02 section 6) ------------------------------------------------------------

    def record_domain_check(self, did: str, domain: str, problem: str | None, now: int) -> None:
        """The outcome of a domain check (`problem` None: the domain lists the did); a did verified for a domain
        no one was pinned to is pinned to it."""
        with self.transaction():
            self._write("INSERT OR REPLACE INTO domain_checks VALUES (?, ?, ?, ?)", [did, domain, problem, now])
            if problem is None:
                self._write("INSERT OR IGNORE INTO domain_pins VALUES (?, ?, ?)", [domain, did, now])

    def domain_check(self, did: str, domain: str) -> tuple[str | None, int] | None:
        """(problem or None when verified, when checked) of the last check of `did` for `domain`, if any."""
        row = self.db.execute("SELECT problem, checked FROM domain_checks WHERE did=? AND domain=?",
                              [did, domain]).fetchone()
        return (row[0], row[1]) if row else None

    def domain_pin(self, domain: str) -> str | None:
        row = self.db.execute("SELECT did FROM domain_pins WHERE domain=?", [domain]).fetchone()
        return row[0] if row else None

    def trust_vendor(self, did: str, now: int) -> None:
        self._write("INSERT OR IGNORE INTO trusted_vendors VALUES (?, ?)", [did, now])

    def untrust_vendor(self, did: str) -> bool:
        return self._write("DELETE FROM trusted_vendors WHERE did=?", [did]).rowcount == 1

    def trusted_vendors(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT did FROM trusted_vendors")}

    def root_topics(self) -> list[str]:
        """Topics with at least one request or complaint (each topic an index seek: `_TOPICS`)."""
        return [t for (t,) in self.db.execute(
            f"{_TOPICS} SELECT topic FROM t WHERE topic IS NOT NULL AND EXISTS(SELECT 1 FROM messages m"
            f" INDEXED BY messages_roots WHERE m.topic = t.topic AND {ROOTS})")]

    # -- labels and reports (node/labels.py) -------------------------------------------------------------

    def claims_on(self, ids: list[str]) -> list[tuple[str, str, str, bytes]]:
        """(kind, author, target, raw) of the labels and reports on the messages `ids` that their
        authors have not retracted, in creation order."""
        out = []
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            out += self.db.execute(
                "SELECT m.kind, m.author, m.target, m.raw FROM messages m WHERE m.target IN"
                f" ({','.join('?' * len(chunk))}) AND m.kind IN ('label', 'report') AND {NOT_RETRACTED}"
                " ORDER BY m.created, m.id", chunk).fetchall()
        return out

    def identity_labels(self, authors: list[str]) -> list[tuple[str, bytes]]:
        """(author, raw) of the labels on identities by `authors`, not retracted, in creation order."""
        if not authors:
            return []
        return self.db.execute(
            "SELECT m.author, m.raw FROM messages m WHERE m.kind = 'label' AND m.topic = '' AND m.target IS NULL"
            f" AND m.author IN ({','.join('?' * len(authors))}) AND {NOT_RETRACTED}"
            " ORDER BY m.created, m.id", authors).fetchall()

    def add_labeler(self, did: str, now: int) -> bool:
        return self._write("INSERT OR IGNORE INTO labelers VALUES (?, ?)", [did, now]).rowcount == 1

    def remove_labeler(self, did: str) -> bool:
        return self._write("DELETE FROM labelers WHERE did=?", [did]).rowcount == 1

    def labelers(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT did FROM labelers ORDER BY since, did")]

    def set_label_effect(self, value: str, effect: str) -> None:
        self._write("INSERT OR REPLACE INTO label_effects VALUES (?, ?)", [value, effect])

    def label_effects(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT value, effect FROM label_effects").fetchall())

    def mute(self, did: str, topic: str, now: int) -> None:
        """Mute `did` in `topic` ('' everywhere); replaces a former choice there."""
        self._write("INSERT OR REPLACE INTO mutes VALUES (?, ?, 'muted', ?)", [did, topic, now])

    def block(self, did: str, now: int) -> None:
        """Block `did`: its mutes are replaced by one block, everywhere, in one transaction."""
        with self.transaction():
            self.db.execute("DELETE FROM mutes WHERE did=?", [did])
            self.db.execute("INSERT INTO mutes VALUES (?, '', 'blocked', ?)", [did, now])

    def unmute(self, did: str, topic: str | None = None) -> int:
        """Take back the mutes and blocks of `did` (in `topic` only, if given); how many there were."""
        where, params = ("did=?", [did]) if topic is None else ("did=? AND topic=?", [did, topic])
        return self._write(f"DELETE FROM mutes WHERE {where}", params).rowcount

    def blocked(self, did: str) -> bool:
        return self.db.execute("SELECT 1 FROM mutes WHERE did=? AND level='blocked'", [did]).fetchone() is not None

    def mutes(self) -> list[tuple[str, str, str, int]]:
        """(did, topic, level, since) of every mute and block, oldest first (a person's choices: hundreds at most)."""
        return [tuple(r) for r in self.db.execute("SELECT did, topic, level, since FROM mutes ORDER BY since, did")]

    # -- follows, outbox, peers -----------------------------------------------------------------------

    def sent(self, request: bytes, since: int) -> str | None:
        """The message made for this write request (its digest) at `since` or later, while it is held."""
        row = self.db.execute("SELECT s.id FROM sent s JOIN messages m ON m.id=s.id WHERE s.request=? AND s.at>=?",
                              (request, since)).fetchone()
        return row[0] if row else None

    def remember_sent(self, request: bytes, message_id: str, now: int, forget_before: int) -> None:
        """Remember the message made for a write request; requests older than `forget_before` are forgotten, at
        most once every SENT_PRUNE_EVERY ms: `at` has no index, so the delete reads the whole table (a day of
        writes), and `sent` skips the older rows by itself."""
        with self.transaction():
            if now >= self._prune_sent:
                self.db.execute("DELETE FROM sent WHERE at<?", (forget_before,))
                self._prune_sent = now + SENT_PRUNE_EVERY
            self.db.execute("INSERT OR REPLACE INTO sent (request, id, at) VALUES (?,?,?)",
                            (request, message_id, now))

    def follow(self, slug: str, now: int) -> bool:
        return self._write("INSERT OR IGNORE INTO follows VALUES (?, ?)", [slug, now]).rowcount == 1

    def unfollow(self, slug: str) -> bool:
        return self._write("DELETE FROM follows WHERE slug=?", [slug]).rowcount == 1

    def followed(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT slug FROM follows ORDER BY slug")]

    def skip(self, message_id: str, until: int) -> None:
        self._write("INSERT OR REPLACE INTO queue_skips VALUES (?, ?)", [message_id, until])

    def skipped(self, now: int) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM queue_skips WHERE until > ?", [now])}

    # -- the expert's queue (node/queue.py) ---------------------------------------------------------

    def open_roots(self, topics: list[str], limit: int) -> list[dict]:
        """The newest `limit` requests and complaints of `topics` that their asker has neither resolved nor
        accepted an answer on, newest first. Roots are walked newest first (`messages_roots_all`) until `limit`
        open ones are found, each checked by its replies (an accept by target: `messages_accepts`; the
        resolve's author not by the author index): a read costs the roots it walks, not every accept held."""
        if not topics:
            return []
        return _dicts(self.db.execute(
            "SELECT m.id, m.kind, m.author, m.topic, m.created, m.target, m.title, m.text"
            " FROM messages m INDEXED BY messages_roots_all"
            f" WHERE {ROOTS} AND m.topic IN ({','.join('?' * len(topics))})"
            " AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.target = m.id AND r.kind = 'resolve'"
            "                 AND +r.author = m.author)"
            " AND NOT EXISTS (SELECT 1 FROM messages a WHERE a.target = m.id AND a.kind = 'answer' AND EXISTS("
            "                 SELECT 1 FROM messages c INDEXED BY messages_accepts"
            "                 WHERE c.target = a.id AND c.kind = 'accept' AND c.author = m.author))"
            " ORDER BY m.created DESC, m.id DESC LIMIT ?", [*topics, limit]))

    def answer_authors(self, root_id: str) -> set[str]:
        """The dids that answered a thread root."""
        return {r[0] for r in self.db.execute("SELECT author FROM messages WHERE target=? AND kind='answer'",
                                              [root_id])}

    def replies_to(self, ids: list[str], kinds: tuple[str, ...]) -> list[Message]:
        """The messages of `kinds` that refer to one of `ids`, in creation order."""
        if not ids:
            return []
        sql = (f"SELECT raw FROM messages WHERE target IN ({','.join('?' * len(ids))})"
               f" AND kind IN ({','.join('?' * len(kinds))}) ORDER BY created, id")
        return [load(r[0]) for r in self.db.execute(sql, [*ids, *kinds])]

    def outbox(self) -> list[Message]:
        rows = self.db.execute("SELECT m.raw FROM outbox o JOIN messages m ON m.id=o.id ORDER BY o.added, o.id")
        return [load(r[0]) for r in rows]

    def outbox_done(self, message_ids: list[str]) -> None:
        if message_ids:
            with self.transaction():
                self.db.conn.executemany("DELETE FROM outbox WHERE id=?", [(i,) for i in message_ids])

    def remember_peer(self, peer_id: str, addrs: list[str], now: int) -> None:
        self._write("INSERT OR REPLACE INTO peers VALUES (?, ?, ?)", [peer_id, json.dumps(addrs), now])

    def known_peers(self, limit: int = 50) -> list[tuple[str, list[str]]]:
        rows = self.db.execute("SELECT peer_id, addrs FROM peers ORDER BY last_seen DESC LIMIT ?", [limit])
        return [(p, json.loads(a)) for p, a in rows]


def _dicts(cur) -> list[dict]:
    """A cursor's rows as dicts by column name."""
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur]


def _str(value) -> str | None:
    return value if isinstance(value, str) else None


def _database(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """sqlite_utils over a connection, with its plugins off: no installed package changes how the store's
    connection behaves, and looking them up (every installed package's entry points) took 85 ms of each
    process that opens a store."""
    return sqlite_utils.Database(conn, execute_plugins=False)


def _private(path: Path, create: bool = True) -> None:
    """The file readable by its owner only (0600), created so if `create`; an older home's file is fixed."""
    try:
        if create:
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
    except FileNotFoundError:
        pass


# -- a database file the Store refuses to open (doctor) ------------------------------------------------

def integrity_problems(path: Path) -> list[str]:
    """What SQLite's integrity_check finds wrong with the database file (read only; [] when it is sound)."""
    try:
        conn = _read_only(path)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        return [str(e)]
    return [] if rows == ["ok"] else rows


def _read_only(db: Path) -> sqlite3.Connection:
    """A connection that writes nothing: without a -wal file everything is in the database file, and SQLite
    is told it cannot change (else a reader of a WAL database makes the -wal and -shm files)."""
    wal = db.with_name(db.name + "-wal").exists()
    return sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro{'' if wal else '&immutable=1'}", uri=True)


def readable_follows(db: Path) -> list[str]:
    """The followed topics, if that part of the damaged database can still be read."""
    try:
        conn = _read_only(db)
        try:
            return [r[0] for r in conn.execute("SELECT slug FROM follows ORDER BY slug")]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return []
