"""`newsgen serve`: build the site, serve it, rebuild on every save, reload open tabs.

The preview builds into a folder of its own (.newsgen-cache/preview/, or a temporary one
when that is in use), serves that folder over HTTP on the loopback interface, and watches
the site's sources.
Each burst of saves becomes one build (see watcher.py); when it succeeds, open tabs are
told over Server-Sent Events which files changed, and the ones showing a changed page
reload. A failed build leaves the folder as it was and shows the problems as an overlay.
The reload script is added to HTML responses as they are sent, never to the files.
"""

from __future__ import annotations

import html
import json
import multiprocessing
import os
import queue
import re
import shutil
import signal
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import unquote

from generator.build import Builder, BuildReport, BuildRequest
from generator.memory import forget_output
from generator.cache import CACHE_DIR
from generator.commandline import add_site_option
from generator.config import load_config
from generator.errors import BuildError, Problem
from generator.locks import try_hold
from generator.theme import load_theme
from generator.watcher import Rebuilder, Watcher
from generator.writer import pending_journal

EVENTS_PATH = "/__newsgen/events"
WORKER_PATH = "/__newsgen/worker.js"
PREVIEW_DIR = "preview"  # under the site's cache folder: the preview's own build
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})
PING_SECONDS = 15  # a comment line this often lets the server notice closed tabs
IDLE_SECONDS = 20  # a connection silent this long is closed (each one holds a thread)
BACKLOG = 511  # connections the kernel queues while every thread is busy (nginx's default)
ALLOWED_METHODS = "GET, HEAD"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
MAX_LISTED_FILES = 500  # beyond this, every tab reloads instead of checking the list
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".json": "application/json",
    ".map": "application/json", ".xml": "application/xml; charset=utf-8",
    ".xsl": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".avif": "image/avif", ".ico": "image/x-icon", ".woff2": "font/woff2",
    ".woff": "font/woff", ".ttf": "font/ttf", ".otf": "font/otf", ".pdf": "application/pdf",
    ".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
    ".wasm": "application/wasm", ".webmanifest": "application/manifest+json",
}

# Runs in every served page. It builds the overlay with textContent, so a problem's text
# can never become markup. __newsgenOpen tells tests the stream is open.
RELOAD_JS = """(function () {
  "use strict";
  var me = document.currentScript, file = me.dataset.file, version = me.dataset.version;
  var es = null;
  function newer(a, b) {  // versions are "server start.build count"
    var x = a.split("."), y = b.split(".");
    return x[0] !== y[0] || Number(x[1]) > Number(y[1]);
  }
  function overlay(problems) {
    var box = document.getElementById("newsgen-overlay");
    if (box) { box.remove(); }
    if (!problems.length) { return; }
    box = document.createElement("div");
    box.id = "newsgen-overlay";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "background:rgba(40,0,0,.94);color:#fff;font:15px/1.5 monospace;padding:2em;" +
      "white-space:pre-wrap";
    var title = document.createElement("h2");
    title.textContent = "newsgen: the build failed; this is the last good build";
    box.appendChild(title);
    problems.forEach(function (p) {
      var item = document.createElement("p"), where = document.createElement("strong");
      item.className = "newsgen-problem";
      where.textContent = p.path + (p.line ? ":" + p.line : "");
      item.append(where, document.createTextNode(": " + p.message +
        (p.hint ? "\\nhint: " + p.hint : "")));
      box.appendChild(item);
    });
    document.body.appendChild(box);
  }
  function swapStyles(token) {
    document.querySelectorAll('link[rel~="stylesheet"]').forEach(function (old) {
      var url = new URL(old.href);
      if (url.origin !== location.origin) { return; }
      url.searchParams.set("newsgen", token);
      var fresh = old.cloneNode();
      fresh.href = url.href;
      fresh.onload = fresh.onerror = function () { old.remove(); };
      old.after(fresh);
    });
  }
  var on = {
    hello: function (d) {
      window.__newsgenOpen = true;
      if (d.problems.length) { overlay(d.problems); }
      else if (newer(d.version, version)) { location.reload(); }
    },
    problems: function (d) { overlay(d.problems); },
    css: function (d) { version = d.version; swapStyles(d.version); },
    reload: function (d) {
      if (d.navigate && d.navigate !== location.pathname) { location.assign(d.navigate); return; }
      if (!d.files || !file || d.files.indexOf(file) >= 0) { location.reload(); return; }
      version = d.version;
    }
  };
  function connect() {
    es = new EventSource(me.dataset.events);
    Object.keys(on).forEach(function (type) {
      es.addEventListener(type, function (e) { on[type](JSON.parse(e.data)); });
    });
  }
  if (window.SharedWorker) {
    // A browser opens at most six connections to one server and each stream holds one,
    // so every tab of the browser shares one stream through a worker.
    var worker = new SharedWorker(me.dataset.worker);
    worker.port.onmessage = function (m) { on[m.data.type](m.data.data); };
    addEventListener("pagehide", function () { worker.port.postMessage("bye"); });
  } else {
    // Without workers, tabs in the background let their stream go and catch up when shown.
    document.addEventListener("visibilitychange", function () {
      if (document.hidden && es) { es.close(); es = null; window.__newsgenOpen = false; }
      else if (!document.hidden && !es) { connect(); }
    });
    if (!document.hidden) { connect(); }
  }
})();"""

# The shared worker: one event stream for all tabs, each told what the stream says; a tab
# that joins later is told the latest state as if it had just connected.
WORKER_JS = """"use strict";
var ports = [], es = null, state = null;
function tell(type, data) { ports.forEach(function (p) { p.postMessage({type: type, data: data}); }); }
function listen() {
  es = new EventSource("EVENTS");
  ["hello", "problems", "css", "reload"].forEach(function (type) {
    es.addEventListener(type, function (e) {
      var d = JSON.parse(e.data);
      state = (type === "hello" || type === "problems") ? d : {version: d.version, problems: []};
      tell(type, d);
    });
  });
}
onconnect = function (e) {
  var port = e.ports[0];
  ports.push(port);
  port.onmessage = function (m) {
    if (m.data === "bye") { ports.splice(ports.indexOf(port), 1); }
  };
  if (!es) { listen(); }
  else if (state) { port.postMessage({type: "hello", data: state}); }
};
""".replace("EVENTS", EVENTS_PATH)

FALLBACK_404 = (b"<!doctype html><html><head><meta charset=\"utf-8\"><title>Not found</title>"
                b"</head><body><h1>Not found</h1></body></html>")


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


class Broadcaster:
    """Fans server-sent events out to every open tab, one queue per tab."""

    def __init__(self):
        self._queues: set[queue.Queue] = set()
        self._lock = threading.Lock()
        self._closed = False

    def subscribe(self) -> queue.Queue:
        q: queue.Queue = queue.Queue()
        with self._lock:
            if self._closed:
                q.put(None)  # a tab connecting while the server stops gets no stream
            self._queues.add(q)
        return q

    def unsubscribe(self, q: queue.Queue) -> None:
        with self._lock:
            self._queues.discard(q)

    def send(self, event: str, data: dict) -> None:
        message = sse_message(event, data)
        with self._lock:
            for q in self._queues:
                q.put(message)

    def close(self) -> None:
        """Ends every stream (None is the handler's signal to return)."""
        with self._lock:
            self._closed = True
            for q in self._queues:
                q.put(None)


def sse_message(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


@dataclass(frozen=True)
class Resolved:
    """Where a request path leads: a file inside the output folder, a redirect, or nothing."""

    file: Path | None = None  # the file to send
    rel: str = ""  # its path inside the output folder, as builds report it
    redirect: str = ""  # the Location to send instead


def resolve_request(out_dir: Path, base_path: str, raw: str) -> Resolved:
    """Map a raw request path to a file strictly inside out_dir; anything odd is missing.

    Segments are split before they are percent-decoded, so an encoded slash or dot can
    never form `..`; symlinks are resolved and must still land inside out_dir.
    """
    path = raw.split("#", 1)[0]
    path, _, query = path.partition("?")
    if not path.startswith("/") or re.search(r"[\x00-\x20\x7f\\]", path):
        return Resolved()
    if not path.startswith(base_path):
        return Resolved(redirect=base_path) if path + "/" == base_path else Resolved()
    names = [_decode(s) for s in path[len(base_path):].split("/")]
    last = names.pop()
    if last is None or any(not n for n in names):  # `//` or bad escapes: never a real file
        return Resolved()
    root = out_dir.resolve()
    target = root.joinpath(*names, last).resolve()
    if target != root and root not in target.parents:
        return Resolved()
    if target.is_dir():
        if last:  # a folder asked for as a file: relative links need the slash
            return Resolved(redirect=path + "/" + (f"?{query}" if query else ""))
        target = (target / "index.html").resolve()
        if root not in target.parents:
            return Resolved()
    elif not last:
        return Resolved()  # `file.html/` is not a folder
    if not target.is_file():
        return Resolved()
    return Resolved(file=target, rel=target.relative_to(root).as_posix())


def _decode(segment: str) -> str | None:
    """A percent-decoded path segment, or None if it could step out of its folder."""
    try:
        name = unquote(segment, errors="strict")
    except UnicodeDecodeError:
        return None
    if name in (".", "..") or re.search(r"[\x00/\\]", name):
        return None
    return name


def content_type(path: Path) -> str:
    import mimetypes

    suffix = path.suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] \
        or "application/octet-stream"


def inject(page: bytes, tag: bytes) -> bytes:
    """The page with the tag just before its last </body> (or at the end)."""
    at = page.lower().rfind(b"</body>")
    return page + tag if at < 0 else page[:at] + tag + page[at:]


def parse_host(header: str | None) -> tuple[str, int] | None:
    """(name, port) of a Host header, name lower-case without IPv6 brackets."""
    m = re.fullmatch(r"(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.\-]+)(?::(\d{1,5}))?", (header or "").strip())
    if not m:
        return None
    return m[1].lower().strip("[]"), int(m[2]) if m[2] else 80


def is_ip(name: str) -> bool:
    try:
        ip_address(name)
    except ValueError:
        return False
    return True


def lan_address() -> str:
    """The address other machines reach this one by (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


class PreviewHandler(BaseHTTPRequestHandler):
    """Serves the preview's output folder, the event stream, and nothing else."""

    protocol_version = "HTTP/1.1"  # keep-alive: a reload reuses the connection
    # Headers and body go out in separate writes; with Nagle's algorithm the body waited
    # for the browser's delayed ACK, 40-70 ms per stylesheet on a reload.
    disable_nagle_algorithm = True
    server_version = "newsgen-preview"
    sys_version = ""
    # A socket timeout: a keep-alive connection left idle, or a client that stops
    # reading, frees its thread instead of holding it for ever. Event streams write a
    # ping well within it.
    timeout = IDLE_SECONDS

    @property
    def preview(self) -> Preview:
        return self.server.preview  # type: ignore[attr-defined]

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(send_body=False)

    def _not_allowed(self) -> None:
        # 405 with Allow, not http.server's 501: the method exists, this server refuses it.
        self._send(405, "text/plain; charset=utf-8", b"method not allowed\n", True,
                   {"Allow": ALLOWED_METHODS})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass  # a writer wants build results in the terminal, not an access log

    def _respond(self, send_body: bool) -> None:
        hosts = self.headers.get_all("Host") or []
        if len(hosts) > 1:  # which one would a proxy in front have checked?
            self._send(400, "text/plain; charset=utf-8", b"more than one Host header\n", send_body)
            return
        # DNS rebinding: a page on evil.example resolved to 127.0.0.1 still says its name.
        if not self.preview.host_allowed(self.headers.get("Host")):
            self._send(403, "text/plain; charset=utf-8", b"unexpected Host header\n", send_body)
            return
        if self.path.split("?", 1)[0] == EVENTS_PATH:
            self._stream_events(send_body)
            return
        if self.path.split("?", 1)[0] == WORKER_PATH:
            self._send(200, "text/javascript; charset=utf-8", WORKER_JS.encode(), send_body)
            return
        self.preview.wait_for_commit()  # never a half-committed build
        found = resolve_request(self.preview.out_dir, self.preview.base_path, self.path)
        if found.redirect:
            self._send(301, "text/plain; charset=utf-8", b"", send_body,
                       {"Location": found.redirect})
        elif found.file is not None:
            self._send_file(200, found.file, found.rel, send_body)
        else:
            self._send_not_found(send_body)

    def _send_not_found(self, send_body: bool) -> None:
        page = resolve_request(self.preview.out_dir, "/", "/404.html")
        if page.file is not None:
            self._send_file(404, page.file, "", send_body)
        else:
            self._send(404, "text/html; charset=utf-8",
                       inject(FALLBACK_404, self.preview.script_tag("")), send_body)

    def _send_file(self, status: int, path: Path, rel: str, send_body: bool) -> None:
        kind = content_type(path)
        try:
            if kind.startswith("text/html"):
                body = inject(path.read_bytes(), self.preview.script_tag(rel))
                self._send(status, kind, body, send_body)
                return
            with path.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                part = self._range(size) if status == 200 else None
                if part == "unsatisfiable":
                    self._send(416, "text/plain; charset=utf-8", b"", send_body,
                               {"Content-Range": f"bytes */{size}"})
                    return
                if part is None:
                    self._headers(status, kind, size, {"Accept-Ranges": "bytes"})
                    if send_body:
                        shutil.copyfileobj(f, self.wfile)
                    return
                start, end = part
                self._headers(206, kind, end - start + 1,
                              {"Content-Range": f"bytes {start}-{end}/{size}",
                               "Accept-Ranges": "bytes"})
                if send_body:
                    f.seek(start)
                    _copy_part(f, self.wfile, end - start + 1)
        except FileNotFoundError:
            self._send(404, "text/plain; charset=utf-8", b"not found\n", send_body)

    def _range(self, size: int) -> tuple[int, int] | str | None:
        """(first, last byte) of a single satisfiable `Range: bytes=` request (Safari
        plays video only through them); "unsatisfiable"; or None for the whole file
        (no Range, several ranges, or one we do not understand, as RFC 9110 allows)."""
        match = _RANGE.match((self.headers.get("Range") or "").strip())
        if match is None or match.group(1) == match.group(2) == "":
            return None
        first, last = match.groups()
        if first == "":  # the last N bytes
            start, end = max(0, size - int(last)), size - 1
        else:
            start, end = int(first), min(size - 1, int(last)) if last else size - 1
        if start >= size or start > end:
            return "unsatisfiable"
        return start, end

    def _headers(self, status: int, kind: str, length: int, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")  # a reload must show the new build
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def _send(self, status: int, kind: str, body: bytes, send_body: bool,
              extra: dict | None = None) -> None:
        self._headers(status, kind, len(body), extra)
        if send_body:
            self.wfile.write(body)

    def _stream_events(self, send_body: bool = True) -> None:
        if not send_body:  # HEAD: the headers a stream would have, and no stream
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        events = self.preview.events
        q = events.subscribe()  # before the headers: once the tab sees them, it is listening
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            self.wfile.write(b"retry: 500\n" + sse_message("hello", self.preview.hello()))
            self.wfile.flush()
            while True:
                try:
                    message = q.get(timeout=PING_SECONDS)
                except queue.Empty:
                    message = b": ping\n\n"
                if message is None:
                    return
                self.wfile.write(message)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return  # the tab was closed or reloaded, or stopped reading
        finally:
            events.unsubscribe(q)


class PreviewHTTPServer(ThreadingHTTPServer):
    """A threading server (each event stream holds a thread) that shrugs off closed tabs."""

    daemon_threads = True
    request_queue_size = BACKLOG

    def __init__(self, address, preview: Preview):
        self.preview = preview
        super().__init__(address, PreviewHandler)

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a browser dropping a connection mid-response is not a server error
        super().handle_error(request, client_address)


class PreviewHTTPServer6(PreviewHTTPServer):
    address_family = socket.AF_INET6


class Preview:
    """A running preview: the output folder it owns, its server, watcher and rebuilder."""

    def __init__(self, options: ServeOptions, builder: BuildFunction | None = None,
                 out=sys.stdout, err=sys.stderr):
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
        self.watcher = Watcher(self.site_dir, self.rebuilder.add,
                               exclude=[self.out_dir, self.site_dir / CACHE_DIR])

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
        self._serving = threading.Thread(target=self.httpd.serve_forever, name="newsgen-http",
                                         daemon=True)
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
        attrs = " ".join(f'data-{k}="{html.escape(v, quote=True)}"' for k, v in
                         (("file", rel), ("version", self.version), ("events", EVENTS_PATH),
                          ("worker", WORKER_PATH)))
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
                self._failed([Problem("newsgen", None, f"{type(exc).__name__}: {exc}",
                                      "the traceback is in the terminal")], changed)
                return
            self._unbuilt = set()
            recovered = bool(self.problems)
            self.problems, self.last_report = [], report
            files = sorted(report.write.written + report.write.removed)
            if files or recovered:
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
        return BuildRequest(site_dir=self.site_dir, output=self.out_dir, base_url=base_url,
                            drafts=show_all, future=show_all, use_cache=self.options.use_cache)

    def _failed(self, problems: list[Problem], changed: set[str] | None) -> None:
        self.problems = list(problems)
        for problem in problems:
            print(problem, file=self.err)
        print(f"build failed: {len(problems)} problem(s){_because(changed)}; still serving "
              "the last good build", file=self.err, flush=True)
        self.events.send("problems", self.hello())

    def _succeeded(self, report: BuildReport, files: list[str], recovered: bool,
                   changed: set[str] | None, seconds: float) -> None:
        write = report.write
        print(f"built in {seconds:.2f}s: {len(write.written)} written, {len(write.removed)} "
              f"removed{_because(changed)}", file=self.out, flush=True)
        self._announce(report, files, recovered, changed)
        # After the tabs are told: a new folder (content/, templates/) or another theme
        # may need watching now.
        self.watcher.sync(self._theme_dirs())

    def _announce(self, report: BuildReport, files: list[str], recovered: bool,
                  changed: set[str] | None) -> None:
        if not files and not recovered:
            return
        if files and not recovered and all(f.endswith(".css") for f in files):
            self.events.send("css", {"version": self.version})
            return
        listed = None if recovered or len(files) > MAX_LISTED_FILES or _assets_changed(files) \
            else files
        self.events.send("reload", {"version": self.version, "files": listed,
                                    "navigate": self._navigate_to(report, changed)})

    def _navigate_to(self, report: BuildReport, changed: set[str] | None) -> str | None:
        if not self.options.navigate or not changed:
            return None
        for document in (*report.site.articles, *report.site.pages):
            if document.source in changed:
                return self.base_path + document.route
        return None

    def _theme_dirs(self) -> list[Path]:
        try:
            config = load_config(self.site_dir)
            return list(load_theme(self.site_dir, config.theme).dirs)
        except BuildError:
            return []


def _copy_part(source, sink, length: int) -> None:
    while length > 0:
        chunk = source.read(min(length, 1 << 16))
        if not chunk:
            return
        sink.write(chunk)
        length -= len(chunk)


def _build_scope(changed: set[str] | None) -> set[str] | None:
    """The paths the build must look at again; None (everything) after a folder event."""
    if changed is None or any(p.endswith("/") for p in changed):
        return None
    return changed


def _assets_changed(files: list[str]) -> bool:
    """Something a page may embed (an image, a script) changed, not only pages and feeds."""
    return any(not f.endswith((".html", ".css", ".xml", ".txt")) for f in files)


def _because(changed: set[str] | None) -> str:
    if not changed:
        return ""
    shown = sorted(changed)
    more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
    return f" ({', '.join(shown[:3])}{more})"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def add_serve_command(commands) -> None:
    p = commands.add_parser(
        "serve", help="preview the site, rebuilding and reloading on every save",
        description="Build the site into a preview folder, serve it, and rebuild on every "
        "save; open tabs reload by themselves. Drafts and future articles are shown.")
    add_site_option(p)
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to listen on (default: 127.0.0.1; 0.0.0.0 makes the "
                   "preview reachable from other machines)")
    p.add_argument("--port", "-p", type=int, default=8000, help="port (default: 8000; 0: any free)")
    p.add_argument("--output", "-o", type=Path, metavar="DIR",
                   help="build the preview here (default: .newsgen-cache/preview/, kept so "
                   "the next start is quick; a temporary folder if that one is in use)")
    p.add_argument("--no-drafts", action="store_true",
                   help="leave out drafts and future articles, as the published site does")
    p.add_argument("--navigate", action="store_true",
                   help="open tabs follow to the article or page just saved")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the parse cache")
    p.set_defaults(run=run_serve)


def run_serve(args) -> int:
    options = ServeOptions(site_dir=args.site, host=args.host, port=args.port,
                           output=args.output, drafts=not args.no_drafts,
                           navigate=args.navigate, use_cache=not args.no_cache)
    preview = Preview(options)
    _stop_on_signals()
    try:
        url = preview.start()
        if options.host not in LOOPBACK_NAMES:
            print("warning: the preview is reachable from other machines on this network",
                  file=sys.stderr)
        print(f"serving {url} from {preview.out_dir} (Ctrl-C to stop)", flush=True)
        preview.wait()
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    except OSError as exc:
        print(f"cannot listen on {options.host}:{options.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    finally:
        finished = preview.stop(build_timeout=3)
    if not finished:
        # A build's worker processes got the Ctrl-C too, so it can never finish; the
        # writer's journal lets the next start complete or discard it.
        print("stopped during a build; the next start completes it", file=sys.stderr)
        for worker in multiprocessing.active_children():
            worker.terminate()  # they would only fail writing to a server that is gone
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM stop the server; forked build workers just end, quietly."""
    server_pid = os.getpid()

    def interrupt(signum, frame) -> None:
        if os.getpid() != server_pid:
            os._exit(128 + signum)  # a build worker: the pool or the server is stopping
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
