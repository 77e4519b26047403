"""`newsgen check`: the command line of checker.py."""

from __future__ import annotations

import sys
from pathlib import Path

from generator.checker import CheckReport, check_content, check_output, output_folder, published_base_url
from generator.cli.common import add_site_option, print_problems
from generator.errors import BuildError


def add_check_command(commands) -> None:
    p = commands.add_parser(
        "check",
        help="check the built site for broken links and more",
        description="Check the sources as a build reads them (corrections dated before "
        "their story, live entries without a time, unused author files...) and the output "
        "of `newsgen build`: internal "
        "links, images, stylesheets and #anchors resolve, feeds parse, the "
        "sitemap lists exactly the public pages, no page is orphaned; "
        "warns about published pictures that carry GPS data.",
    )
    add_site_option(p)
    p.add_argument("--output", "-o", type=Path, metavar="DIR", help="the folder to check")
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="the URL the output was built for (default: read from sitemap.xml, else site.yaml)",
    )
    p.set_defaults(run=run_check)


def run_check(args) -> int:
    content = check_content(args.site) if (args.site / "content").is_dir() else []
    report = check_site(args.site, args.output, args.base_url)
    if report is None:
        print_problems(content)
        return 1
    report.problems[:0] = content
    for problem in report.problems:
        print(problem, file=sys.stderr)
    errors = [p for p in report.problems if p.severity == "error"]
    warned = len(report.problems) - len(errors)
    print(
        f"checked {report.pages} pages, {report.links} links, {report.feeds} feeds: "
        f"{len(errors)} problem(s)" + (f", {warned} warning(s)" if warned else "")
    )
    return 1 if errors else 0


def check_site(site: Path, output: Path | None, base_url: str | None) -> CheckReport | None:
    """Check a site's output folder; prints why and returns None when it cannot start."""
    try:
        folder, configured = output_folder(site, output)
    except BuildError as exc:
        print_problems(exc.problems)
        return None
    if not (folder / "index.html").is_file():
        print(f"newsgen check: {folder} holds no built site; run `newsgen build` first", file=sys.stderr)
        return None
    return check_output(folder, base_url or published_base_url(folder, configured))
