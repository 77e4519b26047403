"""Writing the site: the output folder changes only when every output rendered, and a
build killed at any moment leaves it recoverable to exactly one whole build.

Three phases:

1. Stage. Rendered files go to a hidden folder beside the output folder (same file
   system, so a rename moves them). A failure here raises before the output folder is
   touched; the staging folder is removed, so no temporary file is left behind.
2. Journal. The commit plan (files to move in, stale files to remove, the new manifest)
   is written to `journal.json` in the staging folder, flushed and renamed into place, so
   it is either absent or complete.
3. Commit. The plan is applied: os.replace for each staged file, unlink for each stale
   one, then the manifest is saved and the staging folder removed.

A kill before the journal exists leaves the previous output untouched: the next build
discards the staging folder. A kill after it leaves the new build's files fully
rendered in staging, so the next newsgen run rolls the commit forward before it does
anything else (finish_interrupted_commit). Every step of the plan is idempotent (a moved
file is no longer in staging; a removed file is gone), so a kill during recovery is
recovered the same way. We roll forward rather than back because the staged files are
a complete, checked build; rolling back would need a copy of every replaced file.
The journal is flushed to disk before the first rename; staged pages are not (one fsync
per page would dominate a build), so the guarantee is complete for a killed process and,
after a power cut, as good as the file system's ordering of writes before renames.

The output folder is never swapped as a whole: users keep their own files there
(`.git/`, `CNAME`, `.well-known/`), and only files listed in the previous build's
manifest are ever removed. Every path is checked before use, so no slug, URL pattern or
file name can make the writer create, replace or delete anything outside the folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from urllib.parse import unquote

from generator.errors import BuildError, Problem

STAGING_SUFFIX = ".newsgen-staging"
FILES = "files"  # staged outputs, below the staging folder so no output name can clash
JOURNAL = "journal.json"  # the commit plan, beside FILES
LOG_LIMIT = 256 * 1024  # bytes of manifest deltas logged before they are folded in
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Paths of plain segments (letters, digits, `_`, `-`, `~`, inner dots), which every check
# below would pass: almost every output, and checking 17,000 of them the long way cost
# tens of milliseconds a rebuild.
_PLAIN = re.compile(r"[\w~-]+(?:\.[\w~-]+)*(?:/[\w~-]+(?:\.[\w~-]+)*)*", re.ASCII)


@dataclass
class WriteReport:
    """What a build did to the output folder."""

    written: list[str] = field(default_factory=list)  # files created or changed
    unchanged: int = 0  # files rendered again with the same bytes, or not re-rendered
    removed: list[str] = field(default_factory=list)  # files of the last build now gone
    rendered: int = 0  # outputs rendered in this build


def path_problem(rel: str) -> str:
    """Why an output path could land outside the output folder; "" when it is safe.

    The decoded form is checked too: a web server turns `%2e%2e` into `..` before it
    looks for the file, and a Windows checkout turns a backslash into a separator.
    """
    if _PLAIN.fullmatch(rel):
        return ""
    for text in dict.fromkeys((rel, unquote(rel))):
        if not text:
            return "the path is empty"
        if "\x00" in text:
            return "it contains a NUL character"
        if _CONTROL.search(text):
            return "it contains a control character"
        if "\\" in text:
            return "it contains a backslash"
        if text.startswith("/") or _DRIVE.match(text):
            return "it is an absolute path"
        if any(part in ("", ".", "..") for part in text.split("/")):
            return "it has an empty, `.` or `..` part"
    return ""


def safe_join(out_dir: Path, rel: str) -> Path:
    """The file for an output path; refuses anything that could land outside out_dir."""
    reason = path_problem(rel)
    if reason:
        raise BuildError([_outside(rel, reason)])
    return out_dir.joinpath(*rel.split("/"))


def _outside(rel: str, reason: str) -> Problem:
    return Problem(repr(rel)[1:-1], None, f"refusing to write outside the output folder: {reason}",
                   "fix the slug, URL pattern or file name that produced this path")


def staging_dir(out_dir: Path) -> Path:
    """Beside the output folder, or inside it when a rename from beside cannot work.

    Beside keeps the staged files out of the site; but when the output folder is a mount
    point (a container volume) os.replace cannot cross into it, and when its parent is
    read-only nothing can be staged there, so the hidden folder goes inside instead.
    """
    beside = out_dir.parent / f".{out_dir.name}{STAGING_SUFFIX}"
    if out_dir.is_dir() and (os.path.ismount(out_dir) or not os.access(out_dir.parent, os.W_OK)):
        return out_dir / f".newsgen{STAGING_SUFFIX}"
    return beside


class Manifest:
    """The files the last build wrote into an output folder, with their fingerprints.

    On disk: the entries as JSON, plus a log of the deltas committed since (one JSON line
    each), folded into the JSON once the log grows past LOG_LIMIT. Rewriting and fsyncing
    17,000 entries for a one-article edit cost ~12 ms; appending its delta, under 1 ms.
    Each JSON names its log (a random token every line carries), so lines written for an
    older JSON are never replayed over a newer one: not after a kill between folding and
    removing the log, nor after a newsgen without logs rewrote the JSON. A line torn by a
    kill is skipped: its commit's journal still exists and appends it again.

    A long-lived builder keeps its Manifest between builds: write_outputs keeps `entries`
    up to date and sets `trusted` once the folder is known to hold every entry's file, so
    the next build need not read the manifest back nor stat every unchanged output.
    """

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, str] = {}
        self.trusted = False  # True: every entry's file is in the output folder as written
        self._token = ""  # the log's name in the JSON file; "": no log goes with it
        if path and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self.entries = dict(data.get("files", {}))
                self._token = str(data.get("log") or "")
            except (ValueError, OSError, AttributeError):
                self.entries = {}  # unreadable: treat every output as new
            else:
                self._replay_log()

    @property
    def log(self) -> Path:
        return self.path.with_name(self.path.name + ".log")

    def _replay_log(self) -> None:
        try:
            lines = self.log.read_text(encoding="utf-8").splitlines()
        except OSError:
            return
        for line in lines:
            try:
                delta = json.loads(line)
                if delta["base"] == self._token:
                    _apply_delta(self.entries, delta["set"], delta["drop"])
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # blank, or torn by a kill

    def save(self, entries: dict[str, str]) -> None:
        """Write all entries (the log folded in)."""
        if self.path is None:
            return
        token = os.urandom(8).hex()
        _write_atomically(self.path, json.dumps({"files": entries, "log": token}, sort_keys=True))
        self.log.unlink(missing_ok=True)  # only after: its deltas are in the JSON now
        self._token = token

    def commit(self, delta: dict) -> None:
        """Record a delta on disk (and in `entries`)."""
        entries = Manifest.applied(self.entries, delta)
        if self.path is not None:
            line = "\n" + json.dumps({**delta, "base": self._token}) + "\n"  # alone after a torn one
            try:
                size = self.log.stat().st_size
            except OSError:
                size = 0
            if not self._token or size + len(line) > LOG_LIMIT:
                self.save(entries)
            else:
                with open(self.log, "a", encoding="utf-8") as f:
                    f.write(line)
                    f.flush()
                    os.fsync(f.fileno())
        self.entries = entries

    def delta(self, entries: dict[str, str]) -> dict:
        """What turns these entries into `entries`; the journal carries this, not all of
        them (a 17,000-entry manifest in every journal cost a JSON dump and an fsync)."""
        old = self.entries
        return {"set": {p: f for p, f in entries.items() if old.get(p) != f},
                "drop": sorted(set(old) - set(entries))}

    @staticmethod
    def applied(entries: dict[str, str], delta: dict) -> dict[str, str]:
        """Entries after a delta; the same when applied twice (a recovery may repeat it)."""
        result = dict(entries)
        _apply_delta(result, delta["set"], delta["drop"])
        return result


def _apply_delta(entries: dict[str, str], new: dict, gone: list) -> None:
    if not isinstance(new, dict):
        raise TypeError("not a manifest delta")
    for path in gone:
        entries.pop(path, None)
    entries.update(new)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_outputs(outputs: Iterable, render: Callable[[object], bytes], out_dir: Path,
                  manifest: Manifest, fan_out: Callable = map) -> WriteReport:
    """Render what changed into staging, then commit it to out_dir through a journal.

    `fan_out(fn, items)` runs fn on each item and yields the results in order; the build
    passes one that spreads the rendering over worker processes (stage_output is safe to
    run in parallel: each output has its own staged file).
    """
    outputs = list(outputs)
    # A trusted manifest lists only paths this process has checked (see Manifest).
    check_paths(outputs, manifest.entries if manifest.trusted else {})
    finish_interrupted_commit(out_dir)
    stage = staging_dir(out_dir)
    shutil.rmtree(stage, ignore_errors=True)  # staged by a build killed before its journal
    report = WriteReport()
    try:
        staged = _stage(outputs, render, out_dir, stage / FILES, manifest, report, fan_out)
        entries = {o.path: o.fingerprint for o in outputs}
        stale = sorted(p for p in manifest.entries.keys() - entries.keys() if not path_problem(p))
        delta = manifest.delta(entries)
        if not staged and not stale and not delta["set"] and not delta["drop"]:
            shutil.rmtree(stage, ignore_errors=True)
            manifest.trusted = True  # every unchanged output was found in place
            return report  # nothing to commit: a no-change rebuild writes no file at all
        root = out_dir.resolve()
        for rel in staged:  # every refusal before the journal: after it, the commit happens
            _ensure_inside(safe_join(out_dir, rel), out_dir, root)
        plan = {"moves": staged, "removes": stale,
                "manifest": str(manifest.path) if manifest.path else None, "delta": delta}
        _write_atomically(stage / JOURNAL, json.dumps(plan))
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    manifest.trusted = False  # until the commit is through
    _commit(plan, out_dir, stage, report, manifest)
    manifest.entries, manifest.trusted = entries, True
    return report


def _commit(plan: dict, out_dir: Path, stage: Path, report: WriteReport,
            manifest: Manifest | None = None) -> None:
    """Apply a journalled plan; if the system refuses a step, the journal stays for the
    next run to finish the commit, and the user is told what to fix. `manifest`: the
    entries the plan's delta applies to, when the caller has them (else read from disk)."""
    try:
        _apply(plan, out_dir, stage, report, manifest)
    except OSError as exc:
        raise BuildError([Problem(str(out_dir), None,
                                  f"the output folder was only partly updated: {exc}",
                                  "fix the cause (permissions, disk) and run newsgen again; it "
                                  "finishes the update before anything else")]) from None
    shutil.rmtree(stage, ignore_errors=True)


def check_paths(outputs: list, checked: dict | set = frozenset()) -> None:
    """Every unsafe output path, reported together before anything is rendered; paths
    in `checked` passed this check before."""
    problems = []
    for output in outputs:
        reason = "" if output.path in checked else path_problem(output.path)
        if reason:
            problem = _outside(output.path, reason)
            if output.kind == "static":  # name the file the user has to rename
                problem = Problem(str(output.key[0]), None, problem.message,
                                  "rename the file: use letters, digits, `-`, `_` and `.`")
            problems.append(problem)
    if problems:
        raise BuildError(problems)


def finish_interrupted_commit(out_dir: Path) -> bool:
    """Roll forward a commit a killed build left half done; True when there was one."""
    stage = staging_dir(out_dir)
    try:
        plan = json.loads((stage / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # no journal: the output folder still holds the previous build
    _commit(plan, out_dir, stage, WriteReport())
    return True


def _stage(outputs, render, out_dir: Path, stage: Path, manifest: Manifest,
           report: WriteReport, fan_out: Callable = map) -> list[str]:
    todo = []
    root = str(out_dir)
    for output in outputs:
        # check_paths vetted every path before this, so a plain join is safe; it matters
        # because this loop runs for every file of the site on every rebuild.
        if manifest.entries.get(output.path) == output.fingerprint and \
                (manifest.trusted or os.path.isfile(os.path.join(root, output.path))):
            report.unchanged += 1
        else:
            todo.append(output)
    staged, problems = [], []
    job = partial(stage_output, render, out_dir, stage, made=set())  # one set per process
    for output, (state, found) in zip(todo, fan_out(job, todo), strict=True):
        if found:
            problems += found
            continue
        report.rendered += 1
        if state == "staged":
            staged.append(output.path)
        else:
            report.unchanged += 1
    if problems:
        raise BuildError(_unique(problems))
    return staged


def stage_output(render: Callable[[object], bytes], out_dir: Path, stage: Path,
                 output, made: set | None = None) -> tuple[str, list[Problem]]:
    """Render one output into staging unless out_dir already holds the same bytes.

    Returns ("staged" | "same" | "failed", problems); may run in a worker process.
    `made` remembers the staging folders this process created: a cold build stages
    thousands of files into the same few folders, and a mkdir per file adds up.
    """
    try:
        data = render(output)
    except BuildError as exc:
        return "failed", list(exc.problems)
    if _same_bytes(safe_join(out_dir, output.path), data):
        return "same", []
    staged_file = safe_join(stage, output.path)
    if made is None or staged_file.parent not in made:
        staged_file.parent.mkdir(parents=True, exist_ok=True)
        if made is not None:
            made.add(staged_file.parent)
    staged_file.write_bytes(data)
    return "staged", []


def _same_bytes(target: Path, data: bytes) -> bool:
    try:
        return target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError:
        return False


def _apply(plan: dict, out_dir: Path, stage: Path, report: WriteReport,
           manifest: Manifest | None = None) -> None:
    """Carry out a commit plan; safe to run again after a kill at any point."""
    root = out_dir.resolve()
    for rel in plan["moves"]:
        source = safe_join(stage / FILES, rel)
        if not source.exists():
            continue  # moved before the kill
        target = safe_join(out_dir, rel)
        _ensure_inside(target, out_dir, root)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)  # a folder of the last build where a file now goes
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        report.written.append(rel)
    for rel in plan["removes"]:
        target = safe_join(out_dir, rel)
        if target.is_file() and not target.is_symlink() and _is_inside(target.parent, root):
            target.unlink()
            report.removed.append(rel)
            _prune_empty(target.parent, out_dir)
    if plan.get("manifest"):
        _save_manifest(plan, manifest)


def _save_manifest(plan: dict, manifest: Manifest | None) -> None:
    target = Manifest(Path(plan["manifest"])) if manifest is None else manifest
    if "entries" in plan:  # a journal written before journals carried a delta
        target.save(plan["entries"])
    else:
        target.commit(plan["delta"])


def _is_inside(folder: Path, root: Path) -> bool:
    """False when a symlinked folder inside the output points elsewhere."""
    resolved = folder.resolve()
    return resolved == root or root in resolved.parents


def _ensure_inside(target: Path, out_dir: Path, root: Path) -> None:
    folder = target.parent
    while folder != out_dir and not folder.exists():  # mkdir creates the missing part
        folder = folder.parent
    if folder != out_dir and not _is_inside(folder, root):
        raise BuildError([Problem(str(target), None,
                                  f"refusing to write through a symbolic link that leaves {root}",
                                  f"remove the link {folder} from the output folder")])


def _prune_empty(folder: Path, out_dir: Path) -> None:
    while folder != out_dir and out_dir in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty, or not ours to remove
        folder = folder.parent


def _unique(problems: list[Problem]) -> list[Problem]:
    """One problem per template line: a broken template fails every page that uses it,
    and a thousand copies of one message hide the other problems."""
    first: dict[tuple, Problem] = {}
    more: dict[tuple, int] = {}
    for problem in problems:
        key = (problem.path, problem.line, problem.hint)
        if key in first:
            more[key] = more.get(key, 0) + (problem != first[key])
        else:
            first[key] = problem
    return [replace(p, message=f"{p.message} (and {more[k]} more output(s) failing here)")
            if more.get(k) else p for k, p in first.items()]
