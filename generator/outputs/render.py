"""Rendering: one Output in, its bytes out, by the kind that planned it."""

from __future__ import annotations

from generator.outputs.base import Output
from generator.outputs.registry import Registry
from generator.outputs.templating import Templates
from generator.site import Site
from generator.theme import Theme


class Renderer:
    """Renders outputs of one Site through one theme; holds the compiled templates."""

    def __init__(self, site: Site, theme: Theme, kinds: Registry):
        self.site = site  # the read-only model
        self.theme = theme  # the theme in use
        self.templates = Templates(site, theme)  # for HTML kinds; compiled on first use
        self.kinds = kinds  # who renders which Output.kind

    def render(self, output: Output) -> bytes:
        """The bytes of one output; raises BuildError naming the file at fault."""
        return self.kinds[output.kind].render(output, self)
