"""Frozen, slotted dataclasses that pickle quickly.

The saved model (memory.ModelSnapshot) is millions of such records at a big archive's
size. The state functions dataclasses gives a frozen slotted class look up the class's
fields again for every object, which made that lookup most of a no-change build's
loading time; these precompute the field names once per class. The state is the tuple
of field values in field order, as dataclasses' own (a list) is, so either reads the
other's.
"""

from __future__ import annotations

import dataclasses
import operator
from typing import TypeVar

T = TypeVar("T")


def quick_pickle(cls: type[T]) -> type[T]:
    """Give a frozen slotted dataclass state functions that know its fields by heart;
    apply above @dataclass(frozen=True, slots=True)."""
    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    read = operator.attrgetter(*names)

    def __getstate__(self) -> tuple:
        return read(self) if len(names) > 1 else (read(self),)

    setattr(cls, "__getstate__", __getstate__)  # noqa: B010 - mypy refuses assigning a method
    setattr(cls, "__setstate__", _setter(cls, names))  # noqa: B010 - as above
    return cls


def _setter(cls: type, names: tuple[str, ...]):
    """__setstate__ with one line per field, each calling that slot's own setter: a
    loop of object.__setattr__ over the names took twice as long per record. Generated,
    as dataclasses generates __init__; a state of the wrong length raises ValueError."""
    slots = [f"s{i}" for i in range(len(names))]
    values = [f"v{i}" for i in range(len(names))]
    lines = ["def __setstate__(self, state):", f"    ({''.join(v + ', ' for v in values)}) = state"]
    lines += [f"    {s}(self, {v})" for s, v in zip(slots, values, strict=True)]
    source = f"def make({', '.join(slots)}):\n" + "\n".join("    " + line for line in lines)
    source += "\n    return __setstate__\n"
    scope: dict = {}
    exec(source, scope)  # noqa: S102 - our own source, from the class's field names
    setstate = scope["make"](*(getattr(cls, name).__set__ for name in names))
    setstate.__qualname__ = f"{cls.__qualname__}.__setstate__"
    return setstate
