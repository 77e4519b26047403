"""The news theme in headless Chromium (Debian's, driven by Playwright): layout at phone
and desktop widths, scripts, relative times, and axe-core accessibility checks."""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import REPO, article, require_tool

AXE = REPO / "node_modules/axe-core/axe.min.js"
SHOTS = REPO / "test-results/theme"
DEMO_PAGES = {
    "home": "/",
    "article": "/2026/11/24/khameneis-moscow-escape-plan/",
    "category": "/category/international/",
    "about": "/about/",
}
# Other templates, checked by axe too.
MORE_PAGES = {
    "archive": "/archive/2026/11/",
    "tags": "/tag/",
    "not-found": "/404.html",
    "masthead": "/masthead/",
}
# The newsroom's pages, at both widths and by axe.
NEWSROOM_PAGES = {
    "live": "/2026/11/24/budget-vote-live/",
    "corrections": "/corrections/",
    "author": "/author/marta-rios/",
}
DEMO_PAGES.update(NEWSROOM_PAGES)
WIDTHS = [360, 1280]
# The image's pixel width once it has loaded (0 if it fails): lazy images load on scroll.
LOADED_WIDTH = """img => img.complete ? img.naturalWidth : new Promise(done => {
    img.addEventListener('load', () => done(img.naturalWidth), {once: true});
    img.addEventListener('error', () => done(0), {once: true});
})"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output readable
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # The browser may drop a connection it no longer needs (a page left mid-load).
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(folder: Path):
    """The folder over HTTP on a free local port, for as long as the block runs."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def demo_url(demo_build):
    with serve(demo_build.output_dir) as url:
        yield url


def watch(page) -> list[str]:
    """Collects console errors and uncaught exceptions of the page."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["home", "article", "category", *NEWSROOM_PAGES])
def test_demo_pages_render_cleanly(page, demo_url, name, width):
    errors = watch(page)
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(demo_url + DEMO_PAGES[name], wait_until="networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    assert errors == []
    assert horizontal_overflow(page) <= 0, "the page scrolls sideways"
    assert [u for u in requests if not u.startswith(demo_url)] == [], "third-party requests"
    assert page.locator("h1").count() == 1
    for img in page.locator("main img").all()[:6]:
        img.scroll_into_view_if_needed()
        assert img.evaluate(LOADED_WIDTH) > 0, img.get_attribute("src")


def test_front_page_reads_like_a_front_page_on_a_phone(page, demo_url):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(demo_url + "/")
    lead = page.locator(".lead-story .card")
    box = lead.locator(".card-title").bounding_box()
    assert box["y"] < 800, "the lead headline is on the first screen"
    assert lead.locator("img").bounding_box()["width"] >= 320, "the lead picture fills the width"
    nav = page.locator("header nav ul")
    # Sections scroll inside the navigation bar, never the page.
    assert nav.evaluate("n => n.scrollWidth > n.clientWidth")
    assert nav.evaluate("n => getComputedStyle(n).overflowX") == "auto"


def test_front_page_has_columns_on_a_desktop(page, demo_url):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(demo_url + "/")
    lead = page.locator(".lead-story").bounding_box()
    top = page.locator(".top-stories").bounding_box()
    assert top["x"] > lead["x"] + lead["width"] - 1, "top stories sit beside the lead"
    latest = page.locator(".latest .card").all()
    assert len({round(card.bounding_box()["y"]) for card in latest}) == 1, "latest: one row"


def test_current_section_is_in_view_on_a_phone(page, demo_url):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(demo_url + "/category/science/")
    current = page.locator(".sections a[aria-current]")
    assert current.inner_text() == "Science"
    box = current.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= 360, box


@pytest.mark.parametrize("width", [360, 414, 768, 1024, 1440])
def test_front_page_fits_every_width(page, demo_url, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(demo_url + "/")
    assert horizontal_overflow(page) <= 0


def test_long_words_and_links_do_not_widen_a_phone_page(page, make_site):
    word = "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen"
    link = "https://example.org/" + "a-very-long-path/" * 8
    site = make_site(
        {
            "content/articles/x.md": article(
                f"{word} {word}",
                category=word,
                tags=f"[{word}]",
                author=word,
                body=f"{word}{word} and <{link}>.\n\n| a | b |\n|---|---|\n| {word} | {word} |",
            )
        }
    )
    site.build()
    with serve(site.out) as url:
        page.set_viewport_size({"width": 360, "height": 800})
        for path in ("/", "/2026/11/20/x/", "/category/" + word.lower().replace("ä", "a") + "/"):
            page.goto(url + path)
            assert page.locator("h1").count() == 1, path
            assert horizontal_overflow(page) <= 0, path


@pytest.fixture
def fresh_site(make_site):
    """A site whose stories are dated relative to the real clock, as the browser sees it."""
    now = datetime.now(UTC).replace(microsecond=0)

    def at(delta: timedelta) -> str:
        return (now - delta).isoformat()

    def make(language: str = "en"):
        site = make_site(
            {
                "site.yaml": f"title: Fresh Times\nbase_url: https://example.org/\nlanguage: {language}\n",
                "content/articles/day.md": article(
                    "A day old", at(timedelta(days=1, minutes=5)), category="World", author="Ana Ruiz"
                ),
                "content/articles/hours.md": article(
                    "Three hours old", at(timedelta(hours=3, minutes=5)), category="World", author="Bo Li"
                ),
                "content/articles/old.md": article("Last month", at(timedelta(days=40)), category="World"),
            }
        )
        site.build(now=now)
        return site

    return make


def test_relative_time_reads_one_day_ago(page, fresh_site):
    site = fresh_site()
    with serve(site.out) as url:
        errors = watch(page)
        page.goto(url + "/category/world/")
        cards = page.locator(".card")
        assert cards.nth(0).locator("time").inner_text() == "3 hours ago"
        assert cards.nth(1).locator("time").inner_text() == "1 day ago"
        old = cards.nth(2).locator("time")
        when = datetime.fromisoformat(old.get_attribute("datetime"))
        assert old.inner_text() == f"{when:%B} {when.day}, {when.year}", "old: calendar date"
        title = cards.nth(1).locator("time").get_attribute("title")
        assert title and str(datetime.now(UTC).year) in title, "the absolute date stays in the title"
        page.goto(url + cards.nth(1).locator(".card-title a").get_attribute("href"))
        assert page.locator(".story-header time").inner_text() == "1 day ago"
        assert errors == []


def test_relative_time_speaks_the_site_language(page, fresh_site):
    site = fresh_site("es")
    with serve(site.out) as url:
        page.goto(url + "/category/world/")
        times = page.locator(".card time")
        assert times.nth(0).inner_text() == "hace 3 horas"
        assert times.nth(1).inner_text() == "hace 1 día"


def test_relative_times_keep_up_while_the_page_stays_open(page, fresh_site):
    site = fresh_site()
    with serve(site.out) as url:
        page.clock.install(time=datetime.now(UTC))
        page.goto(url + "/category/world/")
        first = page.locator(".card time").nth(0)
        assert first.inner_text() == "3 hours ago"
        page.clock.run_for("02:00:00")
        assert first.inner_text() == "5 hours ago"


def test_dates_read_fully_without_javascript(browser, fresh_site):
    site = fresh_site()
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        with serve(site.out) as url:
            page.goto(url + "/category/world/")
            first = page.locator(".card time").nth(0)
            when = datetime.fromisoformat(first.get_attribute("datetime"))
            assert first.inner_text() == f"{when:%B} {when.day}, {when.year}"
    finally:
        context.close()


def test_skip_link_appears_on_focus_and_moves_to_the_content(page, demo_url):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(demo_url + DEMO_PAGES["article"])
    skip = page.locator(".skip-link")
    assert skip.bounding_box()["y"] < 0, "hidden until focused"
    page.keyboard.press("Tab")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["y"] >= 0, "visible when focused"
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "focus is visible"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def luminance(rgb: str) -> float:
    """Relative luminance (WCAG) of a CSS rgb() colour."""
    channels = [int(c) / 255 for c in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_dark_mode_follows_the_reader_and_keeps_text_readable(page, demo_url, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(demo_url + DEMO_PAGES["article"])
    colours = page.evaluate("""() => {
        const body = getComputedStyle(document.body), h1 = document.querySelector('h1');
        return [body.backgroundColor, getComputedStyle(h1).color];
    }""")
    background, text = (luminance(c) for c in colours)
    assert (background < 0.05) == (scheme == "dark"), colours
    lighter, darker = max(background, text), min(background, text)
    assert (lighter + 0.05) / (darker + 0.05) >= 7, colours  # headline contrast, AAA even


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return result.violations.map(v => ({id: v.id, impact: v.impact,
            targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(DEMO_PAGES) + list(MORE_PAGES))
def test_axe_finds_no_serious_problems(page, demo_url, name, scheme):
    if not AXE.exists():
        require_tool(str(AXE))  # skips locally, fails in CI
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(demo_url + {**DEMO_PAGES, **MORE_PAGES}[name], wait_until="networkidle")
    violations = run_axe(page)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


# --- Live coverage in the browser ------------------------------------------------------------

LIVE_STORY = article(
    "Count night",
    "2026-11-25T09:00:00",
    """
    Follow the count.

    ## 10:30 Turnout is high

    Officials say 71% voted.

    ## 09:05 Polls close

    Counting begins.
    """,
    live=True,
    live_until="2026-11-25T20:00:00",
)


def test_an_open_live_page_fetches_new_entries_and_learns_when_coverage_ends(page, make_site):
    from conftest import NOW

    from generator.build import Builder, BuildRequest

    site = make_site(
        {
            "site.yaml": "title: T\nbase_url: http://127.0.0.1/\nlive_poll_seconds: 5\n",
            "content/articles/count.md": LIVE_STORY,
        }
    )
    builder = Builder(BuildRequest(site_dir=site.root, now=NOW, jobs=1))
    builder.build()
    errors = watch(page)
    with serve(site.out) as url:
        page.set_viewport_size({"width": 360, "height": 800})
        page.goto(url + "/2026/11/25/count/", wait_until="networkidle")
        ids = lambda: page.eval_on_selector_all(".live-entry", "els => els.map(e => e.id)")  # noqa: E731
        assert ids() == ["entry-20261125-1030", "entry-20261125-0905"]
        assert page.locator(".story-header .badge-live").is_visible()
        source = site.root / "content/articles/count.md"
        source.write_text(
            source.read_text().replace("## 10:30", "## 11:15 First result\n\nThe north.\n\n## 10:30")
        )
        builder.build({"content/articles/count.md"})
        page.wait_for_selector("#entry-20261125-1115", timeout=15_000)
        assert ids()[0] == "entry-20261125-1115" and len(ids()) == 3
        assert page.locator(".live-status").inner_text() == "New updates"
        ended = Builder(BuildRequest(site_dir=site.root, now=NOW + timedelta(days=1), jobs=1))
        ended.build()
        page.wait_for_selector(".story-header .badge-live", state="detached", timeout=15_000)
        assert (
            page.locator(".live-status").inner_text()
            == "Live coverage ended on November 25, 2026, 20:00 UTC."
        )
        assert horizontal_overflow(page) <= 0
    assert errors == []
