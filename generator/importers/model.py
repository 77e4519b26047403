"""What every importer produces: content files to write, and an account of everything else.

Invariant (issue "nothing lost, nothing leaked"): every item of a source ends as exactly
one of imported (a file written, or found from an earlier run), skipped with a reason
that names it, or refused with a reason. Nothing private is ever written as published.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Imported:
    """One article or page, ready to become a content file."""

    kind: str  # "article" or "page"
    fields: dict  # front matter in the order it is written; None values are left out
    body: str  # Markdown (or HTML kept as-is) after the front matter
    source_id: str  # the source's own identity (post id, entry id, file path), never the title
    old_url: str = ""  # where it was published before, for a redirect from there
    files: tuple[tuple[str, str], ...] = ()  # (absolute source path, content/static/ path) to copy


@dataclass(frozen=True)
class Left:
    """An item of the source that was not imported, and why."""

    title: str  # its title as the source gives it
    source_id: str  # its identity in the source
    reason: str  # why it was left out, in a phrase

    def __str__(self) -> str:
        return f"`{self.title[:60]}` ({self.source_id}): {self.reason}"


@dataclass
class Source:
    """What an importer read: the items to write and the ones it left out."""

    items: list[Imported] = field(default_factory=list)
    skipped: list[Left] = field(default_factory=list)  # not content (a menu item), or by option
    refused: list[Left] = field(default_factory=list)  # content that could not be imported
    notes: list[str] = field(default_factory=list)  # what the imported items had that was not mapped


@dataclass
class ImportReport:
    """What an import did."""

    written: list[str] = field(default_factory=list)  # files created
    kept: list[str] = field(default_factory=list)  # items found already imported (their files)
    skipped: list[str] = field(default_factory=list)  # items left out on purpose, with why
    refused: list[str] = field(default_factory=list)  # items that could not be imported, with why
    notes: list[str] = field(default_factory=list)  # things the source had that were not mapped
    moved: list[tuple[str, str]] = field(default_factory=list)  # (old URL path, new link)
    copied: list[str] = field(default_factory=list)  # files copied into content/static/

    @property
    def items(self) -> int:
        return len(self.written) + len(self.kept) + len(self.skipped) + len(self.refused)
