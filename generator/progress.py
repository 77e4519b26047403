"""A one-line progress bar for long builds on a terminal.

Nothing is drawn for a build that finishes within a second, nor when the stream is not
a terminal (CI logs stay clean); `--quiet` turns it off altogether.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

DELAY = 1.0  # seconds before the bar appears: short builds stay silent
REDRAW = 0.1  # seconds between redraws, so drawing never costs build time
WIDTH = 30  # characters of the bar itself


class ProgressBar:
    """A build progress callback: (stage, done, total) -> draws `stage [###...] done/total`."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._visible = False

    @classmethod
    def for_terminal(cls, stream: TextIO | None = None) -> ProgressBar | None:
        stream = stream or sys.stderr
        return cls(stream) if stream.isatty() else None

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < DELAY or (now - self._drawn_at < REDRAW and done < total):
            return
        self._drawn_at = now
        filled = WIDTH * done // max(total, 1)
        line = f"\r{stage:<7} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}"
        self.stream.write(line)
        self.stream.flush()
        self._visible = True

    def clear(self) -> None:
        """Remove the bar so the summary starts on a clean line."""
        if self._visible:
            self.stream.write("\r" + " " * (WIDTH + 30) + "\r")
            self.stream.flush()
            self._visible = False


class StageClock:
    """A build progress callback that times each stage (from its first report to its
    last) and passes every report on to `then` (the bar, or nothing): `--timings`."""

    def __init__(self, then=None):
        self.then = then
        self.spans: dict[str, list[float]] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        self.spans.setdefault(stage, [now, now])[1] = now
        if self.then is not None:
            self.then(stage, done, total)

    def describe(self, seconds: float, steps: dict[str, float] | None = None) -> str:
        """`timings: parse 12.3s, render 45.6s, the rest 7.8s (of 65.7s); steps: scan
        1.2s, model 14.0s, ...`: the rest is what the building process does alone (scan,
        model, plan, indexes, commit), and the steps (build.build's) say where, parallel
        stages included (parsing is part of the model, rendering of the write)."""
        spans = {stage: end - start for stage, (start, end) in self.spans.items()}
        parts = [f"{stage} {s:.1f}s" for stage, s in spans.items()]
        parts.append(f"the rest {max(0.0, seconds - sum(spans.values())):.1f}s")
        line = f"timings: {', '.join(parts)} (of {seconds:.1f}s)"
        if steps:
            line += "; steps: " + ", ".join(f"{step} {s:.1f}s" for step, s in steps.items())
        return line


class Steps:
    """Wall time of a build's steps in order, each from the end of the one before."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def done(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step] = now - self._last
        self._last = now
