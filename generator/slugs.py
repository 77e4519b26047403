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
# A slug is a folder name in the output, and file systems take 255 bytes a name (ext4,
# APFS, NTFS in UTF-16 units); the margin leaves room for a URL pattern's `.html`.
MAX_SLUG_BYTES = 200


def slugify(text: str, keep_unicode: bool = False) -> str:
    """A lowercase, hyphenated slug; transliterated to ASCII unless keep_unicode."""
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", text))
    if keep_unicode:
        return capped(_UNICODE_JUNK.sub("-", text.lower()).strip("-"))
    return capped(_ASCII_JUNK.sub("-", anyascii(text).lower()).strip("-"))


def capped(slug: str) -> str:
    """At most MAX_SLUG_BYTES of UTF-8, cut at a hyphen when one is near (a 5,000-character
    category must still make a folder the file system accepts)."""
    data = slug.encode("utf-8")
    if len(data) <= MAX_SLUG_BYTES:
        return slug
    cut = data[:MAX_SLUG_BYTES].decode("utf-8", errors="ignore")
    word = cut.rsplit("-", 1)[0]
    return (word if len(word) > MAX_SLUG_BYTES // 2 else cut).strip("-")


def is_valid_slug(slug: str) -> bool:
    """A given slug must be one path segment of letters, digits, hyphens or underscores,
    short enough for a file name."""
    return bool(_VALID.match(slug)) and slug.strip("-_") != "" and len(slug.encode("utf-8")) <= MAX_SLUG_BYTES


def slug_key(slug: str) -> str:
    """What two slugs must differ in to be different URLs (case and Unicode forms fold)."""
    return unicodedata.normalize("NFKC", slug).casefold()
