"""The picture benchmark: what pictures cost a build, and what they save a phone.

    python bench/images.py corpus 1000      # cold build with a photo per story, vs without
    python bench/images.py page OUTPUT      # image bytes Chromium fetches from OUTPUT's home

`corpus` writes bench/corpus.py's N stories as a newsgen site twice: once with a
2400x1350 photo per story (made from the demo site's pictures, each tinted apart so no
two share a digest, with camera EXIF and GPS), once without. Both are built cold (fresh
image store, no caches) and the difference is the pictures' cost; then a no-change build
of the first must encode nothing. `page` serves a built site on 127.0.0.1 and counts
the image bytes Chromium (Debian's, never a downloaded one) transfers for its home page
at 360 and 1280 px, scrolled to the end so lazy pictures load too.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import io
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import corpus
from PIL import Image, ImageEnhance

REPO = Path(__file__).resolve().parent.parent
WORK = Path(__file__).parent / "work"
PHOTO_SIZE = (2400, 1350)


def _photos(count: int) -> list[bytes]:
    """`count` distinct camera-sized JPEGs, from the demo site's pictures."""
    seeds = sorted(p for p in (REPO / "content/static/images").glob("*.jpg"))
    bases = [Image.open(p).convert("RGB").resize(PHOTO_SIZE, Image.Resampling.BICUBIC) for p in seeds]
    exif = Image.Exif()
    exif[0x010F] = "Camera Co"
    exif.get_ifd(0x8825).update({1: "N", 2: (35.0, 41.0, 0.0)})
    made = []
    for n in range(count):
        picture = ImageEnhance.Color(bases[n % len(bases)]).enhance(0.6 + (n % 97) / 97)
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=88, exif=exif.tobytes())
        made.append(out.getvalue())
    return made


def write_sites(count: int) -> tuple[Path, Path]:
    root = WORK / f"images-{count}"
    corpus.write_corpus(count, root / "plain", ("newsgen",))
    corpus.write_corpus(count, root / "photos", ("newsgen",))
    site = root / "photos" / "newsgen"
    photos = _photos(count)
    for n, path in enumerate(sorted((site / "content/articles").rglob("*.md"))):
        name = f"images/{path.stem}.jpg"
        (site / "content/static" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "content/static" / name).write_bytes(photos[n])
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("\n---\n", f'\nimage: {name}\nimage_alt: "A photo"\n---\n', 1), encoding="utf-8"
        )
    return root / "plain" / "newsgen", site


def timed_build(site: Path, store: Path) -> tuple[float, str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(store)}
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--site", str(site)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return time.perf_counter() - started, run.stdout


def measure_corpus(count: int) -> None:
    plain, photos = write_sites(count)
    for site in (plain, photos):
        shutil.rmtree(site / "output", ignore_errors=True)
        shutil.rmtree(site / ".newsgen-cache", ignore_errors=True)
    store = WORK / f"images-{count}" / "store"
    shutil.rmtree(store, ignore_errors=True)
    plain_s, _ = timed_build(plain, store)
    photos_s, summary = timed_build(photos, store)
    again_s, again = timed_build(photos, store)
    encoded = sum(1 for _ in store.rglob("*") if _.is_file() and not _.name.startswith("."))
    store_mb = sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) / 2**20
    print(f"{count} stories, {count} photos of {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]}:")
    print(f"  cold build without photos: {plain_s:.2f} s")
    print(f"  cold build with photos:    {photos_s:.2f} s (pictures add {photos_s - plain_s:.2f} s)")
    print(f"  files in the image store:  {encoded} ({store_mb:.1f} MiB)")
    print(f"  no-change build:           {again_s:.2f} s; {again.splitlines()[2].strip()}")
    print("  " + summary.splitlines()[1].strip())


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def measure_page(output: Path) -> None:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--disable-gpu", "--disable-quic"])
            for width in (360, 1280):
                page = browser.new_page(viewport={"width": width, "height": 800})
                fetched: dict[str, int] = {}
                page.on(
                    "response",
                    lambda r, f=fetched: (
                        f.__setitem__(r.url, len(r.body())) if r.request.resource_type == "image" else None
                    ),
                )
                page.goto(url, wait_until="networkidle")
                page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                page.wait_for_timeout(500)
                total = sum(fetched.values())
                print(f"{width} px: {len(fetched)} images, {total / 1024:.1f} KiB")
                page.close()
            browser.close()
    finally:
        server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("corpus")
    c.add_argument("count", type=int)
    p = commands.add_parser("page")
    p.add_argument("output", type=Path)
    args = parser.parse_args()
    if args.command == "corpus":
        measure_corpus(args.count)
    else:
        measure_page(args.output)


if __name__ == "__main__":
    main()
