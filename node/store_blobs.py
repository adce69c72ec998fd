"""The attachment tables, part of the node's Store (which mixes this class in and owns the schema): the files
each stored message lists and the blobs held (specs/09). Fetching and serving are node/blobs.py's."""
from __future__ import annotations

from antiport.protocol import Message
from antiport.protocol.blobs import listed


class BlobTables:
    db: object  # the Store's sqlite_utils.Database; `transaction` and `_write` are the Store's

    def _list_files(self, msg: Message) -> None:
        """Called by `add_many` in the transaction that stores `msg`."""
        for item in listed(msg.kind, msg.body):
            self.db.execute("INSERT OR IGNORE INTO files VALUES (?, ?, ?, ?)",
                            [msg.id, item["hash"], item["size"], msg.topic])

    def blob(self, digest: bytes) -> bytes | None:
        row = self.db.execute("SELECT data FROM blobs WHERE hash=?", [digest]).fetchone()
        return row[0] if row else None

    def has_blob(self, digest: bytes) -> bool:
        return self.db.execute("SELECT 1 FROM blobs WHERE hash=?", [digest]).fetchone() is not None

    def put_blob(self, digest: bytes, data: bytes) -> bool:
        """Keep a blob a held message lists with this size (the caller checked its hash); False when it is
        not listed so, or held already."""
        return self._write("INSERT OR IGNORE INTO blobs SELECT ?, ? WHERE EXISTS"
                           " (SELECT 1 FROM files WHERE hash=? AND size=?)",
                           [digest, data, digest, len(data)]).rowcount == 1

    def missing_blobs(self, limit: int = 100) -> list[tuple[bytes, int]]:
        """(hash, size) of blobs listed by messages of followed topics and not held, newest listing first."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT f.hash, f.size FROM files f JOIN follows t ON t.slug=f.topic"
            " WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash=f.hash)"
            " GROUP BY f.hash ORDER BY max(f.rowid) DESC LIMIT ?", [limit])]

    def listing(self, digest: bytes) -> dict | None:
        """The `files` entry that lists a blob, from the first held message listing it."""
        row = self.db.execute("SELECT message_id FROM files WHERE hash=? LIMIT 1", [digest]).fetchone()
        msg = self.get(row[0]) if row else None
        return next((i for i in listed(msg.kind, msg.body) if i["hash"] == digest), None) if msg else None
