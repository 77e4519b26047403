"""The old site's pictures, fetched into content/static/ so nothing stays hotlinked.

Only on request (`newsgen import --download-images`), and bounded: only pictures on the
hosts the imported items came from, at most `MAX_PICTURES` of them, each at most
`MAX_BYTES`, each fetch with a time limit, and only what the server says is an image (and
that really starts like one). A picture that fails any of these keeps its old address and
the report says why; the import itself never fails for one.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from generator.importers.model import Imported
from generator.slugs import slugify

MAX_PICTURES = 2000  # per import
MAX_BYTES = 25 * 1024 * 1024  # per picture: larger is no web picture
TIMEOUT = 20  # seconds per fetch
FOLDER = "images/imported"  # under content/static/
_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg"}
# What the first bytes of each picture type look like: a server's word is not enough.
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"<svg", b"<?xml", b"\x00\x00\x00")
_MD_IMAGE = re.compile(r"(!\[[^\]]*\]\()(https?://[^)\s]+)")
_HTML_IMAGE = re.compile(r"""(<img\b[^>]*?\ssrc=["'])(https?://[^"']+)""", re.I)


@dataclass
class Fetched:
    """What a download run did."""

    saved: dict[str, str] = field(default_factory=dict)  # old URL -> content/static path
    failed: dict[str, str] = field(default_factory=dict)  # old URL -> why it was not saved


def download_pictures(site_dir: Path, items: list[Imported]) -> tuple[list[Imported], Fetched]:
    """The items with their old hosts' pictures fetched and their references made local."""
    hosts = {urlsplit(i.old_url).hostname for i in items if i.old_url}
    hosts |= {urlsplit(str(i.fields.get("image") or "")).hostname for i in items}
    hosts.discard(None)
    fetched = Fetched()
    wanted: list[str] = []
    for item in items:
        for url in _pictures_of(item):
            if urlsplit(url).hostname in hosts and url not in wanted:
                wanted.append(url)
    for n, url in enumerate(wanted):
        if n >= MAX_PICTURES:
            fetched.failed[url] = f"over the limit of {MAX_PICTURES} pictures per import"
            continue
        rel = _local_path(url)
        target = site_dir / "content/static" / rel
        if target.exists():
            fetched.saved[url] = rel
            continue
        why = _fetch(url, target)
        if why:
            fetched.failed[url] = why
        else:
            fetched.saved[url] = rel
    return [_localised(item, fetched.saved) for item in items], fetched


def _pictures_of(item: Imported) -> list[str]:
    found = [str(item.fields["image"])] if str(item.fields.get("image") or "").startswith("http") else []
    found += [m.group(2) for m in _MD_IMAGE.finditer(item.body)]
    found += [m.group(2) for m in _HTML_IMAGE.finditer(item.body)]
    return found


def _local_path(url: str) -> str:
    """images/imported/HOST/PATH, every part a safe name, the extension kept."""
    parts = urlsplit(url)
    path = PurePosixPath(unquote(parts.path))
    suffix = path.suffix.lower() if path.suffix.lower() in _SUFFIXES else ".jpg"
    folders = [slugify(p) or "x" for p in path.parent.parts if p not in ("/", "")]
    stem = slugify(path.stem) or "picture"
    host = slugify(parts.hostname or "host")
    return "/".join([FOLDER, host, *folders, stem + suffix])


def _fetch(url: str, target: Path) -> str:
    """Save the picture at url to target; the reason when it was not saved."""
    request = urllib.request.Request(url, headers={"User-Agent": "newsgen-import"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if not kind.startswith("image/"):
                return f"the server says it is {kind or 'of no type'}, not a picture"
            size = int(response.headers.get("Content-Length") or 0)
            if size > MAX_BYTES:
                return f"{size:,} bytes, over the limit of {MAX_BYTES:,}"
            data = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"could not be fetched ({getattr(exc, 'reason', exc)})"
    if len(data) > MAX_BYTES:
        return f"over the limit of {MAX_BYTES:,} bytes"
    if not data.lstrip()[:5].startswith(_MAGIC) and b"ftyp" not in data[:16]:
        return "its bytes are not a picture"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    return ""


def _localised(item: Imported, saved: dict[str, str]) -> Imported:
    if not saved:
        return item

    def local(m: re.Match) -> str:
        url = m.group(2)
        return m.group(1) + ("/" + saved[url] if url in saved else url)

    body = _HTML_IMAGE.sub(local, _MD_IMAGE.sub(local, item.body))
    fields = dict(item.fields)
    if fields.get("image") in saved:
        fields["image"] = saved[str(fields["image"])]
    return replace(item, fields=fields, body=body)
