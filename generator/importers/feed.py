"""RSS and Atom feeds, from a file or a URL, read with feedparser: one article per entry."""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import urllib.request
from datetime import UTC, datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from generator.importers.htmlmd import html_to_markdown
from generator.importers.model import Imported, Source
from generator.markup import plain_text


def parse_feed(source: str, zone: ZoneInfo, as_of: datetime, keep_html: bool = False) -> Source:
    """Every entry of the feed at source (a path or URL), and notes on what was left out."""
    import feedparser  # only imports need it; builds do not

    parsed = feedparser.parse(_fetch(source) if re.match(r"https?://", source) else source)
    if parsed.bozo and not parsed.entries:
        raise ValueError(f"{source}: not a readable feed ({parsed.get('bozo_exception')})")
    found = Source()
    if parsed.bozo:
        found.notes.append(
            f"{source}: the feed is malformed ({parsed.get('bozo_exception')}); read what could be read"
        )
    for n, entry in enumerate(parsed.entries, start=1):
        item, entry_notes = _entry(entry, zone, as_of, keep_html)
        found.items.append(item)
        found.notes += [f"entry {n} ({item.fields['title'][:40]}): {note}" for note in entry_notes]
    return found


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
    draft = None
    if published is None:
        # Dated now it would lead the front page as the newest story: kept aside instead.
        notes.append(f"no date: imported as a draft dated {as_of.isoformat()}; give it its date")
        published, draft = as_of, True
    updated = _moment(entry, zone, "updated")
    terms = [t.get("term", "").strip() for t in entry.get("tags", []) if t.get("term")]
    authors = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")]
    if not authors and entry.get("author"):
        authors = [entry["author"]]
    content = entry.get("content", [])
    body_html = content[0].get("value", "") if content else entry.get("summary", "")
    link = entry.get("link", "")
    if link:  # root-relative links in an entry point into the site it came from
        body_html = _absolute_links(body_html, link)
    summary = plain_text(entry.get("summary", "")) if content else ""
    body, body_notes = convert_body(body_html, keep_html)
    notes += body_notes
    image, credit = _image(entry, notes)
    fields = {
        "title": title,
        "date": published,
        "category": terms[0] if terms else None,
        "tags": terms[1:] or None,
        "author": authors or None,
        "summary": summary if summary and summary not in plain_text(body_html) else None,
        "image": image,
        "image_credit": credit,
        "updated": updated if updated and updated > published else None,
        "draft": draft,
    }
    if entry.get("comments"):
        notes.append("comments link not imported")
    identity = entry.get("id") or link or _digest(title, published, body_html)
    return Imported("article", fields, body or title, identity, old_url=link), notes


def _digest(title: str, when: datetime, body: str) -> str:
    """An entry's identity when the feed gives it none: what it says, never its title alone."""
    text = f"{title}\n{when.isoformat()}\n{body}"
    return "feed:" + hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


_URL_ATTR = re.compile(r"""(\s(?:href|src)=)(["'])(/[^"']*)\2""", re.I)


def _absolute_links(fragment: str, base: str) -> str:
    return _URL_ATTR.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{urljoin(base, m.group(3))}{m.group(2)}", fragment
    )


def _image(entry, notes: list[str]) -> tuple[str | None, str | None]:
    """The entry's picture: the widest image among its media and enclosures (sound and
    video are not pictures), and its media:credit."""
    found: list[tuple[int, str]] = []
    for m in [*entry.get("media_content", []), *entry.get("media_thumbnail", [])]:
        url, kind = m.get("url"), (m.get("type") or "")
        medium = m.get("medium") or ("image" if kind.startswith("image/") or not kind else kind.split("/")[0])
        if url and medium == "image" and not _NOT_PICTURE.search(url):
            found.append((_int(m.get("width")), url))
        elif url:
            notes.append(f"media {url} ({kind or medium}) not imported")
    for link in entry.get("enclosures", []):
        if link.get("type", "").startswith("image/"):
            found.append((0, link.get("href")))
        else:
            notes.append(f"enclosure {link.get('href')} ({link.get('type', '?')}) not imported")
    credit = entry.get("media_credit")
    credit_text = (credit[0].get("content") if isinstance(credit, list) and credit else None) or entry.get(
        "credit"
    )
    if not found:
        return None, None
    return max(found, key=lambda f: f[0])[1], credit_text or None


_NOT_PICTURE = re.compile(r"\.(mp3|m4a|ogg|oga|wav|aac|mp4|m4v|webm|mov)(\?|$)", re.I)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


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
