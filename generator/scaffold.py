"""New sites and new content files: `newsgen init` and `newsgen new`.

Front matter written here is read back by documents.py, so values are written the way
that reader expects them: text double-quoted (a JSON string is a valid YAML
double-quoted scalar), dates as site-local ISO 8601 without a zone.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from generator.config import CONFIG_FILE, load_config
from generator.documents import STORY_TYPES
from generator.slugs import slugify

ARTICLES_DIR = Path("content/articles")
PAGES_DIR = Path("content/pages")

# Every setting of config.SiteConfig, commented out at its default, so a newsroom sees
# what it can change without opening the README. test_workflow checks none is missing.
SITE_YAML = """\
# Settings of this news site. Lines starting with # are comments; remove the # in front
# of a setting to change it. Dates written without a zone use `timezone`.
title: {title}
base_url: {base_url}  # where the site is published; may end in a path: https://example.org/news/
language: {language}  # theme language (en, es) and <html lang>
timezone: {timezone}  # IANA zone, e.g. Europe/Madrid
# description: One line about the site, for search engines and feeds.
# author: The Publisher          # publisher name in feeds; default: the title
# copyright: © 2026 The Publisher  # footer line; default: © YEAR TITLE
# logo: images/logo.svg          # an image under content/static/
# theme: news                    # a theme under themes/, a folder, or the built-in `news`
# per_page: 10                   # stories per listing page
# feed_items: 20                 # stories in each feed
# feed_full_content: true        # false: feeds carry summaries only, readers come to the page
# feed_logo: images/logo.png     # raster logo for feeds; default: `logo` when it is raster
# websub_hub: https://pubsubhubbub.appspot.com/  # announce new stories to feed readers at once
# search: true                   # false: no /search/ page and no search index
# home_sections: 4               # stories per section on the front page
# sections: [Politics, Economy]  # the header's and front page's sections, in order (default: all)
# nav_sections: 8                # at most this many in the header; the rest under "More sections"
# related: 4                     # related stories under an article
# news_sitemap_days: 2           # age limit for news-sitemap.xml
# unicode_slugs: false           # true keeps `política` in URLs instead of `politica`
# sanitize_html: false           # true cleans article HTML (scripts, handlers) for contributed content
# output: output                 # the build folder, relative to this file
# scheduler: tcp://10.0.0.5:8786 # build on a Dask cluster whose workers share this folder
# images:                        # pictures: resized variants, modern formats, metadata
#   enabled: true                # false: pictures are published as they are, no variants
#   widths: [360, 720, 1080, 1440]  # variant widths in pixels; never above the original's
#   formats: [avif, webp]        # besides the JPEG/PNG fallback every browser shows
#   quality: 78                  # encoder quality, 1-100
#   keep_metadata: false         # true publishes originals with their EXIF/GPS (check warns)
# updated_after_minutes: 60      # a story changed later than this after publishing says "Updated"
# live_poll_seconds: 30          # how often an open live page fetches its new entries
# trust:                         # the trust pages: a page's slug (content/pages/) or a URL
#   ethics: ethics               # ethics policy; also the publishing principles
#   corrections: corrections-policy
#   ownership: ownership         # ownership and funding
#   masthead: masthead           # built from content/authors/ when there are author files
#   fact_checking: verification  # also: principles, unnamed_sources, feedback, diversity
# urls:                          # URL patterns; these are the defaults
#   article: "{{year}}/{{month}}/{{day}}/{{slug}}/"
#   page: "{{slug}}/"
#   category: "category/{{slug}}/"
#   tag: "tag/{{slug}}/"
#   author: "author/{{slug}}/"
#   archive: "archive/{{year}}/{{month}}/"
# extra:                         # free values for your own templates
#   twitter: "@newsroom"
"""

ABOUT_PAGE = """\
We are a small newsroom. Tell your readers who you are, who pays for your journalism and
how to reach you.

## Corrections

When we get something wrong we correct it and say so at the end of the article.
"""

LIVE_BODY = """\
Say here what the coverage is about; this introduction stays above the entries.

## {time} First entry

Add each entry as a heading that starts with its time, newest at the top or at the
bottom: pages show them newest first. End the coverage with `live_until:` in the front
matter.
"""

SAMPLE_BODY = """\
This is the first story of your new site. Edit it in `{path}`, or write a new one with:

    newsgen new "Your headline" --category News

Build the site with `newsgen build` and preview it with `newsgen serve`.
"""

IGNORE_FILE = "output/\n.newsgen-cache/\n"


def front_matter(fields: dict) -> str:
    """The `---` block for the given fields, in their order; None values are left out."""
    lines = ["---"]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {k}: {_scalar(v)}" for k, v in value.items()]
        else:
            lines.append(f"{key}: {_scalar(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0).isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def document_text(fields: dict, body: str) -> str:
    """A whole content file: front matter, a blank line, the body."""
    return front_matter(fields) + "\n" + body.strip() + "\n"


def article_path(when: datetime, slug: str) -> Path:
    """Where an article file goes, relative to the site folder."""
    return ARTICLES_DIR / f"{when.year:04d}" / f"{slug}.md"


def init_site(
    path: Path,
    title: str,
    base_url: str,
    language: str = "en",
    timezone: str = "UTC",
    now: datetime | None = None,
) -> list[Path]:
    """Write a new site skeleton into path; refuses a folder that already holds a site."""
    if (path / CONFIG_FILE).exists() or (path / "content").exists():
        raise FileExistsError(f"{path} already holds a site ({CONFIG_FILE} or content/)")
    path.mkdir(parents=True, exist_ok=True)
    settings = _write_new(
        path / CONFIG_FILE,
        SITE_YAML.format(
            title=json.dumps(title, ensure_ascii=False),
            base_url=base_url,
            language=language,
            timezone=timezone,
        ),
    )
    files = {
        ".gitignore": IGNORE_FILE,
        str(PAGES_DIR / "about.md"): document_text(
            {"title": "About Us", "slug": "about", "menu": 1}, ABOUT_PAGE
        ),
    }
    config = load_config(path.resolve())  # proves the site.yaml just written is valid
    when = (now or datetime.now(config.zone)).astimezone(config.zone)
    sample = article_path(when, "welcome")
    files[str(sample)] = document_text(
        {
            "title": f"Welcome to {title}",
            "date": when,
            "category": "News",
            "tags": ["Announcements"],
            "author": title,
            "summary": "The first story of a new news site.",
        },
        SAMPLE_BODY.format(path=sample.as_posix()),
    )
    return [settings, *(_write_new(path / rel, text) for rel, text in files.items())]


def _write_new(target: Path, text: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as f:  # "x": never replace a file
        f.write(text)
    return target


def new_article(
    site_dir: Path,
    headline: str,
    category: str,
    author: str = "",
    draft: bool = False,
    now: datetime | None = None,
    story_type: str = "news",
    live: bool = False,
) -> Path:
    """Write a new article file dated now in the site's zone; refuses to overwrite. A
    live one starts with its first timed entry, the form coverage.py reads."""
    config = load_config(site_dir)
    when = (now or datetime.now(config.zone)).astimezone(config.zone)
    slug = slugify(headline, config.unicode_slugs)
    if not slug:
        raise ValueError(f"the headline {headline!r} gives an empty file name")
    kind = "-".join(story_type.lower().replace("_", " ").split())
    if kind not in STORY_TYPES:
        raise ValueError(f"unknown type {story_type!r}; known: {', '.join(STORY_TYPES)}")
    target = site_dir / article_path(when, slug)
    fields = {
        "title": headline,
        "date": when,
        **({"type": kind} if kind != "news" else {}),
        **({"live": True} if live else {}),
        "category": category,
        "tags": [],
        "author": author or config.publisher,
        "summary": "",
        "image": "",
        "image_alt": "",
        "image_caption": "",
        "draft": draft,
    }
    body = "Write the story here. The first paragraph is the summary unless you give one.\n"
    if live:
        body = LIVE_BODY.format(time=f"{when:%H:%M}")
    try:
        return _write_new(target, document_text(fields, body))
    except FileExistsError:
        raise FileExistsError(f"{target} already exists; choose another headline or edit that file") from None
