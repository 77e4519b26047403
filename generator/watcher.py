"""Watching a site for edits: file events become debounced change sets, built one at a time.

Two parts. The Watcher turns watchdog events under the site's source folders into
site-relative paths, dropping editor noise (swap, backup and temp files) and the folders
the build itself writes. The Rebuilder collects those paths and runs one build for each
burst, on its own thread, never two at once; paths that arrive during a build are kept
for exactly one more build after it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from generator.cache import CACHE_DIR
from generator.config import CONFIG_FILE
from generator.sources import is_ignored

# Folders of the site that hold sources; site.yaml sits beside them.
SOURCE_DIRS = ("content", "templates", "themes")
# Never sources, wherever they appear: version control, caches, package folders.
NOISE_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", CACHE_DIR})
# Events that mean bytes or names changed; opening and reading a file (the build does
# that to every source) must never count, or each build would start the next one.
CHANGE_EVENTS = frozenset({"created", "modified", "moved", "deleted", "closed"})
# Events after which a file is complete: closed after writing, renamed into place, gone.
SETTLED_EVENTS = frozenset({"closed", "moved", "deleted"})
SAVE_EVENTS = 8  # an editor's save makes up to about this many events; more is a burst


def is_noise_name(name: str) -> bool:
    """Editor droppings: vim's 4913 and .swp, emacs' .#lock and #autosave#, backups~, .tmp,
    JetBrains' safe-write copies."""
    return (
        is_ignored(name)
        or (name.startswith("#") and name.endswith("#"))
        or name.endswith(("___jb_tmp___", "___jb_old___"))
    )


class Watcher:
    """Reports changed source paths (site-relative where possible) to a callback."""

    def __init__(
        self, site_dir: Path, report: Callable[[set[str], bool], None], exclude: Iterable[Path] = ()
    ):
        self.site_dir = site_dir.resolve()
        self.report = report
        self.exclude = [Path(p).resolve() for p in exclude]
        self._observer: Any = None  # a watchdog Observer while started
        self._watches: dict[tuple[Path, bool], tuple[object, int]] = {}
        self._lock = threading.Lock()

    def start(self, extra_roots: Iterable[Path] = ()) -> None:
        from watchdog.observers import Observer  # 40 ms to import: only `serve` pays it

        self._observer = Observer()
        self._observer.start()
        self.sync(extra_roots)

    def stop(self) -> None:
        if self._observer is not None:
            # watchdog's inotify thread can still be reading when told to stop, and then
            # logs an error that means nothing to a writer pressing Ctrl-C.
            logging.getLogger("watchdog.observers.inotify").addFilter(_quiet_stop)
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None

    def roots(self, extra_roots: Iterable[Path] = ()) -> set[tuple[Path, bool]]:
        """(folder, recursive) pairs to watch: the site folder itself only for site.yaml."""
        wanted = {(self.site_dir, False)}
        for name in SOURCE_DIRS:
            if (self.site_dir / name).is_dir():
                wanted.add(((self.site_dir / name).resolve(), True))
        for folder in extra_roots:
            folder = Path(folder).resolve()
            covered = any(r in (folder, *folder.parents) for r, rec in wanted if rec)
            if folder.is_dir() and not covered:
                wanted.add((folder, True))
        return wanted

    def sync(self, extra_roots: Iterable[Path] = ()) -> None:
        """Watch exactly the current roots, also re-watching one deleted and re-created."""
        if self._observer is None:
            return
        wanted = self.roots(extra_roots)
        with self._lock:
            for key in list(self._watches):
                watch, inode = self._watches[key]
                if key not in wanted or _inode(key[0]) != inode:
                    self._observer.unschedule(watch)
                    del self._watches[key]
            for folder, recursive in wanted - set(self._watches):
                watch = self._observer.schedule(_Handler(self), str(folder), recursive=recursive)
                self._watches[(folder, recursive)] = (watch, _inode(folder))

    def relevant(self, path: str) -> str | None:
        """The path to report for an event on `path`, or None when it is noise."""
        p = Path(path)
        if is_noise_name(p.name) or any(p == e or e in p.parents for e in self.exclude):
            return None
        if p.parent == self.site_dir:
            return p.name if p.name in (CONFIG_FILE, *SOURCE_DIRS) else None
        root = next((r for r, _ in list(self._watches) if r in p.parents), self.site_dir)
        inner = p.relative_to(root).parts if root in p.parents else p.parts
        if any(part in NOISE_DIRS or part.startswith(".") for part in inner[:-1]):
            return None
        return p.relative_to(self.site_dir).as_posix() if self.site_dir in p.parents else str(p)

    def on_event(self, event) -> None:
        if event.event_type not in CHANGE_EVENTS:
            return
        if event.is_directory and event.event_type == "modified":
            return  # a folder's time stamp changes with every file written in it
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        changed = {rel for rel in (self.relevant(os.fsdecode(p)) for p in paths if p) if rel}
        if event.is_directory:
            # A folder moved or deleted takes its files along unseen: the trailing slash
            # tells the build to look at everything again.
            changed = {rel + "/" for rel in changed}
        if changed:
            self.report(changed, event.event_type in SETTLED_EVENTS)


class _Handler:
    """The watchdog side: forwards every event to the Watcher."""

    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def dispatch(self, event) -> None:
        self.watcher.on_event(event)


def _quiet_stop(record: logging.LogRecord) -> bool:
    return "called when the thread is inactive" not in record.getMessage()


def _inode(folder: Path) -> int:
    try:
        return folder.stat().st_ino
    except OSError:
        return -1


class Rebuilder:
    """Runs build(paths) on one thread: a burst of changes makes one build, never two at once.

    A build starts once no change has arrived for `quiet` seconds (or `longest` seconds
    after the first change of a burst, so a steady trickle cannot starve it). When every
    file of a short burst is complete (a plain save: written and closed, or renamed into
    place) `settle` seconds are enough, which is most of a save's latency. Changes that
    arrive while a build runs are merged into a single next build.
    """

    def __init__(
        self,
        build: Callable[[set[str]], None],
        quiet: float = 0.03,
        longest: float = 1.0,
        settle: float = 0.005,
    ):
        self.build = build
        self.quiet = quiet
        self.longest = longest
        self.settle = min(settle, quiet)
        self.builds = 0  # builds started, for tests and the benchmark
        self.finished = 0  # builds ended
        self._pending: dict[str, bool] = {}  # path -> its last event left it complete
        self._events = 0  # in the current burst: many events mean a checkout, not a save
        self._first = self._last = 0.0
        self._stopping = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="newsgen-rebuild", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 60) -> bool:
        """Stop after the running build, waiting at most `timeout`; False if it still runs."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout)
        return not self._thread.is_alive()

    def add(self, paths: set[str], settled: bool = False) -> None:
        with self._cond:
            now = time.monotonic()
            if not self._pending:
                self._first, self._events = now, 0
            self._pending.update(dict.fromkeys(paths, settled))
            self._events += 1
            self._last = now
            self._cond.notify_all()

    def idle(self) -> bool:
        """No change is waiting (a build may still be running)."""
        with self._cond:
            return not self._pending

    def at_rest(self) -> bool:
        """No change is waiting and no build is running."""
        with self._cond:
            return not self._pending and self.finished == self.builds

    def _take(self) -> set[str] | None:
        with self._cond:
            while not self._pending and not self._stopping:
                self._cond.wait()
            while not self._stopping:
                now = time.monotonic()
                short = self._events <= SAVE_EVENTS and all(self._pending.values())
                due = min(self._last + (self.settle if short else self.quiet), self._first + self.longest)
                if now >= due:
                    break
                self._cond.wait(due - now)
            if self._stopping:
                return None
            taken, self._pending = set(self._pending), {}
            self.builds += 1
            return taken

    def _run(self) -> None:
        while (changes := self._take()) is not None:
            try:
                self.build(changes)
            finally:
                with self._cond:
                    self.finished += 1
