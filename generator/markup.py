"""Markdown to HTML, with links written for the site's base path."""

from __future__ import annotations

import hashlib
import html
import re
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

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
                if value and value.startswith("/") and not value.startswith("//") \
                        and not value.startswith(self.base_path):
                    element.set(attr, self.base_path + value[1:])


class _BasePathExtension(Extension):
    def __init__(self, base_path: str):
        super().__init__()
        self.base_path = base_path

    def extendMarkdown(self, md):  # noqa: N802 (the Markdown API's name)
        md.treeprocessors.register(_BasePathLinks(md, self.base_path), "base_path_links", 1)


class MarkdownRenderer:
    """One reusable Markdown converter; not shared between threads."""

    def __init__(self, base_path: str = "/"):
        self.base_path = base_path
        extensions = [*EXTENSIONS, _BasePathExtension(base_path)] if base_path != "/" \
            else list(EXTENSIONS)
        self._md = markdown.Markdown(extensions=extensions, extension_configs=_EXTENSION_CONFIGS)

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
