"""What an output kind is: the files it plans, the parts of the site it shows, how it renders.

Every file of the built site is an `Output` planned by one `OutputKind`. A kind declares,
once, which facets of the site its files show (`shows`); its fingerprints hash exactly
those facets, and the incremental re-plan (outputs/plan.py) derives from the same
declaration which files an edit can change. Nothing else in newsgen lists dependencies.

Invariant: an output whose fingerprint is unchanged would render to the same bytes. A
kind that shows a facet must put that facet's values into its fingerprints; a kind that
does not declare a facet must not read it while rendering (tests/test_outputs.py edits
each facet in turn and checks every kind against it).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from generator.errors import Problem
from generator.outputs.templating import Templates
from generator.records import quick_pickle
from generator.site import Site
from generator.theme import Theme


class Facet(enum.Enum):
    """A part of the site an output can show; each drives re-planning in its own way."""

    NAVIGATION = "navigation"  # theme, settings, menu, sections, footer: in every fingerprint
    LISTS = "lists"  # articles' list fields (documents.LIST_FIELDS) and the term indexes
    BODY = "body"  # articles' own page fields (documents.BODY_FIELDS): re-planned on edits
    PAGES = "pages"  # the standalone pages
    PEOPLE = "people"  # the author files: profiles, the masthead, bylines' structured data
    CLOCK = "clock"  # the build's clock (Site.built_at): re-planned on every build
    FILES = "files"  # files outside the model (theme assets): re-planned on every build


@quick_pickle
@dataclass(frozen=True, slots=True)
class Output:
    """One file of the built site."""

    path: str  # where it goes, relative to the output folder
    kind: str  # the name of the OutputKind that plans and renders it
    key: tuple  # what that kind needs to find its data in the Site
    fingerprint: str  # changes whenever anything the file shows changes


def fingerprint(*parts: object) -> str:
    """The one hash of what an output shows (repr of plain values: tuples, str, int)."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def navigation_digest(site: Site, theme: Theme) -> str:
    """The NAVIGATION facet: theme, settings, menu, sections, the footer's year, the
    logos' sizes (the header's, and the raster one in structured data), the breaking-news
    banner and the footer's trust pages."""
    nav: list[tuple] = [(p.title, p.route, p.menu) for p in site.menu]
    nav += [(p.title, p.route) for p in site.unlisted_pages]  # in the footer
    nav += [(t.name, t.route) for t in site.terms["category"].values()]
    nav += [("shown", [t.slug for t in site.sections], site.more_sections)]
    logos = [
        site.images[r].shape for r in (site.config.logo.lstrip("/"), site.raster_logo) if r in site.images
    ]
    banner = site.articles[site.breaking] if site.breaking is not None else None
    shown = (banner.title, banner.route) if banner else ()
    trust = sorted(site.trust_links.items())
    return fingerprint(theme.digest(), site.config.digest(), nav, site.copyright_year, logos, shown, trust)


@dataclass(frozen=True)
class Rendering:
    """What kinds render with: the model, the theme and its templates (one per build)."""

    site: Site  # the read-only model
    theme: Theme  # the theme in use
    templates: Templates  # the Jinja environment; HTML kinds render through it
    kinds: tuple[OutputKind, ...] = ()  # every kind of the build, for kinds that list others
    # Work kinds share within one build (a story's feed entry is in several feeds); it
    # never outlives the model it was made from.
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def planner(self) -> Planner:
        """A planner of this model, for a kind that renders from other kinds' plans."""
        return Planner(self.site, self.theme, navigation_digest(self.site, self.theme), self.kinds)


@dataclass(frozen=True)
class Planner:
    """What kinds plan from: the model, the theme and the NAVIGATION digest of both."""

    site: Site  # the model being planned
    theme: Theme  # the theme in use
    navigation: str  # navigation_digest(site, theme)
    kinds: tuple[OutputKind, ...] = ()  # every kind of the build, in planning order
    # kind name -> its outputs, planned once however many kinds ask (the sitemap does)
    _planned: dict[str, tuple[Output, ...]] = field(default_factory=dict, compare=False, repr=False)

    def outputs_of(self, kind: OutputKind) -> tuple[Output, ...]:
        """Every output of `kind` for this model, planned on first request."""
        found = self._planned.get(kind.name)
        if found is None:
            found = self._planned[kind.name] = tuple(kind.plan(self))
        return found

    def output(self, kind: OutputKind, path: str, key: tuple, *shown: object) -> Output:
        """An output of `kind` at `path`, fingerprinted by what it shows."""
        nav = self.navigation if Facet.NAVIGATION in kind.shows else ""
        return Output(path, kind.name, key, fingerprint(nav, kind.name, key, path, *shown))


class OutputKind:
    """One kind of output file. Subclasses set `name` and `shows`, and define `plan`
    (or `plan_article` with `per_article = True`) and `render`."""

    name: ClassVar[str]  # unique; what Output.kind and the build summary say
    shows: ClassVar[frozenset[Facet]]  # every facet its files show, no more
    # Facets that decide which files there are, beyond those they show (the variants of
    # the pictures bodies show): re-planned as those facets change, never fingerprinted.
    plans_from: ClassVar[frozenset[Facet]] = frozenset()
    # One output per article, in article order, keyed (index,): a body edit then
    # re-plans only the edited articles' outputs of this kind.
    per_article: ClassVar[bool] = False
    # The body fields (documents.BODY_FIELDS) a kind that shows or plans from BODY reads,
    # when fewer than all: a body edit that leaves them as they were keeps its plan.
    body_reads: ClassVar[tuple[str, ...] | None] = None

    def plan(self, planner: Planner) -> Iterable[Output]:
        """Every output of this kind, in a stable order."""
        if not self.per_article:
            raise NotImplementedError(f"{type(self).__name__} plans nothing")
        return (self.plan_article(planner, i) for i in range(len(planner.site.articles)))

    def plan_article(self, planner: Planner, index: int) -> Output:
        """The output of article `index` (kinds with per_article only)."""
        raise NotImplementedError(f"{type(self).__name__} is not per article")

    def render(self, output: Output, rendering: Rendering) -> bytes:
        """The bytes of one of this kind's outputs; raises BuildError on bad input."""
        raise NotImplementedError

    def lastmod(self, site: Site, output: Output) -> str | None:
        """For a public page, the date the sitemap gives it (ISO 8601, "" for none);
        None for a file no sitemap lists (feeds, assets, the 404 page)."""
        return None

    def warnings(self, site: Site) -> list[Problem]:
        """What the build should tell about this kind's files of `site` (a card that
        had to leave out its headline); nothing by default."""
        return []


class HtmlKind(OutputKind):
    """A kind rendered through one template of the theme."""

    template: ClassVar[str]  # the theme template that renders it

    def context(self, rendering: Rendering, *key) -> dict:
        """The template's variables for the output with this key."""
        raise NotImplementedError

    def render(self, output: Output, rendering: Rendering) -> bytes:
        context = self.context(rendering, *output.key)
        return rendering.templates.page(self.template, context, output.path)

    def lastmod(self, site: Site, output: Output) -> str | None:
        """Public by default, dated by the newest story."""
        return day(site.articles[0].date) if site.articles else ""


def day(when: datetime) -> str:
    """The calendar day of a moment, as sitemaps and feeds date things (ISO 8601)."""
    return when.date().isoformat()
