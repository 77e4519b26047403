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
    assign = object.__setattr__

    def __getstate__(self) -> tuple:
        return read(self) if len(names) > 1 else (read(self),)

    def __setstate__(self, state) -> None:
        for name, value in zip(names, state, strict=True):
            assign(self, name, value)

    setattr(cls, "__getstate__", __getstate__)  # noqa: B010 - mypy refuses assigning a method
    setattr(cls, "__setstate__", __setstate__)  # noqa: B010 - as above
    return cls
