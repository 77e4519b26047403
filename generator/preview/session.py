"""`newsgen serve`: build the site, serve it, rebuild on every save, reload open tabs.

The preview builds into a folder of its own (.newsgen-cache/preview/, or a temporary one
when that is in use), serves that folder over HTTP on the loopback interface, and watches
the site's sources.
Each burst of saves becomes one build (see watcher.py); when it succeeds, open tabs are
told over Server-Sent Events which files changed, and the ones showing a changed page
reload. A failed build leaves the folder as it was and shows the problems as an overlay.
The reload script is added to HTML responses as they are sent, never to the files."""

from __future__ import annotations

import html
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from generator.build import Builder, BuildReport, BuildRequest
from generator.cache import CACHE_DIR
from generator.config import load_config
from generator.documents import Article, Page
from generator.errors import BuildError, Problem
from generator.locks import try_hold
from generator.memory import forget_output
from generator.outputs import KINDS
from generator.outputs.registry import Registry
from generator.outputs.search import BackgroundSearchIndex
from generator.preview.events import Broadcaster
from generator.preview.handler import (
    EVENTS_PATH,
    WORKER_PATH,
    PreviewHTTPServer,
    PreviewHTTPServer6,
    is_ip,
    parse_host,
    script,
)
from generator.theme import load_theme
from generator.urls import SEARCH_INDEX_ROUTE
from generator.watcher import Rebuilder, Watcher
from generator.writer import pending_journal

PREVIEW_DIR = "preview"  # under the site's cache folder: the preview's own build

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})

MAX_LISTED_FILES = 500  # beyond this, every tab reloads instead of checking the list

# Runs in every served page (see livereload.js).
RELOAD_JS = script("livereload.js")


@dataclass(frozen=True)
class ServeOptions:
    """What `newsgen serve` was asked to do."""

    site_dir: Path = Path(".")  # the site folder
    host: str = "127.0.0.1"  # interface to listen on
    port: int = 8000  # 0 picks a free port
    output: Path | None = None  # build here; None: the cache's preview folder (or a temporary one)
    drafts: bool = True  # show drafts and future articles, as a writer previewing expects
    navigate: bool = False  # open tabs follow to the article or page just saved
    use_cache: bool = True  # read and write the parse cache
    quiet: float = 0.03  # seconds without events that end a burst of saves


BuildFunction = Callable[[BuildRequest, set[str] | None], BuildReport]


def make_builder() -> BuildFunction:
    """The one place the preview calls the build: one Builder per request, so a change of
    settings (base path, options) starts afresh and saves reuse what the last build made."""
    builders: dict[BuildRequest, Builder] = {}

    def build_incrementally(request: BuildRequest, changed: set[str] | None) -> BuildReport:
        builder = builders.get(request)
        if builder is None:
            builders.clear()
            builder = builders[request] = Builder(request)
        return builder.build(changed)

    return build_incrementally


# What the preview's build is told changed when a search index made on a thread is ready.
SEARCH_INDEX_READY = ".newsgen-search-index-ready"
# Asks for a build when the clock changes the site (Site.next_change): a scheduled story
# goes out, live coverage or a breaking banner ends, with no file saved.
CLOCK_PASSED = ".newsgen-clock"
# A timer further away than this is set again by the builds in between (and a sleeping
# laptop's monotonic clock would not be trusted that long anyway).
LONGEST_TIMER = 6 * 3600.0
CLOCK_SLACK = 0.05  # seconds past the moment, so the build's clock has passed it too


def preview_kinds(index_ready: Callable[[], None]) -> Registry:
    """newsgen's output kinds, with the search index made in the background."""
    return KINDS.replacing(BackgroundSearchIndex(index_ready))


def lan_address() -> str:
    """The address other machines reach this one by (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


class Preview:
    """A running preview: the output folder it owns, its server, watcher and rebuilder."""

    def __init__(
        self, options: ServeOptions, builder: BuildFunction | None = None, out=sys.stdout, err=sys.stderr
    ):
        self.options = options
        self.site_dir = options.site_dir.resolve()
        self.builder = builder or make_builder()
        self.out, self.err = out, err
        self.events = Broadcaster()
        self.base_path = "/"
        self.problems: list[Problem] = []  # of the last build; empty when it succeeded
        self.last_report: BuildReport | None = None
        self._boot = uuid.uuid4().hex[:8]  # a restarted server is a new version to open tabs
        self._count = 0
        self.completed = 0  # builds finished, failed or not (tests and the benchmark wait on it)
        # Paths saved since the last good build (None: anything): a failed build may have
        # stopped before looking at them, so the next one must look again.
        self._unbuilt: set[str] | None = set()
        self._building = False
        self._stopped = threading.Event()
        self._lock_fd: int | None = None  # held while this preview uses the site's preview folder
        self.out_dir, self._owns_out_dir = self._choose_out_dir(options)
        self.httpd: PreviewHTTPServer | None = None
        self._serving: threading.Thread | None = None  # runs httpd.serve_forever once started
        self.port, self.public_host = options.port, options.host  # real ones once bound
        self.rebuilder = Rebuilder(self.rebuild, quiet=options.quiet)
        # Search indexes are made on a thread here; a finished one is published by the
        # build it asks for (outputs/search.py says why).
        self.kinds = preview_kinds(lambda: self.rebuilder.add({SEARCH_INDEX_READY}, settled=True))
        self._clock: threading.Timer | None = None  # the build at the site's next change
        self.watcher = Watcher(
            self.site_dir, self.rebuilder.add, exclude=[self.out_dir, self.site_dir / CACHE_DIR]
        )

    @property
    def settled(self) -> bool:
        """No save waits for a build and no search index is being made aside (tests and
        benchmarks wait for this before they save again)."""
        return self.rebuilder.at_rest() and not any(getattr(k, "busy", False) for k in self.kinds)

    @property
    def version(self) -> str:
        return f"{self._boot}.{self._count}"

    @property
    def url(self) -> str:
        return f"http://{_url_host(self.public_host)}:{self.port}{self.base_path}"

    def _choose_out_dir(self, options: ServeOptions) -> tuple[Path, bool]:
        """(folder, whether to remove it on exit).

        By default the preview is kept in the site's cache folder, so the next start
        renders only what changed (a cold 10,000-article build takes a minute). A second
        preview of the same site, or one without the cache, gets a temporary folder.
        """
        if options.output is not None:
            output = options.output.resolve()
            output.mkdir(parents=True, exist_ok=True)
            return output, False
        cache = self.site_dir / CACHE_DIR
        if options.use_cache and self._lock(cache / "preview.lock"):
            (cache / PREVIEW_DIR).mkdir(exist_ok=True)
            return (cache / PREVIEW_DIR).resolve(), False
        return Path(tempfile.mkdtemp(prefix="newsgen-preview-")).resolve(), True

    def _lock(self, path: Path) -> bool:
        self._lock_fd = try_hold(path)  # another `newsgen serve` previews this site: None
        return self._lock_fd is not None

    def start(self) -> str:
        """Listen, build once, then serve and watch; returns the URL to open."""
        host = self.options.host
        server_class = PreviewHTTPServer6 if ":" in host else PreviewHTTPServer
        self.httpd = server_class((host, self.options.port), self)
        self.port = self.httpd.server_address[1]
        self.public_host = lan_address() if host in WILDCARD_HOSTS else host
        self.rebuild(None)
        self.watcher.start(self._theme_dirs())
        self.rebuilder.start()
        self._serving = threading.Thread(target=self.httpd.serve_forever, name="newsgen-http", daemon=True)
        self._serving.start()
        return self.url

    def wait(self) -> None:
        """Until stop(); the timeout keeps Ctrl-C responsive in the main thread."""
        while not self._stopped.wait(0.5):
            pass

    def stop(self, build_timeout: float = 60) -> bool:
        """Stop watching, let a running build finish (up to build_timeout), close every
        stream, remove a temporary folder; False if a build was left running."""
        self.watcher.stop()
        if self._clock is not None:
            self._clock.cancel()
        finished = self.rebuilder.stop(build_timeout)
        self.events.close()
        if self.httpd is not None:
            if self._serving is not None:  # shutdown() waits for a loop that must have started
                self.httpd.shutdown()
            self.httpd.server_close()
        if self._owns_out_dir:
            shutil.rmtree(self.out_dir, ignore_errors=True)
            self._forget_manifest()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None
        self._stopped.set()
        return finished

    def _forget_manifest(self) -> None:
        # The build keeps one manifest per output folder; a removed temporary folder's
        # manifest would otherwise pile up in the cache.
        forget_output(self.site_dir, self.out_dir)

    def host_allowed(self, header: str | None) -> bool:
        parsed = parse_host(header)
        if parsed is None or parsed[1] != self.port:
            return False
        name = parsed[0]
        if name in LOOPBACK_NAMES or name in (self.options.host.lower(), self.public_host):
            return True
        if self.options.host in WILDCARD_HOSTS:  # asked to be reachable by any address
            return is_ip(name) or name in (socket.gethostname().lower(), socket.getfqdn().lower())
        return False

    def script_tag(self, rel: str) -> bytes:
        """The reload script for a page served from `rel` ("" for error pages)."""
        attrs = " ".join(
            f'data-{k}="{html.escape(v, quote=True)}"'
            for k, v in (
                ("file", rel),
                ("version", self.version),
                ("events", EVENTS_PATH),
                ("worker", WORKER_PATH),
            )
        )
        return f"<script {attrs}>{RELOAD_JS}</script>\n".encode()

    def hello(self) -> dict:
        return {"version": self.version, "problems": [asdict(p) for p in self.problems]}

    @contextmanager
    def _gate(self):
        self._building = True
        try:
            yield
        finally:
            self._building = False

    def wait_for_commit(self, timeout: float = 60) -> None:
        """Wait while a build moves its files into place (its journal exists).

        While a build renders, the folder still holds the whole previous build, so pages
        are served at once even during a long build (a template edit on a big site).
        """
        deadline = time.monotonic() + timeout
        while self._building and pending_journal(self.out_dir) and time.monotonic() < deadline:
            time.sleep(0.002)

    def rebuild(self, changed: set[str] | None) -> None:
        """Build once and tell the open tabs; never raises, so the server outlives any build."""
        try:
            self._rebuild(changed)
        finally:
            self.completed += 1

    def _rebuild(self, changed: set[str] | None) -> None:
        started = time.perf_counter()
        request = self._request(changed)
        scope = _build_scope(changed)
        scope = None if scope is None or self._unbuilt is None else scope | self._unbuilt
        with self._gate():
            try:
                report = self.builder(request, scope)
            except BuildError as exc:
                self._unbuilt = scope
                self._failed(exc.problems, changed)
                return
            except Exception as exc:  # noqa: BLE001 - a bug must not take the preview down
                self._unbuilt = None
                traceback.print_exc(file=self.err)
                self._failed(
                    [
                        Problem(
                            "newsgen",
                            None,
                            f"{type(exc).__name__}: {exc}",
                            "the traceback is in the terminal",
                        )
                    ],
                    changed,
                )
                return
            self._unbuilt = set()
            recovered = bool(self.problems)
            self.problems, self.last_report = [], report
            files = sorted(report.write.written + report.write.removed)
            # A new search index alone is no new version of the pages: a tab that connects
            # after it would reload for nothing. The search page follows the index through
            # the reload event's list of files.
            if recovered or any(not f.startswith(SEARCH_INDEX_ROUTE) for f in files):
                self._count += 1
        self._succeeded(report, files, recovered, changed, time.perf_counter() - started)

    def _request(self, changed: set[str] | None) -> BuildRequest:
        if changed is None or "site.yaml" in changed:
            try:
                self.base_path = load_config(self.site_dir).base_path
            except BuildError:
                pass  # the build reports it; keep serving under the old path meanwhile
        base_url = f"http://{_url_host(self.public_host)}:{self.port}{self.base_path}"
        show_all = self.options.drafts
        return BuildRequest(
            site_dir=self.site_dir,
            output=self.out_dir,
            base_url=base_url,
            drafts=show_all,
            future=show_all,
            use_cache=self.options.use_cache,
            kinds=self.kinds,
        )

    def _failed(self, problems: list[Problem], changed: set[str] | None) -> None:
        self.problems = list(problems)
        for problem in problems:
            print(problem, file=self.err)
        print(
            f"build failed: {len(problems)} problem(s){_because(changed)}; still serving the last good build",
            file=self.err,
            flush=True,
        )
        self.events.send("problems", self.hello())

    def _succeeded(
        self, report: BuildReport, files: list[str], recovered: bool, changed: set[str] | None, seconds: float
    ) -> None:
        write = report.write
        print(
            f"built in {seconds:.2f}s: {len(write.written)} written, {len(write.removed)} "
            f"removed{_because(changed)}",
            file=self.out,
            flush=True,
        )
        self._announce(report, files, recovered, changed)
        self._wake_at(report.site.next_change)
        # After the tabs are told: a new folder (content/, templates/) or another theme
        # may need watching now.
        self.watcher.sync(self._theme_dirs())

    def _wake_at(self, moment: datetime | None) -> None:
        """Build again when `moment` passes (the last build's site changes then)."""
        if self._clock is not None:
            self._clock.cancel()
            self._clock = None
        if moment is None or self._stopped.is_set():
            return
        delay = (moment - datetime.now(moment.tzinfo)).total_seconds() + CLOCK_SLACK
        self._clock = threading.Timer(
            min(max(delay, 0.0), LONGEST_TIMER), lambda: self.rebuilder.add({CLOCK_PASSED}, settled=True)
        )
        self._clock.daemon = True
        self._clock.start()

    def _announce(
        self, report: BuildReport, files: list[str], recovered: bool, changed: set[str] | None
    ) -> None:
        if not files and not recovered:
            return
        if files and not recovered and all(f.endswith(".css") for f in files):
            self.events.send("css", {"version": self.version})
            return
        listed = None if recovered or len(files) > MAX_LISTED_FILES or _assets_changed(files) else files
        self.events.send(
            "reload",
            {"version": self.version, "files": listed, "navigate": self._navigate_to(report, changed)},
        )

    def _navigate_to(self, report: BuildReport, changed: set[str] | None) -> str | None:
        if not self.options.navigate or not changed:
            return None
        documents: list[Article | Page] = [*report.site.articles, *report.site.pages]
        for document in documents:
            if document.source in changed:
                return self.base_path + document.route
        return None

    def _theme_dirs(self) -> list[Path]:
        try:
            config = load_config(self.site_dir)
            return list(load_theme(self.site_dir, config.theme).dirs)
        except BuildError:
            return []


def _build_scope(changed: set[str] | None) -> set[str] | None:
    """The paths the build must look at again; None (everything) after a folder event."""
    if changed is None or any(p.endswith("/") for p in changed):
        return None
    return changed


def _assets_changed(files: list[str]) -> bool:
    """Something a page may embed (an image, a script) changed, not only pages and feeds.
    The search index is not embedded: the search page follows it by name."""
    return any(
        not f.endswith((".html", ".css", ".xml", ".txt", ".json")) and not f.startswith(SEARCH_INDEX_ROUTE)
        for f in files
    )


def _because(changed: set[str] | None) -> str:
    if not changed:
        return ""
    names = {SEARCH_INDEX_READY: "the new search index", CLOCK_PASSED: "the clock"}
    shown = sorted(names.get(p, p) for p in changed)
    more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
    return f" ({', '.join(shown[:3])}{more})"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
