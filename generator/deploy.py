"""`newsgen deploy`: publish the checked output to a folder, an rsync target or a git branch.

Every method mirrors the output: files that changed are sent, files the build no longer
makes are removed, and what the host needs that the build does not make (CNAME,
.nojekyll, the .git folder) is kept. The output is checked first; a site that fails
`newsgen check` is not published.

Its invariant: a deploy deletes or replaces only files that newsgen's last deploy there
wrote. Each deploy to a folder or rsync target leaves a marker (MARKER) listing the files
it sent; the next one deletes only listed files the build no longer makes. A folder with
no marker that holds anything else is refused unless --force (a home folder used as a
target once lost `.ssh/` that way), and the home folder, `/` and the site folder are
refused always. With --force, files in the way are replaced, but nothing unlisted is
ever deleted. A git branch is the exception: it is newsgen's whole tree, and its history
keeps every earlier version.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

MARKER = ".newsgen-deploy.json"  # at the destination: the files the last deploy sent
KEEP = frozenset({".git", "CNAME", ".nojekyll", MARKER})  # a mirror never deletes these
REMOTE = re.compile(r"^(?:[\w.-]+@)?[\w.-]{2,}:(?!//)")  # user@host:path, not C: or a URL


@dataclass(frozen=True)
class Change:
    """One file a deploy adds, updates or deletes at the destination."""

    action: str  # "add", "update" or "delete"
    path: str  # relative, with forward slashes

    def __str__(self) -> str:
        return f"{self.action:6} {self.path}"


def _files(root: Path, keep: frozenset[str] = frozenset()) -> dict[str, Path]:
    found: dict[str, Path] = {}
    if not root.is_dir():
        return found
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if (
            rel.parts[0] in keep
            or rel.parts[0].startswith(".newsgen")
            or not (path.is_file() or path.is_symlink())
        ):
            continue
        found[rel.as_posix()] = path
    return found


def refuse_target(dest: Path, site_dir: Path) -> None:
    """The folders no deploy may mirror into, whatever the options."""
    dest = dest.resolve()
    site = site_dir.resolve()
    if dest in (Path("/"), Path.home().resolve()) or dest == site or dest in site.parents:
        raise DeployError(
            f"refusing to deploy into {dest}: it is the root, a home folder or "
            "holds the site; choose a folder of its own, such as /var/www/news"
        )


def deployed_before(dest: Path) -> set[str] | None:
    """The files newsgen's last deploy to dest sent, or None when it never deployed there."""
    try:
        data = json.loads((dest / MARKER).read_text(encoding="utf-8"))
        return set(data["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _marker(files) -> str:
    return json.dumps({"files": sorted(files), "by": "newsgen deploy"}, indent=0)


def _refuse_unowned(
    target: str, there: list[str], in_the_way: list[str], deployed: bool, force: bool
) -> None:
    """Refuse, unless forced, a target newsgen never deployed to that holds files (`there`),
    and files in the way that its last deploy did not send. `target` ends with "/"."""
    if force:
        return
    if not deployed and there:
        raise DeployError(
            f"refusing to deploy into {target}: newsgen has not deployed there "
            f"before and it holds other files (such as {there[0]}); deploy into "
            "an empty folder, or pass --force (newsgen then replaces files in "
            "the way but deletes none of them)"
        )
    if in_the_way:
        more = f" and {len(in_the_way) - 1} more" if len(in_the_way) > 1 else ""
        raise DeployError(
            f"refusing to replace {target}{in_the_way[0]}{more}: newsgen's last "
            "deploy did not write it; move it away, or pass --force"
        )


def _same(a: Path, b: Path) -> bool:
    sa, sb = a.stat(), b.stat()
    if sa.st_size != sb.st_size:
        return False
    if sa.st_mtime_ns == sb.st_mtime_ns:  # copy2 keeps the time: no need to read them
        return True
    return a.read_bytes() == b.read_bytes()


def plan_mirror(
    src: Path, dest: Path, keep: frozenset[str] = KEEP, owned: set[str] | None = None, force: bool = False
) -> list[Change]:
    """What makes dest a copy of src, leaving `keep` names at dest's top alone and
    deleting only files in `owned` (all of them when owned is None: a tree of newsgen's
    own, such as a deploy branch). Without `force`, a file newsgen did not send that is
    in the way is an error."""
    have, want = _files(dest, keep), _files(src)
    deletable = set(have) if owned is None else set(have) & owned
    in_the_way = sorted(
        rel
        for rel in set(want) & set(have) - deletable
        if have[rel].is_symlink() or not _same(want[rel], have[rel])
    )
    _refuse_unowned(f"{dest}/", [], in_the_way, True, force)
    changes = [Change("add", rel) for rel in sorted(set(want) - set(have))]
    changes += [
        Change("update", rel)
        for rel in sorted(set(want) & set(have))
        if have[rel].is_symlink() or not _same(want[rel], have[rel])
    ]
    changes += [Change("delete", rel) for rel in sorted(deletable - set(want))]
    _refuse_folders_in_the_way(dest, want, deletable)
    return changes


def _refuse_folders_in_the_way(dest: Path, want: dict, deletable: set[str]) -> None:
    """A file of the build where dest has a folder holding files newsgen may not delete."""
    for rel in want:
        target = dest / rel
        if target.is_dir() and not target.is_symlink():
            below = {p.relative_to(dest).as_posix() for p in target.rglob("*") if not p.is_dir()}
            if below - deletable:
                raise DeployError(
                    f"refusing to replace the folder {target}: it holds files "
                    f"newsgen's last deploy did not write ({sorted(below - deletable)[0]})"
                )


def apply_mirror(src: Path, dest: Path, changes: list[Change]) -> None:
    # Deletions first: a file may have to make way for a folder of the same name.
    for change in sorted(changes, key=lambda c: c.action != "delete"):
        target = dest / change.path
        if change.action == "delete":
            if target.is_file() or target.is_symlink():
                target.unlink()
            _prune(target.parent, dest)
            continue
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)  # checked: only files newsgen sent were below it
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.newsgen-tmp")
        shutil.copy2(src / change.path, tmp)
        os.replace(tmp, target)  # readers never see half a file


def _prune(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty
        folder = folder.parent


def deploy_folder(src: Path, dest: Path, dry_run: bool = False, force: bool = False) -> list[str]:
    """Mirror into a local folder without rsync; the marker is written last."""
    before = deployed_before(dest)
    _refuse_unowned(f"{dest}/", sorted(_files(dest, KEEP)), [], before is not None, force)
    changes = plan_mirror(src, dest, owned=before or set(), force=force)
    if not dry_run:
        dest.mkdir(parents=True, exist_ok=True)
        apply_mirror(src, dest, changes)
        sent = set(_files(src))
        if before != sent:
            tmp = dest / f"{MARKER}.tmp"
            tmp.write_text(_marker(sent), encoding="utf-8")
            os.replace(tmp, dest / MARKER)
    return [str(c) for c in changes]


def deploy_rsync(src: Path, target: str, dry_run: bool = False, force: bool = False) -> list[str]:
    """Mirror with rsync to a local path or user@host:path; returns rsync's change list.

    rsync's own --delete would remove everything else at the target, so the target's
    marker is fetched first; the copy runs without --delete, and a second run deletes
    exactly the files the last deploy sent that the build no longer makes.
    """
    rsync = shutil.which("rsync")
    if rsync is None:
        raise DeployError("rsync is not installed (Debian: apt-get install rsync)")
    target = target if target.endswith("/") else target + "/"
    with tempfile.TemporaryDirectory(prefix="newsgen-rsync-") as tmp:
        work = Path(tmp)
        before = _remote_marker(rsync, target, work)
        there = _remote_files(rsync, target)
        sent = set(_files(src))
        in_the_way = sorted(set(there) & sent - (before or set()))
        _refuse_unowned(target, there, in_the_way, before is not None, force)
        (work / "marker").mkdir()
        (work / "marker" / MARKER).write_text(_marker(sent), encoding="utf-8")
        # --checksum: a fresh build has new file times, but only changed bytes should travel.
        common = [
            rsync,
            "--recursive",
            "--links",
            "--times",
            "--checksum",
            "--itemize-changes",
            "--omit-dir-times",
            "--exclude=/.newsgen*/",
            *(["--dry-run"] if dry_run else []),
        ]
        lines = _rsync([*common, f"{src}/", f"{work / 'marker'}/", target])
        stale = sorted((before or set()) - sent)
        if stale:
            lines += _rsync_delete(common, stale, work, target)
    return [line for line in lines if line and not line.startswith(".d") and not line.endswith(MARKER)]


def _rsync_delete(common: list[str], stale: list[str], work: Path, target: str) -> list[str]:
    """Delete exactly `stale` at the target: each is named as a source that is missing
    (--delete-missing-args) from an empty tree holding only their folders."""
    skeleton = work / "skeleton"
    for rel in stale:
        (skeleton / rel).parent.mkdir(parents=True, exist_ok=True)
    (work / "stale").write_text("\n".join(stale) + "\n", encoding="utf-8")
    return _rsync(
        [*common, "--delete-missing-args", f"--files-from={work / 'stale'}", f"{skeleton}/", target]
    )


def _rsync(command: list[str]) -> list[str]:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise DeployError(f"rsync failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout.splitlines()


def _remote_marker(rsync: str, target: str, work: Path) -> set[str] | None:
    done = subprocess.run([rsync, target + MARKER, str(work / MARKER)], capture_output=True, text=True)
    return deployed_before(work) if done.returncode == 0 else None


def _remote_files(rsync: str, target: str) -> list[str]:
    """The files the target holds besides the host's own ([] when it does not exist)."""
    done = subprocess.run([rsync, "--list-only", "--recursive", target], capture_output=True, text=True)
    if done.returncode != 0:
        return []
    files = []
    for line in done.stdout.splitlines():
        fields = line.split(None, 4)  # mode, size, date, time, name
        if len(fields) == 5 and not fields[0].startswith("d") and fields[4].split("/")[0] not in KEEP:
            files.append(fields[4])
    return sorted(files)


class DeployError(Exception):
    """The deploy could not be done; the message says why."""


def _git(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run git; a remote that wants a password fails at once instead of waiting for one."""
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **_identity(), "GIT_TERMINAL_PROMPT": "0"},
    )
    if check and done.returncode != 0:
        raise DeployError(f"git {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done


def _identity() -> dict[str, str]:
    """A committer for machines (CI) where git has none configured; a set one wins."""
    configured = subprocess.run(["git", "config", "user.email"], capture_output=True, text=True)
    if configured.stdout.strip() or os.environ.get("GIT_AUTHOR_EMAIL"):
        return {}
    return {
        "GIT_AUTHOR_NAME": "newsgen",
        "GIT_AUTHOR_EMAIL": "newsgen@localhost",
        "GIT_COMMITTER_NAME": "newsgen",
        "GIT_COMMITTER_EMAIL": "newsgen@localhost",
    }


def _checkout(work: Path, remote: str, branch: str) -> None:
    """The branch's current tree in work, or an empty orphan branch if it is new."""
    _git(["init", "-q"], work)
    _git(["remote", "add", "origin", remote], work)
    found = _git(["ls-remote", "--exit-code", "--heads", "origin", branch], work, check=False)
    if found.returncode == 0:
        _git(["fetch", "-q", "--depth", "1", "origin", branch], work)
        _git(["checkout", "-q", "-B", branch, "FETCH_HEAD"], work)
    elif found.returncode == 2:  # the remote answered: no such branch yet
        _git(["checkout", "-q", "--orphan", branch], work)
    else:
        raise DeployError(f"cannot reach the git remote {remote}: {found.stderr.strip()}")


def deploy_git(
    src: Path, remote: str, branch: str, dry_run: bool = False, message: str = "", cname: str = ""
) -> list[str]:
    """Commit the output as the whole tree of `branch` at `remote` and push it.

    CNAME and .nojekyll already on the branch stay; .nojekyll is added because GitHub
    Pages would otherwise run Jekyll over the site and hide files starting with `_`.
    """
    with tempfile.TemporaryDirectory(prefix="newsgen-deploy-") as tmp:
        work = Path(tmp)
        _checkout(work, remote, branch)
        changes = plan_mirror(src, work)
        extras = {".nojekyll": ""} | ({"CNAME": cname.strip() + "\n"} if cname else {})
        for name, text in extras.items():
            if not (work / name).exists() or (name == "CNAME" and (work / name).read_text() != text):
                changes.append(Change("add" if not (work / name).exists() else "update", name))
                if not dry_run:
                    (work / name).write_text(text)
        if dry_run or not changes:
            return [str(c) for c in changes]
        apply_mirror(src, work, [c for c in changes if c.path not in extras])
        _git(["add", "--all"], work)
        _git(["commit", "-q", "-m", message or f"Deploy site ({len(changes)} files changed)"], work)
        _git(["push", "-q", "origin", f"HEAD:refs/heads/{branch}"], work)
        return [str(c) for c in changes]
