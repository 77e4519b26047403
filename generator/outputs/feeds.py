"""RSS and Atom feeds: made with feedgen and read back before they are published.

Kinds: `rss` (the site's feed.xml and one feed.xml per section) and `atom` (atom.xml).
A feed carries whole bodies, so it shows BODY as well as LISTS: an edit to any of its
stories re-plans it.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from xml.etree import ElementTree

from feedgen.feed import FeedGenerator

from generator.errors import BuildError, Problem
from generator.markup import absolutize
from generator.outputs.base import Facet, Output, OutputKind, Planner, Rendering
from generator.sanitize import xml_safe
from generator.site import Site
from generator.urls import SITE_ATOM, SITE_RSS, section_feed_route, to_abs_url

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _Feed(OutputKind):
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS, Facet.BODY})
    format = ""  # "rss" or "atom": which of feedgen's writers

    def routes(self, site: Site) -> list[tuple[str, tuple]]:
        raise NotImplementedError

    def plan(self, planner: Planner):
        for rel, key in self.routes(planner.site):
            shown = [(a.digest, a.route) for a in _items(planner.site, key)]
            yield planner.output(self, rel, key, _title(planner.site, key), shown)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        return render_feed(rendering.site, output, self.format)


class Rss(_Feed):
    """RSS 2.0: the site's newest stories, and each section's."""

    name = format = "rss"

    def routes(self, site: Site) -> list[tuple[str, tuple]]:
        found: list[tuple[str, tuple]] = [(SITE_RSS, ("site",))]
        found += [
            (section_feed_route(term.route), ("category", slug))
            for slug, term in site.terms["category"].items()
        ]
        return found


class Atom(_Feed):
    """Atom 1.0: the site's newest stories."""

    name = format = "atom"

    def routes(self, site: Site) -> list[tuple[str, tuple]]:
        return [(SITE_ATOM, ("site",))]


KINDS: tuple[OutputKind, ...] = (Rss(), Atom())


def _items(site: Site, key: tuple) -> list:
    limit = site.config.feed_items
    if key[0] == "site":
        return list(site.articles[:limit])
    term = site.terms["category"][key[1]]
    return [site.articles[i] for i in term.articles[:limit]]


def _title(site: Site, key: tuple) -> tuple[str, str]:
    """The feed's title and home page."""
    config = site.config
    if key[0] == "category":
        term = site.terms["category"][key[1]]
        return f"{term.name} — {config.title}", to_abs_url(config, term.route)
    return config.title, to_abs_url(config, "")


def render_feed(site: Site, output: Output, format: str) -> bytes:  # noqa: A002
    """The feed's XML; it is checked before it is returned."""
    config = site.config
    items = _items(site, output.key)
    title, home = _title(site, output.key)
    fg = FeedGenerator()
    fg.load_extension("dc")
    fg.id(home)
    fg.title(xml_safe(title))
    fg.link(href=home, rel="alternate")
    fg.link(href=to_abs_url(config, output.path), rel="self")
    fg.description(xml_safe(config.description or config.title))
    fg.language(config.language)
    fg.generator("newsgen")
    newest = max((a.updated or a.date for a in items), default=_EPOCH)
    fg.lastBuildDate(newest)  # not "now": an unchanged site must give unchanged bytes
    fg.updated(newest)
    for article in items:
        _add_entry(fg, site, article)
    data = fg.atom_str(pretty=True) if format == "atom" else fg.rss_str(pretty=True)
    problems = check_feed(data, format)
    if problems:
        raise BuildError(
            [
                Problem(
                    output.path,
                    None,
                    "the feed would be invalid: " + "; ".join(problems),
                    "please report this as a newsgen bug",
                )
            ]
        )
    return data


def _add_entry(fg: FeedGenerator, site: Site, article) -> None:
    config = site.config
    link = to_abs_url(config, article.route)
    entry = fg.add_entry(order="append")
    entry.id(link)
    entry.guid(link, permalink=True)
    entry.title(xml_safe(article.title))
    entry.link(href=link)
    entry.published(article.date)
    entry.updated(article.updated or article.date)
    entry.description(xml_safe(article.summary or article.title))
    entry.content(xml_safe(absolutize(article.body_html, config.origin)), type="CDATA")
    authors = article.authors or (config.publisher,)
    entry.author([{"name": xml_safe(name)} for name in authors])
    # One dc:creator with every name: readers show a single byline field.
    entry.dc.dc_creator(xml_safe(", ".join(authors)))
    for name in article.categories:
        entry.category(term=xml_safe(name))
    if article.image:
        image = article.image if "://" in article.image else to_abs_url(config, article.image.lstrip("/"))
        entry.enclosure(image, 0, _image_type(image))


def _image_type(url: str) -> str:
    ext = url.rsplit(".", 1)[-1].lower()
    return {
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "png": "image/png",
        "gif": "image/gif",
        "webp": "image/webp",
        "svg": "image/svg+xml",
        "avif": "image/avif",
    }.get(ext, "image/jpeg")


_ATOM = "{http://www.w3.org/2005/Atom}"


def check_feed(data: bytes, kind: str) -> list[str]:
    """What is wrong with a feed by the RSS 2.0 / Atom rules readers rely on."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        return [f"not well-formed XML ({exc})"]
    return _check_atom(root) if kind == "atom" else _check_rss(root)


def _check_rss(root) -> list[str]:
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        return ["no <rss><channel>"]
    problems = [
        f"channel has no <{name}>"
        for name in ("title", "link", "description")
        if not (channel.findtext(name) or "").strip()
    ]
    for n, item in enumerate(channel.findall("item"), start=1):
        if not (item.findtext("title") or item.findtext("description")):
            problems.append(f"item {n} has neither title nor description")
        for name in ("link", "guid"):
            if not (item.findtext(name) or "").startswith(("http://", "https://")):
                problems.append(f"item {n} <{name}> is not an absolute URL")
        try:
            email.utils.parsedate_to_datetime(item.findtext("pubDate") or "")
        except (TypeError, ValueError):
            problems.append(f"item {n} has no valid RFC 822 <pubDate>")
    return problems


def _check_atom(root) -> list[str]:
    if root.tag != f"{_ATOM}feed":
        return ["no Atom <feed>"]
    problems = [
        f"feed has no <{name}>"
        for name in ("id", "title", "updated")
        if not (root.findtext(f"{_ATOM}{name}") or "").strip()
    ]
    for n, entry in enumerate(root.findall(f"{_ATOM}entry"), start=1):
        for name in ("id", "title", "updated"):
            if not (entry.findtext(f"{_ATOM}{name}") or "").strip():
                problems.append(f"entry {n} has no <{name}>")
    return problems
