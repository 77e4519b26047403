"""What a build remembers: the scan, parsed documents, the model, its plan, the manifest.

A one-shot `newsgen build` makes a fresh Memory, which starts from the caches on disk
(parse cache, saved model and plan, file stamps, manifest); a Builder keeps one across
builds. Either way a memory can only let a build skip work, never change its result:

- a document is reused only under the parse-cache key of its file's digest and the
  parse settings;
- a model is reused only when no file but article bodies changed (`_Model.changed`),
  and then only with the new bodies (`_Model.reuse`);
- a plan is reused only as outputs/plan.replan allows;
- the writer is handed only the outputs a re-plan made anew, and only when the manifest
  it trusts records the previous plan's outputs (this memory's last write);
- an article's body is read back from the parse cache only under its digest, and a
  model is trusted with bodies only under the cache's generation (cache.ParseCache).

Failure modes: a build that fails keeps nothing of what it read (the next one starts
from the last good state); a saved model or plan that cannot be read, or was written by
another version or with other settings, is ignored.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from itertools import compress
from operator import is_not, ne
from pathlib import Path

import jinja2

from generator import __version__
from generator import theme as theme_module
from generator.budget import MemoryBudget
from generator.cache import (
    CACHE_DIR,
    BodyStore,
    FileStamps,
    MissingBody,
    ParseCache,
    collector_paused,
    user_cache,
)
from generator.config import SiteConfig
from generator.documents import Article, parse_document
from generator.errors import BuildError, ContentError, Problem
from generator.images import catalog
from generator.markup import MarkdownRenderer
from generator.outputs.base import Output
from generator.outputs.plan import Plan, check_unique_paths, replan
from generator.request import BuildRequest
from generator.site import Options, Site, build_site, held
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
from generator.theme import Theme
from generator.workers import DaskMap, ForkedMap, cluster_client
from generator.writer import Manifest, WriteReport, finish_interrupted_commit, write_outputs

MAX_SOURCE_BYTES = 2_000_000  # a bigger article is a mistake (a pasted binary), not news
# Files a saved model may lag behind before it is saved again (see Memory.site).
SNAPSHOT_DRIFT = 4
# Superseded documents a memory may keep before it sweeps them out.
PARSED_SLACK = 32
# What a saved model and plan promise; 2: the plan's paths were found unique before saving.
SNAPSHOT_FORMAT = 2


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Memory:
    """What earlier builds of one site, for one request, read and made (see above).

    Not thread-safe: one build at a time uses a memory.
    """

    def __init__(self, request: BuildRequest, lasting: bool = True):
        self.request = request
        self.site_dir = request.site_dir.resolve()
        # A memory for one build (lasting=False) keeps no parsed document past its model:
        # at a million stories a second copy of each would not fit.
        self._lasting = lasting
        self._parsed: dict[str, tuple] = {}  # parse-cache key -> (document, warnings)
        self._shared: dict = {}  # the values documents hold alike, one copy each (site.held)
        self._generation: str | None = None  # the parse cache's, when this memory last read it
        self._content: dict[str, SourceFile] | None = None  # rel -> file, from the last scan
        self._order: tuple[str, ...] = ()  # its names, sorted
        # When the last scan was partial: the scan it started from and the names it read again.
        self._partial: tuple[dict, set[str]] | None = None
        self._stamps: FileStamps | None = None
        self._last: _Model | None = None  # the last good model, for body-only edits
        self._cache_dir = self.site_dir / CACHE_DIR if request.use_cache else None
        # One saved model per choice of what is published (drafts, future, base URL).
        choice = f"{request.drafts}|{request.future}|{request.base_url}"
        self._model_path = self._cache_dir / f"model-{_name_of(choice)}.pickle" if self._cache_dir else None
        self._bytecode: jinja2.BytecodeCache | None = None  # compiled templates
        self._plan: Plan | None = None  # the last build's plan, for outputs.plan.replan
        self._written: Plan | None = None  # the plan whose outputs the manifest records
        self._only: list[Output] | None = None  # outputs that may differ from them (plan)
        self._unique: Plan | None = None  # the last plan whose output paths were found unique
        self._snapshot_due: tuple | None = None  # (salt, model) to save once planned
        # The parse-cache salt, rel -> (digest, key), rel -> key as last returned, and
        # the scan (its content dict) those were made for.
        self._keys: tuple[str, dict, dict | None, dict | None] = ("", {}, None, None)
        # The output folder's manifest, kept between builds (see writer.Manifest).
        self._manifest: Manifest | None = None
        self._image_memo: dict | None = None  # see _images
        self._out_dir: Path | None = None  # the output folder of the build under way
        self._client = None  # a dask.distributed client, with request.scheduler (fan_out)

    def fan_out(self, stage: str):
        """The map a stage's work runs through: forked workers on this machine, or the
        tasks of a Dask cluster when the request names its scheduler."""
        if not self.request.scheduler:
            return ForkedMap(self.jobs(), self.request.progress, stage)
        if self._client is None:
            store = user_cache("").parent  # newsgen's own: made here if it is not yet
            store.mkdir(parents=True, exist_ok=True)
            shared = [str(self.site_dir), str(store)]
            if self._out_dir is not None:
                shared.append(str(self._out_dir.parent))
            self._client = cluster_client(self.request.scheduler, shared)
        return DaskMap(self._client, self.request.progress, stage)

    def close(self) -> None:
        """Let go of the cluster, if the builds used one."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def recover(self, out_dir: Path, trust_output: bool) -> None:
        """Finish a killed build's commit; forget what this memory knew of the output
        when asked to trust nothing ("anything may have changed")."""
        self._out_dir = out_dir
        if finish_interrupted_commit(out_dir):  # before anything can fail
            self._manifest = None  # that commit rewrote the manifest on disk
        if not trust_output and self._manifest is not None:
            self._manifest.trusted = False

    def plan(self, site: Site, theme: Theme) -> Plan:
        """Every output of the site, re-planned from the last plan where the model is
        the last one (see outputs/plan.py), and found bound for distinct files."""
        previous = self._plan
        with self._bodies_checked():  # the search index reads every body
            self._plan = replan(previous, site, theme, self.request.kinds)
        same_paths = _same_paths(self._plan, self._unique)
        if not same_paths:  # the same paths as last time are still unique
            check_unique_paths(list(self._plan.outputs))
            self._unique = self._plan
        self._save_snapshot()  # only now: a saved plan's paths are known to be unique
        # What may differ from the outputs the manifest records, when it records the
        # previous plan's (the last build wrote it, the folder is trusted): see write.
        self._only = _differing(self._plan, previous) if same_paths and previous is self._written else None
        return self._plan

    def write(
        self,
        outputs: list[Output],
        render: Callable[[Output], bytes],
        out_dir: Path,
        templates: jinja2.Environment,
    ) -> WriteReport:
        """Render and commit the outputs whose fingerprints changed (writer.py)."""
        if self._bytecode is None:
            self._bytecode = template_cache(self._cache_dir)
        templates.bytecode_cache = self._bytecode
        # Always kept, even with --no-cache: without it stale pages could never be removed.
        path = manifest_path(self.site_dir, out_dir)
        if self._manifest is None or self._manifest.path != path:
            self._manifest = Manifest(path)
        fan_out = self.fan_out("render")
        only, self._only, self._written = self._only, None, None
        try:
            with self._bodies_checked():
                report = write_outputs(
                    outputs,
                    render,
                    out_dir,
                    self._manifest,
                    fan_out=fan_out,
                    overwrite=self.request.overwrite,
                    only=only,
                )
        except BaseException:
            self._manifest = None  # a commit may have stopped half way: read it back next time
            raise
        self._written = self._plan  # the manifest now records this plan's outputs
        return report

    @contextmanager
    def _bodies_checked(self):
        """On a body missing from the parse cache, drop the documents and models that
        count on it, in memory and on disk, so that the next build reads the files again."""
        try:
            yield
        except MissingBody:
            self._forget_documents()
            if self._model_path is not None:
                self._model_path.unlink(missing_ok=True)
            raise

    def _forget_documents(self) -> None:
        """Drop the parsed documents, the last model and its plan: what they hold may
        count on bodies the parse cache no longer has."""
        self._parsed, self._last, self._plan = {}, None, None

    def vouch(self) -> None:
        """The build succeeded: the file stamps it read may be trusted next time."""
        if self._stamps is not None:
            self._stamps.save()  # only now: a failed build must not vouch for what it read

    def site(
        self, tree: SourceTree, config: SiteConfig, options: Options, problems: list[Problem]
    ) -> tuple[Site, list[Problem], int]:
        """The site model with the documents' warnings and how many files were parsed.

        When the files are those of the last good model (this Builder's, or the one the
        previous build saved), or differ from them only in article bodies or in what
        their cards show (_Model.reuse), that model is reused with the new versions:
        building it (indexes, related stories, listing digests) and loading every
        document from the cache cost more than the rest of such a rebuild. Anything
        else builds the model from all documents.
        """
        md = MarkdownRenderer(config.base_path)
        settings = f"{md.settings_digest()}|{config.timezone}|{config.unicode_slugs}|{config.sanitize_html}"
        cache = ParseCache(self._cache_dir, settings)
        try:
            keys, since = self._keys_of(tree, cache)
            if cache.generation != self._generation:  # what it remembers may count on lost bodies
                self._forget_documents()
            last = self._last or self._load_snapshot(cache.model_salt)
            # --strict --keep-going must leave out the files with warnings: a full build.
            leave_out_warned = self.request.strict and self.request.keep_going
            quick = (
                None
                if leave_out_warned
                else self._reuse(last, tree, keys, since, config, options, md, cache, problems)
            )
            if quick is None:
                budget = MemoryBudget(len(tree.content))  # refuses a build that would not fit
                docs, warnings, parsed = self._parse(tree, keys, config, md, cache, problems, budget)
                if self.request.strict:
                    problems += [replace(w, severity="error") for w in warnings]
                    warnings = []
                images = self._images(tree.static, config)
                warnings += _left_out(images[1], config)
                site = publishable_site(docs, config, options, tree.static, problems, images, cache.bodies())
                warnings += site.warnings
                model = (
                    None if problems else _Model.of(site, docs, keys, config, tree.static, warnings, options)
                )
            else:
                site, model, parsed = quick
                warnings = list(model.warnings)
            live = set(keys.values())
            if cache.save(live):  # pruned: keep no document whose body is gone from it
                self._parsed = {k: v for k, v in self._parsed.items() if k in live}
            self._generation = cache.generation  # this build's own prune kept what it uses
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
        if (
            model is not last
            and model is not None
            and not problems
            and self._last is None
            and (quick is None or _drift(last, keys) > SNAPSHOT_DRIFT)
        ):
            self._snapshot_due = (cache.model_salt, model)  # saved with its plan, once planned
        self._last = model if not problems else None
        return site, warnings, parsed

    def _images(self, statics, config: SiteConfig) -> tuple[dict, dict]:
        """The catalog of the site's raster files (images.catalog), reading only the
        files that changed since the last build of this memory or on disk."""
        path = self._cache_dir / "images.pickle" if self._cache_dir else None
        if self._image_memo is None and path is not None:
            try:
                with open(path, "rb") as f:
                    self._image_memo = pickle.load(f)
            except Exception:  # noqa: BLE001 - only a shortcut: read every file again
                self._image_memo = {}
        fan_out = self.fan_out("pictures")
        facts, broken, memo = catalog(statics, config.images.keep_metadata, self._image_memo, fan_out)
        if memo != self._image_memo and path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as f:
                pickle.dump(memo, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        self._image_memo = memo
        return facts, broken

    def _load_snapshot(self, salt: str) -> _Model | None:
        """The saved model; its plan too, so that a `newsgen build` after an edit can
        re-plan from it (outputs.plan.replan) rather than plan ~17,000 outputs (~110 ms)."""
        model, plan = ModelSnapshot.load(self._model_path, salt) or (None, None)
        if self._plan is None and model is not None and isinstance(plan, Plan) and plan.site is model.site:
            self._plan = plan
            self._unique = plan  # saved once its paths were found unique (see plan)
        return model

    def _save_snapshot(self) -> None:
        if self._snapshot_due is None:
            return
        salt, model = self._snapshot_due
        self._snapshot_due = None
        plan = self._plan if self._plan is not None and self._plan.site is model.site else None
        ModelSnapshot.save(self._model_path, salt, model, plan)

    def _keys_of(self, tree: SourceTree, cache: ParseCache) -> tuple[dict[str, str], tuple | None]:
        """Source -> parse-cache key, remembered between builds: hashing every path and
        digest again cost more than a dictionary lookup. After a scan of a few files
        (a save in the preview) only those are looked at; a copy of the rest is all the
        other files cost. With the keys comes, after such a scan, (the keys returned
        last time, the names the new ones may differ in), else None."""
        salt, memo, last, made_from = self._keys
        if salt == cache.salt and last is not None and self._partial and made_from is self._partial[0]:
            again = self._partial[1]
            keys, kept = dict(last), dict(memo)  # copies in C; read only by the build
            content = self._content or {}  # the scan that made `tree`
            for rel in again:
                keys.pop(rel, None)
                kept.pop(rel, None)
                if rel in content:
                    kept[rel] = (content[rel].digest, cache.key(rel, content[rel].digest))
                    keys[rel] = kept[rel][1]
            self._keys = (cache.salt, kept, keys, self._content)
            return keys, (last, frozenset(again))
        if salt != cache.salt:
            memo = {}
        keys, kept = {}, {}
        for s in tree.content:
            known = memo.get(s.rel)
            if known is None or known[0] != s.digest:
                known = (s.digest, cache.key(s.rel, s.digest))
            keys[s.rel], kept[s.rel] = known[1], known
        self._keys = (cache.salt, kept, keys, self._content)
        return keys, None

    def _reuse(
        self, last: _Model | None, tree, keys, since, config, options, md, cache, problems
    ) -> tuple[Site, _Model, int] | None:
        """(site, model, files parsed) from the last model, or None to build afresh."""
        if last is None or problems:
            return None
        changed = last.changed(keys, config, options, tree.static, since)
        if changed is None:
            return None
        assert self._content is not None  # the scan that made tree
        sources = [self._content[rel] for rel in sorted(changed)]  # the tree's order: by name
        found: list[Problem] = []  # reported by the full build that follows, not twice
        docs, warnings, parsed = self._parse(
            SourceTree(tuple(sources), tree.static), keys, config, md, cache, found
        )
        if found:
            return None
        return last.reuse(docs, keys, warnings, options, parsed)

    def jobs(self) -> int:
        return self.request.jobs if self.request.jobs > 0 else default_jobs()

    def scan(self, changed: Iterable[str] | None, findings: Findings) -> SourceTree:
        """The source tree; with `changed`, only those content files are looked at again.
        Raises BuildError, remembering nothing, when part of the site cannot be read."""
        site_dir, cache_dir = self.site_dir, self._cache_dir
        static = scan_static(site_dir, findings)
        if changed is not None and self._content is not None:
            before, content = self._content, dict(self._content)
            root = os.path.realpath(site_dir)
            again = {rel for rel in changed if is_content(rel)}
            for rel in again:
                content.pop(rel, None)
                path = str(site_dir / rel)
                if os.path.lexists(path) and usable(root, rel, path, findings):
                    digest = file_digest(rel, path, findings)
                    if digest:
                        content[rel] = SourceFile(rel, digest)
            self._stamps = None  # the stamps on disk are not refreshed by a partial scan
            # The same names as before (a save): the sorted order of the last scan holds.
            if all((rel in content) == (rel in before) for rel in again):
                order = self._order
            else:
                order = tuple(sorted(content))
        else:
            self._stamps = stamps = FileStamps(cache_dir)
            content = {}
            for rel, path in content_files(site_dir, findings):
                digest = file_digest(
                    rel, path, findings, partial(stamps.digest, rel=rel, hasher=digest_bytes)
                )
                if digest:
                    content[rel] = SourceFile(rel, digest)
            before, order = None, tuple(sorted(content))
        if findings.problems:
            self._stamps = None
            raise BuildError(findings.problems)
        self._content, self._order = content, order
        self._partial = (before, again) if before is not None else None
        return SourceTree(tuple(map(content.__getitem__, order)), static)

    def _parse(
        self,
        tree: SourceTree,
        keys: dict[str, str],
        config: SiteConfig,
        md,
        cache,
        errors: list[Problem],
        budget: MemoryBudget | None = None,
    ) -> tuple[list, list[Problem], int]:
        """The good documents of tree.content, parsed or reused; bad files go to errors.
        A budget is told how many are held as they come (budget.py)."""
        held = budget.read if budget is not None else _ignore
        wanted = [keys[s.rel] for s in tree.content]
        known = {k: self._parsed[k] for k in wanted if k in self._parsed}
        for k, (doc, doc_warnings) in cache.get_many([k for k in wanted if k not in known]):
            known[k] = (self._held(doc, cache), doc_warnings)
            held(len(known))
        missing = [(k, s) for k, s in zip(wanted, tree.content, strict=True) if k not in known]
        found = self._parse_missing(missing, config, md, cache, known, held)
        errors += [p for p in found if p.severity == "error"]
        warned = [p for p in found if p.severity != "error"]  # of the bad files: shown with their errors
        wanted = [k for k in wanted if k in known]  # the bad files are reported, not kept
        if self._lasting:
            self._parsed.update((k, known[k]) for k in wanted)
        # Forget superseded versions once a few have piled up: sweeping every document
        # on every save cost more than keeping a few dozen old ones.
        if len(self._parsed) > len(keys) + PARSED_SLACK:
            live = set(keys.values())
            self._parsed = {k: v for k, v in self._parsed.items() if k in live}
        docs, warnings = [], warned
        for k in wanted:
            doc, doc_warnings = known[k]
            docs.append(doc)
            warnings += doc_warnings
        return docs, warnings, len(missing)

    def _parse_missing(self, missing, config, md, cache, known, held) -> list[Problem]:
        job = partial(_parse_one, self.site_dir, config, md)
        fan_out = self.fan_out("parse")
        problems: list[Problem] = []
        for (key, _), (result, found) in zip(missing, fan_out(job, [s for _, s in missing]), strict=True):
            if found:
                problems += found
                continue
            cache.put(key, result)
            known[key] = (self._held(result[0], cache), result[1])
            held(len(known))
        return problems

    def _held(self, doc, cache: ParseCache):
        """The document as the model holds it (site.held): an article's body stays in
        the parse cache when there is one."""
        return held(doc, self._shared, keep_body=not cache.stores_bodies)


@dataclass(frozen=True)
class _Model:
    """The last good site model with what it was built from."""

    site: Site  # the model
    config: SiteConfig  # the settings it was built with
    statics: tuple  # the static files it checked images against
    # source -> parse-cache key (content digest + settings) of every document: the very
    # dict Memory._keys_of returned, never changed, so that `changed` can tell by identity
    keys: dict
    warnings: tuple  # the documents' warnings
    choice: tuple  # (drafts, future): what Options published
    valid_until: datetime | None  # the first moment an article's date, expiry or end passes

    @classmethod
    def of(cls, site: Site, docs: list, keys: dict, config, statics, warnings, options: Options) -> _Model:
        return cls(
            site,
            config,
            statics,
            keys,
            tuple(warnings),
            (options.drafts, options.future),
            site.next_change,
        )

    def changed(
        self, keys: dict, config, options: Options, statics, since: tuple[dict, frozenset] | None = None
    ) -> set[str] | None:
        """The sources whose content changed, or None when more than content may differ.
        `since`: (a keys dict, the names `keys` may differ from it in), from _keys_of."""
        site = self.site
        if (
            config != self.config
            or statics != self.statics
            or (options.drafts, options.future) != self.choice
            or site.built_at is None
            or options.now < site.built_at
            or (self.valid_until is not None and options.now >= self.valid_until)
        ):
            return None  # what is published, or where, may have changed
        old = self.keys
        if since is not None and since[0] is old:  # a save: only its files can differ
            if any((rel in keys) != (rel in old) for rel in since[1]):
                return None  # a file came or went
            changed = {rel for rel in since[1] if rel in keys and keys[rel] != old[rel]}
        elif keys.keys() != old.keys():
            return None
        else:  # the same names: compared key by key in C
            changed = set(compress(keys, map(ne, keys.values(), map(old.__getitem__, keys))))
        return changed if len(changed) <= 8 else None  # a bulk change: build afresh

    def reuse(
        self, docs: list, keys: dict, warnings: list, options: Options, parsed: int
    ) -> tuple[Site, _Model, int] | None:
        """This model with the new versions of `docs`, when they changed only in their
        bodies or in what their cards show (a headline, a summary, a correction); None
        if anything the model derives may have changed."""
        site = self.site
        if not docs:
            return replace(site, built_at=options.now), self, parsed
        articles = list(site.articles)
        cards: dict[int, Article] = {}
        for doc in docs:  # a scan, not an index: a save edits one or two articles
            i = next((n for n, a in enumerate(articles) if a.source == doc.source), None)
            if i is None or not isinstance(doc, Article):
                return None  # a page, or an article left out (draft, scheduled)
            new = site.placed(i, doc)
            if not site.body_edit(i, new):
                if not site.card_edit(i, new):
                    return None  # indexes, related stories or addresses may change
                cards[i] = new  # its list digest changes; the indexes do not
            articles[i] = new
        edited = {d.source for d in docs}
        kept = [w for w in self.warnings if w.path not in edited] + list(warnings)
        if cards:
            site = site.with_cards(cards)
        site = replace(site, articles=tuple(articles), built_at=options.now)
        return site, replace(self, site=site, keys=keys, warnings=tuple(kept)), parsed


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
        if found_salt != _snapshot_salt(salt) or not isinstance(model, _Model):
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
            pickle.dump((_snapshot_salt(salt), model, plan), f, pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)


def _snapshot_salt(salt: str) -> str:
    return f"{SNAPSHOT_FORMAT}|{salt}"


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


def _same_paths(plan: Plan, other: Plan | None) -> bool:
    """Whether the two plans' outputs go to the same files, segment by segment (most
    segments of a re-plan are the previous plan's very own)."""
    if other is None or len(plan.segments) != len(other.segments):
        return False
    return all(
        new is old or (len(new) == len(old) and all(o.path == p.path for o, p in _replaced(new, old)))
        for new, old in zip(plan.segments, other.segments, strict=True)
    )


def _replaced(new: tuple, old: tuple) -> Iterator[tuple[Output, Output]]:
    """The pairs of outputs at the same place in two segments of equal length that are
    not the same object, found in C: a re-planned story's segment is the old one with
    that story's output replaced."""
    differs = list(map(is_not, new, old))
    return zip(compress(new, differs), compress(old, differs), strict=True)


def _differing(plan: Plan, previous: Plan | None) -> list[Output] | None:
    """The outputs of `plan` that are not those of `previous` (a re-plan keeps the
    segments and outputs an edit cannot change as the very same objects), or None."""
    if previous is None or len(plan.segments) != len(previous.segments):
        return None
    found: list[Output] = []
    for new, old in zip(plan.segments, previous.segments, strict=True):
        if new is old:
            continue
        if len(new) != len(old):
            return None
        found += [o for o, p in _replaced(new, old) if o != p]
    return found


def _ignore(_: int) -> None:
    pass


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
        for old, new in (
            (legacy.with_name(legacy.name + ".log"), path.with_name(path.name + ".log")),
            (legacy, path),
        ):
            if old.exists():
                os.replace(old, new)
    return path


def forget_output(site_dir: Path, out_dir: Path) -> None:
    """Drop the cache's record of an output folder that was removed (manifest and its log)."""
    path = manifest_path(site_dir, out_dir)
    for stale in (path, path.with_name(path.name + ".log")):
        stale.unlink(missing_ok=True)


def _parse_one(
    site_dir: Path, config: SiteConfig, md: MarkdownRenderer, source: SourceFile
) -> tuple[tuple | None, list[Problem]]:
    """((document, warnings), []) or (None, problems): runs in a worker process."""
    try:
        return _parse_file(site_dir, source, config, md), []
    except ContentError as exc:
        return None, [*exc.problems, *exc.warnings]


def _parse_file(site_dir: Path, source, config: SiteConfig, md: MarkdownRenderer):
    try:
        data = (site_dir / source.rel).read_bytes()
    except OSError as exc:
        raise ContentError(unreadable(source.rel, exc.strerror or str(exc))) from None
    if len(data) > MAX_SOURCE_BYTES:
        raise ContentError(
            Problem(
                source.rel,
                None,
                f"the file is {len(data):,} bytes, over the limit of {MAX_SOURCE_BYTES:,}",
                "split it, or remove pasted binary data",
            )
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError(
            Problem(
                source.rel,
                line,
                f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
                "save the file as UTF-8 in your editor",
            )
        ) from None
    doc, warnings = parse_document(
        source.rel, text, config.zone, md, config.unicode_slugs, sanitize=config.sanitize_html
    )
    return replace(doc, digest=source.digest), warnings


def _left_out(broken: dict[str, str], config: SiteConfig) -> list[Problem]:
    """Warnings for the raster-named files that are not readable pictures: unless the
    site keeps metadata, they are not published, as theirs could not be removed. (One
    that a document shows is an error of that document, site.build_site says.)"""
    if config.images.keep_metadata:
        return []
    return [
        Problem(
            f"content/static/{rel}",
            None,
            f"not published: {why}, so its metadata (GPS included) could not be removed",
            "export the picture again, or delete the file",
            severity="warning",
        )
        for rel, why in sorted(broken.items())
    ]


def publishable_site(
    docs: list,
    config: SiteConfig,
    options: Options,
    statics,
    problems: list[Problem],
    images=({}, {}),
    bodies: BodyStore | None = None,
) -> Site:
    """The site without the documents named in `problems`; its own problems are added.

    A document the site check blames (a URL taken twice, a missing image) is left out
    and the check runs again, so every problem of the build is reported together and
    --keep-going can publish the rest. Raises BuildError when what is left still fails.
    """
    while True:
        bad = {p.path for p in problems}
        docs = [d for d in docs if d.source not in bad]
        try:
            return build_site(docs, config, options, statics, images, bodies)
        except BuildError as exc:
            new = [p for p in exc.problems if p not in problems]
            problems += new
            if not {p.path for p in new} & {d.source for d in docs}:
                raise BuildError(problems) from None
