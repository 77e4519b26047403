"""The HTML pages: home, articles, standalone pages, term indexes, listings and 404.

Each kind names its template and builds that template's context from the read-only
Site; what a context holds is what the kind's fingerprint covers (see base.Facet).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import overload

from generator.documents import Article, Person
from generator.outputs import structured
from generator.outputs.base import Facet, HtmlKind, Output, OutputKind, Planner, Rendering, day
from generator.site import Site
from generator.urls import (
    CORRECTIONS_ROUTE,
    FEED_TAXONOMIES,
    MASTHEAD_ROUTE,
    SITE_JSON,
    SITE_RSS,
    index_route,
    output_path,
    page_route,
    term_feed_route,
    to_url,
)


def _pages(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page))


def people_shown(site: Site, people) -> tuple:
    """What pages show of author files: each file's digest and its portrait's shape."""
    return tuple(
        (p.source, p.digest, site.images[p.photo.lstrip("/")].shape if site.image(p.photo) else p.photo)
        for p in people
        if p is not None
    )


class Home(HtmlKind):
    """The front page and its older pages: the lead, the latest, a block per section."""

    name, template = "home", "index.html"
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS})

    def plan(self, planner: Planner):
        site, per_page = planner.site, planner.site.config.per_page
        ld, total = site.list_digests, _pages(len(site.articles), per_page)
        for n in range(1, total + 1):
            shown = _home_shown(site) if n == 1 else ld[(n - 1) * per_page : n * per_page]
            yield planner.output(self, output_path(page_route("", n)), (n,), total, shown)

    def context(self, rendering: Rendering, number: int) -> dict:
        site, per_page = rendering.site, rendering.site.config.per_page
        pager = rendering.templates.pager(site.articles, "", number)
        sections = [
            (t, [site.articles[i] for i in t.articles[: site.config.home_sections]]) for t in site.sections
        ]
        return {
            "pager": pager,
            "lead": pager.items[0] if pager.items else None,
            "latest": pager.items[1:per_page],
            "sections": sections,
            "page_url": pager.url,
            "is_home": True,
            "structured_data": [structured.organization(site)] if number == 1 else [],
        }


def _home_shown(site: Site) -> tuple:
    ld = site.list_digests
    sections = [(t.name, [ld[i] for i in t.articles[: site.config.home_sections]]) for t in site.sections]
    return ld[: site.config.per_page], sections


class ArticlePage(HtmlKind):
    """One story: its body, byline, section and related stories."""

    name, template = "article", "article.html"
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS, Facet.BODY, Facet.PEOPLE})
    per_article = True

    def plan_article(self, planner: Planner, index: int) -> Output:
        site = planner.site
        a, ld = site.articles[index], site.list_digests
        category = site.category_of(a)
        return planner.output(
            self,
            output_path(a.route),
            (index,),
            a.digest,
            ld[index],
            site.images_shown(a),
            [ld[j] for j in site.related[index]],
            (category.name, category.route) if category else (),
            people_shown(site, (who for _, _, who in site.bylines(a))),
        )

    def lastmod(self, site: Site, output: Output) -> str | None:
        article = site.articles[output.key[0]]
        return day(article.revised)

    def context(self, rendering: Rendering, index: int) -> dict:
        site = rendering.site
        article = site.full(site.articles[index])
        page_url = to_url(site.config, article.route)
        category = site.category_of(article)
        return {
            "article": article,
            "page_url": page_url,
            "category": category,
            "related": [site.articles[j] for j in site.related[index]],
            "structured_data": structured.article(site, article, category, page_url),
        }


class StandalonePage(HtmlKind):
    """A page of content/pages/, such as About Us."""

    name, template = "page", "page.html"
    shows = frozenset({Facet.NAVIGATION, Facet.PAGES})

    def plan(self, planner: Planner):
        for p in planner.site.pages:
            yield planner.output(
                self, output_path(p.route), (p.source,), p.digest, planner.site.images_shown(p)
            )

    def lastmod(self, site: Site, output: Output) -> str | None:
        page = next(p for p in site.pages if p.source == output.key[0])
        return day(page.updated) if page.updated else ""

    def context(self, rendering: Rendering, source: str) -> dict:
        page = next(p for p in rendering.site.pages if p.source == source)
        return {"page": page, "page_url": to_url(rendering.site.config, page.route)}


class TermIndex(HtmlKind):
    """Every section, tag, author or month, with its story count."""

    name, template = "index", "terms.html"
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS})

    def plan(self, planner: Planner):
        site = planner.site
        for kind, terms in site.terms.items():
            shown = [(t.name, t.route, len(t.articles)) for t in terms.values()]
            yield planner.output(self, output_path(index_route(site.config, kind)), (kind,), shown)

    def context(self, rendering: Rendering, kind: str) -> dict:
        config = rendering.site.config
        return {
            "kind": kind,
            "terms": list(rendering.site.terms[kind].values()),
            "page_url": to_url(config, index_route(config, kind)),
        }


class Listing(HtmlKind):
    """The paginated stories of one section, tag, author or month."""

    name, template = "listing", "list.html"
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS, Facet.PEOPLE})

    def plan(self, planner: Planner):
        site, per_page, ld = planner.site, planner.site.config.per_page, planner.site.list_digests
        for kind, terms in site.terms.items():
            for slug, term in terms.items():
                total = _pages(len(term.articles), per_page)
                for n in range(1, total + 1):
                    chunk = term.articles[(n - 1) * per_page : n * per_page]
                    # The story count is shown too ("12 stories"): it changes without the chunk.
                    yield planner.output(
                        self,
                        output_path(page_route(term.route, n)),
                        (kind, slug, n),
                        term.name,
                        total,
                        len(term.articles),
                        [ld[i] for i in chunk],
                        people_shown(site, [site.people.get(slug)] if kind == "author" else []),
                    )

    def lastmod(self, site: Site, output: Output) -> str | None:
        kind, slug, _ = output.key
        return day(site.articles[site.terms[kind][slug].articles[0]].date)

    def context(self, rendering: Rendering, kind: str, slug: str, number: int) -> dict:
        site = rendering.site
        term = site.terms[kind][slug]
        pager = rendering.templates.pager(_Filed(site, term.articles), term.route, number)
        has_feeds = kind in FEED_TAXONOMIES
        feed = to_url(site.config, term_feed_route(term.route, SITE_RSS)) if has_feeds else ""
        json_feed = to_url(site.config, term_feed_route(term.route, SITE_JSON)) if has_feeds else ""
        return {
            "kind": kind,
            "term": term,
            "pager": pager,
            "page_url": pager.url,
            "term_feed_url": feed,
            "term_json_feed_url": json_feed,
            "profile": site.people.get(slug) if kind == "author" else None,
            "structured_data": [structured.profile(site, site.people[slug], pager.url)]
            if kind == "author" and slug in site.people and number == 1
            else [],
        }


class _Filed(Sequence):
    """The articles filed under a term, looked up only where a page shows them: listing
    every one for each page made a section of 125,000 stories cost its 12,500 pages
    1.5 billion lookups."""

    def __init__(self, site: Site, indices: tuple[int, ...]):
        self.site, self.indices = site, indices

    def __len__(self) -> int:
        return len(self.indices)

    @overload
    def __getitem__(self, key: int) -> Article: ...
    @overload
    def __getitem__(self, key: slice) -> list[Article]: ...
    def __getitem__(self, key):
        if isinstance(key, slice):
            return [self.site.articles[i] for i in self.indices[key]]
        return self.site.articles[self.indices[key]]


class Corrections(HtmlKind):
    """/corrections/: every correction of the site, newest first, each with its story."""

    name, template = "corrections", "corrections.html"
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS})

    def plan(self, planner: Planner):
        site = planner.site
        shown = [(site.list_digests[i], n.when, n.html) for i, n in site.corrections]
        yield planner.output(self, output_path(CORRECTIONS_ROUTE), (), shown)

    def lastmod(self, site: Site, output: Output) -> str | None:
        return day(site.corrections[0][1].when) if site.corrections else ""

    def context(self, rendering: Rendering) -> dict:
        site = rendering.site
        return {
            "corrections": [(site.articles[i], n) for i, n in site.corrections],
            "page_url": to_url(site.config, CORRECTIONS_ROUTE),
        }


class Masthead(HtmlKind):
    """/masthead/: the newsroom's people from content/authors/, grouped by role."""

    name, template = "masthead", "masthead.html"
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS, Facet.PEOPLE})

    def plan(self, planner: Planner):
        site = planner.site
        if site.people:
            stories = {slug: len(t.articles) for slug, t in site.terms["author"].items()}
            yield planner.output(
                self, output_path(MASTHEAD_ROUTE), (), people_shown(site, site.people.values()), stories
            )

    def lastmod(self, site: Site, output: Output) -> str | None:
        return ""

    def context(self, rendering: Rendering) -> dict:
        site = rendering.site
        page_url = to_url(site.config, MASTHEAD_ROUTE)
        return {
            "groups": masthead_groups(site.people.values()),
            "page_url": page_url,
            "structured_data": [structured.masthead(site, page_url)],
        }


def masthead_groups(people) -> list[tuple[str, list[Person]]]:
    """(role, people) in masthead order: people by `order` then name; roles by their
    first person's place; people without a role last."""
    ranked = sorted(people, key=lambda p: (p.order is None, p.order or 0, p.name.casefold()))
    groups: dict[str, list[Person]] = {}
    for p in ranked:
        groups.setdefault(p.role, []).append(p)
    return sorted(groups.items(), key=lambda g: g[0] == "")


class NotFound(HtmlKind):
    """404.html, which static hosts serve for a missing page."""

    name, template = "notfound", "404.html"
    shows = frozenset({Facet.NAVIGATION})

    def plan(self, planner: Planner):
        yield planner.output(self, "404.html", ())

    def lastmod(self, site: Site, output: Output) -> str | None:
        return None  # served for missing pages, never listed

    def context(self, rendering: Rendering) -> dict:
        return {"page_url": to_url(rendering.site.config, "404.html")}


KINDS: tuple[OutputKind, ...] = (
    Home(),
    ArticlePage(),
    StandalonePage(),
    TermIndex(),
    Listing(),
    Corrections(),
    Masthead(),
    NotFound(),
)
