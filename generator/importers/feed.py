"""RSS and Atom feeds, from a file or a URL, read with feedparser: one article per entry."""

from __future__ import annotations

import calendar
import html
import re
import urllib.request
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from generator.importers.htmlmd import html_to_markdown
from generator.importers.model import Imported
from generator.markup import plain_text


def parse_feed(
    source: str, zone: ZoneInfo, as_of: datetime, keep_html: bool = False
) -> tuple[list[Imported], list[str]]:
    """Every entry of the feed at source (a path or URL), and notes on what was left out."""
    import feedparser  # only imports need it; builds do not

    parsed = feedparser.parse(_fetch(source) if re.match(r"https?://", source) else source)
    if parsed.bozo and not parsed.entries:
        raise ValueError(f"{source}: not a readable feed ({parsed.get('bozo_exception')})")
    notes = []
    if parsed.bozo:
        notes.append(
            f"{source}: the feed is malformed ({parsed.get('bozo_exception')}); read what could be read"
        )
    items = []
    for n, entry in enumerate(parsed.entries, start=1):
        item, entry_notes = _entry(entry, zone, as_of, keep_html)
        items.append(item)
        notes += [f"entry {n} ({item.fields['title'][:40]}): {note}" for note in entry_notes]
    return items, notes


def _fetch(url: str) -> bytes:
    """The feed's bytes; feedparser's own fetching has no time limit."""
    request = urllib.request.Request(url, headers={"User-Agent": "newsgen-import"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def _moment(entry, zone: ZoneInfo, *keys: str) -> datetime | None:
    for key in keys:
        if key not in entry:  # asking feedparser for an absent date warns and guesses
            continue
        parsed = entry.get(f"{key}_parsed")
        if parsed:  # feedparser gives UTC struct_time
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC).astimezone(zone)
    return None


def _entry(entry, zone: ZoneInfo, as_of: datetime, keep_html: bool):
    notes = []
    title = plain_text(html.unescape(entry.get("title", ""))) or "Untitled"
    published = _moment(entry, zone, "published", "created", "updated")
    if published is None:
        notes.append(f"no date; dated {as_of.isoformat()}")
        published = as_of
    updated = _moment(entry, zone, "updated")
    terms = [t.get("term", "").strip() for t in entry.get("tags", []) if t.get("term")]
    authors = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")]
    if not authors and entry.get("author"):
        authors = [entry["author"]]
    content = entry.get("content", [])
    body_html = content[0].get("value", "") if content else entry.get("summary", "")
    summary = plain_text(entry.get("summary", "")) if content else ""
    body, body_notes = convert_body(body_html, keep_html)
    notes += body_notes
    image = _image(entry, notes)
    fields = {
        "title": title,
        "date": published,
        "category": terms[0] if terms else None,
        "tags": terms[1:] or None,
        "author": authors or None,
        "summary": summary if summary and summary not in plain_text(body_html) else None,
        "image": image,
        "updated": updated if updated and updated > published else None,
    }
    if entry.get("comments"):
        notes.append("comments link not imported")
    return Imported("article", fields, body or title, entry.get("id") or entry.get("link") or title), notes


def _image(entry, notes: list[str]) -> str | None:
    images = [m.get("url") for m in entry.get("media_content", []) if m.get("url")]
    for link in entry.get("enclosures", []):
        if link.get("type", "").startswith("image/"):
            images.append(link.get("href"))
        else:
            notes.append(f"enclosure {link.get('href')} ({link.get('type', '?')}) not imported")
    return images[0] if images else None


def convert_body(body_html: str, keep_html: bool) -> tuple[str, list[str]]:
    """The body as Markdown, or as the HTML itself; notes on tags that did not convert."""
    if keep_html:
        return body_html.strip(), []
    conv = html_to_markdown(body_html)
    notes = []
    if conv.kept:
        notes.append("kept as HTML: " + ", ".join(sorted(set(f"<{t}>" for t in conv.kept))))
    if conv.dropped:
        notes.append("dropped: " + ", ".join(sorted(set(f"<{t}>" for t in conv.dropped))))
    return conv.markdown.strip(), notes
