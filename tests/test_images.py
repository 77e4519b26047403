"""Pictures: variants, markup, share cards, icons, privacy, caching and bad input.

Every picture here is a real file made with Pillow and read back with Pillow; pages are
read with lxml, and in real Chromium for what a phone and a desktop actually fetch.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from conftest import NOW, article
from PIL import Image, ImageCms
from sitecheck import parse
from test_browser import serve

from generator import images as images_module
from generator.build import BuildRequest
from generator.errors import BuildError
from generator.outputs import images as image_kinds

GPS = (51.0, 30.0, 0.0)


@pytest.fixture(autouse=True)
def own_image_store(tmp_path, monkeypatch):
    """Each test encodes into its own store, so what it counts is its own work."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


def photo(
    width=1600, height=900, colour=(200, 40, 40), fmt="JPEG", gps=True, orientation=1, mode="RGB"
) -> bytes:
    """A camera-like file: EXIF with a location, XMP, a colour profile."""
    image = Image.new(mode, (width, height), colour)
    out = io.BytesIO()
    options: dict = {}
    if fmt in ("JPEG", "PNG", "WEBP"):
        exif = Image.Exif()
        exif[0x010F] = "Camera Co"
        exif[0x0112] = orientation
        if gps:
            exif.get_ifd(0x8825).update({1: "N", 2: GPS})
        options["exif"] = exif.tobytes()
        options["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    if fmt == "JPEG":
        options["xmp"] = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">reporter at the scene</x:xmpmeta>'
    image.save(out, fmt, **options)
    return out.getvalue()


def opened(path) -> Image.Image:
    image = Image.open(path)
    image.load()
    return image


def metadata_of(image: Image.Image) -> dict:
    """What a published picture says beyond its pixels and colour profile."""
    found = {
        k: v
        for k, v in image.info.items()
        if k in ("exif", "xmp", "XML:com.adobe.xmp", "photoshop", "comment")
    }
    exif = image.getexif()
    if len(exif):
        found["exif tags"] = dict(exif)
    return found


SITE = {
    "site.yaml": "title: Test Times\nbase_url: https://example.org/\nlogo: images/logo.png\n",
    "content/static/images/logo.png": photo(600, 200, (10, 20, 30), fmt="PNG", gps=False),
    "content/static/images/lead.jpg": photo(),
    "content/static/images/chart.png": photo(800, 500, (255, 255, 255), fmt="PNG", gps=False),
    "content/articles/lead.md": article(
        "The lead story",
        "2026-11-24T09:00:00",
        body="First paragraph.\n\n![A chart of the results](/images/chart.png)\n\nMore.",
        category="World",
        image="images/lead.jpg",
        image_alt="A red square",
        image_credit="Photo: Ana Ruiz/Agency",
        image_focus="0.3, 0.2",
    ),
    "content/articles/plain.md": article(
        "A story without a picture", "2026-11-23T09:00:00", category="World"
    ),
}


@pytest.fixture
def built(make_site):
    site = make_site(SITE)
    site.report = site.build(jobs=1)
    return site


def test_variants_are_made_at_the_configured_widths_never_upscaled_in_every_format(built):
    out = built.out / "images"
    for extension, fmt in (("avif", "AVIF"), ("webp", "WEBP"), ("jpg", "JPEG")):
        for width in (360, 720, 1080, 1440):
            with opened(out / f"lead.jpg-{width}.{extension}") as variant:
                assert variant.format == fmt and variant.size == (width, round(900 * width / 1600))
    assert not (out / "lead.jpg-1600.jpg").exists()  # above the largest width asked for
    # An 800-pixel chart: 360 and 720, then itself; a PNG stays PNG as its fallback.
    assert sorted(p.name for p in out.glob("chart.png-*.png")) == [
        "chart.png-360.png",
        "chart.png-720.png",
        "chart.png-800.png",
    ]
    assert not list(out.glob("chart.png-1080.*"))


def test_no_published_picture_carries_exif_xmp_or_gps_and_orientation_and_profile_survive(make_site):
    site = make_site({**SITE, "content/static/images/lead.jpg": photo(orientation=6)})
    site.build(jobs=1)
    published = [p for p in site.out.rglob("*") if p.suffix in (".jpg", ".png", ".webp", ".avif")]
    assert len(published) > 20
    for path in published:
        with opened(path) as image:
            assert metadata_of(image) == {}, path
    with opened(site.out / "images/lead.jpg") as original:  # the original, still published
        assert original.size == (900, 1600)  # turned upright before its EXIF was dropped
        assert original.info.get("icc_profile")  # the colour profile is kept
    with opened(site.out / "images/lead.jpg-720.webp") as variant:
        assert variant.size == (720, 1280) and variant.info.get("icc_profile")
    page = parse(site.out / "2026/11/24/lead/index.html")
    img = page.cssselect("figure.featured img")[0]
    assert (img.get("width"), img.get("height")) == ("900", "1600")


def test_keep_metadata_publishes_originals_as_they_are_and_check_names_each_with_gps(make_site, capsys):
    from generator.cli import main

    yaml = SITE["site.yaml"] + "images:\n  keep_metadata: true\n"
    site = make_site({**SITE, "site.yaml": yaml})
    site.build(jobs=1)
    assert (site.out / "images/lead.jpg").read_bytes() == SITE["content/static/images/lead.jpg"]
    with opened(site.out / "images/lead.jpg-360.jpg") as variant:
        assert metadata_of(variant) == {}  # variants never carry it
    assert main(["check", "--site", str(site.root)]) == 0  # a warning, not a failure
    err = capsys.readouterr().err
    assert "images/lead.jpg: warning: this published picture carries GPS data" in err
    assert err.count("carries GPS data") == 1  # only the original; nothing without GPS


def test_pages_offer_picture_sources_with_sizes_and_every_img_has_width_and_height(built):
    home = parse(built.out / "index.html")
    for path in built.out.rglob("*.html"):
        for img in parse(path).cssselect("img"):
            assert img.get("width") and img.get("height"), (path, img.get("src"))
    lead = home.cssselect(".lead-story picture")[0]
    types = [s.get("type") for s in lead.cssselect("source")]
    assert types == ["image/avif", "image/webp"]
    img = lead.cssselect("img")[0]
    assert img.get("fetchpriority") == "high" and img.get("loading") is None  # the lead: first
    assert "47rem" in img.get("sizes") and img.get("srcset").count("w,") == 3
    assert img.get("style") == "object-position: 30% 20%"  # the focal point, for the card's crop
    article = parse(built.out / "2026/11/24/lead/index.html")
    body_img = article.cssselect(".body picture img")[0]
    assert body_img.get("alt") == "A chart of the results" and body_img.get("loading") == "lazy"
    assert (body_img.get("width"), body_img.get("height")) == ("800", "500")
    assert "46rem" in body_img.get("sizes")
    assert article.cssselect("figcaption .credit")[0].text == "Photo: Ana Ruiz/Agency"
    logo = home.cssselect(".brand img")[0]
    assert (logo.get("width"), logo.get("height")) == ("600", "200") and logo.get("loading") is None


def test_every_page_shares_a_1200_by_630_raster_that_exists(built):
    for path in built.out.rglob("*.html"):
        page = parse(path)
        found = page.xpath('//meta[@property="og:image"]/@content')
        if path.name == "404.html" or not found:
            continue
        url = found[0]
        assert url.startswith("https://example.org/"), path
        with opened(built.out / url.removeprefix("https://example.org/")) as card:
            assert card.size == (1200, 630) and card.format == "JPEG", path
    # The story with a photo shares the photo, cut around its focal point.
    with opened(built.out / "2026/11/24/lead/share.jpg") as card:
        assert card.getpixel((600, 315))[0] > 150  # red: the photo, not the drawn card
    with opened(built.out / "2026/11/23/plain/share.jpg") as card:
        assert card.getpixel((5, 5)) == pytest.approx((20, 33, 61), abs=8)  # the drawn card


def test_icons_come_from_the_logo(built):
    with opened(built.out / "favicon.png") as favicon, opened(built.out / "apple-touch-icon.png") as touch:
        assert favicon.size == (48, 48) and touch.size == (180, 180)
    head = parse(built.out / "index.html")
    assert head.cssselect('link[rel="apple-touch-icon"]')[0].get("href") == "/apple-touch-icon.png"
    assert head.cssselect('link[rel="icon"][type="image/png"]')[0].get("href") == "/favicon.png"


def test_json_ld_lists_three_crops_and_the_feed_credits_the_photographer(built):
    import json

    import feedparser

    page = parse(built.out / "2026/11/24/lead/index.html")
    data = next(
        d
        for d in (json.loads(s.text) for s in page.xpath('//script[@type="application/ld+json"]'))
        if d["@type"] == "NewsArticle"
    )
    sizes = sorted((i["width"], i["height"]) for i in data["image"])
    assert sizes == [(1200, 675), (1200, 900), (1200, 1200)]
    assert {i["creditText"] for i in data["image"]} == {"Photo: Ana Ruiz/Agency"}
    for item in data["image"]:
        with opened(built.out / item["url"].removeprefix("https://example.org/")) as crop:
            assert crop.size == (item["width"], item["height"])
    feed = feedparser.parse((built.out / "feed.xml").read_bytes())
    lead = next(e for e in feed.entries if e.title == "The lead story")
    assert lead.media_credit[0]["content"] == "Photo: Ana Ruiz/Agency"
    published = (built.out / "images/lead.jpg").stat().st_size
    assert int(lead.enclosures[0]["length"]) == published  # the stripped copy's length


def _encodes(monkeypatch) -> list:
    made: list = []
    real_encode, real_card = images_module.encode, image_kinds.cards.share_card

    def counting(*args, **kwargs):
        made.append(args[1] if len(args) > 1 else "card")
        return real_encode(*args, **kwargs)

    monkeypatch.setattr(image_kinds, "encode", counting)
    monkeypatch.setattr(
        image_kinds.cards, "share_card", lambda *a, **k: made.append("card") or real_card(*a, **k)
    )
    return made


def test_no_change_and_a_text_edit_encode_nothing_and_a_new_photo_only_its_own(make_site, monkeypatch):
    site = make_site(SITE)
    made = _encodes(monkeypatch)
    site.build(jobs=1)
    assert len(made) > 20
    made.clear()
    report = site.build(jobs=1)
    assert made == [] and report.write.written == []
    site.write(
        {"content/articles/lead.md": SITE["content/articles/lead.md"].replace("More.", "More, edited.")}
    )
    report = site.build(jobs=1)
    assert made == [] and not [p for p in report.write.written if p.startswith("images/")]
    site.write({"content/static/images/lead.jpg": photo(colour=(40, 200, 40))})
    report = site.build(jobs=1)
    changed = {p for p in report.write.written if p.startswith("images/")}
    assert changed and all(p.startswith("images/lead.jpg") for p in changed)
    # Its variants and crops (the original is stripped, not encoded) and its share card.
    assert len(made) == len(changed)
    # A clean build into a new folder takes every picture from the store.
    made.clear()
    site.build(jobs=1, output=site.root / "elsewhere")
    assert made == []  # drawn cards too


def test_a_body_edit_that_adds_a_picture_plans_its_variants(make_site):
    from generator.build import Builder

    site = make_site(SITE)
    builder = Builder(BuildRequest(site_dir=site.root, now=NOW, jobs=1))
    builder.build()
    site.write(
        {
            "content/static/images/new.png": photo(500, 300, fmt="PNG", gps=False),
            "content/articles/plain.md": article(
                "A story without a picture",
                "2026-11-23T09:00:00",
                category="World",
                body="![New](/images/new.png)",
            ),
        }
    )
    builder.build({"content/static/images/new.png", "content/articles/plain.md"})
    assert (site.out / "images/new.png-360.webp").is_file() and (
        site.out / "images/new.png-500.png"
    ).is_file()
    img = parse(site.out / "2026/11/23/plain/index.html").cssselect(".body img")[0]
    assert img.get("src") == "/images/new.png-500.png"


def test_images_false_publishes_pictures_as_they_are_without_variants(make_site):
    site = make_site({**SITE, "site.yaml": SITE["site.yaml"] + "images: false\n"})
    site.build(jobs=1)
    assert not list(site.out.glob("images/*-*"))
    img = parse(site.out / "index.html").cssselect(".lead-story img")[0]
    assert img.get("src") == "/images/lead.jpg" and img.get("width") == "1600"
    with opened(site.out / "images/lead.jpg") as original:
        assert metadata_of(original) == {}  # privacy does not depend on variants


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("images:\n  widths: [0]\n", "`images.widths` must be a list of pixel widths"),
        ("images:\n  formats: [jxl]\n", "`images.formats` may list only avif and webp"),
        ("images:\n  quality: 101\n", "`images.quality` must be a whole number from 1 to 100"),
        ("images:\n  widht: [360]\n", "unknown setting `images.widht`"),
    ],
)
def test_bad_image_settings_name_the_line_and_the_fix(make_site, setting, message):
    site = make_site({**SITE, "site.yaml": SITE["site.yaml"] + setting})
    with pytest.raises(BuildError) as caught:
        site.build()
    assert f"site.yaml:4: error: {message}" in str(caught.value)


# --- Bad input ------------------------------------------------------------------------


def _featured(image_name: str, data: bytes) -> dict:
    return {
        "site.yaml": "title: T\nbase_url: https://example.org/\n",
        f"content/static/images/{image_name}": data,
        "content/articles/a.md": article("A", "2026-11-20T10:00:00", image=f"images/{image_name}"),
    }


def _bomb_png(width=100_000, height=100_000) -> bytes:
    """A PNG whose header claims ten billion pixels, with one tiny compressed row."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 10))
        + chunk(b"IEND", b"")
    )


def test_a_truncated_photo_stops_the_build_naming_the_file_and_the_story(make_site):
    whole = photo()
    site = make_site(_featured("cut.jpg", whole[: len(whole) // 2]))
    with pytest.raises(BuildError) as caught:
        site.build(jobs=1)
    text = str(caught.value)
    assert (
        "content/articles/a.md:4: error: the image content/static/images/cut.jpg cannot be published" in text
    )
    assert "Traceback" not in text and not (site.out / "index.html").exists()


def test_a_decompression_bomb_is_refused_from_its_header(make_site):
    site = make_site(_featured("bomb.png", _bomb_png()))
    with pytest.raises(BuildError) as caught:
        site.build(jobs=1)
    assert "images/bomb.png cannot be published: it has more pixels than" in str(caught.value)


def test_an_unreadable_picture_nobody_shows_is_left_out_with_a_warning(make_site):
    site = make_site({**_featured("ok.jpg", photo()), "content/static/images/junk.jpg": b"<html>oops</html>"})
    report = site.build(jobs=1)
    assert not (site.out / "images/junk.jpg").exists()
    assert any(
        "content/static/images/junk.jpg" in str(w) and "not published" in str(w) for w in report.warnings
    )


@pytest.mark.parametrize(
    ("name", "data", "expected_mode"),
    [
        ("cmyk.jpg", photo(mode="CMYK", colour=(0, 255, 255, 0), gps=False), "RGB"),
        ("png-named.jpg", photo(fmt="PNG", gps=False), "RGB"),
        ("deep.png", None, "RGB"),
    ],
)
def test_cmyk_misnamed_and_16_bit_pictures_give_ordinary_variants(make_site, name, data, expected_mode):
    if data is None:  # a 16-bit greyscale PNG at mid-grey
        out = io.BytesIO()
        Image.new("I;16", (800, 450), 32768).save(out, "PNG")
        data = out.getvalue()
    site = make_site(_featured(name, data))
    site.build(jobs=1)
    with opened(site.out / f"images/{name}-360.webp") as variant:
        assert variant.mode == expected_mode and variant.width == 360
        if name == "deep.png":
            assert 100 < variant.getpixel((10, 10))[0] < 160  # grey, not clipped to white


def test_an_animated_gif_and_an_svg_are_published_as_they_are_with_their_size(make_site):
    frames = [Image.new("RGB", (320, 180), c) for c in ((255, 0, 0), (0, 0, 255))]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 150"><rect width="300" height="9"/></svg>'
    )
    files = {
        **_featured("moving.gif", gif.getvalue()),
        "content/static/images/map.svg": svg,
        "content/articles/b.md": article("B", "2026-11-19T10:00:00", image="images/map.svg"),
    }
    site = make_site(files)
    site.build(jobs=1)
    assert not list(site.out.glob("images/moving.gif-*")) and not list(site.out.glob("images/map.svg-*"))
    with opened(site.out / "images/moving.gif") as published:
        assert getattr(published, "n_frames", 1) == 2
    assert (site.out / "images/map.svg").read_bytes() == svg
    img = parse(site.out / "2026/11/20/a/index.html").cssselect("figure img")[0]
    assert (img.get("src"), img.get("width"), img.get("height")) == ("/images/moving.gif", "320", "180")
    img = parse(site.out / "2026/11/19/b/index.html").cssselect("figure img")[0]
    assert (img.get("src"), img.get("width"), img.get("height")) == ("/images/map.svg", "300", "150")
    with opened(site.out / "2026/11/19/b/share.jpg") as card:  # an SVG is no link preview
        assert card.size == (1200, 630)


def test_a_headline_no_font_can_draw_gets_the_name_card_and_a_warning(make_site):
    site = make_site(
        {**SITE, "content/articles/cjk.md": article("中文新闻标题", "2026-11-22T09:00:00", slug="cjk")}
    )
    report = site.build(jobs=1)
    warned = [str(w) for w in report.warnings if "content/articles/cjk.md" in str(w)]
    assert warned and "shows the site's name alone" in warned[0]
    with opened(site.out / "2026/11/22/cjk/share.jpg") as card:
        assert card.size == (1200, 630)


def test_a_long_headline_wraps_inside_the_card(make_site):
    title = "A very long headline " * 12
    site = make_site(
        {**SITE, "content/articles/long.md": article(title.strip(), "2026-11-22T09:00:00", slug="long")}
    )
    site.build(jobs=1)
    with opened(site.out / "2026/11/22/long/share.jpg") as card:
        right_margin = card.crop((1200 - 60, 0, 1200, 630)).convert("L")
        assert right_margin.getextrema()[1] < 90  # no text ran off the right edge


# --- In Chromium ----------------------------------------------------------------------


def _fetched_images(page, url: str, width: int) -> dict[str, int]:
    """URL -> bytes of every image the page fetched at this viewport width."""
    fetched: dict[str, int] = {}

    def on_response(response):
        if response.request.resource_type == "image":
            fetched[response.url] = len(response.body())

    page.set_viewport_size({"width": width, "height": 900})
    page.on("response", on_response)
    page.goto(url, wait_until="networkidle")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(300)
    page.remove_listener("response", on_response)
    return fetched


def _lead_fetch(page) -> tuple[str, float]:
    return page.eval_on_selector(
        ".lead-story img", "img => [img.currentSrc, img.getBoundingClientRect().width]"
    )


def test_a_phone_fetches_a_small_variant_and_a_desktop_a_larger_one(page, built):
    with serve(built.out) as url:
        _fetched_images(page, url + "/", 360)
        phone_src, phone_css = _lead_fetch(page)
        _fetched_images(page, url + "/", 1440)
        desk_src, desk_css = _lead_fetch(page)
    phone_width = int(phone_src.rsplit("-", 1)[1].split(".")[0])
    desk_width = int(desk_src.rsplit("-", 1)[1].split(".")[0])
    assert phone_src.endswith(".avif")  # the best format this Chromium takes
    assert phone_width <= 2 * phone_css, (phone_src, phone_css)
    assert desk_width > phone_width, (desk_src, phone_src)
    assert desk_width >= desk_css


def test_a_build_over_a_hundred_pictures_reports_their_progress(make_site):
    files = {
        f"content/static/images/p{n:03}.png": photo(24, 16, (n, 80, 120), fmt="PNG", gps=False)
        for n in range(110)
    }
    site = make_site({**SITE, **files})
    seen: list[tuple[str, int, int]] = []
    site.build(jobs=2, progress=lambda stage, done, total: seen.append((stage, done, total)))
    pictures = [s for s in seen if s[0] == "pictures"]
    assert pictures and pictures[-1][1] == pictures[-1][2] >= 110
    assert any(s[0] == "render" for s in seen)
