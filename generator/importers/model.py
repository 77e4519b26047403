"""What every importer produces: content files to write, and notes on what it left out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Imported:
    """One article or page, ready to become a content file."""

    kind: str  # "article" or "page"
    fields: dict  # front matter in the order it is written; None values are left out
    body: str  # Markdown (or HTML kept as-is) after the front matter
    source_id: str  # a stable identity in the source (guid, post id), for idempotency


@dataclass
class ImportReport:
    """What an import did."""

    written: list[str] = field(default_factory=list)  # files created
    skipped: list[str] = field(default_factory=list)  # items already imported, with why
    notes: list[str] = field(default_factory=list)  # things the source had that were not mapped
