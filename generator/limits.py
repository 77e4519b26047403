"""A time limit for reading one content file, so that no input can hang a build.

Python-Markdown has inputs that take quadratic time (`"[" * 50000` takes minutes), and a
pasted file can be large. The size limit (build.MAX_SOURCE_BYTES) bounds the input; this
bounds the time. A watchdog thread raises `Overtime` in the reading thread when its
deadline passes, through CPython's PyThreadState_SetAsyncExc: unlike SIGALRM it works in
any thread (the preview server builds in a background thread) and in forked workers.
It interrupts Python code, which is where Markdown spends its time; a single long call
into C would finish first. One watchdog serves every thread, so arming a limit costs a
lock and a dict write, not a thread per file.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
import time

DEFAULT_SECONDS = 20.0  # a 2 MB article renders in about 4 s; a real one in milliseconds
ENV_VAR = "NEWSGEN_TIME_LIMIT"  # seconds per file; 0 turns the limit off


class Overtime(BaseException):
    """The time limit passed. A BaseException, so `except Exception` cannot swallow it."""


def seconds_allowed() -> float:
    try:
        return float(os.environ.get(ENV_VAR, DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS


class _Watchdog:
    """One thread that raises Overtime in threads whose deadline passed."""

    _FIRED = -1.0

    def __init__(self):
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # threads do not survive a fork

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._deadlines: dict[int, float] = {}  # thread id -> monotonic deadline or _FIRED
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float) -> None:
        with self._cond:
            self._deadlines[threading.get_ident()] = time.monotonic() + seconds
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="newsgen-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()

    def disarm(self) -> None:
        ident = threading.get_ident()
        with self._cond:
            if self._deadlines.pop(ident, None) == self._FIRED:
                _raise_in(ident, None)  # fired after the work ended: cancel the pending raise

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for ident, deadline in list(self._deadlines.items()):
                    if deadline != self._FIRED and deadline <= now:
                        _raise_in(ident, Overtime)
                        self._deadlines[ident] = self._FIRED
                waiting = [d for d in self._deadlines.values() if d != self._FIRED]
                self._cond.wait(min(waiting) - now if waiting else None)


def _raise_in(ident: int, exc) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exc) if exc else None)


_WATCHDOG = _Watchdog() if hasattr(ctypes, "pythonapi") else None


@contextlib.contextmanager
def time_limit(seconds: float | None = None):
    """Raise Overtime in this thread if the block runs longer than `seconds`."""
    seconds = seconds_allowed() if seconds is None else seconds
    if seconds <= 0 or _WATCHDOG is None:
        yield
        return
    _WATCHDOG.arm(seconds)
    try:
        yield
    finally:
        _WATCHDOG.disarm()
