"""The bridge's tables, part of the node's Store (which mixes this class in and owns the schema):
the journal (`bridge_events`), one delivery row per push connector and event, small persistent values,
and the Request Tracker connector's ticket and transaction records. Policy (back-off, what to journal)
stays in node/bridge/; these are the statements."""
from __future__ import annotations


class BridgeTables:
    db: object  # the Store's sqlite_utils.Database; `transaction` and `_write` (one statement, one
    # transaction: a full disk is a StoreError) are the Store's

    # -- the journal and its deliveries ----------------------------------------------------------------

    def journal_add(self, message_id: str, now: int, connectors: list[str]) -> int | None:
        """Journal a message and schedule it for every connector, in one transaction; None when it
        was already journaled (the message id is the idempotency key). A delivery's `next_try` is unread
        since back-off moved to the connector (Outbox); the column stays for homes made before."""
        with self.transaction():
            cur = self.db.execute("INSERT OR IGNORE INTO bridge_events (message_id, added) VALUES (?, ?)",
                                  [message_id, now])
            if not cur.rowcount:
                return None
            seq = cur.lastrowid
            for name in connectors:
                self.db.execute("INSERT INTO bridge_deliveries (connector, seq, next_try) VALUES (?, ?, ?)",
                                [name, seq, now])
        return seq

    def journal_backfill(self, connector: str) -> None:
        """A connector added to the configuration later gets every event from the start."""
        self._write("INSERT OR IGNORE INTO bridge_deliveries (connector, seq, next_try)"
                        " SELECT ?, seq, added FROM bridge_events", [connector])

    def journal_after(self, seq: int, limit: int = 100) -> list[tuple[int, str]]:
        """(seq, message id) of journal entries after `seq`."""
        return [tuple(r) for r in self.db.execute(
            "SELECT seq, message_id FROM bridge_events WHERE seq>? ORDER BY seq LIMIT ?", [seq, limit])]

    def journal_last_seq(self) -> int:
        return self.db.execute("SELECT coalesce(max(seq), 0) FROM bridge_events").fetchone()[0]

    def deliveries_pending(self, connector: str, limit: int) -> list[tuple[int, str, int]]:
        """(seq, message id, attempts) of unacknowledged deliveries, in journal order."""
        return [tuple(r) for r in self.db.execute(
            "SELECT d.seq, e.message_id, d.attempts FROM bridge_deliveries d JOIN bridge_events e ON e.seq=d.seq"
            " WHERE d.connector=? AND d.acked IS NULL ORDER BY d.seq LIMIT ?", [connector, limit])]

    def delivery_begin(self, connector: str, seq: int) -> None:
        self._write("UPDATE bridge_deliveries SET attempts=attempts+1 WHERE connector=? AND seq=?",
                        [connector, seq])

    def delivery_acked(self, connector: str, seq: int, now: int) -> None:
        self._write("UPDATE bridge_deliveries SET acked=?, last_error=NULL WHERE connector=? AND seq=?",
                        [now, connector, seq])

    def delivery_failed(self, connector: str, seq: int, error: str) -> None:
        self._write("UPDATE bridge_deliveries SET last_error=? WHERE connector=? AND seq=?", [error, connector, seq])

    def delivery_report(self, connector: str) -> tuple[int, int, str | None]:
        """(acknowledged, pending, the last error of the first pending delivery) for one connector."""
        acked, pending = self.db.execute(
            "SELECT count(acked), count(*)-count(acked) FROM bridge_deliveries WHERE connector=?",
            [connector]).fetchone()
        err = self.db.execute("SELECT last_error FROM bridge_deliveries WHERE connector=? AND acked IS NULL"
                              " AND last_error IS NOT NULL ORDER BY seq LIMIT 1", [connector]).fetchone()
        return acked, pending, err[0] if err else None

    def delivery_totals(self) -> list[tuple[str, int, int, int]]:
        """(connector, acknowledged, pending, failing: pending after a failed attempt) for every connector."""
        return self.db.execute(
            "SELECT connector, count(acked), count(*)-count(acked), sum(acked IS NULL AND attempts > 0)"
            " FROM bridge_deliveries GROUP BY connector ORDER BY connector").fetchall()

    # -- small persistent values: scan cursor, pull API acknowledgement ----------------------------------

    def bridge_state(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM bridge_state WHERE key=?", [key]).fetchone()
        return row[0] if row else default

    def set_bridge_state(self, key: str, value) -> None:
        self._write("INSERT OR REPLACE INTO bridge_state VALUES (?, ?)", [key, str(value)])

    # -- Request Tracker: which ticket holds which thread, which transactions became messages -----------

    def rt_ticket_of(self, thread: str) -> int | None:
        row = self.db.execute("SELECT ticket FROM bridge_rt_tickets WHERE thread=?", [thread]).fetchone()
        return row[0] if row else None

    def rt_ticket(self, ticket: int) -> tuple[str, str, int] | None:
        """(thread, topic, last transaction read) of a ticket the bridge made."""
        row = self.db.execute("SELECT thread, topic, last_txn FROM bridge_rt_tickets WHERE ticket=?",
                              [ticket]).fetchone()
        return tuple(row) if row else None

    def rt_oldest_read(self) -> int | None:
        """The lowest last-read transaction over the bridge's tickets; None when it has made none."""
        return self.db.execute("SELECT min(last_txn) FROM bridge_rt_tickets").fetchone()[0]

    def rt_add_ticket(self, thread: str, ticket: int, topic: str) -> None:
        self._write("INSERT OR IGNORE INTO bridge_rt_tickets (thread, ticket, topic) VALUES (?, ?, ?)",
                        [thread, ticket, topic])

    def rt_read(self, ticket: int, txn: int, message_id: str | None = None) -> None:
        """RT transaction `txn` of `ticket` is done (and became `message_id`, if any), in one transaction."""
        with self.transaction():
            if message_id:
                self.db.execute("INSERT OR IGNORE INTO bridge_rt_txns VALUES (?, ?)", [txn, message_id])
            self.db.execute("UPDATE bridge_rt_tickets SET last_txn=? WHERE ticket=?", [txn, ticket])

    def rt_published(self, message_id: str) -> bool:
        """True for messages published from an RT transaction."""
        return self.db.execute("SELECT 1 FROM bridge_rt_txns WHERE message_id=?", [message_id]).fetchone() is not None

    # -- contact cards (specs/11): the journaled contacts every connector took that this key has not answered --

    def contacts_awaiting_receipt(self, me: str) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT e.message_id FROM bridge_events e JOIN messages m ON m.id = e.message_id WHERE m.kind = 'contact'"
            " AND NOT EXISTS (SELECT 1 FROM bridge_deliveries d WHERE d.seq = e.seq AND d.acked IS NULL)"
            " AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.target = e.message_id AND r.kind = 'receipt'"
            " AND r.author = ?) ORDER BY e.seq", [me])]
