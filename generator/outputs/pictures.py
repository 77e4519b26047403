"""The markup of a picture: `<picture>` with a `srcset` per format, and its `<img>`.

The widths and formats offered follow from the image's facts alone (images.py), the
same rule the picture kind (outputs/images.py) plans its files by, so a page never names
a variant that was not made. Every `<img>` gets the picture's `width` and `height` (its aspect,
so nothing moves as it loads); the slot's `sizes` comes from the theme, which knows how
wide the slot is. Pictures are lazy but for the one that is the page's lead, which is
fetched first (`fetchpriority="high"`).

Images in article bodies get the same markup (`responsive_body`), except inside an
existing `<picture>` or with a `srcset` of their own: the writer chose those by hand.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markupsafe import Markup, escape

from generator.documents import Article, body_images
from generator.images import (
    CROPS,
    ENCODINGS,
    ImageFacts,
    fallback_format,
    variant_formats,
    variant_widths,
)
from generator.site import Site
from generator.urls import asset_url, crop_path, to_url, variant_path


def picture(
    site: Site,
    path: str,
    alt: str,
    sizes: str,
    eager: bool = False,
    css_class: str = "",
    focus: tuple[float, float] | None = None,
    extra: dict | None = None,
    lazy: bool | None = None,
) -> Markup:
    """The markup of the site image `path` (as front matter names it) in a slot of
    `sizes`: a `<picture>` (with `css_class`) around the `<img>` (with `extra`); no
    sources for an SVG, an animation or an image elsewhere. `eager` marks the page's
    lead picture (fetched first); others are lazy unless `lazy` is False (a logo)."""
    config = site.config
    facts = site.image(path)
    attrs: dict[str, str | None] = {}
    if eager:
        attrs["fetchpriority"] = "high"
    elif lazy is not False:
        attrs["loading"], attrs["decoding"] = "lazy", "async"
    attrs.update(extra or {})
    opening = f'<picture class="{escape(css_class)}">' if css_class else "<picture>"
    if focus is not None and focus != (0.5, 0.5):
        attrs["style"] = f"object-position: {focus[0] * 100:g}% {focus[1] * 100:g}%"
    widths = variant_widths(facts, config.images) if facts else ()
    if facts is None or not widths:
        return Markup(f"{opening}{_img(asset_url(config, path), alt, facts, attrs)}</picture>")
    rel = path.lstrip("/")
    sources = []
    for extension in variant_formats(facts, config.images)[:-1]:
        srcset = _srcset(site, rel, widths, extension)
        sources.append(f'<source type="{ENCODINGS[extension][1]}" srcset="{srcset}" sizes="{escape(sizes)}">')
    fallback = fallback_format(facts)
    middle = max((w for w in widths if w <= 1080), default=widths[0])
    attrs["srcset"] = _srcset(site, rel, widths, fallback)
    attrs["sizes"] = sizes
    img = _img(to_url(config, variant_path(rel, middle, fallback)), alt, facts, attrs)
    return Markup(f"{opening}{''.join(sources)}{img}</picture>")


def _srcset(site: Site, rel: str, widths: tuple[int, ...], extension: str) -> str:
    config = site.config
    return ", ".join(f"{to_url(config, variant_path(rel, w, extension))} {w}w" for w in widths)


def _img(src: str, alt: str, facts: ImageFacts | None, attrs: dict) -> Markup:
    shown: dict[str, str | None] = {"src": src, "alt": alt}
    if facts is not None:
        shown["width"], shown["height"] = str(facts.width), str(facts.height)
    shown.update(attrs)
    parts = "".join(f' {name}="{escape(value)}"' for name, value in shown.items() if value is not None)
    return Markup(f"<img{parts}>")


# --- Body images -----------------------------------------------------------------------

_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_PICTURE_BLOCK = re.compile(r"<picture\b.*?</picture\s*>", re.I | re.S)
# Attributes the body's own markup may carry over onto the responsive <img>.
_KEPT = ("title", "class", "id", "lang", "dir")


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        self.found = {k: v or "" for k, v in attrs}

    handle_startendtag = handle_starttag


def _attributes(tag: str) -> dict[str, str]:
    parser = _Attributes()
    parser.feed(tag)
    parser.close()
    return parser.found


def responsive_body(site: Site, body_html: str, sizes: str) -> Markup:
    """The body with each of the site's own raster images as a responsive picture."""
    if "<img" not in body_html.lower() or not site.images:
        return Markup(body_html)
    kept = [(m.start(), m.end()) for m in _PICTURE_BLOCK.finditer(body_html)]
    base = site.config.base_path

    def swap(match: re.Match) -> str:
        if any(start <= match.start() < end for start, end in kept):
            return match.group(0)
        attrs = _attributes(match.group(0))
        # The same reading of the tag as the document's body_images, which planned the
        # variants: a picture is rewritten only if its variants were made.
        rels = body_images(match.group(0), base)
        if "srcset" in attrs or not rels or rels[0] not in site.images:
            return match.group(0)
        extra = {k: attrs[k] for k in _KEPT if k in attrs}
        if "width" in attrs and "height" in attrs:  # the writer's own display size wins
            extra.update(width=attrs["width"], height=attrs["height"])
        return str(picture(site, rels[0], attrs.get("alt", ""), sizes, extra=extra))

    return Markup(_IMG_TAG.sub(swap, body_html))


def crop_paths(site: Site, story: Article) -> dict[str, str]:
    """Ratio -> path of the crops of a story's featured image (the picture kind
    makes them; structured data names them). A focal point other than the centre is in
    the name, as two stories may cut one photo differently."""
    rel = story.image.lstrip("/")
    facts = site.image(rel)
    if not site.config.images.enabled or facts is None or not facts.resizable:
        return {}
    focus = story.image_focus
    at = "" if focus is None else f"-{round(focus[0] * 100)}-{round(focus[1] * 100)}"
    return {ratio: crop_path(rel, ratio + at) for ratio in CROPS}
