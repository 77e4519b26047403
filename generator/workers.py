"""A map over forked worker processes, for parsing and rendering.

Forking after the site model is complete gives every worker the model for free
(copy-on-write), so only item indices travel to the workers and only results travel
back. A worker that dies (killed for lack of memory) fails the build with a clear
problem rather than hanging it; an interrupted build drops the queued work.

Copy-on-write holds only while a page is untouched, and CPython writes a reference count
into every object it reads: a worker that renders every listing of a big archive ends up
with its own copy of most of the model. So a pool serves WORKER_ITEMS items per worker
and is then replaced by a fresh one, forked from the building process again; a worker's
private memory is bounded by what that many items touch, whatever the site's size.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice

from generator.errors import BuildError, Problem

# Below this many items a pool costs more (fork, pipes) than it saves.
MIN_PARALLEL = 48
# Chunks queued or running per worker: enough to keep every worker busy.
IN_FLIGHT = 4
# Items a worker serves before its pool is replaced by freshly forked workers: a listing
# page reads a dozen stories, so this bounds what a worker copies to some tens of
# thousands of stories; a site of 10,000 stories forks once per stage.
WORKER_ITEMS = 5_000

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
        if self.progress is not None and items:
            self.progress(self.stage, 0, len(items))  # the stage starts (timings read it)
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
    # What the building process made after its own gc.freeze (the plan, the results so
    # far) would otherwise be walked, and so copied, by this worker's collections.
    gc.freeze()
    _WORKER_JOB["fn"], _WORKER_JOB["items"] = fn, items


def _run_span(start: int, stop: int) -> list:
    fn, items = _WORKER_JOB["fn"], _WORKER_JOB["items"]
    return [fn(items[i]) for i in range(start, stop)]


def _forked_map(fn: Callable, items: list, jobs: int) -> Iterator:
    # An executor rather than multiprocessing.Pool: a worker killed by the system (out
    # of memory) then fails the build with BrokenProcessPool instead of hanging it.
    # Chunks are handed out a few at a time, not all at once (Executor.map): results the
    # building process has not taken yet would pile up, a million parsed stories of them.
    chunk = max(1, min(64, len(items) // (jobs * 8)))
    pools = _Pools(fn, items, jobs, lifetime=max(1, WORKER_ITEMS * jobs // chunk))
    starts = iter(range(0, len(items), chunk))

    def submit(start: int) -> Future:
        return pools.current().submit(_run_span, start, min(start + chunk, len(items)))

    try:
        window = deque(submit(start) for start in islice(starts, IN_FLIGHT * jobs))
        while window:
            results = window.popleft().result()
            following = next(starts, None)
            if following is not None:
                window.append(submit(following))
            yield from results
        pools.close()
    except BaseException as exc:
        # Interrupted (Ctrl-C, SIGTERM, a failure downstream): drop the queued work rather
        # than render the rest of the site for nobody; running chunks end on their own.
        pools.abandon()
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


class _Pools:
    """The pool chunks go to, replaced by a freshly forked one every `lifetime` chunks.

    A replaced pool finishes the chunks it was given, then its workers exit (shutdown
    without waiting), so for a moment old and new workers overlap by a few chunks.
    """

    def __init__(self, fn: Callable, items: list, jobs: int, lifetime: int):
        self.fn, self.items, self.jobs, self.lifetime = fn, items, jobs, lifetime
        self.given = 0
        self.pool: ProcessPoolExecutor | None = None
        self.retired: list[ProcessPoolExecutor] = []

    def current(self) -> ProcessPoolExecutor:
        if self.pool is not None and self.given >= self.lifetime:
            self.pool.shutdown(wait=False)
            self.retired.append(self.pool)
            self.pool = None
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                self.jobs,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_adopt,
                initargs=(self.fn, self.items),
            )
            self.given = 0
        self.given += 1
        return self.pool

    def close(self) -> None:
        for pool in self._all():
            pool.shutdown()

    def abandon(self) -> None:
        for pool in self._all():
            pool.shutdown(wait=False, cancel_futures=True)

    def _all(self) -> list[ProcessPoolExecutor]:
        return self.retired + ([self.pool] if self.pool is not None else [])


# --- A dask.distributed cluster ---------------------------------------------------------

# How long to wait for the scheduler before the build says it cannot be reached.
CONNECT_SECONDS = 5
# Retries of a task whose worker died (Dask runs it again on another worker).
RETRIES = 3


class DaskMap:
    """map(fn, items) as tasks of a dask.distributed cluster, results in order, with
    progress: the same interface as ForkedMap.

    The function (a render function holds the whole model) is sent to every worker once,
    then the items go out in chunks. Workers read sources and write staged files on a
    filesystem they share with the building machine (cluster_client checks it at start);
    results come back in order. A task whose worker dies runs again elsewhere (Dask's own
    retries); a cluster that loses the task for good fails the build with a problem.
    """

    def __init__(self, client, progress: Progress | None = None, stage: str = ""):
        self.client = client
        self.progress = progress
        self.stage = stage

    def __call__(self, fn: Callable, items: list) -> Iterator:
        items = list(items)
        if not items:
            return
        if self.progress is not None:
            self.progress(self.stage, 0, len(items))
        workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        size = max(1, min(256, len(items) // (workers * 8)))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        shared = self.client.scatter(fn, broadcast=True, hash=False)
        futures = self.client.map(_run_chunk, chunks, fn=shared, retries=RETRIES, pure=False)
        done = 0
        try:
            for future in futures:
                for result in future.result():
                    done += 1
                    if self.progress is not None:
                        self.progress(self.stage, done, len(items))
                    yield result
        except BuildError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the cluster raised, said plainly
            self.client.cancel(futures)
            raise BuildError(
                [
                    Problem(
                        "newsgen",
                        None,
                        f"the Dask cluster lost the {self.stage or 'build'} work: "
                        f"{type(exc).__name__}: {exc}",
                        "check the workers' logs; build without --scheduler to use this machine",
                    )
                ]
            ) from None


def _run_chunk(chunk: list, fn: Callable) -> list:
    # The function arrived holding the whole model, unpickled into this worker: keep the
    # cyclic collector from walking its objects again and again (build.py does the same
    # in the building process before it forks).
    if not _FROZEN:
        gc.freeze()
        _FROZEN.append(True)
    return [fn(item) for item in chunk]


_FROZEN: list[bool] = []  # in a cluster worker: the model is frozen once it has arrived


def cluster_client(address: str, shared: Iterable[str]):
    """A client of the Dask scheduler at address whose workers all see the `shared`
    folders; raises BuildError, within seconds, when either is not so."""
    try:
        from distributed import Client
    except ImportError:
        raise BuildError(
            [
                Problem(
                    "newsgen",
                    None,
                    f"--scheduler {address} needs dask.distributed, which is not installed",
                    "pip install 'newsgen[dask]'",
                )
            ]
        ) from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise BuildError(
            [
                Problem(
                    "newsgen",
                    None,
                    f"cannot reach the Dask scheduler at {address} within {CONNECT_SECONDS} s ({exc})",
                    "start it (`dask scheduler`), or check the address; the output was not changed",
                )
            ]
        ) from None
    blind = _blind_workers(client, list(shared))
    if blind:
        client.close()
        raise BuildError(
            [
                Problem(
                    "newsgen",
                    None,
                    "the Dask workers must see the site, output and cache folders at the same paths; "
                    + "; ".join(f"{worker} does not see {folder}" for worker, folder in blind),
                    "mount the shared filesystem on every worker at the same path",
                )
            ]
        )
    return client


def _blind_workers(client, folders: list[str]) -> list[tuple[str, str]]:
    import os

    seen = client.run(lambda: {f: os.path.isdir(f) for f in folders})
    return [(worker, f) for worker, found in sorted(seen.items()) for f, ok in found.items() if not ok]
