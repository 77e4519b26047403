"""sitemap.xml (split past 50,000 URLs), the Google News sitemap and robots.txt.

Kinds: `robots`, `sitemap` and `news-sitemap`. The news sitemap lists the stories of the
last few days before the build's clock, so it shows CLOCK and is planned on every build.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import takewhile
from xml.sax.saxutils import escape

from generator.outputs.base import Facet, Output, OutputKind, Planner, Rendering
from generator.sanitize import xml_safe
from generator.site import Site
from generator.urls import path_route, to_abs_url

SITEMAP_LIMIT = 50_000  # URLs per sitemap file, by the sitemaps.org protocol
SITEMAP = "sitemap.xml"  # the sitemap, or the index of its parts
NEWS_SITEMAP = "news-sitemap.xml"


class Robots(OutputKind):
    """robots.txt: allows everything and names both sitemaps."""

    name = "robots"
    shows = frozenset({Facet.NAVIGATION})

    def plan(self, planner: Planner):
        yield planner.output(self, "robots.txt", ())

    def render(self, output: Output, rendering: Rendering) -> bytes:
        config = rendering.site.config
        return (
            f"User-agent: *\nAllow: /\n\nSitemap: {to_abs_url(config, SITEMAP)}\n"
            f"Sitemap: {to_abs_url(config, NEWS_SITEMAP)}\n"
        ).encode()


class Sitemap(OutputKind):
    """sitemap.xml with every public HTML page; an index of parts past SITEMAP_LIMIT."""

    name = "sitemap"
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS, Facet.PAGES})

    def plan(self, planner: Planner):
        entries = public_pages(planner)
        chunks = [entries[i : i + SITEMAP_LIMIT] for i in range(0, len(entries), SITEMAP_LIMIT)]
        if len(chunks) <= 1:
            yield planner.output(self, SITEMAP, ("all",), entries)
            return
        yield planner.output(self, SITEMAP, ("index", len(chunks)), len(chunks))
        for n, chunk in enumerate(chunks, start=1):
            yield planner.output(self, f"sitemap-{n}.xml", ("part", n), chunk)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        config, (part, *number) = rendering.site.config, output.key
        if part == "index":
            locs = [to_abs_url(config, f"sitemap-{n}.xml") for n in range(1, number[0] + 1)]
            body = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>\n" for u in locs)
            return _xml("sitemapindex", body).encode()
        # Every part lists from the one plan of all pages: planned once per process, not
        # once per part (at a million stories, 35 parts each planned the whole site).
        entries = rendering.memo.get("public-pages")
        if entries is None:
            entries = rendering.memo["public-pages"] = public_pages(rendering.planner())
        if part == "part":
            entries = entries[(number[0] - 1) * SITEMAP_LIMIT : number[0] * SITEMAP_LIMIT]
        body = "".join(_url(to_abs_url(config, rel), lastmod) for rel, lastmod in entries)
        return _xml("urlset", body).encode()


class NewsSitemap(OutputKind):
    """The Google News sitemap: the stories of the last `news_sitemap_days` days."""

    name = "news-sitemap"
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS, Facet.CLOCK})

    def plan(self, planner: Planner):
        news = [(a.route, a.title, a.date.isoformat()) for a in recent_articles(planner.site)]
        yield planner.output(self, NEWS_SITEMAP, (), news)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        return _news(rendering.site).encode()


KINDS: tuple[OutputKind, ...] = (Robots(), Sitemap(), NewsSitemap())


def public_pages(planner: Planner) -> list[tuple[str, str]]:
    """(route, lastmod) of every page the kinds call public, in planning order: each kind
    that defines `lastmod` says which of its outputs a sitemap lists and how dated."""
    site, found = planner.site, []
    for kind in planner.kinds:
        if type(kind).lastmod is OutputKind.lastmod:
            continue  # lists nothing: not even planned here
        for output in planner.outputs_of(kind):
            lastmod = kind.lastmod(site, output)
            if lastmod is not None:
                found.append((path_route(output.path), lastmod))
    return found


def recent_articles(site: Site) -> list:
    if site.built_at is None:  # a model built for no moment has no "recent"
        return []
    since = site.built_at - timedelta(days=site.config.news_sitemap_days)
    # Newest first: the recent ones are a prefix, found without reading the archive.
    return list(takewhile(lambda a: a.date >= since, site.articles))


def _url(loc: str, lastmod: str) -> str:
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(loc)}</loc>{mod}</url>\n"


def _xml(root: str, body: str, extra_ns: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{extra_ns}>\n'
        f"{body}</{root}>\n"
    )


def _news(site: Site) -> str:
    config = site.config
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    body = ""
    for a in recent_articles(site):
        body += (
            f"<url><loc>{escape(to_abs_url(config, a.route))}</loc><news:news>"
            f"<news:publication><news:name>{escape(xml_safe(config.title))}</news:name>"
            f"<news:language>{escape(a.lang or config.language)}</news:language>"
            f"</news:publication>"
            f"<news:publication_date>{a.date.isoformat()}</news:publication_date>"
            f"<news:title>{escape(xml_safe(a.title))}</news:title></news:news></url>\n"
        )
    return _xml("urlset", body, ns)
