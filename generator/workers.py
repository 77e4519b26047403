"""A map over forked worker processes, for parsing and rendering.

Forking after the site model is complete gives every worker the model for free
(copy-on-write), so only item indices travel to the workers and only results travel
back. A worker that dies (killed for lack of memory) fails the build with a clear
problem rather than hanging it; an interrupted build drops the queued work.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from generator.errors import BuildError, Problem

# Below this many items a pool costs more (fork, pipes) than it saves.
MIN_PARALLEL = 48

# Progress callback: (stage name, items done, items in the stage).
Progress = Callable[[str, int, int], None]


class ForkedMap:
    """map(fn, items) over forked worker processes, results in order, with progress.

    The function and the items reach the workers by fork, not by pickling: a render
    function holds the whole site model, which would cost more to send than to render.
    Only item indices go out and only the results come back.
    """

    def __init__(self, jobs: int, progress: Progress | None = None, stage: str = ""):
        self.jobs = jobs
        self.progress = progress
        self.stage = stage

    def __call__(self, fn: Callable, items: list) -> Iterator:
        items = list(items)
        if self.jobs <= 1 or len(items) < MIN_PARALLEL:
            results: Iterable = map(fn, items)
        else:
            results = _forked_map(fn, items, self.jobs)
        for n, result in enumerate(results, start=1):
            if self.progress is not None:
                self.progress(self.stage, n, len(items))
            yield result


# The function and items a worker process serves: set in each worker by _adopt (after
# fork) and never in the main process.
_WORKER_JOB: dict = {}


def _adopt(fn: Callable, items: list) -> None:
    _WORKER_JOB["fn"], _WORKER_JOB["items"] = fn, items


def _run_item(index: int):
    return _WORKER_JOB["fn"](_WORKER_JOB["items"][index])


def _forked_map(fn: Callable, items: list, jobs: int) -> Iterator:
    # An executor rather than multiprocessing.Pool: a worker killed by the system (out
    # of memory) then fails the build with BrokenProcessPool instead of hanging it.
    context = multiprocessing.get_context("fork")
    chunk = max(1, min(64, len(items) // (jobs * 8)))
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_adopt, initargs=(fn, items))
    try:
        yield from pool.map(_run_item, range(len(items)), chunksize=chunk)
        pool.shutdown()
    except BaseException as exc:
        # Interrupted (Ctrl-C, SIGTERM, a failure downstream): drop the queued work rather
        # than render the rest of the site for nobody; running chunks end on their own.
        pool.shutdown(wait=False, cancel_futures=True)
        if not isinstance(exc, BrokenProcessPool):
            raise
        raise BuildError(
            [
                Problem(
                    "newsgen",
                    None,
                    "a worker process died during the build (killed, perhaps for lack of memory)",
                    "free some memory, or build with fewer workers: --jobs 1",
                )
            ]
        ) from None
