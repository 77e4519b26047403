"""The archive benchmark: newsgen alone at 100,000 and 1,000,000 stories (issue 17).

    python bench/scale.py                          # 100,000 then 1,000,000
    python bench/scale.py --sizes 100000 --serve   # and the preview's save-to-rebuilt
    python bench/scale.py --million                # 1,000,000 only

Each size gets bench/corpus.py's stories written as a newsgen site under --root
(default /work/scale, outside the repository: a million stories and their output take
tens of GB), then a cold build, a no-change build and a one-story edit, each a whole
`newsgen build` process measured as bench/run.py measures (wall time, the largest RSS,
the summed PSS of the process tree). The disk used by the sources, the caches and the
output is recorded, and the site is deleted afterwards unless --keep.

The sites are built with `search: false` and `images: {share_cards: false}`: Pagefind
keeps its whole index in memory (1.7 GiB at 10,000 stories), and a drawn card per story
would be about 130 GB at a million (68 KB in the output and again in the picture store);
the tables say so beside the figures.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
import run  # noqa: E402

SETTINGS = "search: false\nimages:\n  share_cards: false\n"


def write_site(n: int, root: Path) -> Path:
    site = root / f"newsgen-{n}"
    marker = site / ".complete"
    if not marker.exists():
        print(f"writing {n:,} stories to {site} ...", flush=True)
        started = time.perf_counter()
        shutil.rmtree(site, ignore_errors=True)
        corpus.write_corpus(n, root / f"tmp-{n}", tools=("newsgen",))
        (root / f"tmp-{n}" / "newsgen").rename(site)
        shutil.rmtree(root / f"tmp-{n}", ignore_errors=True)
        with open(site / "site.yaml", "a", encoding="utf-8") as f:
            f.write(SETTINGS)
        marker.write_text("ok\n")
        print(f"  written in {time.perf_counter() - started:.0f} s", flush=True)
    theme = site / "themes" / "news"
    shutil.rmtree(theme, ignore_errors=True)
    shutil.copytree(run.REPO / "themes" / "news", theme)
    return site


def newest(site: Path, n: int) -> Path:
    """The newest story (the last one bench/corpus.py writes), found without drawing them all."""
    name = f"story-{n - 1:06d}.md"
    years = sorted((site / "content" / "articles").iterdir(), reverse=True)
    return next(y / name for y in years if (y / name).exists())


def disk(path: Path) -> int:
    """Bytes on disk (allocated blocks) under path."""
    if not path.exists():
        return 0
    out = subprocess.run(["du", "-s", "--block-size=1", str(path)], capture_output=True, text=True)
    return int(out.stdout.split()[0]) if out.returncode == 0 else 0


def measure(n: int, site: Path, serve: bool) -> dict:
    run.clean("newsgen", site)
    found: dict = {"n": n, "sources": disk(site / "content")}
    for mode in ("cold", "nochange", "edit"):
        if mode == "edit":
            with open(newest(site, n), "a", encoding="utf-8") as f:
                f.write("\nAn editor's correction, added to the last paragraph.\n")
        sample = run.run_measured([*run.command("newsgen", site), "--timings"], site)
        found[mode] = sample
        found[f"{mode}-timings"] = timings(run.WORK / "last-build.log")
        print(
            f"  N={n:>9,} {mode:<9} {sample.seconds:8.1f} s  rss {sample.max_rss / 2**20:6.0f} MiB"
            f"  pss {sample.tree_pss / 2**20:6.0f} MiB{'' if sample.ok else '  FAILED'}"
            f"\n    {found[f'{mode}-timings']}",
            flush=True,
        )
        if not sample.ok:
            print((run.WORK / "last-build.log").read_text(errors="replace")[-3000:])
            break
        if mode == "cold":
            found["output"] = disk(site / "output")
            found["cache"] = disk(site / ".newsgen-cache")
            found["store"] = disk(site / ".user-cache")
            found["files"] = sum(1 for p in (site / "output").rglob("*") if p.is_file())
    if serve and n <= 100_000 and found["edit"].ok:  # the preview of a big archive
        saves = run.measure_serve_path(site, newest(site, n).relative_to(site).as_posix())
        found["serve"] = sorted(saves)[len(saves) // 2] if saves else None
    return found


def timings(log: Path) -> str:
    """The build's own `--timings` line: its parallel stages and the serial rest."""
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.startswith("timings:")]
    return lines[-1] if lines else "timings: none printed"


def table(rows: list[dict]) -> str:
    gib = 2**30
    head = ("N", "cold", "no-change", "one edit", "peak PSS, tree", "peak RSS, largest")
    head += ("output", "caches", "sources", "files")
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---:" for _ in head) + " |"]
    modes = ("cold", "nochange", "edit")
    for r in rows:
        samples = [r[m] for m in modes if m in r]
        pss = max(s.tree_pss for s in samples) / gib
        rss = max(s.max_rss for s in samples) / gib
        cells = [run.fmt_s(r[m].seconds) if m in r and r[m].ok else "failed" for m in modes]
        cells += [f"{pss:.2f} GiB", f"{rss:.2f} GiB", f"{r.get('output', 0) / gib:.1f} GB"]
        cells += [f"{(r.get('cache', 0) + r.get('store', 0)) / gib:.1f} GB", f"{r['sources'] / gib:.1f} GB"]
        lines.append(f"| {r['n']:,} | " + " | ".join(cells) + f" | {r.get('files', 0):,} |")
    serve = [r for r in rows if r.get("serve") is not None]
    lines += [f"\nN = {r['n']:,}, {m}: {r[m + '-timings']}" for r in rows for m in modes if m in r]
    lines += [f"\nSave to rebuilt (Builder, N = {r['n']:,}): median {run.fmt_s(r['serve'])}." for r in serve]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--million", action="store_true", help="1,000,000 only")
    parser.add_argument("--root", type=Path, default=Path("/work/scale"))
    parser.add_argument("--serve", action="store_true", help="also save-to-rebuilt, up to 100,000")
    parser.add_argument("--keep", action="store_true", help="keep the sites afterwards")
    args = parser.parse_args()
    sizes = [1_000_000] if args.million else [int(s) for s in args.sizes.split(",")]
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {run.machine()}; load {run.load()}")
    rows = []
    for n in sizes:
        site = write_site(n, args.root)
        rows.append(measure(n, site, args.serve))
        print(table(rows), flush=True)
        failed = any(not rows[-1][m].ok for m in ("cold", "nochange", "edit") if m in rows[-1])
        if not args.keep and not failed:  # a failed run's site is kept to run again
            shutil.rmtree(site, ignore_errors=True)
    print(f"\nfinished {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load {run.load()}")


if __name__ == "__main__":
    main()
