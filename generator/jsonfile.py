"""JSON files too big to hold twice as text, written slice by slice and atomically.

A million-story build's manifest, commit journal and file stamps are each hundreds of
megabytes of JSON. `json.dumps` makes the whole string at once (its C encoder first
collects every piece in a list), at the moment the build holds the most: the commit.
`pieces` yields the same text a slice at a time, each slice made by `json.dumps` in C,
so at most one slice is held as text however big the value.

Invariant: `"".join(pieces(v, sort_keys)) == json.dumps(v, sort_keys=sort_keys)` for
every JSON value v (tests/test_scale.py proves it with Hypothesis); readers need not
know how a file was written.

Failure modes: `write` goes through a temporary file beside the target, renamed into
place, so a reader finds the old file or the whole new one; a failed write leaves no
temporary file behind. `durable` adds the fsync that makes this hold across a power cut.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

SLICE = 4096  # members of a big dict or list dumped by one json.dumps call
FEW = 16  # a dict with at most this many keys is written key by key: its values may be big


def pieces(value, sort_keys: bool = False) -> Iterator[str]:
    """The text of json.dumps(value, sort_keys=sort_keys), in pieces."""
    if isinstance(value, dict) and len(value) <= FEW and all(isinstance(k, str) for k in value):
        yield from _by_key(value, sort_keys)
    elif isinstance(value, dict) and len(value) > SLICE:
        keys = sorted(value) if sort_keys else list(value)
        yield from _sliced(
            "{",
            "}",
            ({k: value[k] for k in keys[i : i + SLICE]} for i in range(0, len(keys), SLICE)),
            sort_keys,
        )
    elif isinstance(value, list | tuple) and len(value) > SLICE:
        yield from _sliced("[", "]", (value[i : i + SLICE] for i in range(0, len(value), SLICE)), sort_keys)
    else:
        yield json.dumps(value, sort_keys=sort_keys)


def _by_key(value: dict, sort_keys: bool) -> Iterator[str]:
    yield "{"
    for n, key in enumerate(sorted(value) if sort_keys else value):
        yield (", " if n else "") + json.dumps(key) + ": "
        yield from pieces(value[key], sort_keys)
    yield "}"


def _sliced(opening: str, closing: str, slices: Iterator, sort_keys: bool) -> Iterator[str]:
    yield opening
    for n, part in enumerate(slices):
        yield (", " if n else "") + json.dumps(part, sort_keys=sort_keys)[1:-1]
    yield closing


def write(path: Path, value, sort_keys: bool = False, durable: bool = True) -> None:
    """Write value to path as JSON, atomically (see above)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # concurrent writers never share one
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(pieces(value, sort_keys))
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
