"""Feeds every reader accepts: the W3C Feed Validation Service's own checker on every feed
of the demo site, a new site, a hostile site and a 1,000-article corpus; feedparser with no
bozo; JSON Feed item for item with RSS; images, per-author and per-tag feeds, WebSub."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import feedparser
import pytest
import yaml
from conftest import REPO, article, image_bytes

from generator.cli import main
from generator.errors import BuildError
from generator.outputs.feeds import check_feed, check_json_feed

VALIDATOR = Path(__file__).parent / "tools" / "feedvalidator" / "validate"
sys.path.insert(0, str(REPO / "bench"))
import corpus  # noqa: E402


def w3c(out: Path, base_url: str) -> str:
    """The checker's summary line; the test fails with every problem it printed."""
    done = subprocess.run(
        [sys.executable, str(VALIDATOR), str(out), base_url, "--warnings-fail"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0 and summary.endswith(" 0 errors, 0 warnings"), done.stdout + done.stderr
    return summary


def feeds_of(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.name in ("feed.xml", "atom.xml", "feed.json"))


def assert_readers_agree(out: Path) -> None:
    """feedparser reads every feed without complaint, and each JSON Feed carries the same
    stories, in the same order, as the RSS feed beside it."""
    for path in feeds_of(out):
        if path.name == "feed.json":  # feedparser reads XML feeds only
            assert check_json_feed(json.loads(path.read_text(encoding="utf-8"))) == [], path
            continue
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.entries, path
    for rss in out.rglob("feed.xml"):
        jf = json.loads((rss.parent / "feed.json").read_text(encoding="utf-8"))
        entries = feedparser.parse(rss.read_bytes()).entries
        assert [(e.link, e.title) for e in entries] == [(i["url"], i["title"]) for i in jf["items"]], rss


def jpeg(width: int = 1200, height: int = 675) -> bytes:
    return image_bytes("JPEG", width, height)


@pytest.mark.slow  # runs the W3C checker
def test_every_feed_of_the_demo_site_passes_the_w3c_checker(demo_build):
    summary = w3c(demo_build.output_dir, "https://4ever.news/")
    print(summary)
    assert_readers_agree(demo_build.output_dir)
    atom = (demo_build.output_dir / "atom.xml").read_text(encoding="utf-8")
    assert '<content type="html">' in atom and 'rel="enclosure"' in atom
    assert "<logo>https://4ever.news/images/logo-512.png</logo>" in atom


@pytest.mark.slow  # runs the W3C checker
def test_every_feed_of_a_new_site_passes_the_w3c_checker(tmp_path):
    site = tmp_path / "paper"
    assert main(["init", str(site), "--title", "The Paper", "--base-url", "https://paper.example/"]) == 0
    assert main(["build", "--site", str(site), "--quiet"]) == 0
    print(w3c(site / "output", "https://paper.example/"))
    assert_readers_agree(site / "output")


HOSTILE_TITLE = "Crisis ]]> at the \x01\x0b\ufffe border: \u202eevil\u202c 🚀 “quoted” x < y & more"


def hostile_site(make_site, **settings):
    lines = "".join(f"{k}: {v}\n" for k, v in settings.items())
    body = (
        "See [the report](/news/2026/11/20/rain/) and ![a chart](/images/chart.jpg).\n\n"
        "<script>alert(1)</script> Text with ]]> inside.\n"
    )
    return make_site(
        {
            "site.yaml": "title: Hostile <Times> & Co\nbase_url: https://example.org/news/\n"
            "timezone: Europe/Madrid\nlogo: images/logo.jpg\n" + lines,
            "content/static/images/photo.jpg": jpeg(),
            "content/static/images/chart.jpg": jpeg(800, 600),
            "content/static/images/logo.jpg": jpeg(512, 512),
            "content/articles/hostile.md": "---\n"
            + yaml.safe_dump(
                {
                    "title": HOSTILE_TITLE,
                    "date": "2026-11-21T09:00:00",
                    "category": "World",
                    "author": ["Ana Ruiz", "<script>", "Bo Li"],
                    "tags": ["Border", "C]]>D"],
                    "summary": "x" * 10_000,
                    "image": "images/photo.jpg",
                    "image_alt": "Trucks <waiting>",
                    "image_caption": "Photo: Ana Ruiz / Agency & Co",
                },
                allow_unicode=True,
            )
            + "---\n\n"
            + body,
            "content/articles/rain.md": article(
                "Rain", "2026-11-20T10:00:00", "Wet.", category="World", updated="2026-11-22T08:00:00"
            ),
        },
        basic=False,
    )


@pytest.mark.slow  # runs the W3C checker
def test_hostile_titles_co_authors_and_a_base_path_still_give_valid_feeds(make_site):
    site = hostile_site(make_site)
    site.build()
    print(w3c(site.out, "https://example.org/news/"))
    assert_readers_agree(site.out)
    rss = site.read("feed.xml")
    title = feedparser.parse(rss).entries[0].title
    assert "]]>" in title and "🚀" in title and "\x01" not in title and "\ufffe" not in title
    assert 'href="https://example.org/news/2026/11/20/rain/"' in rss  # body links made absolute
    assert 'length="' in rss and 'type="image/jpeg"' in rss
    entry = json.loads(site.read("feed.json"))["items"][0]  # newest first: the hostile story
    assert [a["name"] for a in entry["authors"]] == ["Ana Ruiz", "<script>", "Bo Li"]
    assert entry["image"] == "https://example.org/news/images/photo.jpg"


def test_images_carry_their_real_length_type_size_alt_text_and_credit(make_site):
    site = hostile_site(make_site)
    site.build()
    photo = site.root / "content/static/images/photo.jpg"
    item = feedparser.parse(site.read("feed.xml")).entries[0]
    assert item.enclosures[0]["length"] == str(photo.stat().st_size)
    assert item.media_content[0]["width"] == "1200" and item.media_content[0]["height"] == "675"
    assert item.media_thumbnail[0]["url"] == "https://example.org/news/images/photo.jpg"
    assert "Trucks &#x3C;waiting&gt;" in site.read("feed.xml")  # RSS: hexadecimal references
    assert "<media:credit>Photo: Ana Ruiz / Agency &#x26; Co</media:credit>" in site.read("feed.xml")
    assert "<media:credit>Photo: Ana Ruiz / Agency &amp; Co</media:credit>" in site.read("atom.xml")


def test_an_image_that_is_not_an_image_is_named_with_the_fix(make_site):
    site = make_site(
        {
            "content/static/images/fake.jpg": b"<html>not a picture</html>",
            "content/articles/a.md": article("A", category="World", image="images/fake.jpg"),
        }
    )
    with pytest.raises(BuildError) as caught:
        site.build()
    problem = caught.value.problems[0]
    assert problem.path == "content/articles/a.md" and problem.line is not None
    assert "images/fake.jpg" in problem.message and "not an image" in problem.message
    assert "JPEG, PNG" in problem.hint


def test_every_section_tag_and_author_has_feeds_linked_from_its_listing_and_the_feeds_page(make_site):
    site = hostile_site(make_site)
    site.build()
    for listing in ("category/world/", "tag/border/", "author/ana-ruiz/"):
        page = site.read(listing + "index.html")
        assert f'href="/news/{listing}feed.xml"' in page and f'href="/news/{listing}feed.json"' in page
        assert feedparser.parse(site.read(listing + "feed.xml")).entries
    index = site.read("feeds/index.html")
    for feed in feeds_of(site.out):
        url = "https://example.org/news/" + feed.relative_to(site.out).as_posix()
        assert f"<code>{url}</code>" in index
    assert 'href="/news/feeds/"' in site.read("index.html")  # in the footer of every page


def test_an_update_is_the_entrys_updated_time_and_does_not_reorder_the_feed(make_site):
    site = hostile_site(make_site)
    site.build()
    entries = feedparser.parse(site.read("atom.xml")).entries
    assert [e.title for e in entries][1] == "Rain"  # published earlier, updated later: still second
    assert entries[1].updated.startswith("2026-11-22T08:00:00")
    assert json.loads(site.read("feed.json"))["items"][1]["date_modified"].startswith("2026-11-22T08:00")


@pytest.mark.slow  # runs the W3C checker
def test_summaries_only_when_the_site_asks(make_site):
    site = hostile_site(make_site, feed_full_content="false")
    site.build()
    assert "content:encoded" not in site.read("feed.xml")
    assert "<content" not in site.read("atom.xml")
    assert all("content_html" not in i for i in json.loads(site.read("feed.json"))["items"])
    print(w3c(site.out, "https://example.org/news/"))


def test_the_builds_own_check_catches_what_the_w3c_checker_caught():
    feed = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>t</title>'
        "<updated>2026-01-01T00:00:00Z</updated><author><name>a</name></author>"
        "<entry><id>y</id><title>e</title><updated>2026-01-01T00:00:00Z</updated>{}</entry></feed>"
    )
    cases = {
        '<content type="CDATA">x</content>': "not text, html, xhtml",
        '<link href="https://x/a"/><link href="https://x/i.jpg"/>': "two alternate links",
        '<content type="text"><p xmlns="http://www.w3.org/1999/xhtml">x</p></content>': "typed text",
        '<link rel="enclosure" href="https://x/i.jpg"/>': "without type or length",
    }
    for snippet, expected in cases.items():
        problems = check_feed(feed.format(snippet).encode(), "atom")
        assert any(expected in p for p in problems), (snippet, problems)
    assert check_feed(feed.format('<content type="html">&lt;p&gt;</content>').encode(), "atom") == []


class _Hub(BaseHTTPRequestHandler):
    pings: list[dict] = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        _Hub.pings.append(parse_qs(self.rfile.read(length).decode()))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_websub_hub_is_linked_from_every_feed_and_pinged_after_a_deploy(make_site, tmp_path):
    hub = HTTPServer(("127.0.0.1", 0), _Hub)
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{hub.server_address[1]}/hub"
    try:
        site = hostile_site(make_site, websub_hub=url)
        site.build()
        assert f'<atom:link href="{url}" rel="hub"/>' in site.read("feed.xml")
        assert f'<link href="{url}" rel="hub"/>' in site.read("atom.xml")
        assert json.loads(site.read("feed.json"))["hubs"] == [{"type": "WebSub", "url": url}]
        target = tmp_path / "public"
        assert main(["deploy", str(target), "--site", str(site.root)]) == 0
        pinged = _Hub.pings[-1]
        assert pinged["hub.mode"] == ["publish"]
        assert "https://example.org/news/feed.xml" in pinged["hub.url"]
        assert "https://example.org/news/atom.xml" in pinged["hub.url"]
        # A second deploy with nothing changed pings for nothing.
        count = len(_Hub.pings)
        assert main(["deploy", str(target), "--site", str(site.root)]) == 0
        assert len(_Hub.pings) == count
    finally:
        hub.shutdown()


@pytest.mark.slow
def test_every_feed_of_a_1000_article_corpus_passes_the_w3c_checker(tmp_path):
    corpus.write_corpus(1000, tmp_path, tools=("newsgen",))
    site = tmp_path / "newsgen"
    assert main(["build", "--site", str(site), "--quiet"]) == 0
    base = next(
        line.split(":", 1)[1].strip()
        for line in (site / "site.yaml").read_text().splitlines()
        if line.startswith("base_url:")
    )
    print(w3c(site / "output", base))
    assert_readers_agree(site / "output")
