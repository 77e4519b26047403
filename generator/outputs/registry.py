"""The output kinds a build plans, in order, by name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from generator.outputs.base import OutputKind


class Registry:
    """An ordered set of output kinds with unique names; immutable once made.

    The order is the planning order: static files first (so a clash with a page is named
    against the page), then pages, feeds and sitemaps.
    """

    def __init__(self, kinds: Iterable[OutputKind]):
        self._kinds = tuple(kinds)
        self._by_name = {k.name: k for k in self._kinds}
        if len(self._by_name) != len(self._kinds):
            names = [k.name for k in self._kinds]
            raise ValueError(f"two output kinds share a name: {sorted(names)}")

    def __iter__(self) -> Iterator[OutputKind]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def __getitem__(self, name: str) -> OutputKind:
        return self._by_name[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def replacing(self, kind: OutputKind) -> Registry:
        """These kinds with the one of `kind`'s name replaced by it, in its place."""
        if kind.name not in self._by_name:
            raise ValueError(f"no output kind is named {kind.name}")
        return Registry(kind if k.name == kind.name else k for k in self._kinds)

    def adding(self, *kinds: OutputKind) -> Registry:
        """These kinds and then the new ones (a plugin's, a test's)."""
        return Registry((*self._kinds, *kinds))
