"""`newsgen serve`: a real server on a free port, driven by files on disk and headless Chromium."""

from __future__ import annotations

import io
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, article
from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.sync_api import expect

from generator.preview import Preview, ServeOptions, make_builder, parse_host, resolve_request
from generator.watcher import Rebuilder, Watcher

TIMEOUT = 10  # seconds any single wait may take before the test fails
ARTICLES = {
    "content/articles/first.md": article("First Story", category="World", body="Original body."),
    "content/articles/second.md": article("Second Story", date="2026-11-21T10:00:00", category="World"),
}
FIRST_URL = "2026/11/20/first/"


@dataclass
class Served:
    """A running preview of a test site."""

    site: object  # the SiteFactory
    preview: Preview
    url: str  # the site's URL, with the base path
    err: io.StringIO  # what the preview told the terminal about problems

    @property
    def root(self) -> Path:
        return self.site.root

    def save(self, rel: str, text: str) -> None:
        (self.root / rel).write_text(text, encoding="utf-8")

    def wait_builds(self, count: int) -> None:
        """Until `count` builds have finished since the preview started, and no more are due."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.preview.completed >= count and self.preview.settled:
                return
            time.sleep(0.01)
        pytest.fail(f"only {self.preview.completed} builds finished, expected {count}")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url.rstrip("/") + path, timeout=TIMEOUT) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


@pytest.fixture
def serve(make_site):
    """serve(files, **options) writes a site with two articles and starts its preview."""
    running: list[Preview] = []

    def start(files: dict | None = None, **options) -> Served:
        site = make_site({**ARTICLES, **(files or {})})
        err = io.StringIO()
        preview = Preview(ServeOptions(site_dir=site.root, port=0, **options), out=io.StringIO(), err=err)
        running.append(preview)
        return Served(site, preview, preview.start(), err)

    yield start
    for preview in running:
        preview.stop()


def open_page(page, url: str) -> None:
    """Load a page and wait until its event stream is open, so no build can be missed."""
    page.goto(url)
    page.wait_for_function("window.__newsgenOpen === true", timeout=TIMEOUT * 1000)
    page.evaluate("window.__sameDocument = true")  # gone after a reload


def raw_request(port: int, target: str, host: str | None = None) -> tuple[int, bytes]:
    """One request sent byte for byte, so nothing normalises the path on the way."""
    lines = [f"GET {target} HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {host}")
    lines += ["Connection: close", "", ""]
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        s.sendall("\r\n".join(lines).encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


# --- live reload in a real browser ---------------------------------------------------------


def test_editing_an_article_changes_the_open_page(serve, page):
    s = serve()
    open_page(page, s.url + FIRST_URL)
    expect(page.locator("body")).to_contain_text("Original body.")
    s.save("content/articles/first.md", article("First Story", category="World", body="Edited on disk."))
    expect(page.locator("body")).to_contain_text("Edited on disk.", timeout=TIMEOUT * 1000)
    assert page.evaluate("window.__sameDocument") is None  # a real reload happened


def test_a_save_by_rename_counts_as_a_change(serve, page):
    s = serve()
    open_page(page, s.url + FIRST_URL)
    builds = s.preview.completed
    temp = s.root / "content/articles/.first.md.tmp"
    temp.write_text(article("First Story", category="World", body="Saved by rename."))
    os.replace(temp, s.root / "content/articles/first.md")  # as vim and most editors do
    expect(page.locator("body")).to_contain_text("Saved by rename.", timeout=TIMEOUT * 1000)
    s.wait_builds(builds + 1)


def test_a_broken_site_yaml_shows_an_escaped_overlay_until_fixed(serve, page):
    s = serve()
    good = (s.root / "site.yaml").read_text()
    open_page(page, s.url + FIRST_URL)
    s.save("site.yaml", good + "title: [never closed\n")
    overlay = page.locator("#newsgen-overlay")
    expect(overlay).to_contain_text("site.yaml:", timeout=TIMEOUT * 1000)
    expect(page.locator("h1")).to_contain_text("First Story")  # the last good page stays
    assert re.search(r"site\.yaml:\d+: error:", s.err.getvalue())  # the terminal says it too

    s.save("site.yaml", good + "<img src=x onerror=window.__xss=1>: 1\n")
    expect(overlay).to_contain_text(
        "unknown setting `<img src=x onerror=window.__xss=1>`", timeout=TIMEOUT * 1000
    )
    assert overlay.locator("img").count() == 0
    assert page.evaluate("window.__xss") is None

    s.save("site.yaml", good)
    expect(overlay).to_have_count(0, timeout=TIMEOUT * 1000)
    page.wait_for_function("window.__newsgenOpen === true", timeout=TIMEOUT * 1000)
    assert page.evaluate("window.__sameDocument") is None  # fixing reloads


def test_a_site_broken_from_the_start_is_served_once_fixed(serve, page):
    s = serve({"site.yaml": "title: [never closed\n"})
    assert s.preview.problems
    open_page(page, s.url)
    expect(page.locator("#newsgen-overlay")).to_contain_text("site.yaml:1", timeout=TIMEOUT * 1000)
    s.save("site.yaml", "title: Mended Times\n")
    expect(page.locator("header")).to_contain_text("Mended Times", timeout=TIMEOUT * 1000)
    expect(page.locator("#newsgen-overlay")).to_have_count(0)


SET_HIDDEN = """hidden => {
    Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
    document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_a_background_tab_lets_its_stream_go_and_catches_up_when_shown(serve, page):
    page.add_init_script("delete window.SharedWorker")  # the fallback for browsers without
    s = serve()
    open_page(page, s.url + FIRST_URL)
    page.evaluate(SET_HIDDEN, True)
    builds = s.preview.completed
    s.save("content/articles/first.md", article("First Story", category="World", body="Unseen."))
    s.wait_builds(builds + 1)
    time.sleep(0.3)
    assert page.evaluate("window.__sameDocument") is True  # no stream, no reload
    page.evaluate(SET_HIDDEN, False)
    expect(page.locator("body")).to_contain_text("Unseen.", timeout=TIMEOUT * 1000)


def test_eight_tabs_share_one_stream_and_all_stay_live(serve, context):
    # A browser opens at most six connections to one server; a stream per tab would leave
    # the seventh tab waiting forever for its page.
    s = serve()
    tabs = []
    for _ in range(8):
        tab = context.new_page()
        tab.goto(s.url + FIRST_URL, timeout=TIMEOUT * 1000)
        tab.wait_for_function("window.__newsgenOpen === true", timeout=TIMEOUT * 1000)
        tabs.append(tab)
    s.save("content/articles/first.md", article("First Story", category="World", body="All eight."))
    for tab in tabs:
        expect(tab.locator("body")).to_contain_text("All eight.", timeout=TIMEOUT * 1000)


def test_a_stylesheet_change_swaps_the_css_without_a_reload(serve, page):
    s = serve({"content/static/css/style.css": "body { background: rgb(1, 2, 3); }\n"})
    open_page(page, s.url)
    background = "getComputedStyle(document.body).backgroundColor"
    assert page.evaluate(background) == "rgb(1, 2, 3)"
    s.save("content/static/css/style.css", "body { background: rgb(4, 5, 6); }\n")
    page.wait_for_function(f"{background} === 'rgb(4, 5, 6)'", timeout=TIMEOUT * 1000)
    assert page.evaluate("window.__sameDocument") is True


def test_navigate_takes_open_tabs_to_the_saved_article(serve, page):
    s = serve(navigate=True)
    open_page(page, s.url)
    s.save("content/articles/first.md", article("First Story", category="World", body="Moved."))
    page.wait_for_url(s.url + FIRST_URL, timeout=TIMEOUT * 1000)
    expect(page.locator("body")).to_contain_text("Moved.")


def test_a_site_with_a_base_path_is_served_under_it(serve, page):
    s = serve({"site.yaml": "title: Sub\nbase_url: https://example.org/news/\n"})
    assert s.url.endswith("/news/")
    port = s.preview.port
    assert raw_request(port, "/news/", f"127.0.0.1:{port}")[0] == 200
    assert raw_request(port, "/", f"127.0.0.1:{port}")[0] == 404
    status, response = raw_request(port, "/news", f"127.0.0.1:{port}")
    assert status == 301 and b"\r\nLocation: /news/\r\n" in response
    open_page(page, s.url + FIRST_URL)
    links = page.eval_on_selector_all("a[href^='/']", "els => els.map(e => e.getAttribute('href'))")
    assert links and all(href.startswith("/news/") for href in links)
    s.save("content/articles/first.md", article("First Story", category="World", body="Sub edit."))
    expect(page.locator("body")).to_contain_text("Sub edit.", timeout=TIMEOUT * 1000)


# --- builds --------------------------------------------------------------------------------


def test_a_deleted_article_gives_404_and_leaves_every_listing(serve):
    s = serve()
    builds = s.preview.completed
    (s.root / "content/articles/first.md").unlink()
    s.wait_builds(builds + 1)
    status, body = s.get("/" + FIRST_URL)
    assert status == 404
    assert "__newsgen" in body  # the site's own 404 page, with the reload script
    for listing in ("/", "/category/world/", "/archive/2026/11/", "/feed.xml"):
        body = s.get(listing)[1]
        assert "Second Story" in body and FIRST_URL not in body, listing


def test_the_preview_rebuilds_when_live_coverage_ends_with_no_file_saved(serve):
    """Site.next_change: the clock alone changes the site (coverage ends, a story goes
    out), so the preview builds again at that moment."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Europe/Madrid"))  # the test site's zone
    published = (now - timedelta(hours=1)).replace(microsecond=0)
    ends = (now + timedelta(seconds=3)).replace(microsecond=0)
    live = article(
        "Count night",
        published.isoformat(),
        f"Intro.\n\n## {(now - timedelta(minutes=30)):%Y-%m-%d %H:%M} Polls close\n\nCounting.",
        live=True,
        live_until=ends.isoformat(),
    )
    s = serve({"content/articles/live.md": live})
    day = f"{published:%Y/%m/%d}"
    assert "badge-live" in s.get(f"/{day}/live/")[1]
    builds = s.preview.completed
    s.wait_builds(builds + 1)  # no save: the clock passed live_until
    body = s.get(f"/{day}/live/")[1]
    assert "badge-live" not in body and "Live coverage ended" in body
    assert "(the clock)" in s.preview.out.getvalue()


def test_saves_made_while_the_build_is_broken_are_not_lost(serve):
    s = serve()
    good = (s.root / "site.yaml").read_text()
    builds = s.preview.completed
    s.save("site.yaml", good + "title: [never closed\n")
    s.wait_builds(builds + 1)
    s.save("content/articles/second.md", article("Second Story, Edited", category="World"))
    s.wait_builds(builds + 2)
    assert s.preview.problems
    s.save("site.yaml", good)
    s.wait_builds(builds + 3)
    assert not s.preview.problems
    assert "Second Story, Edited" in s.get("/")[1]


def test_a_renamed_article_moves_and_a_deleted_folder_takes_its_articles(serve):
    s = serve({"content/articles/2026/third.md": article("Third Story", category="World")})
    builds = s.preview.completed
    os.rename(s.root / "content/articles/first.md", s.root / "content/articles/renamed.md")
    s.wait_builds(builds + 1)
    assert s.get("/" + FIRST_URL)[0] == 404
    assert s.get("/2026/11/20/renamed/")[0] == 200
    builds = s.preview.completed
    shutil.rmtree(s.root / "content/articles/2026")
    s.wait_builds(builds + 1)
    assert s.get("/2026/11/20/third/")[0] == 404
    assert "Third Story" not in s.get("/")[1]


def test_a_templates_folder_made_while_serving_is_watched(serve):
    s = serve()
    builds = s.preview.completed
    (s.root / "templates").mkdir()
    s.save("templates/404.html", "<html><body><h1>Lost, version one</h1></body></html>")
    s.wait_builds(builds + 1)
    assert "Lost, version one" in s.get("/nowhere/")[1]
    builds = s.preview.completed
    s.save("templates/404.html", "<html><body><h1>Lost, version two</h1></body></html>")
    s.wait_builds(builds + 1)
    assert "Lost, version two" in s.get("/nowhere/")[1]


@pytest.mark.parametrize("drafts", [True, False])
def test_drafts_and_future_articles_show_unless_no_drafts(serve, drafts):
    s = serve(
        {
            "content/articles/draft.md": article("Draft Story", draft=True),
            "content/articles/later.md": article("Later Story", date="2099-01-01T10:00:00"),
        },
        drafts=drafts,
    )
    shown = 200 if drafts else 404
    assert s.get("/2026/11/20/draft/")[0] == shown and s.get("/2099/01/01/later/")[0] == shown
    assert f"http://127.0.0.1:{s.preview.port}/" in s.get("/")[1]  # links point at the preview


def test_a_theme_outside_the_site_is_watched(serve, tmp_path):
    theme = tmp_path / "house-theme"
    shutil.copytree(REPO / "themes" / "news", theme, ignore=shutil.ignore_patterns("__pycache__"))
    s = serve({"site.yaml": f"title: Themed\ntheme: {theme}\n"})
    builds = s.preview.completed
    page = theme / "templates" / "404.html"
    page.write_text(page.read_text().replace("{% block content %}", "{% block content %}<p>House 404</p>", 1))
    s.wait_builds(builds + 1)
    assert "House 404" in s.get("/nowhere/")[1]


def test_a_burst_of_100_writes_makes_at_most_two_builds(serve):
    # The burst comes from another process, as from an editor or git; the longer quiet
    # period absorbs a CI machine pausing that process, which is not what is tested here.
    s = serve(quiet=0.1)
    builds = s.preview.completed
    script = (
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "text = p.read_text()\n"
        "for n in range(100):\n"
        "    p.write_text(text.replace('Original body.', f'Version {n}.'))\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(s.root / "content/articles/first.md")], check=True, timeout=TIMEOUT
    )
    s.wait_builds(builds + 1)
    time.sleep(0.5)  # room for any late build to show up
    s.wait_builds(builds + 1)
    assert 1 <= s.preview.completed - builds <= 2
    assert "Version 99." in s.get("/" + FIRST_URL)[1]


def test_editor_droppings_and_build_output_are_never_reported(make_site, tmp_path):
    site = make_site(ARTICLES).root
    out = tmp_path / "out"
    for folder in (out, site / ".newsgen-cache", site / ".git"):
        folder.mkdir()
    seen: list[set[str]] = []
    arrived = threading.Event()

    def report(paths: set[str], settled: bool = False) -> None:
        seen.append(paths)
        if "content/articles/real.md" in paths:
            arrived.set()

    watcher = Watcher(site, report, exclude=[out, site / ".newsgen-cache"])
    watcher.start()
    try:
        folder = site / "content/articles"
        for name in (
            "first.md.swp",
            ".first.md.swp",
            "first.md~",
            ".#first.md",
            "4913",
            "first.md.tmp",
            "#first.md#",
            "first.md___jb_tmp___",
        ):
            (folder / name).write_text("noise")
        (site / "README.md").write_text("not part of the site")
        (site / ".newsgen-cache" / "scratch").write_text("cache")
        (site / ".git" / "index").write_text("git")
        (out / "extra.html").write_text("output")
        (site / "content/articles/first.md").read_text()  # reading is not a change
        (folder / "real.md").write_text(article("Real"))  # the last event, so all came before
        assert arrived.wait(TIMEOUT)
    finally:
        watcher.stop()
    assert set().union(*seen) == {"content/articles/real.md"}


def test_files_on_disk_never_hold_the_reload_script(serve):
    s = serve()
    builds = s.preview.completed
    first, second = (s.preview.out_dir / p / "index.html" for p in (FIRST_URL, "2026/11/21/second/"))
    before = first.stat().st_mtime_ns, second.stat().st_mtime_ns
    s.save("content/articles/first.md", article("First Story", category="World", body="Again."))
    s.wait_builds(builds + 1)  # the save's build, and the search index's that follows it
    assert first.stat().st_mtime_ns != before[0]  # incremental: the edited article is rewritten,
    assert second.stat().st_mtime_ns == before[1]  # an article it does not touch is not
    assert "__newsgen" in s.get("/" + FIRST_URL)[1]
    pages = [p for p in s.preview.out_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in pages)
    assert not [p for p in pages if b"__newsgen" in p.read_bytes()]


@pytest.mark.slow
def test_pages_are_served_while_a_long_build_renders(make_site):
    site = make_site(ARTICLES)
    build = make_builder()
    rendering = threading.Event()

    def slow_builder(request, changed):
        if changed is not None:
            rendering.set()
            time.sleep(2)  # as a template edit on a big site: the old site stays whole
        return build(request, changed)

    preview = Preview(ServeOptions(site_dir=site.root, port=0), builder=slow_builder, out=io.StringIO())
    url = preview.start()
    try:
        (site.root / "content/articles/first.md").write_text(article("First Story", body="New."))
        assert rendering.wait(TIMEOUT)
        started = time.monotonic()
        with urllib.request.urlopen(url + FIRST_URL, timeout=TIMEOUT) as r:
            assert "Original body." in r.read().decode()  # the last good build, whole
        assert time.monotonic() - started < 1
    finally:
        preview.stop()


def test_a_change_during_a_build_schedules_exactly_one_more():
    started, release, seen = threading.Event(), threading.Event(), []

    def slow_build(paths):
        seen.append(paths)
        started.set()
        release.wait(TIMEOUT)

    rebuilder = Rebuilder(slow_build, quiet=0.01)
    rebuilder.start()
    try:
        rebuilder.add({"a.md"})
        assert started.wait(TIMEOUT)
        for name in ("b.md", "c.md", "d.md"):
            rebuilder.add({name})
        release.set()
        deadline = time.monotonic() + TIMEOUT
        while (len(seen) < 2 or not rebuilder.idle()) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
    finally:
        rebuilder.stop()
    assert seen == [{"a.md"}, {"b.md", "c.md", "d.md"}]


def test_a_finished_save_builds_at_once_and_a_file_being_written_waits():
    built = threading.Event()
    rebuilder = Rebuilder(lambda paths: built.set(), quiet=2.0, settle=0.01)
    rebuilder.start()
    try:
        rebuilder.add({"a.md"}, settled=False)  # created, still being written
        assert not built.wait(0.5)
        rebuilder.add({"a.md"}, settled=True)  # closed after writing
        assert built.wait(1.0)
    finally:
        rebuilder.stop()


# --- what the server will and will not send ------------------------------------------------

TRAVERSALS = [
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/.%2e/secret.txt",
    "/..%2fsecret.txt",
    "/..%2Fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/..%5csecret.txt",
    "/..\\secret.txt",
    "//../secret.txt",
    "/./../secret.txt",
    "/a/../../secret.txt",
    "/%252e%252e/secret.txt",
    "/%00/../secret.txt",
    "/..%00/secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/leak.txt",
    "/leakdir/secret.txt",
    "/leakdir/",
    "/%2fsecret.txt",
    "http://127.0.0.1/../secret.txt",
]


def test_no_request_reaches_a_byte_outside_the_output_folder(serve, tmp_path):
    out = tmp_path / "preview"
    s = serve(output=out)
    (tmp_path / "secret.txt").write_text("TOPSECRET")
    (out / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (out / "leakdir").symlink_to(tmp_path)
    port = s.preview.port
    for target in TRAVERSALS:
        status, response = raw_request(port, target, f"127.0.0.1:{port}")
        assert status == 404, (target, response[:200])
        assert b"TOPSECRET" not in response, target
    assert raw_request(port, "/robots.txt", f"127.0.0.1:{port}")[0] == 200


def test_requests_for_another_host_name_are_refused(serve):
    s = serve()
    port = s.preview.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        assert raw_request(port, "/", host)[0] == 200, host
    for host in (
        f"evil.example:{port}",
        "evil.example",
        f"127.0.0.1:{port + 1}",
        f"localhost.evil.example:{port}",
        "",
        None,
    ):
        status, response = raw_request(port, "/", host)
        assert status == 403, host
        assert b"First Story" not in response
    status, response = raw_request(port, "/__newsgen/events", f"evil.example:{port}")
    assert status == 403
    assert b"access-control-allow-origin" not in raw_request(port, "/", f"127.0.0.1:{port}")[1].lower()


def test_binding_every_interface_prints_the_real_address_and_still_checks_host(serve):
    s = serve(host="0.0.0.0")
    address = s.preview.public_host
    assert address not in ("0.0.0.0", "") and s.url == f"http://{address}:{s.preview.port}/"
    port = s.preview.port
    assert raw_request(port, "/", f"{address}:{port}")[0] == 200
    assert raw_request(port, "/", f"evil.example:{port}")[0] == 403


def test_content_types_folders_and_missing_pages(serve):
    s = serve({"content/static/images/dot.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    port = s.preview.port
    expected = {
        "/": "text/html; charset=utf-8",
        "/feed.xml": "application/xml; charset=utf-8",
        "/robots.txt": "text/plain; charset=utf-8",
        "/images/dot.svg": "image/svg+xml",
        "/css/style.css": "text/css; charset=utf-8",
    }
    for path, kind in expected.items():
        status, response = raw_request(port, path, f"127.0.0.1:{port}")
        assert status == 200 and f"\r\nContent-Type: {kind}\r\n".encode() in response, path
    status, response = raw_request(port, "/" + FIRST_URL.rstrip("/"), f"127.0.0.1:{port}")
    assert status == 301 and f"Location: /{FIRST_URL}\r\n".encode() in response
    status, body = s.get("/no/such/page/")
    assert status == 404 and "<h1" in body


@pytest.mark.parametrize(
    "raw, found",
    [
        ("/", "index.html"),
        ("/a/", "a/index.html"),
        ("/a/index.html?x=1", "a/index.html"),
        ("/a", "redirect"),
        ("/a/../a/", None),
        ("/a//", None),
        ("/%2e/", None),
        ("/a%2f", None),
        ("/a/index.html/", None),
        ("/news/", None),
    ],
)
def test_resolve_request_maps_paths_strictly(tmp_path, raw, found):
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text("home")
    (tmp_path / "a" / "index.html").write_text("a")
    result = resolve_request(tmp_path, "/", raw)
    if found == "redirect":
        assert result.redirect == raw + "/"
    else:
        assert (result.rel or None) == found


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "..",
                ".",
                "%2e",
                "%2E",
                "%2f",
                "%5c",
                "%00",
                "/",
                "//",
                "a",
                "out",
                "secret.txt",
                "%252e",
                "\\",
                "?",
                "#",
                "%c0%ae",
            ]
        ),
        max_size=8,
    )
)
def test_resolve_request_never_leaves_the_folder(tmp_path_factory, parts):
    root = tmp_path_factory.getbasetemp() / "resolve"
    if not root.exists():
        (root / "out" / "a").mkdir(parents=True)
        (root / "out" / "index.html").write_text("in")
        (root / "secret.txt").write_text("out")
    result = resolve_request(root / "out", "/", "/" + "".join(parts))
    if result.file is not None:
        assert (root / "out").resolve() in result.file.parents
    assert not result.redirect or result.redirect.startswith("/") and not result.redirect.startswith("//")


def test_host_headers_parse():
    assert parse_host("127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert parse_host("[::1]:8000") == ("::1", 8000)
    assert parse_host("Example.org") == ("example.org", 80)
    assert parse_host("a b:80") is None and parse_host(None) is None


# --- the command ---------------------------------------------------------------------------


def test_newsgen_serve_stops_on_ctrl_c_and_keeps_the_folders_it_did_not_make(make_site, tmp_path):
    site = make_site(ARTICLES)
    keep = tmp_path / "kept"
    for output in ([], ["--output", str(keep)]):
        proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--site", str(site.root), "--port", "0", *output],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        try:
            line = _line_with(proc, "serving ")
            url, folder = re.search(r"serving (\S+) from (\S+) ", line).groups()
            assert url.startswith("http://127.0.0.1:")
            with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
                assert r.status == 200
            proc.send_signal(signal.SIGINT)
            assert proc.wait(TIMEOUT) == 0
        finally:
            proc.kill()
            proc.wait()
        assert Path(folder) == (keep if output else site.root / ".newsgen-cache" / "preview")
        assert (Path(folder) / "index.html").is_file()  # kept for the next start


def test_a_second_preview_of_a_site_gets_a_temporary_folder_it_removes(serve):
    first = serve()
    second = Preview(ServeOptions(site_dir=first.root, port=0), out=io.StringIO())
    try:
        second.start()
        assert second.out_dir != first.preview.out_dir
        assert (second.out_dir / "index.html").is_file()
    finally:
        second.stop()
    assert not second.out_dir.exists()
    assert (first.preview.out_dir / "index.html").is_file()


def _line_with(proc: subprocess.Popen, text: str) -> str:
    deadline = time.monotonic() + TIMEOUT * 3
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([proc.stdout], [], [], left)[0]:
            break  # never wait on a silent server for longer than the deadline
        line = proc.stdout.readline()
        if text in line:
            return line
        if not line and proc.poll() is not None:
            break
    pytest.fail(f"the server never printed {text!r}: {proc.stderr.read() if proc.poll() is not None else ''}")


def test_a_port_in_use_is_a_clear_error(make_site):
    site = make_site(ARTICLES)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "generator", "serve", "--site", str(site.root), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT * 3,
            cwd=REPO,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
