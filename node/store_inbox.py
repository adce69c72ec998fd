"""The inbox's tables, part of the node's Store (mixed in like the bridge's): threads followed or muted by
hand (`watches`), the inbox items read (`inbox_read`) and the threads passed on to this home's person as her node
opened them (`shares_in`, specs/13), and the cross-posts of a topic. Local to this home, never published. What an
item is, and which threads are followed, is node/inbox.py's policy; these are the statements."""
from __future__ import annotations

# The threads this home follows: watched by hand, or where its identity asked or answered; minus the muted.
FOLLOWED = """
    WITH followed(root, since) AS (
        SELECT root, since FROM watches WHERE muted = 0
        UNION ALL SELECT id, received FROM messages WHERE author = :me AND kind IN ('request', 'complaint')
        UNION ALL SELECT target, received FROM messages WHERE author = :me AND kind = 'answer'),
    threads(root, since) AS (
        SELECT root, min(since) FROM followed WHERE root NOT IN (SELECT root FROM watches WHERE muted = 1)
        GROUP BY root)"""
# What others said in them since the home followed them (an accept sits one level down, on an answer), but
# not the people muted there or everywhere.
NEWS = FOLLOWED + """,
    news(id, root) AS (
        SELECT m.id, t.root FROM threads t JOIN messages m ON m.target = t.root
        WHERE m.kind IN ('answer', 'status', 'resolve') AND m.author != :me AND m.received >= t.since
          AND m.author NOT IN (SELECT did FROM mutes WHERE topic IN ('', m.topic))
        UNION ALL
        SELECT c.id, t.root FROM threads t JOIN messages a ON a.target = t.root AND a.kind = 'answer'
        JOIN messages c ON c.target = a.id AND c.kind = 'accept'
        WHERE c.author != :me AND c.received >= t.since
          AND c.author NOT IN (SELECT did FROM mutes WHERE topic IN ('', c.topic)))"""


# The shares to her that opened, but not those of people she muted everywhere or in the thread's topic
SHARES = """
    SELECT s.id, m.author, m.received, s.thread, s.topic, s.title, s.note FROM shares_in s
    JOIN messages m ON m.id = s.id
    WHERE m.value = :me AND s.problem = '' AND m.author NOT IN (SELECT did FROM mutes WHERE topic IN ('', s.topic))"""


class InboxTables:
    db: object  # the Store's sqlite_utils.Database

    def watch(self, root: str, now: int, muted: bool = False) -> None:
        self._write("INSERT OR REPLACE INTO watches (root, since, muted) VALUES (?, ?, ?)", [root, now, int(muted)])

    def unwatch(self, root: str) -> bool:
        return self._write("DELETE FROM watches WHERE root = ?", [root]).rowcount > 0

    def watching(self, root: str) -> bool | None:
        """True watched, False muted, None neither (then followed only if this home wrote in it)."""
        row = self.db.execute("SELECT muted FROM watches WHERE root = ?", [root]).fetchone()
        return None if row is None else not row[0]

    def inbox_news(self, me: str, limit: int, unread_only: bool, root: str | None = None) -> list[tuple[str, str, int]]:
        """(message id, thread root, received) of what others said in the followed threads (or in the one of
        `root`), newest first."""
        where = ["1"]
        if unread_only:
            where.append("n.id NOT IN (SELECT item FROM inbox_read)")
        if root is not None:
            where.append("n.root = :root")
        return self.db.execute(NEWS + " SELECT n.id, n.root, m.received FROM news n JOIN messages m ON m.id = n.id"
                               f" WHERE {' AND '.join(where)} ORDER BY m.received DESC, n.id LIMIT :limit",
                               {"me": me, "limit": limit, "root": root}).fetchall()

    def inbox_unread(self, me: str, most: int) -> int:
        """How many of those are unread, counted up to `most`."""
        return self.db.execute(NEWS + " SELECT count(*) FROM (SELECT 1 FROM news WHERE id NOT IN"
                               " (SELECT item FROM inbox_read) LIMIT :most)", {"me": me, "most": most}).fetchone()[0]

    def followed_statuses(self, me: str) -> list[tuple[str, bytes]]:
        """(thread root, raw) of every status and resolve in the followed threads: promises to check."""
        return self.db.execute(FOLLOWED + " SELECT t.root, m.raw FROM threads t JOIN messages m ON m.target = t.root"
                               " WHERE m.kind IN ('status', 'resolve')", {"me": me}).fetchall()

    def read_items(self, items: list[str]) -> set[str]:
        """Those of `items` marked read."""
        marks = ",".join("?" * len(items))
        return {r[0] for r in self.db.execute(f"SELECT item FROM inbox_read WHERE item IN ({marks})", items)}

    def mark_read(self, items: list[str], now: int) -> int:
        with self.transaction():
            return sum(self.db.execute("INSERT OR IGNORE INTO inbox_read (item, at) VALUES (?, ?)",
                                       [i, now]).rowcount for i in items)

    def shares_unopened(self, me: str) -> list[tuple[str, bytes]]:
        """(id, raw) of the shares to `me` her node has not opened yet."""
        return self.db.execute("SELECT id, raw FROM messages INDEXED BY messages_shares WHERE kind = 'share'"
                               " AND value = ? AND id NOT IN (SELECT id FROM shares_in)", [me]).fetchall()

    def keep_share(self, id: str, opened: dict, problem: str) -> None:
        """A share as her node opened it (thread, topic, title, note), or why it did not open."""
        self._write("INSERT OR IGNORE INTO shares_in VALUES (?, ?, ?, ?, ?, ?)",
                    [id, opened.get("thread", b"").hex(), opened.get("topic", ""), opened.get("title", ""),
                     opened.get("note", ""), problem])

    def inbox_shares(self, me: str, limit: int, unread_only: bool, thread: str | None = None) -> list[tuple]:
        """(id, author, received, thread, topic, title, note) of the shares to `me` (about `thread`), newest first."""
        where = ["1"]
        if unread_only:
            where.append("id NOT IN (SELECT item FROM inbox_read)")
        if thread is not None:
            where.append("thread = :thread")
        return self.db.execute(f"SELECT * FROM ({SHARES}) WHERE {' AND '.join(where)} ORDER BY received DESC, id"
                               " LIMIT :limit", {"me": me, "limit": limit, "thread": thread}).fetchall()

    def shares_unread(self, me: str, most: int) -> int:
        return self.db.execute(f"SELECT count(*) FROM (SELECT 1 FROM ({SHARES}) WHERE id NOT IN"
                               " (SELECT item FROM inbox_read) LIMIT :most)", {"me": me, "most": most}).fetchone()[0]

    def crossposts_in(self, topic: str, limit: int) -> list[bytes]:
        """The raw cross-posts in `topic`, newest first, but not those of people muted there or everywhere."""
        return [raw for (raw,) in self.db.execute(
            "SELECT raw FROM messages WHERE topic = ? AND kind = 'crosspost' AND author NOT IN"
            " (SELECT did FROM mutes WHERE topic IN ('', ?)) ORDER BY created DESC, id LIMIT ?", [topic, topic, limit])]
