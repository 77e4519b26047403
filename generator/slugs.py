"""Slugs: the URL-safe names of articles, pages, categories, tags and authors."""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

# Apostrophes join a word ("Khamenei’s" -> "khameneis") instead of splitting it.
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_ASCII_JUNK = re.compile(r"[^a-z0-9]+")
_UNICODE_JUNK = re.compile(r"[^\w]+|_+")
_VALID = re.compile(r"^[\w-]+$")


def slugify(text: str, keep_unicode: bool = False) -> str:
    """A lowercase, hyphenated slug; transliterated to ASCII unless keep_unicode."""
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", text))
    if keep_unicode:
        return _UNICODE_JUNK.sub("-", text.lower()).strip("-")
    return _ASCII_JUNK.sub("-", anyascii(text).lower()).strip("-")


def is_valid_slug(slug: str) -> bool:
    """A given slug must be one path segment of letters, digits, hyphens or underscores."""
    return bool(_VALID.match(slug)) and slug.strip("-_") != ""


def slug_key(slug: str) -> str:
    """What two slugs must differ in to be different URLs (case and Unicode forms fold)."""
    return unicodedata.normalize("NFKC", slug).casefold()
