"""The preview's HTTP side: path resolution, the request handler and the servers.

Serves the preview folder read-only over GET and HEAD (with byte ranges), adds the
reload script to HTML as it is sent (never to the files), and streams build events.
A request's path never leaves the served folder (resolve_request)."""

from __future__ import annotations

import os
import queue
import re
import shutil
import socket
import sys
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from ipaddress import ip_address
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote

from generator.preview.events import PING_SECONDS, Broadcaster, sse_message

EVENTS_PATH = "/__newsgen/events"

WORKER_PATH = "/__newsgen/worker.js"

IDLE_SECONDS = 20  # a connection silent this long is closed (each one holds a thread)

BACKLOG = 511  # connections the kernel queues while every thread is busy (nginx's default)

ALLOWED_METHODS = "GET, HEAD"

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json",
}


def script(name: str) -> str:
    """A browser script of this package (livereload.js, worker.js), as text."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


# The shared worker: one event stream for all tabs (see worker.js).
WORKER_JS = script("worker.js")

FALLBACK_404 = (
    b'<!doctype html><html><head><meta charset="utf-8"><title>Not found</title>'
    b"</head><body><h1>Not found</h1></body></html>"
)


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
    names = [_decode(s) for s in path[len(base_path) :].split("/")]
    last = names.pop()
    if last is None or any(not n for n in names):  # `//` or bad escapes: never a real file
        return Resolved()
    root = out_dir.resolve()
    target = root.joinpath(*(n for n in names if n), last).resolve()
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
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


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


class Served(Protocol):
    """What the handler needs of the preview it serves (session.Preview)."""

    out_dir: Path  # the folder served
    base_path: str  # the site's base path ("/" or "/news/")
    events: Broadcaster  # the event stream

    def host_allowed(self, header: str | None) -> bool: ...
    def script_tag(self, rel: str) -> bytes: ...
    def hello(self) -> dict: ...
    def wait_for_commit(self, timeout: float = 60) -> None: ...


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
    def preview(self) -> Served:
        return self.server.preview  # type: ignore[attr-defined]

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(send_body=False)

    def _not_allowed(self) -> None:
        # 405 with Allow, not http.server's 501: the method exists, this server refuses it.
        self._send(
            405, "text/plain; charset=utf-8", b"method not allowed\n", True, {"Allow": ALLOWED_METHODS}
        )

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
            self._send(301, "text/plain; charset=utf-8", b"", send_body, {"Location": found.redirect})
        elif found.file is not None:
            self._send_file(200, found.file, found.rel, send_body)
        else:
            self._send_not_found(send_body)

    def _send_not_found(self, send_body: bool) -> None:
        page = resolve_request(self.preview.out_dir, "/", "/404.html")
        if page.file is not None:
            self._send_file(404, page.file, "", send_body)
        else:
            self._send(
                404, "text/html; charset=utf-8", inject(FALLBACK_404, self.preview.script_tag("")), send_body
            )

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
                    self._send(
                        416, "text/plain; charset=utf-8", b"", send_body, {"Content-Range": f"bytes */{size}"}
                    )
                    return
                if part is None:
                    self._headers(status, kind, size, {"Accept-Ranges": "bytes"})
                    if send_body:
                        shutil.copyfileobj(f, self.wfile)
                    return
                assert not isinstance(part, str)  # "unsatisfiable" was answered above
                start, end = part
                self._headers(
                    206,
                    kind,
                    end - start + 1,
                    {"Content-Range": f"bytes {start}-{end}/{size}", "Accept-Ranges": "bytes"},
                )
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

    def _send(self, status: int, kind: str, body: bytes, send_body: bool, extra: dict | None = None) -> None:
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

    def __init__(self, address, preview: Served):
        self.preview = preview
        super().__init__(address, PreviewHandler)

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a browser dropping a connection mid-response is not a server error
        super().handle_error(request, client_address)


class PreviewHTTPServer6(PreviewHTTPServer):
    address_family = socket.AF_INET6


def _copy_part(source, sink, length: int) -> None:
    while length > 0:
        chunk = source.read(min(length, 1 << 16))
        if not chunk:
            return
        sink.write(chunk)
        length -= len(chunk)
