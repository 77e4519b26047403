"""Search: the /search/ page and its full-text index, made by Pagefind.

Kinds: `search` (the page) and `search-index` (the index files under /pagefind/). The
index is made from the model, not from the written pages: one small document per story
with its headline, summary and body (nothing of navigation, footers, related stories or
listings), its section, bylines and year as filters, its date as the sort key and
meta, in the story's language. Pagefind's own CLI indexes those documents in a scratch
folder; the files it makes are outputs like any other, so they reach the output folder
through the staged writer (a failed build never leaves a half-made index) and are
rendered again only when their fingerprint (every story's source digest and route)
changes: a no-change build does not run the indexer.

Failure modes: the indexer missing or failing is a BuildError with its message and the
way out (`search: false`); nothing is written then.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from generator.cache import user_cache
from generator.documents import Article
from generator.errors import BuildError, Problem
from generator.outputs.base import Facet, HtmlKind, Output, OutputKind, Planner, Rendering, fingerprint
from generator.site import Site
from generator.urls import SEARCH_INDEX_ROUTE, SEARCH_ROUTE, asset_url, to_url

# The files of Pagefind's bundle that our own search script needs (not its UI kits).
_PUBLISHED = re.compile(
    r"pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|pagefind\.[^/]+\.pf_meta"
    r"|wasm\.[^/]+\.pagefind|(?:fragment|index|filter)/[^/]+"
)
# The index of the last model indexed, by its digest: planning makes it, rendering (in
# this process or a forked worker) reads it.
# An index's files: path -> bytes, or the stored file holding them.
IndexFiles = dict[str, bytes | Path]
_MADE: dict[str, IndexFiles] = {}
# Pagefind names its files by hashes of maps it writes in no fixed order, so the same
# stories indexed twice give other file names. Indexes are kept by digest in the user's
# cache, so every build of the same stories (a clean one, another process, another copy
# of the site) publishes the same files; the newest few are kept.
KEPT_INDEXES = 6


class SearchPage(HtmlKind):
    """/search/: the search box and results, in the site's language."""

    name, template = "search", "search.html"
    shows = frozenset({Facet.NAVIGATION})

    def plan(self, planner: Planner):
        if planner.site.searchable:
            yield planner.output(self, SEARCH_ROUTE + "index.html", ())

    def context(self, rendering: Rendering) -> dict:
        config = rendering.site.config
        return {
            "page_url": to_url(config, SEARCH_ROUTE),
            "index_url": to_url(config, SEARCH_INDEX_ROUTE),
            "index_route": SEARCH_INDEX_ROUTE,
        }


class SearchIndex(OutputKind):
    """Pagefind's index of every published story.

    Made while planning (its file names are only known then). In the preview, an
    indexer run at every save would hold the page back for as long as it takes (seconds
    at 10,000 stories), so the preview uses BackgroundSearchIndex instead.
    """

    name = "search-index"
    # FILES too: the index lives in the user's store, outside the model, and Pagefind
    # names its files anew each run. A plan saved by an earlier build names the files of
    # an index that may be gone from the store (cleared, another machine); planning
    # again on every build (names only, from the store) never renders such a plan.
    shows = frozenset({Facet.LISTS, Facet.BODY, Facet.FILES})
    background: Callable[[], None] | None = None  # see BackgroundSearchIndex

    def __init__(self) -> None:
        self._published: tuple[str, IndexFiles] | None = None  # digest, files
        self._making: str | None = None  # the digest being made on a thread
        self._next: tuple[Site, str] | None = None  # the newest one wanted after it
        self._lock = threading.Lock()  # guards the two above against the build thread

    def __getstate__(self) -> dict:
        # What a cluster's worker needs to render the files (workers.DaskMap): the index
        # planned, not the preview's thread and lock.
        return {"_published": self._published}

    def __setstate__(self, state: dict) -> None:
        SearchIndex.__init__(self)
        self._published = state["_published"]

    def plan(self, planner: Planner):
        site = planner.site
        if not site.searchable:
            return
        digest = index_digest(site)
        files = made_index(digest)
        if files is None and self.background is not None and self._published is not None:
            self._make_later(site, digest)
            digest, files = self._published
        elif files is None:
            files = index_files(site, digest)
        self._published = (digest, files)
        for path in sorted(files):
            yield planner.output(self, SEARCH_INDEX_ROUTE + path, (digest, path))

    def render(self, output: Output, rendering: Rendering) -> bytes:
        digest, path = output.key
        if self._published is not None and self._published[0] == digest:
            return _bytes(self._published[1], path)
        return _bytes(index_files(rendering.site, digest), path)

    @property
    def busy(self) -> bool:
        """An index is being made on a thread (its build is still to come)."""
        return self._making is not None

    def _make_later(self, site: Site, digest: str) -> None:
        """Make the index of `site` on a thread; while one is being made, only the
        newest wanted is kept to be made next (saves come faster than indexes)."""
        with self._lock:
            if self._making == digest:
                return
            if self._making is not None:
                self._next = (site, digest)
                return
            self._making, self._next = digest, None
        threading.Thread(
            target=self._make, args=(site, digest), name="newsgen-search-index", daemon=True
        ).start()

    def _make(self, site: Site, digest: str) -> None:
        callback = self.background
        assert callback is not None
        while True:
            try:
                index_files(site, digest)
            except BuildError:
                pass  # the next full build reports it
            with self._lock:
                following, self._next = self._next, None
            if following is None:
                callback()  # while still busy: the build it asks for is already due
                with self._lock:
                    following, self._next = self._next, None
                    if following is None:
                        self._making = None
                        return
            site, digest = following
            with self._lock:
                self._making = digest


class BackgroundSearchIndex(SearchIndex):
    """The preview's index: a build that needs a new index publishes the last one, makes
    the new one on a thread and calls `background()` when it is ready; the build that
    follows publishes it (it is planned on every build, see SearchIndex.shows)."""

    def __init__(self, background: Callable[[], None]):
        super().__init__()
        self.background = background


KINDS: tuple[OutputKind, ...] = (SearchPage(), SearchIndex())


def index_digest(site: Site) -> str:
    """What the index is made of: every story's source and route, the settings that shape
    its documents, and the indexer's version."""
    config = site.config
    stories = [(a.digest, a.route, a.source) for a in site.articles]
    return fingerprint(_indexer_version(), config.language, config.base_path, config.title, stories)


def made_index(digest: str) -> IndexFiles | None:
    """The index of that digest if it was made before (in this process or the store)."""
    found = _MADE.get(digest)
    if found is None:
        store = _store() / digest
        found = _read(store) if store.is_dir() else None
        if found is not None:
            _remember(digest, found)
    return found


def index_files(site: Site, digest: str) -> IndexFiles:
    """The index's files by path under /pagefind/, made once per digest."""
    found = made_index(digest)
    if found is not None:
        return found
    made: IndexFiles = dict(_index(site))
    _keep(_store() / digest, made)
    _remember(digest, made)
    return made


def _remember(digest: str, files: IndexFiles) -> None:
    # One index at a time, the last model's; replaced whole, never emptied first, as a
    # preview's indexing thread may replace it while a build reads it.
    global _MADE
    _MADE = {digest: files}


def _store() -> Path:
    return user_cache("search-indexes")


def _read(folder: Path) -> IndexFiles | None:
    """A stored index's files by path; their bytes are read when rendered (planning
    needs only the names, on every build)."""
    try:
        os.utime(folder)  # recently used: kept longest
        return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}
    except OSError:
        return None


def _bytes(files: dict, path: str) -> bytes:
    found = files[path]
    return found if isinstance(found, bytes) else found.read_bytes()


def _keep(folder: Path, files: IndexFiles) -> None:
    """Store an index whole (written aside, then renamed) and forget the oldest ones.
    A store that cannot be written only costs the next build an index run."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".new-", dir=folder.parent))
        for path in files:
            (scratch / path).parent.mkdir(parents=True, exist_ok=True)
            (scratch / path).write_bytes(_bytes(files, path))
        try:
            scratch.rename(folder)
        except OSError:  # another build stored the same index meanwhile
            shutil.rmtree(scratch, ignore_errors=True)
        kept = sorted(
            (p for p in folder.parent.iterdir() if not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in kept[KEPT_INDEXES:]:
            shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass


@lru_cache(maxsize=1)
def _indexer_version() -> str:
    try:
        return metadata.version("pagefind_bin")
    except metadata.PackageNotFoundError:
        return "unknown"


def _index(site: Site) -> dict[str, bytes]:
    scratch = Path(tempfile.mkdtemp(prefix="newsgen-search-"))
    try:
        documents = scratch / "site"
        for article in site.articles:
            page = documents / article.route / "index.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(search_document(site, article), encoding="utf-8")
        documents.mkdir(exist_ok=True)
        _run_indexer(documents, scratch / "index")
        return {
            p.relative_to(scratch / "index").as_posix(): p.read_bytes()
            for p in sorted((scratch / "index").rglob("*"))
            if p.is_file() and _PUBLISHED.fullmatch(p.relative_to(scratch / "index").as_posix())
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _indexer() -> list[str]:
    """Pagefind's binary itself (from the pagefind_bin wheel): started through
    `python -m pagefind` it cost a Python start-up per build."""
    try:
        from pagefind_bin import get_executable

        return [str(get_executable())]
    except (ImportError, FileNotFoundError):
        return [sys.executable, "-m", "pagefind"]  # which then says what is missing


def _run_indexer(documents: Path, out: Path) -> None:
    command = [*_indexer(), "--site", str(documents), "--output-path", str(out), "--quiet"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        done = subprocess.CompletedProcess(command, 1, "", str(exc))
    if done.returncode != 0 or not (out / "pagefind.js").is_file():
        said = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BuildError(
            [
                Problem(
                    "site.yaml",
                    None,
                    "the search index could not be made: "
                    + (" ".join(said) or f"pagefind exited with {done.returncode}"),
                    "install newsgen's dependencies again (pip install -e .), "
                    "or set `search: false` to build without search",
                )
            ]
        )


def search_document(site: Site, article: Article) -> str:
    """The page Pagefind indexes for one story: only its words are content; section,
    bylines, year, date and image are filters, sort key and meta."""
    config = site.config
    esc = html.escape
    facts = [("filter", "section", article.category)] if article.category else []
    facts += [("filter", "author", name) for name in article.authors]
    facts += [
        ("filter", "year", str(article.date.year)),
        ("sort", "date", article.date.isoformat()),
        ("meta", "date", article.date.isoformat()),
    ]
    if article.category:
        facts.append(("meta", "section", article.category))
    hidden = "".join(
        f'<span data-pagefind-{kind}="{name}">{esc(value)}</span>' for kind, name, value in facts
    )
    if article.image:
        src = esc(asset_url(config, article.image))
        hidden += f'<img data-pagefind-meta="image[src]" src="{src}" alt="">'
    lang = esc(article.lang or config.language)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{esc(article.title)}</title>'
        f"</head><body><main data-pagefind-body><h1>{esc(article.title)}</h1><p>{esc(article.summary)}</p>"
        f"{site.body_html(article)}<div data-pagefind-ignore>{hidden}</div></main></body></html>\n"
    )
