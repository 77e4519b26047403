"""`newsgen init` and `newsgen new`: the command lines of scaffold.py."""

from __future__ import annotations

import sys
from pathlib import Path

from generator.cli.common import add_site_option, print_problems
from generator.config import CONFIG_FILE
from generator.documents import STORY_TYPES
from generator.errors import BuildError
from generator.scaffold import init_site, new_article


def add_init_command(commands) -> None:
    p = commands.add_parser(
        "init",
        help="start a new site in a folder",
        description="Write a new site: site.yaml with every setting, an "
        "About Us page and a sample article. It builds at once.",
    )
    p.add_argument("path", type=Path, metavar="PATH", help="the new site's folder")
    p.add_argument("--title", default="My News Site", help="the site name")
    p.add_argument(
        "--base-url", default="http://localhost:8000/", metavar="URL", help="where the site will be published"
    )
    p.add_argument("--language", default="en", help="theme language: en or es")
    p.add_argument("--timezone", default="UTC", help="IANA zone, e.g. Europe/Madrid")
    p.set_defaults(run=run_init)


def run_init(args) -> int:
    try:
        written = init_site(args.path, args.title, args.base_url, args.language, args.timezone)
    except FileExistsError as exc:
        print(f"newsgen init: {exc}", file=sys.stderr)
        return 1
    except BuildError as exc:
        (args.path / CONFIG_FILE).unlink(missing_ok=True)
        print_problems(exc.problems)
        return 1
    for path in written:
        print(f"created {path}")
    print(f"next: cd {args.path} && newsgen build && newsgen serve")
    return 0


def add_new_command(commands) -> None:
    p = commands.add_parser(
        "new",
        help="write a new article file",
        description="Write content/articles/YEAR/SLUG.md dated now in "
        "the site's time zone. An existing file is never replaced.",
    )
    p.add_argument("headline", help="the article's title; its slug names the file")
    p.add_argument("--category", required=True, help="the section, e.g. International")
    p.add_argument("--author", default="", help="byline (default: site.yaml's author)")
    p.add_argument("--draft", action="store_true", help="mark it draft: true")
    p.add_argument(
        "--type",
        default="news",
        choices=list(STORY_TYPES),
        help="the story type, labelled above the headline (default: news)",
    )
    p.add_argument("--live", action="store_true", help="a live story: timed entries, newest first")
    add_site_option(p)
    p.set_defaults(run=run_new)


def run_new(args) -> int:
    try:
        path = new_article(
            args.site,
            args.headline,
            args.category,
            args.author,
            args.draft,
            story_type=args.type,
            live=args.live,
        )
    except (FileExistsError, ValueError) as exc:
        print(f"newsgen new: {exc}", file=sys.stderr)
        return 1
    except BuildError as exc:
        print_problems(exc.problems)
        return 1
    print(f"created {path}")
    return 0
