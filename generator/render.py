"""Outputs: the plan of every file the build writes, and how each one is rendered.

plan_outputs lists every output with a fingerprint of everything it shows; an output
whose fingerprint matches the previous build's is not rendered again. Each HTML page gets
its own template context, built here from the read-only Site.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.meta
from markupsafe import Markup

from generator import feeds, sitemaps
from generator.errors import BuildError, Problem
from generator.site import Site, Term, list_digest
from generator.theme import Theme, make_environment
from generator.urls import index_route, output_path, page_route, to_abs_url, to_url


@dataclass(frozen=True)
class Output:
    """One file of the built site."""

    path: str  # where it goes, relative to the output folder
    kind: str  # which renderer makes it: "article", "listing", "feed", "static", ...
    key: tuple  # what that renderer needs to find its data in the Site
    fingerprint: str  # changes whenever anything the file shows changes


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


def _hash(*parts) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def plan_base(site: Site, theme: Theme) -> str:
    """The part of every fingerprint that every page shows: theme, settings, navigation."""
    nav = [(p.title, p.route, p.menu) for p in site.menu]
    nav += [(t.name, t.route) for t in site.terms["category"].values()]
    # The footer's copyright year comes from the newest story, so every page depends on it.
    return _hash(theme.digest(), site.config.digest(), nav, copyright_year(site))


def plan_outputs(site: Site, theme: Theme, base: str | None = None) -> list[Output]:
    """Every file of the site, in a stable order, with its fingerprint."""
    config, per_page = site.config, site.config.per_page
    base = base or plan_base(site, theme)
    ld = site.list_digests
    plan: list[Output] = []

    def add(rel: str, kind: str, key: tuple, *shown) -> None:
        plan.append(Output(output_path(rel), kind, key, _hash(base, kind, key, rel, *shown)))

    pages = max(1, math.ceil(len(site.articles) / per_page))
    for n in range(1, pages + 1):
        shown = _home_shown(site, n) if n == 1 else ld[(n - 1) * per_page:n * per_page]
        add(page_route("", n), "home", (n,), pages, shown)
    plan += (_article_output(site, base, i) for i in range(len(site.articles)))
    for p in site.pages:
        add(p.route, "page", (p.source,), p.digest)
    for kind, terms in site.terms.items():
        add(index_route(config, kind), "index", (kind,),
            [(t.name, t.route, len(t.articles)) for t in terms.values()])
        for slug, term in terms.items():
            total = max(1, math.ceil(len(term.articles) / per_page))
            for n in range(1, total + 1):
                chunk = term.articles[(n - 1) * per_page:n * per_page]
                # The story count is shown too ("12 stories"): it changes without the chunk.
                add(page_route(term.route, n), "listing", (kind, slug, n), term.name, total,
                    len(term.articles), [ld[i] for i in chunk])
    add("404.html", "notfound", ())
    plan += feeds.plan(site, base)
    plan += sitemaps.plan(site, base)
    return plan


def _article_output(site: Site, base: str, i: int) -> Output:
    a, ld, key = site.articles[i], site.list_digests, (i,)
    shown = (a.digest, [ld[j] for j in site.related[i]], _category_shown(site, a))
    return Output(output_path(a.route), "article", key,
                  _hash(base, "article", key, a.route, *shown))


@dataclass(frozen=True)
class Plan:
    """plan_outputs' result with what it was planned from, for replan."""

    site: Site  # the model planned
    base: str  # plan_base of that model and theme
    outputs: tuple[Output, ...]  # plan_outputs(site, theme)
    where: dict[str, int]  # output path -> its position in outputs

    @classmethod
    def full(cls, site: Site, theme: Theme, base: str) -> Plan:
        outputs = tuple(plan_outputs(site, theme, base))
        return cls(site, base, outputs, {o.path: n for n, o in enumerate(outputs)})


def replan(previous: Plan | None, site: Site, theme: Theme) -> Plan:
    """plan_outputs(site, theme) as a Plan, re-fingerprinting only what can have changed.

    A long-lived builder that reuses its model after a body-only edit hands over a Site
    sharing every index with the previous one (terms, related, list digests, pages,
    config): then only the edited articles' pages, the feeds (they carry bodies) and the
    news sitemap (its window moves with the build's clock) can change. Re-planning the
    ~17,000 outputs of a 10,000-article site cost more than the rest of such a rebuild.
    Anything else is planned in full.
    """
    base = plan_base(site, theme)
    edited = _body_edits(previous, site, base)
    if edited is None:
        return Plan.full(site, theme, base)
    fresh = [_article_output(site, base, i) for i in edited]
    fresh += feeds.plan(site, base)
    fresh.append(sitemaps.plan_news(site, base))
    where = previous.where
    if any(o.path not in where for o in fresh):  # a new output: not a body-only edit
        return Plan.full(site, theme, base)
    outputs = list(previous.outputs)
    for o in fresh:
        outputs[where[o.path]] = o
    return Plan(site, base, tuple(outputs), where)


def _body_edits(previous: Plan | None, site: Site, base: str) -> list[int] | None:
    """Indices of the articles that differ from the previous plan's, when nothing else
    a listing, index or page shows can differ; None otherwise."""
    if previous is None or previous.base != base:
        return None
    old = previous.site
    shared = ("config", "pages", "terms", "related", "list_digests", "statics")
    if len(site.articles) != len(old.articles) or \
            any(getattr(site, name) is not getattr(old, name) for name in shared):
        return None
    edited = [i for i, (a, b) in enumerate(zip(site.articles, old.articles, strict=True))
              if a is not b]
    # The indexes are shared, so an article's list fields must be too (its route, date,
    # title: everything but what only its own page and the feeds show).
    if any(list_digest(site.articles[i]) != site.list_digests[i] for i in edited):
        return None
    return edited


def copyright_year(site: Site) -> int | str:
    return site.articles[0].date.year if site.articles else ""


def _home_shown(site: Site, n: int):
    ld = site.list_digests
    sections = [(t.name, [ld[i] for i in t.articles[:site.config.home_sections]])
                for t in site.terms["category"].values()]
    return ld[:site.config.per_page], sections


def _category_shown(site: Site, article) -> tuple:
    term = site.category_of(article)
    return (term.name, term.route) if term else ()


# Where the `card` macro lives; templates call it through the `card` global (memoized).
CARD_TEMPLATE = "partials/macros.html"
# Included by the theme's base.html through the `site_footer` global (memoized).
FOOTER_TEMPLATE = "partials/footer.html"


class Renderer:
    """Renders outputs of one Site through one theme; holds compiled templates."""

    def __init__(self, site: Site, theme: Theme):
        self.site = site
        self.theme = theme
        self.env = make_environment(theme)
        self.env.globals.update(self._globals())
        self._pages_by_source = {p.source: p for p in site.pages}
        self._cards: dict = {}  # (article route, macro arguments) -> HTML, see _card
        self._card_macro = None
        self._footer_html: Markup | None = None
        self._footer_shared: bool | None = None  # see _site_footer
        self._term_urls: dict = {}  # (kind, name) -> link
        self._texts: dict = {}  # (language, key) -> the theme's text, see _text

    def render(self, output: Output) -> bytes:
        """The bytes of one output; raises BuildError naming the template and line."""
        if output.kind == "static":
            return Path(output.key[0]).read_bytes()
        if output.kind in ("rss", "atom", "sitemap", "news-sitemap", "robots"):
            return _render_data(self.site, output)
        template, context = getattr(self, f"_{output.kind.replace('-', '_')}")(*output.key)
        try:
            text = self.env.get_template(template).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError([Problem(exc.filename or exc.name or template, exc.lineno,
                                      f"template error: {exc.message}",
                                      "fix the template syntax on that line")]) from None
        except jinja2.TemplateError as exc:
            raise BuildError([_template_problem(exc, template, output.path)]) from None
        return text.encode("utf-8")

    # Globals available to every template.
    def _globals(self) -> dict:
        site, config = self.site, self.site.config
        return {
            "site": config,
            "menu": site.menu,
            # Only names and links: every page shows them, so they are in every fingerprint.
            "categories": [NavLink(t.name, t.slug, to_url(config, t.route))
                           for t in site.terms["category"].values()],
            "url": lambda rel: to_url(config, rel.lstrip("/")),
            # "/news/x/" is already a link (it starts with the base path); "x/" is a route.
            "abs_url": lambda rel: config.origin + rel if rel.startswith("/")
            else to_abs_url(config, rel),
            "asset_url": self._asset_url,
            "t": self._translate,
            "format_date": self._format_date,
            "term_url": self._term_url,
            "feed_url": to_url(config, "feed.xml"),
            "atom_url": to_url(config, "atom.xml"),
            "copyright_year": copyright_year(site),
            "abs_asset_url": self._abs_asset_url,
            "format_month": self._format_month,
            "index_url": lambda kind: to_url(config, index_route(config, kind)),
            "generator": "newsgen",
            "card": self._card,
            "site_footer": self._site_footer,
        }

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
        tree = self.env.parse(self.env.loader.get_source(self.env, name)[0])
        return not list(jinja2.meta.find_referenced_templates(tree)) and \
            jinja2.meta.find_undeclared_variables(tree) <= set(self.env.globals)

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
                self._cards[key] = html
        return html

    def _term_url(self, kind: str, name: str) -> str:
        # Every byline and label asks again; slugify per call was 3 % of the rendering.
        url = self._term_urls.get((kind, name))
        if url is None:
            term = self.site.terms[kind].get(self.site.slug(name))
            url = self._term_urls[(kind, name)] = to_url(self.site.config, term.route) \
                if term else ""
        return url

    def _asset_url(self, path: str) -> str:
        if "://" in path or path.startswith("//"):
            return path
        return to_url(self.site.config, path.lstrip("/"))

    def _abs_asset_url(self, path: str) -> str:
        """Link previews and structured data need full URLs, never relative ones."""
        url = self._asset_url(path)
        return url if "://" in url or url.startswith("//") else self.site.config.origin + url

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
        return pattern.format(day=when.day, month=self._month(when.month, lang), year=when.year,
                              time=f"{when.hour:02d}:{when.minute:02d}", zone=when.tzname() or "")

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

    # One method per output kind: each returns (template name, context).
    def _home(self, number: int):
        site, per_page = self.site, self.site.config.per_page
        pager = self._pager(site.articles, "", number)
        sections = [(t, [site.articles[i] for i in t.articles[:site.config.home_sections]])
                    for t in site.terms["category"].values()]
        return "index.html", {"pager": pager, "lead": pager.items[0] if pager.items else None,
                              "latest": pager.items[1:per_page], "sections": sections,
                              "page_url": pager.url, "is_home": True}

    def _article(self, index: int):
        site = self.site
        article = site.articles[index]
        return "article.html", {
            "article": article, "page_url": to_url(site.config, article.route),
            "category": site.category_of(article),
            "related": [site.articles[j] for j in site.related[index]],
        }

    def _page(self, source: str):
        page = self._pages_by_source[source]
        return "page.html", {"page": page, "page_url": to_url(self.site.config, page.route)}

    def _index(self, kind: str):
        route_ = index_route(self.site.config, kind)
        return "terms.html", {"kind": kind, "terms": list(self.site.terms[kind].values()),
                              "page_url": to_url(self.site.config, route_)}

    def _listing(self, kind: str, slug: str, number: int):
        term: Term = self.site.terms[kind][slug]
        articles = [self.site.articles[i] for i in term.articles]
        pager = self._pager(articles, term.route, number)
        feed = to_url(self.site.config, term.route + "feed.xml") if kind == "category" else ""
        return "list.html", {"kind": kind, "term": term, "pager": pager, "page_url": pager.url,
                             "term_feed_url": feed}

    def _notfound(self):
        return "404.html", {"page_url": to_url(self.site.config, "404.html")}

    def _pager(self, items, first_route: str, number: int) -> Pager:
        per_page = self.site.config.per_page
        total = max(1, math.ceil(len(items) / per_page))
        link = lambda n: to_url(self.site.config, page_route(first_route, n))  # noqa: E731
        return Pager(number, total, list(items[(number - 1) * per_page:number * per_page]),
                     link(number), link(number - 1) if number > 1 else "",
                     link(number + 1) if number < total else "")


def _render_data(site: Site, output: Output) -> bytes:
    if output.kind in ("rss", "atom"):
        return feeds.render(site, output)
    return sitemaps.render(site, output)


def _template_problem(exc: jinja2.TemplateError, template: str, path: str) -> Problem:
    import traceback

    line = None
    name = template
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt")):
            name, line = frame.filename, frame.lineno
            break
    return Problem(name, line, f"template error while rendering {path}: {exc}",
                   "fix the template, or the content value it reads")


def plan_statics(site: Site, theme: Theme) -> list[Output]:
    """Theme assets, then the site's own static files (which win on a clash)."""
    files: dict[str, tuple[str, str]] = {}
    for folder in theme.static_dirs():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            st = path.stat()
            files[path.relative_to(folder).as_posix()] = (str(path),
                                                         f"{st.st_size}:{st.st_mtime_ns}")
    for s in site.statics:
        files[s.rel] = (s.source, s.stamp)
    return [Output(rel, "static", (source,), _hash("static", source, stamp))
            for rel, (source, stamp) in sorted(files.items())]
