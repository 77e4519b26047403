"""WordPress exports (WXR: Tools → Export in wp-admin): posts, pages, terms and authors."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import unquote
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from generator.importers import shortcodes
from generator.importers.feed import convert_body
from generator.importers.model import Imported, Left, Source

NS = {
    "wp": "http://wordpress.org/export/1.2/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
# WordPress statuses: only `publish` is public; `future` is published at its date, which
# the build's scheduling already does.
DRAFT_STATUSES = {"draft", "pending", "private", "auto-draft"}  # imported as drafts
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.S)
_HAS_BLOCKS = re.compile(r"<(p|div|h[1-6]|ul|ol|blockquote|figure|table|pre)[\s>]", re.I)


def is_wxr(head: bytes) -> bool:
    return b"wordpress.org/export/" in head


def parse_wxr(
    data: bytes, zone: ZoneInfo, keep_html: bool = False, name: str = "export", private: str = "draft"
) -> Source:
    """Posts and pages of a WXR file, with every other item accounted for.

    `private`: what becomes of private and password-protected posts, "draft" (imported as
    drafts, with a note) or "skip". Raises ValueError naming the line of XML that is not
    well formed.
    """
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        line, column = exc.position
        raise ValueError(
            f"{name}:{line}: not well-formed XML (column {column}): {exc}; "
            "export it again from WordPress (Tools → Export), or fix that line"
        ) from None
    channel = root.find("channel")
    if channel is None:
        raise ValueError(f"{name}: not a WordPress export: no <channel>")
    _fix_namespace(channel)
    site = _text(channel, "link").rstrip("/")
    authors = {
        _text(a, "wp:author_login"): _text(a, "wp:author_display_name") or _text(a, "wp:author_login")
        for a in channel.findall("wp:author", NS)
    }
    every = channel.findall("item")
    attachments = {
        _text(i, "wp:post_id"): _attachment(i) for i in every if _text(i, "wp:post_type") == "attachment"
    }
    menus = _menu_places(every)
    found = Source()
    for item in every:
        kind, status = _text(item, "wp:post_type"), _text(item, "wp:status")
        title = _text(item, "title") or "(untitled)"
        identity = (
            f"{site}/?p={_text(item, 'wp:post_id')}" if _text(item, "wp:post_id") else _text(item, "guid")
        )
        left = _left_reason(kind, status)
        if left:
            found.skipped.append(Left(title, identity, left))
            continue
        hidden = status == "private" or bool(_text(item, "wp:post_password"))
        if hidden and private == "skip":
            found.skipped.append(Left(title, identity, "private or password-protected (--private skip)"))
            continue
        imported, notes = _item(item, kind, authors, attachments, zone, keep_html, identity, menus)
        if hidden:
            notes.append(
                "private or password-protected on WordPress: imported as a draft, never published as is"
            )
        found.items.append(imported)
        found.notes += [f"{kind} `{imported.fields['title'][:40]}` ({identity}): {n}" for n in notes]
    return found


# Items that are not stories: what becomes of them, said for each.
_NOT_CONTENT = {
    "attachment": "a media file: its URL, alt text and caption serve the posts that show it",
    "nav_menu_item": "a menu entry: it gives the pages their place in the navigation (`menu:`)",
    "revision": "an old revision of a post",
    "wp_block": "a reusable block",
    "wp_navigation": "a block-theme menu",
    "wp_global_styles": "theme styles",
    "wp_template": "a theme template",
    "wp_template_part": "a theme template part",
    "custom_css": "theme CSS",
    "customize_changeset": "a theme customizer draft",
    "oembed_cache": "a cached embed",
    "user_request": "a privacy request",
}


def _left_reason(kind: str, status: str) -> str:
    if kind in ("post", "page"):
        return (
            "in the trash"
            if status == "trash"
            else "an auto-draft WordPress made, never written"
            if status == "auto-draft"
            else ""
        )
    return _NOT_CONTENT.get(kind, f"a `{kind}` item, which newsgen has no place for")


def _attachment(item) -> dict:
    meta = {_text(m, "wp:meta_key"): _text(m, "wp:meta_value") for m in item.findall("wp:postmeta", NS)}
    return {
        "url": _text(item, "wp:attachment_url") or _text(item, "guid"),
        "alt": meta.get("_wp_attachment_image_alt", ""),
        "caption": _text(item, "excerpt:encoded"),
    }


def _menu_places(items) -> dict[str, int]:
    """Page post id -> its place in the site's first menu (WordPress `nav_menu_item`s)."""
    entries = []
    for item in items:
        if _text(item, "wp:post_type") != "nav_menu_item":
            continue
        meta = {_text(m, "wp:meta_key"): _text(m, "wp:meta_value") for m in item.findall("wp:postmeta", NS)}
        menu = next((c.text or "" for c in item.findall("category") if c.get("domain") == "nav_menu"), "")
        if meta.get("_menu_item_object") == "page" and meta.get("_menu_item_object_id"):
            order = int(_text(item, "wp:menu_order") or 0)
            entries.append((menu, order, meta["_menu_item_object_id"]))
    first = min((e[0] for e in entries), default="")
    return {page: n for n, (_, _, page) in enumerate(sorted(e for e in entries if e[0] == first), start=1)}


def _fix_namespace(channel) -> None:
    """Exports name their namespace export/1.0/ to 1.2/, over http or (today's WordPress)
    https; read them all as http://wordpress.org/export/1.2/."""
    for el in channel.iter():
        if isinstance(el.tag, str) and "wordpress.org/export/1." in el.tag:
            el.tag = _NAMESPACE.sub(lambda m: "http://wordpress.org/export/1.2/" + (m.group(1) or ""), el.tag)


_NAMESPACE = re.compile(r"https?://wordpress\.org/export/1\.\d+/(excerpt/)?")


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


def _item(
    item,
    kind: str,
    authors: dict,
    attachments: dict,
    zone: ZoneInfo,
    keep_html: bool,
    identity: str,
    menus: dict,
):
    notes = []
    title = _text(item, "title") or "Untitled"
    status = _text(item, "wp:status")
    when = _date(item, zone)
    body_html, code_notes = shortcodes.wordpress(
        _paragraphs(_BLOCK_COMMENT.sub("", _text(item, "content:encoded"))), attachments
    )
    notes += code_notes
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
    picture = attachments.get(meta.get("_thumbnail_id", ""), {})
    comments = len(item.findall("wp:comment", NS))
    if comments:
        notes.append(f"{comments} comment(s) not imported")
    hidden = status in DRAFT_STATUSES or bool(_text(item, "wp:post_password"))
    fields: dict[str, object] = {
        "title": title,
        "slug": _slug(_text(item, "wp:post_name")),
        "draft": True if hidden else None,
    }
    if kind == "page":
        fields["menu"] = menus.get(_text(item, "wp:post_id"))
    else:
        fields = {
            "title": title,
            "date": when,
            "category": categories[0] if categories else None,
            "tags": (categories[1:] + (tags or [])) if categories else tags,
            "type": story_type,
            "author": list(dict.fromkeys(coauthors)) if len(coauthors) > 1 else (coauthors or [byline])[0],
            "summary": _text(item, "excerpt:encoded") or None,
            "image": picture.get("url") or None,
            "image_alt": picture.get("alt") or None,
            "image_caption": picture.get("caption") or None,
            **fields,
        }
    return Imported(kind, fields, body or title, identity, old_url=_text(item, "link")), notes


def _slug(post_name: str) -> str | None:
    """WordPress's slug as a URL name: it stores non-ASCII slugs percent-encoded."""
    return unquote(post_name) or None


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
