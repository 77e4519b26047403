"""`newsgen serve`: the command line of the preview (generator/preview/)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from pathlib import Path

from generator.cli.common import add_site_option
from generator.preview.session import LOOPBACK_NAMES, Preview, ServeOptions


def add_serve_command(commands) -> None:
    p = commands.add_parser(
        "serve",
        help="preview the site, rebuilding and reloading on every save",
        description="Build the site into a preview folder, serve it, and rebuild on every "
        "save; open tabs reload by themselves. Drafts and future articles are shown.",
    )
    add_site_option(p)
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default: 127.0.0.1; 0.0.0.0 makes the "
        "preview reachable from other machines)",
    )
    p.add_argument("--port", "-p", type=int, default=8000, help="port (default: 8000; 0: any free)")
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="DIR",
        help="build the preview here (default: .newsgen-cache/preview/, kept so "
        "the next start is quick; a temporary folder if that one is in use)",
    )
    p.add_argument(
        "--no-drafts",
        action="store_true",
        help="leave out drafts and future articles, as the published site does",
    )
    p.add_argument(
        "--navigate", action="store_true", help="open tabs follow to the article or page just saved"
    )
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the parse cache")
    p.set_defaults(run=run_serve)


def run_serve(args) -> int:
    options = ServeOptions(
        site_dir=args.site,
        host=args.host,
        port=args.port,
        output=args.output,
        drafts=not args.no_drafts,
        navigate=args.navigate,
        use_cache=not args.no_cache,
    )
    preview = Preview(options)
    _stop_on_signals()
    try:
        url = preview.start()
        if options.host not in LOOPBACK_NAMES:
            print("warning: the preview is reachable from other machines on this network", file=sys.stderr)
        print(f"serving {url} from {preview.out_dir} (Ctrl-C to stop)", flush=True)
        preview.wait()
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    except OSError as exc:
        print(f"cannot listen on {options.host}:{options.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        finished = preview.stop(build_timeout=3)
    if not finished:
        # A build's worker processes got the Ctrl-C too, so it can never finish; the
        # writer's journal lets the next start complete or discard it.
        print("stopped during a build; the next start completes it", file=sys.stderr)
        for worker in multiprocessing.active_children():
            worker.terminate()  # they would only fail writing to a server that is gone
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM stop the server; forked build workers just end, quietly."""
    server_pid = os.getpid()

    def interrupt(signum, frame) -> None:
        if os.getpid() != server_pid:
            os._exit(128 + signum)  # a build worker: the pool or the server is stopping
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
