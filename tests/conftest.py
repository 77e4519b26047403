"""Shared fixtures: small sites written from dicts of strings, and the demo site."""

from __future__ import annotations

import io
import os
import shutil
import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.build import BuildRequest, build

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# A fixed clock for builds, so "future" and "news sitemap" decisions do not drift.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("UTC"))


def require_tool(path_or_name: str) -> str:
    """The tool's path; a missing tool skips locally but fails in CI (CI=true)."""
    found = shutil.which(path_or_name) or (path_or_name if Path(path_or_name).exists() else None)
    if found:
        return found
    if IN_CI:
        pytest.fail(f"{path_or_name} is required in CI but is not installed")
    pytest.skip(f"{path_or_name} is not installed")


def article(title: str, date: str = "2026-11-20T10:00:00", body: str = "Body text.", **fields) -> str:
    """The text of an article file with the given front matter."""
    lines = [f"title: {_quote(title)}", f"date: {date}"]
    for key, value in fields.items():
        # A list (`[a, b]`) or a block (a value starting with a line break) goes in as written.
        raw = isinstance(value, str) and value.startswith(("[", "\n"))
        lines.append(f"{key}: {value if raw else _quote(value)}")
    return "---\n" + "\n".join(lines) + "\n---\n\n" + textwrap.dedent(body).strip() + "\n"


def _quote(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


class SiteFactory:
    """Writes a site from {relative path: text or bytes} and builds it."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, files: dict[str, str | bytes]) -> Path:
        for rel, content in files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return self.root

    def build(self, **options):
        options.setdefault("now", NOW)
        return build(BuildRequest(site_dir=self.root, **options))

    @property
    def out(self) -> Path:
        return self.root / "output"

    def read(self, rel: str) -> str:
        return (self.out / rel).read_text(encoding="utf-8")


BASIC_SITE = {
    "site.yaml": "title: Test Times\nbase_url: https://example.org/\ntimezone: Europe/Madrid\nper_page: 2\n",
    "content/pages/about.md": "---\ntitle: About Us\nmenu: 1\n---\n\nWe report.\n",
}


@pytest.fixture
def make_site(tmp_path):
    """A factory: make_site({path: text}) writes the files (plus a basic site.yaml)."""

    def make(files: dict | None = None, basic: bool = True) -> SiteFactory:
        factory = SiteFactory(tmp_path / "site")
        factory.write({**(BASIC_SITE if basic else {}), **(files or {})})
        return factory

    return make


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory):
    """The repository's demo site, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("demo-output")
    report = build(BuildRequest(site_dir=REPO, output=out, now=NOW, use_cache=False))
    return report


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's chromium; Playwright never downloads a browser."""
    return {
        **browser_type_launch_args,
        "executable_path": require_tool(CHROMIUM),
        "args": ["--disable-gpu", "--disable-dev-shm-usage", "--disable-quic"],
    }


# Fixtures of pytest-playwright: a test asking for one drives headless Chromium.
_BROWSER_FIXTURES = {"page", "context", "browser", "browser_context_args"}


def pytest_collection_modifyitems(items) -> None:
    """Mark every browser test `browser`, so `-m "not browser and not slow"` leaves them out."""
    for item in items:
        if _BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


def image_bytes(fmt: str = "PNG", width: int = 1200, height: int = 675) -> bytes:
    """A real image file's bytes (feeds read the type and size of featured images)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 60, 90)).save(buffer, fmt)
    return buffer.getvalue()
