"""`newsgen import SOURCE`: existing journalism in, content files with front matter out.

Each importer turns its source into Imported items; this module decides where they go
and writes them. An item already imported (same `extra.imported_from`, or the same file)
is skipped, so running an import twice adds nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from generator.config import SiteConfig, load_config
from generator.importers.model import Imported, ImportReport
from generator.scaffold import ARTICLES_DIR, PAGES_DIR, article_path, document_text
from generator.slugs import slugify

FORMATS = ("auto", "text", "feed", "wxr")
_IMPORTED_FROM = re.compile(r"^\s+imported_from:\s*(.+?)\s*$", re.M)


def detect_format(source: str) -> str:
    """Which importer reads source: a URL is a feed; files are told apart by content."""
    if re.match(r"https?://", source):
        return "feed"
    head = Path(source).read_bytes()[:4096]
    from generator.importers.wordpress import is_wxr

    if is_wxr(head):
        return "wxr"
    if re.search(rb"<(rss|feed|rdf:RDF)[\s>]", head):
        return "feed"
    return "text"


def read_items(
    source: str, fmt: str, config: SiteConfig, as_of: datetime | None, keep_html: bool
) -> tuple[list[Imported], list[str]]:
    zone = config.zone
    if as_of is not None:  # dates are written as site-local times
        as_of = as_of.replace(tzinfo=zone) if as_of.tzinfo is None else as_of.astimezone(zone)
    if fmt == "auto":
        fmt = detect_format(source)
    if fmt == "wxr":
        from generator.importers.wordpress import parse_wxr

        return parse_wxr(Path(source).read_bytes(), zone, keep_html)
    if fmt == "feed":
        from generator.importers.feed import parse_feed

        return parse_feed(source, zone, as_of or datetime.now(zone), keep_html)
    from generator.importers.scraped import parse_scraped

    path = Path(source)
    when = as_of or datetime.fromtimestamp(path.stat().st_mtime, zone)
    item, notes = parse_scraped(path.read_text(encoding="utf-8-sig"), when, path.name, (config.title,))
    return [item], notes


def import_source(
    site_dir: Path,
    source: str,
    fmt: str = "auto",
    as_of: datetime | None = None,
    category: str = "",
    author: str = "",
    slug: str = "",
    keep_html: bool = False,
) -> ImportReport:
    """Read source and write its items as content files of the site at site_dir."""
    config = load_config(site_dir)
    items, notes = read_items(source, fmt, config, as_of, keep_html)
    if slug and len(items) != 1:
        raise ValueError(f"--slug names one file; this source has {len(items)} items")
    report = ImportReport(notes=notes)
    known = imported_ids(site_dir)
    for item in items:
        item = _with_defaults(item, category, author)
        target = _target(site_dir, item, config, slug)
        if item.source_id in known:
            report.skipped.append(f"{known[item.source_id]} (already imported)")
        elif target.exists():
            report.skipped.append(f"{target.relative_to(site_dir)} (exists; not replaced)")
        else:
            fields = dict(item.fields)
            if slug:
                fields["slug"] = slug
            fields["extra"] = {**(fields.pop("extra", None) or {}), "imported_from": item.source_id}
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(document_text(fields, item.body), encoding="utf-8")
            known[item.source_id] = str(target.relative_to(site_dir))
            report.written.append(known[item.source_id])
    return report


def _with_defaults(item: Imported, category: str, author: str) -> Imported:
    if item.kind != "article":
        return item
    fields = dict(item.fields)
    if not fields.get("category") and category:
        fields["category"] = category
    if not fields.get("author") and author:
        fields["author"] = author
    return Imported(item.kind, fields, item.body, item.source_id)


def _target(site_dir: Path, item: Imported, config: SiteConfig, slug: str) -> Path:
    name = slug or item.fields.get("slug") or slugify(item.fields["title"], config.unicode_slugs)
    name = name or "untitled"
    if item.kind == "page":
        return site_dir / PAGES_DIR / f"{name}.md"
    return site_dir / article_path(item.fields["date"], name)


def imported_ids(site_dir: Path) -> dict[str, str]:
    """imported_from value -> file, for every content file that records one."""
    found = {}
    for folder in (ARTICLES_DIR, PAGES_DIR):
        for path in sorted((site_dir / folder).rglob("*.md")):
            head = path.read_text(encoding="utf-8", errors="replace")[:4000]
            for m in _IMPORTED_FROM.finditer(head.split("\n---", 1)[0]):
                found[m.group(1).strip('"')] = str(path.relative_to(site_dir))
    return found
