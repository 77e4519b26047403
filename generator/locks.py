"""One build of a site at a time: the lock every command that writes or publishes takes.

A cron job rebuilding at the scheduled time while an editor builds by hand is the
ordinary case. Two builds of one site share its caches and its output folder's manifest,
and each commit assumes the folder holds what the last one left; interleaved, they left
half of one site and half of another. So `build`, each rebuild of `serve` and `deploy`
hold an exclusive lock on `.newsgen-cache/build.lock` for their whole run; a second one
waits (and says so) or, asked not to wait, fails at once naming the holder.

The lock is flock(2) on an open file: the kernel releases it when the holder exits, even
by SIGKILL, so a crashed build never leaves a stale lock behind, and the file itself is
never removed (removing a lock file races with the next one to open it). Nothing is
written into it, so a build that changes nothing writes no file at all; the waiting
build names the holder's pid from /proc/locks where there is one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.cache import CACHE_DIR
from generator.errors import BuildError, Problem

LOCK_NAME = "build.lock"

try:
    import fcntl
except ImportError:  # not Unix: builds are not serialised (documented in the README)
    fcntl = None  # type: ignore[assignment]


def lock_path(site_dir: Path) -> Path:
    return site_dir / CACHE_DIR / LOCK_NAME


def try_hold(path: Path) -> int | None:
    """An open descriptor holding an exclusive lock on `path` (close it to release), or
    None when another process holds it or it cannot be made (not Unix: never held)."""
    if fcntl is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


@contextmanager
def site_lock(
    site_dir: Path, wait: bool = True, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the site's build lock for the body of the `with`.

    wait=False raises BuildError at once when another process holds it; otherwise
    `on_wait` is told (once) that this one is waiting, and the call blocks until the
    other finishes.
    """
    if fcntl is None:
        yield
        return
    path = lock_path(site_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise BuildError(
            [
                Problem(
                    str(path),
                    None,
                    f"cannot create the build lock: {exc.strerror}",
                    "newsgen needs to write its cache folder in the site folder; check its permissions",
                )
            ]
        ) from None
    try:
        _acquire(fd, path, wait, on_wait)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, wait: bool, on_wait: Callable[[str], None] | None) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    holder = _holder(fd)
    if not wait:
        raise BuildError(
            [
                Problem(
                    str(path.parent.parent),
                    None,
                    f"another newsgen build of this site is running{holder}",
                    "wait for it to finish, or run without --no-wait to queue behind it",
                )
            ]
        )
    if on_wait is not None:
        on_wait(f"waiting for another newsgen build of this site to finish{holder}")
    fcntl.flock(fd, fcntl.LOCK_EX)


def _holder(fd: int) -> str:
    """ " (process N)" for the lock's holder, from Linux's /proc/locks; "" elsewhere."""
    try:
        inode = os.fstat(fd).st_ino
        with open("/proc/locks", encoding="ascii") as f:
            for line in f:
                fields = line.split()
                # "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF"
                if len(fields) > 5 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
                    return f" (process {fields[4]})"
    except (OSError, UnicodeDecodeError):
        pass
    return ""
