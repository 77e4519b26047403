"""Files copied as they are: the theme's assets, then the site's content/static/ files.

A site's file wins over a theme's at the same path. The theme's files live outside the
model, so the kind shows FILES and is planned (one stat per file) on every build.

The site's raster pictures are the exception to "as they are": they are published
without their EXIF, XMP and GPS data (images.published_original), unless the site
keeps them (`images.keep_metadata`). The stripped copy is kept in the image store.
"""

from __future__ import annotations

from pathlib import Path

from generator.images import ENCODER, published_copy
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
        site = planner.site
        keep = site.config.images.keep_metadata
        for s in site.statics:
            facts = site.images.get(s.rel)
            # A picture's published bytes follow its content and the privacy setting.
            raster = facts.digest if facts is not None and facts.raster else ""
            files[s.rel] = (s.source, f"{raster}|{keep}|{ENCODER}" if raster else s.stamp)
        for rel, (source, stamp) in sorted(files.items()):
            yield planner.output(self, rel, (source,), stamp)

    def render(self, output: Output, rendering: Rendering) -> bytes:
        source = output.key[0]
        site = rendering.site
        facts = site.images.get(output.path)
        if (
            facts is None
            or not facts.raster
            or site.config.images.keep_metadata
            or site.static_by_rel[output.path].source != source  # the theme's file
        ):
            return Path(source).read_bytes()
        return published_copy(source, facts.digest)


KINDS: tuple[OutputKind, ...] = (Static(),)
