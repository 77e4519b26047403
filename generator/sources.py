"""The site folder as the build sees it: which files there are, and their digests.

This is the only stage that lists the source tree; the rest of the pipeline works on
what it returns. Its invariant: every file the build will read is a readable regular
file inside the site folder, or the build stops naming it.

- A folder or file that cannot be read is an error (before, os.walk skipped it in
  silence and every story in it was "removed" from the site).
- A link is followed only when it stays inside the site folder: an article or static
  file linking to /etc/passwd would publish it. A link to nothing is an error too.
- A FIFO, socket or device is skipped with a warning: reading a FIFO blocks forever.
- Hidden files and folders and editor leftovers (is_ignored) are never sources; linked
  folders are not followed (a loop would never end).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import Problem
from generator.records import quick_pickle

CONTENT_DIRS = ("content/articles", "content/pages", "content/authors")
STATIC_DIR = "content/static"
CONTENT_SUFFIXES = (".md", ".markdown")


def is_ignored(name: str) -> bool:
    """Editor swap, backup and temporary files, and hidden files, are never content."""
    return name.startswith(".") or name.endswith(("~", ".swp", ".swx", ".tmp", ".bak")) or name == "4913"


def is_content(rel: str) -> bool:
    """A site-relative path names an article or page file."""
    return (
        rel.startswith(tuple(d + "/" for d in CONTENT_DIRS))
        and rel.endswith(CONTENT_SUFFIXES)
        and not is_ignored(rel.rsplit("/", 1)[-1])
    )


@quick_pickle
@dataclass(frozen=True, slots=True)
class SourceFile:
    """A content file: where it is and what it holds (by digest)."""

    rel: str  # path relative to the site folder, with forward slashes
    digest: str  # blake2b of the bytes


@quick_pickle
@dataclass(frozen=True, slots=True)
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


@dataclass
class Findings:
    """What a scan found wrong: errors stop the build, warnings are reported."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def digest_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def content_files(site_dir: Path, findings: Findings) -> Iterator[tuple[str, str]]:
    """(site-relative path, file path) of every article and page, with plain strings: at
    ten thousand files pathlib's parsing costs more than the stat calls."""
    for folder in CONTENT_DIRS:
        for rel, path in walk(site_dir, folder, findings):
            if rel.endswith(CONTENT_SUFFIXES):
                yield rel, path


def scan_static(site_dir: Path, findings: Findings) -> tuple[StaticFile, ...]:
    files = []
    prefix = len(STATIC_DIR) + 1
    for rel, path in walk(site_dir, STATIC_DIR, findings):
        try:
            st = os.stat(path)
        except OSError as exc:
            findings.problems.append(unreadable(rel, exc.strerror or str(exc)))
            continue
        files.append(StaticFile(rel[prefix:], path, f"{st.st_size}:{st.st_mtime_ns}"))
    return tuple(sorted(files, key=lambda s: s.rel))


def walk(site_dir: Path, folder: str, findings: Findings) -> Iterator[tuple[str, str]]:
    """(site-relative path, file path) of the usable files below `folder`, sorted."""
    top = os.path.join(str(site_dir), *folder.split("/"))
    if not os.path.isdir(top):
        return
    root = os.path.realpath(str(site_dir))
    stack = [(top, folder)]
    while stack:
        path, rel = stack.pop()
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            findings.problems.append(unreadable(rel + "/", exc.strerror or str(exc)))
            continue
        folders = []
        for entry in entries:
            if is_ignored(entry.name):
                continue
            child = f"{rel}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                folders.append((entry.path, child))
            elif entry.is_file(follow_symlinks=False):  # from the listing: no stat call
                if readable(child, entry.path, findings):
                    yield child, entry.path
            elif usable(root, child, entry.path, findings):
                yield child, entry.path
        stack.extend(reversed(folders))


def usable(root: str, rel: str, path: str, findings: Findings) -> bool:
    """Whether a path is a file the build may read; why not goes to findings. `root`:
    the site folder, resolved."""
    if os.path.islink(path):
        target = os.path.realpath(path)
        if target != root and not target.startswith(root + os.sep):
            findings.problems.append(
                Problem(
                    rel,
                    None,
                    f"is a link to {target}, outside the "
                    "site folder; newsgen would publish what it points at",
                    "copy the file into the site instead of linking to it",
                )
            )
            return False
        if not os.path.exists(path):
            findings.problems.append(
                Problem(
                    rel,
                    None,
                    f"is a link to {target}, which does not exist",
                    "remove the link or restore its target",
                )
            )
            return False
        if os.path.isdir(path):
            return False  # a linked folder is not followed
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False  # removed since it was listed
    except OSError as exc:
        findings.problems.append(unreadable(rel, exc.strerror or str(exc)))
        return False
    if stat.S_ISDIR(mode):
        return False
    if not stat.S_ISREG(mode):
        findings.warnings.append(
            Problem(
                rel,
                None,
                "is not a regular file (a FIFO, socket or device); skipped",
                "remove it from the site folder",
                severity="warning",
            )
        )
        return False
    return readable(rel, path, findings)


def readable(rel: str, path: str, findings: Findings) -> bool:
    if os.access(path, os.R_OK):
        return True
    findings.problems.append(unreadable(rel, "permission denied"))
    return False


def file_digest(rel: str, path: str, findings: Findings, digest: Callable[[str], str] | None = None) -> str:
    """The digest of a listed file (by `digest(path)`, default: read and hash it), or ""
    when it is gone since it was listed or, with the reason in findings, unreadable."""
    try:
        return (digest or _read_digest)(path)
    except FileNotFoundError:
        return ""
    except OSError as exc:
        findings.problems.append(unreadable(rel, exc.strerror or str(exc)))
        return ""


def _read_digest(path: str) -> str:
    with open(path, "rb") as f:
        return digest_bytes(f.read())


def unreadable(rel: str, reason: str) -> Problem:
    """A folder (`rel` ends with "/") or file that cannot be read, and why."""
    what = "folder" if rel.endswith("/") else "file"
    fix = "chmod u+rx" if what == "folder" else "chmod u+r"
    return Problem(
        rel,
        None,
        f"cannot read the {what}: {reason}",
        f"give yourself access ({fix}), or move it out of the site folder; nothing "
        "is published while part of the site cannot be read",
    )
