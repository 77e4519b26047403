"""Pieces every `newsgen` subcommand shares: the --site option and printing problems."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_site_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--site",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the site folder, holding site.yaml and content/ (default: .)",
    )


def print_problems(problems) -> None:
    """Each problem on stderr: file:line, what is wrong, and the hint."""
    for problem in problems:
        print(problem, file=sys.stderr)
