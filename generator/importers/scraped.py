"""Article text copied or scraped from a web page, like seeds/*.txt.

Such text starts with the page chrome around the headline: the site name, menu items
("About Us"), the featured-image label, a "• Category" line, a "By …" byline and a date
the page showed relative to when it was read ("1 days ago"). The chrome block ends with
the headline; the paragraphs after it are the body.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from generator.importers.model import Imported

MENU_ITEMS = {
    "about us",
    "about",
    "contact",
    "contact us",
    "home",
    "menu",
    "search",
    "sobre nosotros",
    "quiénes somos",
    "contacto",
    "inicio",
    "buscar",
    "subscribe",
    "suscríbete",
    "log in",
    "iniciar sesión",
}
IMAGE_LABELS = {"featured image", "imagen destacada", "image", "imagen", "photo", "foto"}
_CATEGORY = re.compile(r"^[•·▪●|]\s*(.+)$")
_BYLINE = re.compile(r"^(?:by|por|written by|escrito por)\s+(.+)$", re.I)
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)+/?$")
_UNITS = {
    "second": 1,
    "segundo": 1,
    "minute": 60,
    "minuto": 60,
    "min": 60,
    "hour": 3600,
    "hora": 3600,
    "day": 86400,
    "día": 86400,
    "dia": 86400,
    "week": 604800,
    "semana": 604800,
    "month": 2592000,
    "mes": 2592000,
    "year": 31536000,
    "año": 31536000,
}
_AGO = re.compile(
    r"^(?:(\d+|an?|one|un|una)\s+(\w+?)(?:s|es)?\s+ago|hace\s+(\d+|un|una)\s+(\w+?)(?:s|es)?)$", re.I
)
_ABSOLUTE_FORMATS = ("%B %d, %Y", "%d %B %Y", "%Y-%m-%d", "%d/%m/%Y", "%b %d, %Y")


def parse_relative_date(text: str, as_of: datetime) -> datetime | None:
    """The moment a relative date such as "1 days ago" or "hace 3 horas" points at."""
    m = _AGO.match(text.strip())
    if m:
        amount, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        seconds = _UNITS.get(unit.lower()) or _UNITS.get(unit.lower().rstrip("s"))
        if seconds is None:
            return None
        count = int(amount) if amount.isdigit() else 1
        return as_of - timedelta(seconds=seconds * count)
    if text.strip().lower() in ("yesterday", "ayer"):
        return as_of - timedelta(days=1)
    if text.strip().lower() in ("today", "hoy", "just now", "ahora"):
        return as_of
    for fmt in _ABSOLUTE_FORMATS:
        try:
            day = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        return as_of.replace(year=day.year, month=day.month, day=day.day)
    return None


def parse_scraped(
    text: str, as_of: datetime, source_name: str, site_names: tuple[str, ...] = ()
) -> tuple[Imported, list[str]]:
    """One article from scraped page text, and notes on what could not be mapped.

    site_names are names the page may show as its masthead (the site's title).
    """
    blocks = _blocks(text.replace("\r\n", "\n"))
    found: dict = {
        "categories": [],
        "authors": [],
        "date": None,
        "headline": "",
        "names": {n.lower() for n in site_names},
    }
    notes: list[str] = []
    start = _read_chrome(blocks, as_of, found, notes)
    if not found["headline"]:
        raise ValueError(f"{source_name}: no headline found (expected one line before the first paragraph)")
    paragraphs = [" ".join(block) for block in blocks[start:]]
    if not paragraphs:
        raise ValueError(f"{source_name}: no body paragraphs after the headline")
    if found["date"] is None:
        notes.append(f"{source_name}: no date line found; dated {as_of.isoformat()}")
    fields = {
        "title": found["headline"],
        "date": found["date"] or as_of,
        "category": found["categories"][0] if found["categories"] else None,
        "tags": found["categories"][1:] or None,
        "author": found["authors"] or None,
    }
    key = hashlib.blake2b((found["headline"] + "\n" + paragraphs[0]).encode(), digest_size=8).hexdigest()
    return Imported("article", fields, "\n\n".join(paragraphs), f"text:{key}"), notes


def _blocks(text: str) -> list[list[str]]:
    """Groups of non-blank lines, stripped; blank lines separate them."""
    blocks, current = [], []
    for raw in text.split("\n") + [""]:
        line = raw.strip()
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks


def _read_chrome(blocks: list[list[str]], as_of: datetime, found: dict, notes: list[str]) -> int:
    """Find the headline: the last line of the first block that is not all chrome.

    Returns the index of the first body block. Lines of that block above the headline
    that are not recognised chrome are the masthead (site name); they are reported.
    """
    for n, block in enumerate(blocks):
        rest = [line for line in block if not _chrome_line(line, as_of, found, notes)]
        if not rest:
            continue
        found["headline"] = rest[-1]
        notes += [f"left out as page chrome: `{line}`" for line in rest[:-1]]
        return n + 1
    return len(blocks)


def _chrome_line(line: str, as_of: datetime, found: dict, notes: list[str]) -> bool:
    low = line.lower().rstrip(":")
    if low in MENU_ITEMS:
        return True
    if low in IMAGE_LABELS:
        notes.append(
            f"featured image: the text names one (`{line}`) but carries no file; add `image:` by hand"
        )
        return True
    if m := _CATEGORY.match(line):
        found["categories"] += [c.strip() for c in re.split(r"\s*[•·▪●|]\s*", m.group(1)) if c.strip()]
        return True
    if m := _BYLINE.match(line):
        found["authors"] += [a.strip() for a in re.split(r",\s*|\s+(?:and|y)\s+", m.group(1)) if a.strip()]
        return True
    when = parse_relative_date(line, as_of)
    if when is not None:
        found["date"] = when
        return True
    return bool(_DOMAIN.match(line)) or low in found["names"]  # the masthead
