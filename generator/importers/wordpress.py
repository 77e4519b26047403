"""WordPress exports (WXR: Tools → Export in wp-admin): posts, pages, terms and authors."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from generator.importers.feed import convert_body
from generator.importers.model import Imported

NS = {
    "wp": "http://wordpress.org/export/1.2/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
# WordPress statuses: only `publish` is public; `future` is published at its date, which
# the build's scheduling already does.
DRAFT_STATUSES = {"draft", "pending", "private", "auto-draft"}
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.S)
_HAS_BLOCKS = re.compile(r"<(p|div|h[1-6]|ul|ol|blockquote|figure|table|pre)[\s>]", re.I)


def is_wxr(head: bytes) -> bool:
    return b"wordpress.org/export/" in head


def parse_wxr(data: bytes, zone: ZoneInfo, keep_html: bool = False) -> tuple[list[Imported], list[str]]:
    """Posts and pages of a WXR file, and notes on everything that was not imported."""
    channel = ElementTree.fromstring(data).find("channel")
    if channel is None:
        raise ValueError("not a WordPress export: no <channel>")
    _fix_namespace(channel)
    authors = {
        _text(a, "wp:author_login"): _text(a, "wp:author_display_name") or _text(a, "wp:author_login")
        for a in channel.findall("wp:author", NS)
    }
    attachments = {
        _text(i, "wp:post_id"): _text(i, "wp:attachment_url")
        for i in channel.findall("item")
        if _text(i, "wp:post_type") == "attachment"
    }
    items: list[Imported] = []
    notes: list[str] = []
    skipped: Counter[str] = Counter()
    for item in channel.findall("item"):
        kind = _text(item, "wp:post_type")
        status = _text(item, "wp:status")
        if kind not in ("post", "page") or status == "trash":
            skipped[f"{kind} ({status})" if status == "trash" else kind] += 1
            continue
        imported, item_notes = _item(item, kind, authors, attachments, zone, keep_html)
        items.append(imported)
        notes += [f"{kind} `{imported.fields['title'][:40]}`: {n}" for n in item_notes]
    notes += [f"not imported: {n} {kind} item(s)" for kind, n in sorted(skipped.items())]
    return items, notes


def _fix_namespace(channel) -> None:
    """Older exports use export/1.0/ or 1.1/; read them as 1.2."""
    for el in channel.iter():
        if isinstance(el.tag, str) and "wordpress.org/export/1." in el.tag and "/excerpt/" not in el.tag:
            el.tag = re.sub(r"wordpress\.org/export/1\.\d/", "wordpress.org/export/1.2/", el.tag)


def _text(el, path: str) -> str:
    found = el.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


# Categories that say what kind of story a post is (documents.STORY_TYPES), in the
# words newsrooms name them in English and Spanish; the category stays a section too.
TYPE_CATEGORIES = {
    "opinion": "opinion",
    "opinión": "opinion",
    "op-ed": "opinion",
    "column": "opinion",
    "columns": "opinion",
    "editorial": "opinion",
    "analysis": "analysis",
    "análisis": "analysis",
    "review": "review",
    "reviews": "review",
    "crítica": "review",
    "explainer": "explainer",
    "explainers": "explainer",
    "sponsored": "sponsored",
    "sponsored content": "sponsored",
    "patrocinado": "sponsored",
    "press release": "press-release",
    "press releases": "press-release",
    "satire": "satire",
}


def _item(item, kind: str, authors: dict, attachments: dict, zone: ZoneInfo, keep_html: bool):
    notes = []
    title = _text(item, "title") or "Untitled"
    status = _text(item, "wp:status")
    when = _date(item, zone)
    body_html = _paragraphs(_BLOCK_COMMENT.sub("", _text(item, "content:encoded")))
    body, body_notes = convert_body(body_html, keep_html)
    notes += body_notes
    named = [c.text.strip() for c in item.findall("category") if c.get("domain") == "category" and c.text]
    categories = [c for c in named if c != "Uncategorized"] or None
    tags = [
        c.text.strip() for c in item.findall("category") if c.get("domain") == "post_tag" and c.text
    ] or None
    login = _text(item, "dc:creator")
    # Co-Authors Plus files every byline of a post as a category of the `author` domain.
    coauthors = [
        authors.get(c.text.strip(), c.text.strip())
        for c in item.findall("category")
        if c.get("domain") == "author" and c.text and c.text.strip()
    ]
    byline = authors.get(login, login) or None
    story_type = next((TYPE_CATEGORIES[c.casefold()] for c in named if c.casefold() in TYPE_CATEGORIES), None)
    meta = {_text(m, "wp:meta_key"): _text(m, "wp:meta_value") for m in item.findall("wp:postmeta", NS)}
    image = attachments.get(meta.get("_thumbnail_id", ""), "") or None
    comments = len(item.findall("wp:comment", NS))
    if comments:
        notes.append(f"{comments} comment(s) not imported")
    slug = _text(item, "wp:post_name") or None
    fields: dict[str, object] = {
        "title": title,
        "slug": slug,
        "draft": True if status in DRAFT_STATUSES else None,
    }
    if kind == "post":
        fields = {
            "title": title,
            "date": when,
            "category": categories[0] if categories else None,
            "tags": (categories[1:] + (tags or [])) if categories else tags,
            "type": story_type,
            "author": list(dict.fromkeys(coauthors)) if len(coauthors) > 1 else (coauthors or [byline])[0],
            "summary": _text(item, "excerpt:encoded") or None,
            "image": image,
            **fields,
        }
    identity = _text(item, "guid") or f"wp:{_text(item, 'wp:post_id')}"
    return Imported(kind, fields, body or title, identity), notes


def _date(item, zone: ZoneInfo) -> datetime | None:
    gmt = _text(item, "wp:post_date_gmt")
    if gmt and not gmt.startswith("0000"):
        return datetime.fromisoformat(gmt.replace(" ", "T") + "+00:00").astimezone(zone)
    local = _text(item, "wp:post_date")  # drafts have no GMT date; this one is site-local
    if local and not local.startswith("0000"):
        return datetime.fromisoformat(local.replace(" ", "T")).replace(tzinfo=zone)
    return datetime.now(zone)


def _paragraphs(text: str) -> str:
    """WordPress stores classic posts without <p>: blank lines separate paragraphs."""
    if _HAS_BLOCKS.search(text):
        return text
    parts = [p.strip().replace("\n", "<br>\n") for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n".join(f"<p>{p}</p>" for p in parts)
