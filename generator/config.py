"""site.yaml: a typed, frozen configuration; unknown keys and bad values are all reported."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.errors import BuildError, Problem, closest
from generator.outpaths import path_problem
from generator.yamldoc import YamlProblem, load_mapping

CONFIG_FILE = "site.yaml"

DEFAULT_URLS = {
    "article": "{year}/{month}/{day}/{slug}/",
    "page": "{slug}/",
    "category": "category/{slug}/",
    "tag": "tag/{slug}/",
    "author": "author/{slug}/",
    "archive": "archive/{year}/{month}/",
}


# The widths (CSS pixels of a 1x screen to a 3x phone) that image variants are made at.
DEFAULT_WIDTHS = (360, 720, 1080, 1440)
IMAGE_FORMATS = ("avif", "webp")  # modern formats a variant may be made in, best first


# The trust pages site.yaml's `trust:` may name, each with the property of the home
# page's NewsMediaOrganization that links it (the Trust Project's indicators).
TRUST_POLICIES = {
    "principles": "publishingPrinciples",
    "ethics": "ethicsPolicy",
    "corrections": "correctionsPolicy",
    "ownership": "ownershipFundingInfo",
    "masthead": "masthead",
    "fact_checking": "verificationFactCheckingPolicy",
    "unnamed_sources": "unnamedSourcesPolicy",
    "feedback": "actionableFeedbackPolicy",
    "diversity": "diversityPolicy",
}


@dataclass(frozen=True)
class ImageSettings:
    """The `images:` mapping of site.yaml: how pictures are resized and published."""

    enabled: bool = True  # false: images are published as they are, with no variants
    widths: tuple[int, ...] = DEFAULT_WIDTHS  # variant widths, never above the original's
    formats: tuple[str, ...] = IMAGE_FORMATS  # besides the JPEG/PNG fallback, best first
    quality: int = 78  # encoder quality, 1-100, for every lossy format
    keep_metadata: bool = False  # publish originals with their EXIF/XMP (GPS included)
    share_cards: bool = True  # a drawn card per story without a photo; false: the site's card


@dataclass(frozen=True)
class SiteConfig:
    """Everything site.yaml can say, with the defaults a new site gets."""

    title: str = "My News Site"  # the site name, shown in the header and feeds
    base_url: str = "http://localhost:8000/"  # where the site is published, may carry a path
    language: str = "en"  # language of the theme strings and <html lang>
    timezone: str = "UTC"  # zone for dates written without one
    description: str = ""  # one line about the site, for meta tags and feeds
    author: str = ""  # publisher name for feeds and JSON-LD; defaults to the title
    copyright: str = ""  # footer line; defaults to "© year title"
    logo: str = ""  # site-relative path of a logo image
    theme: str = "news"  # a theme name under themes/ or a folder path
    per_page: int = 10  # articles per listing page
    feed_items: int = 20  # newest articles in each feed
    feed_full_content: bool = True  # whole bodies in feeds; false: summaries only
    feed_logo: str = ""  # raster logo for feeds (PNG, JPEG, GIF); default: `logo` if raster
    websub_hub: str = ""  # a WebSub hub: linked from every feed, pinged by `newsgen deploy`
    search: bool = True  # the /search/ page and its Pagefind index
    home_sections: int = 4  # stories per category section on the home page
    sections: tuple[str, ...] = ()  # the sections of the header and front page, in order
    nav_sections: int = 8  # at most this many in the header (the rest: "More sections")
    related: int = 4  # related articles under an article
    news_sitemap_days: int = 2  # how recent an article must be for news-sitemap.xml
    unicode_slugs: bool = False  # keep "política" instead of "politica"
    sanitize_html: bool = False  # pass article HTML through nh3, for contributed content
    output: str = "output"  # the output folder, relative to the site folder
    scheduler: str = ""  # a dask.distributed scheduler to build on (tcp://host:8786)
    images: ImageSettings = ImageSettings()  # responsive variants and metadata (see README)
    trust: dict = field(default_factory=dict)  # TRUST_POLICIES key -> page slug or https:// URL
    updated_after_minutes: int = 60  # a story changed later than this after publishing says "Updated"
    live_poll_seconds: int = 30  # how often an open live page fetches its new entries
    urls: dict = field(default_factory=lambda: dict(DEFAULT_URLS))  # URL patterns by kind
    extra: dict = field(default_factory=dict)  # free values for custom templates
    lines: dict = field(default_factory=dict, compare=False)  # setting -> its line in site.yaml

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The path part of base_url, always with slashes on both ends: "/" or "/news/"."""
        path = urlsplit(self.base_url).path.strip("/")
        return f"/{path}/" if path else "/"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def publisher(self) -> str:
        return self.author or self.title

    def digest(self) -> str:
        """A fingerprint of every setting, for caches and output dependencies."""
        # Where it is built (lines, the scheduler) changes no output.
        text = repr(sorted((k, v) for k, v in dataclasses.asdict(self).items() if k not in _NOT_SHOWN))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


_FIELDS = {f.name: f for f in dataclasses.fields(SiteConfig)}
_NOT_SHOWN = ("lines", "scheduler")  # settings no output shows: left out of digest()
_INT_KEYS = {
    "per_page",
    "feed_items",
    "home_sections",
    "related",
    "news_sitemap_days",
    "updated_after_minutes",
    "nav_sections",
    "live_poll_seconds",
}
_BOOL_KEYS = {"unicode_slugs", "sanitize_html", "feed_full_content", "search"}
# The placeholders each URL pattern may use; the others are unknown when it is filled.
_PLACEHOLDERS = {"article": {"slug", "year", "month", "day"}, "archive": {"slug", "year", "month"}}


def load_config(site_dir: Path, overrides: dict[str, Any] | None = None) -> SiteConfig:
    """Read site.yaml (if any), apply command-line overrides, check everything at once."""
    path = site_dir / CONFIG_FILE
    raw: dict[str, tuple[Any, int | None]] = {}
    problems: list[Problem] = []
    if path.exists():
        raw, problems = _read(path)
    for key, value in (overrides or {}).items():
        if value is not None:
            raw[key] = (value, None)
    values = {}
    for key, (value, line) in raw.items():
        checked = _check(key, value, line, problems)
        if checked is not None:
            values[key] = checked
    if problems:
        raise BuildError(problems)
    if "urls" in values:
        values["urls"] = {**DEFAULT_URLS, **values["urls"]}
    values["lines"] = {key: line for key, (_, line) in raw.items() if line is not None}
    if not values.get("base_url", "/").endswith("/"):
        values["base_url"] += "/"
    return SiteConfig(**values)


def _read(path: Path) -> tuple[dict, list[Problem]]:
    data = path.read_bytes()
    try:
        fields = load_mapping(data.decode("utf-8-sig"))
    except YamlProblem as exc:
        return {}, [Problem(CONFIG_FILE, exc.line, exc.message, exc.hint)]
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return {}, [
            Problem(
                CONFIG_FILE,
                line,
                f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
                "save the file as UTF-8 in your editor",
            )
        ]
    return {
        k: (f.text if k in _TEXT_KEYS and f.text is not None else f.value, f.line)
        for k, f in (fields or {}).items()
    }, []


_TEXT_KEYS = {
    "title",
    "description",
    "author",
    "copyright",
    "language",
    "timezone",
    "logo",
    "feed_logo",
    "websub_hub",
    "theme",
    "output",
    "base_url",
    "scheduler",
}


def _check(key: str, value: Any, line: int | None, problems: list[Problem]) -> Any:
    def bad(message: str, hint: str) -> None:
        problems.append(Problem(CONFIG_FILE, line, message, hint))

    if key not in _FIELDS or key == "lines":
        bad(f"unknown setting `{key}`", closest(key, _FIELDS) or "custom values go under `extra:`")
        return None
    if key in _TEXT_KEYS:
        value = str(value)
    if key in _INT_KEYS and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        bad(f"`{key}` must be a whole number above 0, not {value!r}", f"write e.g. `{key}: 10`")
        return None
    if key in _BOOL_KEYS and not isinstance(value, bool):
        bad(f"`{key}` must be true or false, not {value!r}", f"write `{key}: true`")
        return None
    if key == "images":
        return _check_images(value, bad)
    if key == "trust":
        return _check_trust(value, bad)
    if key == "sections":
        names = value if isinstance(value, list) else [value]
        if not all(isinstance(n, str) and n.strip() for n in names):
            bad(
                "`sections` must be a list of section names",
                "write e.g. `sections: [Politics, Economy, Sport]`",
            )
            return None
        return tuple(n.strip() for n in names)
    if key in ("urls", "extra") and not isinstance(value, dict):
        bad(f"`{key}` must be a mapping of names to values", f"see the README for `{key}:`")
        return None
    return _check_value(key, value, bad)


def _check_value(key: str, value: Any, bad) -> Any:
    if key == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            bad(f"unknown time zone `{value}`", "use an IANA name such as `Europe/Madrid` or `UTC`")
            return None
    if key == "base_url" or (key == "websub_hub" and value):
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            example = (
                "https://example.org/news/" if key == "base_url" else "https://pubsubhubbub.appspot.com/"
            )
            bad(
                f"`{key}` must be an absolute http(s) URL, not `{value}`",
                f"write e.g. `{key}: {example}`",
            )
            return None
    if key == "urls":
        unknown = [k for k in value if k not in DEFAULT_URLS]
        for name in unknown:
            bad(
                f"unknown URL kind `{name}` under `urls`",
                closest(name, DEFAULT_URLS) or f"known kinds: {', '.join(DEFAULT_URLS)}",
            )
        bad_patterns = [
            _check_pattern(kind, text, bad) for kind, text in value.items() if kind in DEFAULT_URLS
        ]
        if unknown or any(bad_patterns):
            return None
    return value


def _check_images(value: Any, bad) -> ImageSettings | None:
    """`images: false`, or a mapping of ImageSettings' fields."""
    if isinstance(value, bool):
        return ImageSettings(enabled=value)
    if not isinstance(value, dict):
        bad("`images` must be true, false or a mapping", "write e.g. `images: {widths: [360, 720, 1080]}`")
        return None
    known = {f.name for f in dataclasses.fields(ImageSettings)}
    found: dict[str, Any] = {}
    for name, item in value.items():
        if name not in known:
            bad(
                f"unknown setting `images.{name}`",
                closest(str(name), known) or f"known: {', '.join(sorted(known))}",
            )
        elif name in ("enabled", "keep_metadata", "share_cards"):
            if isinstance(item, bool):
                found[name] = item
            else:
                bad(f"`images.{name}` must be true or false, not {item!r}", f"write `{name}: true`")
        elif name == "quality":
            if isinstance(item, int) and not isinstance(item, bool) and 1 <= item <= 100:
                found[name] = item
            else:
                bad(
                    f"`images.quality` must be a whole number from 1 to 100, not {item!r}",
                    "write `quality: 78`",
                )
        elif name == "widths":
            widths = item if isinstance(item, list) else [item]
            if widths and all(
                isinstance(w, int) and not isinstance(w, bool) and 16 <= w <= 8192 for w in widths
            ):
                found[name] = tuple(sorted(set(widths)))
            else:
                bad(
                    f"`images.widths` must be a list of pixel widths from 16 to 8192, not {item!r}",
                    "write `widths: [360, 720, 1080, 1440]`",
                )
        else:  # formats
            formats = item if isinstance(item, list) else [item]
            wrong = [f for f in formats if str(f).lower() not in IMAGE_FORMATS]
            if wrong:
                bad(
                    f"`images.formats` may list only {' and '.join(IMAGE_FORMATS)}, not {wrong[0]!r}",
                    "write `formats: [avif, webp]`; a JPEG or PNG fallback is always made",
                )
            else:
                found[name] = tuple(dict.fromkeys(str(f).lower() for f in formats))
    return ImageSettings(**found)


def _check_trust(value: Any, bad) -> dict | None:
    """`trust:`: a mapping of TRUST_POLICIES keys to page slugs or web addresses."""
    example = "write e.g. `trust: {ethics: ethics-policy, corrections: corrections-policy}`"
    if not isinstance(value, dict):
        bad("`trust` must be a mapping of policies to pages", example)
        return None
    found = {}
    for name, target in value.items():
        if name not in TRUST_POLICIES:
            bad(
                f"unknown trust page `trust.{name}`",
                closest(str(name), TRUST_POLICIES) or f"known: {', '.join(TRUST_POLICIES)}",
            )
        elif not isinstance(target, str) or not target.strip("/ "):
            bad(f"`trust.{name}` must name a page, not {target!r}", example)
        else:
            found[name] = target.strip().strip("/") if "://" not in target else target.strip()
    return found


def _check_pattern(kind: str, pattern: Any, bad) -> bool:
    """Report a URL pattern that is not text, uses unknown placeholders or leaves the site."""
    import string

    hint = f"write e.g. `{kind}: {DEFAULT_URLS[kind]}`"
    if not isinstance(pattern, str) or not pattern.strip("/"):
        bad(f"the URL pattern for `{kind}` must be non-empty text", hint)
        return True
    try:
        names = {f[1] for f in string.Formatter().parse(pattern) if f[1] is not None}
    except ValueError as exc:
        bad(f"the URL pattern `{pattern}` is malformed ({exc})", hint)
        return True
    allowed = _PLACEHOLDERS.get(kind, {"slug"})
    if names - allowed or ("slug" not in names and kind != "archive"):
        bad(
            f"the URL pattern `{pattern}` for `{kind}` may use only "
            + ", ".join(f"{{{n}}}" for n in sorted(allowed))
            + " and must use {slug}",
            hint,
        )
        return True
    # Routes drop leading slashes (urls.route); what is left must stay inside the output.
    filled = pattern.format(slug="x", year="2026", month="01", day="01").strip("/")
    reason = path_problem(filled)
    if reason:
        bad(f"the URL pattern `{pattern}` for `{kind}` leads outside the site: {reason}", hint)
        return True
    return False
