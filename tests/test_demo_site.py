"""The demo site in this repository builds into a complete news site."""

import feedparser
from conftest import REPO
from sitecheck import broken_links, parse


def test_seed_is_kept_verbatim():
    seed = REPO / "seeds/000_5e8c46fbbb5ec075.txt"
    shared = REPO.parent / "shared/seeds/000_5e8c46fbbb5ec075.txt"
    assert seed.is_file()
    if shared.is_file():
        assert seed.read_bytes() == shared.read_bytes()


def test_demo_has_the_seed_article_a_dozen_more_and_about_us(demo_build):
    site = demo_build.site
    assert site.config.title == "4ever.news"
    assert len(site.articles) >= 13
    assert len(site.terms["category"]) >= 4 and len(site.terms["author"]) >= 3
    seed = demo_build.output_dir / "2026/11/24/khameneis-moscow-escape-plan/index.html"
    page = parse(seed)
    assert page.cssselect("h1")[0].text_content().startswith("Ayatollah With One Foot Out the Door")
    assert page.cssselect("a.label")[0].text_content().strip() == "International"
    assert [a.text_content() for a in page.cssselect('.story a[rel="author"]')] == ["4ever.news"]
    assert page.cssselect("figure img")[0].get("alt")
    about = parse(demo_build.output_dir / "about/index.html")
    assert about.cssselect("h1")[0].text_content() == "About Us"


def test_demo_links_all_resolve(demo_build):
    assert broken_links(demo_build.output_dir) == []


def test_demo_feed_is_valid_and_newest_first(demo_build):
    feed = feedparser.parse(str(demo_build.output_dir / "feed.xml"))
    assert not feed.bozo
    dates = [e.published_parsed for e in feed.entries]
    assert dates == sorted(dates, reverse=True)
    assert all(e.link.startswith("https://4ever.news/") for e in feed.entries)
