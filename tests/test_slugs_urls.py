"""Slugs and URL rules: pure functions, tested without a disk."""

from generator.config import SiteConfig
from generator.slugs import is_valid_slug, slug_key, slugify
from generator.urls import index_route, output_path, page_route, route, to_abs_url, to_url


def test_titles_transliterate_to_ascii_slugs():
    assert slugify("Khamenei’s Moscow Escape") == "khameneis-moscow-escape"
    assert slugify("Política Internacional") == "politica-internacional"
    assert slugify("  Déjà vu -- again!  ") == "deja-vu-again"
    assert slugify("北京") == "beijing"


def test_unicode_slugs_keep_letters_when_the_site_asks():
    assert slugify("Política Internacional", keep_unicode=True) == "política-internacional"
    assert slugify("Ελληνικά Νέα", keep_unicode=True) == "ελληνικά-νέα"


def test_a_title_of_only_symbols_gives_an_empty_slug():
    assert slugify("!!! ???") == ""


def test_given_slugs_must_be_one_safe_segment():
    assert is_valid_slug("my-story_2")
    assert is_valid_slug("política")
    for bad in ("../etc", "a/b", "a\\b", "%2e%2e", "", "--", "a b", "x\x00"):
        assert not is_valid_slug(bad), bad


def test_slug_key_folds_case_and_unicode_forms():
    assert slug_key("Cafe\u0301") == slug_key("café".upper())


def test_article_routes_follow_the_date_pattern():
    from datetime import datetime

    config = SiteConfig()
    when = datetime(2026, 3, 4, 9, 0)
    assert route(config, "article", "x", when) == "2026/03/04/x/"
    assert route(config, "category", "world") == "category/world/"
    assert output_path("2026/03/04/x/") == "2026/03/04/x/index.html"
    assert output_path("") == "index.html"
    assert output_path("404.html") == "404.html"


def test_custom_url_patterns_apply():
    from datetime import datetime

    config = SiteConfig(urls={**SiteConfig().urls, "article": "news/{year}/{slug}.html"})
    assert route(config, "article", "x", datetime(2026, 1, 1)) == "news/2026/x.html"
    assert output_path("news/2026/x.html") == "news/2026/x.html"


def test_pagination_routes():
    assert page_route("", 1) == ""
    assert page_route("", 2) == "page/2/"
    assert page_route("category/world/", 3) == "category/world/page/3/"


def test_links_carry_the_base_path():
    config = SiteConfig(base_url="https://example.org/news/")
    assert config.base_path == "/news/"
    assert to_url(config, "about/") == "/news/about/"
    assert to_abs_url(config, "about/") == "https://example.org/news/about/"
    assert to_url(SiteConfig(base_url="https://example.org/"), "") == "/"


def test_index_routes_are_the_patterns_first_folder():
    config = SiteConfig()
    assert index_route(config, "category") == "category/"
    assert index_route(config, "archive") == "archive/"
