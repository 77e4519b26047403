"""`newsgen check`: the built output, checked the way readers and crawlers will meet it.

Reads only the output folder (plus site.yaml for base_url when the sitemap does not say
it): every internal link, image, stylesheet and #anchor resolves to a file and an id; every
feed parses; the sitemap lists exactly the public pages; every public page can be reached
from the home page by following links; no published picture says where it was taken.

`check_content` reads the sources the way a build would, without writing anything, so
the check also reports what only the content shows: corrections dated before their
story, live entries without a time, author files no byline uses, and the rest of what a
build errs or warns about.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

from generator.build import BuildRequest, settle
from generator.config import load_config
from generator.errors import BuildError, Problem
from generator.images import carries_gps, is_raster_name
from generator.memory import Memory
from generator.site import Options
from generator.sources import Findings

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM_NS = "{http://www.w3.org/2005/Atom}"
NOT_PUBLIC = {"404.html"}  # served by the host on errors; never linked, never listed
_REF_ATTRS = {"href", "src", "poster", "data"}
_PREVIEW_IMAGES = {"og:image", "twitter:image"}  # link previews break quietly otherwise


@dataclass
class HtmlScan:
    """What one HTML file offers (ids) and points at (references, with their lines)."""

    ids: set[str] = field(default_factory=set)  # id and <a name> values
    refs: list[tuple[str, int]] = field(default_factory=list)  # (URL as written, line)
    noindex: bool = False  # <meta name="robots" content="noindex">


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scan = HtmlScan()

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        values = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.scan.ids.add(value)
            elif name in _REF_ATTRS and tag != "meta":
                self.scan.refs.append((value, line))
            elif name in ("srcset", "imagesrcset"):
                self.scan.refs += [(part.split()[0], line) for part in value.split(",") if part.strip()]
        refresh = (values.get("http-equiv") or "").lower() == "refresh"
        if tag == "meta" and refresh and "url=" in (values.get("content") or "").lower():
            content = values.get("content") or ""
            self.scan.refs.append((content[content.lower().index("url=") + 4 :].strip(" '\""), line))
        if tag == "meta" and values.get("property", values.get("name")) in _PREVIEW_IMAGES:
            self.scan.refs.append((values.get("content") or "", line))
        if (
            tag == "meta"
            and (values.get("name") or "").lower() == "robots"
            and "noindex" in (values.get("content") or "").lower()
        ):
            self.scan.noindex = True

    handle_startendtag = handle_starttag


def scan_html(text: str) -> HtmlScan:
    scanner = _Scanner()
    scanner.feed(text)
    scanner.close()
    return scanner.scan


@dataclass
class BuiltOutput:
    """The output folder as served from base_url."""

    root: Path  # the folder
    base_url: str  # the URL it is published at, ending in "/"
    files: set[str]  # every file, relative, with forward slashes
    pages: dict[str, HtmlScan] = field(default_factory=dict)  # HTML file -> its scan

    @property
    def base_path(self) -> str:
        return urlsplit(self.base_url).path or "/"

    def page_url(self, rel: str) -> str:
        return self.base_url + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)

    def resolve(self, url: str) -> tuple[str | None, str, str]:
        """(file it serves or None, fragment, why not) for an absolute URL of this site."""
        parts = urlsplit(url)
        if not parts.path.startswith(self.base_path):
            return None, parts.fragment, f"is outside the site's base path {self.base_path}"
        rel = unquote(parts.path[len(self.base_path) :])
        for candidate in (rel + "index.html" if rel.endswith("/") or not rel else rel, rel + "/index.html"):
            if candidate in self.files:
                return candidate, parts.fragment, ""
        return None, parts.fragment, "does not exist in the output"

    def is_internal(self, url: str) -> bool:
        parts, base = urlsplit(url), urlsplit(self.base_url)
        return parts.scheme in ("http", "https") and parts.netloc == base.netloc


def load_output(root: Path, base_url: str) -> BuiltOutput:
    files = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }
    out = BuiltOutput(root, base_url if base_url.endswith("/") else base_url + "/", files)
    for rel in sorted(f for f in files if f.endswith(".html")):
        out.pages[rel] = scan_html((root / rel).read_text(encoding="utf-8", errors="replace"))
    return out


def check_links(out: BuiltOutput) -> tuple[list[Problem], dict[str, set[str]]]:
    """Broken internal references and anchors; also returns the page -> pages link graph."""
    problems: list[Problem] = []
    graph: dict[str, set[str]] = {}
    for rel, scan in out.pages.items():
        here = out.page_url(rel)
        graph[rel] = set()
        for ref, line in scan.refs:
            url = urljoin(here, ref.strip())
            if not out.is_internal(url):
                continue
            target, fragment, why = out.resolve(url)
            if target is None:
                problems.append(Problem(rel, line, f"link `{ref}` {why}"))
                continue
            if target.endswith(".html"):
                graph[rel].add(target)
                if fragment and fragment != "top" and unquote(fragment) not in out.pages[target].ids:
                    problems.append(Problem(rel, line, f"link `{ref}`: no id `{fragment}` on {target}"))
    return problems, graph


def public_pages(out: BuiltOutput) -> set[str]:
    return {rel for rel, scan in out.pages.items() if rel not in NOT_PUBLIC and not scan.noindex}


def check_orphans(out: BuiltOutput, graph: dict[str, set[str]]) -> list[Problem]:
    """Public pages no chain of links from the home page reaches."""
    if "index.html" not in out.pages:
        return [Problem("index.html", None, "there is no home page")]
    seen, todo = {"index.html"}, deque(["index.html"])
    while todo:
        for target in graph.get(todo.popleft(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return [
        Problem(
            rel,
            None,
            "orphaned: no link from the home page leads here",
            "link it from a listing, a menu or another page",
        )
        for rel in sorted(public_pages(out) - seen)
    ]


def _xml_root(out: BuiltOutput, rel: str):
    try:
        return ElementTree.parse(out.root / rel).getroot()
    except (ElementTree.ParseError, OSError):
        return None


def check_feeds(out: BuiltOutput) -> tuple[list[Problem], int]:
    """Every RSS/Atom file parses with feedparser, and its item links resolve."""
    import feedparser

    problems, count = [], 0
    for rel in sorted(f for f in out.files if f.endswith(".xml")):
        root = _xml_root(out, rel)
        if root is None:
            problems.append(Problem(rel, None, "not well-formed XML"))
            continue
        if root.tag != "rss" and root.tag != f"{ATOM_NS}feed":
            continue
        count += 1
        parsed = feedparser.parse((out.root / rel).read_bytes())
        if parsed.bozo:
            problems.append(Problem(rel, None, f"feed does not parse: {parsed.bozo_exception}"))
        for entry in parsed.entries:
            link = entry.get("link", "")
            if not link or urlsplit(link).scheme not in ("http", "https"):
                problems.append(Problem(rel, None, f"item `{entry.get('title', '')}` has no absolute link"))
            elif out.is_internal(link) and out.resolve(link)[0] is None:
                problems.append(Problem(rel, None, f"item link {link} {out.resolve(link)[2]}"))
    return problems, count


def sitemap_locs(out: BuiltOutput, rel: str = "sitemap.xml") -> list[str]:
    """Page URLs of the sitemap, following a sitemap index to its parts."""
    root = _xml_root(out, rel)
    if root is None:
        return []
    locs = [(el.text or "").strip() for el in root.iter(f"{SITEMAP_NS}loc")]
    if root.tag != f"{SITEMAP_NS}sitemapindex":
        return locs
    pages = []
    for loc in locs:
        part, _, _ = out.resolve(loc)
        pages += sitemap_locs(out, part) if part else []
    return pages


def check_sitemap(out: BuiltOutput) -> list[Problem]:
    """The sitemap lists every public page, once, and nothing else."""
    if "sitemap.xml" not in out.files:
        return [Problem("sitemap.xml", None, "there is no sitemap")]
    problems, listed = [], set()
    for loc in sitemap_locs(out):
        target, _, why = out.resolve(loc) if out.is_internal(loc) else (None, "", "is on another host")
        if target is None:
            problems.append(Problem("sitemap.xml", None, f"lists {loc}, which {why}"))
        elif target in listed:
            problems.append(Problem("sitemap.xml", None, f"lists {loc} twice"))
        listed.add(target or loc)
    for rel in sorted(public_pages(out) - listed):
        problems.append(Problem(rel, None, "public page missing from sitemap.xml"))
    for rel in sorted(listed & (set(out.pages) - public_pages(out))):
        problems.append(Problem("sitemap.xml", None, f"lists {rel}, which is not public"))
    return problems


@dataclass
class CheckReport:
    """The outcome of a check: problems, and how much was looked at."""

    problems: list[Problem]
    pages: int  # HTML files
    links: int  # references followed
    feeds: int  # feeds parsed


def check_output(root: Path, base_url: str) -> CheckReport:
    out = load_output(root, base_url)
    problems, graph = check_links(out)
    feed_problems, feeds = check_feeds(out)
    problems += feed_problems + check_sitemap(out) + check_orphans(out, graph) + check_locations(root)
    links = sum(len(s.refs) for s in out.pages.values())
    return CheckReport(problems, len(out.pages), links, feeds)


def check_locations(root: Path) -> list[Problem]:
    """A warning for every published picture that says where it was taken (GPS data):
    a source's or a reporter's whereabouts, published with `images.keep_metadata`."""
    problems = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and is_raster_name(path.name) and carries_gps(path):
            problems.append(
                Problem(
                    path.relative_to(root).as_posix(),
                    None,
                    "this published picture carries GPS data: where it was taken",
                    "set `images.keep_metadata: false` in site.yaml (the default) and build again, "
                    "or remove the location from the file",
                    severity="warning",
                )
            )
    return problems


def published_base_url(root: Path, fallback: str) -> str:
    """The base URL the output was built for: the sitemap's first entry is the home page."""
    tree = _xml_root(BuiltOutput(root, fallback, set()), "sitemap.xml")
    loc = tree.find(f".//{SITEMAP_NS}loc") if tree is not None else None
    if loc is None or not loc.text:
        return fallback
    if tree.tag == f"{SITEMAP_NS}sitemapindex":
        return loc.text.strip().rsplit("/", 1)[0] + "/"
    return loc.text.strip()


def output_folder(site: Path, output: Path | None) -> tuple[Path, str]:
    """The output folder and the base URL from site.yaml, as the build would use them."""
    config = load_config(site)
    folder = output if output is not None else Path(config.output)
    return (folder if folder.is_absolute() else site / folder), config.base_url


def check_content(site_dir: Path, now: datetime | None = None) -> list[Problem]:
    """Every error and warning a build of the site's sources would give, writing nothing
    to the output folder (the parse cache may be filled, as by a build)."""
    request = BuildRequest(site_dir=site_dir, now=now)
    memory = Memory(request, lasting=False)
    findings = Findings()
    problems: list[Problem] = []
    try:
        config, _, _ = settle(request)
        tree = memory.scan(None, findings)
        options = Options(now=now or datetime.now().astimezone())
        _, warnings, _ = memory.site(tree, config, options, problems)
    except BuildError as exc:
        return [*exc.problems, *(p for p in problems if p not in exc.problems)]
    return problems + findings.warnings + warnings
