"""Files copied as they are: the theme's assets, then the site's content/static/ files.

A site's file wins over a theme's at the same path. The theme's files live outside the
model, so the kind shows FILES and is planned (one stat per file) on every build.
"""

from __future__ import annotations

from pathlib import Path

from generator.outputs.base import Facet, Output, OutputKind, Planner, Rendering


class Static(OutputKind):
    """One copied file; its fingerprint is its source's size and modification time."""

    name = "static"
    shows = frozenset({Facet.FILES})

    def plan(self, planner: Planner):
        files: dict[str, tuple[str, str]] = {}
        for folder in planner.theme.static_dirs():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                st = path.stat()
                files[path.relative_to(folder).as_posix()] = (str(path), f"{st.st_size}:{st.st_mtime_ns}")
        for s in planner.site.statics:
            files[s.rel] = (s.source, s.stamp)
        for rel, (source, stamp) in sorted(files.items()):
            yield planner.output(self, rel, (source,), stamp)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        return Path(output.key[0]).read_bytes()


KINDS: tuple[OutputKind, ...] = (Static(),)
