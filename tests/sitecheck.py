"""Reading a built site back as a reader's browser would: pages, links, feeds."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html


def parse(path: Path):
    return lxml.html.fromstring(path.read_bytes())


def html_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def internal_links(doc, base_path: str = "/") -> set[str]:
    """href/src values of a page that point inside the site (root-relative)."""
    found = set()
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for attr in ("href", "src"):
            value = element.get(attr)
            if value and value.startswith("/") and not value.startswith("//"):
                found.add(value)
    return found


def resolve(out: Path, link: str, base_path: str = "/") -> Path | None:
    """The file a root-relative link serves, as a static host would, or None."""
    path = unquote(urlsplit(link).path)
    if not path.startswith(base_path):
        return None
    rel = path[len(base_path) :]
    target = out / rel
    if path.endswith("/"):
        target = target / "index.html"
    return target if target.is_file() else None


def broken_links(out: Path, base_path: str = "/") -> list[tuple[str, str]]:
    broken = []
    for page in html_files(out):
        for link in internal_links(parse(page), base_path):
            if resolve(out, link, base_path) is None:
                broken.append((str(page.relative_to(out)), link))
    return broken
