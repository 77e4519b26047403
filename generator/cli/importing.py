"""`newsgen import`: the command line of the importers (generator/importers/)."""

from __future__ import annotations

import sys
from datetime import datetime

from generator.cli.common import add_site_option, print_problems
from generator.errors import BuildError
from generator.importers import FORMATS, PRIVATE, import_source


def add_import_command(commands) -> None:
    p = commands.add_parser(
        "import",
        help="import articles from scraped text, a feed, a WordPress export, a Jekyll or Hugo site",
        description="Write content files from SOURCE: a text file copied from an article "
        "page, an RSS/Atom feed (file or URL), a WordPress export (WXR), or the folder of a "
        "Jekyll or Hugo site. Every item is imported, skipped or refused with its reason; "
        "items imported before are found by their id; old addresses become redirects.",
    )
    p.add_argument("source", metavar="SOURCE", help="a file or folder path, or a feed URL")
    add_site_option(p)
    p.add_argument(
        "--format", choices=FORMATS, default="auto", help="what SOURCE is (default: tell from its content)"
    )
    p.add_argument(
        "--as-of",
        metavar="DATE",
        type=datetime.fromisoformat,
        help="when scraped text was read, for dates like `1 days ago` "
        "(default: the file's modification time), e.g. 2026-11-25T09:30:00",
    )
    p.add_argument("--category", default="", help="section for items that name none")
    p.add_argument("--author", default="", help="byline for items that name none")
    p.add_argument("--slug", default="", help="file and URL name (one-item sources only)")
    p.add_argument(
        "--private",
        choices=PRIVATE,
        default="draft",
        help="private and password-protected WordPress posts: import them as drafts "
        "(default) or skip them; they are never published",
    )
    p.add_argument(
        "--download-images",
        action="store_true",
        help="fetch the pictures the items show from their old site into content/static/ "
        "(bounded in number, size and time; only images)",
    )
    p.add_argument(
        "--keep-html",
        action="store_true",
        help="keep HTML bodies as HTML instead of converting them to Markdown",
    )
    p.set_defaults(run=run_import)


def run_import(args) -> int:
    try:
        report = import_source(
            args.site,
            args.source,
            args.format,
            args.as_of,
            args.category,
            args.author,
            args.slug,
            args.keep_html,
            args.private,
            args.download_images,
        )
    except (OSError, ValueError) as exc:
        print(f"newsgen import: {exc}", file=sys.stderr)
        return 1
    except BuildError as exc:
        print_problems(exc.problems)
        return 1
    for path in report.written:
        print(f"created {path}")
    for path in report.kept:
        print(f"already imported: {path}")
    for line in report.skipped:
        print(f"skipped {line}")
    for line in report.refused:
        print(f"refused {line}", file=sys.stderr)
    for old, new in report.moved:
        print(f"moved {old} -> {new} (the build redirects the old address)")
    for path in report.copied:
        print(f"copied {path}")
    for note in report.notes:
        print(f"not mapped: {note}")
    print(
        f"{report.items} item(s): imported {len(report.written)}, already imported {len(report.kept)}, "
        f"skipped {len(report.skipped)}, refused {len(report.refused)}; "
        f"{len(report.moved)} old address(es) redirect; {len(report.notes)} note(s)"
    )
    if report.refused:
        return 1
    if report.items and not report.written and not report.kept:
        print("newsgen import: nothing imported from this source", file=sys.stderr)
        return 1
    return 0
