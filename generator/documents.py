"""Articles and pages: what one content file says, checked and typed."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from generator import coverage
from generator.coverage import LiveEntry
from generator.errors import ContentError, Problem, closest
from generator.frontmatter import Split, split
from generator.limits import Overtime, seconds_allowed, time_limit
from generator.markup import MarkdownRenderer, first_paragraph_text, plain_text
from generator.outpaths import path_problem
from generator.records import quick_pickle
from generator.sanitize import (
    clean_html,
    first_forbidden_line,
    mark_sponsored,
    strip_forbidden,
    strip_script_urls,
)
from generator.slugs import MAX_SLUG_BYTES, is_valid_slug, slugify
from generator.yamldoc import Field

ARTICLES_DIR = "content/articles/"
PAGES_DIR = "content/pages/"
AUTHORS_DIR = "content/authors/"

# The story types `type:` may name, each with the schema.org type search engines are
# told; the theme labels every type but news (its `type_<name>` text).
STORY_TYPES = {
    "news": "NewsArticle",
    "analysis": "AnalysisNewsArticle",
    "opinion": "OpinionNewsArticle",
    "review": "ReviewNewsArticle",
    "explainer": "BackgroundNewsArticle",
    "reportage": "ReportageNewsArticle",
    "satire": "SatiricalArticle",
    "sponsored": "AdvertiserContentArticle",
    "press-release": "Article",  # not journalism: no NewsArticle type fits it
}

ARTICLE_FIELDS = (
    "title",
    "date",
    "type",
    "kicker",
    "dek",
    "category",
    "tags",
    "author",
    "summary",
    "image",
    "image_alt",
    "image_caption",
    "image_credit",
    "image_focus",
    "slug",
    "aliases",
    "redirect_from",
    "permalink",
    "url",
    "updated",
    "corrections",
    "updates",
    "live",
    "live_until",
    "breaking",
    "breaking_until",
    "expires",
    "draft",
    "lang",
    "extra",
)
PAGE_FIELDS = (
    "title",
    "slug",
    "aliases",
    "redirect_from",
    "permalink",
    "url",
    "menu",
    "summary",
    "lang",
    "draft",
    "image",
    "image_alt",
    "image_focus",
    "updated",
    "extra",
)
PERSON_FIELDS = (
    "name",
    "slug",
    "role",
    "photo",
    "photo_alt",
    "email",
    "links",
    "languages",
    "order",
    "extra",
)
WORDS_PER_MINUTE = 220

# What listings (cards on home, section, tag, author and archive pages, related stories)
# may show of an article: site.list_digest hashes exactly these, so a template that
# shows another field in a card must have it added here.
LIST_FIELDS = (
    "title",
    "summary",
    "kicker",
    "type",
    "date",
    "updated",
    "revised",
    "live_open",
    "image",
    "image_alt",
    "image_focus",
    "route",
    "aliases",
    "categories",
    "authors",
    "lang",
    "reading_minutes",
)
# What only the article's own page and the feeds show: an edit confined to these
# leaves every listing, index and related list as it was (outputs/plan.py).
BODY_FIELDS = ("body_html", "words", "digest", "line_of", "body_images", "image_credit", "live_entries")
# What a story's cards, page and feeds show but nothing the site model derives reads
# (sections, tags, bylines, related stories, addresses, the clock, the checks): an edit
# confined to these and BODY_FIELDS (a headline, a summary, a correction) keeps the
# model's indexes and changes only the story and its list digest (site.Site.card_edit).
# A field not named here makes the model be built again when it changes: always safe.
CARD_FIELDS = (
    "title",
    "summary",
    "kicker",
    "dek",
    "image_alt",
    "image_caption",
    "image_focus",
    "type",
    "updated",
    "corrections",
    "updates",
    "lang",
    "extra",
)


@quick_pickle
@dataclass(frozen=True, slots=True)
class Notice:
    """A correction or an update of a story: when it was made and what it says."""

    when: datetime  # when it was made, in the site's zone
    html: str  # what it says, rendered from Markdown

    @property
    def text(self) -> str:
        return plain_text(self.html)


@quick_pickle
@dataclass(frozen=True, slots=True)
class Article:
    """One news story, as its file describes it; `route` is filled in by the site model."""

    source: str  # site-relative path of the file, e.g. content/articles/2026/x.md
    title: str  # the headline
    date: datetime  # publication time, time-zone aware
    slug: str  # URL name, from front matter or the file name
    body_html: str  # the rendered Markdown
    summary: str = ""  # plain-text standfirst (given, or the first paragraph)
    aliases: tuple[str, ...] = ()  # old addresses (routes) that redirect here
    categories: tuple[str, ...] = ()  # section names; the first is the primary one
    tags: tuple[str, ...] = ()  # tag names
    authors: tuple[str, ...] = ()  # bylines
    image: str = ""  # featured image: site-relative path or absolute URL
    image_alt: str = ""  # its alternative text
    image_caption: str = ""  # its caption
    image_credit: str = ""  # who made it ("Photo: Jane Doe/Agency")
    image_focus: tuple[float, float] | None = None  # its subject, as fractions across and down
    body_images: tuple[str, ...] = ()  # content/static paths of the images in the body
    kicker: str = ""  # the small line above the headline
    dek: str = ""  # the standfirst under the headline, as written
    type: str = "news"  # a key of STORY_TYPES: the label and the schema.org type
    updated: datetime | None = None  # last substantive update
    corrections: tuple[Notice, ...] = ()  # what was wrong and is now put right, oldest first
    updates: tuple[Notice, ...] = ()  # what was added since publishing, oldest first
    live: bool = False  # a live page: the body is timed entries (coverage.py)
    live_until: datetime | None = None  # when the coverage ends, if known
    live_entries: tuple[LiveEntry, ...] = ()  # a live story's entries, newest first
    live_open: bool = False  # live and not ended at the build's moment, set by the site model
    breaking: bool = False  # shown in a banner on every page while it lasts
    breaking_until: datetime | None = None  # when the banner goes
    expires: datetime | None = None  # after this time the article is left out
    draft: bool = False  # drafts are left out unless asked for
    lang: str = ""  # the article's language when it differs from the site's
    words: int = 0  # length of the body, for reading time
    extra: dict = field(default_factory=dict)  # free values for custom templates
    route: str = ""  # site-relative route ("2026/11/24/slug/"), set by the site model
    digest: str = ""  # digest of the source file, so outputs know when it changed
    line_of: dict = field(default_factory=dict, compare=False)  # front-matter key -> line

    @property
    def category(self) -> str:
        return self.categories[0] if self.categories else ""

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.words / WORDS_PER_MINUTE))

    @property
    def standfirst(self) -> str:
        """The dek, else the summary when the writer gave one; "" when it was taken from
        the body (a page would then print its first paragraph twice)."""
        return self.dek or (self.summary if "summary" in self.line_of else "")

    @property
    def revised(self) -> datetime:
        """When the story last changed as listings tell it: its update, correction or
        update notice, whichever is newest (live entries aside)."""
        notices = [n.when for n in (*self.corrections, *self.updates)]
        return max([self.date, *([self.updated] if self.updated else []), *notices])

    @property
    def modified(self) -> datetime:
        """When the story last changed at all, its newest live entry included."""
        newest = self.live_entries[0].when if self.live_entries else self.date
        return max(self.revised, newest)

    @property
    def schema_type(self) -> str:
        return "LiveBlogPosting" if self.live else STORY_TYPES[self.type]


@quick_pickle
@dataclass(frozen=True, slots=True)
class Page:
    """A standalone page such as About Us; `menu` puts it in the navigation."""

    source: str  # site-relative path of the file
    title: str  # page heading
    slug: str  # URL name
    body_html: str  # the rendered Markdown
    summary: str = ""  # description for meta tags
    aliases: tuple[str, ...] = ()  # old addresses (routes) that redirect here
    menu: int | None = None  # position in the navigation, None when not listed
    lang: str = ""  # language when it differs from the site's
    draft: bool = False  # left out unless drafts are asked for
    image: str = ""  # image for link previews
    image_alt: str = ""  # its alternative text
    image_focus: tuple[float, float] | None = None  # its subject, as fractions across and down
    body_images: tuple[str, ...] = ()  # content/static paths of the images in the body
    updated: datetime | None = None  # last update, for the sitemap
    extra: dict = field(default_factory=dict)  # free values for custom templates
    route: str = ""  # set by the site model
    digest: str = ""  # digest of the source file
    line_of: dict = field(default_factory=dict, compare=False)  # front-matter key -> line


@quick_pickle
@dataclass(frozen=True, slots=True)
class Person:
    """A writer or editor, from content/authors/{slug}.md; bylines name them."""

    source: str  # site-relative path of the file
    name: str  # the name as bylines print it
    slug: str  # URL name: the file name, or `slug:`; a byline whose slug is this is theirs
    bio_html: str  # the short biography, the file's body rendered
    role: str = ""  # job title ("Political correspondent"); the masthead groups by it
    photo: str = ""  # site-relative path of a portrait
    photo_alt: str = ""  # its alternative text
    email: str = ""  # where readers may write to them
    links: tuple[str, ...] = ()  # their profiles elsewhere (sameAs)
    languages: tuple[str, ...] = ()  # languages they report in
    order: int | None = None  # place on the masthead within and across roles
    extra: dict = field(default_factory=dict)  # free values for custom templates
    digest: str = ""  # digest of the source file
    line_of: dict = field(default_factory=dict, compare=False)  # front-matter key -> line


@dataclass
class _Reader:
    """Reads typed values out of front matter, collecting problems with their lines."""

    path: str
    fields: dict[str, Field]
    zone: ZoneInfo
    unicode_slugs: bool = False  # how names become URL names, to catch empty ones
    lines: list[str] = field(default_factory=list)  # the file's lines, to place list items
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def fail(self, key: str, message: str, hint: str) -> None:
        line = self.fields[key].line if key in self.fields else 2
        self.problems.append(Problem(self.path, line, message, hint))

    def text(self, key: str, required: bool = False) -> str:
        f = self.fields.get(key)
        if f is None or f.value is None:
            if required:
                self.fail(key, f"`{key}` is missing", f"add a line `{key}: ...` to the front matter")
            return ""
        if f.text is None:
            self.fail(
                key, f"`{key}` must be text, not a list or mapping", f"write `{key}: some text` on one line"
            )
            return ""
        value = self._clean(key, f.text.strip())
        if required and not value:
            self.fail(key, f"`{key}` is empty", f"give the {key} some text")
        return value

    def names(self, key: str) -> tuple[str, ...]:
        f = self.fields.get(key)
        if f is None or f.value is None:
            return ()
        if f.text is not None:
            items = [s.strip() for s in f.text.split(",")] if key == "tags" else [f.text.strip()]
            if key == "tags" and len(items) == 1 and len(items[0].split()) > 1:
                items = items[0].split()  # Jekyll's form: `tags: budget city-hall taxes`
                self.warnings.append(
                    Problem(
                        self.path,
                        f.line,
                        f"`tags: {f.text.strip()}` read as {len(items)} tags, split at the spaces",
                        f"write `tags: [{', '.join(items)}]`; a tag of several words: `tags: [City hall]`",
                        severity="warning",
                    )
                )
        elif isinstance(f.value, list) and all(not isinstance(v, (list, dict)) for v in f.value):
            items = [str(v).strip() for v in f.value if v is not None]
        else:
            self.fail(
                key,
                f"`{key}` must be a name or a list of names",
                f"write `{key}: Name` or `{key}: [First, Second]`",
            )
            return ()
        items = [self._clean(key, i) for i in items]
        for name in items:
            if name and not slugify(name, self.unicode_slugs):
                self.fail(
                    key, f"`{key}: {name}` gives an empty URL name", "use a name with letters or digits"
                )
        return tuple(dict.fromkeys(i for i in items if i))

    def _clean(self, key: str, value: str) -> str:
        """The value without characters feeds cannot carry (a YAML escape can write them)."""
        clean, removed = strip_forbidden(value)
        if removed:
            self.warnings.append(
                Problem(
                    self.path,
                    self.fields[key].line,
                    f"removed {removed} control character(s) from `{key}`",
                    "they are invisible in editors; check the text there",
                    severity="warning",
                )
            )
        return clean

    def moment(self, key: str, required: bool = False) -> datetime | None:
        raw = self.text(key, required)
        if not raw:
            return None
        return self.moment_of(key, raw, self.fields[key].line)

    def moment_of(self, key: str, raw: str, line: int) -> datetime | None:
        """The moment `raw` names, in the site's zone; None (and a problem) if none."""
        try:
            value = parse_moment(raw)
        except ValueError:
            self.problems.append(
                Problem(
                    self.path,
                    line,
                    f"`{key}: {raw}` is not a valid date",
                    "use ISO 8601, e.g. `2026-11-24` or `2026-11-24T09:30:00+01:00`, "
                    "and check that the day exists",
                )
            )
            return None
        if value.tzinfo is not None:
            # The URL's day and the archive month follow the site's zone, whatever offset
            # the file wrote: one story, one day, on every page that files it.
            return value.astimezone(self.zone)
        return self._local(key, raw, value, line)

    def _local(self, key: str, raw: str, value: datetime, line: int) -> datetime:
        """A wall-clock time in the site's zone; a time the clocks skip or pass twice (a
        daylight-saving change) is taken as the nearest real moment, with a warning."""
        first, second = value.replace(tzinfo=self.zone, fold=0), value.replace(tzinfo=self.zone, fold=1)
        real = first.astimezone(UTC).astimezone(self.zone)
        if real.replace(tzinfo=None) != value:
            self.warnings.append(
                Problem(
                    self.path,
                    line,
                    f"`{key}: {raw}` does not exist in {self.zone.key} (the clocks "
                    f"skip that hour); taken as {real.isoformat()}",
                    f"write the time with its offset, e.g. `{key}: {real.isoformat()}`",
                    severity="warning",
                )
            )
            return real
        if first.utcoffset() != second.utcoffset():
            self.warnings.append(
                Problem(
                    self.path,
                    line,
                    f"`{key}: {raw}` happens twice in {self.zone.key} (the clocks go "
                    f"back); taken as the first, {first.isoformat()}",
                    f"write the offset to choose: `{key}: {first.isoformat()}` or "
                    f"`{key}: {second.isoformat()}`",
                    severity="warning",
                )
            )
        return first

    def notices(self, key: str, published: datetime | None, render) -> tuple[Notice, ...]:
        """A list of `{date, text}` (corrections, updates), oldest first; each dated at or
        after `published`. `render` turns a text's Markdown into HTML."""
        f = self.fields.get(key)
        if f is None or f.value is None:
            return ()
        example = f"write `{key}:` then lines `  - date: 2026-11-24T12:00` and `    text: What changed`"
        if not isinstance(f.value, list):
            self.fail(key, f"`{key}` must be a list of dates and texts", example)
            return ()
        found = []
        for item in f.value:
            line = self._line_near(f.line, item)
            if not isinstance(item, dict) or set(item) != {"date", "text"}:
                keys = ", ".join(f"`{k}`" for k in item) if isinstance(item, dict) else "no keys"
                message = f"each entry of `{key}` needs a `date` and a `text` (found {keys})"
                self.problems.append(Problem(self.path, line, message, example))
                continue
            when = self.moment_of(f"{key} date", str(item["date"]).strip(), line)
            text = str(item["text"] or "").strip()
            if not text:
                self.problems.append(Problem(self.path, line, f"an entry of `{key}` has no text", example))
            if when is None or not text:
                continue
            if published is not None and when < published:
                self.problems.append(
                    Problem(
                        self.path,
                        line,
                        f"an entry of `{key}` is dated {when.isoformat()}, before the story was "
                        f"published ({published.isoformat()})",
                        "give it the date and time it was made, after the story's `date:`",
                    )
                )
                continue
            found.append(Notice(when, render(self._clean(key, text))))
        return tuple(sorted(found, key=lambda n: n.when))

    def _line_near(self, start: int, item: object) -> int:
        """The line of a list item, found by its date below the key (front matter keeps
        the lines of top-level keys only)."""
        needle = str(item.get("date", "")) if isinstance(item, dict) else str(item)
        for n in range(start, min(start + 200, len(self.lines) + 1)):
            if needle and needle in self.lines[n - 1]:
                return n
        return start

    def choice(self, key: str, choices: dict, default: str) -> str:
        """One of `choices`' keys, written in any case, with spaces or hyphens."""
        raw = self.text(key)
        if not raw:
            return default
        value = "-".join(raw.lower().replace("_", " ").split())
        if value not in choices:
            hint = closest(value, tuple(choices)) or ""
            self.fail(key, f"unknown {key} `{raw}`", f"{hint} Known: {', '.join(choices)}".strip())
            return default
        return value

    def number(self, key: str) -> int | None:
        f = self.fields.get(key)
        if f is None or f.value is None:
            return None
        if isinstance(f.value, bool) or not isinstance(f.value, int):
            self.fail(key, f"`{key}` must be a whole number", f"write e.g. `{key}: 1`")
            return None
        return f.value

    def flag(self, key: str) -> bool:
        f = self.fields.get(key)
        if f is None or f.value is None:
            return False
        if not isinstance(f.value, bool):
            self.fail(
                key,
                f"`{key}` must be true or false, not `{f.text}`",
                f"write `{key}: true` or `{key}: false`",
            )
            return False
        return f.value

    def mapping(self, key: str) -> dict:
        f = self.fields.get(key)
        if f is None or f.value is None:
            return {}
        if not isinstance(f.value, dict):
            self.fail(key, f"`{key}` must be a mapping", f"indent `name: value` lines under `{key}:`")
            return {}
        return f.value

    def paths(self, key: str) -> tuple[str, ...]:
        """Site paths (`/2014/03/19/hello.html`, `/old/about/`) as routes, each checked to
        stay inside the output folder."""
        f = self.fields.get(key)
        if f is None or f.value is None:
            return ()
        values = f.value if isinstance(f.value, list) else [f.value]
        found = []
        for value in values:
            text = str(value).strip()
            rel = urlsplit(text).path if "://" in text else text
            rel = unquote(rel).lstrip("/")
            reason = (
                path_problem(rel + "index.html" if rel.endswith("/") else rel)
                if rel
                else "it is the front page"
            )
            if reason:
                self.fail(
                    key,
                    f"`{key}: {text}` cannot be an old address: {reason}",
                    f"write the path the story had on the old site, e.g. `{key}: [/2014/03/19/hello.html]`",
                )
                continue
            found.append(rel)
        return tuple(dict.fromkeys(found))

    def focus(self, key: str) -> tuple[float, float] | None:
        """A focal point: `0.3, 0.2` or `30% 20%` (across, down), or words such as
        `top`, `left` or `bottom right`."""
        f = self.fields.get(key)
        if f is None or f.value is None:
            return None
        value = f.value
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        found = _focus_of(str(value))
        if found is None:
            self.fail(
                key,
                f"`{key}: {f.text or value}` is not a focal point",
                f"write `{key}: 0.5, 0.3` (across, down, from 0 to 1), `{key}: 50% 30%` or `{key}: top`",
            )
        return found

    def warn_unknown(self, known: tuple[str, ...]) -> None:
        for key, f in self.fields.items():
            if key not in known:
                hint = _FOREIGN_FIELDS.get(key)
                hint = hint or closest(key, known)
                hint = (
                    f"{hint} Custom fields go under `extra:`." if hint else "custom fields go under `extra:`"
                )
                self.warnings.append(
                    Problem(self.path, f.line, f"unknown field `{key}`", hint, severity="warning")
                )


# ISO 8601 as people and other generators write it: a space for the T, one-digit hours,
# days and months, and offsets such as `-4`, `-0400`, `-04:00` or `Z` (YAML 1.1's form).
_MOMENT = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?"
    r"\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?"
)


def parse_moment(raw: str) -> datetime:
    """A date or a moment; naive unless the text gives an offset. ValueError if none."""
    m = _MOMENT.fullmatch(raw.strip())
    if m is None:
        return datetime.fromisoformat(raw.strip())  # anything else ISO 8601 allows, or ValueError
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    found = datetime(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        int((fraction or "0").ljust(6, "0")),
    )
    if offset is None:
        return found
    if offset == "Z":
        return found.replace(tzinfo=UTC)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    return found.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))


def parse_document(
    path: str,
    text: str,
    zone: ZoneInfo,
    md: MarkdownRenderer,
    unicode_slugs: bool = False,
    sanitize: bool = False,
) -> tuple[Article | Page | Person, list[Problem]]:
    """Read one content file into an Article, a Page or a Person (content/authors/);
    returns it with its warnings.

    Raises ContentError with every problem of the file when it cannot be used, or when
    reading it takes longer than the time limit (limits.py).
    """
    try:
        with time_limit():
            return _parse(path, text, zone, md, unicode_slugs, sanitize)
    except Overtime:
        raise ContentError(
            Problem(
                path,
                None,
                f"reading this file took longer than {seconds_allowed():g} seconds",
                "look for runs of unclosed `[`, `(` or `>` in the Markdown; "
                "the limit is set by the NEWSGEN_TIME_LIMIT environment variable",
            )
        ) from None


# Fields other generators use, and what newsgen calls them.
_FOREIGN_FIELDS = {
    "excerpt": "newsgen calls it `summary:`.",
    "description": "newsgen calls it `summary:`.",
    "layout": "layouts come from the theme's templates: remove the line.",
    "categories": "newsgen calls it `category:` (a list works: the first is the section).",
    "authors": "newsgen calls it `author:` (a list works).",
    "published": "an unpublished story is `draft: true`.",
    "lastmod": "newsgen calls it `updated:`.",
}


def _parse(
    path: str, text: str, zone: ZoneInfo, md: MarkdownRenderer, unicode_slugs: bool, sanitize: bool
) -> tuple[Article | Page | Person, list[Problem]]:
    warnings = []
    line = first_forbidden_line(text)
    if line:
        text, removed = strip_forbidden(text)
        warnings.append(
            Problem(
                path,
                line,
                f"removed {removed} control character(s) that feeds cannot carry",
                "they are invisible in editors; check the text on that line",
                severity="warning",
            )
        )
    parts = split(text, path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    reader = _Reader(path, parts.fields, zone, unicode_slugs, lines, warnings=warnings)

    def render(markdown: str) -> str:
        # Always, trusted newsroom or not: a `javascript:` link is never journalism.
        html = md.render(markdown)
        return clean_html(html) if sanitize else strip_script_urls(html)

    doc: Article | Page | Person
    known: tuple[str, ...]
    if path.startswith(PAGES_DIR):
        doc, known = _page(reader, path, render(parts.body), unicode_slugs, md.base_path), PAGE_FIELDS
    elif path.startswith(AUTHORS_DIR):
        doc, known = _person(reader, path, render(parts.body), unicode_slugs), PERSON_FIELDS
    else:
        doc, known = _article(reader, path, parts, render, unicode_slugs, md.base_path), ARTICLE_FIELDS
    reader.warn_unknown(known)
    if not path.startswith(AUTHORS_DIR):
        reader.warnings += [
            Problem(
                path,
                line,
                f"`{code}` is another system's template code: readers will see it as text",
                "replace it with what it showed (a picture, a link), or remove it; "
                "`newsgen import` converts the common ones",
                severity="warning",
            )
            for line, code in template_codes(parts.body, parts.body_line)
        ]
    if reader.problems:
        raise ContentError(*reader.problems, warnings=reader.warnings)
    return doc, reader.warnings


# Liquid tags, Hugo shortcodes and WordPress's own shortcodes, left in a body by hand or
# by an import that could not convert them (importers/shortcodes.py).
_TEMPLATE_CODE = re.compile(
    r"\{%-?\s*\w.*?%\}|\{\{[<%].*?[>%]\}\}"
    r"|\[(?:caption|gallery|audio|video|embed|playlist|wp_caption)\b[^\]]*\]",
    re.I,
)
_CODE_SPAN = re.compile(r"`+[^`]*`+")
_CODE_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def template_codes(body: str, first_line: int) -> list[tuple[int, str]]:
    """(line, code) of the template codes in a Markdown body, outside code blocks and spans."""
    found = []
    fence = ""
    for n, line in enumerate(body.splitlines()):
        opened = _CODE_FENCE.match(line)
        if opened:
            fence = "" if fence and opened.group(1).startswith(fence) else fence or opened.group(1)[:3]
            continue
        if fence or line.startswith(("    ", "\t")):
            continue
        for match in _TEMPLATE_CODE.finditer(_CODE_SPAN.sub("", line)):
            code = " ".join(match.group(0).split())
            found.append((first_line + n, code if len(code) <= 60 else code[:57] + "..."))
    return found


_FOCUS_WORDS = {"left": (0.0, None), "right": (1.0, None), "top": (None, 0.0), "bottom": (None, 1.0)}


def _focus_of(text: str) -> tuple[float, float] | None:
    words = text.replace(",", " ").lower().split()
    if words and all(w in _FOCUS_WORDS or w == "center" for w in words) and len(words) <= 2:
        x = y = 0.5
        for w in words:
            wx, wy = _FOCUS_WORDS.get(w, (None, None))
            x, y = (wx if wx is not None else x), (wy if wy is not None else y)
        return (x, y)
    if len(words) != 2:
        return None
    try:
        numbers = [float(w[:-1]) / 100 if w.endswith("%") else float(w) for w in words]
    except ValueError:
        return None
    if not all(0 <= n <= 1 for n in numbers):
        return None
    return (numbers[0], numbers[1])


_IMG_SRC = re.compile(r"""<img\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def body_images(body_html: str, base_path: str) -> tuple[str, ...]:
    """The content/static paths of the site's own images the HTML shows, in order."""
    found = []
    for match in _IMG_SRC.finditer(body_html):
        src = html.unescape(next(g for g in match.groups() if g is not None))
        if src.startswith(base_path) and not src.startswith("//"):
            found.append(unquote(src[len(base_path) :].split("?")[0].split("#")[0]))
    return tuple(dict.fromkeys(r for r in found if r))


# Where other generators keep a page's old address: Jekyll's `redirect_from` and
# `permalink`, Hugo's `url`; each becomes a redirect like `aliases:`.
ALIAS_FIELDS = ("aliases", "redirect_from", "permalink", "url")


def old_addresses(reader: _Reader) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for key in ALIAS_FIELDS for p in reader.paths(key)))


def _slug(reader: _Reader, path: str, title: str, unicode_slugs: bool) -> str:
    given = reader.text("slug")
    if given:
        # Checked as written: a NUL or control character is refused, not quietly dropped.
        written = (reader.fields["slug"].text or "").strip()
        if not is_valid_slug(written):
            shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in written)
            if len(written.encode("utf-8")) > MAX_SLUG_BYTES:
                shown = f"{shown[:40]}…"
            reader.fail(
                "slug",
                f"`slug: {shown}` is not a valid URL name",
                "use only letters, digits and hyphens, at most "
                f"{MAX_SLUG_BYTES} bytes, e.g. `slug: my-story`",
            )
        return given
    slug = slugify(file_name(path)[1], unicode_slugs)
    if not slug:
        slug = slugify(title, unicode_slugs)
    if not slug:
        reader.fail(
            "title",
            "the file name and title give an empty URL name",
            "add `slug: some-words` to the front matter",
        )
    return slug


_DATED_NAME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})-(.+)")  # Jekyll's `2014-3-19-hello`


def file_name(path: str) -> tuple[datetime | None, str]:
    """(the day a file's name gives, the name to make the slug of): Jekyll's
    `2014-03-19-hello.md` is dated and named `hello`; a page bundle's `hello/index.md`
    is named by its folder."""
    pure = PurePosixPath(path)
    stem = pure.parent.name if pure.stem == "index" and pure.parent.name else pure.stem
    m = _DATED_NAME.fullmatch(stem)
    if m is None:
        return None, stem
    try:
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3))), m.group(4)
    except ValueError:  # not a day: the digits are part of the name
        return None, stem


def _article(reader: _Reader, path: str, parts: Split, render, uni: bool, base_path: str) -> Article:
    title = reader.text("title", required=True)
    named_day = file_name(path)[0]
    when = reader.moment("date", required=named_day is None)
    if when is None and named_day is not None and "date" not in reader.fields:
        when = named_day.replace(tzinfo=reader.zone)
    kind = reader.choice("type", STORY_TYPES, "news")
    live = reader.flag("live")
    entries: tuple[LiveEntry, ...] = ()
    if live and when is not None:
        draft, problems = coverage.cut(parts.body, parts.body_line, when, reader.zone, path)
        reader.problems += problems
        body_html = render(draft.intro)
        ordered = sorted(draft.entries, key=lambda e: e[0], reverse=True)
        entries = tuple(
            LiveEntry(moment, heading, render(text), anchor)
            for (moment, heading, text, _), anchor in zip(
                ordered, coverage.anchors([e[0] for e in ordered]), strict=True
            )
        )
    else:
        body_html = render(parts.body)
    if kind == "sponsored":  # paid links must say so (search engines' rules)
        body_html = mark_sponsored(body_html)
        entries = tuple(replace(e, html=mark_sponsored(e.html)) for e in entries)
    whole = body_html + "".join(e.html for e in entries)
    dek = reader.text("dek")
    article = Article(
        source=path,
        title=title,
        date=when or datetime.min.replace(tzinfo=reader.zone),
        slug=_slug(reader, path, title, uni),
        body_html=body_html,
        summary=reader.text("summary") or dek or first_paragraph_text(body_html),
        aliases=old_addresses(reader),
        categories=reader.names("category"),
        tags=reader.names("tags"),
        authors=reader.names("author"),
        image=reader.text("image"),
        image_alt=reader.text("image_alt"),
        image_caption=reader.text("image_caption"),
        image_credit=reader.text("image_credit"),
        image_focus=reader.focus("image_focus"),
        body_images=body_images(whole, base_path),
        kicker=reader.text("kicker"),
        dek=dek,
        type=kind,
        updated=reader.moment("updated"),
        corrections=reader.notices("corrections", when, render),
        updates=reader.notices("updates", when, render),
        live=live,
        live_until=reader.moment("live_until"),
        live_entries=entries,
        breaking=reader.flag("breaking"),
        breaking_until=reader.moment("breaking_until"),
        expires=reader.moment("expires"),
        draft=reader.flag("draft"),
        lang=reader.text("lang"),
        words=len(plain_text(whole).split()),
        extra=reader.mapping("extra"),
        line_of={k: f.line for k, f in reader.fields.items()},
    )
    _check_times(reader, article)
    return article


def _check_times(reader: _Reader, a: Article) -> None:
    """End times before the story began, and fields that need another to mean anything."""
    for key, end in (("live_until", a.live_until), ("breaking_until", a.breaking_until)):
        if end is not None and end < a.date:
            reader.fail(
                key,
                f"`{key}: {end.isoformat()}` is before the story's date ({a.date.isoformat()})",
                "give the moment the coverage or the banner ends, after `date:`",
            )
    for key, needs in (("live_until", "live"), ("breaking_until", "breaking")):
        if key in a.line_of and not getattr(a, needs):
            reader.warnings.append(
                Problem(
                    reader.path,
                    a.line_of[key],
                    f"`{key}` is set but `{needs}: true` is not, so it does nothing",
                    f"add `{needs}: true`, or remove `{key}`",
                    severity="warning",
                )
            )


def _page(reader: _Reader, path: str, body_html: str, uni: bool, base_path: str) -> Page:
    title = reader.text("title", required=True)
    menu = reader.fields.get("menu")
    order = None
    if menu is not None and menu.value is not None:
        if isinstance(menu.value, bool) or not isinstance(menu.value, int):
            reader.fail(
                "menu",
                "`menu` must be a number (its place in the navigation)",
                "write `menu: 1` for the first place",
            )
        else:
            order = menu.value
    return Page(
        source=path,
        title=title,
        slug=_slug(reader, path, title, uni),
        body_html=body_html,
        summary=reader.text("summary") or first_paragraph_text(body_html),
        aliases=old_addresses(reader),
        menu=order,
        lang=reader.text("lang"),
        draft=reader.flag("draft"),
        image=reader.text("image"),
        image_alt=reader.text("image_alt"),
        image_focus=reader.focus("image_focus"),
        body_images=body_images(body_html, base_path),
        updated=reader.moment("updated"),
        extra=reader.mapping("extra"),
        line_of={k: f.line for k, f in reader.fields.items()},
    )


def _person(reader: _Reader, path: str, bio_html: str, uni: bool) -> Person:
    name = reader.text("name", required=True)
    email = reader.text("email")
    if email and ("@" not in email or " " in email):
        reader.fail(
            "email", f"`email: {email}` is not an e-mail address", "write e.g. `email: jane@example.org`"
        )
    links = reader.names("links") if "links" in reader.fields else ()
    for link in links:
        if not link.startswith(("https://", "http://")):
            reader.fail(
                "links",
                f"`links: {link}` is not a web address",
                "write each profile as a full URL, https://...",
            )
    photo = reader.text("photo")
    return Person(
        source=path,
        name=name,
        slug=_slug(reader, path, name, uni),
        bio_html=bio_html,
        role=reader.text("role"),
        photo=photo,
        photo_alt=reader.text("photo_alt") or name,
        email=email,
        links=links,
        languages=reader.names("languages"),
        order=reader.number("order"),
        extra=reader.mapping("extra"),
        line_of={k: f.line for k, f in reader.fields.items()},
    )
