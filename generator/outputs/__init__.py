"""Output kinds: every file a build writes is planned and rendered by one of them.

`KINDS` is newsgen's own set, in planning order; a build may be given another registry
(`KINDS.adding(MyKind())`). docs/architecture.md shows how to add a kind.
"""

from generator.outputs import feeds, images, live, pages, redirects, search, sitemaps, statics
from generator.outputs.registry import Registry

KINDS = Registry(
    (
        *statics.KINDS,
        *images.KINDS,
        *pages.KINDS,
        *live.KINDS,
        *feeds.KINDS,
        *search.KINDS,
        *redirects.KINDS,
        *sitemaps.KINDS,
    )
)
