"""The parse cache: documents already parsed, keyed by content and settings.

An unchanged article is never parsed or rendered from Markdown twice. Entries are keyed
by the file's digest plus everything that shapes the parse (generator version, Markdown
settings, time zone), so a stale entry can never be found. A cache that cannot be read
is thrown away and rebuilt, never trusted.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from generator import __version__, jsonfile
from generator.errors import BuildError, Problem

CACHE_DIR = ".newsgen-cache"
# Bumped whenever parsing gives other documents from the same bytes and settings (2: dates
# in the site's zone, script URLs removed), so no older entry is ever found.
PARSE_FORMAT = 6  # 6: documents with __slots__
# Encoded images unused for this long are swept from the user's image store.
IMAGE_STORE_DAYS = 60


def user_cache(name: str) -> Path:
    """A folder of the user's cache ($XDG_CACHE_HOME or ~/.cache) for work that depends
    only on its inputs' digests, so every site and every copy of one may share it."""
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(home) / "newsgen" / name


class ImageStore:
    """Encoded images (variants, crops, cards, stripped originals) by the digest of what
    made them: the source's bytes, the recipe and the encoder.

    A clean build, another output folder or another copy of the site then encodes
    nothing already encoded. Worker processes write at once: each entry is written aside
    and renamed into place, so a reader sees a whole file or none. Entries unused for
    IMAGE_STORE_DAYS are swept, at most once a day. A store that cannot be written only
    costs the next build the encoding.
    """

    def __init__(self, folder: Path | None = None):
        self.folder = folder or user_cache("images")

    @staticmethod
    def key(*parts: object) -> str:
        return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:
            if time.time() - path.stat().st_mtime > 86400:
                os.utime(path)  # in use: not swept
        except OSError:
            pass
        return data

    def get_or_make(self, key: str, make) -> bytes:
        """The entry `key`, or make() stored under it."""
        data = self.get(key)
        if data is None:
            data = make()
            self.put(key, data)
        return data

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{key}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:
            return
        self._sweep_daily()

    def _sweep_daily(self) -> None:
        mark = self.folder / ".swept"
        now = time.time()
        try:
            if now - mark.stat().st_mtime < 86400:
                return
        except OSError:
            pass
        try:
            mark.touch()
            for entry in self.folder.glob("*/*"):
                if now - entry.stat().st_mtime > IMAGE_STORE_DAYS * 86400:
                    entry.unlink(missing_ok=True)
        except OSError:
            pass


@contextmanager
def collector_paused():
    """Pause the cyclic garbage collector while unpickling: loading thousands of
    documents allocates millions of acyclic objects, and the collector would walk the
    growing heap again and again for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# New entries are written once they add up to this many bytes, not held to the end.
PENDING_BYTES = 4 << 20


def entry_key(salt: str, rel: str, digest: str) -> str:
    """A parse-cache key. The path is part of it: a document's slug and kind come from its path."""
    return hashlib.blake2b(f"{salt}|{rel}|{digest}".encode(), digest_size=16).hexdigest()


_INSERT = "INSERT OR REPLACE INTO docs VALUES (?, ?)"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS docs (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
)


class ParseCache:
    """A persistent map from (file digest, settings) to parsed documents."""

    def __init__(self, folder: Path | None, settings: str):
        self.salt = f"{__version__}|{PARSE_FORMAT}|{settings}|{pickle.HIGHEST_PROTOCOL}"
        self._path = folder / "parse.sqlite" if folder else None
        self._db = self._open(self._path) if self._path else None
        self._pending: list[tuple[str, bytes]] = []
        self._pending_bytes = 0
        # Changes whenever entries may have gone (a prune, a cache made anew), by this
        # build or another (another base URL prunes this one's): a model saved or kept
        # under an older generation may count on bodies that are gone.
        self.generation = self._generation() if self._db is not None else ""

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection | None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path)
            db.executescript(_SCHEMA)
            db.execute("SELECT count(*) FROM docs").fetchone()
            return db
        except sqlite3.DatabaseError:
            path.unlink(missing_ok=True)  # corrupt: start again rather than trust it
            db = sqlite3.connect(path)
            db.executescript(_SCHEMA)
            return db

    def _generation(self) -> str:
        assert self._db is not None  # asked only with a database
        row = self._db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
        return row[0] if row else self._new_generation()

    def _new_generation(self) -> str:
        assert self._db is not None  # made only with a database
        token = os.urandom(8).hex()
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (token,))
        return token

    def key(self, rel: str, digest: str) -> str:
        return entry_key(self.salt, rel, digest)

    @property
    def model_salt(self) -> str:
        """What a model saved with this cache's bodies is kept under: its entries' salt
        and the generation whose bodies it counts on."""
        return f"{self.salt}|{self.generation}"

    @property
    def stores_bodies(self) -> bool:
        """Whether documents put here can be read back by BodyStore (a cache on disk)."""
        return self._db is not None

    def bodies(self) -> BodyStore | None:
        """A reader of this cache's article bodies, for the processes that render them."""
        return BodyStore(self._path, self.salt) if self._path is not None else None

    def get_many(self, keys: list[str]) -> Iterator[tuple[str, object]]:
        """(key, document) of the keys found, one at a time: the caller keeps what it
        needs of each (a million bodies at once would not fit in memory)."""
        if self._db is None or not keys:
            return
        with collector_paused():
            for start in range(0, len(keys), 900):  # SQLite's limit on bound parameters
                chunk = keys[start : start + 900]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(f"SELECT key, value FROM docs WHERE key IN ({marks})", chunk)
                for key, blob in rows.fetchall():
                    try:
                        yield key, pickle.loads(blob)
                    except Exception:  # noqa: BLE001 - any unreadable entry is simply a miss
                        continue

    def put(self, key: str, value: object) -> None:
        if self._db is None:
            return
        blob = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        self._pending.append((key, blob))
        self._pending_bytes += len(blob)
        if self._pending_bytes > PENDING_BYTES:
            self._flush()

    def _flush(self) -> None:
        # Entries are keyed by content, so storing them before the build succeeds is
        # harmless; holding a million parsed bodies until the end would not be.
        assert self._db is not None  # flushed only with a database
        with self._db:
            self._db.executemany(_INSERT, self._pending)
        self._pending.clear()
        self._pending_bytes = 0

    def save(self, live_keys: set[str]) -> bool:
        """Store new entries; forget the ones no current file needs once they add up
        (True when it did: entries of other keys are gone).

        A few dead entries (the previous version of an edited article) are harmless:
        keys are content digests, so they are never found by mistake. Pruning them on
        every edit would cost more than the edit, so it waits until they are a tenth of
        the cache. A build that parsed nothing and has nothing to prune writes nothing.
        """
        if self._db is None:
            return False
        stored = self._count() + len(self._pending)
        prune = stored - len(live_keys) > max(64, len(live_keys) // 10)
        if not self._pending and not prune:
            return False
        with self._db:
            self._db.executemany(_INSERT, self._pending)
            if prune:
                self._db.execute("CREATE TEMP TABLE IF NOT EXISTS live (key TEXT PRIMARY KEY)")
                self._db.execute("DELETE FROM live")
                self._db.executemany("INSERT OR IGNORE INTO live VALUES (?)", [(k,) for k in live_keys])
                self._db.execute("DELETE FROM docs WHERE key NOT IN (SELECT key FROM live)")
        self._pending.clear()
        self._pending_bytes = 0
        if prune:
            self.generation = self._new_generation()
        return prune

    def _count(self) -> int:
        assert self._db is not None  # counted only with a database
        return self._db.execute("SELECT count(*) FROM docs").fetchone()[0]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


# A file changed within this long before the stamps were taken may have changed again in
# the same clock tick without its mtime moving (git's "racy" rule); such files are re-read.
RACY_NS = 2_000_000_000


class FileStamps:
    """Digests of source files remembered by (size, mtime): an unchanged file is not read.

    Reading and hashing 10,000 articles costs more than the rest of a no-change rebuild;
    a stat call is enough to know a file is untouched. Stamps that cannot be read are
    simply forgotten (every file is read again), and a file whose mtime is too close to
    the moment the stamps were taken is always hashed again.
    """

    def __init__(self, folder: Path | None):
        self.path = folder / "stamps.json" if folder else None
        self._old: dict[str, list] = {}
        self._taken = 0
        self._new: dict[str, list] = {}
        self._changed = False  # a stamp of _new differs from the one read
        # Taken before any file is read: a write after this moment has a later mtime.
        self._now = time.time_ns()
        if self.path is not None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self._old, self._taken = dict(data["files"]), int(data["taken"])
            except (OSError, ValueError, KeyError, TypeError):
                self._old, self._taken = {}, 0

    def digest(self, path: str | Path, rel: str, hasher) -> str:
        """The digest of a file, from its stamp when size and mtime are as remembered."""
        st = os.stat(path)
        old = self._old.pop(rel, None)  # each stamp is held once, old or new
        if (
            old
            and old[0] == st.st_size
            and old[1] == st.st_mtime_ns
            and st.st_mtime_ns < self._taken - RACY_NS
        ):
            self._new[rel] = old
            return old[2]
        with open(path, "rb") as f:
            digest = hasher(f.read())
        self._new[rel] = [st.st_size, st.st_mtime_ns, digest]
        self._changed = True
        return digest

    def save(self) -> None:
        """Record the stamps, unless they are the ones already on disk."""
        if self.path is None:
            return
        # Left in _old: files gone since the stamps were taken.
        if not self._changed and not self._old and not self._near_taken():
            return
        # A cache: torn by a power cut it is unreadable, and every file is read again.
        jsonfile.write(self.path, {"taken": self._now, "files": self._new}, durable=False)

    def _near_taken(self) -> bool:
        # Stamps still inside the racy window are re-hashed on every build until they are
        # recorded again with a later `taken`; saving once more ends that.
        return any(v[1] >= self._taken - RACY_NS for v in self._new.values())


class MissingBody(BuildError):
    """A body the model counts on is not in the parse cache: what remembered it is stale."""


class BodyStore:
    """Article bodies read back from the parse cache, by the process that renders them.

    A model of a million stories cannot hold their bodies (most of its size), and only
    the story's own page, the feeds and the search index show them; so the model keeps
    each article without its body and those outputs read it here by the article's path
    and digest, the parse cache's key. Each process opens its own read-only connection
    (a forked worker must not use its parent's); pickled, the store is its path and salt.
    An entry missing (the cache removed under a running build) fails the build naming
    the file, never renders an empty story.
    """

    def __init__(self, path: Path, salt: str):
        self.path = path
        self.salt = salt
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def __getstate__(self) -> dict:
        return {"path": self.path, "salt": self.salt}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["path"], state["salt"])  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BodyStore) and (self.path, self.salt) == (other.path, other.salt)

    def __hash__(self) -> int:
        return hash((self.path, self.salt))

    def body_html(self, rel: str, digest: str) -> str:
        """The body of the article `rel` at `digest`, from the last few read in this
        process when it is one of them: the preview renders the newest stories' feed
        entries again on every save."""
        return _recent_body(self, entry_key(self.salt, rel, digest), rel)

    def _read(self, key: str, rel: str):
        row = self._connection().execute("SELECT value FROM docs WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise MissingBody(
                [
                    Problem(
                        rel,
                        None,
                        f"its parsed text is missing from {self.path} (removed during the build?)",
                        "build again",
                    )
                ]
            )
        return pickle.loads(row[0])[0]

    def _connection(self) -> sqlite3.Connection:
        if self._db is None or self._pid != os.getpid():
            self._db = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
            self._pid = os.getpid()
        return self._db


# Keyed by content (the parse-cache key), so an entry is never stale; the store is only
# the way to read it on a miss, and every store of one cache and salt reads the same.
@lru_cache(maxsize=4096)
def _recent_body(store: BodyStore, key: str, rel: str) -> str:
    return store._read(key, rel).body_html
