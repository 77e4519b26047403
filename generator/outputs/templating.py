"""The theme's templates as one build renders them: the environment, its globals, memos.

HTML kinds (outputs/pages.py) hand a template name and a context to `Templates.page`;
everything a template may call besides its context is a global defined here, so a theme
author finds the whole vocabulary in one place (docs/templates.md lists it).
"""

from __future__ import annotations

import itertools
import math
import traceback
from dataclasses import dataclass
from functools import lru_cache

import jinja2
import jinja2.meta
from markupsafe import Markup

from generator.coverage import time_style
from generator.errors import BuildError, Problem
from generator.outputs.pictures import picture, responsive_body
from generator.site import Site
from generator.theme import Theme, make_environment
from generator.urls import (
    CORRECTIONS_ROUTE,
    FAVICON_PNG,
    FEEDS_ROUTE,
    SEARCH_ROUTE,
    SITE_ATOM,
    SITE_JSON,
    SITE_RSS,
    TOUCH_ICON,
    asset_abs_url,
    asset_url,
    index_route,
    link_abs_url,
    page_route,
    share_card_url,
    to_url,
)


@dataclass(frozen=True)
class NavLink:
    """A link in the site navigation."""

    name: str  # shown text
    slug: str  # for styling hooks
    url: str  # where it goes


@dataclass(frozen=True)
class Pager:
    """One page of a paginated listing."""

    number: int  # 1-based page number
    total: int  # number of pages
    items: list  # the articles on this page
    url: str  # link to this page
    prev_url: str  # link to the previous page, "" on the first
    next_url: str  # link to the next page, "" on the last


# Where the `card` macro lives; templates call it through the `card` global (memoized).
CARD_TEMPLATE = "partials/macros.html"
# Included by the theme's base.html through the `site_footer` global (memoized).
FOOTER_TEMPLATE = "partials/footer.html"
# Cards a process keeps (the oldest half goes when full): every one of a 20,000-story
# site's is reused, and at a million a worker's memory stays bounded.
CARDS_HELD = 65536


class Templates:
    """The theme's templates for one Site: the Jinja environment and its globals.

    Memoizes what many pages repeat (cards, the footer, term links, texts); one instance
    serves one Site and one theme, so a memo can never outlive what it was made from.
    """

    def __init__(self, site: Site, theme: Theme):
        self.site = site
        self.theme = theme
        self.env = make_environment(theme)
        self.env.globals.update(self._globals())
        self.env.filters["responsive"] = lambda body, sizes: responsive_body(site, body, sizes)
        self._cards: dict = {}  # (article route, macro arguments) -> HTML, see _card
        self._card_macro = None
        self._footer_html: Markup | None = None
        self._footer_shared: bool | None = None  # see _site_footer
        self._term_urls: dict = {}  # (kind, name) -> link
        self._texts: dict = {}  # (language, key) -> the theme's text, see _text

    def page(self, template: str, context: dict, path: str) -> bytes:
        """The template rendered with `context` (and the globals) as UTF-8 bytes; raises
        BuildError naming the template and line."""
        try:
            text = self.env.get_template(template).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError(
                [
                    Problem(
                        exc.filename or exc.name or template,
                        exc.lineno,
                        f"template error: {exc.message}",
                        "fix the template syntax on that line",
                    )
                ]
            ) from None
        except jinja2.TemplateError as exc:
            raise BuildError([_template_problem(exc, template, path)]) from None
        return text.encode("utf-8")

    def pager(self, items, first_route: str, number: int) -> Pager:
        """Page `number` of a listing of `items` whose first page is at first_route."""
        per_page = self.site.config.per_page
        total = max(1, math.ceil(len(items) / per_page))
        link = lambda n: to_url(self.site.config, page_route(first_route, n))  # noqa: E731
        return Pager(
            number,
            total,
            list(items[(number - 1) * per_page : number * per_page]),
            link(number),
            link(number - 1) if number > 1 else "",
            link(number + 1) if number < total else "",
        )

    # Globals available to every template.
    def _globals(self) -> dict:
        site, config = self.site, self.site.config
        return {
            "site": config,
            "menu": site.menu,
            "unlisted_pages": site.unlisted_pages,
            # Only names and links: every page shows them, so they are in every fingerprint.
            "categories": [NavLink(t.name, t.slug, to_url(config, t.route)) for t in site.sections],
            "more_sections_url": to_url(config, index_route(config, "category"))
            if site.more_sections
            else "",
            "url": lambda rel: to_url(config, rel.lstrip("/")),
            # "/news/x/" is already a link (it starts with the base path); "x/" is a route.
            "abs_url": lambda link: link_abs_url(config, link),
            "asset_url": lambda path: asset_url(config, path),
            "t": self._translate,
            "format_date": self._format_date,
            "term_url": self._term_url,
            "feed_url": to_url(config, SITE_RSS),
            "atom_url": to_url(config, SITE_ATOM),
            "json_feed_url": to_url(config, SITE_JSON),
            "feeds_url": to_url(config, FEEDS_ROUTE),
            "search_url": to_url(config, SEARCH_ROUTE) if site.searchable else "",
            "copyright_year": site.copyright_year,
            "abs_asset_url": lambda path: asset_abs_url(config, path),
            "format_month": self._format_month,
            "index_url": lambda kind: to_url(config, index_route(config, kind)),
            "generator": "newsgen",
            "card": self._card,
            "site_footer": self._site_footer,
            # Pictures (outputs/pictures.py): the slot's `sizes` is the theme's to say.
            "picture": lambda path, sizes, alt="", eager=False, class_="", focus=None, lazy=None: picture(
                site, path, alt, sizes, eager, class_, focus, lazy=lazy
            ),
            "share_card_url": lambda route="": share_card_url(config, route),
            "favicon_url": to_url(config, FAVICON_PNG),
            "touch_icon_url": to_url(config, TOUCH_ICON),
            # The newsroom's vocabulary: people, corrections, trust pages, the banner.
            "bylines": self._bylines,
            "person": site.person,
            "trust_links": list(site.trust_links.items()),
            "corrections_url": to_url(config, CORRECTIONS_ROUTE),
            "breaking": site.articles[site.breaking] if site.breaking is not None else None,
            "shows_updated": self._shows_updated,
            "entry_time": lambda entry, article: self._format_date(
                entry.when, article.lang, time_style(entry.when, article.date)
            ),
        }

    def text(self, key: str, lang: str = "", **values) -> str:
        """The theme's text for `key` in `lang` (the site's by default), filled in."""
        return self._translate(key, lang, **values)

    def date_text(self, when, lang: str = "", style: str = "date") -> str:
        """A moment as the theme writes it: style "date", "datetime" or "time"."""
        return self._format_date(when, lang, style)

    def _bylines(self, article) -> list[tuple[str, str]]:
        """(name, link to the author page or "") of each byline."""
        config = self.site.config
        return [(name, to_url(config, rel) if rel else "") for name, rel, _ in self.site.bylines(article)]

    def _shows_updated(self, article) -> bool:
        """Whether a story changed long enough after publishing to say "Updated"."""
        minutes = (article.revised - article.date).total_seconds() / 60
        return minutes >= self.site.config.updated_after_minutes

    @jinja2.pass_context
    def _site_footer(self, context) -> Markup:
        """The footer include, rendered once when it reads nothing but globals.

        The theme's footer (site links, sections, feeds, copyright) is the same on every
        page, yet it was a tenth of the rendering. A site's own footer that reads page
        variables, or includes other templates, is rendered per page as an include would.
        """
        if self._footer_html is not None:
            return self._footer_html
        template = self.env.get_template(FOOTER_TEMPLATE)
        if self._footer_shared is None:
            self._footer_shared = self._reads_only_globals(FOOTER_TEMPLATE)
        if not self._footer_shared:
            return Markup(template.render(context.get_all()))
        self._footer_html = Markup(template.render())
        return self._footer_html

    def _reads_only_globals(self, name: str) -> bool:
        assert self.env.loader is not None  # make_environment always gives one
        source = self.env.loader.get_source(self.env, name)[0]
        return _reads_only(source, frozenset(self.env.globals))

    def _card(self, article, *args, **kwargs):
        """The theme's `card` macro, rendered once per article and arguments.

        One article's card shows on its home, section, tag, author and archive pages and
        under related stories, so most calls repeat an earlier one. A card shows only the
        article's list fields and site-wide globals, so one Renderer (one Site, one theme)
        always gives the same HTML for the same key.
        """
        route = getattr(article, "route", None)
        key = (route, args, tuple(sorted(kwargs.items())))
        html = self._cards.get(key) if route is not None else None
        if html is None:
            if self._card_macro is None:
                self._card_macro = self.env.get_template(CARD_TEMPLATE).module.card
            html = self._card_macro(article, *args, **kwargs)
            if route is not None:
                if len(self._cards) >= CARDS_HELD:  # a million stories' cards would not fit
                    for old in list(itertools.islice(self._cards, CARDS_HELD // 2)):
                        del self._cards[old]
                self._cards[key] = html
        return html

    def _term_url(self, kind: str, name: str) -> str:
        # Every byline and label asks again; slugify per call was 3 % of the rendering.
        url = self._term_urls.get((kind, name))
        if url is None:
            term = self.site.term_named(kind, name)
            url = self._term_urls[(kind, name)] = to_url(self.site.config, term.route) if term else ""
        return url

    def _translate(self, key: str, lang: str = "", **values) -> str:
        lang = lang or self.site.config.language
        # A table may give a singular form as KEY_one: "1 story", not "1 stories".
        if values.get("count") == 1 and self._text(lang, key + "_one") != key + "_one":
            key += "_one"
        text = self._text(lang, key)
        return text.format(**values) if values else text

    def _format_date(self, when, lang: str = "", style: str = "date") -> str:
        """A localised absolute date; style "datetime" adds the time and zone as written."""
        lang = lang or self.site.config.language
        pattern = self._text(lang, f"{style}_format")
        if pattern == f"{style}_format":
            pattern = "{day} {month} {year}"
        return pattern.format(
            day=when.day,
            month=self._month(when.month, lang),
            year=when.year,
            time=f"{when.hour:02d}:{when.minute:02d}",
            zone=when.tzname() or "",
        )

    def _format_month(self, key: str, lang: str = "") -> str:
        """An archive month key ("2026-11") as a localised heading ("November 2026")."""
        lang = lang or self.site.config.language
        year, month = (int(part) for part in key.split("-"))
        pattern = self._text(lang, "month_format")
        if pattern == "month_format":
            pattern = "{month} {year}"
        return pattern.format(month=self._month(month, lang), year=year)

    def _month(self, number: int, lang: str) -> str:
        months = self._text(lang, "months").split()
        return months[number - 1] if len(months) == 12 else f"{number:02d}"

    def _text(self, lang: str, key: str) -> str:
        # Every page asks for the same few strings (two or three per card and byline);
        # the theme's lookup falls back through two tables each time.
        found = self._texts.get((lang, key))
        if found is None:
            found = self._texts[(lang, key)] = self.theme.text(lang, key)
        return found


# Parsing the footer to see what it reads took a tenth of a preview rebuild; the answer
# depends only on its source and the names of the globals (make_environment keeps Jinja's
# default syntax, so a plain environment parses it alike).
_PARSER = jinja2.Environment()


@lru_cache(maxsize=32)
def _reads_only(source: str, names: frozenset[str]) -> bool:
    tree = _PARSER.parse(source)
    return (
        not list(jinja2.meta.find_referenced_templates(tree))
        and jinja2.meta.find_undeclared_variables(tree) <= names
    )


def _template_problem(exc: jinja2.TemplateError, template: str, path: str) -> Problem:
    line = None
    name = template
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt")):
            name, line = frame.filename, frame.lineno
            break
    return Problem(
        name,
        line,
        f"template error while rendering {path}: {exc}",
        "fix the template, or the content value it reads",
    )
