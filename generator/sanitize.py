"""Cleaning what writers paste in: characters XML forbids, and HTML from contributors.

Articles are written by people who paste from word processors, chat apps and the web.
Control characters that XML 1.0 forbids would make every feed unreadable, so they are
removed (with a warning) when a file is read. Sites that publish contributed content can
set `sanitize_html: true`; the Markdown's HTML then goes through nh3 (the Rust ammonia
sanitiser), which keeps ordinary markup and drops scripts, event handlers (`onerror`)
and links to `javascript:` or `data:` URLs.

Without it (the default for a newsroom's own staff, who paste embed codes), raw HTML is
kept as written, with one exception that applies always: URLs that run script when
followed (`javascript:`, `vbscript:`) and `data:` URLs other than images are removed from
every attribute that holds a URL, in Markdown links and raw HTML alike. They are found as
a browser finds them: after decoding character references and dropping the tabs,
newlines and leading controls that browsers ignore inside a scheme.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# XML 1.0 forbids C0 controls except tab, newline and carriage return, lone surrogates
# (which a YAML escape such as "\ud800" can produce) and U+FFFE/U+FFFF.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Attributes Python-Markdown writes that nh3's defaults would drop: heading ids (table
# of contents, anchors), classes (footnotes, code blocks), and language hints.
_EVERYWHERE = {"id", "class", "title", "lang", "dir"}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def xml_safe(text: str) -> str:
    """The text without XML-forbidden characters (feeds and sitemaps carry only these)."""
    return XML_FORBIDDEN.sub("", text)


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


# Attributes whose value a browser follows or loads as a URL.
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "data",
        "poster",
        "background",
        "cite",
        "codebase",
        "longdesc",
        "lowsrc",
        "dynsrc",
        "ping",
    }
)
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "livescript:")
# data: images are fine where an image is loaded (they cannot run script there).
IMAGE_DATA = re.compile(r"data:image/(?:png|jpe?g|gif|webp|avif|bmp);", re.IGNORECASE)
IMAGE_ATTRIBUTES = frozenset({"src", "poster", "lowsrc", "dynsrc", "background"})
# A cheap look for a URL attribute at all; only pages where one holds a dangerous value
# are parsed for real.
_URL_VALUE = re.compile(
    r"""(?i)(?<![\w-])(href|src|action|formaction|xlink:href|data|poster|"""
    r"""background|cite|codebase|longdesc|lowsrc|dynsrc|ping)\s*=\s*"""
    r"""("[^"]*"|'[^']*'|[^\s"'=<>`]+)"""
)
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def is_dangerous_url(name: str, value: str) -> bool:
    """Whether a (decoded) URL attribute value would run script or smuggle a document."""
    url = _IGNORED_IN_SCHEME.sub("", value).lower()
    if url.startswith(SCRIPT_SCHEMES):
        return True
    if url.startswith("data:"):
        return not (name in IMAGE_ATTRIBUTES and IMAGE_DATA.match(url))
    return False


def strip_script_urls(fragment: str) -> str:
    """The HTML with every dangerous URL attribute removed; unchanged bytes otherwise."""
    if not any(
        is_dangerous_url(m.group(1).lower(), html.unescape(m.group(2).strip("\"'")))
        for m in _URL_VALUE.finditer(fragment)
    ):
        return fragment
    finder = _DangerousTags()
    finder.feed(fragment)
    finder.close()
    pieces, last = [], 0
    for start, end, tag in finder.replacements:
        pieces += [fragment[last:start], tag]
        last = end
    return "".join(pieces) + fragment[last:]


class _DangerousTags(HTMLParser):
    """Finds start tags with a dangerous URL attribute and writes them again without it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.replacements: list[tuple[int, int, str]] = []
        self._line_starts = [0]

    def feed(self, data: str) -> None:
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", data)]
        super().feed(data)

    def handle_starttag(self, tag, attrs) -> None:
        self._check(tag, attrs, "")

    def handle_startendtag(self, tag, attrs) -> None:
        self._check(tag, attrs, " /")

    def _check(self, tag: str, attrs: list, close: str) -> None:
        kept = [
            (n, v) for n, v in attrs if not (n in URL_ATTRIBUTES and v is not None and is_dangerous_url(n, v))
        ]
        if len(kept) == len(attrs):
            return
        text = self.get_starttag_text() or ""
        line, column = self.getpos()
        start = self._line_starts[line - 1] + column
        written = "".join(f" {n}" if v is None else f' {n}="{html.escape(v, quote=True)}"' for n, v in kept)
        self.replacements.append((start, start + len(text), f"<{tag}{written}{close}>"))


_ANCHOR = re.compile(r"<a\b[^>]*>", re.I)
_HREF = re.compile(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_REL = re.compile(r"""\srel\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def mark_sponsored(fragment: str) -> str:
    """Every link that leaves the site (an absolute http(s) address) with `rel` carrying
    "sponsored", as search engines ask of paid content."""

    def mark(match: re.Match) -> str:
        tag = match.group(0)
        href = _HREF.search(tag)
        target = next((g for g in href.groups() if g is not None), "") if href else ""
        if not target.lower().startswith(("http://", "https://", "//")):
            return tag
        rel = _REL.search(tag)
        if rel is None:
            return tag[:-1].rstrip("/").rstrip() + ' rel="sponsored">'
        words = next(g for g in rel.groups() if g is not None).split()
        if "sponsored" in words:
            return tag
        return tag[: rel.start()] + f' rel="{" ".join([*words, "sponsored"])}"' + tag[rel.end() :]

    return _ANCHOR.sub(mark, fragment)
