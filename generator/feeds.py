"""RSS and Atom feeds, made with feedgen and read back before they are published."""

from __future__ import annotations

import email.utils
import hashlib
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from feedgen.feed import FeedGenerator

from generator.errors import BuildError, Problem
from generator.markup import absolutize
from generator.urls import to_abs_url

if TYPE_CHECKING:
    from generator.render import Output
    from generator.site import Site

# Characters XML 1.0 forbids; pasted text sometimes carries them.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def xml_safe(text: str) -> str:
    return _XML_FORBIDDEN.sub("", text)


def feed_routes(site: Site) -> list[tuple[str, str, tuple]]:
    """(route, kind, key) of every feed: the site's RSS and Atom, and one RSS per category."""
    routes = [("feed.xml", "rss", ("site",)), ("atom.xml", "atom", ("site",))]
    for slug, term in site.terms["category"].items():
        routes.append((term.route + "feed.xml", "rss", ("category", slug)))
    return routes


def plan(site: Site, base: str) -> list[Output]:
    from generator.render import Output

    outputs = []
    for rel, kind, key in feed_routes(site):
        shown = [(a.digest, a.route) for a in _items(site, key)]
        fingerprint = hashlib.blake2b(repr((base, kind, key, shown)).encode(),
                                      digest_size=16).hexdigest()
        outputs.append(Output(rel, kind, key, fingerprint))
    return outputs


def _items(site: Site, key: tuple) -> list:
    limit = site.config.feed_items
    if key[0] == "site":
        return list(site.articles[:limit])
    term = site.terms["category"][key[1]]
    return [site.articles[i] for i in term.articles[:limit]]


def render(site: Site, output: Output) -> bytes:
    """The feed's XML; it is checked before it is returned."""
    config = site.config
    items = _items(site, output.key)
    title, home = config.title, to_abs_url(config, "")
    if output.key[0] == "category":
        term = site.terms["category"][output.key[1]]
        title, home = f"{term.name} — {config.title}", to_abs_url(config, term.route)
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
    data = fg.atom_str(pretty=True) if output.kind == "atom" else fg.rss_str(pretty=True)
    problems = check_feed(data, output.kind)
    if problems:
        raise BuildError([Problem(output.path, None, "the feed would be invalid: "
                                  + "; ".join(problems), "please report this as a newsgen bug")])
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
        image = article.image if "://" in article.image \
            else to_abs_url(config, article.image.lstrip("/"))
        entry.enclosure(image, 0, _image_type(image))


def _image_type(url: str) -> str:
    ext = url.rsplit(".", 1)[-1].lower()
    return {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
            "webp": "image/webp", "svg": "image/svg+xml", "avif": "image/avif"}.get(ext,
                                                                               "image/jpeg")


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
    problems = [f"channel has no <{name}>" for name in ("title", "link", "description")
                if not (channel.findtext(name) or "").strip()]
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
    problems = [f"feed has no <{name}>" for name in ("id", "title", "updated")
                if not (root.findtext(f"{_ATOM}{name}") or "").strip()]
    for n, entry in enumerate(root.findall(f"{_ATOM}entry"), start=1):
        for name in ("id", "title", "updated"):
            if not (entry.findtext(f"{_ATOM}{name}") or "").strip():
                problems.append(f"entry {n} has no <{name}>")
    return problems
