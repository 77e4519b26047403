"""What a site's image files are: their type, pixel size and byte length, read by Pillow.

Feeds carry these facts (an enclosure's length and type, media:content's width and
height); a file that is not an image Pillow can read is a problem of the document that
names it, never a feed that lies about it. Only headers are read, once per file version.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, UnidentifiedImageError

# The raster formats feeds and link previews accept, with their media types.
RASTER_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
}
RASTER_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")


@dataclass(frozen=True)
class ImageFacts:
    """One image file as a feed describes it."""

    mime: str  # media type, e.g. image/jpeg
    width: int  # pixels
    height: int  # pixels
    length: int  # bytes


class NotAnImage(ValueError):
    """The file is missing, or not a raster image of RASTER_TYPES."""


def image_facts(path: str, stamp: str = "") -> ImageFacts:
    """The facts of the image at `path`; `stamp` (size and mtime) names its version, so
    an edited file is read again. Raises NotAnImage saying why."""
    return _facts(path, stamp)


@lru_cache(maxsize=4096)
def _facts(path: str, stamp: str) -> ImageFacts:
    try:
        with Image.open(path) as image:
            kind, (width, height) = image.format or "", image.size
        length = os.path.getsize(path)
    except FileNotFoundError:
        raise NotAnImage("the file does not exist") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise NotAnImage(f"it is not an image file ({exc.__class__.__name__})") from None
    if kind not in RASTER_TYPES:
        raise NotAnImage(f"it is a {kind or 'unknown'} file, not JPEG, PNG, GIF, WebP or AVIF")
    return ImageFacts(RASTER_TYPES[kind], width, height, length)
