"""Jekyll and Hugo sites: their content files as newsgen's, with their old addresses.

Jekyll: `_posts/YYYY-MM-DD-slug.md` (the date and the slug live in the file name; front
matter may override both), `_drafts/`, and pages at the site's root; `_config.yml`'s
`permalink` says where posts were published. Hugo: `content/`, where a folder with an
`index.md` is a page bundle (its name is the slug, its pictures travel with it), front
matter in YAML (`---`), TOML (`+++`) or JSON; `url:` and `aliases:` are old addresses.

Every file is imported, skipped with its reason (a section's `_index.md`, a layout), or
refused with its reason (front matter that does not parse, naming the line).
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from generator.config import SiteConfig
from generator.documents import file_name, parse_moment
from generator.importers import shortcodes
from generator.importers.feed import convert_body
from generator.importers.model import Imported, Left, Source
from generator.slugs import slugify
from generator.urls import route, to_url

_TEXT_SUFFIXES = (".md", ".markdown", ".mdown", ".html", ".htm")
# Jekyll's named permalink styles.
_JEKYLL_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
# What a page bundle's pictures may be: they are copied with its story.
_PICTURES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg")


def detect_site(folder: Path) -> str:
    """ "jekyll" or "hugo" for a site folder; ValueError for anything else."""
    if (folder / "_posts").is_dir() or folder.name == "_posts" or (folder / "_config.yml").exists():
        return "jekyll"
    if (folder / "content").is_dir() or any((folder / n).exists() for n in ("hugo.toml", "config.toml")):
        return "hugo"
    raise ValueError(f"{folder}: neither a Jekyll site (_posts/) nor a Hugo site (content/)")


# --- Front matter as other generators write it ---------------------------------------------


def split_front_matter(text: str, name: str) -> tuple[dict, str, int]:
    """(fields, body, body's first line) of a file with YAML, TOML or JSON front matter;
    a file without any is all body. Raises ValueError naming the line."""
    text = text.lstrip("\ufeff")
    lead = len(text) - len(text.lstrip("\n"))
    stripped = text.lstrip("\n")
    for fence, load in (("---", _yaml), ("+++", _toml)):
        if stripped.startswith(fence + "\n") or stripped.startswith(fence + "\r\n"):
            lines = stripped.splitlines(keepends=True)
            end = next((n for n, line in enumerate(lines[1:], 1) if line.rstrip() in (fence, "...")), None)
            if end is None:
                raise ValueError(f"{name}:{lead + 1}: the front matter opened here is never closed")
            fields = load("".join(lines[1:end]), name, lead + 2)
            return fields, "".join(lines[end + 1 :]), lead + end + 2
    if stripped.startswith("{"):
        decoder = json.JSONDecoder()
        try:
            fields, end = decoder.raw_decode(stripped)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{name}:{lead + exc.lineno}: bad JSON front matter: {exc.msg}") from None
        return fields, stripped[end:], lead + stripped[:end].count("\n") + 1
    return {}, text, 1


def _yaml(block: str, name: str, first: int) -> dict:
    try:
        found = yaml.safe_load(block)  # YAML 1.1, as Jekyll and Hugo read it
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first + mark.line if mark is not None else first
        raise ValueError(
            f"{name}:{line}: front matter is not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None
    return found if isinstance(found, dict) else {}


def _toml(block: str, name: str, first: int) -> dict:
    try:
        return tomllib.loads(block)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        line = first + int(where.group(1)) - 1 if where else first
        raise ValueError(f"{name}:{line}: front matter is not valid TOML ({exc})") from None


def _moment(value, zone: ZoneInfo) -> datetime | None:
    """A date as YAML or TOML gave it: a datetime, a date, or text."""
    if isinstance(value, datetime):
        return value.astimezone(zone) if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=zone)
    if isinstance(value, str) and value.strip():
        try:
            found = parse_moment(value)
        except ValueError:
            return None
        return found.astimezone(zone) if found.tzinfo else found.replace(tzinfo=zone)
    return None


def _names(value) -> list[str]:
    """A list of names, or Jekyll's space-separated string of them."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in (value.split(",") if "," in value else value.split()) if v.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value)]


def _image(fields: dict) -> str:
    for key in ("image", "featured_image", "cover", "images", "thumbnail", "header"):
        value = fields.get(key)
        if isinstance(value, dict):
            value = value.get("path") or value.get("image") or value.get("src") or value.get("feature")
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _story_fields(meta: dict, title: str, when: datetime, zone: ZoneInfo) -> dict:
    categories = _names(meta.get("categories", meta.get("category")))
    authors = _names(meta.get("authors", meta.get("author")))
    return {
        "title": title,
        "date": when,
        "category": categories[0] if categories else None,
        "tags": (categories[1:] + _names(meta.get("tags"))) or None,
        "author": authors or None,
        "summary": str(meta.get("excerpt") or meta.get("description") or meta.get("summary") or "").strip()
        or None,
        "updated": _moment(meta.get("lastmod") or meta.get("last_modified_at") or meta.get("updated"), zone),
        "expires": _moment(meta.get("expiryDate"), zone),
        "draft": True if meta.get("draft") is True or meta.get("published") is False else None,
        "lang": meta.get("lang") or meta.get("language") or None,
    }


def _aliases(meta: dict, *keys: str) -> list[str]:
    found = []
    for key in keys:
        found += _names(meta.get(key))
    return ["/" + a.lstrip("/") for a in found if "://" not in a]


# --- Jekyll --------------------------------------------------------------------------------


def parse_jekyll(folder: Path, config: SiteConfig) -> Source:
    """Every post, draft and page of a Jekyll site."""
    root = folder.parent if folder.name == "_posts" else folder
    settings = _jekyll_config(root)
    pattern = _JEKYLL_STYLES.get(str(settings.get("permalink", "date")), str(settings.get("permalink", "")))
    found = Source()
    files = sorted((root / "_posts").rglob("*")) + sorted((root / "_drafts").rglob("*"))
    posts = {}  # file stem -> (date, slug) of every post, for {% post_url %} and {% link %}
    for path in files:
        day, name = file_name(path.name)
        if path.is_file() and day is not None:
            posts[path.stem] = (day.date(), name)

    def link_of(kind: str, target: str) -> str | None:
        stem = Path(target).stem if kind == "link" else Path(target).name
        if stem not in posts:
            page = root / target.lstrip("/")
            return _page_link(config, page.stem) if kind == "link" and page.exists() else None
        day, slug = posts[stem]
        return to_url(
            config, route(config, "article", slugify(slug, config.unicode_slugs), _noon(day, config))
        )

    for path in files:
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if not path.name.endswith(_TEXT_SUFFIXES):
            found.skipped.append(Left(path.name, rel, "not a post (posts are .md, .markdown or .html files)"))
            continue
        _jekyll_post(path, rel, root, pattern, config, link_of, found, draft=rel.startswith("_drafts/"))
    for path in sorted(root.glob("*")):
        if (
            path.is_file()
            and path.name.endswith(_TEXT_SUFFIXES)
            and path.stem.lower() not in ("readme", "index", "404")
        ):
            _jekyll_page(path, root, link_of, found)
    return found


def _jekyll_config(root: Path) -> dict:
    path = root / "_config.yml"
    if not path.exists():
        return {}
    try:
        found = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return {}
    return found if isinstance(found, dict) else {}


def _noon(day: date, config: SiteConfig) -> datetime:
    return datetime.combine(day, time(), tzinfo=config.zone)


def _jekyll_post(path, rel, root, pattern, config, link_of, found: Source, draft: bool) -> None:
    zone = config.zone
    try:
        meta, body, body_line = split_front_matter(path.read_text(encoding="utf-8-sig"), rel)
    except (ValueError, UnicodeDecodeError) as exc:
        found.refused.append(Left(path.name, rel, str(exc)))
        return
    day, name = file_name(path.name)  # the build's own reading of `2014-03-19-hello.md`
    title = str(meta.get("title") or name.replace("-", " ").capitalize())
    when = _moment(meta.get("date"), zone)
    if when is None and day is not None:
        when = day.replace(tzinfo=zone)
    if when is None:
        when = datetime.fromtimestamp(path.stat().st_mtime, zone)
        draft = True
        found.notes.append(f"{rel}: no date in the file name or front matter; imported as a draft")
    fields = _story_fields(meta, title, when, zone)
    fields["slug"] = str(meta.get("slug") or name)
    if draft:
        fields["draft"] = True
    image = _image(meta)
    files = []
    if image and "://" not in image and (root / image.lstrip("/")).is_file():
        files.append((str(root / image.lstrip("/")), image.lstrip("/")))
    fields["image"] = image.lstrip("/") if files else image or None
    fields["aliases"] = _aliases(meta, "redirect_from") or None
    text, notes = shortcodes.liquid(body, link_of)
    text, html_notes = _body(text, path.name.endswith((".html", ".htm")))
    found.notes += [f"{rel}:{_shift(n, body_line)}" for n in notes] + [f"{rel}: {n}" for n in html_notes]
    old = str(meta.get("permalink") or _jekyll_url(pattern, meta, fields))
    found.items.append(Imported("article", fields, text.strip() or title, f"jekyll:{rel}", old, tuple(files)))


def _jekyll_page(path: Path, root: Path, link_of, found: Source) -> None:
    rel = path.relative_to(root).as_posix()
    try:
        meta, body, body_line = split_front_matter(path.read_text(encoding="utf-8-sig"), rel)
    except (ValueError, UnicodeDecodeError) as exc:
        found.refused.append(Left(path.name, rel, str(exc)))
        return
    if not meta:
        found.skipped.append(Left(path.name, rel, "no front matter: Jekyll does not publish it as a page"))
        return
    title = str(meta.get("title") or path.stem.replace("-", " ").capitalize())
    text, notes = shortcodes.liquid(body, link_of)
    text, html_notes = _body(text, path.name.endswith((".html", ".htm")))
    found.notes += [f"{rel}:{_shift(n, body_line)}" for n in notes] + [f"{rel}: {n}" for n in html_notes]
    fields = {"title": title, "slug": path.stem, "summary": meta.get("description") or None}
    fields["aliases"] = _aliases(meta, "redirect_from") or None
    old = str(meta.get("permalink") or f"/{path.stem}.html")
    found.items.append(Imported("page", fields, text.strip() or title, f"jekyll:{rel}", old))


def _page_link(config: SiteConfig, stem: str) -> str:
    return to_url(config, route(config, "page", slugify(stem, config.unicode_slugs)))


def _jekyll_url(pattern: str, meta: dict, fields: dict) -> str:
    when: datetime = fields["date"]
    categories = "/".join(c.lower() for c in _names(meta.get("categories", meta.get("category"))))
    ext = ".html"
    values = {
        ":categories": categories,
        ":year": f"{when.year:04d}",
        ":month": f"{when.month:02d}",
        ":day": f"{when.day:02d}",
        ":i_month": str(when.month),
        ":i_day": str(when.day),
        ":short_year": f"{when.year % 100:02d}",
        ":y_day": f"{when.timetuple().tm_yday:03d}",
        ":title": fields["slug"],
        ":slug": fields["slug"],
        ":output_ext": ext,
    }
    url = pattern
    for key in sorted(values, key=len, reverse=True):
        url = url.replace(key, values[key])
    return "/" + re.sub(r"/{2,}", "/", url).lstrip("/")


# --- Hugo ----------------------------------------------------------------------------------


def parse_hugo(folder: Path, config: SiteConfig) -> Source:
    """Every content file of a Hugo site: posts, pages and page bundles with their pictures."""
    content = folder / "content" if (folder / "content").is_dir() else folder
    found = Source()
    files = sorted(p for p in content.rglob("*") if p.is_file())
    entries = {p: _hugo_place(p, content) for p in files if p.name.endswith(_TEXT_SUFFIXES)}
    bundled = {p.parent for p in entries if p.stem == "index"}

    def link_of(_kind: str, target: str) -> str | None:  # Hugo links are all `ref`s
        name = target.strip("\"'").split("#")[0]
        for path, (slug, _) in entries.items():
            here = path.relative_to(content).as_posix()
            if (
                here == name.lstrip("/")
                or here.endswith("/" + name)
                or path.name == name
                or slug == Path(name).stem
            ):
                return f"{{{{hugo:{here}}}}}"  # filled in once every file's URL is known
        return None

    for path in files:
        rel = path.relative_to(content).as_posix()
        if path in entries:
            _hugo_file(path, rel, entries[path], config, link_of, found)
        elif path.parent in bundled and path.suffix.lower() in _PICTURES:
            continue  # travels with its bundle's story
        else:
            found.skipped.append(Left(path.name, rel, "not a content file (Markdown or HTML)"))
    return _resolve_hugo_links(found, config)


def _hugo_place(path: Path, content: Path) -> tuple[str, str]:
    """(slug, section) of a content file: a bundle's slug is its folder's name."""
    parts = path.relative_to(content).parts
    slug = path.parent.name if path.stem in ("index", "_index") and len(parts) > 1 else path.stem
    section = parts[0] if len(parts) > 1 else ""
    return slug, section


def _hugo_file(path, rel, place, config: SiteConfig, link_of, found: Source) -> None:
    zone = config.zone
    if path.stem == "_index":
        found.skipped.append(Left(path.name, rel, "a section's list page: newsgen makes its own listings"))
        return
    try:
        meta, body, body_line = split_front_matter(path.read_text(encoding="utf-8-sig"), rel)
    except (ValueError, UnicodeDecodeError) as exc:
        found.refused.append(Left(path.name, rel, str(exc)))
        return
    slug, section = place
    slug = str(meta.get("slug") or slug)
    title = str(meta.get("title") or slug.replace("-", " ").capitalize())
    when = _moment(meta.get("date") or meta.get("publishDate"), zone)
    bundle = path.parent if path.stem == "index" else None
    files: list[tuple[str, str]] = []

    def picture_of(src: str) -> str:
        if bundle is not None and src and "://" not in src and (bundle / src).is_file():
            target = f"images/{slugify(slug, config.unicode_slugs)}/{Path(src).name}"
            if (str(bundle / src), target) not in files:
                files.append((str(bundle / src), target))
            return "/" + target
        return src

    text, notes = shortcodes.hugo(body, link_of, picture_of)
    text = _bundle_pictures(text, picture_of)
    text, html_notes = _body(text, path.suffix.lower() in (".html", ".htm"))
    found.notes += [f"{rel}:{_shift(n, body_line)}" for n in notes] + [f"{rel}: {n}" for n in html_notes]
    image = _image(meta)
    image = picture_of(image).lstrip("/") if image and "://" not in image else image
    old = str(meta.get("url") or (f"/{section}/{slug}/" if section else f"/{slug}/"))
    aliases = _aliases(meta, "aliases")
    if when is None:  # a page: Hugo's pages have no date
        fields = {"title": title, "slug": slug, "summary": meta.get("description") or None}
        fields["aliases"] = aliases or None
        found.items.append(Imported("page", fields, text.strip() or title, f"hugo:{rel}", old, tuple(files)))
        return
    fields = _story_fields(meta, title, when, zone)
    fields["slug"] = slug
    fields["image"] = image or None
    fields["aliases"] = aliases or None
    found.items.append(Imported("article", fields, text.strip() or title, f"hugo:{rel}", old, tuple(files)))


_MD_PICTURE = re.compile(r"(!\[[^\]]*\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")


def _bundle_pictures(text: str, picture_of) -> str:
    """Markdown pictures named relative to a bundle (`![x](photo.jpg)`) moved with it."""
    return _MD_PICTURE.sub(lambda m: m.group(1) + picture_of(m.group(2)) + m.group(3), text)


def _resolve_hugo_links(found: Source, config: SiteConfig) -> Source:
    """`{{< ref >}}` placeholders made the new links of the items they name."""
    links = {}
    for item in found.items:
        here = item.source_id.removeprefix("hugo:")
        slug = slugify(str(item.fields["slug"]), config.unicode_slugs)
        kind = "article" if item.kind == "article" else "page"
        links[here] = to_url(config, route(config, kind, slug, item.fields.get("date")))
    marker = re.compile(r"\{\{hugo:([^}]+)\}\}")
    items = [
        Imported(
            i.kind,
            i.fields,
            marker.sub(lambda m: links.get(m.group(1), m.group(0)), i.body),
            i.source_id,
            i.old_url,
            i.files,
        )
        for i in found.items
    ]
    return Source(items, found.skipped, found.refused, found.notes)


def _body(text: str, is_html: bool) -> tuple[str, list[str]]:
    if not is_html:
        return text, []
    return convert_body(text, keep_html=False)


def _shift(note: str, body_line: int) -> str:
    """A note's "line N" of the body as the line of the file."""
    m = re.match(r"line (\d+): (.*)", note, re.S)
    return f"{int(m.group(1)) + body_line - 1}: {m.group(2)}" if m else f" {note}"
