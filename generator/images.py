"""Pictures as the site publishes them: their facts, their variants, their crops.

Every raster file under content/static/ is read once per version (by size and mtime)
into `ImageFacts`: type, pixel size as displayed (EXIF orientation applied), whether it
is animated or transparent, and what the published copy weighs. From the facts alone
follow the variant widths and formats a page may offer (`variant_widths`,
`variant_formats`), so the markup and the files can never disagree.

Privacy invariant: no published raster image carries EXIF, XMP, IPTC or GPS data
unless the site asks for originals as they are (`images.keep_metadata`), and variants
never do. Orientation is applied to the pixels before the EXIF that held it is
dropped; the colour profile is kept.

Failure modes, each a `NotAnImage` or `BadImage` saying why, which callers turn into a
problem naming the file: a missing file, one that is not an image or is named for
another type (`.jpg` holding a PNG is read as the PNG it is), a truncated or corrupt
file (found when its pixels are decoded), and a decompression bomb over Pillow's pixel
limit (refused from the header, before any pixel is allocated).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache, partial
from xml.etree import ElementTree

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError, features

from generator.cache import ImageStore
from generator.config import ImageSettings

# The raster formats pages, feeds and link previews accept, with their media types.
RASTER_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
}
RASTER_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")
SVG_TYPE = "image/svg+xml"
# Output formats: file extension -> (Pillow format, media type).
ENCODINGS = {
    "avif": ("AVIF", "image/avif"),
    "webp": ("WEBP", "image/webp"),
    "jpg": ("JPEG", "image/jpeg"),
    "png": ("PNG", "image/png"),
}
# Social cards and the crops search engines ask of news images: name -> (width, height).
CROPS = {"16x9": (1200, 675), "4x3": (1200, 900), "1x1": (1200, 1200)}
SHARE_SIZE = (1200, 630)
# EXIF tags: GPS block and orientation.
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
# What identifies the encoders: a variant made by another Pillow may differ.
ENCODER = f"pillow-{Image.__version__}"


class NotAnImage(ValueError):
    """The file is missing, or not a raster image of RASTER_TYPES."""


class BadImage(ValueError):
    """The file's header reads but its pixels cannot be decoded, or are too many."""


@dataclass(frozen=True)
class ImageFacts:
    """One raster file as pages and feeds describe it."""

    mime: str  # media type of the published copy, e.g. image/jpeg
    width: int  # pixels across, as displayed (orientation applied)
    height: int  # pixels down, as displayed
    length: int  # bytes of the published copy
    animated: bool = False  # more than one frame: published as it is, never resized
    alpha: bool = False  # has transparency: its fallback variant is PNG, not JPEG
    digest: str = ""  # blake2b of the source bytes: caches and crops key on it
    gps: bool = False  # the source carries GPS data (published only with keep_metadata)

    @property
    def raster(self) -> bool:
        """Pixels, which variants are made of; an SVG is published as it is."""
        return self.mime != SVG_TYPE

    @property
    def resizable(self) -> bool:
        """A still raster picture: variants, crops and cards can be made of it."""
        return self.raster and not self.animated

    @property
    def shape(self) -> tuple:
        """What markup shows of the image: it changes when a page must."""
        return (self.width, self.height, self.mime, self.animated, self.alpha)


def image_facts(path: str, keep_metadata: bool = False) -> ImageFacts:
    """The facts of the image at `path`. Raises NotAnImage or BadImage saying why."""
    data = source_bytes(path)
    with _opened(data) as image:
        kind = image.format or ""
        if kind not in RASTER_TYPES:
            raise NotAnImage(f"it is a {kind or 'unknown'} file, not JPEG, PNG, GIF, WebP or AVIF")
        width, height = image.size
        if _orientation(image) in (5, 6, 7, 8):  # turned a quarter: displayed the other way
            width, height = height, width
        animated = getattr(image, "n_frames", 1) > 1
        alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        gps = _has_gps(image)
    digest = digest_of(data)
    length = len(data) if keep_metadata else len(published_copy(path, digest, data))
    return ImageFacts(RASTER_TYPES[kind], width, height, length, animated, alpha, digest, gps)


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class _opened:
    """Image.open on bytes, with Pillow's decompression-bomb warning as an error (a
    file over the limit would otherwise be decoded whole) and clear messages."""

    def __init__(self, data: bytes):
        self.data = data
        self.image: Image.Image | None = None

    def __enter__(self) -> Image.Image:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                self.image = Image.open(io.BytesIO(self.data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise BadImage(
                f"it has more pixels than the {Image.MAX_IMAGE_PIXELS:,} newsgen decodes "
                "(a decompression bomb, or a scan too large for the web)"
            ) from None
        except UnidentifiedImageError:
            raise NotAnImage("it is not an image file Pillow can read") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise NotAnImage(f"it is not a readable image ({exc})") from None
        return self.image

    def __exit__(self, *exc) -> None:
        if self.image is not None:
            self.image.close()


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_ORIENTATION, 1))
    except Exception:  # noqa: BLE001 - a broken EXIF block is no orientation
        return 1


def _has_gps(image: Image.Image) -> bool:
    try:
        exif = image.getexif()
        return bool(exif.get_ifd(_GPS_IFD)) or _GPS_IFD in exif
    except Exception:  # noqa: BLE001 - unreadable EXIF cannot be shown to hold GPS
        return False


def carries_gps(path) -> bool:
    """Whether the file at `path` is a picture with GPS data (False if unreadable)."""
    try:
        with Image.open(path) as image:
            return _has_gps(image)
    except Exception:  # noqa: BLE001 - what Pillow cannot read, no viewer shows a place of
        return False


def carries_metadata(image: Image.Image) -> bool:
    """Whether publishing the file as it is would publish EXIF, XMP, IPTC or comments."""
    info = image.info
    if any(key in info for key in ("exif", "xmp", "XML:com.adobe.xmp", "photoshop", "comment")):
        return True
    if image.format == "PNG" and any(k for k in info if isinstance(info.get(k), str)):
        return True  # tEXt/iTXt chunks: software, author, XMP packets
    try:
        return len(image.getexif()) > 0
    except Exception:  # noqa: BLE001
        return True


def published_copy(path: str, digest: str, data: bytes | None = None) -> bytes:
    """published_original, kept in the image store by the source's digest (read when the
    site's pictures are listed, written when the static file is)."""
    store = ImageStore()
    return store.get_or_make(store.key(digest, "original", ENCODER), lambda: published_original(path, data))


def published_original(path: str, data: bytes | None = None) -> bytes:
    """The bytes published for an original: the file itself when it carries no
    metadata, else the same pixels without it (JPEG re-saved with its own quantisation
    tables, so the picture does not degrade; orientation applied; colour profile kept).
    Animated files are published as they are but for their metadata, frame by frame."""
    if data is None:
        with open(path, "rb") as f:
            data = f.read()
    with _opened(data) as image:
        if not carries_metadata(image):
            return data
        try:
            return _without_metadata(image)
        except (OSError, ValueError, SyntaxError) as exc:
            raise BadImage(f"its pixels cannot be decoded ({exc})") from None


def _without_metadata(image: Image.Image) -> bytes:
    out = io.BytesIO()
    icc = image.info.get("icc_profile")
    kind = image.format
    if getattr(image, "n_frames", 1) > 1:
        frames = dict(save_all=True, loop=image.info.get("loop", 0), duration=image.info.get("duration"))
        image.save(out, kind, **{k: v for k, v in frames.items() if v is not None})
        return out.getvalue()
    turned = _orientation(image) != 1
    if kind == "JPEG" and not turned:
        image.save(out, "JPEG", quality="keep", subsampling="keep", qtables="keep", icc_profile=icc)
        return out.getvalue()
    upright = ImageOps.exif_transpose(image)
    options: dict = {"icc_profile": icc} if icc else {}
    if kind == "JPEG":
        upright.save(out, "JPEG", quality=92, **options)
    elif kind in ("WEBP", "AVIF"):
        upright.save(out, kind, quality=90, lossless=image.info.get("lossless", False), **options)
    else:
        upright.save(out, kind, **options)
    return out.getvalue()


# --- Variants ----------------------------------------------------------------------------


def variant_widths(facts: ImageFacts, settings: ImageSettings) -> tuple[int, ...]:
    """The widths an image is offered at: the configured ones below its own width, and
    its own width when that is within them; never upscaled. None for animations."""
    if not settings.enabled or not facts.resizable:
        return ()
    top = min(facts.width, max(settings.widths))
    return tuple(sorted({w for w in settings.widths if w < top} | {top}))


def available_formats(settings: ImageSettings) -> tuple[str, ...]:
    """The modern formats asked for that this Pillow encodes (AVIF needs libavif)."""
    return tuple(f for f in settings.formats if _encodes(f))


@lru_cache(maxsize=8)
def _encodes(extension: str) -> bool:
    # Asked for every picture of every page: the answer cannot change in a process.
    return bool(features.check(extension))


def fallback_format(facts: ImageFacts) -> str:
    """The format every browser shows: PNG for a PNG or GIF (charts, maps, screenshots:
    lossless for a reason) and for any transparent picture, JPEG otherwise."""
    return "png" if facts.alpha or facts.mime in ("image/png", "image/gif") else "jpg"


def variant_formats(facts: ImageFacts, settings: ImageSettings) -> tuple[str, ...]:
    """Extensions of the variants made of an image, best first, fallback last."""
    return (*available_formats(settings), fallback_format(facts))


@dataclass(frozen=True)
class Focus:
    """Where the subject of a picture is, as fractions of its width and height."""

    x: float = 0.5  # 0 is the left edge
    y: float = 0.5  # 0 is the top edge


def decode(data: bytes, largest: int = 0) -> Image.Image:
    """The picture upright in RGB or RGBA, decoded at a reduced scale when only
    `largest` pixels across are needed (JPEG's DCT scaling: a 24-megapixel photo is
    not decoded whole to make a 1440-pixel variant)."""
    with _opened(data) as image:
        try:
            if largest and image.format == "JPEG":
                ratio = largest / max(1, image.width)
                image.draft("RGB", (max(1, int(image.width * ratio)), max(1, int(image.height * ratio))))
            image.load()
            upright = ImageOps.exif_transpose(image)
            icc = image.info.get("icc_profile")
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise BadImage(f"its pixels cannot be decoded ({exc})") from None
        upright = _eight_bit(upright)
        if upright.mode == "CMYK":  # print colours: to sRGB through the file's own profile
            upright, icc = _cmyk_to_srgb(upright, icc), None
        alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        mode = "RGBA" if alpha else "RGB"
        if upright.mode != mode:  # greyscale, palette
            upright = upright.convert(mode)
        if icc:
            upright.info["icc_profile"] = icc
        return upright


def _cmyk_to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if source.profile.xcolor_space.strip() == "CMYK":
                converted = ImageCms.profileToProfile(
                    image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
                )
                if converted is not None:
                    return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: Pillow's plain conversion below
    return image.convert("RGB")


def _eight_bit(image: Image.Image) -> Image.Image:
    """16-bit greyscale scaled to 8 bits (a plain conversion would clip it to white)."""
    if image.mode.startswith("I"):
        return image.convert("I").point(lambda v: v / 256).convert("L")
    return image


def resized(image: Image.Image, width: int) -> Image.Image:
    height = max(1, round(image.height * width / image.width))
    if (width, height) == image.size:
        return image
    out = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    out.info = dict(image.info)
    return out


def cropped(image: Image.Image, size: tuple[int, int], focus: Focus) -> Image.Image:
    """The picture cut to the aspect of `size` around the focal point, then scaled to
    it (crops are the one place a picture may be scaled up: 1200 px is what sharing
    and search ask for)."""
    out = ImageOps.fit(image, size, Image.Resampling.LANCZOS, centering=(focus.x, focus.y))
    out.info = dict(image.info)
    return out


def encode(image: Image.Image, extension: str, quality: int) -> bytes:
    """The picture in one output format, with nothing but its colour profile."""
    kind = ENCODINGS[extension][0]
    out = io.BytesIO()
    options: dict = {}
    icc = image.info.get("icc_profile")
    if icc:
        options["icc_profile"] = icc
    if kind == "JPEG":
        if image.mode != "RGB":
            image = image.convert("RGB")
        options.update(quality=quality, optimize=True, progressive=True)
    elif kind == "WEBP":
        # Method 2 and AVIF's speed 8: a fraction of the defaults' time for a few per
        # cent more bytes (bench/RESULTS.md, Pictures).
        options.update(quality=quality, method=2)
    elif kind == "AVIF":
        options.update(quality=max(1, quality - 18), speed=8)
    else:
        options.update(optimize=True)
    image.save(out, kind, **options)
    return out.getvalue()


def source_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise NotAnImage("the file does not exist") from None
    except OSError as exc:
        raise NotAnImage(f"it cannot be read ({exc.strerror})") from None


# --- The catalog: facts of every raster file of the site ----------------------------------


def is_raster_name(rel: str) -> bool:
    return rel.lower().endswith(RASTER_EXTENSIONS)


_LENGTH = re.compile(r"^\s*([0-9.]+)\s*(px)?\s*$")


def svg_facts(path: str) -> ImageFacts:
    """An SVG's display size from its root's width and height (in px or unitless), else
    its viewBox; what its <img> gets as width and height. Raises NotAnImage."""
    try:
        _, root = next(iter(ElementTree.iterparse(path, events=("start",))))
    except StopIteration:
        raise NotAnImage("the SVG file is empty") from None
    except (ElementTree.ParseError, OSError) as exc:
        raise NotAnImage(f"it is not a readable SVG file ({exc})") from None
    if not root.tag.endswith("svg"):
        raise NotAnImage("it is not an SVG file (its first element is not <svg>)")
    width, height = (_LENGTH.match(root.get(name, "")) for name in ("width", "height"))
    if width and height:
        size = (float(width.group(1)), float(height.group(1)))
    else:
        box = (root.get("viewBox") or "").replace(",", " ").split()
        try:
            size = (float(box[2]), float(box[3]))
        except (IndexError, ValueError):
            raise NotAnImage("the SVG gives no width and height and no viewBox") from None
    if size[0] <= 0 or size[1] <= 0:
        raise NotAnImage("the SVG's width or height is not above zero")
    return ImageFacts(SVG_TYPE, round(size[0]) or 1, round(size[1]) or 1, os.path.getsize(path))


def catalog(
    statics, keep_metadata: bool, remembered: dict | None = None, fan_out=map
) -> tuple[dict[str, ImageFacts], dict[str, str], dict]:
    """(rel -> facts, rel -> why it is not a usable image, what to remember) for the
    picture files among `statics`. `remembered` is the third value of an earlier call: a
    file whose size, mtime and settings are as then is not read again. The others are
    read through `fan_out(fn, items)` (a map over worker processes)."""
    remembered = remembered or {}
    memo: dict = {}
    unread = []
    for s in statics:
        if not s.rel.lower().endswith(".svg") and not is_raster_name(s.rel):
            continue
        token = f"{s.stamp}|{keep_metadata}|{ENCODER}"
        known = remembered.get(s.rel)
        if known is not None and known[0] == token:
            memo[s.rel] = known
        else:
            unread.append((s, token))
    for (s, token), found in zip(unread, fan_out(partial(_read, keep_metadata), unread), strict=True):
        if found is not None:
            memo[s.rel] = (token, found)
    memo = {rel: memo[rel] for rel in sorted(memo)}
    facts = {rel: found for rel, (_, found) in memo.items() if isinstance(found, ImageFacts)}
    broken = {rel: found for rel, (_, found) in memo.items() if isinstance(found, str)}
    return facts, broken, memo


def _read(keep_metadata: bool, item) -> ImageFacts | str | None:
    """One file's facts, why it is no picture, or None for an SVG without a size
    (published as it is; its <img> only lacks width and height)."""
    s, _ = item
    svg = s.rel.lower().endswith(".svg")
    try:
        return svg_facts(s.source) if svg else image_facts(s.source, keep_metadata)
    except (NotAnImage, BadImage) as exc:
        return None if svg else str(exc)
