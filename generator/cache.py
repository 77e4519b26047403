"""The parse cache: documents already parsed, keyed by content and settings.

An unchanged article is never parsed or rendered from Markdown twice. Entries are keyed
by the file's digest plus everything that shapes the parse (generator version, Markdown
settings, time zone), so a stale entry can never be found. A cache that cannot be read
is thrown away and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
from pathlib import Path

from generator import __version__

CACHE_DIR = ".newsgen-cache"
_SCHEMA = "CREATE TABLE IF NOT EXISTS docs (key TEXT PRIMARY KEY, value BLOB NOT NULL)"


class ParseCache:
    """A persistent map from (file digest, settings) to parsed documents."""

    def __init__(self, folder: Path | None, settings: str):
        self.salt = f"{__version__}|{settings}|{pickle.HIGHEST_PROTOCOL}"
        self._db = self._open(folder / "parse.sqlite") if folder else None
        self._pending: list[tuple[str, bytes]] = []

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection | None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path)
            db.execute(_SCHEMA)
            db.execute("SELECT count(*) FROM docs").fetchone()
            return db
        except sqlite3.DatabaseError:
            path.unlink(missing_ok=True)  # corrupt: start again rather than trust it
            db = sqlite3.connect(path)
            db.execute(_SCHEMA)
            return db

    def key(self, rel: str, digest: str) -> str:
        # The path is part of the key: a document's slug and kind come from its path.
        return hashlib.blake2b(f"{self.salt}|{rel}|{digest}".encode(),
                               digest_size=16).hexdigest()

    def get_many(self, keys: list[str]) -> dict[str, object]:
        if self._db is None or not keys:
            return {}
        found = {}
        for start in range(0, len(keys), 900):  # SQLite's limit on bound parameters
            chunk = keys[start:start + 900]
            marks = ",".join("?" * len(chunk))
            for key, blob in self._db.execute(
                    f"SELECT key, value FROM docs WHERE key IN ({marks})", chunk):
                try:
                    found[key] = pickle.loads(blob)
                except Exception:  # noqa: BLE001 - any unreadable entry is simply a miss
                    continue
        return found

    def put(self, key: str, value: object) -> None:
        if self._db is not None:
            self._pending.append((key, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)))

    def save(self, live_keys: set[str]) -> None:
        """Store new entries and forget ones no current file needs."""
        if self._db is None:
            return
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?)", self._pending)
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS live (key TEXT PRIMARY KEY)")
            self._db.execute("DELETE FROM live")
            self._db.executemany("INSERT OR IGNORE INTO live VALUES (?)",
                                 [(k,) for k in live_keys])
            self._db.execute("DELETE FROM docs WHERE key NOT IN (SELECT key FROM live)")
        self._pending.clear()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
