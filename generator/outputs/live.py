"""Live coverage's own file: the entries of each live story as JSON, beside its page.

Kind: `live-entries` (`2026/11/24/x/live.json`). The page's script (the theme's
js/live.js) fetches it every `live_poll_seconds` while the page is open and puts new
entries at the top, so readers follow the coverage with no server behind the site; when
`open` turns false it shows that coverage ended and stops. A story keeps its file after
coverage ends, so a page opened earlier learns of the end.
"""

from __future__ import annotations

import json

from generator.coverage import time_style
from generator.documents import Article
from generator.outputs.base import Facet, Output, OutputKind, Planner, Rendering
from generator.urls import live_json_path, to_url


class LiveEntries(OutputKind):
    """live.json of every live story: its entries, newest first, and whether it is open."""

    name = "live-entries"
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS, Facet.BODY})

    def plan(self, planner: Planner):
        site = planner.site
        for i, a in enumerate(site.articles):
            if a.live:
                yield planner.output(self, live_json_path(a.route), (i,), a.digest, a.live_open)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        article = rendering.site.articles[output.key[0]]
        return json.dumps(entries_of(rendering, article), ensure_ascii=False, indent=1).encode()


def entries_of(rendering: Rendering, article: Article) -> dict:
    """What the page's script reads: the same entries, times and texts the page shows."""
    t = rendering.templates
    config = rendering.site.config
    return {
        "url": to_url(config, article.route),
        "open": article.live_open,
        "ended": article.live_until.isoformat() if article.live_until and not article.live_open else None,
        "ended_text": (
            t.text("live_ended", article.lang, when=t.date_text(article.live_until, article.lang, "datetime"))
            if article.live_until and not article.live_open
            else ""
        ),
        "modified": article.modified.isoformat(),
        "entries": [
            {
                "id": e.anchor,
                "time": e.when.isoformat(),
                "time_text": t.date_text(e.when, article.lang, time_style(e.when, article.date)),
                "title": e.title,
                "html": e.html,
            }
            for e in article.live_entries
        ],
    }


KINDS: tuple[OutputKind, ...] = (LiveEntries(),)
