"""Articles and pages: what one content file says, checked and typed."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import PurePosixPath
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from generator.errors import ContentError, Problem, closest
from generator.frontmatter import split
from generator.limits import Overtime, seconds_allowed, time_limit
from generator.markup import MarkdownRenderer, first_paragraph_text, plain_text
from generator.sanitize import (
    clean_html,
    first_forbidden_line,
    strip_forbidden,
    strip_script_urls,
)
from generator.slugs import MAX_SLUG_BYTES, is_valid_slug, slugify
from generator.yamldoc import Field

ARTICLES_DIR = "content/articles/"
PAGES_DIR = "content/pages/"

ARTICLE_FIELDS = (
    "title",
    "date",
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
    "updated",
    "expires",
    "draft",
    "lang",
    "extra",
)
PAGE_FIELDS = (
    "title",
    "slug",
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
WORDS_PER_MINUTE = 220

# What listings (cards on home, section, tag, author and archive pages, related stories)
# may show of an article: site.list_digest hashes exactly these, so a template that
# shows another field in a card must have it added here.
LIST_FIELDS = (
    "title",
    "summary",
    "date",
    "updated",
    "image",
    "image_alt",
    "image_focus",
    "route",
    "categories",
    "authors",
    "lang",
    "reading_minutes",
)
# What only the article's own page and the feeds show: an edit confined to these
# leaves every listing, index and related list as it was (outputs/plan.py).
BODY_FIELDS = ("body_html", "words", "digest", "line_of", "body_images", "image_credit")


@dataclass(frozen=True)
class Article:
    """One news story, as its file describes it; `route` is filled in by the site model."""

    source: str  # site-relative path of the file, e.g. content/articles/2026/x.md
    title: str  # the headline
    date: datetime  # publication time, time-zone aware
    slug: str  # URL name, from front matter or the file name
    body_html: str  # the rendered Markdown
    summary: str = ""  # plain-text standfirst (given, or the first paragraph)
    categories: tuple[str, ...] = ()  # section names; the first is the primary one
    tags: tuple[str, ...] = ()  # tag names
    authors: tuple[str, ...] = ()  # bylines
    image: str = ""  # featured image: site-relative path or absolute URL
    image_alt: str = ""  # its alternative text
    image_caption: str = ""  # its caption
    image_credit: str = ""  # who made it ("Photo: Jane Doe/Agency")
    image_focus: tuple[float, float] | None = None  # its subject, as fractions across and down
    body_images: tuple[str, ...] = ()  # content/static paths of the images in the body
    updated: datetime | None = None  # last substantive update
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
        """The summary when the writer gave one; "" when it was taken from the body
        (a page would then print its first paragraph twice)."""
        return self.summary if "summary" in self.line_of else ""


@dataclass(frozen=True)
class Page:
    """A standalone page such as About Us; `menu` puts it in the navigation."""

    source: str  # site-relative path of the file
    title: str  # page heading
    slug: str  # URL name
    body_html: str  # the rendered Markdown
    summary: str = ""  # description for meta tags
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


@dataclass
class _Reader:
    """Reads typed values out of front matter, collecting problems with their lines."""

    path: str
    fields: dict[str, Field]
    zone: ZoneInfo
    unicode_slugs: bool = False  # how names become URL names, to catch empty ones
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
        try:
            value = _parse_moment(raw)
        except ValueError:
            self.fail(
                key,
                f"`{key}: {raw}` is not a valid date",
                "use ISO 8601, e.g. `2026-11-24` or `2026-11-24T09:30:00+01:00`, "
                "and check that the day exists",
            )
            return None
        if value.tzinfo is not None:
            # The URL's day and the archive month follow the site's zone, whatever offset
            # the file wrote: one story, one day, on every page that files it.
            return value.astimezone(self.zone)
        return self._local(key, raw, value)

    def _local(self, key: str, raw: str, value: datetime) -> datetime:
        """A wall-clock time in the site's zone; a time the clocks skip or pass twice (a
        daylight-saving change) is taken as the nearest real moment, with a warning."""
        first, second = value.replace(tzinfo=self.zone, fold=0), value.replace(tzinfo=self.zone, fold=1)
        real = first.astimezone(UTC).astimezone(self.zone)
        line = self.fields[key].line
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
                hint = closest(key, known)
                hint = (
                    f"{hint} Custom fields go under `extra:`." if hint else "custom fields go under `extra:`"
                )
                self.warnings.append(
                    Problem(self.path, f.line, f"unknown field `{key}`", hint, severity="warning")
                )


def _parse_moment(raw: str) -> datetime:
    raw = raw.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return datetime.combine(date.fromisoformat(raw), time())
    return datetime.fromisoformat(raw.replace(" ", "T", 1) if " " in raw else raw)


def parse_document(
    path: str,
    text: str,
    zone: ZoneInfo,
    md: MarkdownRenderer,
    unicode_slugs: bool = False,
    sanitize: bool = False,
) -> tuple[Article | Page, list[Problem]]:
    """Read one content file into an Article or a Page; returns it with its warnings.

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


def _parse(
    path: str, text: str, zone: ZoneInfo, md: MarkdownRenderer, unicode_slugs: bool, sanitize: bool
) -> tuple[Article | Page, list[Problem]]:
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
    reader = _Reader(path, parts.fields, zone, unicode_slugs, warnings=warnings)
    is_page = path.startswith(PAGES_DIR)
    body_html = md.render(parts.body)
    # Always, trusted newsroom or not: a `javascript:` link is never journalism.
    body_html = clean_html(body_html) if sanitize else strip_script_urls(body_html)
    doc: Article | Page
    if is_page:
        doc = _page(reader, path, body_html, unicode_slugs, md.base_path)
    else:
        doc = _article(reader, path, parts.body, body_html, unicode_slugs, md.base_path)
    reader.warn_unknown(PAGE_FIELDS if is_page else ARTICLE_FIELDS)
    if reader.problems:
        raise ContentError(*reader.problems)
    return doc, reader.warnings


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
    slug = slugify(PurePosixPath(path).stem, unicode_slugs)
    if not slug:
        slug = slugify(title, unicode_slugs)
    if not slug:
        reader.fail(
            "title",
            "the file name and title give an empty URL name",
            "add `slug: some-words` to the front matter",
        )
    return slug


def _article(reader: _Reader, path: str, body: str, body_html: str, uni: bool, base_path: str) -> Article:
    title = reader.text("title", required=True)
    when = reader.moment("date", required=True)
    return Article(
        source=path,
        title=title,
        date=when or datetime.min.replace(tzinfo=reader.zone),
        slug=_slug(reader, path, title, uni),
        body_html=body_html,
        summary=reader.text("summary") or first_paragraph_text(body_html),
        categories=reader.names("category"),
        tags=reader.names("tags"),
        authors=reader.names("author"),
        image=reader.text("image"),
        image_alt=reader.text("image_alt"),
        image_caption=reader.text("image_caption"),
        image_credit=reader.text("image_credit"),
        image_focus=reader.focus("image_focus"),
        body_images=body_images(body_html, base_path),
        updated=reader.moment("updated"),
        expires=reader.moment("expires"),
        draft=reader.flag("draft"),
        lang=reader.text("lang"),
        words=len(plain_text(body_html).split()),
        extra=reader.mapping("extra"),
        line_of={k: f.line for k, f in reader.fields.items()},
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
