"""`newsgen deploy`: publish the checked output to a folder, an rsync target or a git branch.

Every method mirrors the output: files that changed are sent, files the build no longer
makes are removed, and what the host needs that the build does not make (CNAME,
.nojekyll, the .git folder) is kept. The output is checked first; a site that fails
`newsgen check` is not published.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator.checker import check_site, output_folder
from generator.commandline import add_site_option

KEEP = frozenset({".git", "CNAME", ".nojekyll"})  # host files a mirror never deletes
_REMOTE = re.compile(r"^(?:[\w.-]+@)?[\w.-]{2,}:(?!//)")  # user@host:path, not C: or a URL


@dataclass(frozen=True)
class Change:
    """One file a deploy adds, updates or deletes at the destination."""

    action: str  # "add", "update" or "delete"
    path: str  # relative, with forward slashes

    def __str__(self) -> str:
        return f"{self.action:6} {self.path}"


def _files(root: Path, keep: frozenset[str] = frozenset()) -> dict[str, Path]:
    found = {}
    if not root.is_dir():
        return found
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if rel.parts[0] in keep or not (path.is_file() or path.is_symlink()):
            continue
        found[rel.as_posix()] = path
    return found


def _same(a: Path, b: Path) -> bool:
    sa, sb = a.stat(), b.stat()
    if sa.st_size != sb.st_size:
        return False
    if sa.st_mtime_ns == sb.st_mtime_ns:  # copy2 keeps the time: no need to read them
        return True
    return a.read_bytes() == b.read_bytes()


def plan_mirror(src: Path, dest: Path, keep: frozenset[str] = KEEP) -> list[Change]:
    """What makes dest a copy of src, leaving `keep` names at dest's top alone."""
    have, want = _files(dest, keep), _files(src)
    changes = [Change("add", rel) for rel in sorted(set(want) - set(have))]
    changes += [Change("update", rel) for rel in sorted(set(want) & set(have))
                if have[rel].is_symlink() or not _same(want[rel], have[rel])]
    changes += [Change("delete", rel) for rel in sorted(set(have) - set(want))]
    return changes


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
            shutil.rmtree(target)  # a folder where the build now has a file
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


def deploy_folder(src: Path, dest: Path, dry_run: bool = False) -> list[str]:
    """Mirror into a local folder without rsync."""
    changes = plan_mirror(src, dest)
    if not dry_run:
        dest.mkdir(parents=True, exist_ok=True)
        apply_mirror(src, dest, changes)
    return [str(c) for c in changes]


def deploy_rsync(src: Path, target: str, dry_run: bool = False) -> list[str]:
    """Mirror with rsync to a local path or user@host:path; returns rsync's change list."""
    rsync = shutil.which("rsync")
    if rsync is None:
        raise DeployError("rsync is not installed (Debian: apt-get install rsync)")
    # --checksum: a fresh build has new file times, but only changed bytes should travel.
    command = [rsync, "--recursive", "--links", "--times", "--checksum", "--delete",
               "--itemize-changes", "--omit-dir-times"]
    command += [f"--filter=P /{name}" for name in sorted(KEEP)]
    command += ["--dry-run"] if dry_run else []
    command += [f"{src}/", target if target.endswith("/") else target + "/"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise DeployError(f"rsync failed ({done.returncode}): {done.stderr.strip()}")
    return [line for line in done.stdout.splitlines() if line and not line.startswith(".d")]


class DeployError(Exception):
    """The deploy could not be done; the message says why."""


def _git(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run git; a remote that wants a password fails at once instead of waiting for one."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **_identity(), "GIT_TERMINAL_PROMPT": "0"})
    if check and done.returncode != 0:
        raise DeployError(f"git {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done


def _identity() -> dict[str, str]:
    """A committer for machines (CI) where git has none configured; a set one wins."""
    configured = subprocess.run(["git", "config", "user.email"], capture_output=True, text=True)
    if configured.stdout.strip() or os.environ.get("GIT_AUTHOR_EMAIL"):
        return {}
    return {"GIT_AUTHOR_NAME": "newsgen", "GIT_AUTHOR_EMAIL": "newsgen@localhost",
            "GIT_COMMITTER_NAME": "newsgen", "GIT_COMMITTER_EMAIL": "newsgen@localhost"}


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


def deploy_git(src: Path, remote: str, branch: str, dry_run: bool = False,
               message: str = "", cname: str = "") -> list[str]:
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
            if not (work / name).exists() or (name == "CNAME" and
                                              (work / name).read_text() != text):
                changes.append(Change("add" if not (work / name).exists() else "update", name))
                if not dry_run:
                    (work / name).write_text(text)
        if dry_run or not changes:
            return [str(c) for c in changes]
        apply_mirror(src, work, [c for c in changes if c.path not in extras])
        _git(["add", "--all"], work)
        _git(["commit", "-q", "-m", message or f"Deploy site ({len(changes)} files changed)"],
             work)
        _git(["push", "-q", "origin", f"HEAD:refs/heads/{branch}"], work)
        return [str(c) for c in changes]


def add_deploy_command(commands) -> None:
    p = commands.add_parser(
        "deploy", help="publish the built site to a folder, rsync target or git branch",
        description="Publish the output folder after `newsgen check` passes. TARGET is a "
        "folder, an rsync target (user@host:path) or, with --branch, a git remote. Only "
        "changed files are sent; files the build removed are removed.")
    p.add_argument("target", metavar="TARGET", help="folder, user@host:path, or git remote")
    add_site_option(p)
    p.add_argument("--output", "-o", type=Path, metavar="DIR", help="the built folder")
    p.add_argument("--branch", metavar="NAME",
                   help="deploy to this branch of the git remote TARGET, e.g. gh-pages")
    p.add_argument("--cname", metavar="DOMAIN", help="with --branch: write CNAME (custom domain)")
    p.add_argument("--message", "-m", default="", help="with --branch: the commit message")
    p.add_argument("--rsync", action="store_true", help="use rsync for a local folder too")
    p.add_argument("--dry-run", "-n", action="store_true",
                   help="list what would change, change nothing")
    p.set_defaults(run=run_deploy)


def run_deploy(args) -> int:
    report = check_site(args.site, args.output, None)
    if report is None:
        return 1
    if report.problems:
        for problem in report.problems:
            print(problem, file=sys.stderr)
        print(f"newsgen deploy: refusing to publish: `newsgen check` found "
              f"{len(report.problems)} problem(s)", file=sys.stderr)
        return 1
    src = output_folder(args.site, args.output)[0].resolve()
    try:
        changes = _deploy(src, args)
    except DeployError as exc:
        print(f"newsgen deploy: {exc}", file=sys.stderr)
        return 1
    for line in changes:
        print(line)
    verb = "would change" if args.dry_run else "changed"
    print(f"{verb} {len(changes)} file(s) at {args.target}")
    return 0


def _deploy(src: Path, args) -> list[str]:
    if args.branch:
        # git runs in a temporary folder, where a relative path would point elsewhere
        remote = str(Path(args.target).resolve()) if Path(args.target).exists() else args.target
        return deploy_git(src, remote, args.branch, args.dry_run, args.message,
                          args.cname or "")
    if args.rsync or _REMOTE.match(args.target):
        return deploy_rsync(src, args.target, args.dry_run)
    dest = Path(args.target).resolve()
    if dest == src or src in dest.parents or dest in src.parents:
        raise DeployError(f"{dest} overlaps the output folder {src}")
    return deploy_folder(src, dest, args.dry_run)
