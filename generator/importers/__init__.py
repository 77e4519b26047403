"""`newsgen import SOURCE`: existing journalism in, content files with front matter out.

Each importer reads its source into a `Source` (model.py): items to write, and every other
item with the reason it was left out. This module decides where the items go and writes
them:

- Identity is the source's own id (`extra.imported_from`): an item imported before is
  kept, never written twice, however its title changed; two items with one title get
  two files (the second name gets `-2`), and neither is lost.
- Names follow the build's own rule (slugs.slugify): percent-encoding decoded, bidi and
  control characters gone, capped in bytes, so whatever is written builds.
- Each item's old address becomes an `aliases:` entry when its new URL differs, so the
  build writes a redirect there (outputs/redirects.py); the report lists the moves.
- A failure part way (a full disk) is reported with what was written; a rerun finishes
  the job, since what was written is found by its id.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from generator.config import SiteConfig, load_config
from generator.importers.model import Imported, ImportReport, Left, Source
from generator.scaffold import ARTICLES_DIR, PAGES_DIR, article_path, document_text
from generator.slugs import slugify
from generator.urls import route, to_url

FORMATS = ("auto", "text", "feed", "wxr", "jekyll", "hugo")
PRIVATE = ("draft", "skip")  # what becomes of private and password-protected items
_IMPORTED_FROM = re.compile(r"^\s+imported_from:\s*(.+?)\s*$", re.M)


def detect_format(source: str) -> str:
    """Which importer reads source: a URL is a feed; a folder a Jekyll or Hugo site;
    files are told apart by content."""
    if re.match(r"https?://", source):
        return "feed"
    path = Path(source)
    if path.is_dir():
        from generator.importers.static_sites import detect_site

        return detect_site(path)
    head = path.read_bytes()[:4096]
    from generator.importers.wordpress import is_wxr

    if is_wxr(head):
        return "wxr"
    if re.search(rb"<(rss|feed|rdf:RDF)[\s>]", head):
        return "feed"
    return "text"


def read_source(
    source: str, fmt: str, config: SiteConfig, as_of: datetime | None, keep_html: bool, private: str = "draft"
) -> Source:
    """Every item of the source, as the importer for `fmt` reads it."""
    zone = config.zone
    if as_of is not None:  # dates are written as site-local times
        as_of = as_of.replace(tzinfo=zone) if as_of.tzinfo is None else as_of.astimezone(zone)
    detected = detect_format(source)
    if fmt == "auto":
        fmt = detected
    elif fmt == "feed" and detected == "wxr":
        raise ValueError(
            f"{source} is a WordPress export: import it with `--format wxr` (or without --format); "
            "read as a feed, its attachments and menu entries would become articles"
        )
    if fmt == "wxr":
        from generator.importers.wordpress import parse_wxr

        return parse_wxr(Path(source).read_bytes(), zone, keep_html, Path(source).name, private)
    if fmt == "feed":
        from generator.importers.feed import parse_feed

        return parse_feed(source, zone, as_of or datetime.now(zone), keep_html)
    if fmt in ("jekyll", "hugo"):
        from generator.importers.static_sites import parse_hugo, parse_jekyll

        parse = parse_jekyll if fmt == "jekyll" else parse_hugo
        return parse(Path(source), config)
    from generator.importers.scraped import parse_scraped

    path = Path(source)
    when = as_of or datetime.fromtimestamp(path.stat().st_mtime, zone)
    item, notes = parse_scraped(path.read_text(encoding="utf-8-sig"), when, path.name, (config.title,))
    return Source(items=[item], notes=notes)


def import_source(
    site_dir: Path,
    source: str,
    fmt: str = "auto",
    as_of: datetime | None = None,
    category: str = "",
    author: str = "",
    slug: str = "",
    keep_html: bool = False,
    private: str = "draft",
    download_images: bool = False,
) -> ImportReport:
    """Read source and write its items as content files of the site at site_dir;
    with download_images, the old site's pictures are fetched into content/static/."""
    config = load_config(site_dir)
    found = read_source(source, fmt, config, as_of, keep_html, private)
    fetched = None
    if download_images:
        from generator.importers.downloads import download_pictures

        known_ids = imported_ids(site_dir)
        fresh, fetched = download_pictures(site_dir, [i for i in found.items if i.source_id not in known_ids])
        by_id = {i.source_id: i for i in fresh}
        found.items = [by_id.get(i.source_id, i) for i in found.items]
    if slug and len(found.items) != 1:
        raise ValueError(f"--slug names one file; this source has {len(found.items)} items")
    report = ImportReport(
        skipped=[str(left) for left in found.skipped],
        refused=[str(left) for left in found.refused],
        notes=list(found.notes),
    )
    if fetched is not None:
        report.copied += [f"content/static/{rel} (from {url})" for url, rel in fetched.saved.items()]
        report.notes += [f"picture {url} not downloaded: {why}" for url, why in fetched.failed.items()]
    known = imported_ids(site_dir)
    for item in found.items:
        item = _with_defaults(item, category, author)
        if item.source_id in known:
            report.kept.append(f"{known[item.source_id]} (imported before from {item.source_id})")
            continue
        fields = _named(item, config, slug)
        wanted = fields["slug"]
        target, fields = _free_target(site_dir, item, fields)
        moved = _moved(item, fields, config)
        taken = (
            bool(item.old_url)
            and fields["slug"] != wanted
            and _moved(item, {**fields, "slug": wanted}, config) is None
        )
        if taken:  # its old address is the URL of the file that took its name
            report.notes.append(
                f"{target.relative_to(site_dir)}: its old address {urlsplit(item.old_url).path} is "
                f"{wanted}'s, a file that was there before; no redirect from it"
            )
            moved = None
        aliases = [*([moved[0]] if moved else []), *(fields.get("aliases") or [])]
        here = _new_url(fields, item, config).rstrip("/")
        fields["aliases"] = list(dict.fromkeys(a for a in aliases if a.rstrip("/") != here)) or None
        fields["extra"] = {**(fields.pop("extra", None) or {}), "imported_from": item.source_id}
        try:
            copied = _copy_files(site_dir, item)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x", encoding="utf-8") as f:  # "x": never replace a file
                f.write(document_text(fields, item.body))
        except OSError as exc:
            title = str(item.fields.get("title", ""))
            report.refused.append(
                str(Left(title, item.source_id, f"could not be written: {exc.strerror or exc}"))
            )
            continue
        known[item.source_id] = str(target.relative_to(site_dir))
        report.written.append(known[item.source_id])
        report.copied += copied
        if moved:
            report.moved.append(moved)
    return report


def _with_defaults(item: Imported, category: str, author: str) -> Imported:
    if item.kind != "article":
        return item
    fields = dict(item.fields)
    if not fields.get("category") and category:
        fields["category"] = category
    if not fields.get("author") and author:
        fields["author"] = author
    return Imported(item.kind, fields, item.body, item.source_id, item.old_url, item.files)


def _named(item: Imported, config: SiteConfig, slug: str) -> dict:
    """The item's fields with its URL name made by the build's own rule."""
    fields = dict(item.fields)
    given = slug or str(fields.get("slug") or "")
    name = slugify(given, config.unicode_slugs) or slugify(str(fields.get("title", "")), config.unicode_slugs)
    fields["slug"] = name or "untitled"
    return fields


def _free_target(site_dir: Path, item: Imported, fields: dict) -> tuple[Path, dict]:
    """A file no other item has: `name`, else `name-2`, `name-3`... (the URL name too)."""
    base = fields["slug"]
    for n in range(1, 1000):
        name = base if n == 1 else f"{base[:190]}-{n}"
        target = _target(site_dir, item.kind, name, fields)
        if not target.exists():
            return target, {**fields, "slug": name}
    raise ValueError(f"{item.source_id}: a thousand files are already named {base}")


def _target(site_dir: Path, kind: str, name: str, fields: dict) -> Path:
    if kind == "page":
        return site_dir / PAGES_DIR / f"{name}.md"
    return site_dir / article_path(fields["date"], name)


def _new_url(fields: dict, item: Imported, config: SiteConfig) -> str:
    kind = "page" if item.kind == "page" else "article"
    return to_url(config, route(config, kind, fields["slug"], fields.get("date")))


def _moved(item: Imported, fields: dict, config: SiteConfig) -> tuple[str, str] | None:
    """(old path, new link) when the item's old address is not its new one."""
    if not item.old_url:
        return None
    old = urlsplit(item.old_url).path or "/"
    new = _new_url(fields, item, config)
    if old.rstrip("/") == new.rstrip("/") or old in ("", "/"):
        return None
    return old, new


def _copy_files(site_dir: Path, item: Imported) -> list[str]:
    """The item's own files (a Hugo bundle's pictures) into content/static/."""
    copied = []
    for source, rel in item.files:
        target = site_dir / "content/static" / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            copied.append(f"content/static/{rel}")
    return copied


def imported_ids(site_dir: Path) -> dict[str, str]:
    """imported_from value -> file, for every content file that records one."""
    found = {}
    for folder in (ARTICLES_DIR, PAGES_DIR):
        for path in sorted((site_dir / folder).rglob("*.md")):
            head = path.read_text(encoding="utf-8", errors="replace")[:4000]
            for m in _IMPORTED_FROM.finditer(head.split("\n---", 1)[0]):
                found[m.group(1).strip('"')] = str(path.relative_to(site_dir))
    return found
