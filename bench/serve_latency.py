"""How long a save takes to show up in an open browser tab under `newsgen serve`.

For each site (a copy of the demo site, and a generated N-article site) it starts the
preview in this process, opens the article it will edit in headless Chromium, waits for
the event stream, then repeatedly saves the article by rename (as editors do) and times:

  save -> rebuilt   the build that picked the save up has committed its files
  build             of which the build itself (BuildReport.seconds)
  save -> painted   the reloaded page's first contentful paint, by the browser's clock
  save -> reloaded  the reloaded page's load event (images and all)

    python bench/serve_latency.py                      # demo + 10,000 articles
    python bench/serve_latency.py --count 1000 --runs 5 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

from generator.preview import Preview, ServeOptions, make_builder  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOADED_AT = (
    "(() => { const n = performance.getEntriesByType('navigation')[0];"
    " return n && n.loadEventEnd > 0 ? performance.timeOrigin + n.loadEventEnd : 0; })()"
)
PAINTED_AT = (
    "(() => { const p = performance.getEntriesByName('first-contentful-paint')[0];"
    " return p ? performance.timeOrigin + p.startTime : 0; })()"
)


def demo_site(root: Path) -> tuple[Path, str]:
    """A copy of the demo site (never edit the repository's own articles)."""
    site = root / "demo"
    shutil.rmtree(site, ignore_errors=True)
    for name in ("content", "themes"):
        shutil.copytree(REPO / name, site / name)
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    articles = sorted((site / "content/articles").rglob("*.md"))
    return site, articles[-1].relative_to(site).as_posix()


def generated_site(root: Path, count: int) -> tuple[Path, str]:
    """An N-article site from bench/corpus.py, kept between runs (its cache stays warm)."""
    import corpus

    site = root / f"serve-{count}" / "newsgen"
    if not (site / "site.yaml").exists():
        print(f"writing {count} articles to {site} ...", flush=True)
        corpus.write_corpus(count, site.parent, tools=("newsgen",))
    return site, corpus.newest_story_path("newsgen", count)


class TimedBuilder:
    """The preview's own builder, noting when each build ended and what profiling shows."""

    def __init__(self, profile: bool):
        self.inner = make_builder()
        self.ends: list[tuple[float, float, int]] = []  # (wall end, seconds, files written)
        self.profile = cProfile.Profile() if profile else None

    def __call__(self, request, changed):
        if self.profile is not None and changed is not None:
            self.profile.enable()
        try:
            report = self.inner(request, changed)
        finally:
            if self.profile is not None:
                self.profile.disable()
        self.ends.append((time.time(), report.seconds, len(report.write.written)))
        return report


def save_by_rename(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def measure(site: Path, article: str, runs: int, profile: bool, label: str) -> dict:
    from playwright.sync_api import sync_playwright

    timed = TimedBuilder(profile)
    preview = Preview(ServeOptions(site_dir=site, port=0), builder=timed, out=io.StringIO())
    started = time.perf_counter()
    url = preview.start()
    first_build = time.perf_counter() - started
    source = site / article
    original = source.read_text(encoding="utf-8")
    route = next(a.route for a in preview.last_report.site.articles if a.source == article)
    samples: list[tuple[float, float, float, float]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--disable-gpu", "--disable-dev-shm-usage"]
            )
            page = browser.new_page()
            page.goto(url + route)
            for n in range(runs + 2):  # the first two warm caches up and are not counted
                page.wait_for_function("window.__newsgenOpen === true", timeout=60_000)
                marker = f"Edited for the benchmark, run {n}."
                builds = len(timed.ends)
                saved = time.time()
                with page.expect_event("load", timeout=60_000):
                    save_by_rename(source, original.rstrip() + f"\n\n{marker}\n")
                page.wait_for_function(f"{LOADED_AT} > 0", timeout=60_000)
                loaded = page.evaluate(LOADED_AT) / 1000
                painted = page.evaluate(PAINTED_AT) / 1000
                assert marker in page.content(), "the reload did not show the edit"
                end, seconds, _ = timed.ends[builds]
                if n >= 2:
                    samples.append((end - saved, seconds, painted - saved, loaded - saved))
                time.sleep(0.2)
            browser.close()
    finally:
        save_by_rename(source, original)
        preview.stop()
    if timed.profile is not None:
        print(f"--- profile of the {label} rebuilds (cumulative) ---")
        pstats.Stats(timed.profile).sort_stats("cumulative").print_stats(18)
    articles = len(preview.last_report.site.articles)
    return {
        "label": label,
        "articles": articles,
        "first_build": first_build,
        "rebuilt": [s[0] for s in samples],
        "build": [s[1] for s in samples],
        "painted": [s[2] for s in samples],
        "reloaded": [s[3] for s in samples],
    }


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="articles in the big site")
    parser.add_argument("--runs", type=int, default=11, help="timed saves per site")
    parser.add_argument("--work", type=Path, default=HERE / "work", help="where sites go")
    parser.add_argument("--profile", action="store_true", help="profile the rebuilds")
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(dir=args.work) as scratch:
        if not args.skip_demo:
            results.append(measure(*demo_site(Path(scratch)), args.runs, args.profile, "demo"))
    if args.count:
        site, article = generated_site(args.work, args.count)
        results.append(measure(site, article, args.runs, args.profile, f"{args.count} articles"))
    print(
        f"\n{time.strftime('%Y-%m-%d')}, {platform.node()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; medians of {args.runs} saves"
    )
    print(
        "| site | articles | first build | save → rebuilt | of which build | save → painted "
        "| save → reloaded |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['label']} | {r['articles']} | {r['first_build']:.1f} s | {ms(r['rebuilt'])} | "
            f"{ms(r['build'])} | {ms(r['painted'])} | {ms(r['reloaded'])} |"
        )


if __name__ == "__main__":
    main()
