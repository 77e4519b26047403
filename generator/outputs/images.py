"""Picture files: resized variants, crops for search engines, share cards and icons.

Each file's fingerprint is what its pixels are made of: the source's digest (never its
mtime: a touched photo encodes nothing), the recipe and the encoder, and for drawn
cards the text and fonts. Encoded bytes are kept in the user's image store by the same
key, so a clean build, another output folder or a copy of the site encodes nothing
that was encoded before; the writer's worker pool does the encoding.

Which files exist follows the model: variants of every raster image a page shows
(featured images of stories and pages, images in bodies, the logo), crops of stories'
featured images, a share card for every story, page and the site. A picture that
cannot be decoded stops the build with a problem naming the file.
"""

from __future__ import annotations

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
    logo = site.config.logo.lstrip("/")
    if logo:
        found[logo] = None
    return sorted(rel for rel in found if rel in site.images and site.images[rel].resizable)


class ImageVariant(OutputKind):
    """One picture at one width in one format: `images/a.jpg-720.webp`."""

    name = "image-variant"
    shows = frozenset()  # a source picture's pixels: its digest is in the fingerprint
    # Which pictures pages show: featured (LISTS), in bodies (BODY), on pages (PAGES).
    plans_from = frozenset({Facet.LISTS, Facet.BODY, Facet.PAGES})

    def plan(self, planner: Planner):
        site = planner.site
        settings = site.config.images
        for rel in shown_images(site):
            facts = site.images[rel]
            for width in variant_widths(facts, settings):
                for extension in variant_formats(facts, settings):
                    recipe = ("variant", width, extension, settings.quality)
                    yield _output(self, variant_path(rel, width, extension), rel, facts, recipe)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        rel, _, recipe = output.key
        _, width, extension, quality = recipe

        def make() -> bytes:
            image = _decoded(rendering, rel)
            return encode(resized(image, width), extension, quality)

        return _stored(rendering.site, rel, recipe, make)


class ImageCrop(OutputKind):
    """A story's featured image cut to 16:9, 4:3 and 1:1 at 1200 pixels across, which
    Google asks of news articles' structured data."""

    name = "image-crop"
    shows = frozenset({Facet.LISTS})

    def plan(self, planner: Planner):
        site = planner.site
        if not site.config.images.enabled:
            return
        done: set[str] = set()
        for a in site.articles:
            rel = a.image.lstrip("/")
            for ratio, path in crop_paths(site, a).items():
                if path not in done:
                    done.add(path)
                    recipe = ("crop", ratio, a.image_focus)
                    yield _output(self, path, rel, site.images[rel], recipe)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        rel, _, recipe = output.key
        _, ratio, focus = recipe

        def make() -> bytes:
            image = _decoded(rendering, rel)
            return encode(cropped(image, CROPS[ratio], Focus(*(focus or (0.5, 0.5)))), "jpg", 85)

        return _stored(rendering.site, rel, recipe, make)


class ShareCard(OutputKind):
    """The 1200x630 picture link previews show: the featured image cut around its focal
    point, or a card drawn from the headline (or the site's name) for a page without."""

    name = "share-card"
    shows = frozenset({Facet.LISTS, Facet.PAGES})

    def plan(self, planner: Planner):
        site = planner.site
        masthead = _masthead(site)
        yield planner.output(self, share_card_path(""), ("site",), masthead)
        for i, a in enumerate(site.articles):
            yield planner.output(self, share_card_path(a.route), ("article", i), masthead, _drawn(site, a))
        for p in site.pages:
            yield planner.output(
                self, share_card_path(p.route), ("page", p.source), masthead, _drawn(site, p)
            )

    def render(self, output: Output, rendering: Rendering) -> bytes:
        site = rendering.site
        doc = _doc_of(site, output.key)
        if doc is None:
            return cards.share_card("", site.config.title, _logo_bytes(site))
        facts = site.image(doc.image)
        if facts is not None and facts.resizable:
            rel = doc.image.lstrip("/")
            recipe = ("share", doc.image_focus)

            def make() -> bytes:
                image = _decoded(rendering, rel)
                return encode(cropped(image, SHARE_SIZE, Focus(*(doc.image_focus or (0.5, 0.5)))), "jpg", 85)

            return _stored(site, rel, recipe, make)
        return cards.share_card(doc.title, site.config.title, _logo_bytes(site))

    def warnings(self, site: Site) -> list[Problem]:
        """Headlines no installed font can draw: their cards show the site's name."""
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


def _doc_of(site: Site, key: tuple) -> Article | Page | None:
    if key[0] == "article":
        return site.articles[key[1]]
    if key[0] == "page":
        return next(p for p in site.pages if p.source == key[1])
    return None


def _drawn(site: Site, doc: Article | Page) -> tuple:
    """What a document's card is made of: its picture, or its headline."""
    facts = site.image(doc.image)
    if facts is not None and facts.resizable:
        return ("picture", facts.digest, doc.image_focus, ENCODER)
    return ("drawn", doc.title)


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
    key = store.key(site.images[rel].digest, recipe, ENCODER)
    data = store.get(key)
    if data is None:
        data = make()
        store.put(key, data)
    return data


def _decoded(rendering: Rendering, rel: str):
    """The picture decoded once for all the files made of it in this process (outputs of
    one picture are planned next to each other, so a worker gets them together)."""
    held = rendering.memo.get("picture")
    if held is not None and held[0] == rel:
        return held[1]
    site = rendering.site
    largest = max((*site.config.images.widths, SHARE_SIZE[0]))
    try:
        image = decode(source_bytes(site.static_by_rel[rel].source), largest)
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
    rendering.memo["picture"] = (rel, image)
    return image


def _logo_bytes(site: Site) -> bytes | None:
    logo = site.raster_logo
    return source_bytes(site.static_by_rel[logo].source) if logo else None


KINDS: tuple[OutputKind, ...] = (ImageVariant(), ImageCrop(), ShareCard(), SiteIcon())
