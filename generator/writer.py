"""Writing the site: the output folder changes only when every output rendered, a build
killed at any moment leaves it recoverable to exactly one whole build, and nothing is
replaced or deleted there that newsgen did not write itself.

Four phases, run while the build holds the site's lock (locks.py):

1. Stage. Rendered files go to a staging folder of this build's own, beside the output
   folder (same file system, so a rename moves them; a probe rename proves it, else the
   folder goes inside the output). A failure here raises before the output folder is
   touched; the staging folder is removed, so no temporary file is left behind.
2. Check. Every file the commit would replace or delete is checked against the manifest:
   newsgen replaces or deletes only files it wrote whose bytes are still the ones it
   wrote (size and mtime as recorded, else the digest). A foreign file, folder or link in
   the way, a file someone changed since, or a folder that cannot be written is an error
   naming the path, before anything is changed. A file already holding exactly the bytes
   newsgen would write is taken as newsgen's (a deleted cache must not strand a site).
3. Journal. The commit plan (stale files to remove, files to move in, the manifest's
   delta) is written to `journal.json` in the staging folder, flushed and renamed into
   place, so it is either absent or complete.
4. Commit. Removals first (a file may have to make way for a folder), then os.replace
   for each staged file, then the manifest is saved and the staging folder removed. A
   first build (no output folder yet) renames its whole staged tree into place instead:
   the folder then holds nothing but newsgen's files, so nothing of the user's is swapped.

A kill before the journal exists leaves the previous output untouched: the next build
discards the staging folder. A kill after it leaves the new build's files fully rendered
in staging, so the next newsgen run rolls the commit forward before it does anything
else (finish_interrupted_commit). Every step of the plan is idempotent (a moved file is
no longer in staging; a removed file is gone), so a kill during recovery is recovered
the same way; outside recovery a staged file that is missing is an error, never "moved
already". We roll forward rather than back because the staged files are a complete,
checked build; rolling back would need a copy of every replaced file. The journal is
flushed to disk before the first rename; staged pages are not (one fsync per page would
dominate a build), so the guarantee is complete for a killed process and, after a power
cut, as good as the file system's ordering of writes before renames.

An existing output folder is never swapped as a whole: users keep their own files there
(`.git/`, `CNAME`, `.well-known/`). Every path is checked before use, so no slug, URL
pattern or file name can make the writer create, replace or delete anything outside the
folder. The manifest records, per file, the output's fingerprint and what was written
(digest, size, mtime); an output whose file is missing or no longer as recorded is
rendered again, so the manifest never vouches for a file that is not there.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from generator import jsonfile
from generator.cache import MissingBody
from generator.errors import BuildError, Problem
from generator.outpaths import path_problem
from generator.sources import digest_bytes

STAGING_SUFFIX = ".newsgen-staging"
FILES = "files"  # staged outputs, below the staging folder so no output name can clash
JOURNAL = "journal.json"  # the commit plan, beside FILES
LOG_LIMIT = 256 * 1024  # bytes of manifest deltas logged before they are folded in
MAX_LISTED = 20  # files in the way named one by one; the rest are counted
FOLDERS_HELD = 4096  # staging folders a process remembers having made (see stage_output)


class Written(NamedTuple):
    """What the manifest knows of one output file."""

    fingerprint: str  # the output's fingerprint when it was rendered
    digest: str  # blake2b of the bytes written; "" from a manifest older than records
    size: int  # bytes written (-1: unknown)
    mtime_ns: int  # the file's mtime right after it was written (-1: unknown)

    @classmethod
    def of(cls, value) -> Written:
        """From the JSON form (a list), or an older manifest's bare fingerprint."""
        if isinstance(value, Written):
            return value  # not copied: a first build's delta holds one per output
        if isinstance(value, str):
            return cls(value, "", -1, -1)
        fingerprint, digest, size, mtime_ns = value
        if type(size) is int and type(mtime_ns) is int and type(fingerprint) is type(digest) is str:
            return cls._make(value)  # as JSON gives it, for every file of a manifest
        return cls(str(fingerprint), str(digest), int(size), int(mtime_ns))


@dataclass
class WriteReport:
    """What a build did to the output folder."""

    written: list[str] = field(default_factory=list)  # files created or changed
    unchanged: int = 0  # files rendered again with the same bytes, or not re-rendered
    removed: list[str] = field(default_factory=list)  # files of the last build now gone
    rendered: int = 0  # outputs rendered in this build
    kept: list[str] = field(default_factory=list)  # stale files left: changed by someone


def safe_join(out_dir: Path, rel: str) -> Path:
    """The file for an output path; refuses anything that could land outside out_dir."""
    reason = path_problem(rel)
    if reason:
        raise BuildError([_outside(rel, reason)])
    return out_dir.joinpath(*rel.split("/"))


def _outside(rel: str, reason: str) -> Problem:
    return Problem(
        repr(rel)[1:-1],
        None,
        f"refusing to write outside the output folder: {reason}",
        "fix the slug, URL pattern or file name that produced this path",
    )


def os_problem(exc: OSError, path: str | Path, doing: str) -> Problem:
    """One line for a refusal of the system: the path, what happened, what to do."""
    hints = {
        errno.ENOSPC: "free some disk space (or use another output folder) and build again",
        errno.EDQUOT: "free some space within your quota and build again",
        errno.EROFS: "the file system is read-only: choose a writable output folder with --output",
        errno.EACCES: "check the folder's owner and permissions, or build as its owner",
        errno.EPERM: "check the folder's owner and permissions, or build as its owner",
        errno.ENAMETOOLONG: "shorten the slug, category, tag or file name that made this path",
        errno.EXDEV: "build into a folder on one file system (not across a mount point)",
        errno.ENOENT: "the folder was removed during the build: build again",
    }
    reason = exc.strerror or type(exc).__name__
    return Problem(
        str(path),
        None,
        f"cannot {doing}: {reason} (errno {exc.errno})",
        hints.get(exc.errno or 0, "fix the cause and build again"),
    )


def _staging_parent(out_dir: Path) -> Path:
    """Beside the output folder, or inside it when a rename from beside cannot work.

    Beside keeps the staged files out of the site; but when the output folder is a mount
    point (a container volume) os.replace cannot cross into it, and when its parent is
    read-only nothing can be staged there, so the hidden folder goes inside instead.
    """
    if out_dir.is_dir() and (os.path.ismount(out_dir) or not os.access(out_dir.parent, os.W_OK)):
        return out_dir
    return out_dir.parent


def _staging_prefix(out_dir: Path, parent: Path) -> str:
    return f".newsgen{STAGING_SUFFIX}" if parent == out_dir else f".{out_dir.name}{STAGING_SUFFIX}"


def new_staging(out_dir: Path) -> Path:
    """A staging folder for this build alone, from which a rename reaches out_dir.

    A bind mount looks like an ordinary folder to every check but refuses renames from
    outside it (EXDEV), so a probe file is renamed in and back before anything is staged.
    An output folder that does not exist yet will be made beside the staging folder, in
    the same folder, so it needs no probe (and a failed first build makes no output).
    """
    token = f"{os.getpid()}-{os.urandom(6).hex()}"
    exists = out_dir.is_dir()
    parent = _staging_parent(out_dir) if exists else out_dir.parent
    for where in dict.fromkeys((parent, out_dir)):
        stage = where / f"{_staging_prefix(out_dir, where)}-{token}"
        try:
            stage.mkdir(parents=True)
            if exists:
                _probe_rename(stage, out_dir, token)
            return stage
        except OSError as exc:
            shutil.rmtree(stage, ignore_errors=True)
            if exc.errno == errno.EXDEV and where != out_dir:
                continue  # across a mount point: stage inside the output instead
            raise BuildError([os_problem(exc, out_dir, "write in the output folder")]) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _probe_rename(stage: Path, out_dir: Path, token: str) -> None:
    probe, inside = stage / "probe", out_dir / f".newsgen-probe-{token}"
    probe.write_bytes(b"")
    os.rename(probe, inside)
    os.rename(inside, probe)


def leftover_stagings(out_dir: Path) -> list[Path]:
    """Staging folders of builds that did not finish (oldest first). Only called while
    holding the site's lock, so none of them belongs to a running build."""
    found = []
    for parent in dict.fromkeys((out_dir.parent, out_dir)):
        prefix = _staging_prefix(out_dir, parent)
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        found += [parent / n for n in names if n == prefix or n.startswith(prefix + "-")]
    return sorted(found, key=_mtime)


def _mtime(path: Path) -> float:
    try:
        return (path / JOURNAL).stat().st_mtime
    except OSError:
        return 0.0


def pending_journal(out_dir: Path) -> Path | None:
    """The journal of a commit under way or interrupted, if there is one."""
    for stage in leftover_stagings(out_dir):
        if (stage / JOURNAL).exists():
            return stage / JOURNAL
    return None


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
        self.entries: dict[str, Written] = {}
        self.trusted = False  # True: every entry's file is in the output folder as written
        self._token = ""  # the log's name in the JSON file; "": no log goes with it
        if path and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self.entries = {p: Written.of(v) for p, v in data.get("files", {}).items()}
                self._token = str(data.get("log") or "")
            except (ValueError, OSError, AttributeError, TypeError):
                self.entries = {}  # unreadable: no file counts as newsgen's but by its bytes
            else:
                self._replay_log()

    @property
    def log(self) -> Path:
        assert self.path is not None
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

    def save(self, entries: dict[str, Written]) -> None:
        """Write all entries (the log folded in)."""
        if self.path is None:
            return
        token = os.urandom(8).hex()
        jsonfile.write(self.path, {"files": entries, "log": token}, sort_keys=True)
        self.log.unlink(missing_ok=True)  # only after: its deltas are in the JSON now
        self._token = token

    def commit(self, delta: dict) -> None:
        """Record a delta on disk (and in `entries`)."""
        entries = Manifest.applied(self.entries, delta)
        if self.path is not None:
            line = self._log_line(delta)
            if line is None:
                self.save(entries)
            else:
                with open(self.log, "a", encoding="utf-8") as f:
                    f.write(line)
                    f.flush()
                    os.fsync(f.fileno())
        self.entries = entries

    def _log_line(self, delta: dict) -> str | None:
        """The delta as a line of the log, or None when it is to be folded in instead:
        no log goes with the JSON yet, or the log would grow past LOG_LIMIT. A delta of
        more members than could ever fit is not dumped at all (a first build's names
        every output)."""
        if not self._token or len(delta["set"]) + len(delta["drop"]) > LOG_LIMIT // 8:
            return None
        line = "\n" + json.dumps({**delta, "base": self._token}) + "\n"  # alone after a torn one
        try:
            size = self.log.stat().st_size
        except OSError:
            size = 0
        return None if size + len(line) > LOG_LIMIT else line

    def delta(self, entries: dict[str, Written], partial: bool = False) -> dict:
        """What turns these entries into `entries` (`partial`: into these entries with
        `entries` updated); the journal carries this, not all of them (a 17,000-entry
        manifest in every journal cost a JSON dump and an fsync)."""
        old = self.entries
        return {
            "set": {p: f for p, f in entries.items() if old.get(p) != f},
            "drop": [] if partial else sorted(set(old) - set(entries)),
        }

    @staticmethod
    def applied(entries: dict[str, Written], delta: dict) -> dict[str, Written]:
        """Entries after a delta; the same when applied twice (a recovery may repeat it)."""
        result = dict(entries)
        _apply_delta(result, delta["set"], delta["drop"])
        return result


def _apply_delta(entries: dict[str, Written], new: dict, gone: list) -> None:
    if not isinstance(new, dict):
        raise TypeError("not a manifest delta")
    for path in gone:
        entries.pop(path, None)
    entries.update((p, Written.of(v)) for p, v in new.items())


def write_outputs(
    outputs: Iterable,
    render: Callable[[Any], bytes],
    out_dir: Path,
    manifest: Manifest,
    fan_out: Callable = map,
    overwrite: bool = False,
    only: list | None = None,
) -> WriteReport:
    """Render what changed into staging, check what it replaces, then commit it to
    out_dir through a journal.

    `fan_out(fn, items)` runs fn on each item and yields the results in order; the build
    passes one that spreads the rendering over worker processes (stage_output is safe to
    run in parallel: each output has its own staged file). `overwrite`: replace files in
    the way that newsgen has no record of writing (the user said so). `only`, with a
    trusted manifest, lists the outputs that may differ from its entries: the others
    are the very outputs it records (the same paths and fingerprints), so they are not
    looked at one by one (a save in the preview of a big archive).
    """
    outputs = list(outputs)
    if only is not None and manifest.trusted:
        outputs, kept = list(only), manifest.entries
    else:
        kept = None
    # A trusted manifest lists only paths this process has checked (see Manifest).
    check_paths(outputs, manifest.entries if manifest.trusted else {})
    finish_interrupted_commit(out_dir)
    first = not os.path.lexists(out_dir)  # a first build: the staged tree can become the folder
    stage = new_staging(out_dir)
    report = WriteReport()
    try:
        staged, entries = _stage(outputs, render, out_dir, stage / FILES, manifest, report, fan_out)
        if kept is None:
            stale = sorted(p for p in manifest.entries.keys() - entries.keys() if not path_problem(p))
            removes = _removable(stale, out_dir, manifest, report)
            delta = manifest.delta(entries)
        else:  # every other output is one the manifest records: nothing is gone
            report.unchanged += len(kept) - len(entries)
            removes, delta = [], manifest.delta(entries, partial=True)
        if not staged and not removes and not delta["set"] and not delta["drop"]:
            shutil.rmtree(stage, ignore_errors=True)
            manifest.trusted = True  # every unchanged output was found in place
            return report  # nothing to commit: a no-change rebuild writes no file at all
        _check_targets(staged, set(removes), out_dir, manifest, overwrite)
        _check_staged(staged, stage / FILES)
        plan = {
            "moves": staged,
            "whole": first and not removes,
            "removes": removes,
            "records": {p: manifest.entries[p] for p in removes},
            "previous": {p: manifest.entries[p] for p in staged if p in manifest.entries},
            "manifest": str(manifest.path) if manifest.path else None,
            "delta": delta,
        }
        try:
            jsonfile.write(stage / JOURNAL, plan)
        except OSError as exc:
            raise BuildError([os_problem(exc, stage / JOURNAL, "write the commit journal")]) from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    manifest.trusted = False  # until the commit is through
    _commit(plan, out_dir, stage, report, manifest)
    if kept is None:  # else the commit applied the delta to the entries it kept
        manifest.entries = entries
    manifest.trusted = True
    return report


def _commit(
    plan: dict,
    out_dir: Path,
    stage: Path,
    report: WriteReport,
    manifest: Manifest | None = None,
    recovering: bool = False,
) -> None:
    """Apply a journalled plan; if the system refuses a step, the journal stays for the
    next run to finish the commit, and the user is told what to fix. `manifest`: the
    entries the plan's delta applies to, when the caller has them (else read from disk)."""
    try:
        _apply(plan, out_dir, stage, report, manifest, recovering)
    except OSError as exc:
        raise BuildError(
            [
                Problem(
                    str(exc.filename or out_dir),
                    None,
                    f"the output folder was only partly updated: {exc.strerror}",
                    "fix the cause (permissions, disk) and run newsgen again; it "
                    "finishes the update before anything else",
                )
            ]
        ) from None
    shutil.rmtree(stage, ignore_errors=True)


def check_paths(outputs: list, checked: Collection[str] = frozenset()) -> None:
    """Every unsafe output path, reported together before anything is rendered; paths
    in `checked` passed this check before."""
    problems = []
    for output in outputs:
        reason = "" if output.path in checked else path_problem(output.path)
        if reason:
            problem = _outside(output.path, reason)
            if output.kind == "static":  # name the file the user has to rename
                problem = Problem(
                    str(output.key[0]),
                    None,
                    problem.message,
                    "rename the file: use letters, digits, `-`, `_` and `.`",
                )
            problems.append(problem)
    if problems:
        raise BuildError(problems)


def finish_interrupted_commit(out_dir: Path) -> bool:
    """Roll forward a commit a killed build left half done, and discard what killed builds
    staged before their journal; True when a commit was finished."""
    finished = False
    for stage in leftover_stagings(out_dir):
        try:
            plan = json.loads((stage / JOURNAL).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            shutil.rmtree(stage, ignore_errors=True)  # no journal: nothing was committed
            continue
        _commit(plan, out_dir, stage, WriteReport(), recovering=True)
        finished = True
    return finished


def _stage(
    outputs,
    render,
    out_dir: Path,
    stage: Path,
    manifest: Manifest,
    report: WriteReport,
    fan_out: Callable = map,
) -> tuple[list[str], dict[str, Written]]:
    """(paths staged, the manifest's new entries)."""
    todo, entries = [], {}
    root = os.path.join(str(out_dir), "")
    for output in outputs:
        # check_paths vetted every path before this, so a plain join is safe; it matters
        # because this loop runs for every file of the site on every rebuild.
        known = manifest.entries.get(output.path)
        if (
            known is not None
            and known.fingerprint == output.fingerprint
            and (manifest.trusted or _as_recorded(root + output.path, known))
        ):
            report.unchanged += 1
            entries[output.path] = known
        else:
            todo.append(output)
    staged, problems = [], []
    job = partial(stage_output, render, out_dir, stage, made=set())  # one set per process
    for output, (state, found, record) in zip(todo, fan_out(job, todo), strict=True):
        if found:
            problems += found
            continue
        report.rendered += 1
        entries[output.path] = Written(output.fingerprint, *record)
        if state == "staged":
            staged.append(output.path)
        else:
            report.unchanged += 1
    if problems:
        raise BuildError(_unique(problems))
    return staged, entries


def _as_recorded(path: str, known: Written) -> bool:
    """The file is there with the size and mtime newsgen recorded when it wrote it."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if known.size < 0:  # an older manifest: it recorded no more than that it wrote the file
        return stat.S_ISREG(st.st_mode)
    return st.st_size == known.size and st.st_mtime_ns == known.mtime_ns


def stage_output(
    render: Callable[[object], bytes], out_dir: Path, stage: Path, output, made: set | None = None
) -> tuple[str, list[Problem], tuple]:
    """Render one output into staging unless out_dir already holds the same bytes.

    Returns ("staged" | "same" | "failed", problems, (digest, size, mtime_ns) of the file
    that will be in place); may run in a worker process. `made` remembers the staging
    folders this process created: a cold build stages thousands of files into the same
    few folders, and a mkdir per file adds up.
    """
    try:
        data = render(output)
    except MissingBody:
        raise  # not this output's fault: the build's memory is stale (memory.py)
    except BuildError as exc:
        return "failed", list(exc.problems), ()
    digest = digest_bytes(data)
    target = safe_join(out_dir, output.path)
    same = _same_bytes(target, data)
    if same is not None:
        return "same", [], (digest, len(data), same)
    staged_file = safe_join(stage, output.path)
    try:
        if made is None or staged_file.parent not in made:
            staged_file.parent.mkdir(parents=True, exist_ok=True)
            if made is not None:
                if len(made) >= FOLDERS_HELD:  # a folder each for a million pages: start again
                    made.clear()
                made.add(staged_file.parent)
        staged_file.write_bytes(data)
        mtime = os.stat(staged_file).st_mtime_ns  # os.replace keeps it
    except OSError as exc:
        return "failed", [os_problem(exc, out_dir, f"stage {output.path}")], ()
    return "staged", [], (digest, len(data), mtime)


def _same_bytes(target: Path, data: bytes) -> int | None:
    """The target's mtime when it is a plain file holding exactly `data`, else None."""
    try:
        st = os.lstat(target)
        if st.st_size != len(data) or not stat.S_ISREG(st.st_mode):
            return None
        return st.st_mtime_ns if target.read_bytes() == data else None
    except OSError:
        return None


def _still_ours(path: Path, known: Written | None) -> bool:
    """The file is a plain file holding the bytes newsgen wrote there."""
    if known is None:
        return False
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False
    if known.size < 0:
        return True  # an older manifest's entry: it recorded no bytes
    if st.st_size != known.size:
        return False
    if st.st_mtime_ns == known.mtime_ns:
        return True
    try:
        return digest_bytes(path.read_bytes()) == known.digest
    except OSError:
        return False


def _removable(stale: list[str], out_dir: Path, manifest: Manifest, report: WriteReport) -> list[str]:
    """The stale files still as newsgen wrote them; the others are left where they are
    (someone changed them) and reported, and the manifest forgets both."""
    removes = []
    for rel in stale:
        target = out_dir.joinpath(*rel.split("/"))
        if _still_ours(target, manifest.entries[rel]):
            removes.append(rel)
        elif os.path.lexists(target):
            report.kept.append(rel)
    return removes


_IN_THE_WAY_HINT = (
    "move it out of the output folder (newsgen replaces only files it wrote), "
    "or build with --overwrite to let newsgen replace it"
)


def _check_targets(
    staged: list[str], removes: set[str], out_dir: Path, manifest: Manifest, overwrite: bool
) -> None:
    """Every file the commit would move in may take its place: refuse foreign files,
    folders and links in the way, and folders that cannot be written, naming each.
    A cold build stages thousands of files into the same few folders, so each folder is
    judged once (folders: folder -> problem or None)."""
    root = out_dir.resolve()
    problems: list[Problem] = []
    folders: dict[Path, Problem | None] = {}
    for rel in staged:
        target = safe_join(out_dir, rel)
        found = _in_the_way(target, rel, removes, out_dir, manifest, overwrite)
        if found is None:
            found = _folder_problem(target.parent, rel, removes, out_dir, root, folders)
        if found is not None:
            problems.append(found)
    if problems:
        raise BuildError(_listed(_unique_paths(problems)))


def _in_the_way(
    target: Path, rel: str, removes: set[str], out_dir: Path, manifest: Manifest, overwrite: bool
) -> Problem | None:
    """Why the file at `target`, if there is one, may not be replaced by newsgen's."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None  # an ancestor is a file: _folder_problem names it
    if stat.S_ISLNK(mode):
        return Problem(str(target), None, "a link newsgen did not make is in the way", _IN_THE_WAY_HINT)
    if stat.S_ISDIR(mode):
        foreign = [p for p in _files_below(target, out_dir) if p not in removes]
        if foreign:
            return Problem(
                str(target),
                None,
                "a folder is where newsgen writes a file, and it "
                f"holds files newsgen did not write (such as {foreign[0]})",
                _IN_THE_WAY_HINT,
            )
        return None  # it only holds stale files of ours, removed first
    known = manifest.entries.get(rel)
    if overwrite or _still_ours(target, known):
        return None
    what = "changed since newsgen wrote it" if known else "not written by newsgen"
    return Problem(str(target), None, f"the file is {what}; refusing to replace it", _IN_THE_WAY_HINT)


def _folder_problem(
    folder: Path, rel: str, removes: set[str], out_dir: Path, root: Path, judged: dict[Path, Problem | None]
) -> Problem | None:
    """Why a file cannot be moved into `folder`: a file of someone else's where a folder
    must be, a link out of the output, or a folder (or the nearest one that exists, where
    mkdir will write) that cannot be written."""
    if folder in judged:
        return judged[folder]
    try:
        mode = os.lstat(folder).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    if mode is None:  # made by the commit: its parent decides
        found = (
            _folder_problem(folder.parent, rel, removes, out_dir, root, judged)
            if folder != out_dir and folder.parent != folder
            else None
        )
    elif stat.S_ISDIR(mode):
        found = None if folder == out_dir else _leaving(folder, root)
        if found is None and not os.access(folder, os.W_OK):
            found = Problem(
                str(folder),
                None,
                "cannot write in this folder: "
                + ("the file system is read-only" if _read_only(folder) else "permission denied"),
                "choose a writable output folder with --output, or fix its permissions",
            )
    elif stat.S_ISLNK(mode) and os.path.isdir(folder):
        found = _leaving(folder, root)
    elif folder != out_dir and folder.relative_to(out_dir).as_posix() in removes:
        found = None  # a stale file of ours: removed before the move
    else:
        found = Problem(
            str(folder),
            None,
            f"a file newsgen did not write is where it needs the folder for {rel}",
            _IN_THE_WAY_HINT,
        )
    judged[folder] = found
    return found


def _check_staged(staged: list[str], files: Path) -> None:
    """Every staged file is still there before the journal promises to move it."""
    missing = [rel for rel in staged if not os.path.isfile(files.joinpath(*rel.split("/")))]
    if missing:
        raise BuildError(
            [
                Problem(
                    str(files / missing[0]),
                    None,
                    f"{len(missing)} staged file(s) "
                    "disappeared before the commit (something else removed them)",
                    "build again; make sure nothing else cleans that folder",
                )
            ]
        )


def _files_below(folder: Path, out_dir: Path) -> list[str]:
    found = []
    for top, dirs, files in os.walk(folder):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            found.append(Path(top, name).relative_to(out_dir).as_posix())
    return sorted(found)


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _unique_paths(problems: list[Problem]) -> list[Problem]:
    return list({p.path: p for p in problems}.values())


def _listed(problems: list[Problem]) -> list[Problem]:
    """At most MAX_LISTED problems of one kind, then a count: 17,000 lines hide the cause."""
    if len(problems) <= MAX_LISTED:
        return problems
    more = len(problems) - MAX_LISTED
    return problems[:MAX_LISTED] + [
        Problem("output", None, f"and {more} more file(s) in the way", problems[0].hint)
    ]


def _apply(
    plan: dict,
    out_dir: Path,
    stage: Path,
    report: WriteReport,
    manifest: Manifest | None = None,
    recovering: bool = False,
) -> None:
    """Carry out a commit plan; safe to run again after a kill at any point."""
    root = out_dir.resolve()
    records = plan.get("records", {})
    lost: list[str] = []
    for rel in plan["removes"]:
        target = safe_join(out_dir, rel)
        known = Written.of(records[rel]) if rel in records else None
        if (
            (known is None or _still_ours(target, known))
            and target.is_file()
            and not target.is_symlink()
            and _is_inside(target.parent, root)
        ):
            target.unlink()
            report.removed.append(rel)
            _prune_empty(target.parent, out_dir)
    if plan.get("whole") and _move_whole(stage / FILES, out_dir):
        report.written += plan["moves"]
        plan = {**plan, "moves": []}
    for rel in plan["moves"]:
        source = safe_join(stage / FILES, rel)
        if not source.exists():
            if recovering:
                lost.append(rel)  # moved before the kill, or taken by someone else
                continue
            raise BuildError(
                [
                    Problem(
                        str(source),
                        None,
                        "a staged file disappeared before the commit (something else removed it)",
                        "build again; make sure nothing else cleans that folder",
                    )
                ]
            )
        target = safe_join(out_dir, rel)
        if recovering:  # a fresh plan's folders were judged just before its journal
            _ensure_inside(target, out_dir, root)
        if target.is_dir() and not target.is_symlink():
            _remove_empty_tree(target)  # checked: it held only stale files of ours
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        report.written.append(rel)
    if plan.get("manifest"):
        _save_manifest(_without_lost(plan, lost, out_dir), manifest)


def _move_whole(files: Path, out_dir: Path) -> bool:
    """A first build's staged tree renamed into place as the output folder: one rename
    instead of one per file. False when that cannot be (the folder exists by now, or the
    rename happened before a kill), and the files are moved one by one as always."""
    if os.path.lexists(out_dir) or not files.is_dir():
        return False
    try:
        os.replace(files, out_dir)
    except OSError:
        return False  # made meanwhile by someone else: file by file, checked
    return True


def _without_lost(plan: dict, lost: list[str], out_dir: Path) -> dict:
    """The plan, with the manifest told the truth about staged files a recovery did not
    find: moved before the kill when the target holds the new bytes; else the previous
    record if the old file is still there, else nothing (the next build writes it anew)."""
    delta = plan.get("delta")
    if not lost or delta is None:
        return plan
    new, drop = dict(delta["set"]), list(delta["drop"])
    for rel in lost:
        target = out_dir.joinpath(*rel.split("/"))
        if rel in new and _still_ours(target, Written.of(new[rel])):
            continue
        previous = plan.get("previous", {}).get(rel)
        if previous is not None and _still_ours(target, Written.of(previous)):
            new[rel] = previous
        else:
            new.pop(rel, None)
            drop.append(rel)
    return {**plan, "delta": {"set": new, "drop": drop}}


def _remove_empty_tree(folder: Path) -> None:
    for top, dirs, _files in os.walk(folder, topdown=False):
        for name in dirs:
            os.rmdir(os.path.join(top, name))
    os.rmdir(folder)  # raises if a file appeared meanwhile: the commit stops, journal kept


def _save_manifest(plan: dict, manifest: Manifest | None) -> None:
    target = Manifest(Path(plan["manifest"])) if manifest is None else manifest
    if "entries" in plan:  # a journal written before journals carried a delta
        target.save({p: Written.of(v) for p, v in plan["entries"].items()})
    else:
        target.commit(plan["delta"])


def _is_inside(folder: Path, root: Path) -> bool:
    """False when a symlinked folder inside the output points elsewhere."""
    resolved = folder.resolve()
    return resolved == root or root in resolved.parents


def _leaving(folder: Path, root: Path) -> Problem | None:
    """The problem when writing into `folder` would follow a link out of the output."""
    if _is_inside(folder, root):
        return None
    return Problem(
        str(folder),
        None,
        f"refusing to write through a symbolic link that leaves {root}",
        f"remove the link {folder} from the output folder",
    )


def _ensure_inside(target: Path, out_dir: Path, root: Path) -> None:
    folder = target.parent
    while folder != out_dir and not folder.exists():  # mkdir creates the missing part
        folder = folder.parent
    found = None if folder == out_dir else _leaving(folder, root)
    if found is not None:
        raise BuildError([found])


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
    return [
        replace(p, message=f"{p.message} (and {more[k]} more output(s) failing here)") if more.get(k) else p
        for k, p in first.items()
    ]
