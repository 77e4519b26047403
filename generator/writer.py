"""Writing the site: nothing in the output folder changes until every output rendered.

Rendered files are staged in a hidden folder beside the output folder (same file
system, so a rename moves them). Only when all outputs rendered does the commit move the
changed ones into place with os.replace, remove the files the previous build wrote that
no longer exist, and record the new manifest. A failed or killed build therefore leaves
the previous output as it was; files the build never wrote (CNAME, .git/) are never
touched.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import BuildError, Problem

STAGING_SUFFIX = ".newsgen-staging"


@dataclass
class WriteReport:
    """What a build did to the output folder."""

    written: list[str] = field(default_factory=list)  # files created or changed
    unchanged: int = 0  # files rendered again with the same bytes, or not re-rendered
    removed: list[str] = field(default_factory=list)  # files of the last build now gone
    rendered: int = 0  # outputs rendered in this build


def safe_join(out_dir: Path, rel: str) -> Path:
    """The file for an output path; refuses anything that could land outside out_dir."""
    parts = rel.split("/")
    if (not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel
            or any(p in ("", ".", "..") for p in parts)):
        raise BuildError([Problem(rel, None, "refusing to write outside the output folder",
                                  "fix the slug or URL pattern that produced this path")])
    return out_dir.joinpath(*parts)


def staging_dir(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}{STAGING_SUFFIX}"


class Manifest:
    """The files the last build wrote into an output folder, with their fingerprints."""

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, str] = {}
        if path and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self.entries = dict(data.get("files", {}))
            except (ValueError, OSError, AttributeError):
                self.entries = {}  # unreadable: treat every output as new

    def save(self, entries: dict[str, str]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"files": entries}, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


def write_outputs(outputs: Iterable, render: Callable[[object], bytes], out_dir: Path,
                  manifest: Manifest) -> WriteReport:
    """Render what changed into staging, then commit it to out_dir."""
    outputs = list(outputs)
    stage = staging_dir(out_dir)
    shutil.rmtree(stage, ignore_errors=True)  # left by a build that was killed
    report = WriteReport()
    try:
        staged = _stage(outputs, render, out_dir, stage, manifest, report)
        _commit(staged, out_dir, stage, report)
        _remove_stale(outputs, out_dir, manifest, report)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    manifest.save({o.path: o.fingerprint for o in outputs})
    return report


def _stage(outputs, render, out_dir: Path, stage: Path, manifest: Manifest,
           report: WriteReport) -> list[str]:
    staged, problems = [], []
    for output in outputs:
        target = safe_join(out_dir, output.path)
        if manifest.entries.get(output.path) == output.fingerprint and target.is_file():
            report.unchanged += 1
            continue
        try:
            data = render(output)
        except BuildError as exc:
            problems += exc.problems
            continue
        report.rendered += 1
        if _same_bytes(target, data):
            report.unchanged += 1
            continue
        staged_file = safe_join(stage, output.path)
        staged_file.parent.mkdir(parents=True, exist_ok=True)
        staged_file.write_bytes(data)
        staged.append(output.path)
    if problems:
        raise BuildError(_unique(problems))
    return staged


def _same_bytes(target: Path, data: bytes) -> bool:
    try:
        return target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError:
        return False


def _commit(staged: list[str], out_dir: Path, stage: Path, report: WriteReport) -> None:
    for rel in staged:
        target = safe_join(out_dir, rel)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)  # a folder of the last build where a file now goes
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(safe_join(stage, rel), target)
        report.written.append(rel)


def _remove_stale(outputs, out_dir: Path, manifest: Manifest, report: WriteReport) -> None:
    current = {o.path for o in outputs}
    for rel in sorted(set(manifest.entries) - current):
        try:
            target = safe_join(out_dir, rel)
        except BuildError:
            continue  # a hand-edited manifest must not make us delete elsewhere
        if target.is_file() and not target.is_symlink():
            target.unlink()
            report.removed.append(rel)
            _prune_empty(target.parent, out_dir)


def _prune_empty(folder: Path, out_dir: Path) -> None:
    while folder != out_dir and out_dir in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty, or not ours to remove
        folder = folder.parent


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
