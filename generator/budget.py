"""The memory a build may use, and the early refusal of a build that would not fit.

A build's memory grows with the archive: the model holds each story's list fields, the
plan a record per output file, and the workers their share of both. A build too big for
the machine would otherwise run for many minutes and then be killed by the system,
saying nothing. So the build measures what the stories it has read so far cost, and
stops with a clear problem, before anything is rendered or written, once that cost
carried over to the whole archive would pass the memory it may use.

Measure: this process's resident memory (/proc/self/statm) when reading starts, and at
checkpoints while the documents are read; the growth from the first checkpoint (where
the start-up, with its lists of every file, is behind) over at least MEASURED stories
read since is the cost of one story in the model (from the start, for a smaller site).
Estimate: resident memory at the start plus that cost for every story, times
PEAK_PER_MODEL (the whole build's peak, workers and plan included,
over the model's own cost, measured by bench/scale.py; bench/RESULTS.md keeps the
figures). Allowed: what the system says is available (MemAvailable) plus what this
process already holds, under a cgroup's `memory.max` if one is set, or the
NEWSGEN_MEMORY_LIMIT environment variable ("6G", "800M", bytes).

Failure modes: where /proc cannot be read nothing is measured and nothing is refused;
the estimate is only as good as PEAK_PER_MODEL, so a build is refused only when it
would pass the limit, never warned at random. The refusal is a BuildError: the output
folder is untouched, as after any failed build.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from generator.errors import BuildError, Problem

ENV_VAR = "NEWSGEN_MEMORY_LIMIT"
# The whole build's peak memory (process tree) over what reading the documents costs the
# building process, measured at 20,000 stories (bench/RESULTS.md, issue 17).
PEAK_PER_MODEL = 8.0
# Stories read between checkpoints; the first one only marks where the start-up ends.
CHECK_EVERY = 5000
# Stories read past the first checkpoint before their cost is trusted: the parse cache's
# writes (a few MB at a time) make shorter spans noisy.
MEASURED = 20000
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class MemoryBudget:
    """Checkpoints of one build's reading stage; refuses the build that will not fit."""

    def __init__(self, total: int, where: str = "content"):
        self.total = total  # stories (documents) the build will hold
        self.where = where  # what the problem names: the site's content folder
        self.limit = allowed()
        self.start = resident()
        self._first: tuple[int, int] | None = None  # (documents, resident) at the first checkpoint
        self._next = CHECK_EVERY

    def read(self, done: int) -> None:
        """`done` documents of `total` are held: estimate again at each checkpoint."""
        if (done < self._next and done < self.total) or self.limit is None or self.start is None:
            return
        self._next = done + CHECK_EVERY
        now = resident()
        if now is None:
            return
        if self._first is None:
            self._first = (done, now)  # the start-up (lists of every file, pools) is behind
        if done == self.total and done - self._first[0] < MEASURED:  # a small site: all of it
            per_story = max(0, now - self.start) / done
        elif done - self._first[0] >= MEASURED:
            per_story = max(0, now - self._first[1]) / (done - self._first[0])
        else:
            return  # too few stories past the start-up to tell their cost from noise
        needed = self.start + per_story * self.total * PEAK_PER_MODEL
        if needed > self.limit:
            raise BuildError([self._problem(needed, per_story, done)])

    def _problem(self, needed: float, per_story: float, done: int) -> Problem:
        source = f"the {ENV_VAR} setting" if os.environ.get(ENV_VAR) else "this machine"
        return Problem(
            self.where,
            None,
            f"this build of {self.total:,} documents would need about {_size(needed)} of memory "
            f"(measured {per_story / 1024:.1f} KiB per document read, {done:,} read so far), "
            f"and {source} allows {_size(self.limit or 0)}; stopped before writing anything",
            "build on a machine with more memory, close other programs, or set "
            f"{ENV_VAR} higher if the limit is wrong",
        )


def allowed() -> int | None:
    """Bytes this build may use, or None when nothing says (not Linux)."""
    given = os.environ.get(ENV_VAR, "").strip().upper().removesuffix("B").removesuffix("I")
    if given:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)", given)
        if match:
            return int(float(match[1]) * _UNITS[match[2]])
    free = _meminfo("MemAvailable")
    held = resident() or 0
    found = [free + held] if free is not None else []
    cap = _cgroup_limit()
    if cap is not None:
        found.append(cap)
    return min(found) if found else None


def resident() -> int | None:
    """This process's resident memory in bytes."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _meminfo(field: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_limit() -> int | None:
    try:
        text = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _size(n: float) -> str:
    return f"{n / (1 << 30):.1f} GiB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MiB"
