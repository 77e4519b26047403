"""Old addresses kept: a redirect at every path a story or page had before.

Kinds: `redirect` (an HTML page at each old path of `aliases:`, whose meta refresh and
canonical link send readers and search engines to the new URL; `noindex`, never in a
sitemap) and `redirects-file` (`_redirects`, the same moves as `old new 301` lines for
hosts that read one: Netlify, Cloudflare Pages). docs/deploy.md has the nginx map.

An old path that is also a new one (another story's URL) is refused by the plan's
one-file-one-output check, naming both.
"""

from __future__ import annotations

from html import escape

from generator.documents import Article, Page
from generator.outputs.base import Facet, Output, OutputKind, Planner, Rendering
from generator.site import Site
from generator.urls import link_abs_url, output_path, to_url

REDIRECTS_FILE = "_redirects"


def moves(site: Site) -> list[tuple[str, str]]:
    """(old route, new route) of every alias of the site, in a stable order."""
    found: dict[str, str] = {}
    docs: list[Article | Page] = [*site.articles, *site.pages]
    for doc in docs:
        for old in doc.aliases:
            if old.rstrip("/") != doc.route.rstrip("/"):
                found.setdefault(old, doc.route)
    return sorted(found.items())


def redirect_path(old: str) -> str:
    """The file that answers an old path: a path without a file extension is a folder."""
    last = old.rstrip("/").rsplit("/", 1)[-1]
    return output_path(old if old.endswith("/") or "." in last else old + "/")


class Redirect(OutputKind):
    """One old address: a page that sends its reader to the new one."""

    name = "redirect"
    shows = frozenset({Facet.LISTS, Facet.PAGES})

    def plan(self, planner: Planner):
        config = planner.site.config
        for old, new in moves(planner.site):
            yield planner.output(self, redirect_path(old), (old, new), to_url(config, new), config.base_url)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        config = rendering.site.config
        _, new = output.key
        link, full = escape(to_url(config, new)), escape(link_abs_url(config, new))
        return (
            "<!doctype html>\n"
            f'<html lang="{escape(config.language)}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(config.title)}</title>\n"
            f'<meta http-equiv="refresh" content="0; url={link}">\n'
            f'<link rel="canonical" href="{full}">\n'
            '<meta name="robots" content="noindex">\n</head>\n'
            f'<body>\n<p><a href="{link}">{full}</a></p>\n</body>\n</html>\n'
        ).encode()


class RedirectsFile(OutputKind):
    """`_redirects`: every move as a permanent redirect, for hosts that read the file."""

    name = "redirects-file"
    shows = frozenset({Facet.LISTS, Facet.PAGES})

    def plan(self, planner: Planner):
        found = moves(planner.site)
        if found:
            yield planner.output(self, REDIRECTS_FILE, (), found, planner.site.config.base_path)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        config = rendering.site.config
        lines = [f"{to_url(config, old)} {to_url(config, new)} 301" for old, new in moves(rendering.site)]
        return ("\n".join(lines) + "\n").encode()


KINDS: tuple[OutputKind, ...] = (Redirect(), RedirectsFile())
