"""Front matter: the YAML block between `---` lines at the top of a content file, or the
TOML block between `+++` lines (Hugo's), after any blank lines."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dt_time

from generator.errors import ContentError, Problem
from generator.yamldoc import Field, YamlProblem, load_mapping

_TOML_FENCE = "+++"

_FENCE = "---"
_EXAMPLE = "start the file with `---`, then `title: ...` and `date: ...` lines, then `---`"


@dataclass(frozen=True)
class Split:
    """A content file cut into its metadata and its Markdown body."""

    fields: dict[str, Field]  # the front matter keys; Field.line is 1-based in the file
    body: str  # the Markdown after the closing fence
    body_line: int  # 1-based line where the body starts


def split(text: str, path: str) -> Split:
    """Separate the front matter from the body; raise ContentError naming the line."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ContentError(Problem(path, 1, "the file is empty", _EXAMPLE))
    # Lines as editors count them: str.splitlines would also break at U+2028, U+0085
    # and form feeds inside a value, and could take a `---` after one for the fence.
    # Windows and old Mac line ends count as one line end each.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    # Blank lines before the fence are no reason to refuse the file: they are kept as
    # lines (so every line number stays the editor's) and skipped.
    lead = next(n for n, line in enumerate(lines) if line.strip())
    if lines[lead].rstrip() == _TOML_FENCE:
        return _split_toml(lines, lead, path)
    lines = lines[lead:]
    if lines[0].rstrip() != _FENCE:
        raise ContentError(
            Problem(
                path,
                1,
                "no front matter found (the first line is not `---`)",
                "did you forget to add `---`? " + _EXAMPLE,
            )
        )
    end = _closing_line(lines)
    if end is None:
        raise ContentError(
            Problem(
                path,
                1,
                "the front matter is never closed",
                "add a line with only `---` after the last `key: value` line",
            )
        )
    fields = _parse_yaml("".join(lines[1:end]), path, lead)
    return Split(fields, "".join(lines[end + 1 :]), lead + end + 2)


def _split_toml(lines: list[str], lead: int, path: str) -> Split:
    end = next((n for n in range(lead + 1, len(lines)) if lines[n].rstrip() == _TOML_FENCE), None)
    if end is None:
        raise ContentError(
            Problem(path, lead + 1, "the TOML front matter is never closed", "add a line with only `+++`")
        )
    block = lines[lead + 1 : end]
    try:
        data = tomllib.loads("".join(block))
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        line = lead + 1 + int(where.group(1)) if where else lead + 1
        raise ContentError(
            Problem(path, line, f"bad TOML front matter: {exc}", "fix the TOML on that line")
        ) from None
    fields = {}
    for key, value in data.items():
        at = next((n for n, text in enumerate(block) if re.match(rf"\s*{re.escape(key)}\s*=", text)), 0)
        fields[key] = Field(value, _toml_text(value), lead + 2 + at)
    return Split(fields, "".join(lines[end + 1 :]), end + 2)


def _toml_text(value) -> str | None:
    """The value as YAML front matter would have given its text (None for lists, tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | dt_time):
        return value.isoformat()
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _closing_line(lines: list[str]) -> int | None:
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in (_FENCE, "..."):
            return number
    return None


def _parse_yaml(block: str, path: str, lead: int = 0) -> dict[str, Field]:
    try:
        fields = load_mapping(block, first_line=lead + 2)  # the line after the opening `---`
    except YamlProblem as exc:
        raise ContentError(Problem(path, exc.line, f"bad front matter: {exc.message}", exc.hint)) from None
    if fields is None:
        raise ContentError(Problem(path, lead + 2, "the front matter is empty", _EXAMPLE))
    return fields
