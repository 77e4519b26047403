"""`newsgen deploy`: the command line of deploy.py; it checks the output first."""

from __future__ import annotations

import sys
from pathlib import Path

from generator.checker import output_folder
from generator.cli.check import check_site
from generator.cli.common import add_site_option
from generator.config import load_config
from generator.deploy import REMOTE, DeployError, deploy_folder, deploy_git, deploy_rsync, refuse_target
from generator.errors import BuildError
from generator.locks import site_lock
from generator.websub import HubError, announce, feed_urls


def add_deploy_command(commands) -> None:
    p = commands.add_parser(
        "deploy",
        help="publish the built site to a folder, rsync target or git branch",
        description="Publish the output folder after `newsgen check` passes. TARGET is a "
        "folder, an rsync target (user@host:path) or, with --branch, a git remote. Only "
        "changed files are sent; files the build removed are removed.",
    )
    p.add_argument("target", metavar="TARGET", help="folder, user@host:path, or git remote")
    add_site_option(p)
    p.add_argument("--output", "-o", type=Path, metavar="DIR", help="the built folder")
    p.add_argument(
        "--branch", metavar="NAME", help="deploy to this branch of the git remote TARGET, e.g. gh-pages"
    )
    p.add_argument("--cname", metavar="DOMAIN", help="with --branch: write CNAME (custom domain)")
    p.add_argument("--message", "-m", default="", help="with --branch: the commit message")
    p.add_argument("--rsync", action="store_true", help="use rsync for a local folder too")
    p.add_argument(
        "--force",
        action="store_true",
        help="deploy into a folder newsgen has not deployed to before even though "
        "it holds other files, replacing files in the way (none is deleted)",
    )
    p.add_argument("--dry-run", "-n", action="store_true", help="list what would change, change nothing")
    p.set_defaults(run=run_deploy)


def run_deploy(args) -> int:
    """Check and publish, holding the site's build lock: a build that starts meanwhile
    waits, so no half-committed output is ever sent."""
    try:
        with site_lock(args.site.resolve(), on_wait=lambda m: print(m, file=sys.stderr)):
            return _check_and_deploy(args)
    except BuildError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1


def _check_and_deploy(args) -> int:
    report = check_site(args.site, args.output, None)
    if report is None:
        return 1
    if report.problems:
        for problem in report.problems:
            print(problem, file=sys.stderr)
        print(
            f"newsgen deploy: refusing to publish: `newsgen check` found {len(report.problems)} problem(s)",
            file=sys.stderr,
        )
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
    if not args.dry_run:
        _announce(args.site, changes)
    return 0


def _announce(site: Path, changes: list[str]) -> None:
    """Tell the site's WebSub hub which feeds changed; a failure is only a warning."""
    config = load_config(site.resolve())
    sent = [
        line.split(None, 1)[1]
        for line in changes
        if " " in line.strip() and not line.startswith(("delete", "*deleting"))
    ]
    urls = feed_urls(config, sent)
    if not config.websub_hub or not urls:
        return
    try:
        announce(config.websub_hub, urls)
    except HubError as exc:
        print(
            f"newsgen deploy: warning: published, but {exc}: feed readers hear of it at their "
            f"next poll ({config.websub_hub})",
            file=sys.stderr,
        )
        return
    print(f"announced {len(urls)} changed feed(s) to {config.websub_hub}")


def _deploy(src: Path, args) -> list[str]:
    if args.branch:
        # git runs in a temporary folder, where a relative path would point elsewhere
        remote = str(Path(args.target).resolve()) if Path(args.target).exists() else args.target
        return deploy_git(src, remote, args.branch, args.dry_run, args.message, args.cname or "")
    force = getattr(args, "force", False)
    if not REMOTE.match(args.target):
        dest = Path(args.target).resolve()
        refuse_target(dest, getattr(args, "site", None) or src.parent)
        if dest == src or src in dest.parents or dest in src.parents:
            raise DeployError(f"{dest} overlaps the output folder {src}")
    if args.rsync or REMOTE.match(args.target):
        return deploy_rsync(src, args.target, args.dry_run, force)
    return deploy_folder(src, dest, args.dry_run, force)
