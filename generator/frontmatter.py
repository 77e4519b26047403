"""Front matter: the YAML block between `---` lines at the top of a content file."""

from __future__ import annotations

from dataclasses import dataclass

from generator.errors import ContentError, Problem
from generator.yamldoc import Field, YamlProblem, load_mapping

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
    fields = _parse_yaml("".join(lines[1:end]), path)
    return Split(fields, "".join(lines[end + 1 :]), end + 2)


def _closing_line(lines: list[str]) -> int | None:
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in (_FENCE, "..."):
            return number
    return None


def _parse_yaml(block: str, path: str) -> dict[str, Field]:
    try:
        fields = load_mapping(block, first_line=2)  # line 1 is the opening `---`
    except YamlProblem as exc:
        raise ContentError(Problem(path, exc.line, f"bad front matter: {exc.message}", exc.hint)) from None
    if fields is None:
        raise ContentError(Problem(path, 2, "the front matter is empty", _EXAMPLE))
    return fields
