"""Cleaning what writers paste in: characters XML forbids, and HTML from contributors.

Articles are written by people who paste from word processors, chat apps and the web.
Control characters that XML 1.0 forbids would make every feed unreadable, so they are
removed (with a warning) when a file is read. Sites that publish contributed content can
set `sanitize_html: true`; the Markdown's HTML then goes through nh3 (the Rust ammonia
sanitiser), which keeps ordinary markup and drops scripts, event handlers (`onerror`)
and links to `javascript:` or `data:` URLs.
"""

from __future__ import annotations

import re

# XML 1.0 forbids C0 controls except tab, newline and carriage return, lone surrogates
# (which a YAML escape such as "\ud800" can produce) and U+FFFE/U+FFFF.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Attributes Python-Markdown writes that nh3's defaults would drop: heading ids (table
# of contents, anchors), classes (footnotes, code blocks), and language hints.
_EVERYWHERE = {"id", "class", "title", "lang", "dir"}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def strip_forbidden(text: str) -> tuple[str, int]:
    """The text without XML-forbidden characters, and how many were removed."""
    return XML_FORBIDDEN.subn("", text)


def first_forbidden_line(text: str) -> int | None:
    """The 1-based line of the first XML-forbidden character, None when there is none."""
    match = XML_FORBIDDEN.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def clean_html(fragment: str) -> str:
    """Article HTML with everything that could run script removed."""
    import nh3  # imported here: only sites that ask for sanitising need it installed

    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = set(_EVERYWHERE)
    # link_rel=None: internal links stay as written; only unsafe markup is changed.
    return nh3.clean(fragment, attributes=attributes, link_rel=None, url_schemes=_URL_SCHEMES)
