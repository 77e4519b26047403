"""`newsgen import`: scraped text (the seed), RSS/Atom feeds and WordPress exports."""

from __future__ import annotations

import http.server
import shutil
import threading
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from conftest import REPO

from generator.cli import main
from generator.config import load_config
from generator.documents import parse_document
from generator.importers import import_source
from generator.importers.htmlmd import html_to_markdown
from generator.importers.scraped import parse_relative_date
from generator.markup import MarkdownRenderer

SEED = REPO / "seeds" / "000_5e8c46fbbb5ec075.txt"
DEMO = REPO / "content" / "articles" / "2026" / "khameneis-moscow-escape-plan.md"
LONDON = ZoneInfo("Europe/London")


def read_doc(path, zone=LONDON):
    text = path.read_text(encoding="utf-8")
    doc, _ = parse_document(f"content/articles/2026/{path.name}", text, zone, MarkdownRenderer())
    return doc


@pytest.fixture
def demo_like_site(tmp_path):
    """An empty site with the demo's settings (its time zone decides the seed's date)."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    return site


def test_seed_import_reproduces_the_demo_article(demo_like_site):
    report = import_source(
        demo_like_site, str(SEED), as_of=datetime(2026, 11, 25, 9, 30), slug="khameneis-moscow-escape-plan"
    )
    assert report.written == ["content/articles/2026/khameneis-moscow-escape-plan.md"]
    imported, demo = read_doc(demo_like_site / report.written[0]), read_doc(DEMO)
    # What the scrape carries must match; summary, image and tags were added by hand.
    for name in ("title", "date", "categories", "authors", "slug", "body_html", "words"):
        assert getattr(imported, name) == getattr(demo, name), name
    assert imported.date == datetime(2026, 11, 24, 9, 30, tzinfo=LONDON)
    assert any("Imagen destacada" in note for note in report.notes)


def test_seed_import_through_the_command_line_twice_adds_nothing(demo_like_site, capsys):
    argv = ["import", str(SEED), "--site", str(demo_like_site), "--as-of", "2026-11-25T09:30:00"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert "created content/articles/2026/ayatollah-with-one-foot-out-the-door" in first
    assert "not mapped: featured image" in first
    files = sorted(demo_like_site.rglob("*.md"))
    stamp = [f.stat().st_mtime_ns for f in files]
    assert main(argv) == 0
    assert "1 item(s): imported 0, already imported 1, skipped 0, refused 0" in capsys.readouterr().out
    assert sorted(demo_like_site.rglob("*.md")) == files
    assert [f.stat().st_mtime_ns for f in files] == stamp


def test_scraped_date_falls_back_to_the_file_time(demo_like_site, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(
        "Daily Bugle\n• Local\nBy Ana Ruiz and Ben Ode\n3 hours ago\n"
        "Bridge reopens after repairs\n\nThe bridge reopened on Monday.\n\n"
        "Traffic was light.\n",
        encoding="utf-8",
    )
    when = datetime(2026, 3, 10, 15, 0, tzinfo=LONDON).timestamp()
    import os

    os.utime(page, (when, when))
    report = import_source(demo_like_site, str(page))
    doc = read_doc(demo_like_site / report.written[0])
    assert doc.date == datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)
    assert doc.authors == ("Ana Ruiz", "Ben Ode") and doc.categories == ("Local",)
    assert doc.title == "Bridge reopens after repairs"
    assert doc.body_html == "<p>The bridge reopened on Monday.</p>\n<p>Traffic was light.</p>"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 days ago", datetime(2026, 11, 24, 9, 30)),
        ("3 hours ago", datetime(2026, 11, 25, 6, 30)),
        ("an hour ago", datetime(2026, 11, 25, 8, 30)),
        ("hace 2 días", datetime(2026, 11, 23, 9, 30)),
        ("yesterday", datetime(2026, 11, 24, 9, 30)),
        ("November 20, 2026", datetime(2026, 11, 20, 9, 30)),
        ("International", None),
    ],
)
def test_relative_dates(text, expected):
    assert parse_relative_date(text, datetime(2026, 11, 25, 9, 30)) == expected


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Old Site</title><link>https://old.example.org/</link><description>d</description>
<item><title>Port strike ends &amp; ships sail</title><link>https://old.example.org/port-strike</link>
 <guid>https://old.example.org/?p=11</guid><pubDate>Mon, 23 Nov 2026 08:15:00 GMT</pubDate>
 <dc:creator>Marta Gil</dc:creator><category>Economy</category><category>Ports</category>
 <description>Dockers return to work.</description>
 <content:encoded><![CDATA[<p>Dockers <strong>returned</strong> to work on
 <a href="https://old.example.org/strike">Monday</a>.</p><table><tr><td>1</td></tr></table>
 <ul><li>Ships: 40</li><li>Days lost: 12</li></ul>]]></content:encoded>
 <enclosure url="https://old.example.org/a.mp3" type="audio/mpeg" length="1"/></item>
<item><title>Short note</title><link>https://old.example.org/note</link>
 <pubDate>Sun, 22 Nov 2026 20:00:00 +0100</pubDate><description>Just a note.</description></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Site</title><id>urn:x</id>
<updated>2026-11-24T10:00:00Z</updated>
<entry><title>Atom story</title><id>urn:atom:1</id><link href="https://atom.example.org/1"/>
<published>2026-11-24T10:00:00Z</published><updated>2026-11-24T12:00:00Z</updated>
<author><name>Lee Chan</name></author><category term="Science"/>
<content type="html">&lt;p&gt;First.&lt;/p&gt;&lt;h2&gt;Part two&lt;/h2&gt;
&lt;p&gt;Second.&lt;/p&gt;</content>
</entry></feed>
"""


def test_rss_import_maps_entries_and_reports_the_rest(make_site, tmp_path):
    site = make_site()
    feed = tmp_path / "feed.xml"
    feed.write_text(RSS, encoding="utf-8")
    report = import_source(site.root, str(feed), category="General")
    assert sorted(report.written) == [
        "content/articles/2026/port-strike-ends-ships-sail.md",
        "content/articles/2026/short-note.md",
    ]
    text = (site.root / report.written[0]).read_text(encoding="utf-8")
    assert "date: 2026-11-23T09:15:00" in text  # 08:15 GMT in Europe/Madrid
    assert 'category: "Economy"' in text and 'tags: ["Ports"]' in text
    assert 'author: ["Marta Gil"]' in text and 'summary: "Dockers return to work."' in text
    assert "Dockers **returned** to work on [Monday](https://old.example.org/strike)." in text
    assert "- Ships: 40\n- Days lost: 12" in text and "<table>" in text
    note = (site.root / "content/articles/2026/short-note.md").read_text(encoding="utf-8")
    assert 'category: "General"' in note and "date: 2026-11-22T20:00:00" in note
    notes = "\n".join(report.notes)
    assert "kept as HTML: <table>" in notes and "a.mp3 (audio/mpeg) not imported" in notes
    site.build()
    page = site.read("2026/11/23/port-strike-ends-ships-sail/index.html")
    assert "Port strike ends &amp; ships sail" in page
    again = import_source(site.root, str(feed), category="General")
    assert again.written == [] and len(again.kept) == 2


def test_atom_import_from_a_url(make_site, tmp_path):
    site = make_site()
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "atom.xml").write_text(ATOM, encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "www"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/atom.xml"
        report = import_source(site.root, url)
    finally:
        server.shutdown()
        server.server_close()
    assert report.written == ["content/articles/2026/atom-story.md"]
    doc = read_doc(site.root / report.written[0], ZoneInfo("Europe/Madrid"))
    assert doc.authors == ("Lee Chan",) and doc.categories == ("Science",)
    assert doc.date == datetime(2026, 11, 24, 11, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    assert doc.updated == datetime(2026, 11, 24, 13, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    assert '<h2 id="part-two">Part two</h2>' in doc.body_html


WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>WP News</title><link>https://wp.example.org</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_login>jdoe</wp:author_login>
 <wp:author_display_name><![CDATA[Jane Doe]]></wp:author_display_name></wp:author>
<item><title>Council approves budget</title><link>https://wp.example.org/budget/</link>
 <dc:creator>jdoe</dc:creator><guid isPermaLink="false">https://wp.example.org/?p=5</guid>
 <content:encoded><![CDATA[<!-- wp:paragraph -->
<p>The council <em>approved</em> the budget.</p>
<!-- /wp:paragraph -->
<!-- wp:heading --><h2>Reactions</h2><!-- /wp:heading -->
<p>Opposition walked out.</p>]]></content:encoded>
 <excerpt:encoded><![CDATA[Budget passes.]]></excerpt:encoded>
 <wp:post_id>5</wp:post_id><wp:post_date>2026-11-20 10:00:00</wp:post_date>
 <wp:post_date_gmt>2026-11-20 09:00:00</wp:post_date_gmt><wp:post_name>council-budget</wp:post_name>
 <wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
 <category domain="category" nicename="politics"><![CDATA[Politics]]></category>
 <category domain="post_tag" nicename="budget"><![CDATA[Budget]]></category>
 <category domain="post_tag" nicename="council"><![CDATA[Council]]></category>
 <wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>9</wp:meta_value></wp:postmeta>
 <wp:comment><wp:comment_id>1</wp:comment_id></wp:comment></item>
<item><title>Unfinished story</title><dc:creator>jdoe</dc:creator><guid>https://wp.example.org/?p=6</guid>
 <content:encoded><![CDATA[First paragraph.

Second line one
second line two.]]></content:encoded><wp:post_id>6</wp:post_id>
 <wp:post_date>2026-11-21 08:00:00</wp:post_date><wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>
 <wp:post_name></wp:post_name><wp:status>draft</wp:status><wp:post_type>post</wp:post_type>
 <category domain="category" nicename="uncategorized"><![CDATA[Uncategorized]]></category></item>
<item><title>About the paper</title><guid>https://wp.example.org/?page_id=7</guid>
 <content:encoded><![CDATA[<p>We are <a href="/contact/">reachable</a>.</p>]]></content:encoded>
 <wp:post_id>7</wp:post_id><wp:post_name>about-the-paper</wp:post_name><wp:status>publish</wp:status>
 <wp:post_type>page</wp:post_type></item>
<item><title>photo</title><wp:post_id>9</wp:post_id><wp:post_type>attachment</wp:post_type>
 <wp:status>inherit</wp:status><wp:attachment_url>https://wp.example.org/photo.jpg</wp:attachment_url></item>
<item><title>Menu</title><wp:post_id>10</wp:post_id><wp:post_type>nav_menu_item</wp:post_type>
 <wp:status>publish</wp:status></item>
</channel></rss>
"""


def test_wordpress_export(make_site, tmp_path):
    site = make_site()
    export = tmp_path / "export.xml"
    export.write_text(WXR, encoding="utf-8")
    report = import_source(site.root, str(export))
    assert sorted(report.written) == [
        "content/articles/2026/council-budget.md",
        "content/articles/2026/unfinished-story.md",
        "content/pages/about-the-paper.md",
    ]
    zone = ZoneInfo("Europe/Madrid")
    post = read_doc(site.root / "content/articles/2026/council-budget.md", zone)
    assert (post.title, post.categories, post.tags, post.authors, post.summary, post.draft) == (
        "Council approves budget",
        ("Politics",),
        ("Budget", "Council"),
        ("Jane Doe",),
        "Budget passes.",
        False,
    )
    assert post.date == datetime(2026, 11, 20, 10, 0, tzinfo=zone)
    assert post.image == "https://wp.example.org/photo.jpg"
    assert "<p>The council <em>approved</em> the budget.</p>" in post.body_html
    assert '<h2 id="reactions">Reactions</h2>' in post.body_html
    draft = read_doc(site.root / "content/articles/2026/unfinished-story.md", zone)
    assert draft.draft and draft.categories == () and draft.date == datetime(2026, 11, 21, 8, 0, tzinfo=zone)
    assert "<p>Second line one<br />\nsecond line two.</p>" in draft.body_html
    page = (site.root / "content/pages/about-the-paper.md").read_text(encoding="utf-8")
    assert "We are [reachable](/contact/)." in page
    notes = "\n".join(report.notes)
    assert "1 comment(s) not imported" in notes
    skipped = "\n".join(report.skipped)
    assert "a media file" in skipped and "a menu entry" in skipped
    assert import_source(site.root, str(export)).written == []
    site.build()
    assert (site.out / "about-the-paper/index.html").exists()
    assert not (site.out / "2026/11/21/unfinished-story/index.html").exists()


def test_wordpress_bodies_can_stay_html(make_site, tmp_path):
    site = make_site()
    export = tmp_path / "export.xml"
    export.write_text(WXR, encoding="utf-8")
    import_source(site.root, str(export), keep_html=True)
    text = (site.root / "content/articles/2026/council-budget.md").read_text(encoding="utf-8")
    assert "<p>The council <em>approved</em> the budget.</p>" in text
    assert "wp:paragraph" not in text


def test_html_to_markdown_round_trips_through_the_renderer():
    html = (
        "<p>A <b>bold</b> and <i>odd_name*</i> line<br>next</p><blockquote><p>Quoted</p>"
        '</blockquote><ol><li>one</li><li>two <a href="/x/">link</a></li></ol>'
        '<pre><code>x = 1\n</code></pre><script>alert(1)</script><p><img src="/a.jpg" alt="A"></p>'
    )
    conv = html_to_markdown(html)
    assert conv.dropped == ["script"]
    out = MarkdownRenderer().render(conv.markdown)
    assert "<strong>bold</strong>" in out and "<em>odd_name*</em>" in out
    assert "<blockquote>\n<p>Quoted</p>\n</blockquote>" in out
    assert '<li>two <a href="/x/">link</a></li>' in out and "<pre><code>x = 1" in out
    assert '<img alt="A" src="/a.jpg" />' in out and "alert" not in out


def test_import_reports_an_unreadable_source(make_site, tmp_path, capsys):
    site = make_site()
    (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
    assert main(["import", str(tmp_path / "empty.txt"), "--site", str(site.root)]) == 1
    assert "no headline" in capsys.readouterr().err
    assert load_config(site.root).title == "Test Times"


@pytest.mark.parametrize(
    "text, title, notes",
    [
        ("Budget passes\n\nThe council voted.\n", "Budget passes", []),
        (
            "4ever.news\n\nAbout Us\n\n• Politics\n\nBy Ana\n\n2 hours ago\n\nBudget passes\n\n"
            "The council voted.\n",
            "Budget passes",
            [],
        ),
        ("Test Times\nMenu\nBudget passes\n\nThe council voted.\n", "Budget passes", []),
        (
            "Evening Edition\nBudget passes\n\nThe council voted.\n",
            "Budget passes",
            ["left out as page chrome: `Evening Edition`"],
        ),
    ],
)
def test_scraped_headline_is_the_first_line_that_is_not_chrome(make_site, tmp_path, text, title, notes):
    site = make_site()  # titled "Test Times"
    page = tmp_path / "page.txt"
    page.write_text(text, encoding="utf-8")
    report = import_source(site.root, str(page), as_of=datetime(2026, 11, 25, 12, 0))
    doc = read_doc(site.root / report.written[0], ZoneInfo("Europe/Madrid"))
    assert doc.title == title and doc.body_html == "<p>The council voted.</p>"
    assert [n for n in report.notes if "no date line" not in n] == notes


def test_as_of_with_a_zone_is_converted_to_site_time(make_site):
    site = make_site()  # Europe/Madrid, one hour ahead of UTC in November
    report = import_source(site.root, str(SEED), as_of=datetime.fromisoformat("2026-11-25T09:30:00+00:00"))
    text = (site.root / report.written[0]).read_text(encoding="utf-8")
    assert "date: 2026-11-24T10:30:00\n" in text
