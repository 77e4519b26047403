"""Remake the screenshots in docs/ from the demo site: `python docs/screenshots.py`.

Builds the demo into a temporary folder, serves it on a free local port and photographs
it in Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import functools
import http.server
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

from generator.build import BuildRequest, build

REPO = Path(__file__).resolve().parent.parent
SHOTS = [  # file, path, viewport width, height of the picture (the top of the page)
    ("home-desktop.png", "/", 1280, 2000),
    ("home-mobile.png", "/", 360, 1700),
    ("article-mobile.png", "/2026/11/24/khameneis-moscow-escape-plan/", 360, 1500),
    ("home-desktop-dark.png", "/", 1280, 1000),
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        build(BuildRequest(site_dir=REPO, output=Path(tmp), use_cache=False))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=tmp))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            shoot(f"http://127.0.0.1:{server.server_address[1]}")
        finally:
            server.shutdown()


def shoot(base: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        for name, path, width, height in SHOTS:
            scheme = "dark" if "dark" in name else "light"
            page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
            page.goto(base + path)
            # Lazy images load on scroll; a still picture needs them all at once.
            page.evaluate("document.querySelectorAll('img[loading]').forEach(i => i.loading = 'eager')")
            page.wait_for_load_state("networkidle")
            page.screenshot(
                path=str(REPO / "docs" / name),
                full_page=True,
                clip={"x": 0, "y": 0, "width": width, "height": height},
            )
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
