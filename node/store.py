"""The node's SQLite store (WAL): raw signed bytes of every message, query columns, threads, FTS5 search,
followed topics, the publish outbox, known peers and vendor keys.

The raw envelope is the source of truth; every other column is derived from it and can be rebuilt.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from antiport.crypto import did_from_key
from antiport.protocol import Message, load

SCHEMA_VERSION = 1


class Store:
    def __init__(self, path: Path | str):
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._create()

    def _create(self) -> None:
        db = self.db
        if "messages" in db.table_names():
            return
        with self.transaction():
            db["messages"].create({"id": str, "raw": bytes, "kind": str, "author": str, "topic": str,
                                   "created": int, "target": str, "title": str, "text": str, "received": int},
                                  pk="id")
            db["messages"].create_index(["topic", "created"])
            db["messages"].create_index(["target"])
            db["messages"].create_index(["author"])
            db["messages"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter unicode61")
            db["follows"].create({"slug": str, "since": int}, pk="slug")
            db["outbox"].create({"id": str, "added": int}, pk="id")
            db["vendor_keys"].create({"key": bytes, "topic": str, "vendor": str, "manifest": str},
                                     pk=("key", "topic"))
            db["peers"].create({"peer_id": str, "addrs": str, "last_seen": int}, pk="peer_id")
            db["meta"].insert({"key": "schema", "value": str(SCHEMA_VERSION)}, pk="key")

    def close(self) -> None:
        self.db.conn.close()

    @contextmanager
    def transaction(self):
        """One explicit transaction: in autocommit mode (isolation_level=None) `with conn:` does not open one."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- messages ---------------------------------------------------------------------------------

    def add(self, msg: Message, received: int) -> bool:
        """Store a validated message; False when it was already held."""
        return self.add_many([msg], received) == 1

    def add_many(self, msgs: list[Message], received: int) -> int:
        """Store validated messages in one transaction; returns how many were new."""
        new = 0
        with self.transaction():
            for msg in msgs:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO messages"
                    " (id, raw, kind, author, topic, created, target, title, text, received)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [msg.id, msg.raw, msg.kind, msg.author_did, msg.topic, msg.created, msg.target,
                     _str(msg.body.get("title")), _str(msg.body.get("text")), received])
                if cur.rowcount:
                    new += 1
                    if msg.kind == "vendor":
                        self._index_manifest(msg)
        return new

    def _index_manifest(self, msg: Message) -> None:
        """Keep the newest manifest per vendor key: its keys may speak for it in its topics."""
        vendor = msg.author_did
        newest = self.db.execute(
            "SELECT id FROM messages WHERE kind='vendor' AND author=? ORDER BY created DESC, id LIMIT 1",
            [vendor]).fetchone()
        if newest[0] != msg.id:
            return
        self.db.execute("DELETE FROM vendor_keys WHERE vendor=?", [vendor])
        keys = {msg.author, *msg.body.get("keys", [])}
        self.db["vendor_keys"].insert_all(
            [{"key": k, "topic": t, "vendor": vendor, "manifest": msg.id} for k in keys for t in msg.body["topics"]],
            replace=True)

    def has(self, message_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM messages WHERE id=?", [message_id]).fetchone() is not None

    def get(self, message_id: str) -> Message | None:
        row = self.db.execute("SELECT raw FROM messages WHERE id=?", [message_id]).fetchone()
        return load(row[0]) if row else None

    def vendor_keys(self, topic: str) -> set[bytes]:
        return {r[0] for r in self.db.execute("SELECT key FROM vendor_keys WHERE topic=?", [topic])}

    def vendor_of_topic(self, topic: str) -> bytes | None:
        """The own key of a vendor whose manifest claims `topic` (private parts are sealed to it)."""
        rows = self.db.execute("SELECT key, vendor FROM vendor_keys WHERE topic=? ORDER BY vendor", [topic])
        return next((key for key, vendor in rows if did_from_key(key) == vendor), None)

    def resolve_id(self, prefix: str) -> str | None:
        """The full id for a unique id prefix (at least 6 hex digits), else None."""
        prefix = prefix.lower()
        if len(prefix) < 6 or any(c not in "0123456789abcdef" for c in prefix):
            return None
        rows = self.db.execute("SELECT id FROM messages WHERE id >= ? AND id < ? LIMIT 2",
                               [prefix, prefix + "g"]).fetchall()
        return rows[0][0] if len(rows) == 1 else None

    def rows(self, where: str = "1", params=(), order: str = "created, id", limit: int | None = None) -> list[dict]:
        sql = (f"SELECT id, kind, author, topic, created, target, title, text FROM messages"
               f" WHERE {where} ORDER BY {order}")
        if limit:
            sql += f" LIMIT {int(limit)}"
        cur = self.db.execute(sql, list(params))
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur]

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

    def threads(self, topic: str | None = None, limit: int = 200) -> list[dict]:
        """Thread roots (requests and complaints), newest first, with answer counts and state."""
        where = "m.kind IN ('request','complaint')" + (" AND m.topic=?" if topic else "")
        sql = f"""
            SELECT m.id, m.kind, m.author, m.topic, m.created, m.title,
              (SELECT count(*) FROM messages a WHERE a.target=m.id AND a.kind='answer') AS answers,
              EXISTS(SELECT 1 FROM messages c JOIN messages a ON c.target=a.id
                     WHERE a.target=m.id AND c.kind='accept' AND c.author=m.author) AS accepted,
              EXISTS(SELECT 1 FROM messages r
                     WHERE r.target=m.id AND r.kind='resolve' AND r.author=m.author) AS resolved,
              (SELECT s.id FROM messages s
               WHERE s.target=m.id AND s.kind='status' ORDER BY s.created DESC LIMIT 1) AS status_id
            FROM messages m WHERE {where} ORDER BY m.created DESC LIMIT ?"""
        cur = self.db.execute(sql, ([topic] if topic else []) + [limit])
        cols = [c[0] for c in cur.description]
        out = []
        for r in cur:
            row = dict(zip(cols, r, strict=True))
            status_id = row.pop("status_id")
            row["status"] = self.get(status_id).body["state"] if status_id else None
            row["accepted"], row["resolved"] = bool(row["accepted"]), bool(row["resolved"])
            out.append(row)
        return out

    def thread(self, root_id: str) -> list[Message]:
        """The root and everything that refers to it or to its answers, in creation order."""
        rows = self.db.execute(
            "SELECT raw FROM messages WHERE id=:r OR target=:r OR target IN "
            "(SELECT id FROM messages WHERE target=:r) ORDER BY created, id", {"r": root_id})
        return [load(r[0]) for r in rows]

    def search(self, query: str, limit: int = 50) -> list[dict]:
        """Full-text search over titles and texts; the query is taken as words, not FTS syntax."""
        words = [w for w in query.replace('"', " ").split() if w]
        if not words:
            return []
        fts = " ".join(f'"{w}"' for w in words)
        return self.rows("rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)", [fts],
                         order="created DESC", limit=limit)

    # -- follows, outbox, peers -----------------------------------------------------------------------

    def follow(self, slug: str, now: int) -> bool:
        return self.db.execute("INSERT OR IGNORE INTO follows VALUES (?, ?)", [slug, now]).rowcount == 1

    def unfollow(self, slug: str) -> bool:
        return self.db.execute("DELETE FROM follows WHERE slug=?", [slug]).rowcount == 1

    def followed(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT slug FROM follows ORDER BY slug")]

    def outbox_add(self, message_id: str, now: int) -> None:
        self.db.execute("INSERT OR IGNORE INTO outbox VALUES (?, ?)", [message_id, now])

    def outbox(self) -> list[Message]:
        rows = self.db.execute("SELECT m.raw FROM outbox o JOIN messages m ON m.id=o.id ORDER BY o.added, o.id")
        return [load(r[0]) for r in rows]

    def outbox_done(self, message_id: str) -> None:
        self.db.execute("DELETE FROM outbox WHERE id=?", [message_id])

    def remember_peer(self, peer_id: str, addrs: list[str], now: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO peers VALUES (?, ?, ?)", [peer_id, json.dumps(addrs), now])

    def known_peers(self, limit: int = 50) -> list[tuple[str, list[str]]]:
        rows = self.db.execute("SELECT peer_id, addrs FROM peers ORDER BY last_seen DESC LIMIT ?", [limit])
        return [(p, json.loads(a)) for p, a in rows]


def _str(value) -> str | None:
    return value if isinstance(value, str) else None
