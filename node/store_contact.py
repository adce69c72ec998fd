"""The contact card's tables, part of the node's Store (mixed in like the inbox's): the card as the person last
set it and the vendors she named or asked to forget her (local, never published), and the reads of contacts and
receipts (specs/11) both sides need. What to send to whom is node/contact.py's policy; these are the statements."""
from __future__ import annotations

from antiport.protocol import Message, load


class ContactTables:
    db: object  # the Store's sqlite_utils.Database

    def card(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT field, value FROM contact_card ORDER BY field").fetchall())

    def set_card(self, card: dict[str, str]) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM contact_card")
            self.db.conn.executemany("INSERT INTO contact_card VALUES (?, ?)", sorted(card.items()))

    def contact_vendors(self) -> dict[str, bool]:
        """Each vendor did she named (False) or asked to forget her (True)."""
        return {did: bool(gone) for did, gone in self.db.execute("SELECT did, forgotten FROM contact_vendors")}

    def name_contact_vendor(self, did: str, now: int, forgotten: bool = False) -> None:
        self._write("INSERT OR REPLACE INTO contact_vendors VALUES (?, ?, ?)", [did, now, int(forgotten)])

    def deny_private(self, did: str, now: int) -> None:
        self._write("INSERT OR IGNORE INTO private_denied VALUES (?, ?)", [did, now])

    def allow_private(self, did: str) -> bool:
        return self._write("DELETE FROM private_denied WHERE did = ?", [did]).rowcount == 1

    def private_denied(self) -> dict[str, int]:
        """Each vendor did she does not let read her private parts, and since when."""
        return dict(self.db.execute("SELECT did, since FROM private_denied ORDER BY since, did").fetchall())

    def may_seal_to(self, did: str) -> bool:
        return self.db.execute("SELECT 1 FROM private_denied WHERE did = ?", [did]).fetchone() is None

    def drop_relationship(self, did: str) -> dict[str, int]:
        """What this home keeps about a vendor relationship, removed in one transaction: her naming it for her
        card, trusting its key; how many rows of each went."""
        with self.transaction():
            return {"card_recipient": self.db.execute("DELETE FROM contact_vendors WHERE did = ?", [did]).rowcount,
                    "trusted": self.db.execute("DELETE FROM trusted_vendors WHERE did = ?", [did]).rowcount}

    def contacts_by(self, author: str) -> list[Message]:
        """Every contact `author` sent, oldest first."""
        return [load(raw) for (raw,) in self.db.execute(
            "SELECT raw FROM messages WHERE author=? AND kind='contact' ORDER BY created, id", [author])]

    def receipts_of(self, contact_id: str) -> list[Message]:
        return [load(raw) for (raw,) in self.db.execute(
            "SELECT raw FROM messages WHERE target=? AND kind='receipt' ORDER BY created, id", [contact_id])]

    def asked_topics(self, author: str) -> list[str]:
        """The topics `author` asked or complained in: whose vendors handled her threads."""
        return [t for (t,) in self.db.execute(
            "SELECT DISTINCT topic FROM messages WHERE author=? AND kind IN ('request', 'complaint') ORDER BY topic",
            [author])]
