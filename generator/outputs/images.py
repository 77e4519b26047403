"""Picture files: resized variants, crops for search engines, share cards and icons.

Each file's fingerprint is what its pixels are made of: the source's digest (never its
mtime: a touched photo encodes nothing), the recipe and the encoder, and for drawn
cards the text and fonts. Encoded bytes are kept in the user's image store by the same
key, so a clean build, another output folder or a copy of the site encodes nothing
that was encoded before; the writer's worker pool does the encoding.

Which files exist follows the model: variants of every raster image a page shows
(featured images of stories and pages, images in bodies, the logo), crops of stories'
featured images, a share card for every story, page and the site (cut from its photo,
or drawn). A picture that cannot be decoded stops the build with a problem naming the
file.
"""

from __future__ import annotations

from functools import lru_cache

from generator import cards
from generator.cache import ImageStore
from generator.documents import Article, Page
from generator.errors import BuildError, Problem
from generator.images import (
    CROPS,
    ENCODER,
    SHARE_SIZE,
    BadImage,
    Focus,
    ImageFacts,
    NotAnImage,
    cropped,
    decode,
    encode,
    resized,
    source_bytes,
    variant_formats,
    variant_widths,
)
from generator.outputs.base import Facet, Output, OutputKind, Planner, Rendering, fingerprint
from generator.outputs.pictures import crop_paths
from generator.site import Site
from generator.sources import STATIC_DIR
from generator.urls import FAVICON_PNG, TOUCH_ICON, share_card_path, variant_path

ICONS = {FAVICON_PNG: 48, TOUCH_ICON: 180}


def shown_images(site: Site) -> list[str]:
    """Every raster image of the site that a page shows, each once, in a stable order."""
    found: dict[str, None] = {}
    docs: list[Article | Page] = [*site.articles, *site.pages]
    for doc in docs:
        if doc.image:
            found[doc.image.lstrip("/")] = None
        found.update(dict.fromkeys(doc.body_images))
    found.update(dict.fromkeys(p.photo.lstrip("/") for p in site.people.values() if p.photo))
    logo = site.config.logo.lstrip("/")
    if logo:
        found[logo] = None
    return sorted(rel for rel in found if rel in site.images and site.images[rel].resizable)


class Picture(OutputKind):
    """Every file made of one source picture's pixels, next to each other so that one
    worker decodes the source once: its variants (`images/a.jpg-720.webp`), for a
    story's featured image its crops (`images/a.jpg-16x9.jpg`), and the share card of
    each story or page it features (`2026/11/24/x/share.jpg`)."""

    name = "picture"
    shows = frozenset()  # a source's pixels: its digest is in every fingerprint
    # Which pictures pages show: featured (LISTS), in bodies (BODY), on pages (PAGES),
    # portraits (PEOPLE).
    plans_from = frozenset({Facet.LISTS, Facet.BODY, Facet.PAGES, Facet.PEOPLE})
    body_reads = ("body_images",)  # which pictures a body shows, not what it says

    def plan(self, planner: Planner):
        site = planner.site
        settings = site.config.images
        featuring = _featuring(site)
        for rel in shown_images(site):
            facts = site.images[rel]
            widths = variant_widths(facts, settings)
            for width in reversed(widths):  # largest first: each smaller one is made from it
                for extension in variant_formats(facts, settings):
                    recipe: tuple = ("variant", widths, width, extension, settings.quality)
                    yield _output(self, variant_path(rel, width, extension), rel, facts, recipe)
            crops: dict[str, tuple] = {}
            for doc in featuring.get(rel, ()):
                if isinstance(doc, Article):
                    for ratio, path in crop_paths(site, doc).items():
                        crops.setdefault(path, ("crop", widths, ratio, doc.image_focus, settings.quality))
            for path, recipe in crops.items():
                yield _output(self, path, rel, facts, recipe)
            for doc in featuring.get(rel, ()):
                recipe = ("share", widths, doc.image_focus, settings.quality)
                yield _output(self, share_card_path(doc.route), rel, facts, recipe)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        rel, _, recipe = output.key
        kind, widths, *rest = recipe

        def make() -> bytes:
            if kind == "variant":
                width, extension, quality = rest
                return encode(_resized(rendering, rel, widths, width), extension, quality)
            base = _crop_base(rendering, rel, widths)
            if kind == "crop":
                ratio, focus, quality = rest
                size = CROPS[ratio]
            else:  # share
                focus, quality = rest
                size = SHARE_SIZE
            return encode(cropped(base, size, Focus(*(focus or (0.5, 0.5)))), "jpg", quality)

        return _stored(rendering.site, rel, recipe, make)


def _featuring(site: Site) -> dict[str, list[Article | Page]]:
    """Picture -> the stories and pages it is the featured image of, in site order."""
    found: dict[str, list[Article | Page]] = {}
    docs: list[Article | Page] = [*site.articles, *site.pages]
    for doc in docs:
        if _has_photo(site, doc):
            found.setdefault(doc.image.lstrip("/"), []).append(doc)
    return found


def _resized(rendering: Rendering, rel: str, widths: tuple[int, ...], width: int):
    """The picture at `width`, made from the next larger of `widths` (the largest from
    the source): always the same chain, so the bytes never depend on what else this
    build made, and each step starts from an image not much larger than it needs."""
    held = _held(rendering, rel)
    if width not in held:
        larger = [w for w in widths if w > width]
        start = _resized(rendering, rel, widths, min(larger)) if larger else _decoded(rendering, rel)
        held[width] = resized(start, width)
    return held[width]


def _crop_base(rendering: Rendering, rel: str, widths: tuple[int, ...]):
    """What crops and share cards are cut from: the smallest variant at least as wide as
    a crop, else the source."""
    wide = [w for w in widths if w >= SHARE_SIZE[0]]
    return _resized(rendering, rel, widths, min(wide)) if wide else _decoded(rendering, rel)


class ShareCard(OutputKind):
    """The 1200x630 card link previews show for the site, and for each story or page
    without a featured photo (those with one get a cut of it, see Picture): the logo or
    site name above the headline, drawn."""

    name = "share-card"
    shows = frozenset({Facet.LISTS, Facet.PAGES})

    def plan(self, planner: Planner):
        site = planner.site
        masthead = _masthead(site)
        yield planner.output(self, share_card_path(""), ("site",), masthead)
        if not site.config.images.share_cards:
            return
        for i, a in enumerate(site.articles):
            if not _has_photo(site, a):
                yield planner.output(self, share_card_path(a.route), ("article", i), masthead, a.title)
        for p in site.pages:
            if not _has_photo(site, p):
                yield planner.output(self, share_card_path(p.route), ("page", p.source), masthead, p.title)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        site = rendering.site
        doc = _doc_of(site, output.key)
        title = doc.title if doc else ""
        masthead = rendering.memo.get("masthead") or rendering.memo.setdefault("masthead", _masthead(site))
        store = ImageStore()
        key = store.key("share-card", title, masthead)
        return store.get_or_make(key, lambda: cards.share_card(title, site.config.title, _logo_bytes(site)))

    def warnings(self, site: Site) -> list[Problem]:
        """Headlines no installed font can draw: their cards show the site's name."""
        if not site.config.images.share_cards:
            return []
        # What they depend on, the very objects: a body edit (a save in the preview)
        # keeps them, and looking at every headline again costs more than the edit.
        shown = (site.list_digests, site.pages, site.images)
        if _WARNED and all(a is b for a, b in zip(_WARNED[0], shown, strict=True)):
            return list(_WARNED[1])
        found = self._undrawable(site)
        _WARNED[:] = [shown, found]
        return list(found)

    @staticmethod
    def _undrawable(site: Site) -> list[Problem]:
        docs: list[Article | Page] = [*site.articles, *site.pages]
        return [
            Problem(
                doc.source,
                doc.line_of.get("title"),
                "no font here can draw every character of this headline, so its share card "
                "shows the site's name alone",
                "add a featured image, or install a font with this script (e.g. Noto Sans) "
                "and name it in NEWSGEN_CARD_FONT",
                severity="warning",
            )
            for doc in docs
            if not _has_photo(site, doc) and not cards.covered(doc.title)
        ]


# The last site's warnings with what they were found from (ShareCard.warnings).
_WARNED: list = []


def _doc_of(site: Site, key: tuple) -> Article | Page | None:
    if key[0] == "article":
        return site.articles[key[1]]
    if key[0] == "page":
        return next(p for p in site.pages if p.source == key[1])
    return None


def _has_photo(site: Site, doc: Article | Page) -> bool:
    facts = site.image(doc.image)
    return facts is not None and facts.resizable


def _masthead(site: Site) -> tuple:
    """What every drawn picture shows of the site: name, logo and fonts."""
    logo = site.raster_logo
    return (site.config.title, site.images[logo].digest if logo else "", cards.drawing_digest())


class SiteIcon(OutputKind):
    """favicon.png (48 px) and apple-touch-icon.png (180 px), from the raster logo, or the
    site name's first letter when it has none."""

    name = "site-icon"
    shows = frozenset()  # the logo and name only: settings, which every change re-plans

    def plan(self, planner: Planner):
        masthead = _masthead(planner.site)
        for path in ICONS:
            yield planner.output(self, path, (path,), masthead)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        site = rendering.site
        return cards.icon(ICONS[output.key[0]], site.config.title, _logo_bytes(site))


def _output(kind: OutputKind, path: str, rel: str, facts: ImageFacts, recipe: tuple) -> Output:
    return Output(
        path, kind.name, (rel, facts.digest, recipe), fingerprint(kind.name, facts.digest, recipe, ENCODER)
    )


def _stored(site: Site, rel: str, recipe: tuple, make) -> bytes:
    """The bytes of `recipe` applied to picture `rel`, from the store or made now."""
    store = ImageStore()
    return store.get_or_make(store.key(site.images[rel].digest, recipe, ENCODER), make)


def _held(rendering: Rendering, rel: str) -> dict:
    """Width -> the resized picture, for the one picture this process works on."""
    held = rendering.memo.get("picture")
    if held is None or held[0] != rel:
        held = rendering.memo["picture"] = (rel, {})
    return held[1]


def _decoded(rendering: Rendering, rel: str):
    """The source decoded, once for all the files made of it in this process (kept
    under the width 0 of _held)."""
    held = _held(rendering, rel)
    if 0 in held:
        return held[0]
    site = rendering.site
    largest = max((*site.config.images.widths, SHARE_SIZE[0]))
    try:
        held[0] = decode(source_bytes(site.static_by_rel[rel].source), largest)
    except (BadImage, NotAnImage) as exc:
        raise BuildError(
            [
                Problem(
                    f"{STATIC_DIR}/{rel}",
                    None,
                    f"this image cannot be published: {exc}",
                    "export the picture again as JPEG, PNG or WebP, or replace the file",
                )
            ]
        ) from None
    return held[0]


def _logo_bytes(site: Site) -> bytes | None:
    logo = site.raster_logo
    return _read_logo(site.static_by_rel[logo].source, site.images[logo].digest) if logo else None


@lru_cache(maxsize=2)
def _read_logo(path: str, digest: str) -> bytes:
    return source_bytes(path)


KINDS: tuple[OutputKind, ...] = (Picture(), ShareCard(), SiteIcon())
