"""Rendering: one Output in, its bytes out, by the kind that planned it."""

from __future__ import annotations

from generator.outputs.base import Output, Rendering
from generator.outputs.registry import Registry
from generator.outputs.templating import Templates
from generator.site import Site
from generator.theme import Theme


class Renderer:
    """Renders outputs of one Site through one theme; holds the compiled templates."""

    def __init__(self, site: Site, theme: Theme, kinds: Registry):
        self.rendering = Rendering(site, theme, Templates(site, theme), tuple(kinds))
        self.kinds = kinds  # who renders which Output.kind

    def __reduce__(self):
        # Sent to other machines' workers (workers.DaskMap) as what makes it: the
        # templates compile again there.
        r = self.rendering
        return (Renderer, (r.site, r.theme, self.kinds))

    @property
    def templates(self) -> Templates:
        return self.rendering.templates

    def render(self, output: Output) -> bytes:
        """The bytes of one output; raises BuildError naming the file at fault."""
        return self.kinds[output.kind].render(output, self.rendering)
