"""The bridge's durable outbox, in the node's own SQLite database.

`bridge_events` is the journal: one row per network message the vendor must hear about, numbered in
the order the bridge saw them (`seq`, which the pull API serves). `bridge_deliveries` holds one row
per push connector and event: attempts, when to try next (exponential back-off) and when the
connector acknowledged it. The idempotency key of an event is its message id, so adding the same
message twice is a no-op, and an acknowledged delivery is never made again.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class Due:
    seq: int
    message_id: str
    attempts: int


class Outbox:
    def __init__(self, db: sqlite_utils.Database, connectors: list[str], base_ms: int = 2000, max_ms: int = 600_000):
        self.db, self.connectors, self.base_ms, self.max_ms = db, list(connectors), base_ms, max_ms
        with db.conn:
            db.execute("CREATE TABLE IF NOT EXISTS bridge_events (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                       " message_id TEXT NOT NULL UNIQUE, added INTEGER NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS bridge_deliveries (connector TEXT NOT NULL, seq INTEGER NOT NULL,"
                       " attempts INTEGER NOT NULL DEFAULT 0, next_try INTEGER NOT NULL, last_error TEXT,"
                       " acked INTEGER, PRIMARY KEY (connector, seq))")
            db.execute("CREATE INDEX IF NOT EXISTS bridge_deliveries_due"
                       " ON bridge_deliveries (connector, acked, next_try)")
            db.execute("CREATE TABLE IF NOT EXISTS bridge_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            # A connector added to the configuration later gets every event from the start.
            for name in self.connectors:
                db.execute("INSERT OR IGNORE INTO bridge_deliveries (connector, seq, next_try)"
                           " SELECT ?, seq, added FROM bridge_events", [name])

    def add(self, message_id: str, now: int) -> int | None:
        """Journal a message and schedule it for every connector; None when it was already there."""
        with self.db.conn:
            cur = self.db.execute("INSERT OR IGNORE INTO bridge_events (message_id, added) VALUES (?, ?)",
                                  [message_id, now])
            if not cur.rowcount:
                return None
            seq = cur.lastrowid
            for name in self.connectors:
                self.db.execute("INSERT INTO bridge_deliveries (connector, seq, next_try) VALUES (?, ?, ?)",
                                [name, seq, now])
        return seq

    def due(self, connector: str, now: int, limit: int = 100) -> list[Due]:
        rows = self.db.execute(
            "SELECT d.seq, e.message_id, d.attempts FROM bridge_deliveries d JOIN bridge_events e ON e.seq=d.seq"
            " WHERE d.connector=? AND d.acked IS NULL AND d.next_try<=? ORDER BY d.seq LIMIT ?",
            [connector, now, limit])
        return [Due(*r) for r in rows]

    def next_try(self, connector: str) -> int | None:
        """When the earliest unacknowledged delivery for `connector` is due (ms), or None."""
        row = self.db.execute("SELECT min(next_try) FROM bridge_deliveries WHERE connector=? AND acked IS NULL",
                              [connector]).fetchone()
        return row[0]

    def begin(self, connector: str, seq: int) -> None:
        """Count an attempt before it is made: after a crash mid-delivery, the next one is a known retry."""
        self.db.execute("UPDATE bridge_deliveries SET attempts=attempts+1 WHERE connector=? AND seq=?",
                        [connector, seq])

    def acked(self, connector: str, seq: int, now: int) -> None:
        self.db.execute("UPDATE bridge_deliveries SET acked=?, last_error=NULL WHERE connector=? AND seq=?",
                        [now, connector, seq])

    def failed(self, connector: str, seq: int, now: int, error: str) -> int:
        """Record a failed attempt and schedule the next one; returns the delay in ms."""
        attempts = self.db.execute("SELECT attempts FROM bridge_deliveries WHERE connector=? AND seq=?",
                                   [connector, seq]).fetchone()[0]
        delay = min(self.max_ms, self.base_ms * 2 ** min(max(attempts - 1, 0), 30))
        self.db.execute("UPDATE bridge_deliveries SET next_try=?, last_error=? WHERE connector=? AND seq=?",
                        [now + delay, error[:500], connector, seq])
        return delay

    def events_after(self, seq: int, limit: int = 100) -> list[tuple[int, str]]:
        """(seq, message id) of journal entries after `seq`: what the pull API serves."""
        return [tuple(r) for r in self.db.execute(
            "SELECT seq, message_id FROM bridge_events WHERE seq>? ORDER BY seq LIMIT ?", [seq, limit])]

    def last_seq(self) -> int:
        return self.db.execute("SELECT coalesce(max(seq), 0) FROM bridge_events").fetchone()[0]

    def report(self) -> dict:
        """Per connector: delivered, pending, and the last error of a pending delivery."""
        out = {}
        for name in self.connectors:
            acked, pending = self.db.execute(
                "SELECT count(acked), count(*)-count(acked) FROM bridge_deliveries WHERE connector=?",
                [name]).fetchone()
            err = self.db.execute("SELECT last_error FROM bridge_deliveries WHERE connector=? AND acked IS NULL"
                                  " AND last_error IS NOT NULL ORDER BY seq LIMIT 1", [name]).fetchone()
            out[name] = {"acknowledged": acked, "pending": pending, "last_error": err[0] if err else None}
        return out

    # -- small persistent values: scan cursor, pull API acknowledgement, manifest state --------------

    def get_state(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM bridge_state WHERE key=?", [key]).fetchone()
        return row[0] if row else default

    def set_state(self, key: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO bridge_state VALUES (?, ?)", [key, str(value)])
