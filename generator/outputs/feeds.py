"""Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1, and the /feeds/ page that lists them.

Kinds: `rss` (feed.xml of the site and of every section, tag and author), `atom` (the
site's atom.xml), `json-feed` (feed.json beside every feed.xml) and `feeds` (/feeds/).
Every feed carries the newest `feed_items` stories by publication date, newest first; an
update, a correction or a live entry does not move a story, it dates the entry's
updated/date_modified (Article.modified) and shows at the top of its content.
RSS and Atom are made with feedgen and read back by `check_feed` before they are
published; JSON Feed by `check_json_feed`.

A feed shows bodies (unless `feed_full_content: false`) and the facts of the stories'
images (type, size, bytes, read by images.py), so its fingerprint covers each story's
source digest and its image's file stamp.
"""

from __future__ import annotations

import email.utils
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from html import escape
from xml.etree import ElementTree

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from generator.coverage import time_style
from generator.documents import Article
from generator.errors import BuildError, Problem
from generator.images import ImageFacts
from generator.markup import absolutize
from generator.outputs.base import Facet, HtmlKind, Output, OutputKind, Planner, Rendering
from generator.sanitize import clean_html, xml_safe
from generator.site import Site
from generator.urls import (
    FEED_TAXONOMIES,
    FEEDS_ROUTE,
    SITE_ATOM,
    SITE_JSON,
    SITE_RSS,
    asset_abs_url,
    term_feed_route,
    to_abs_url,
    to_url,
)

MEDIA_NS = "http://search.yahoo.com/mrss/"
ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def feed_sources(site: Site) -> list[tuple[tuple, str]]:
    """(key, listing route) of every feed: the site's, then each section's, tag's, author's."""
    found: list[tuple[tuple, str]] = [(("site",), "")]
    for taxonomy in FEED_TAXONOMIES:
        found += [((taxonomy, slug), term.route) for slug, term in site.terms[taxonomy].items()]
    return found


def _items(site: Site, key: tuple) -> list[Article]:
    limit = site.config.feed_items
    if key[0] == "site":
        return list(site.articles[:limit])
    term = site.terms[key[0]][key[1]]
    return [site.articles[i] for i in term.articles[:limit]]


def _title(site: Site, key: tuple) -> tuple[str, str]:
    """The feed's title and the page it follows."""
    config = site.config
    if key[0] == "site":
        return config.title, to_abs_url(config, "")
    term = site.terms[key[0]][key[1]]
    return f"{term.name} — {config.title}", to_abs_url(config, term.route)


def _stamp(statics: dict, article: Article) -> str:
    """The version of the story's image file ("" for none or a URL)."""
    static = statics.get(article.image.lstrip("/")) if article.image else None
    return static.stamp if static else ""


class _Feed(OutputKind):
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS, Facet.BODY})
    extension = SITE_RSS  # the file name beside each listing

    def routes(self, site: Site) -> list[tuple[str, tuple]]:
        return [(term_feed_route(route, self.extension), key) for key, route in feed_sources(site)]

    def plan(self, planner: Planner):
        site = planner.site
        statics = site.static_by_rel
        for rel, key in self.routes(site):
            shown = [(a.digest, a.route, _stamp(statics, a)) for a in _items(site, key)]
            yield planner.output(self, rel, key, _title(site, key), shown)


class Rss(_Feed):
    """RSS 2.0 of the site and of every section, tag and author."""

    name = "rss"

    def render(self, output: Output, rendering: Rendering) -> bytes:
        return _xml_feed(rendering, output, "rss")


class Atom(_Feed):
    """Atom 1.0 of the site."""

    name = "atom"

    def routes(self, site: Site) -> list[tuple[str, tuple]]:
        return [(SITE_ATOM, ("site",))]

    def render(self, output: Output, rendering: Rendering) -> bytes:
        return _xml_feed(rendering, output, "atom")


class JsonFeed(_Feed):
    """JSON Feed 1.1 beside every RSS feed, item for item."""

    name = "json-feed"
    extension = SITE_JSON

    def render(self, output: Output, rendering: Rendering) -> bytes:
        data = json_feed(rendering, output)
        problems = check_json_feed(data)
        if problems:
            raise BuildError([_bug(output.path, problems)])
        return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


class FeedsPage(HtmlKind):
    """/feeds/: every feed of the site, what it carries and its address to copy."""

    name, template = "feeds", "feeds.html"
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS})
    route = FEEDS_ROUTE

    def plan(self, planner: Planner):
        shown = [route for _, route in feed_sources(planner.site)]
        names = [(t.kind, t.name) for k in FEED_TAXONOMIES for t in planner.site.terms[k].values()]
        yield planner.output(self, self.route + "index.html", (), shown, names)

    def context(self, rendering: Rendering) -> dict:
        site, config = rendering.site, rendering.site.config
        groups: list[tuple[str, list[FeedLinks]]] = [("site", [_links(site, ("site",), "")])]
        for taxonomy in FEED_TAXONOMIES:
            groups.append(
                (
                    taxonomy,
                    [
                        _links(site, (taxonomy, slug), term.route)
                        for slug, term in site.terms[taxonomy].items()
                    ],
                )
            )
        return {"groups": groups, "page_url": to_url(config, self.route)}


@dataclass(frozen=True)
class FeedLinks:
    """One listing's feeds, as the /feeds/ page shows them."""

    name: str  # what the feed follows: the site's title, a section, tag or author name
    page_url: str  # the listing it follows
    rss_url: str  # full URLs, for readers to copy
    json_url: str
    atom_url: str  # the site's only; "" for a listing


def _links(site: Site, key: tuple, route: str) -> FeedLinks:
    config = site.config
    name = config.title if key[0] == "site" else site.terms[key[0]][key[1]].name
    atom = to_abs_url(config, SITE_ATOM) if key[0] == "site" else ""
    return FeedLinks(
        name,
        to_url(config, route),
        to_abs_url(config, term_feed_route(route, SITE_RSS)),
        to_abs_url(config, term_feed_route(route, SITE_JSON)),
        atom,
    )


KINDS: tuple[OutputKind, ...] = (Rss(), Atom(), JsonFeed(), FeedsPage())


# --- What every format says about a story -----------------------------------------------


@dataclass(frozen=True)
class FeedImage:
    """A story's featured image as feeds carry it."""

    url: str  # absolute
    facts: ImageFacts | None  # None for an image given as a URL elsewhere
    alt: str  # alternative text
    credit: str  # the caption, which carries the credit


def feed_image(site: Site, article: Article) -> FeedImage | None:
    """The featured image with its facts (the published copy's type, size and length);
    None when there is none or it is not a raster picture (an SVG: readers take none)."""
    if not article.image:
        return None
    url = asset_abs_url(site.config, article.image)
    credit = article.image_credit or article.image_caption
    if "://" in article.image or article.image.startswith("//"):
        return FeedImage(url, None, article.image_alt, credit)
    facts = site.image(article.image)
    if facts is None or not facts.raster:
        return None
    return FeedImage(url, facts, article.image_alt, credit)


def feed_logo(site: Site) -> str:
    """The full URL of a raster logo for feeds (`feed_logo`, else `logo` when it is
    raster: RSS readers take no SVG), "" when the site has none."""
    logo = site.raster_logo
    return asset_abs_url(site.config, logo) if logo else ""


def _author_url(site: Site, name: str) -> str:
    term = site.term_named("author", name)
    return to_abs_url(site.config, term.route) if term else ""


def _body(rendering: Rendering, article: Article) -> str:
    """The story's HTML for feeds: its corrections first, then a live story's newest
    entry, the body and its updates; links made absolute, cleaned to ordinary HTML (no
    scripts, styles, embeds or event handlers, which readers drop and validators refuse)."""
    t = rendering.templates.text
    lang = article.lang

    def notice(label: str, n) -> str:
        when = rendering.templates.date_text(n.when, lang, "datetime")
        return f"<p><strong>{escape(t(label, lang))} ({escape(when)}):</strong></p>\n{n.html}\n"

    parts = [notice("correction", n) for n in reversed(article.corrections)]
    if article.live_entries:
        newest = article.live_entries[0]
        when = rendering.templates.date_text(newest.when, lang, time_style(newest.when, article.date))
        parts.append(f"<h2>{escape(when)} {escape(newest.title)}</h2>\n{newest.html}\n")
    parts.append(rendering.site.body_html(article))
    parts += [notice("update", n) for n in reversed(article.updates)]
    return _feed_html(article.source, article.digest, "\n".join(parts), rendering.site.config.origin)


# One story is in several feeds (the site's, its section's, tags' and author's, each as
# RSS and JSON) and, in `newsgen serve`, in every rebuild: clean each version once.
@lru_cache(maxsize=4096)
def _feed_html(source: str, digest: str, body_html: str, origin: str) -> str:
    return xml_safe(clean_html(absolutize(body_html, origin)))


# --- RSS and Atom -------------------------------------------------------------------------


class _MediaFeed(BaseExtension):
    """The media namespace, and in RSS the WebSub hub link (feedgen writes only `self`)."""

    def __init__(self) -> None:
        self.hub = ""

    def extend_ns(self) -> dict:
        return {"media": MEDIA_NS}

    def extend_rss(self, rss):
        channel = rss.find("channel")
        if self.hub and channel is not None:
            xml_elem(f"{{{ATOM_NS}}}link", channel, href=self.hub, rel="hub")
        return rss


class _MediaEntry(BaseEntryExtension):
    """media:content and media:thumbnail of the featured image (what partner aggregators
    read), and in Atom the image's enclosure link (feedgen 1.0 writes extra entry links
    without their rel, which makes them duplicate alternates)."""

    def __init__(self) -> None:
        self.image: FeedImage | None = None

    def extend_ns(self) -> dict:
        return {"media": MEDIA_NS}

    def extend_rss(self, item):
        if self.image is not None:
            self._media(item)
        return item

    def extend_atom(self, entry):
        image = self.image
        if image is not None:
            if image.facts is not None:
                xml_elem(
                    "link",
                    entry,
                    rel="enclosure",
                    href=image.url,
                    type=image.facts.mime,
                    length=str(image.facts.length),
                )
            self._media(entry)
        return entry

    def _media(self, parent) -> None:
        image = self.image
        assert image is not None
        size = {"width": str(image.facts.width), "height": str(image.facts.height)} if image.facts else {}
        typed = {"type": image.facts.mime, "fileSize": str(image.facts.length)} if image.facts else {}
        content = xml_elem(f"{{{MEDIA_NS}}}content", parent, url=image.url, medium="image", **typed, **size)
        if image.alt:
            xml_elem(f"{{{MEDIA_NS}}}description", content, type="plain").text = xml_safe(image.alt)
        if image.credit:
            xml_elem(f"{{{MEDIA_NS}}}credit", content).text = xml_safe(image.credit)
        xml_elem(f"{{{MEDIA_NS}}}thumbnail", parent, url=image.url, **size)


def _xml_feed(rendering: Rendering, output: Output, fmt: str) -> bytes:
    """The RSS or Atom feed's XML; it is checked before it is returned."""
    site = rendering.site
    config = site.config
    items = _items(site, output.key)
    title, home = _title(site, output.key)
    fg = FeedGenerator()
    fg.register_extension("dc", DcExtension, DcEntryExtension)
    fg.register_extension("newsmedia", _MediaFeed, _MediaEntry)
    fg.id(home)
    fg.title(xml_safe(title))
    # RSS's <link> is the last link feedgen is given: the page the feed follows.
    fg.link(href=to_abs_url(config, output.path), rel="self")
    fg.link(href=home, rel="alternate")
    if config.websub_hub:
        fg.link(href=config.websub_hub, rel="hub")  # Atom's; RSS's comes from _MediaFeed
        fg.newsmedia.hub = config.websub_hub
    fg.description(xml_safe(config.description or config.title))
    fg.language(config.language)
    fg.generator("newsgen")
    logo = feed_logo(site)
    if logo:
        fg.logo(logo) if fmt == "atom" else fg.image(logo, xml_safe(title), home)
    newest = max((a.modified for a in items), default=_EPOCH)
    fg.lastBuildDate(newest)  # not "now": an unchanged site must give unchanged bytes
    fg.updated(newest)
    for article in items:
        key = ("feed-entry", fmt, article.source)
        entry = rendering.memo.get(key)
        if entry is None:
            entry = rendering.memo[key] = _entry(rendering, article, fmt)
        fg.add_entry(entry, order="append")
    data = fg.atom_str(pretty=False) if fmt == "atom" else _plain_text_references(fg.rss_str(pretty=False))
    problems = check_feed(data, fmt)
    if problems:
        raise BuildError([_bug(output.path, problems)])
    return data


def _plain_text_references(data: bytes) -> bytes:
    """RSS text with `&` and `<` as hexadecimal references (&#x26; &#x3C;), as the RSS
    Advisory Board recommends: readers that take a title for HTML then still show the
    characters. Inside the bodies' CDATA the same references mean the same in HTML."""
    return data.replace(b"&amp;", b"&#x26;").replace(b"&lt;", b"&#x3C;")


def _entry(rendering: Rendering, article: Article, fmt: str) -> FeedEntry:
    """One story's entry, made once per build and format and added to each feed it is in."""
    site = rendering.site
    config = site.config
    link = to_abs_url(config, article.route)
    entry = FeedEntry()
    # Registered from the class: load_extension("dc") looks for a module feedgen does not
    # have (feedgen.ext.dc_entry) along the whole import path, for every entry.
    entry.register_extension("dc", DcEntryExtension)
    entry.register_extension("newsmedia", _MediaEntry)
    entry.id(link)
    entry.guid(link, permalink=True)
    entry.title(xml_safe(article.title))
    entry.link(href=link)
    entry.published(article.date)
    entry.updated(article.modified)
    summary = xml_safe(article.summary or article.title)
    if fmt == "atom":
        entry.summary(summary, type="text")
    else:
        entry.description(summary)
    if config.feed_full_content:
        entry.content(_body(rendering, article), type="html" if fmt == "atom" else "CDATA")
    authors = article.authors or (config.publisher,)
    people = []
    for name in authors:
        uri = _author_url(site, name)
        people.append({"name": xml_safe(name), **({"uri": uri} if uri else {})})
    if fmt == "atom":
        entry.author(people)
    # One dc:creator with every name: readers show a single byline field (RSS's own
    # <author> must be an e-mail address).
    entry.dc.dc_creator(xml_safe(", ".join(authors)))
    for name in article.categories:
        entry.category(term=xml_safe(name))
    image = feed_image(site, article)
    entry.newsmedia.image = image
    if image is not None and image.facts is not None and fmt == "rss":
        entry.enclosure(image.url, image.facts.length, image.facts.mime)
    return entry


def _bug(path: str, problems: list[str]) -> Problem:
    return Problem(
        path, None, "the feed would be invalid: " + "; ".join(problems), "please report this as a newsgen bug"
    )


# --- JSON Feed ----------------------------------------------------------------------------


def json_feed(rendering: Rendering, output: Output) -> dict:
    """The JSON Feed 1.1 document of a feed, item for item the same stories as its RSS."""
    site = rendering.site
    config = site.config
    title, home = _title(site, output.key)
    data: dict = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": home,
        "feed_url": to_abs_url(config, output.path),
        "language": config.language,
        "authors": [{"name": config.publisher, "url": to_abs_url(config, "")}],
    }
    if config.description:
        data["description"] = config.description
    logo = feed_logo(site)
    if logo:
        data["icon"] = logo
    if config.websub_hub:
        data["hubs"] = [{"type": "WebSub", "url": config.websub_hub}]
    data["items"] = [_json_item(rendering, a) for a in _items(site, output.key)]
    return data


def _json_item(rendering: Rendering, article: Article) -> dict:
    key = ("json-item", article.source)
    if key not in rendering.memo:
        rendering.memo[key] = _make_json_item(rendering, article)
    return rendering.memo[key]


def _make_json_item(rendering: Rendering, article: Article) -> dict:
    site = rendering.site
    config = site.config
    link = to_abs_url(config, article.route)
    item: dict = {"id": link, "url": link, "title": article.title}
    if config.feed_full_content:
        item["content_html"] = _body(rendering, article)
    else:
        item["content_text"] = article.summary or article.title
    if article.summary:
        item["summary"] = article.summary
    image = feed_image(site, article)
    if image is not None:
        item["image"] = image.url
    item["date_published"] = article.date.isoformat()
    item["date_modified"] = article.modified.isoformat()
    authors = article.authors or (config.publisher,)
    item["authors"] = [{"name": n, **({"url": u} if (u := _author_url(site, n)) else {})} for n in authors]
    tags = list(dict.fromkeys((*article.categories, *article.tags)))
    if tags:
        item["tags"] = tags
    item["language"] = article.lang or config.language
    return item


# --- Read-back checks ---------------------------------------------------------------------

_ATOM = f"{{{ATOM_NS}}}"
_ATOM_TEXT_TYPES = {"text", "html", "xhtml"}


def check_feed(data: bytes, fmt: str) -> list[str]:
    """What is wrong with a feed by the RSS 2.0 / Atom (RFC 4287) rules readers rely on."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        return [f"not well-formed XML ({exc})"]
    return _check_atom(root) if fmt == "atom" else _check_rss(root)


def _absolute(url: str | None) -> bool:
    return (url or "").startswith(("http://", "https://"))


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
            if not _absolute(item.findtext(name)):
                problems.append(f"item {n} <{name}> is not an absolute URL")
        try:
            email.utils.parsedate_to_datetime(item.findtext("pubDate") or "")
        except (TypeError, ValueError):
            problems.append(f"item {n} has no valid RFC 822 <pubDate>")
        for enclosure in item.findall("enclosure"):
            if (
                not _absolute(enclosure.get("url"))
                or not enclosure.get("type")
                or not (enclosure.get("length") or "").isdigit()
            ):
                problems.append(f"item {n} <enclosure> needs an absolute url, a type and a length")
        if len(item.findall("enclosure")) > 1:
            problems.append(f"item {n} has more than one <enclosure>")
    return problems


def _check_atom(root) -> list[str]:
    if root.tag != f"{_ATOM}feed":
        return ["no Atom <feed>"]
    problems = [
        f"feed has no <{name}>"
        for name in ("id", "title", "updated")
        if not (root.findtext(f"{_ATOM}{name}") or "").strip()
    ]
    problems += _check_links(root, "feed")
    for n, entry in enumerate(root.findall(f"{_ATOM}entry"), start=1):
        where = f"entry {n}"
        for name in ("id", "title", "updated"):
            if not (entry.findtext(f"{_ATOM}{name}") or "").strip():
                problems.append(f"{where} has no <{name}>")
        if not entry.findall(f"{_ATOM}author") and not root.findall(f"{_ATOM}author"):
            problems.append(f"{where} has no <author>")
        problems += _check_links(entry, where)
        for name in ("content", "summary", "title"):
            for element in entry.findall(f"{_ATOM}{name}"):
                problems += _check_text(element, f"{where} <{name}>")
    return problems


def _check_links(parent, where: str) -> list[str]:
    """RFC 4287 4.1.1: at most one alternate link per type and language; every link has
    an href; an enclosure says its type and length."""
    problems, alternates = [], set()
    for link in parent.findall(f"{_ATOM}link"):
        rel = link.get("rel", "alternate")
        if not link.get("href"):
            problems.append(f"{where} has a <link> without href")
        if rel == "alternate":
            key = (link.get("type"), link.get("hreflang"))
            if key in alternates:
                problems.append(f"{where} has two alternate links of the same type and language")
            alternates.add(key)
        if rel == "enclosure" and (not link.get("type") or not (link.get("length") or "").isdigit()):
            problems.append(f"{where} has an enclosure link without type or length")
    return problems


def _check_text(element, where: str) -> list[str]:
    """RFC 4287 3.1 and 4.1.3: a text construct's type is text, html or xhtml (content may
    also be a MIME type), and markup in a text-typed element is a mistake."""
    kind = element.get("type", "text")
    if kind not in _ATOM_TEXT_TYPES and "/" not in kind:
        return [f"{where} has type {kind!r}, not text, html, xhtml or a MIME type"]
    if kind == "text" and len(element):
        return [f"{where} is typed text but holds elements"]
    return []


def check_json_feed(data: dict) -> list[str]:
    """What is wrong with a JSON Feed by the 1.1 specification's required fields."""
    problems = []
    if data.get("version") != JSON_FEED_VERSION:
        problems.append("version is not JSON Feed 1.1")
    if not isinstance(data.get("title"), str) or not data["title"]:
        problems.append("no title")
    for name in ("home_page_url", "feed_url"):
        if name in data and not _absolute(data[name]):
            problems.append(f"{name} is not an absolute URL")
    items = data.get("items")
    if not isinstance(items, list):
        return [*problems, "items is not a list"]
    for n, item in enumerate(items, start=1):
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"item {n} has no id")
        if "content_html" not in item and "content_text" not in item:
            problems.append(f"item {n} has neither content_html nor content_text")
        for name in ("date_published", "date_modified"):
            try:
                datetime.fromisoformat(item.get(name, ""))
            except (TypeError, ValueError):
                problems.append(f"item {n} has no RFC 3339 {name}")
        for name in ("url", "image"):
            if name in item and not _absolute(item[name]):
                problems.append(f"item {n} {name} is not an absolute URL")
    return problems
