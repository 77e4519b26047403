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

MENU_ITEMS = {"about us", "about", "contact", "contact us", "home", "menu", "search",
              "sobre nosotros", "quiénes somos", "contacto", "inicio", "buscar",
              "subscribe", "suscríbete", "log in", "iniciar sesión"}
IMAGE_LABELS = {"featured image", "imagen destacada", "image", "imagen", "photo", "foto"}
_CATEGORY = re.compile(r"^[•·▪●|]\s*(.+)$")
_BYLINE = re.compile(r"^(?:by|por|written by|escrito por)\s+(.+)$", re.I)
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)+/?$")
_UNITS = {"second": 1, "segundo": 1, "minute": 60, "minuto": 60, "min": 60, "hour": 3600,
          "hora": 3600, "day": 86400, "día": 86400, "dia": 86400, "week": 604800,
          "semana": 604800, "month": 2592000, "mes": 2592000, "year": 31536000,
          "año": 31536000}
_AGO = re.compile(r"^(?:(\d+|an?|one|un|una)\s+(\w+?)(?:s|es)?\s+ago|hace\s+(\d+|un|una)\s+(\w+?)(?:s|es)?)$",
                  re.I)
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


def parse_scraped(text: str, as_of: datetime, source_name: str) -> tuple[Imported, list[str]]:
    """One article from scraped page text, and notes on what could not be mapped."""
    lines = text.replace("\r\n", "\n").split("\n")
    found: dict = {"categories": [], "authors": [], "date": None, "headline": "",
                   "chrome": []}
    notes: list[str] = []
    end = _read_chrome(lines, as_of, found, notes)
    if not found["headline"]:
        raise ValueError(f"{source_name}: no headline found (expected one line before the "
                         "first paragraph)")
    paragraphs = _paragraphs(lines[end:])
    if not paragraphs:
        raise ValueError(f"{source_name}: no body paragraphs after the headline")
    if found["date"] is None:
        notes.append(f"{source_name}: no date line found; dated {as_of.isoformat()}")
    fields = {"title": found["headline"], "date": found["date"] or as_of,
              "category": found["categories"][0] if found["categories"] else None,
              "tags": found["categories"][1:] or None,
              "author": found["authors"] or None}
    key = hashlib.blake2b((found["headline"] + "\n" + paragraphs[0]).encode(),
                          digest_size=8).hexdigest()
    body = "\n\n".join(paragraphs)
    return Imported("article", fields, body, f"text:{key}"), notes


def _read_chrome(lines: list[str], as_of: datetime, found: dict, notes: list[str]) -> int:
    """Classify the lines above the body; returns the index where the body starts."""
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            if found["headline"]:
                return i
            continue
        if found["headline"]:  # the headline ran over two lines
            found["headline"] += " " + line
            continue
        if not _chrome_line(line, as_of, found, notes):
            found["headline"] = line
    return len(lines)


def _chrome_line(line: str, as_of: datetime, found: dict, notes: list[str]) -> bool:
    low = line.lower().rstrip(":")
    if low in MENU_ITEMS:
        return True
    if low in IMAGE_LABELS:
        notes.append(f"featured image: the text names one (`{line}`) but carries no file; "
                     "add `image:` by hand")
        return True
    if m := _CATEGORY.match(line):
        found["categories"] += [c.strip() for c in re.split(r"\s*[•·▪●|]\s*", m.group(1))
                                if c.strip()]
        return True
    if m := _BYLINE.match(line):
        found["authors"] += [a.strip() for a in re.split(r",\s*|\s+(?:and|y)\s+", m.group(1))
                             if a.strip()]
        return True
    when = parse_relative_date(line, as_of)
    if when is not None:
        found["date"] = when
        return True
    if _DOMAIN.match(line) or (len(line.split()) <= 3 and not found["chrome"]):
        found["chrome"].append(line)  # the site name heads the page
        return True
    return False


def _paragraphs(lines: list[str]) -> list[str]:
    paragraphs, current = [], []
    for raw in lines + [""]:
        line = raw.strip()
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return paragraphs
