"""Drawn pictures: link-preview cards for pages without a photo, and the site's icons.

A share card is 1200x630 (what link previews show at full width): the site's name or
logo above the headline, wrapped to at most four lines and shrunk to fit. Text is drawn
in the first font of FONTS that has a glyph for every character of it; Pillow's own
font, which covers little beyond ASCII, comes last. A headline no font can draw would
come out as boxes: the card then shows the site's name alone (`covered` says which).

Cards are drawn the same way from the same text and fonts, so their bytes depend on
`drawing_digest()` too, which names the layout and the font files in use.
"""

from __future__ import annotations

import io
import os
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from generator.images import SHARE_SIZE

# Bold sans-serif faces with wide coverage where Debian, Fedora, macOS and Windows keep
# them; NEWSGEN_CARD_FONT names another first.
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "C:/Windows/Fonts/arialbd.ttf",
)
STYLE = 3  # bumped whenever the layout changes, so every card is drawn again
INK = (255, 255, 255)
PAPER = (20, 33, 61)  # the theme's dark navy
MARGIN = 72
MAX_LINES = 4
# A character no font has, whose drawing is the font's "missing glyph" box.
_MISSING = "\U000f0000"


def _font_files() -> list[str]:
    first = os.environ.get("NEWSGEN_CARD_FONT", "")
    return [p for p in (first, *FONTS) if p and os.path.isfile(p)]


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path == "":
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def drawing_digest() -> str:
    """The layout's version and the font files cards may be drawn in, with their sizes:
    part of every drawn picture's fingerprint."""
    fonts = "|".join(f"{p}:{os.path.getsize(p)}" for p in _font_files())
    return f"{STYLE}|{fonts}|pillow-{Image.__version__}"


@lru_cache(maxsize=8192)
def _has_glyph(path: str, char: str) -> bool:
    font = _font(path, 40)
    if char.isspace():
        return True
    mask = font.getmask(char)
    missing = font.getmask(_MISSING)
    return (mask.size, bytes(mask)) != (missing.size, bytes(missing))


def font_for(text: str) -> str | None:
    """The first font path ("" for Pillow's own) with every character of `text`."""
    chars = set(text)
    for path in (*_font_files(), ""):
        if all(_has_glyph(path, c) for c in chars):
            return path
    return None


def covered(text: str) -> bool:
    """Whether some font can draw all of `text` (else a card shows the name alone).
    Printable ASCII is in every font here, Pillow's own too: most headlines need no look."""
    return (text.isascii() and text.isprintable()) or font_for(text) is not None


def share_card(headline: str, site_name: str, logo: bytes | None = None) -> bytes:
    """A 1200x630 JPEG: logo or site name, then the headline; the name alone, large,
    when the headline is "" or cannot be drawn."""
    headline_font = font_for(headline) if headline else None
    if headline_font is None:
        card = _backdrop(site_name, logo, centred=True)[0].copy()
    else:
        backdrop, top = _backdrop(site_name, logo, centred=False)
        card = backdrop.copy()
        width, height = SHARE_SIZE
        draw = ImageDraw.Draw(card)
        _headline(draw, headline, headline_font, top + 40, width - 2 * MARGIN, height - top - 40 - MARGIN)
    out = io.BytesIO()
    # Baseline JPEG: flat colour and text gain nothing from an optimised or progressive one.
    card.save(out, "JPEG", quality=88)
    return out.getvalue()


@lru_cache(maxsize=4)
def _backdrop(site_name: str, logo: bytes | None, centred: bool) -> tuple[Image.Image, int]:
    """The card without its headline, drawn once per site (every card shares it), and
    the y below its masthead."""
    card = Image.new("RGB", SHARE_SIZE, PAPER)
    draw = ImageDraw.Draw(card)
    width, height = SHARE_SIZE
    if not centred:
        return card, _masthead(card, draw, site_name, logo, (MARGIN, MARGIN), 40, centred=False)
    below = _masthead(card, draw, "" if logo else site_name, logo, (width // 2, height // 2 - 40), 72, True)
    name_font = font_for(site_name) if logo else None
    if name_font is not None:
        draw.text((width // 2, below + 60), site_name, font=_font(name_font, 56), fill=INK, anchor="mm")
    return card, below


def _masthead(
    card, draw, name: str, logo: bytes | None, at: tuple[int, int], size: int, centred: bool
) -> int:
    """Draw the logo (on a light plate) or the name; returns the y below it."""
    x, y = at
    if logo:
        mark = Image.open(io.BytesIO(logo)).convert("RGBA")
        mark.thumbnail((420 if centred else 300, 160 if centred else 90))
        plate = Image.new("RGBA", (mark.width + 32, mark.height + 24), (255, 255, 255, 255))
        plate.alpha_composite(mark, (16, 12))
        left = x - plate.width // 2 if centred else x
        top = y - plate.height // 2 if centred else y
        card.paste(plate.convert("RGB"), (left, top))
        return top + plate.height
    path = font_for(name) if name else None
    if path is None:
        return y
    font = _font(path, size)
    anchor = "mm" if centred else "la"
    draw.text((x, y), name, font=font, fill=INK, anchor=anchor)
    box = draw.textbbox((x, y), name, font=font, anchor=anchor)
    return box[3]


def _headline(draw, text: str, path: str, top: int, width: int, height: int) -> None:
    for size in (76, 68, 60, 54, 48, 42):
        font = _font(path, size)
        lines = wrap(text, lambda s, f=font: f.getlength(s), width)
        line_height = int(size * 1.22)
        if len(lines) <= MAX_LINES and len(lines) * line_height <= height:
            break
    lines = lines[:MAX_LINES]
    if len(wrap(text, lambda s: font.getlength(s), width)) > MAX_LINES:
        lines[-1] = _ellipsis(lines[-1], font, width)
    for n, line in enumerate(lines):
        draw.text((MARGIN, top + n * line_height), line, font=font, fill=INK)


def wrap(text: str, length, width: float) -> list[str]:
    """Words in lines no longer than `width` (as `length` measures); a word longer than
    a line is cut where it must be."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if length(trial) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        while length(word) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and length(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _ellipsis(line: str, font, width: float) -> str:
    while line and font.getlength(line + "…") > width:
        line = line[:-1].rstrip()
    return line + "…"


def icon(size: int, site_name: str, logo: bytes | None = None) -> bytes:
    """A square PNG icon: the logo fitted on white, or the name's first letter."""
    if logo:
        mark = Image.open(io.BytesIO(logo)).convert("RGBA")
        mark.thumbnail((size, size), Image.Resampling.LANCZOS)
        square = Image.new("RGBA", (size, size), (255, 255, 255, 255))
        square.alpha_composite(mark, ((size - mark.width) // 2, (size - mark.height) // 2))
    else:
        square = Image.new("RGBA", (size, size), (*PAPER, 255))
        letter = next((c for c in site_name if c.isalnum()), "")
        path = font_for(letter) if letter else None
        if path is not None:
            ImageDraw.Draw(square).text(
                (size / 2, size / 2),
                letter.upper(),
                font=_font(path, int(size * 0.62)),
                fill=INK,
                anchor="mm",
            )
    out = io.BytesIO()
    square.convert("RGB").save(out, "PNG", optimize=True)
    return out.getvalue()
