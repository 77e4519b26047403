"""The template codes other systems leave in article text, made into what they meant.

WordPress shortcodes (`[caption]`, `[gallery]`, `[audio]`, `[video]`, `[embed]`), Liquid
tags of Jekyll (`{% raw %}`, `{% link %}`, `{% post_url %}`, `{% highlight %}`) and Hugo
shortcodes (`{{< figure >}}`, `{{< youtube >}}`, `{{< tweet >}}`, `{{< ref >}}`, ...) are
converted where their meaning is clear. Every other one is left in the text, unchanged,
and named with its line, so the import report says where a person must look; the build
warns about any left over (documents.template_code_lines).
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Callable

# WordPress ---------------------------------------------------------------------------------

_WP_CAPTION = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.S | re.I)
_WP_SINGLE = re.compile(r"\[(gallery|audio|video|embed|playlist)\b([^\]]*)\](?:(.*?)\[/\1\])?", re.S | re.I)
_WP_ANY = re.compile(r"\[(/?)([a-z][\w-]*)((?:\s+[\w-]+=(?:\"[^\"]*\"|'[^']*'|[^\s\]]+))*)\s*/?\]", re.I)
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'\]>]+))""")
# Shortcodes of WordPress itself and of widespread plugins: a bracket word that is one of
# these, or that has a closing tag, is a shortcode; "[1]" or "[sic]" in a sentence is not.
_WP_KNOWN = {"caption", "gallery", "audio", "video", "embed", "playlist", "wp_caption", "contact-form-7"}


def attributes(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): html.unescape(next(g for g in m.groups()[1:] if g is not None))
        for m in _ATTR.finditer(text)
    }


def wordpress(body: str, attachments: dict[str, dict]) -> tuple[str, list[str]]:
    """`body` (HTML) with WordPress's own shortcodes made into HTML; notes on the rest.
    `attachments` is post id -> {"url", "alt", "caption"} of the export's media."""
    notes: list[str] = []

    def caption(match: re.Match) -> str:
        inner = match.group(2)
        img = _IMG.search(inner)
        if img is None:
            notes.append(f"line {_line(body, match.start())}: [caption] without a picture kept as text")
            return inner
        words = html.unescape(re.sub(r"<[^>]+>", "", inner[img.end() :])).strip()
        return f"<figure>{img.group(0)}<figcaption>{html.escape(words)}</figcaption></figure>"

    def single(match: re.Match) -> str:
        name, attrs, inner = (
            match.group(1).lower(),
            attributes(match.group(2)),
            (match.group(3) or "").strip(),
        )
        if name == "gallery":
            ids = [i.strip() for i in attrs.get("ids", attrs.get("include", "")).split(",") if i.strip()]
            found = [attachments[i] for i in ids if i in attachments]
            if not found:
                notes.append(f"line {_line(body, match.start())}: [gallery] names no picture of the export")
                return ""
            return "\n".join(_figure(a["url"], a.get("alt", ""), a.get("caption", "")) for a in found)
        if name in ("audio", "video"):
            src = inner or next(
                (v for k, v in attrs.items() if k in ("src", "mp3", "m4a", "ogg", "wav", "mp4", "webm")), ""
            )
            if not src:
                notes.append(f"line {_line(body, match.start())}: [{name}] without a file dropped")
                return ""
            return f'<p><{name} controls preload="none" src="{html.escape(src)}"></{name}></p>'
        if name == "embed" and inner:
            return f'<p><a href="{html.escape(inner)}">{html.escape(inner)}</a></p>'
        notes.append(f"line {_line(body, match.start())}: [{name}] not converted; kept as text")
        return match.group(0)

    body = _WP_CAPTION.sub(caption, body)
    body = _WP_SINGLE.sub(single, body)
    for match in _WP_ANY.finditer(body):
        name = match.group(2).lower()
        closed = f"[/{name}]" in body.lower()
        if not match.group(1) and (name in _WP_KNOWN or closed or match.group(3)):
            notes.append(f"line {_line(body, match.start())}: shortcode [{name}] not converted; kept as text")
    return body, notes


def _figure(url: str, alt: str, caption: str) -> str:
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{html.escape(url)}" alt="{html.escape(alt)}">{cap}</figure>'


# Jekyll (Liquid) ---------------------------------------------------------------------------

_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.S)
_HIGHLIGHT = re.compile(r"\{%-?\s*highlight\s+([\w+-]+)[^%]*%\}\n?(.*?)\{%-?\s*endhighlight\s*-?%\}", re.S)
_LINK_TAG = re.compile(r"\{%-?\s*(link|post_url)\s+([^\s%]+)\s*-?%\}")
_LIQUID = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)


def liquid(text: str, link_of: Callable[[str, str], str | None]) -> tuple[str, list[str]]:
    """Jekyll Markdown with its Liquid tags converted: raw blocks unwrapped, highlight
    blocks fenced, `{% link %}` and `{% post_url %}` made the new links (`link_of(kind,
    target)`, None when the target is not imported). Notes name what is left, by line."""
    notes: list[str] = []
    kept: list[str] = []

    def hold(match: re.Match) -> str:  # raw text must not be read as Liquid
        kept.append(match.group(1))
        return f"\x00raw{len(kept) - 1}\x00"

    text = _RAW.sub(hold, text)
    text = _HIGHLIGHT.sub(lambda m: f"```{m.group(1)}\n{m.group(2).rstrip()}\n```", text)

    def link(match: re.Match) -> str:
        found = link_of(match.group(1), match.group(2))
        if found is None:
            notes.append(
                f"line {_line(text, match.start())}: `{match.group(0)}` names a post that was not imported"
            )
            return match.group(0)
        return found

    text = _LINK_TAG.sub(link, text)
    for match in _LIQUID.finditer(text):
        at = _line(text, match.start())
        notes.append(f"line {at}: Liquid `{_short(match.group(0))}` not converted; kept as text")
    return re.sub(r"\x00raw(\d+)\x00", lambda m: kept[int(m.group(1))], text), notes


# Hugo --------------------------------------------------------------------------------------

_HUGO = re.compile(r"\{\{([<%])\s*(/?)([\w-]+)(.*?)\s*[>%]\}\}", re.S)
_HUGO_PAIR = re.compile(
    r"\{\{[<%]\s*(highlight)\s+([\w+-]+)[^}]*[>%]\}\}\n?(.*?)\{\{[<%]\s*/highlight\s*[>%]\}\}", re.S
)


def hugo(
    text: str, link_of: Callable[[str, str], str | None], picture_of: Callable[[str], str]
) -> tuple[str, list[str]]:
    """Hugo Markdown with its common shortcodes converted: figure, youtube, vimeo, tweet,
    x, instagram, ref and relref (`link_of("ref", target)`), highlight. `picture_of`
    gives the new path of a page bundle's picture. Notes name what is left, by line."""
    notes: list[str] = []
    text = _HUGO_PAIR.sub(lambda m: f"```{m.group(2)}\n{m.group(3).rstrip()}\n```", text)

    def convert(match: re.Match) -> str:
        closing, name, rest = match.group(2), match.group(3).lower(), match.group(4)
        attrs = attributes(rest)
        try:
            words = [w for w in shlex.split(rest) if "=" not in w]
        except ValueError:
            words = []
        first = words[0] if words else ""
        line = _line(text, match.start())
        if closing:
            notes.append(f"line {line}: closing shortcode {{{{< /{name} >}}}} kept as text")
            return match.group(0)
        if name == "figure":
            src = picture_of(attrs.get("src", first))
            return (
                "\n" + _figure(src, attrs.get("alt", ""), attrs.get("caption", attrs.get("title", ""))) + "\n"
            )
        if name == "youtube" and (attrs.get("id") or first):
            video = attrs.get("id") or first
            return f"[Watch on YouTube](https://www.youtube.com/watch?v={video})"
        if name == "vimeo" and (attrs.get("id") or first):
            return f"[Watch on Vimeo](https://vimeo.com/{attrs.get('id') or first})"
        if name in ("tweet", "x") and (attrs.get("id") or len(words) >= 2):
            user, post = (attrs.get("user"), attrs.get("id")) if "id" in attrs else (words[0], words[1])
            return f"[Post by @{user}](https://x.com/{user}/status/{post})"
        if name == "instagram" and (attrs.get("id") or first):
            return f"[See on Instagram](https://www.instagram.com/p/{attrs.get('id') or first}/)"
        if name in ("ref", "relref") and first:
            found = link_of("ref", first)
            if found is not None:
                return found
            notes.append(f"line {line}: {{{{< {name} {first} >}}}} names a page that was not imported")
            return match.group(0)
        notes.append(f"line {line}: shortcode `{_short(match.group(0))}` not converted; kept as text")
        return match.group(0)

    return _HUGO.sub(convert, text), notes


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


def _short(code: str) -> str:
    flat = " ".join(code.split())
    return flat if len(flat) <= 60 else flat[:57] + "..."
