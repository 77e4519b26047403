"""`newsgen build`: the command line of the build (build.py), its summary and errors."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from generator.build import BuildReport, BuildRequest, build
from generator.cli.common import add_site_option, print_problems
from generator.config import load_config
from generator.errors import BuildError
from generator.progress import ProgressBar, StageClock
from generator.writer import os_problem


def add_build_command(commands) -> None:
    p = commands.add_parser(
        "build",
        help="build the site into the output folder",
        description="Build the site into the output folder. Nothing in "
        "the output changes unless every page renders.",
    )
    add_site_option(p)
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="DIR",
        help="the output folder (default: `output` in the site folder, or site.yaml's `output`)",
    )
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="publish for this URL instead of site.yaml's base_url, e.g. https://example.org/news/",
    )
    p.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    p.add_argument("--future", action="store_true", help="include articles dated in the future")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument(
        "--keep-going",
        action="store_true",
        help="publish the site without the files that have errors; the build "
        "still reports them and exits with status 1",
    )
    p.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the parse cache (.newsgen-cache/)"
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=0,
        metavar="N",
        help="worker processes for parsing and rendering (default: one per core; 1 builds in this process)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default="",
        help="parse and render on a dask.distributed cluster, e.g. tcp://10.0.0.5:8786 "
        "(default: $NEWSGEN_SCHEDULER, else site.yaml's `scheduler`, else this machine); "
        "its workers must see the site at the same path",
    )
    p.add_argument(
        "--quiet", "-q", action="store_true", help="print only problems: no summary, no progress bar (for CI)"
    )
    p.add_argument(
        "--timings",
        action="store_true",
        help="print how long each stage took: parsing and rendering, and the rest (even with --quiet)",
    )
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="fail at once if another build of this site is running (default: wait for it)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace files in the output folder that newsgen has no record of "
        "writing (by default such files stop the build, named, before anything "
        "changes)",
    )
    p.set_defaults(run=run_build)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of processes, 0 or more, not {text!r}")
    return value


def _scheduler(args) -> str:
    """--scheduler, else $NEWSGEN_SCHEDULER, else site.yaml's `scheduler:`."""
    given = getattr(args, "scheduler", "") or os.environ.get("NEWSGEN_SCHEDULER", "")
    if given:
        return given
    try:
        return load_config(args.site).scheduler
    except BuildError:
        return ""  # the build itself reports what is wrong with site.yaml


def run_build(args) -> int:
    bar = None if args.quiet else ProgressBar.for_terminal()
    clock = StageClock(bar) if getattr(args, "timings", False) else None
    request = BuildRequest(
        site_dir=args.site,
        output=args.output,
        base_url=args.base_url,
        drafts=args.drafts,
        future=args.future,
        strict=args.strict,
        use_cache=not args.no_cache,
        keep_going=getattr(args, "keep_going", False),
        jobs=getattr(args, "jobs", 0),
        scheduler=_scheduler(args),
        progress=clock or bar,
        wait=not args.no_wait,
        overwrite=args.overwrite,
        on_wait=lambda message: print(message, file=sys.stderr, flush=True),
    )
    try:
        report = build(request)
    except (BuildError, OSError) as exc:
        if bar:
            bar.clear()
        problems = (
            exc.problems
            if isinstance(exc, BuildError)
            else [os_problem(exc, exc.filename or args.site, "build the site")]
        )
        warned = exc.warnings if isinstance(exc, BuildError) else []
        print_problems([*problems, *warned])
        also = f" and {len(warned)} warning(s)" if warned else ""
        print(
            f"build failed: {len(problems)} problem(s){also}; the output folder was not changed",
            file=sys.stderr,
        )
        return 1
    if bar:
        bar.clear()
    for w in report.warnings:
        print(w, file=sys.stderr)
    for rel in report.write.kept:
        print(
            f"{report.output_dir / rel}: note: no longer built, but changed since newsgen "
            "wrote it, so it was left in place",
            file=sys.stderr,
        )
    if not args.quiet:
        print(summary(report))
    if clock is not None:
        print(clock.describe(report.seconds, report.steps))
    if report.problems:  # --keep-going published without the files named here
        print_problems(report.problems)
        files = len({p.path for p in report.problems})
        print(
            f"build incomplete: {len(report.problems)} problem(s); published without "
            f"{files} file(s) (--keep-going)",
            file=sys.stderr,
        )
        return 1
    return 0


def summary(report: BuildReport) -> str:
    site, write = report.site, report.write
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(report.pages.items()))
    lines = [
        f"built {len(site.articles)} articles, {len(site.pages)} pages into "
        f"{report.output_dir} in {report.seconds:.2f}s",
        f"  outputs: {kinds}",
        f"  files: {len(write.written)} written, {write.unchanged} unchanged, {len(write.removed)} removed",
    ]
    for source, reason in site.excluded:
        lines.append(f"  left out: {source} ({reason})")
    for i in site.live:
        a = site.articles[i]
        until = f"until {a.live_until.isoformat()}" if a.live_until else "with no end time set"
        lines.append(f"  live coverage open: {a.source} ({until})")
    if site.next_scheduled:
        lines.append(
            f"  next scheduled article goes live at {site.next_scheduled.isoformat()} (rebuild then)"
        )
    return "\n".join(lines)
