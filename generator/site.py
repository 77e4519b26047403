"""The site model: every published document with its URL, and the indexes between them.

Built once, complete, before anything is rendered; rendering only reads it. Relations
are keys (indices into `articles`), never back-references.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from generator.cache import BodyStore
from generator.config import SiteConfig
from generator.documents import BODY_FIELDS, CARD_FIELDS, LIST_FIELDS, Article, Notice, Page, Person
from generator.errors import BuildError, Problem
from generator.images import ImageFacts
from generator.records import quick_pickle
from generator.slugs import slug_key, slugify
from generator.sources import StaticFile
from generator.urls import MASTHEAD_ROUTE, route, to_url

TAXONOMIES = ("category", "tag", "author")
# An article with its body fields blanked: equal before and after a body-only edit.
_BLANK_BODY: dict[str, Any] = dict.fromkeys(BODY_FIELDS)
# ... and with what only its cards, page and feeds show blanked too (Site.card_edit).
_BLANK_CARD: dict[str, Any] = dict.fromkeys((*BODY_FIELDS, *CARD_FIELDS))


@quick_pickle
@dataclass(frozen=True, slots=True)
class Term:
    """A category, tag, author or archive month, with the articles filed under it."""

    kind: str  # "category", "tag", "author" or "archive"
    name: str  # display name ("International", "2026-11" for a month)
    slug: str  # URL name
    route: str  # site-relative route of its first listing page
    articles: tuple[int, ...]  # indices into Site.articles, newest first


@dataclass(frozen=True)
class Options:
    """What this build includes."""

    now: datetime  # the moment the build is made for (future/expired decisions)
    drafts: bool = False  # include drafts
    future: bool = False  # include articles dated after `now`


@dataclass(frozen=True)
class Site:
    """The complete, read-only model the outputs are rendered from."""

    config: SiteConfig  # the settings
    articles: tuple[Article, ...]  # published articles, newest first
    pages: tuple[Page, ...]  # published standalone pages
    terms: dict  # kind -> {slug: Term}, kinds are TAXONOMIES plus "archive"
    related: tuple[tuple[int, ...], ...]  # per article, indices of related articles
    excluded: tuple[tuple[str, str], ...] = ()  # (source, reason) of articles left out
    next_scheduled: datetime | None = None  # when the next future article goes live
    # The first moment after the build when the clock alone changes the site: a story
    # goes live or expires, live coverage or a breaking banner ends.
    next_change: datetime | None = None
    statics: tuple[StaticFile, ...] = ()  # files copied as-is
    images: dict = field(default_factory=dict, repr=False)  # static rel -> ImageFacts, rasters
    built_at: datetime | None = None  # the moment the build was made for
    list_digests: tuple[str, ...] = field(default=(), repr=False)  # per article, listing fields
    people: dict = field(default_factory=dict)  # slug -> Person, the author files, by slug
    breaking: int | None = None  # the article in the breaking-news banner, if one is on
    warnings: tuple[Problem, ...] = ()  # what the model found doubtful across documents
    # Where the articles' bodies are when the model holds the articles without them
    # (memory.py leaves them in the parse cache); None: each article carries its own.
    bodies: BodyStore | None = field(default=None, compare=False, repr=False)

    @property
    def menu(self) -> list[Page]:
        return sorted((p for p in self.pages if p.menu is not None), key=lambda p: (p.menu, p.title))

    @cached_property
    def sections(self) -> tuple[Term, ...]:
        """The sections of the header and the front page: those site.yaml's `sections:`
        names, in its order; else all, or the `nav_sections` with the most stories, by name
        (an import with eighty categories must still look like a paper)."""
        terms = self.terms["category"]
        if self.config.sections:
            named = (terms.get(self.slug(n)) for n in self.config.sections)
            return tuple(dict.fromkeys(t for t in named if t is not None))
        if len(terms) <= self.config.nav_sections:
            return tuple(terms.values())
        largest = sorted(terms.values(), key=lambda t: (-len(t.articles), t.slug))[: self.config.nav_sections]
        return tuple(sorted(largest, key=lambda t: t.slug))

    @property
    def more_sections(self) -> bool:
        """Some sections are not in the header: it links the index of them all."""
        return len(self.sections) < len(self.terms["category"])

    @property
    def unlisted_pages(self) -> list[Page]:
        """The pages neither in the menu nor trust pages, by title: the footer lists them, so
        every page has a way in (an import brings pages no menu names)."""
        trust = set(self.config.trust.values())
        found = (p for p in self.pages if p.menu is None and p.slug not in trust)
        return sorted(found, key=lambda p: (p.title.casefold(), p.route))

    @cached_property
    def static_by_rel(self) -> dict[str, StaticFile]:
        """The static files by their path under content/static/ (feeds look up images)."""
        return {s.rel: s for s in self.statics}

    @property
    def searchable(self) -> bool:
        """Search is on and there is a story to find (an index of nothing cannot be made)."""
        return self.config.search and bool(self.articles)

    @property
    def copyright_year(self) -> int | str:
        """The footer's year: the newest story's, so an unchanged site renders unchanged."""
        return self.articles[0].date.year if self.articles else ""

    def image(self, path: str) -> ImageFacts | None:
        """The facts of a site image named as documents name it (`images/a.jpg`, or
        `/images/a.jpg`); None for a file that is not a picture, or an absolute URL."""
        return self.images.get(path.lstrip("/")) if path and "://" not in path else None

    @property
    def raster_logo(self) -> str:
        """The static path of the logo as a raster picture (`feed_logo`, else `logo` when
        it is raster), for feeds, structured data, share cards and icons; "" if none."""
        for path in (self.config.feed_logo, self.config.logo):
            facts = self.image(path)
            if facts is not None and facts.resizable:
                return path.lstrip("/")
        return ""

    def images_shown(self, doc: Article | Page) -> tuple:
        """What pages show of a document's own images (featured and in the body)."""
        rels = ([doc.image.lstrip("/")] if doc.image else []) + list(doc.body_images)
        return tuple((rel, self.images[rel].shape) for rel in rels if rel in self.images)

    @property
    def live(self) -> tuple[int, ...]:
        """The articles whose live coverage is open at the build's moment."""
        return tuple(i for i, a in enumerate(self.articles) if a.live_open)

    @cached_property
    def corrections(self) -> tuple[tuple[int, Notice], ...]:
        """Every correction of the site with its article, newest first."""
        found = [(i, n) for i, a in enumerate(self.articles) for n in a.corrections]
        return tuple(sorted(found, key=lambda pair: (pair[1].when, -pair[0]), reverse=True))

    @cached_property
    def trust_links(self) -> dict[str, str]:
        """Policy (config.TRUST_POLICIES) -> link of each trust page: those site.yaml's
        `trust:` names, and the masthead whenever there are author files."""
        config = self.config
        found = {"masthead": to_url(config, MASTHEAD_ROUTE)} if self.people else {}
        for policy, target in config.trust.items():
            if "://" in target:
                found[policy] = target
            elif not (target == "masthead" and self.people):
                found[policy] = to_url(config, route(config, "page", target))
        return found

    def person(self, name: str) -> Person | None:
        """The author file of a byline: the one whose slug is the byline's."""
        return self.people.get(self.slug(name)) if self.people else None

    def bylines(self, article: Article) -> tuple[tuple[str, str, Person | None], ...]:
        """(name as written, author page route, author file or None) per byline."""
        found = []
        for name in article.authors:
            term = self.term_named("author", name)
            found.append((name, term.route if term else "", self.person(name)))
        return tuple(found)

    def full(self, article: Article) -> Article:
        """The article with its body: read back from the parse cache when the model
        holds it without (the story's page, feeds and search index show bodies)."""
        if self.bodies is None:
            return article
        return replace(article, body_html=self.body_html(article))

    def body_html(self, article: Article) -> str:
        """The article's body (see full), when that is all a caller shows of it."""
        if self.bodies is None:
            return article.body_html
        return self.bodies.body_html(article.source, article.digest)

    def placed(self, index: int, doc: Article) -> Article:
        """A new parse of article `index` with what the model gave it (route, live state)."""
        old = self.articles[index]
        return replace(doc, route=old.route, live_open=old.live_open)

    def term_named(self, kind: str, name: str) -> Term | None:
        """The section, tag or author of that name (as bylines and labels write it)."""
        return self.terms[kind].get(self.slug(name))

    def body_edit(self, index: int, new: Article) -> bool:
        """Whether `new` differs from article `index` in body fields only (BODY_FIELDS),
        so that every listing, index and related list stays as it is."""
        old = self.articles[index]
        return (
            replace(new, **_BLANK_BODY) == replace(old, **_BLANK_BODY)
            and list_digest(new, self.images) == self.list_digests[index]
        )  # reading time follows the body

    def card_edit(self, index: int, new: Article) -> bool:
        """Whether `new` differs from article `index` only in what its cards, page and
        feeds show (documents.CARD_FIELDS and BODY_FIELDS), which no index, relation,
        address or check of the model reads: see with_cards."""
        return replace(new, **_BLANK_CARD) == replace(self.articles[index], **_BLANK_CARD)

    def with_cards(self, edited: dict[int, Article]) -> Site:
        """This model with the list digests of card edits (card_edit) made again; every
        index and relation stays the very same (the caller puts the articles in place)."""
        digests = list(self.list_digests)
        for i, article in edited.items():
            digests[i] = list_digest(article, self.images)
        return replace(self, list_digests=tuple(digests))

    def category_of(self, article: Article) -> Term | None:
        return self.terms["category"].get(self.slug(article.category)) if article.category else None

    def slug(self, name: str) -> str:
        return slugify(name, self.config.unicode_slugs)


def build_site(
    docs: list[Article | Page | Person],
    config: SiteConfig,
    options: Options,
    statics: tuple[StaticFile, ...] = (),
    images: tuple[dict, dict] = ({}, {}),
    bodies: BodyStore | None = None,
) -> Site:
    """Choose what is published, give everything its URL, and index it. `images` is
    (rel -> ImageFacts, rel -> why it is no image) of the raster files (images.catalog);
    `bodies`, if given, holds the bodies of the articles, which then come without."""
    articles, excluded, upcoming = _select([d for d in docs if isinstance(d, Article)], options)
    pages = tuple(
        replace(p, route=route(config, "page", p.slug))
        for p in docs
        if isinstance(p, Page) and (options.drafts or not p.draft)
    )
    articles = tuple(
        replace(a, route=route(config, "article", a.slug, a.date), live_open=_open(a, options.now))
        for a in articles
    )
    terms = _index(articles, config)
    facts, broken = images
    people = _people([d for d in docs if isinstance(d, Person)], config)
    _check(articles, pages, terms, statics, broken, people)
    _check_trust(config, pages, people)
    if not config.images.keep_metadata:  # their metadata cannot be removed: not published
        statics = tuple(s for s in statics if s.rel not in broken)
    return Site(
        config=config,
        articles=articles,
        pages=pages,
        terms=terms,
        related=_relate(articles, terms, config.related, config.unicode_slugs),
        excluded=tuple(excluded),
        next_scheduled=min(upcoming, default=None),
        next_change=_next_change(docs, options.now),
        statics=statics,
        images=facts,
        built_at=options.now,
        list_digests=tuple(list_digest(a, facts) for a in articles),
        people=people,
        breaking=next((i for i, a in enumerate(articles) if _breaking(a, options.now)), None),
        warnings=tuple(_doubts(docs, terms, people, options, config)),
        bodies=bodies,
    )


def held(doc, table: dict, keep_body: bool = True):
    """The model's copy of a document: without its body unless `keep_body` (it stays in
    the parse cache, Site.bodies), and with the values thousands of stories hold alike
    (their sections, tags and bylines, which front-matter key sits on which line) taken
    from `table`, one copy for all; a million stories' own copies would not fit."""
    if not isinstance(doc, Article):
        return doc

    def one(names: tuple[str, ...]) -> tuple[str, ...]:
        names = tuple(table.setdefault(name, name) for name in names)
        return table.setdefault(names, names)

    return replace(
        doc,
        body_html=doc.body_html if keep_body else "",
        categories=one(doc.categories),
        tags=one(doc.tags),
        authors=one(doc.authors),
        type=table.setdefault(doc.type, doc.type),
        extra=doc.extra or _NOTHING,
        line_of=table.setdefault(tuple(doc.line_of.items()), doc.line_of),
    )


_NOTHING: dict = {}  # the free values of every story that has none, shared (never written to)


def _next_change(docs: list, now: datetime) -> datetime | None:
    moments = (
        t
        for d in docs
        if isinstance(d, Article)
        for t in (d.date, d.expires, d.live_until, d.breaking_until)
        if t is not None and t > now
    )
    return min(moments, default=None)


def _open(a: Article, now: datetime) -> bool:
    return a.live and (a.live_until is None or a.live_until > now)


def _breaking(a: Article, now: datetime) -> bool:
    return a.breaking and (a.breaking_until is None or a.breaking_until > now)


def _people(found: list[Person], config: SiteConfig) -> dict[str, Person]:
    """The author files by slug; two with one slug are an error naming both."""
    people: dict[str, Person] = {}
    problems = []
    for p in sorted(found, key=lambda p: p.source):
        key = slugify(p.slug, config.unicode_slugs)
        if key in people:
            problems.append(
                Problem(
                    p.source,
                    p.line_of.get("slug", 2),
                    f"is the author file of `{p.slug}` too, like {people[key].source}",
                    "keep one file per person: merge them, or give one a different `slug:`",
                )
            )
        else:
            people[key] = p
    if problems:
        raise BuildError(problems)
    return dict(sorted(people.items()))


def _doubts(
    docs: list, terms: dict, people: dict[str, Person], options: Options, config: SiteConfig
) -> list[Problem]:
    """Warnings across documents: author files no byline uses, breaking stories that
    are not out yet."""
    found = [
        Problem(
            p.source,
            p.line_of.get("name", 2),
            f"no story has the byline `{p.name}`, so this author file is used nowhere",
            f"check the spelling in stories' `author:` (the file's slug is `{slug}`), or remove the file",
            severity="warning",
        )
        for slug, p in people.items()
        if slug not in terms["author"]
    ]
    found += [
        Problem(
            "site.yaml",
            config.lines.get("sections"),
            f"`sections:` names `{name}`, a section no published story is in",
            "check the spelling against the stories' `category:`, or remove it",
            severity="warning",
        )
        for name in config.sections
        if slugify(name, config.unicode_slugs) not in terms["category"]
    ]
    found += [
        Problem(
            d.source,
            d.line_of.get("breaking", 2),
            f"a breaking story dated in the future ({d.date.isoformat()}): no banner until it is published",
            "give it the time it goes out, or remove `breaking: true` until then",
            severity="warning",
        )
        for d in docs
        if isinstance(d, Article) and d.breaking and d.date > options.now and not d.draft
    ]
    return found


def _select(articles: list[Article], options: Options):
    kept, excluded, upcoming = [], [], []
    for a in articles:
        if a.draft and not options.drafts:
            excluded.append((a.source, "draft"))
        elif a.date > options.now and not options.future:
            excluded.append((a.source, f"scheduled for {a.date.isoformat()}"))
            if not a.draft:
                upcoming.append(a.date)
        elif a.expires is not None and a.expires <= options.now:
            excluded.append((a.source, f"expired on {a.expires.isoformat()}"))
        else:
            kept.append(a)
    kept.sort(key=lambda a: (a.date, a.source), reverse=True)
    return kept, sorted(excluded), upcoming


def _index(articles: tuple[Article, ...], config: SiteConfig) -> dict:
    uni = config.unicode_slugs
    found: dict = {kind: {} for kind in (*TAXONOMIES, "archive")}
    for i, a in enumerate(articles):
        names = {"category": a.categories, "tag": a.tags, "author": a.authors}
        for kind, values in names.items():
            for name in values:
                slug = slugify(name, uni)
                found[kind].setdefault(slug, (name, []))[1].append(i)
        month = f"{a.date.year:04d}-{a.date.month:02d}"
        found["archive"].setdefault(month, (month, []))[1].append(i)
    terms: dict = {}
    for kind, entries in found.items():
        terms[kind] = {}
        for slug, (name, indices) in sorted(entries.items()):
            when = articles[indices[0]].date if kind == "archive" else None
            rel = route(config, kind, slug, when)
            terms[kind][slug] = Term(kind, name, slug, rel, tuple(indices))
    return terms


def _check(articles, pages, terms, statics, broken: dict[str, str], people: dict) -> None:
    problems = []
    owners: dict[str, str] = {}
    listed = [(a.route, a.source) for a in articles] + [(p.route, p.source) for p in pages]
    for kind in TAXONOMIES:
        listed += [(t.route, f"the {kind} `{t.name}`") for t in terms[kind].values()]
    for rel, source in listed:
        key = slug_key(rel)
        if key in owners:
            problems.append(
                Problem(
                    source,
                    None,
                    f"has the same URL /{rel} as {owners[key]}",
                    "give one of them a different `slug:`",
                )
            )
        else:
            owners[key] = source
    for doc in (*articles, *pages):
        for old in doc.aliases:
            last = old.rstrip("/").rsplit("/", 1)[-1]
            owner = owners.get(slug_key(old if old.endswith("/") or "." in last else old + "/"))
            if owner is not None and owner != doc.source:
                problems.append(
                    Problem(
                        doc.source,
                        doc.line_of.get("aliases"),
                        f"the old address /{old} in `aliases:` is the URL of {owner}",
                        "remove it from `aliases:`: that page answers there now",
                    )
                )
    static_names = {s.rel for s in statics}
    shown = [(d.source, d.line_of, "image", d.image, d.body_images) for d in (*articles, *pages)]
    shown += [(p.source, p.line_of, "photo", p.photo, ()) for p in people.values()]
    for source, line_of, key, picture, in_body in shown:
        problems += _picture_problems(source, line_of, key, picture, in_body, static_names, broken)
    if problems:
        raise BuildError(problems)


def _picture_problems(source, line_of, key, picture, in_body, static_names, broken) -> list[Problem]:
    """A document's own picture (`image:`, `photo:`) that does not exist, and any of its
    pictures that cannot be published (site.build_site's `broken`)."""
    own = [picture.lstrip("/")] if picture and "://" not in picture else []
    found = [
        Problem(
            source,
            line_of.get(key),
            f"the {'photo' if key == 'photo' else 'image'} `{picture}` does not exist",
            f"put the file at content/static/{own[0]} or fix the path",
        )
        for rel in own
        if rel not in static_names
    ]
    found += [
        Problem(
            source,
            line_of.get(key) if rel in own else None,
            f"the image content/static/{rel} cannot be published: {broken[rel]}",
            "export the picture again as JPEG, PNG or WebP, or use another file",
        )
        for rel in dict.fromkeys((*own, *in_body))
        if rel in broken
    ]
    return found


def _check_trust(config: SiteConfig, pages: tuple[Page, ...], people: dict) -> None:
    """Every trust page site.yaml names is a page of the site or a web address."""
    slugs = {p.slug for p in pages}
    problems = [
        Problem(
            "site.yaml",
            config.lines.get("trust"),
            f"`trust.{policy}: {target}` names no page of the site",
            f"create content/pages/{target}.md, or give the page's slug or a full https:// address",
        )
        for policy, target in config.trust.items()
        if "://" not in target and target not in slugs and not (target == "masthead" and people)
    ]
    if problems:
        raise BuildError(problems)


def _relate(articles, terms, limit: int, uni: bool) -> tuple[tuple[int, ...], ...]:
    """Related stories: the nearest in time sharing a tag, then sharing the category.

    Nearness by position in each term's list keeps this linear in the number of
    articles, which matters at tens of thousands of them.
    """
    position = {
        kind: {slug: {i: n for n, i in enumerate(t.articles)} for slug, t in terms[kind].items()}
        for kind in ("tag", "category")
    }
    related = []
    for i, a in enumerate(articles):
        chosen: dict[int, None] = {}
        lists = [("tag", slugify(t, uni)) for t in a.tags]
        lists += [("category", slugify(a.category, uni))] if a.category else []
        for kind, slug in lists:
            term = terms[kind][slug]
            at = position[kind][slug][i]
            for j in _around(term.articles, at):
                if len(chosen) >= limit:
                    break
                chosen.setdefault(j)
        related.append(tuple(chosen))
    return tuple(related)


def _around(indices: tuple[int, ...], at: int, reach: int = 4):
    """Neighbours of position `at`, nearest first, older before newer on a tie."""
    for step in range(1, reach + 1):
        for n in (at + step, at - step):
            if 0 <= n < len(indices):
                yield indices[n]


def list_digest(a: Article, images: dict) -> str:
    """A fingerprint of what listing pages show of an article (not its body): its list
    fields and the shape of its picture (the card's width, height and variants)."""
    picture = images.get(a.image.lstrip("/")) if a.image else None
    shown = (*(getattr(a, name) for name in LIST_FIELDS), picture.shape if picture else None)
    return hashlib.blake2b(repr(shown).encode(), digest_size=12).hexdigest()
