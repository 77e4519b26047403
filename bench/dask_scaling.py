"""Dask scaling: cold builds of the N-article corpus on this machine's forked workers and
on a distributed.LocalCluster of 1 and 2 workers, with each map stage timed, and what
Amdahl's law makes of the measured fractions for clusters of 8 and 32 workers.

    python bench/dask_scaling.py 10000            # prints a Markdown table for RESULTS.md
    python bench/dask_scaling.py 100000 --archive # as bench/scale.py builds big archives

`--archive` builds with bench/scale.py's settings (`search: false`, no share card drawn
per story): Pagefind holds its whole index in memory, more than 6 GiB at 100,000 stories.

A stage's time is from its first to its last progress report (parse, pictures, render);
the rest of the build (scan, model, plan, commit, the search index) is the serial part
the parent does whatever the cluster.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import scale  # noqa: E402

from generator.build import BuildRequest, build  # noqa: E402
from generator.outputs import search  # noqa: E402


def fresh_user_cache(root: Path) -> None:
    """A cold build makes everything again: the search index and pictures too, which the
    user's store would otherwise hand over from the run before (workers inherit it)."""
    shutil.rmtree(root / "user-cache", ignore_errors=True)
    os.environ["XDG_CACHE_HOME"] = str(root / "user-cache")
    search._MADE.clear()  # and the index this process made for the run before


def timed_build(site: Path, out: Path, scheduler: str = "", jobs: int = 0) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(site / ".newsgen-cache", ignore_errors=True)
    stages: dict[str, list[float]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        stages.setdefault(stage, [now, now])[1] = now

    started = time.perf_counter()
    request = BuildRequest(
        site_dir=site, output=out, use_cache=False, scheduler=scheduler, jobs=jobs, progress=progress
    )
    build(request)
    total = time.perf_counter() - started
    maps = {name: end - start for name, (start, end) in stages.items()}
    return {"total": total, **maps, "serial": total - sum(maps.values())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("--archive", action="store_true", help="bench/scale.py's settings")
    args = parser.parse_args()
    from distributed import LocalCluster

    root = corpus.write_corpus(args.count, HERE / "work" / f"dask-{args.count}", tools=("newsgen",))
    site, out = root / "newsgen", root / "output"
    if args.archive:
        with open(site / "site.yaml", "a", encoding="utf-8") as f:
            f.write(scale.SETTINGS)
    fresh_user_cache(root)
    rows = [("forked workers (2)", timed_build(site, out, jobs=2))]
    for workers in (1, 2):
        fresh_user_cache(root)
        with LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as c:
            row = timed_build(site, out, scheduler=c.scheduler_address)
        rows.append((f"LocalCluster, {workers} worker(s)", row))
    print(f"| N = {args.count:,} | total s | parse s | render s | serial s |")
    print("| --- | --- | --- | --- | --- |")
    for name, r in rows:
        parse, render = r.get("parse", 0), r.get("render", 0)
        print(f"| {name} | {r['total']:.1f} | {parse:.1f} | {render:.1f} | {r['serial']:.1f} |")
    one = rows[1][1]
    parallel = one["total"] - one["serial"]
    for n in (8, 32):
        shown = one["serial"] + parallel / n
        print(f"| Amdahl, {n} workers (1 worker's fractions) | {shown:.1f} | | | {one['serial']:.1f} |")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
