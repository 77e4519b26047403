"""YAML mappings read safely, with the line of every key kept for error messages.

Front matter and site.yaml are written by people, so the loader follows YAML 1.2 where
YAML 1.1 surprises them: only `true`/`false` are booleans (`title: no` stays the text
"no"), timestamps stay text (we parse dates ourselves, with the site's time zone), and a
key given twice is an error instead of a silent overwrite. Only the safe constructors
exist, so `!!python/object` is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader with YAML 1.2 booleans, no timestamps and no duplicate keys."""


def _resolvers_without_surprises() -> dict:
    table = {}
    for first, pairs in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = [
            (tag, rx)
            for tag, rx in pairs
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
        ]
        table[first] = kept
    for first in "tTfF":
        table.setdefault(first, []).append(
            ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"))
        )
    return table


_StrictLoader.yaml_implicit_resolvers = _resolvers_without_surprises()


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key given twice; `first` is the mark of its first occurrence."""

    def __init__(self, key, first, mark):
        super().__init__(None, None, f"the key `{key}` is given twice", mark)
        self.first = first


def _construct_mapping(loader, node, deep=False):
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise _DuplicateKey(key, seen[key], key_node.start_mark)
        seen[key] = key_node.start_mark
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


@dataclass(frozen=True)
class Field:
    """One top-level key of a YAML mapping."""

    value: Any  # the value as YAML typed it
    text: str | None  # the scalar exactly as written (unquoted), None for lists and maps
    line: int  # 1-based line of the key in the file the YAML text came from


_SYNTAX_HINT = "fix the YAML on that line; put quotes around text that contains `: ` or starts with a symbol"


class YamlProblem(Exception):
    """The YAML text is malformed; `line` is 1-based in the file, `hint` says how to fix it."""

    def __init__(self, message: str, line: int | None, hint: str = _SYNTAX_HINT):
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint


def load_mapping(text: str, first_line: int = 1) -> dict[str, Field] | None:
    """Parse a YAML mapping; None for an empty document. Raise YamlProblem otherwise.

    first_line is the file line the text starts on, so that every line reported (in
    Field.line and YamlProblem.line) is a line of the file the user edits.
    """
    try:
        return _load(text, first_line)
    except _DuplicateKey as exc:
        line = exc.problem_mark.line if exc.problem_mark else exc.first.line
        raise YamlProblem(
            f"{exc.problem} (first on line {exc.first.line + first_line})",
            line + first_line,
            "remove one of the two lines, or merge them",
        ) from None
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct starts (an unclosed `[`):
        # the line a writer has to fix. Without one, the problem mark is that line.
        mark = exc.context_mark or exc.problem_mark
        message, hint = _describe(exc)
        raise YamlProblem(message, mark.line + first_line if mark else None, hint) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(str(exc), None) from None


def _load(text: str, first_line: int) -> dict[str, Field] | None:
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if not isinstance(node, yaml.MappingNode):
            raise YamlProblem(
                "expected `key: value` lines, found a single value or a list",
                node.start_mark.line + first_line,
                "write one `key: value` per line, e.g. `title: My story`",
            )
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    fields = {}
    # The constructed dict keeps the node order and has no duplicates, so the two align.
    for (key_node, value_node), (key, value) in zip(node.value, data.items(), strict=False):
        text_value = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
        fields[str(key)] = Field(value, text_value, key_node.start_mark.line + first_line)
    return fields


def _describe(exc: yaml.MarkedYAMLError) -> tuple[str, str]:
    parts = [p for p in (exc.context, exc.problem) if p]
    text = ", ".join(parts) or "malformed YAML"
    if "could not determine a constructor" in text:
        return (
            text + " (tags such as !!python/object are not allowed)",
            "remove the `!!` tag; only plain text, numbers, lists and mappings are read",
        )
    return text, _SYNTAX_HINT
