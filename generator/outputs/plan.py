"""The plan: every output of the site with its fingerprint, and re-planning after edits.

A full plan asks every kind for its outputs. After an edit, `replan` keeps what the
previous plan's kinds declared they cannot have changed, using nothing but their facets:

- kinds that show CLOCK or FILES are planned again on every build;
- what a kind shows and what it plans from (`plans_from`) count alike here;
- when the new model shares every index with the previous one and only articles' body
  fields changed (a body-only edit, see documents.BODY_FIELDS), kinds that show BODY
  are planned again, only for the edited articles when the kind is per article, and not
  at all when the kind names the body fields it reads (`body_reads`) and the edit left
  them as they were;
- everything else is planned in full.

Invariant: replan(previous, site, ...) equals the full plan of `site`; the incremental
tests prove it for every kind (tests/test_incremental.py, tests/test_outputs.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from itertools import chain, compress, count
from operator import is_not

from generator.errors import BuildError, Problem
from generator.outputs.base import Facet, Output, OutputKind, Planner, navigation_digest
from generator.outputs.registry import Registry
from generator.site import Site
from generator.theme import Theme

# Facets read from outside the model's shared indexes: planned again on every build.
ALWAYS_PLANNED = frozenset({Facet.CLOCK, Facet.FILES})
# Site fields a body-only edit may change; every other one must be the very same object.
_EDITABLE = {"articles", "built_at"}
_SHARED = tuple(f.name for f in fields(Site) if f.name not in _EDITABLE)


@dataclass(frozen=True)
class Plan:
    """Every output of one model, kind by kind, with what it was planned from."""

    site: Site  # the model planned
    navigation: str  # its navigation_digest with the theme
    kinds: tuple[str, ...]  # the names of the kinds planned, in order
    segments: tuple[tuple[Output, ...], ...]  # per kind, its outputs in its own order

    @property
    def outputs(self) -> tuple[Output, ...]:
        return tuple(chain.from_iterable(self.segments))

    def counts(self) -> Counter:
        """Outputs per kind (each kind's outputs carry its name)."""
        return Counter({kind: len(s) for kind, s in zip(self.kinds, self.segments, strict=True) if s})

    @classmethod
    def full(cls, planner: Planner, kinds: Registry) -> Plan:
        segments = tuple(planner.outputs_of(kind) for kind in kinds)
        return cls(planner.site, planner.navigation, kinds.names, segments)


def plan_outputs(site: Site, theme: Theme, kinds: Registry) -> list[Output]:
    """Every file of the site, in a stable order, with its fingerprint."""
    planner = Planner(site, theme, navigation_digest(site, theme), tuple(kinds))
    return list(Plan.full(planner, kinds).outputs)


def replan(previous: Plan | None, site: Site, theme: Theme, kinds: Registry) -> Plan:
    """The full plan of `site`, re-planning only what the kinds' facets say can differ."""
    planner = Planner(site, theme, navigation_digest(site, theme), tuple(kinds))
    edited = _body_edits(previous, planner, kinds)
    if previous is None or edited is None:
        return Plan.full(planner, kinds)
    segments = tuple(
        _segment(kind, old, planner, edited, previous.site)
        for kind, old in zip(kinds, previous.segments, strict=True)
    )
    return Plan(site, planner.navigation, kinds.names, segments)


def _segment(
    kind: OutputKind, old: tuple[Output, ...], planner: Planner, edited: list[int], before: Site
) -> tuple[Output, ...]:
    facets = kind.shows | kind.plans_from
    if facets & ALWAYS_PLANNED:
        return planner.outputs_of(kind)
    if Facet.BODY not in facets or not edited or _unread(kind, edited, planner.site, before):
        return old
    if not kind.per_article:
        return planner.outputs_of(kind)
    fresh = list(old)
    for i in edited:
        fresh[i] = kind.plan_article(planner, i)
    return tuple(fresh)


def _unread(kind: OutputKind, edited: list[int], site: Site, before: Site) -> bool:
    """The edits changed none of the body fields the kind reads (it names them)."""
    if kind.body_reads is None:
        return False
    return all(
        getattr(site.articles[i], name) == getattr(before.articles[i], name)
        for i in edited
        for name in kind.body_reads
    )


def _body_edits(previous: Plan | None, planner: Planner, kinds: Registry) -> list[int] | None:
    """Indices of the articles that differ from the previous plan's model only in their
    body fields, when nothing else differs; None when anything else may."""
    site = planner.site
    if previous is None or previous.navigation != planner.navigation or previous.kinds != kinds.names:
        return None
    old = previous.site
    if len(site.articles) != len(old.articles) or any(
        getattr(site, name) is not getattr(old, name) for name in _SHARED
    ):
        return None
    # Compared object by object in C: this runs on every save in the preview.
    edited = list(compress(count(), map(is_not, site.articles, old.articles)))
    if not all(old.body_edit(i, site.articles[i]) for i in edited):
        return None
    return edited


def check_unique_paths(outputs: list[Output]) -> None:
    """Refuse two outputs bound for one file (on case-insensitive hosts too)."""
    seen: dict[str, str] = {}
    problems = []
    for o in outputs:
        key = o.path.casefold()
        if key in seen and seen[key] != o.kind + repr(o.key):
            problems.append(
                Problem(
                    o.path,
                    None,
                    f"two outputs would be written to this file ({seen[key]} and {o.kind} {o.key})",
                    "rename the static file or change the slug",
                )
            )
        seen.setdefault(key, o.kind + repr(o.key))
    if problems:
        raise BuildError(problems)
