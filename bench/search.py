"""The search benchmark: Pagefind's index of N synthetic stories, and one query's bytes.

    python bench/search.py 10000 100000          # index time and size at each N
    python bench/search.py 10000 --browser       # also the bytes Chromium fetches for a query

The stories are bench/corpus.py's (same words, dates, taxonomy), made into newsgen's
model directly, so what is timed is the index alone (`generator.outputs.search`), not
parsing. With --browser the N-story site is built in full and served on 127.0.0.1, and
Chromium (Debian's, never a downloaded one) searches it once.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import corpus

from generator.build import BuildRequest, build
from generator.config import SiteConfig
from generator.documents import Article
from generator.outputs import search
from generator.site import Options, build_site

WORK = Path(__file__).parent / "work"
UTC = ZoneInfo("UTC")


def model(n: int):
    stories = corpus.make_stories(n)
    articles = [
        Article(
            source=f"content/articles/{s.slug}.md",
            title=s.title,
            date=s.date.replace(tzinfo=UTC),
            slug=s.slug,
            body_html="".join(f"<p>{p}</p>" for p in s.body.split("\n\n")),
            summary=s.summary,
            categories=(s.category,),
            tags=s.tags,
            authors=(s.author,),
            digest=s.slug,
        )
        for s in stories
    ]
    config = SiteConfig(title="Bench Times", base_url="https://example.org/")
    return build_site(articles, config, Options(now=datetime(2030, 1, 1, tzinfo=UTC)))


def measure_index(n: int) -> None:
    site = model(n)
    started = time.perf_counter()
    files = search.index_files(site, search.index_digest(site))
    seconds = time.perf_counter() - started
    size = sum(len(b) for b in files.values())
    print(f"N={n:,}: index {seconds:.2f} s, {len(files):,} files, {size / 2**20:.1f} MiB")


def measure_query(n: int) -> None:
    from playwright.sync_api import sync_playwright

    root = WORK / f"search-{n}"
    shutil.rmtree(root, ignore_errors=True)
    corpus.write_corpus(n, root, tools=("newsgen",))
    site = root / "newsgen"
    started = time.perf_counter()
    build(BuildRequest(site_dir=site))
    print(f"N={n:,}: full build with search {time.perf_counter() - started:.1f} s")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site / "output"))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    fetched: dict[str, int] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "chromium")
        page = browser.new_page()
        page.on(
            "response", lambda r: fetched.__setitem__(r.url, len(r.body())) if "/pagefind/" in r.url else None
        )
        page.goto(url + "/search/")
        page.wait_for_function("document.documentElement.dataset.searchReady === '1'")
        before = time.perf_counter()
        page.fill("#search-q", "drought")
        page.wait_for_function("document.querySelectorAll('.search-result').length > 0")
        took = time.perf_counter() - before
        browser.close()
    server.shutdown()
    print(
        f"N={n:,}: opening /search/ and one query ('drought') fetched {sum(fetched.values()) / 1024:.0f} kB "
        f"of index in {len(fetched)} requests; results {took * 1000:.0f} ms after typing"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--browser", action="store_true", help="also build, serve and query in Chromium")
    args = parser.parse_args()
    for n in args.sizes:
        measure_index(n)
        if args.browser:
            measure_query(n)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
