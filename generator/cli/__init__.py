"""The `newsgen` command line: every subcommand's arguments, parsed here and only here.

One module per subcommand (build, serve, init and new, import, check, deploy), each with
`add_*_command(commands)` and the `run_*(args)` it dispatches to; the domain modules
they call take plain values and know nothing of argparse.
"""

from __future__ import annotations

import argparse

from generator import __version__
from generator.cli import build, check, deploy, importing, scaffold, serve


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    return args.run(args)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsgen", description="Build and preview a static news site.")
    parser.add_argument("--version", action="version", version=f"newsgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build.add_build_command(commands)
    serve.add_serve_command(commands)
    scaffold.add_init_command(commands)
    scaffold.add_new_command(commands)
    importing.add_import_command(commands)
    check.add_check_command(commands)
    deploy.add_deploy_command(commands)
    return parser
