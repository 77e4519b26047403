"""Building small sites written by the tests: what a reader and a feed reader get."""

import subprocess
import sys

import feedparser
import pytest
from conftest import REPO, article, image_bytes
from sitecheck import broken_links, parse

from generator.errors import BuildError


def three_articles():
    return {
        "content/articles/a.md": article(
            "Alpha story",
            "2026-11-20T10:00:00",
            category="World",
            tags="[Water, Energy]",
            author="Ana Ruiz",
            body="First paragraph of alpha.\n\nSecond one.",
        ),
        "content/articles/b.md": article(
            "Beta story",
            "2026-11-21T10:00:00",
            category="[Politics, World]",
            author="[Ana Ruiz, Bo Li]",
            tags="[Water]",
            summary="Beta summary.",
        ),
        "content/articles/c.md": article(
            "Gamma story",
            "2026-11-22T10:00:00",
            category="Politics",
            body="See [alpha](/2026/11/20/a/) and ![chart](/images/c.png).",
        ),
        "content/static/images/c.png": image_bytes("PNG", 640, 360),
    }


def test_the_site_has_every_kind_of_page(make_site):
    site = make_site(three_articles())
    report = site.build()
    out = site.out
    for rel in (
        "index.html",
        "page/2/index.html",
        "2026/11/20/a/index.html",
        "about/index.html",
        "category/index.html",
        "category/world/index.html",
        "category/politics/index.html",
        "tag/index.html",
        "tag/water/index.html",
        "author/index.html",
        "author/ana-ruiz/index.html",
        "archive/index.html",
        "archive/2026/11/index.html",
        "404.html",
        "feed.xml",
        "atom.xml",
        "category/world/feed.xml",
        "sitemap.xml",
        "news-sitemap.xml",
        "robots.txt",
        "images/c.png",
        "css/style.css",
    ):
        assert (out / rel).is_file(), rel
    assert report.pages["article"] == 3
    assert broken_links(out) == []


def test_home_is_newest_first_with_a_lead_story_and_pagination(make_site):
    site = make_site(three_articles())
    site.build()
    home = parse(site.out / "index.html")
    titles = [t.text_content().strip() for t in home.cssselect("main h2 a, main h3 a")]
    assert titles[:2] == ["Gamma story", "Beta story"]  # per_page is 2 in the test site
    page2 = parse(site.out / "page/2/index.html")
    assert "Alpha story" in page2.text_content()
    assert page2.cssselect('a[rel="prev"]')[0].get("href") == "/"


def test_article_page_shows_what_the_front_matter_says(make_site):
    site = make_site(three_articles())
    site.build()
    page = parse(site.out / "2026/11/21/b/index.html")
    assert page.cssselect("h1")[0].text_content() == "Beta story"
    label = page.cssselect("article a.label, .story a.label")[0]
    assert label.get("href") == "/category/politics/"  # the first category is the primary one
    authors = [a.text_content() for a in page.cssselect('.story a[rel="author"]')]
    assert authors == ["Ana Ruiz", "Bo Li"]
    time = page.cssselect("time")[0]
    assert time.get("datetime") == "2026-11-21T10:00:00+01:00"  # site timezone Europe/Madrid
    assert page.cssselect('a[href="/about/"]'), "About Us is linked from every page"


def test_body_links_to_the_site_get_the_base_path(make_site):
    site = make_site(three_articles())
    site.build(base_url="https://example.org/news/")
    page = parse(site.out / "2026/11/22/c/index.html")
    hrefs = {a.get("href") for a in page.cssselect(".body a")}
    assert "/news/2026/11/20/a/" in hrefs
    img = page.cssselect(".body picture img")[0]
    assert img.get("src") == "/news/images/c.png-640.png"  # the 640 px chart, as a PNG
    sources = [s.get("srcset") for s in page.cssselect(".body picture source")] + [img.get("srcset")]
    assert all(c.strip().startswith("/news/images/c.png-") for s in sources for c in s.split(","))
    assert broken_links(site.out, "/news/") == []
    canonical = page.cssselect('link[rel="canonical"]')[0].get("href")
    assert canonical == "https://example.org/news/2026/11/22/c/"


def test_feeds_read_back_with_feedparser(make_site):
    site = make_site(three_articles())
    site.build()
    rss = feedparser.parse(str(site.out / "feed.xml"))
    assert not rss.bozo, rss.get("bozo_exception")
    assert rss.version == "rss20"
    assert [e.title for e in rss.entries] == ["Gamma story", "Beta story", "Alpha story"]
    gamma = rss.entries[0]
    assert gamma.link == "https://example.org/2026/11/22/c/"
    assert gamma.id == gamma.link and gamma.guidislink is False or gamma.id == gamma.link
    assert gamma.published_parsed is not None and "+0100" in gamma.published
    content = gamma.content[0].value
    assert 'href="https://example.org/2026/11/20/a/"' in content
    assert 'src="https://example.org/images/c.png"' in content
    beta = rss.entries[1]
    assert beta.summary == "Beta summary."
    assert beta.author == "Ana Ruiz, Bo Li"
    assert {t.term for t in beta.tags} == {"Politics", "World"}
    atom = feedparser.parse(str(site.out / "atom.xml"))
    assert not atom.bozo and atom.version == "atom10" and len(atom.entries) == 3
    world = feedparser.parse(str(site.out / "category/world/feed.xml"))
    assert [e.title for e in world.entries] == ["Beta story", "Alpha story"]


def test_pages_link_their_feeds(make_site):
    site = make_site(three_articles())
    site.build()
    home = parse(site.out / "index.html")
    feeds = {link.get("href") for link in home.cssselect('link[rel="alternate"]')}
    assert {"/feed.xml", "/atom.xml"} <= feeds
    section = parse(site.out / "category/world/index.html")
    assert "/category/world/feed.xml" in {
        link.get("href") for link in section.cssselect('link[rel="alternate"]')
    }


def test_sitemap_lists_every_public_page_and_nothing_else(make_site):
    from lxml import etree

    site = make_site(three_articles())
    site.build()
    tree = etree.parse(str(site.out / "sitemap.xml"))
    locs = {e.text for e in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    pages = {
        "https://example.org/" + p.relative_to(site.out).as_posix().removesuffix("index.html")
        for p in site.out.rglob("*.html")
        if p.name != "404.html"
    }
    assert locs == pages
    robots = (site.out / "robots.txt").read_text()
    assert "Sitemap: https://example.org/sitemap.xml" in robots


def test_drafts_future_and_expired_articles_are_left_out_and_named(make_site):
    site = make_site(
        {
            "content/articles/now.md": article("Published", "2026-11-20"),
            "content/articles/draft.md": article("Draft one", "2026-11-20", draft=True),
            "content/articles/later.md": article("Later one", "2026-12-01T08:00:00"),
            "content/articles/old.md": article("Expired one", "2026-10-01", expires="2026-11-01"),
        }
    )
    report = site.build()
    assert [a.title for a in report.site.articles] == ["Published"]
    reasons = dict(report.site.excluded)
    assert reasons["content/articles/draft.md"] == "draft"
    assert reasons["content/articles/later.md"].startswith("scheduled for 2026-12-01")
    assert reasons["content/articles/old.md"].startswith("expired")
    assert report.site.next_scheduled.isoformat() == "2026-12-01T08:00:00+01:00"
    assert not (site.out / "2026/11/20/draft").exists()
    both = site.build(drafts=True, future=True)
    assert {a.title for a in both.site.articles} == {"Published", "Draft one", "Later one"}


def test_second_build_writes_nothing(make_site):
    site = make_site(three_articles())
    first = site.build()
    assert first.write.written
    second = site.build()
    assert second.write.written == [] and second.write.removed == []
    assert second.write.rendered == 0


def test_an_edit_rewrites_only_what_shows_it_and_a_delete_removes_the_page(make_site):
    site = make_site(three_articles())
    site.build()
    site.write(
        {
            "content/articles/a.md": article(
                "Alpha story",
                "2026-11-20T10:00:00",
                category="World",
                tags="[Water, Energy]",
                author="Ana Ruiz",
                body="First paragraph of alpha.\n\nA corrected second one.",
            )
        }
    )
    edited = site.build()
    assert "2026/11/20/a/index.html" in edited.write.written
    assert "feed.xml" in edited.write.written
    assert "category/politics/index.html" not in edited.write.written
    (site.root / "content/articles/c.md").unlink()
    removed = site.build()
    assert "2026/11/22/c/index.html" in removed.write.removed
    assert not (site.out / "2026/11/22/c").exists()
    assert "Gamma story" not in (site.out / "index.html").read_text()
    assert broken_links(site.out) == []


def test_site_templates_override_the_theme_file_by_file(make_site):
    site = make_site(
        {**three_articles(), "templates/404.html": "<!doctype html><title>x</title><p>Custom lost page</p>\n"}
    )
    site.build()
    assert "Custom lost page" in site.read("404.html")
    assert "Alpha story" in site.read("index.html")  # other templates still from the theme


def test_a_bad_file_names_the_file_and_line_and_nothing_is_written(make_site):
    site = make_site({"content/articles/bad.md": "---\ntitle: Bad\ndate: [oops\n---\nBody\n"})
    with pytest.raises(BuildError) as caught:
        site.build()
    text = str(caught.value)
    assert "content/articles/bad.md:3" in text
    assert not site.out.exists()


def test_cli_builds_another_folder_and_prints_a_summary(make_site, tmp_path):
    site = make_site({**three_articles(), "content/articles/d.md": article("Soon", "2027-01-01T09:00:00")})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "build",
            "--site",
            str(site.root),
            "--output",
            str(tmp_path / "public"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "public/index.html").is_file()
    assert "left out: content/articles/d.md (scheduled for" in result.stdout
    assert "next scheduled article goes live at" in result.stdout
    assert "written" in result.stdout


def test_cli_exits_non_zero_with_the_error(make_site):
    site = make_site({"content/articles/x.md": "no front matter here\n"})
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--site", str(site.root)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "content/articles/x.md:1" in result.stderr and "---" in result.stderr


def test_build_help_documents_every_option():
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--help"], capture_output=True, text=True, cwd=REPO
    )
    for option in ("--site", "--output", "--base-url", "--drafts", "--future"):
        assert option in result.stdout


def test_unicode_names_get_transliterated_urls_or_unicode_ones_when_asked(make_site):
    files = {
        "content/articles/politica.md": article(
            "Khamenei’s Moscow Escape", "2026-11-20", category="Política Internacional"
        )
    }
    site = make_site(files)
    site.build()
    assert (site.out / "category/politica-internacional/index.html").is_file()
    assert (site.out / "2026/11/20/politica/index.html").is_file()  # slug from the file name
    site.write({"site.yaml": "title: T\nbase_url: https://example.org/\nunicode_slugs: true\n"})
    site.build()
    assert (site.out / "category/política-internacional/index.html").is_file()
    assert broken_links(site.out) == []


def test_a_title_gives_the_slug_when_the_file_name_cannot(make_site):
    site = make_site({"content/articles/___.md": article("Khamenei’s Moscow Escape", "2026-11-20")})
    site.build()
    assert (site.out / "2026/11/20/khameneis-moscow-escape/index.html").is_file()


def test_url_patterns_are_configurable(make_site):
    site = make_site(
        {
            **three_articles(),
            "site.yaml": "title: T\nbase_url: https://example.org/\nurls:\n"
            "  article: 'news/{year}/{slug}.html'\n  category: 'section/{slug}/'\n",
            # the body link in c.md follows the default pattern, so c gets a plain body here
            "content/articles/c.md": article("Gamma story", "2026-11-22T10:00:00", category="Politics"),
        }
    )
    site.build()
    assert (site.out / "news/2026/a.html").is_file()
    assert (site.out / "section/world/index.html").is_file()
    assert (site.out / "section/index.html").is_file()
    assert broken_links(site.out) == []
    feed = feedparser.parse(str(site.out / "feed.xml"))
    assert feed.entries[0].link == "https://example.org/news/2026/c.html"


def test_feed_length_follows_the_config(make_site):
    files = {f"content/articles/s{n}.md": article(f"Story {n}", f"2026-11-{n + 1:02d}") for n in range(6)}
    files["site.yaml"] = "title: T\nbase_url: https://example.org/\nfeed_items: 4\n"
    site = make_site(files)
    site.build()
    feed = feedparser.parse(str(site.out / "feed.xml"))
    assert [e.title for e in feed.entries] == ["Story 5", "Story 4", "Story 3", "Story 2"]
