"""Markdown to HTML, with links written for the site's base path."""

from __future__ import annotations

import hashlib
import html
import re
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import BACKTICK_RE, LINK_RE
from markdown.inlinepatterns import InlineProcessor as _NewStylePattern
from markdown.treeprocessors import InlineProcessor, Treeprocessor

EXTENSIONS = ("extra", "sane_lists", "toc")
_EXTENSION_CONFIGS = {"toc": {"permalink": False}}


class _BasePathLinks(Treeprocessor):
    """Prefix root-relative links and images with the base path ("/x/" -> "/news/x/").

    Writers link to other articles as the site shows them at the domain root; when the
    site is published under a sub-path those links must carry it.
    """

    def __init__(self, md, base_path: str):
        super().__init__(md)
        self.base_path = base_path

    def run(self, root: Element) -> None:
        for element in root.iter():
            for attr in ("href", "src"):
                value = element.get(attr)
                if (
                    value
                    and value.startswith("/")
                    and not value.startswith("//")
                    and not value.startswith(self.base_path)
                ):
                    element.set(attr, self.base_path + value[1:])


class _BasePathExtension(Extension):
    def __init__(self, base_path: str):
        super().__init__()
        self.base_path = base_path

    def extendMarkdown(self, md):  # noqa: N802 (the Markdown API's name)
        md.treeprocessors.register(_BasePathLinks(md, self.base_path), "base_path_links", 1)


# Patterns that open with a lookbehind, which the regex engine cannot skip ahead for,
# and the character every match contains: the backtick pattern was half of all the
# searching on the bench corpus, the three link patterns ("(?<!\!)\[") most of the rest.
_NEEDS = {BACKTICK_RE: "`", LINK_RE: "["}


class _Needs:
    """A pattern's search, skipped when the text lacks a character every match has."""

    def __init__(self, regex, char: str):
        self.regex, self.char = regex, char

    def search(self, data: str, start: int):
        return self.regex.search(data, start) if self.char in data else None


def _search_of(pattern):
    """What finds the pattern's first match, or None for old-style patterns."""
    if not isinstance(pattern, _NewStylePattern):
        return None
    regex = pattern.getCompiledRegExp()
    char = _NEEDS.get(regex.pattern)
    return _Needs(regex, char) if char else regex


class _QuickInline(InlineProcessor):
    """Python-Markdown's inline pass, minus the calls that cannot match.

    The stock pass calls a Python method for every (text, pattern) pair, about 270 per
    article, and most find nothing: that overhead was a fifth of the conversion. A
    regex search for the pattern in the text says the same thing in C, so only the
    pairs that can match take the stock path; the HTML is the same.
    """

    def run(self, tree, ancestors=None):
        # The registry is fixed once the extensions are loaded; snapshot it per document.
        self._quick = [(p, _search_of(p)) for p in self.inlinePatterns]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        # Same loop as the stock method (name-mangled, so this overrides it), with the
        # search first: no match means the stock call returns (data, False, 0).
        if isinstance(data, markdown.util.AtomicString):
            return data
        start, quick = 0, self._quick
        while patternIndex < len(quick):
            pattern, regex = quick[patternIndex]
            if regex is not None and regex.search(data, start) is None:
                patternIndex, start = patternIndex + 1, 0
                continue
            # The name-mangled method of Markdown's own InlineProcessor (checked in __init__).
            data, matched, start = self._InlineProcessor__applyPattern(  # type: ignore[attr-defined]
                pattern, data, patternIndex, start
            )
            if not matched:
                patternIndex += 1
        return data


class _QuickInlineExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 (the Markdown API's name)
        md.treeprocessors.register(_QuickInline(md), "inline", 20)  # replaces the stock one


class MarkdownRenderer:
    """One reusable Markdown converter; not shared between threads."""

    def __init__(self, base_path: str = "/"):
        self.base_path = base_path
        extensions: list[str | markdown.Extension] = list(EXTENSIONS)
        # The quick pass overrides private methods: use it only where they are as expected.
        if all(
            hasattr(InlineProcessor, f"_InlineProcessor__{name}") for name in ("applyPattern", "handleInline")
        ):
            extensions.append(_QuickInlineExtension())
        if base_path != "/":
            extensions.append(_BasePathExtension(base_path))
        self._md = markdown.Markdown(extensions=extensions, extension_configs=_EXTENSION_CONFIGS)

    def __reduce__(self):
        return (MarkdownRenderer, (self.base_path,))  # rebuilt, not copied, in another process

    def render(self, text: str) -> str:
        self._md.reset()
        return self._md.convert(text)

    def settings_digest(self) -> str:
        """Changes when anything that shapes the HTML changes: cached HTML keys on it."""
        text = f"{markdown.__version__}|{EXTENSIONS}|{_EXTENSION_CONFIGS}|{self.base_path}"
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_TAGS = re.compile(r"<[^>]+>")


def first_paragraph_text(body_html: str) -> str:
    """The text of the first paragraph, for a summary the writer did not give."""
    match = _FIRST_PARAGRAPH.search(body_html)
    return plain_text(match.group(1)) if match else ""


def plain_text(fragment: str) -> str:
    return " ".join(html.unescape(_TAGS.sub("", fragment)).split())


_LINK_ATTR = re.compile(r"""(\s(?:href|src)=)(["'])/(?!/)""")


def absolutize(fragment: str, origin: str) -> str:
    """Make root-relative links and images absolute, for feed readers."""
    return _LINK_ATTR.sub(lambda m: f"{m.group(1)}{m.group(2)}{origin}/", fragment)
