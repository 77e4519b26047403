"""HTML article bodies to Markdown, for imports from feeds and WordPress.

Covers what article bodies are made of (paragraphs, headings, emphasis, links, images,
lists, quotes, code, line breaks). Anything else (tables, embeds, iframes) is kept as
raw HTML, which Markdown passes through, and named in `kept` so the import can report
it. Scripts and styles are dropped: a news body never needs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "section", "article", "figure", "figcaption", "header", "footer", "main", "aside"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_INLINE_MARK = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`", "del": "~~", "s": "~~"}
_TRANSPARENT = {
    "span",
    "u",
    "small",
    "sup",
    "sub",
    "abbr",
    "cite",
    "time",
    "mark",
    "font",
    "picture",
    "source",
    "html",
    "body",
    "tbody",
    "thead",
}
_DROPPED = {"script", "style", "noscript", "template", "head"}
_VOID = {"br", "img", "hr", "source", "input", "meta", "link", "wbr", "col", "embed"}
_ESCAPE = re.compile(r"([\\`*_\[\]<>])")
_BREAK = "\x00br\x00"  # survives whitespace folding; becomes a Markdown hard break
_LINE_START = re.compile(r"^(\s*)([#>+-]|\d+\.)(?=\s)", re.M)


@dataclass
class Node:
    """An element of the parsed fragment."""

    tag: str  # lower-case tag name, "" for the root
    attrs: dict = field(default_factory=dict)  # attribute values
    children: list = field(default_factory=list)  # Nodes and text strings
    raw: str = ""  # the element's source, for tags kept as HTML


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:  # close it and whatever was left open inside
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


@dataclass
class Conversion:
    """The Markdown text and the tags that had to stay HTML or were dropped."""

    markdown: str
    kept: list[str] = field(default_factory=list)  # tag names kept as raw HTML
    dropped: list[str] = field(default_factory=list)  # tag names removed


def html_to_markdown(fragment: str) -> Conversion:
    builder = _TreeBuilder()
    builder.feed(fragment)
    builder.close()
    conv = Conversion("")
    text = _blocks(builder.root, conv)
    text = text.replace(" " + _BREAK + " ", _BREAK).replace(_BREAK, "  \n")
    conv.markdown = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return conv


def _blocks(node: Node, conv: Conversion, depth: int = 0) -> str:
    """Block-level rendering: children become paragraphs separated by blank lines."""
    out: list[str] = []
    inline: list[str] = []

    def flush():
        text = " ".join("".join(inline).split()) if inline else ""
        if text:
            out.append(text)
        inline.clear()

    for child in node.children:
        tag = child.tag if isinstance(child, Node) else None
        if (
            tag in _BLOCKS
            or tag in _HEADINGS
            or tag in ("ul", "ol", "blockquote", "pre", "hr", "table", "iframe", "video", "audio")
            or tag in _DROPPED
        ):
            flush()
            out.append(_block(child, conv, depth))
        else:
            inline.append(_inline(child, conv))
    flush()
    return "\n\n".join(b for b in out if b.strip())


def _block(node: Node, conv: Conversion, depth: int) -> str:
    tag = node.tag
    if tag in _DROPPED:
        conv.dropped.append(tag)
        return ""
    if tag in _HEADINGS:
        return "#" * _HEADINGS[tag] + " " + _inline_children(node, conv)
    if tag in ("ul", "ol"):
        return _list(node, conv, depth)
    if tag == "blockquote":
        inner = _blocks(node, conv, depth)
        return "\n".join(("> " + line) if line else ">" for line in inner.splitlines())
    if tag == "pre":
        # Fenced, not indented: an indented block after a list would join the list.
        return "```\n" + _text_of(node).strip("\n") + "\n```"
    if tag == "hr":
        return "---"
    if tag in ("table", "iframe", "video", "audio"):
        conv.kept.append(tag)
        return _to_html(node)
    return _blocks(node, conv, depth)


def _list(node: Node, conv: Conversion, depth: int) -> str:
    lines = []
    number = 1
    for item in node.children:
        if not isinstance(item, Node) or item.tag != "li":
            continue
        marker = f"{number}. " if node.tag == "ol" else "- "
        number += 1
        inner = _blocks(item, conv, depth + 1).splitlines() or [""]
        pad = " " * len(marker)
        lines.append(marker + inner[0])
        lines += [(pad + line) if line else "" for line in inner[1:]]
    return "\n".join(lines)


def _inline_children(node: Node, conv: Conversion) -> str:
    return " ".join("".join(_inline(c, conv) for c in node.children).split())


def _inline(child, conv: Conversion) -> str:
    if isinstance(child, str):
        return _LINE_START.sub(r"\1\\\2", _ESCAPE.sub(r"\\\1", child))
    tag = child.tag
    if tag == "br":
        return f" {_BREAK} "
    if tag == "img":
        alt = child.attrs.get("alt", "").replace("]", "")
        return f"![{alt}]({child.attrs.get('src', '')})"
    text = _inline_children(child, conv)
    if tag == "a":
        href = child.attrs.get("href", "")
        return f"[{text}]({href})" if href and text else text
    if tag in _INLINE_MARK and text:
        mark = _INLINE_MARK[tag]
        return f"{mark}{text}{mark}"
    if tag in _DROPPED:
        conv.dropped.append(tag)
        return ""
    if tag not in _TRANSPARENT and tag not in _INLINE_MARK and tag != "li":
        conv.kept.append(tag)  # unknown inline tag: its text survives, the tag does not
    return text


def _text_of(node) -> str:
    if isinstance(node, str):
        return node
    return "".join(_text_of(c) for c in node.children)


def _to_html(node) -> str:
    from html import escape

    if isinstance(node, str):
        return escape(node, quote=False)
    attrs = "".join(f' {k}="{escape(v)}"' for k, v in node.attrs.items())
    if node.tag in _VOID:
        return f"<{node.tag}{attrs}>"
    inner = "".join(_to_html(c) for c in node.children)
    return f"<{node.tag}{attrs}>{inner}</{node.tag}>"
