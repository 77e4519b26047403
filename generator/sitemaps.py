"""sitemap.xml, the Google News sitemap and robots.txt."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from generator.urls import index_route, output_path, page_route, to_abs_url

if TYPE_CHECKING:
    from generator.render import Output
    from generator.site import Site

SITEMAP_LIMIT = 50_000  # URLs per sitemap file, by the sitemaps.org protocol


def plan(site: Site, base: str) -> list[Output]:
    out = partial(_output, base)
    entries = sitemap_entries(site)
    chunks = [entries[i:i + SITEMAP_LIMIT] for i in range(0, len(entries), SITEMAP_LIMIT)]
    outputs = [out("robots.txt", "robots", (), ())]
    if len(chunks) <= 1:
        outputs.append(out("sitemap.xml", "sitemap", ("all",), entries))
    else:
        outputs.append(out("sitemap.xml", "sitemap", ("index", len(chunks)), len(chunks)))
        outputs += [out(f"sitemap-{n}.xml", "sitemap", ("part", n), chunk)
                    for n, chunk in enumerate(chunks, start=1)]
    outputs.append(plan_news(site, base))
    return outputs


def plan_news(site: Site, base: str) -> Output:
    """The news sitemap's output: its window moves with the build's clock (built_at)."""
    news = [(a.route, a.title, a.date.isoformat()) for a in recent_articles(site)]
    return _output(base, "news-sitemap.xml", "news-sitemap", (), news)


def _output(base: str, path: str, kind: str, key: tuple, shown) -> Output:
    from generator.render import Output

    digest = hashlib.blake2b(repr((base, kind, key, shown)).encode(), digest_size=16)
    return Output(path, kind, key, digest.hexdigest())


def sitemap_entries(site: Site) -> list[tuple[str, str]]:
    """(route, lastmod) of every public HTML page, the home page first."""
    per_page = site.config.per_page
    newest = site.articles[0].date.date().isoformat() if site.articles else ""
    entries = []
    total = max(1, -(-len(site.articles) // per_page))
    entries += [(page_route("", n), newest) for n in range(1, total + 1)]
    entries += [(a.route, (a.updated or a.date).date().isoformat()) for a in site.articles]
    entries += [(p.route, p.updated.date().isoformat() if p.updated else "") for p in site.pages]
    for kind, terms in site.terms.items():
        entries.append((index_route(site.config, kind), newest))
        for term in terms.values():
            latest = site.articles[term.articles[0]].date.date().isoformat()
            pages = -(-len(term.articles) // per_page)
            entries += [(page_route(term.route, n), latest) for n in range(1, pages + 1)]
    return entries


def recent_articles(site: Site) -> list:
    since = site.built_at - timedelta(days=site.config.news_sitemap_days)
    return [a for a in site.articles if a.date >= since]


def render(site: Site, output: Output) -> bytes:
    config = site.config
    if output.kind == "robots":
        text = (f"User-agent: *\nAllow: /\n\nSitemap: {to_abs_url(config, 'sitemap.xml')}\n"
                f"Sitemap: {to_abs_url(config, 'news-sitemap.xml')}\n")
        return text.encode()
    if output.kind == "news-sitemap":
        return _news(site).encode()
    kind = output.key[0]
    if kind == "index":
        locs = [to_abs_url(config, f"sitemap-{n}.xml") for n in range(1, output.key[1] + 1)]
        body = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>\n" for u in locs)
        return _xml("sitemapindex", body).encode()
    entries = sitemap_entries(site)
    if kind == "part":
        n = output.key[1]
        entries = entries[(n - 1) * SITEMAP_LIMIT:n * SITEMAP_LIMIT]
    body = "".join(_url(to_abs_url(config, rel), lastmod) for rel, lastmod in entries)
    return _xml("urlset", body).encode()


def _url(loc: str, lastmod: str) -> str:
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(loc)}</loc>{mod}</url>\n"


def _xml(root: str, body: str, extra_ns: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{extra_ns}>\n'
            f"{body}</{root}>\n")


def _news(site: Site) -> str:
    from generator.feeds import xml_safe

    config = site.config
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    body = ""
    for a in recent_articles(site):
        body += (f"<url><loc>{escape(to_abs_url(config, a.route))}</loc><news:news>"
                 f"<news:publication><news:name>{escape(xml_safe(config.title))}</news:name>"
                 f"<news:language>{escape(a.lang or config.language)}</news:language>"
                 f"</news:publication>"
                 f"<news:publication_date>{a.date.isoformat()}</news:publication_date>"
                 f"<news:title>{escape(xml_safe(a.title))}</news:title></news:news></url>\n")
    return _xml("urlset", body, ns)


def html_routes(site: Site) -> set[str]:
    """Output paths of every page the sitemap lists (for checks)."""
    return {output_path(rel) for rel, _ in sitemap_entries(site)}
