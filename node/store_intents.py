"""The intent tables, part of the node's Store (mixed in like the bridge's): the salts this home's intent keys are
made from (specs/12 section 4: the keys themselves are derived from the identity and never stored), and the
statements that read intents, their withdrawals and the replies to them. Policy is node/intents.py's."""
from __future__ import annotations

from antiport.protocol import Message, load


class IntentTables:
    db: object  # the Store's sqlite_utils.Database; `_write` is the Store's

    def keep_intent_key(self, intent: str, key: bytes, salt: bytes, now: int) -> None:
        """Called in the transaction that stores the intent."""
        self.db.execute("INSERT INTO intent_keys VALUES (?, ?, ?, ?)", [intent, key, salt, now])

    def intent_salt(self, intent: str) -> bytes | None:
        """The salt of this home's key for `intent`, None when it is not one of this home's intents."""
        row = self.db.execute("SELECT salt FROM intent_keys WHERE intent=?", [intent]).fetchone()
        return row[0] if row else None

    def intent_of_key(self, key: bytes) -> str | None:
        row = self.db.execute("SELECT intent FROM intent_keys WHERE key=?", [key]).fetchone()
        return row[0] if row else None

    def intents_not_mine(self) -> list[Message]:
        """The intents held that are not known as this home's (specs/12 section 4: a restored home checks them)."""
        return [load(r[0]) for r in self.db.execute(
            "SELECT raw FROM messages WHERE kind='intent' AND id NOT IN (SELECT intent FROM intent_keys)")]

    def my_intents(self) -> list[str]:
        """The ids of this home's intents, newest first."""
        return [r[0] for r in self.db.execute("SELECT intent FROM intent_keys ORDER BY created DESC, intent")]

    def withdrawn_at(self, intent: str | None) -> int | None:
        """When the intent's own key retracted it (its first retract), None when it has not."""
        row = self.db.execute("SELECT min(r.created) FROM messages r JOIN messages i ON i.id = r.target"
                              " WHERE r.target=? AND r.kind='retract' AND r.author = i.author", [intent]).fetchone()
        return row[0] if row else None

    def intents_in(self, topics: list[str], limit: int) -> list[Message]:
        """The newest intents of `topics`."""
        if not topics:
            return []
        marks = ",".join("?" * len(topics))
        rows = self.db.execute(f"SELECT raw FROM messages WHERE kind='intent' AND topic IN ({marks})"
                               " ORDER BY created DESC, id LIMIT ?", [*topics, limit])
        return [load(r[0]) for r in rows]

    def vendor_of(self, key: bytes, topic: str) -> str | None:
        """The did of the vendor whose current manifest names `key` for `topic` (an offer's maker: the manifest's
        author or one of its keys)."""
        row = self.db.execute("SELECT vendor FROM vendor_keys WHERE key=? AND topic=?", [key, topic]).fetchone()
        return row[0] if row else None

    def offer_counts(self, intents: list[str]) -> dict[str, int]:
        if not intents:
            return {}
        rows = self.db.execute(f"SELECT target, count(*) FROM messages WHERE kind='offer'"
                               f" AND target IN ({','.join('?' * len(intents))}) GROUP BY target", intents)
        return dict(rows.fetchall())
