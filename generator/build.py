"""The build: runs the pipeline stages in order and reports what happened.

`build(request)` makes one build; `Builder` keeps what it parsed in memory and builds the
same site again after edits (the preview server uses it). Both go through the same
stages, so an incremental build can only differ from a clean one by what it skips:
files whose digest did not change are not parsed again (memory, then the on-disk parse
cache), and outputs whose fingerprint did not change are not rendered again (writer).

Parsing and rendering fan out over a pool of forked processes (`jobs`). Forking after the
site model is complete gives every worker the model for free (copy-on-write), so only
output indices travel to the workers and only small status tuples travel back.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import pickle
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path

import jinja2

from generator import __version__
from generator import theme as theme_module
from generator.cache import CACHE_DIR, FileStamps, ParseCache, collector_paused
from generator.config import SiteConfig, load_config
from generator.documents import Article, parse_document
from generator.errors import BuildError, ContentError, Problem
from generator.locks import site_lock
from generator.markup import MarkdownRenderer
from generator.render import Plan, Renderer, plan_statics, replan
from generator.site import Options, Site, build_site, list_digest
from generator.sources import (
    Findings,
    SourceFile,
    SourceTree,
    content_files,
    digest_bytes,
    file_digest,
    is_content,
    scan_static,
    unreadable,
    usable,
)
from generator.theme import load_theme
from generator.writer import (
    Manifest,
    WriteReport,
    finish_interrupted_commit,
    write_outputs,
)

MAX_SOURCE_BYTES = 2_000_000  # a bigger article is a mistake (a pasted binary), not news
# Below this many items a pool costs more (fork, pipes) than it saves.
MIN_PARALLEL = 48

# Files a saved model may lag behind before it is saved again (see Builder._site).
SNAPSHOT_DRIFT = 4
# Superseded documents a Builder may keep in memory before it sweeps them out.
PARSED_SLACK = 32

# Progress callback: (stage name, items done, items in the stage).
Progress = Callable[[str, int, int], None]


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
    keep_going: bool = False  # publish without the files that have errors (still a failure)
    use_cache: bool = True  # read and write the parse cache
    jobs: int = 0  # worker processes for parsing and rendering; 0: one per core
    progress: Progress | None = field(default=None, compare=False)  # told as stages advance
    wait: bool = True  # another build of the site holds its lock: wait (False: fail at once)
    on_wait: Callable[[str], None] | None = field(default=None, compare=False)  # told once
    overwrite: bool = False  # replace files in the output that newsgen has no record of


@dataclass
class BuildReport:
    """What a build produced, for the summary line and for tests."""

    site: Site  # the model that was rendered
    output_dir: Path  # where it went
    write: WriteReport  # files written, unchanged, removed
    pages: Counter = field(default_factory=Counter)  # outputs per kind
    warnings: list[Problem] = field(default_factory=list)  # problems that did not stop it
    seconds: float = 0.0  # wall time
    parsed: int = 0  # content files parsed from Markdown in this build (not reused)
    problems: list[Problem] = field(default_factory=list)  # errors of files left out (keep_going)


def output_dir_for(request: BuildRequest, config: SiteConfig) -> Path:
    out = request.output if request.output is not None else Path(config.output)
    return (request.site_dir / out).resolve() if not out.is_absolute() else out.resolve()


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def build(request: BuildRequest) -> BuildReport:
    """Build the site; raise BuildError with every problem found, touching no output."""
    return Builder(request).build()


class Builder:
    """Builds one site again and again, keeping parsed documents in memory in between.

    For the preview server (`newsgen serve`) and anything else that rebuilds on saves:

        builder = Builder(BuildRequest(site_dir=site, output=out, drafts=True))
        report = builder.build()             # first build: the same as build(request)
        report = builder.build({"content/articles/2026/x.md"})  # after a save

    `changed` is the set of site-relative paths (forward slashes) created, modified,
    deleted or renamed (give both names) since the previous call. Paths outside content/
    (site.yaml, templates/, themes/, static files) may be included; config and theme are
    re-read on every build anyway. `None` means "anything may have changed": every
    content file is stat-ed and those whose size or mtime moved are read again.

    Content files not named in `changed` are trusted to be as the last build saw them,
    and so is the output folder (the files this Builder wrote are not looked for again),
    so a caller unsure of what changed (a watcher overflow, a branch switch, a cleaned
    output folder) passes None.

    A build reuses the documents of files whose digest is unchanged (and the whole site
    model when only article bodies changed), renders only the outputs whose fingerprint
    changed, and returns a BuildReport (report.write.written lists the files that
    changed, for live reload; report.seconds the build's own time). It raises BuildError
    like build(); the output folder is then untouched and the next call starts from the
    last good state. The request's `now` is fixed if given, else the clock is read on
    every build. Builds with many outputs to render or files to parse fork
    `request.jobs` worker processes (default: one per core); pass jobs=1 to stay in one
    process. Not thread-safe: call build() from one thread at a time.
    """

    def __init__(self, request: BuildRequest):
        self.request = request
        self.site_dir = request.site_dir.resolve()
        self._parsed: dict[str, tuple] = {}  # parse-cache key -> (document, warnings)
        self._content: dict[str, SourceFile] | None = None  # rel -> file, from the last scan
        self._stamps: FileStamps | None = None
        self._last: _Model | None = None  # the last good model, for body-only edits
        self._cache_dir = self.site_dir / CACHE_DIR if request.use_cache else None
        # One saved model per choice of what is published (drafts, future, base URL).
        choice = f"{request.drafts}|{request.future}|{request.base_url}"
        self._model_path = self._cache_dir / f"model-{_name_of(choice)}.pickle" \
            if self._cache_dir else None
        self._bytecode: jinja2.BytecodeCache | None = None  # compiled templates
        self._plan: Plan | None = None  # the last build's outputs, for render.replan
        self._unique_paths: tuple = ()  # the last output paths found unique
        self._snapshot_due: tuple | None = None  # (salt, model) to save once planned
        self._keys: tuple[str, dict] = ("", {})  # parse-cache salt, rel -> (digest, key)
        # The output folder's manifest, kept between builds (see writer.Manifest).
        self._manifest: Manifest | None = None

    def build(self, changed: Iterable[str] | None = None) -> BuildReport:
        started = time.perf_counter()
        request, site_dir = self.request, self.site_dir
        config = load_config(site_dir, {"base_url": request.base_url})
        out_dir = output_dir_for(request, config)
        check_output_dir(out_dir, site_dir)
        theme = load_theme(site_dir, config.theme)
        check_output_dir(out_dir, site_dir, theme.dirs)  # a theme may live outside the site
        # Only now: a refused output folder must not leave even a cache folder behind.
        with site_lock(site_dir, request.wait, request.on_wait):
            return self._build(changed, started, config, out_dir, theme)

    def _build(self, changed: Iterable[str] | None, started: float, config: SiteConfig,
               out_dir: Path, theme) -> BuildReport:
        request, site_dir = self.request, self.site_dir
        if finish_interrupted_commit(out_dir):  # a killed build's commit, before anything can fail
            self._manifest = None  # that commit rewrote the manifest on disk
        if changed is None and self._manifest is not None:
            self._manifest.trusted = False  # "anything may have changed": the output too
        cache_dir = site_dir / CACHE_DIR if request.use_cache else None
        findings = Findings()
        tree = self._scan(cache_dir, changed, findings)
        problems: list[Problem] = []
        now = request.now or datetime.now().astimezone()
        options = Options(now=now, drafts=request.drafts, future=request.future)
        gc.unfreeze()  # the last build's model may be garbage now
        site, warnings, parsed = self._site(tree, config, options, problems)
        warnings = findings.warnings + warnings
        # The model is read-only from here on: keep the cyclic collector from walking its
        # million objects again and again while outputs are planned and rendered (at
        # 100,000 articles that made planning superlinear), and from touching its pages
        # in forked workers, which would copy them.
        gc.freeze()
        if problems and not request.keep_going:
            raise BuildError(problems)
        # The previous plan is reused where the model is (see render.replan).
        self._plan = replan(self._plan, site, theme)
        self._save_snapshot()
        outputs = plan_statics(site, theme) + list(self._plan.outputs)
        paths = tuple(o.path for o in outputs)
        if paths != self._unique_paths:  # the same paths as last time are still unique
            _check_unique_paths(outputs)
            self._unique_paths = paths
        written = self._write(site, theme, outputs, out_dir, cache_dir)
        if self._stamps is not None:
            self._stamps.save()  # only now: a failed build must not vouch for what it read
        pages = Counter(o.kind for o in outputs)
        return BuildReport(site, out_dir, written, pages, warnings,
                           time.perf_counter() - started, parsed, problems)

    def _write(self, site: Site, theme, outputs: list, out_dir: Path,
               cache_dir: Path | None) -> WriteReport:
        renderer = Renderer(site, theme)
        if self._bytecode is None:
            self._bytecode = template_cache(cache_dir)
        renderer.env.bytecode_cache = self._bytecode
        # Always kept, even with --no-cache: without it stale pages could never be removed.
        path = manifest_path(self.site_dir, out_dir)
        if self._manifest is None or self._manifest.path != path:
            self._manifest = Manifest(path)
        fan_out = ForkedMap(self._jobs(), self.request.progress, "render")
        try:
            return write_outputs(outputs, renderer.render, out_dir, self._manifest,
                                 fan_out=fan_out, overwrite=self.request.overwrite)
        except BaseException:
            self._manifest = None  # a commit may have stopped half way: read it back next time
            raise

    def _site(self, tree: SourceTree, config: SiteConfig, options: Options,
              problems: list[Problem]) -> tuple[Site, list[Problem], int]:
        """The site model with the documents' warnings and how many files were parsed.

        When the files are those of the last good model (this Builder's, or the one the
        previous build saved), or differ from them only in article bodies, that model is
        reused with the new bodies: building it (indexes, related stories, listing
        digests) and loading every document from the cache cost more than the rest of
        such a rebuild. Anything else builds the model from all documents.
        """
        md = MarkdownRenderer(config.base_path)
        settings = (f"{md.settings_digest()}|{config.timezone}|{config.unicode_slugs}"
                    f"|{config.sanitize_html}")
        cache = ParseCache(self._cache_dir, settings)
        try:
            keys = self._keys_of(tree, cache)
            last = self._last or self._load_snapshot(cache.salt)
            # --strict --keep-going must leave out the files with warnings: a full build.
            leave_out_warned = self.request.strict and self.request.keep_going
            quick = None if leave_out_warned else \
                self._reuse(last, tree, keys, config, options, md, cache, problems)
            if quick is None:
                docs, warnings, parsed = self._parse(tree, keys, config, md, cache, problems)
                if self.request.strict:
                    problems += [replace(w, severity="error") for w in warnings]
                    warnings = []
                site = publishable_site(docs, config, options, tree.static, problems)
                model = None if problems else _Model.of(site, docs, keys, config, tree.static,
                                                        warnings, options)
            else:
                site, model, parsed = quick
                warnings = list(model.warnings)
            cache.save(set(keys.values()))
        finally:
            cache.close()
        if self.request.strict and warnings:
            problems += [replace(w, severity="error") for w in warnings]
            warnings = []
        # Saved by a one-shot build and by a Builder's first build only (for the preview,
        # writing 40 MB per save would cost more than the rebuild), and only when it
        # drifted from the snapshot by more than a few files: a build that finds an older
        # snapshot compares it file by file and parses the few that differ, so a stale
        # snapshot costs milliseconds and is never wrong.
        if (model is not last and model is not None and not problems and self._last is None
                and (quick is None or _drift(last, keys) > SNAPSHOT_DRIFT)):
            self._snapshot_due = (cache.salt, model)  # saved with its plan, once planned
        self._last = model if not problems else None
        return site, warnings, parsed

    def _load_snapshot(self, salt: str) -> _Model | None:
        """The saved model; its plan too, so that a `newsgen build` after an edit can
        re-plan from it (render.replan) rather than plan ~17,000 outputs (~110 ms)."""
        model, plan = ModelSnapshot.load(self._model_path, salt) or (None, None)
        if self._plan is None and isinstance(plan, Plan) and plan.site is model.site:
            self._plan = plan
        return model

    def _save_snapshot(self) -> None:
        if self._snapshot_due is None:
            return
        salt, model = self._snapshot_due
        self._snapshot_due = None
        plan = self._plan if self._plan is not None and self._plan.site is model.site else None
        ModelSnapshot.save(self._model_path, salt, model, plan)

    def _keys_of(self, tree: SourceTree, cache: ParseCache) -> dict[str, str]:
        """Source -> parse-cache key, remembered between builds: hashing every path and
        digest again cost more than a dictionary lookup (~10 ms at 10,000 articles)."""
        salt, memo = self._keys
        if salt != cache.salt:
            memo = {}
        keys, kept = {}, {}
        for s in tree.content:
            known = memo.get(s.rel)
            if known is None or known[0] != s.digest:
                known = (s.digest, cache.key(s.rel, s.digest))
            keys[s.rel], kept[s.rel] = known[1], known
        self._keys = (cache.salt, kept)
        return keys

    def _reuse(self, last: _Model | None, tree, keys, config, options, md, cache,
               problems) -> tuple[Site, _Model, int] | None:
        """(site, model, files parsed) from the last model, or None to build afresh."""
        if last is None or problems:
            return None
        changed = last.changed(keys, config, options, tree.static)
        if changed is None:
            return None
        sources = [s for s in tree.content if s.rel in changed]
        found: list[Problem] = []  # reported by the full build that follows, not twice
        docs, warnings, parsed = self._parse(SourceTree(tuple(sources), tree.static),
                                             keys, config, md, cache, found)
        if found:
            return None
        return last.reuse(docs, keys, warnings, options, parsed)

    def _jobs(self) -> int:
        return self.request.jobs if self.request.jobs > 0 else default_jobs()

    def _scan(self, cache_dir: Path | None, changed: Iterable[str] | None,
              findings: Findings) -> SourceTree:
        """The source tree; with `changed`, only those content files are looked at again.
        Raises BuildError, remembering nothing, when part of the site cannot be read."""
        site_dir = self.site_dir
        static = scan_static(site_dir, findings)
        if changed is not None and self._content is not None:
            content = dict(self._content)
            root = os.path.realpath(site_dir)
            for rel in changed:
                if is_content(rel):
                    content.pop(rel, None)
                    path = str(site_dir / rel)
                    if os.path.lexists(path) and usable(root, rel, path, findings):
                        digest = file_digest(rel, path, findings)
                        if digest:
                            content[rel] = SourceFile(rel, digest)
            self._stamps = None  # the stamps on disk are not refreshed by a partial scan
        else:
            self._stamps = stamps = FileStamps(cache_dir)
            content = {}
            for rel, path in content_files(site_dir, findings):
                digest = file_digest(rel, path, findings, partial(stamps.digest, rel=rel,
                                                                  hasher=digest_bytes))
                if digest:
                    content[rel] = SourceFile(rel, digest)
        if findings.problems:
            self._stamps = None
            raise BuildError(findings.problems)
        self._content = content
        return SourceTree(tuple(content[rel] for rel in sorted(content)), static)

    def _parse(self, tree: SourceTree, keys: dict[str, str], config: SiteConfig, md, cache,
               errors: list[Problem]) -> tuple[list, list[Problem], int]:
        """The good documents of tree.content, parsed or reused; bad files go to errors."""
        wanted = [keys[s.rel] for s in tree.content]
        known = {k: self._parsed[k] for k in wanted if k in self._parsed}
        known.update(cache.get_many([k for k in wanted if k not in known]))
        missing = [(k, s) for k, s in zip(wanted, tree.content, strict=True) if k not in known]
        errors += self._parse_missing(missing, config, md, cache, known)
        wanted = [k for k in wanted if k in known]  # the bad files are reported, not kept
        self._parsed.update((k, known[k]) for k in wanted)
        # Forget superseded versions once a few have piled up: sweeping every document
        # on every save cost more than keeping a few dozen old ones.
        if len(self._parsed) > len(keys) + PARSED_SLACK:
            live = set(keys.values())
            self._parsed = {k: v for k, v in self._parsed.items() if k in live}
        docs, warnings = [], []
        for k in wanted:
            doc, doc_warnings = known[k]
            docs.append(doc)
            warnings += doc_warnings
        return docs, warnings, len(missing)

    def _parse_missing(self, missing, config, md, cache, known) -> list[Problem]:
        job = partial(_parse_one, self.site_dir, config, md)
        fan_out = ForkedMap(self._jobs(), self.request.progress, "parse")
        problems: list[Problem] = []
        for (key, _), (result, found) in zip(missing, fan_out(job, [s for _, s in missing]),
                                              strict=True):
            if found:
                problems += found
                continue
            known[key] = result
            cache.put(key, result)
        return problems


IncrementalBuilder = Builder  # the name the preview server looks for

# Article fields that only the article's own page and the feeds show. An edit that
# changes nothing else leaves the model's indexes, related lists and listings as they were.
_BODY_FIELDS = {"body_html": "", "words": 0, "digest": "", "line_of": {}}


@dataclass(frozen=True)
class _Model:
    """The last good site model with what it was built from."""

    site: Site  # the model
    config: SiteConfig  # the settings it was built with
    statics: tuple  # the static files it checked images against
    keys: dict  # source -> parse-cache key (content digest + settings) of every document
    warnings: tuple  # the documents' warnings
    choice: tuple  # (drafts, future): what Options published
    valid_until: datetime | None  # the first moment an article's date or expiry passes

    @classmethod
    def of(cls, site: Site, docs: list, keys: dict, config, statics, warnings,
           options: Options) -> _Model:
        later = [t for d in docs if isinstance(d, Article) for t in (d.date, d.expires)
                 if t is not None and t > options.now]
        return cls(site, config, statics, dict(keys), tuple(warnings),
                   (options.drafts, options.future), min(later, default=None))

    def changed(self, keys: dict, config, options: Options, statics) -> set[str] | None:
        """The sources whose content changed, or None when more than content may differ."""
        site = self.site
        if (config != self.config or statics != self.statics or keys.keys() != self.keys.keys()
                or (options.drafts, options.future) != self.choice
                or site.built_at is None or options.now < site.built_at
                or (self.valid_until is not None and options.now >= self.valid_until)):
            return None  # what is published, or where, may have changed
        changed = {rel for rel, key in keys.items() if self.keys[rel] != key}
        return changed if len(changed) <= 8 else None  # a bulk change: build afresh

    def reuse(self, docs: list, keys: dict, warnings: list, options: Options,
              parsed: int) -> tuple[Site, _Model, int] | None:
        """This model with the new bodies of `docs`, or None if anything else changed."""
        site = self.site
        if not docs:
            return replace(site, built_at=options.now), self, parsed
        articles = list(site.articles)
        for doc in docs:  # a scan, not an index: a save edits one or two articles
            i = next((n for n, a in enumerate(articles) if a.source == doc.source), None)
            if i is None or not isinstance(doc, Article):
                return None  # a page, or an article left out (draft, scheduled)
            new = replace(doc, route=articles[i].route)
            if replace(new, **_BODY_FIELDS) != replace(articles[i], **_BODY_FIELDS) \
                    or list_digest(new) != site.list_digests[i]:
                return None  # listings, indexes or related stories may change
            articles[i] = new
        edited = {d.source for d in docs}
        kept = [w for w in self.warnings if w.path not in edited] + list(warnings)
        site = replace(site, articles=tuple(articles), built_at=options.now)
        return site, replace(self, site=site, keys=dict(keys), warnings=tuple(kept)), parsed


class ModelSnapshot:
    """The last good model on disk, so the next `newsgen build` can reuse it too.

    A snapshot that cannot be read, or was written by another version or with other
    parse settings, is ignored; it is only a shortcut, never the source of truth.
    """

    @staticmethod
    def load(path: Path | None, salt: str) -> tuple[_Model, Plan | None] | None:
        """(model, its plan or None), or None."""
        if path is None or not path.exists():
            return None
        try:
            with open(path, "rb") as f, collector_paused():
                found_salt, model, *plan = pickle.load(f)
        except Exception:  # noqa: BLE001 - any unreadable snapshot is simply not used
            return None
        if found_salt != salt or not isinstance(model, _Model):
            return None
        return model, plan[0] if plan else None

    @staticmethod
    def save(path: Path | None, salt: str, model: _Model, plan: Plan | None = None) -> None:
        """One pickle, so the plan's site is the model's site again when loaded."""
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as f:
            pickle.dump((salt, model, plan), f, pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)


def template_cache(cache_dir: Path | None) -> jinja2.BytecodeCache:
    """Compiled templates, kept on disk under the cache folder (in memory without one).

    Jinja checks each template's source checksum itself; the folder name carries what
    shapes the compiled code besides the source (Jinja, newsgen and the environment
    settings in theme.py), so a stale entry is never found.
    """
    if cache_dir is None:
        return _MemoryBytecodeCache()
    shape = f"{jinja2.__version__}|{__version__}|{Path(theme_module.__file__).read_bytes()!r}"
    folder = cache_dir / "templates" / hashlib.blake2b(shape.encode(), digest_size=8).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(folder))


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates for the life of one process (a Builder without a cache folder)."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


def _drift(last: _Model | None, keys: dict[str, str]) -> int:
    """How many sources differ from a saved model's."""
    return sum(1 for rel, key in keys.items() if last is None or last.keys.get(rel) != key)


def _name_of(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def manifest_path(site_dir: Path, out_dir: Path) -> Path:
    """Where the record of what a build wrote into out_dir is kept.

    An output folder inside the site is named relative to it, so a site folder copied or
    moved with its output keeps its record (without it, no file there would count as
    newsgen's). A record kept under the older absolute name is moved to the new one.
    """
    try:
        name = out_dir.relative_to(site_dir).as_posix()
    except ValueError:
        name = str(out_dir)
    path = site_dir / CACHE_DIR / f"manifest-{_name_of(name)}.json"
    legacy = site_dir / CACHE_DIR / f"manifest-{_name_of(str(out_dir))}.json"
    if legacy != path and legacy.exists() and not path.exists():
        for old, new in ((legacy.with_name(legacy.name + ".log"), path.with_name(path.name + ".log")),
                         (legacy, path)):
            if old.exists():
                os.replace(old, new)
    return path


def forget_output(site_dir: Path, out_dir: Path) -> None:
    """Drop the cache's record of an output folder that was removed (manifest and its log)."""
    path = manifest_path(site_dir, out_dir)
    for stale in (path, path.with_name(path.name + ".log")):
        stale.unlink(missing_ok=True)


def _parse_one(site_dir: Path, config: SiteConfig, md: MarkdownRenderer,
               source: SourceFile) -> tuple[tuple | None, list[Problem]]:
    """((document, warnings), []) or (None, problems): runs in a worker process."""
    try:
        return _parse_file(site_dir, source, config, md), []
    except ContentError as exc:
        return None, list(exc.problems)


def _parse_file(site_dir: Path, source, config: SiteConfig, md: MarkdownRenderer):
    try:
        data = (site_dir / source.rel).read_bytes()
    except OSError as exc:
        raise ContentError(unreadable(source.rel, exc.strerror or str(exc))) from None
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
    doc, warnings = parse_document(source.rel, text, config.zone, md, config.unicode_slugs,
                                   sanitize=config.sanitize_html)
    return replace(doc, digest=source.digest), warnings


class ForkedMap:
    """map(fn, items) over forked worker processes, results in order, with progress.

    The function and the items reach the workers by fork, not by pickling: a render
    function holds the whole site model, which would cost more to send than to render.
    Only item indices go out and only the results come back.
    """

    def __init__(self, jobs: int, progress: Progress | None = None, stage: str = ""):
        self.jobs = jobs
        self.progress = progress
        self.stage = stage

    def __call__(self, fn: Callable, items: list) -> Iterator:
        items = list(items)
        if self.jobs <= 1 or len(items) < MIN_PARALLEL:
            results: Iterable = map(fn, items)
        else:
            results = _forked_map(fn, items, self.jobs)
        for n, result in enumerate(results, start=1):
            if self.progress is not None:
                self.progress(self.stage, n, len(items))
            yield result


# The function and items a worker process serves: set in each worker by _adopt (after
# fork) and never in the main process.
_WORKER_JOB: dict = {}


def _adopt(fn: Callable, items: list) -> None:
    _WORKER_JOB["fn"], _WORKER_JOB["items"] = fn, items


def _run_item(index: int):
    return _WORKER_JOB["fn"](_WORKER_JOB["items"][index])


def _forked_map(fn: Callable, items: list, jobs: int) -> Iterator:
    # An executor rather than multiprocessing.Pool: a worker killed by the system (out
    # of memory) then fails the build with BrokenProcessPool instead of hanging it.
    context = multiprocessing.get_context("fork")
    chunk = max(1, min(64, len(items) // (jobs * 8)))
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_adopt, initargs=(fn, items))
    try:
        yield from pool.map(_run_item, range(len(items)), chunksize=chunk)
        pool.shutdown()
    except BaseException as exc:
        # Interrupted (Ctrl-C, SIGTERM, a failure downstream): drop the queued work rather
        # than render the rest of the site for nobody; running chunks end on their own.
        pool.shutdown(wait=False, cancel_futures=True)
        if not isinstance(exc, BrokenProcessPool):
            raise
        raise BuildError([Problem("newsgen", None, "a worker process died during the build "
                                  "(killed, perhaps for lack of memory)",
                                  "free some memory, or build with fewer workers: --jobs 1")]
                         ) from None


def publishable_site(docs: list, config: SiteConfig, options: Options, statics,
                     problems: list[Problem]) -> Site:
    """The site without the documents named in `problems`; its own problems are added.

    A document the site check blames (a URL taken twice, a missing image) is left out
    and the check runs again, so every problem of the build is reported together and
    --keep-going can publish the rest. Raises BuildError when what is left still fails.
    """
    while True:
        bad = {p.path for p in problems}
        docs = [d for d in docs if d.source not in bad]
        try:
            return build_site(docs, config, options, statics)
        except BuildError as exc:
            new = [p for p in exc.problems if p not in problems]
            problems += new
            if not {p.path for p in new} & {d.source for d in docs}:
                raise BuildError(problems) from None


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


def check_output_dir(out_dir: Path, site_dir: Path, theme_dirs: Iterable[Path] = ()) -> None:
    """Refuse output folders whose cleaning could destroy sources or the system.

    The site folder and its parents, the home folder and `/` may not be the output, and
    neither may a folder holding sources (content, themes, templates, the theme in use,
    wherever it lives) or any folder inside one.
    """
    sources = [site_dir / "content", site_dir / "themes", site_dir / "templates",
               *(Path(d).resolve() for d in theme_dirs)]
    refused = out_dir in (Path("/"), Path.home().resolve(), site_dir) \
        or out_dir in site_dir.parents \
        or any(out_dir == s or s in out_dir.parents for s in sources)
    if refused:
        raise BuildError([Problem("site.yaml", None,
                                  f"the output folder {out_dir} would overwrite sources or "
                                  "system folders", "choose a new folder such as `output`")])
