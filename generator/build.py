"""The build: runs the pipeline stages in order and reports what happened."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from generator.cache import CACHE_DIR, ParseCache
from generator.config import SiteConfig, load_config
from generator.documents import parse_document
from generator.errors import BuildError, ContentError, Problem
from generator.markup import MarkdownRenderer
from generator.render import Renderer, plan_outputs, plan_statics
from generator.site import Options, Site, build_site
from generator.sources import SourceTree, scan
from generator.theme import load_theme
from generator.writer import Manifest, WriteReport, write_outputs

MAX_SOURCE_BYTES = 2_000_000  # a bigger article is a mistake (a pasted binary), not news


@dataclass(frozen=True)
class BuildRequest:
    """What the user asked the build to do."""

    site_dir: Path  # the site folder
    output: Path | None = None  # the output folder, default from site.yaml
    base_url: str | None = None  # overrides site.yaml's base_url
    drafts: bool = False  # include drafts
    future: bool = False  # include articles dated in the future
    now: datetime | None = None  # the build's clock (tests fix it)
    strict: bool = False  # warnings are errors
    use_cache: bool = True  # read and write the parse cache


@dataclass
class BuildReport:
    """What a build produced, for the summary line and for tests."""

    site: Site  # the model that was rendered
    output_dir: Path  # where it went
    write: WriteReport  # files written, unchanged, removed
    pages: Counter = field(default_factory=Counter)  # outputs per kind
    warnings: list[Problem] = field(default_factory=list)  # problems that did not stop it
    seconds: float = 0.0  # wall time


def output_dir_for(request: BuildRequest, config: SiteConfig) -> Path:
    out = request.output if request.output is not None else Path(config.output)
    return (request.site_dir / out).resolve() if not out.is_absolute() else out.resolve()


def build(request: BuildRequest) -> BuildReport:
    """Build the site; raise BuildError with every problem found, touching no output."""
    started = time.perf_counter()
    site_dir = request.site_dir.resolve()
    config = load_config(site_dir, {"base_url": request.base_url})
    out_dir = output_dir_for(request, config)
    check_output_dir(out_dir, site_dir)
    theme = load_theme(site_dir, config.theme)
    tree = scan(site_dir)
    docs, warnings = parse_all(site_dir, tree, config, request.use_cache)
    if request.strict and warnings:
        raise BuildError([replace(w, severity="error") for w in warnings])
    now = request.now or datetime.now().astimezone()
    options = Options(now=now, drafts=request.drafts, future=request.future)
    site = build_site(docs, config, options, tree.static)
    outputs = plan_statics(site, theme) + plan_outputs(site, theme)
    _check_unique_paths(outputs)
    renderer = Renderer(site, theme)
    cache_dir = site_dir / CACHE_DIR if request.use_cache else None
    manifest = Manifest(cache_dir / f"manifest-{_name_of(out_dir)}.json" if cache_dir else None)
    written = write_outputs(outputs, renderer.render, out_dir, manifest)
    pages = Counter(o.kind for o in outputs)
    return BuildReport(site, out_dir, written, pages, warnings, time.perf_counter() - started)


def _name_of(out_dir: Path) -> str:
    import hashlib

    return hashlib.blake2b(str(out_dir).encode(), digest_size=8).hexdigest()


def parse_all(site_dir: Path, tree: SourceTree, config: SiteConfig,
              use_cache: bool = True) -> tuple[list, list[Problem]]:
    """Parse every content file, reusing cached results; report all bad files together."""
    md = MarkdownRenderer(config.base_path)
    settings = f"{md.settings_digest()}|{config.timezone}|{config.unicode_slugs}"
    cache = ParseCache(site_dir / CACHE_DIR if use_cache else None, settings)
    keys = {s.rel: cache.key(s.rel, s.digest) for s in tree.content}
    hits = cache.get_many(list(keys.values()))
    docs, warnings, problems = [], [], []
    for source in tree.content:
        key = keys[source.rel]
        if key not in hits:
            try:
                hits[key] = _parse_file(site_dir, source, config, md)
            except ContentError as exc:
                problems += exc.problems
                continue
            cache.put(key, hits[key])
        doc, doc_warnings = hits[key]
        docs.append(doc)
        warnings += doc_warnings
    if problems:
        cache.close()
        raise BuildError(problems)
    cache.save(set(keys.values()))
    cache.close()
    return docs, warnings


def _parse_file(site_dir: Path, source, config: SiteConfig, md: MarkdownRenderer):
    data = (site_dir / source.rel).read_bytes()
    if len(data) > MAX_SOURCE_BYTES:
        raise ContentError(Problem(source.rel, None,
                                   f"the file is {len(data):,} bytes, over the limit of "
                                   f"{MAX_SOURCE_BYTES:,}", "split it, or remove pasted binary data"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ContentError(Problem(source.rel, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
                                   "save the file as UTF-8 in your editor")) from None
    doc, warnings = parse_document(source.rel, text, config.zone, md, config.unicode_slugs)
    return replace(doc, digest=source.digest), warnings


def _check_unique_paths(outputs) -> None:
    seen: dict[str, str] = {}
    problems = []
    for o in outputs:
        key = o.path.casefold()
        if key in seen and seen[key] != o.kind + repr(o.key):
            problems.append(Problem(o.path, None, "two outputs would be written to this file "
                                    f"({seen[key]} and {o.kind} {o.key})",
                                    "rename the static file or change the slug"))
        seen.setdefault(key, o.kind + repr(o.key))
    if problems:
        raise BuildError(problems)


def check_output_dir(out_dir: Path, site_dir: Path) -> None:
    """Refuse output folders whose cleaning could destroy sources or the system."""
    home = Path.home().resolve()
    forbidden = {Path("/"), home, site_dir, site_dir / "content", site_dir / "themes",
                 site_dir / "templates"}
    if out_dir in forbidden or out_dir in site_dir.parents or any(
            p in out_dir.parents for p in (site_dir / "content", site_dir / "themes",
                                           site_dir / "templates")):
        raise BuildError([Problem("site.yaml", None,
                                  f"the output folder {out_dir} would overwrite sources or "
                                  "system folders", "choose a new folder such as `output`")])
