"""The site folder as the build sees it: which files there are, and their digests.

This is the only stage that lists the source tree; the rest of the pipeline works on
what it returns.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from generator.errors import BuildError, Problem

CONTENT_DIRS = ("content/articles", "content/pages")
STATIC_DIR = "content/static"
TEMPLATES_DIR = "templates"


def is_ignored(name: str) -> bool:
    """Editor swap, backup and temporary files, and hidden files, are never content."""
    return (name.startswith(".") or name.endswith(("~", ".swp", ".swx", ".tmp", ".bak"))
            or name == "4913")


@dataclass(frozen=True)
class SourceFile:
    """A content file: where it is and what it holds (by digest)."""

    rel: str  # path relative to the site folder, with forward slashes
    digest: str  # blake2b of the bytes


@dataclass(frozen=True)
class StaticFile:
    """A file copied as-is into the output."""

    rel: str  # path relative to the static folder = path in the output
    source: str  # absolute path on disk
    stamp: str  # size and modification time, enough to notice a change cheaply


@dataclass(frozen=True)
class SourceTree:
    """Everything the build reads from disk, listed once."""

    content: tuple[SourceFile, ...]  # articles and pages, sorted by path
    static: tuple[StaticFile, ...]  # content/static files, sorted by path


def digest_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def scan(site_dir: Path) -> SourceTree:
    """List and fingerprint the site's content and static files."""
    content = []
    for folder in CONTENT_DIRS:
        for path in _walk(site_dir / folder):
            if path.suffix in (".md", ".markdown"):
                rel = path.relative_to(site_dir).as_posix()
                content.append(SourceFile(rel, digest_bytes(path.read_bytes())))
    return SourceTree(tuple(sorted(content, key=lambda s: s.rel)),
                      scan_static(site_dir / STATIC_DIR))


def scan_static(folder: Path) -> tuple[StaticFile, ...]:
    files = []
    site_dir = folder.parent.parent.resolve()
    for path in _walk(folder):
        _refuse_outside_link(path, folder, site_dir)
        st = path.stat()
        files.append(StaticFile(path.relative_to(folder).as_posix(), str(path),
                                f"{st.st_size}:{st.st_mtime_ns}"))
    return tuple(sorted(files, key=lambda s: s.rel))


def _refuse_outside_link(path: Path, folder: Path, site_dir: Path) -> None:
    """A static file that links out of the site would publish whatever it points at
    (a key, /etc/passwd) to the world; such links must be replaced by real files."""
    if not path.is_symlink():
        return
    target = path.resolve()
    if site_dir not in target.parents:
        rel = f"{STATIC_DIR}/{path.relative_to(folder).as_posix()}"
        raise BuildError([Problem(rel, None, f"is a link to {target}, outside the site folder",
                                  "copy the file into content/static instead of linking to it")])


def _walk(folder: Path):
    if not folder.is_dir():
        return
    for root, dirs, files in os.walk(folder):
        # Hidden folders (.git, .cache) are skipped; symlinked folders are not followed.
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not is_ignored(name):
                yield Path(root) / name
