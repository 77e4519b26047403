"""Live coverage: the body of a live story cut into timed entries.

A reporter on deadline adds an entry by typing a second-level heading that starts with
the time, then the text below it:

    ## 14:05 Polls close in the north
    Counting has begun in ...

`HH:MM` is on the day the story was published, in the site's time zone; coverage that
runs past midnight writes the day too (`## 2026-11-25 00:15 ...`). Entries may be typed
newest first or oldest first; pages show them newest first. Whatever comes before the
first entry is the story's introduction.

Invariant: in a live story every `##` heading is an entry with a time; one without a time
is an error naming its line (it would otherwise vanish into the entry above it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from generator.errors import Problem
from generator.records import quick_pickle

# `## ` then an optional day, the time, and the entry's heading.
_ENTRY = re.compile(
    r"^##[ \t]+(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})\b[ \t]*[-–—:|]?[ \t]*(.*?)[ \t#]*$"
)
_HEADING = re.compile(r"^##[ \t]")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


@quick_pickle
@dataclass(frozen=True, slots=True)
class LiveEntry:
    """One entry of a live story."""

    when: datetime  # when it was posted, in the site's zone
    title: str  # its heading, without the time
    html: str  # its text, rendered
    anchor: str  # its id on the page ("entry-20261124-1405"), for links to one entry


@dataclass(frozen=True)
class Draft:
    """A live body before rendering: the introduction and each entry's Markdown."""

    intro: str  # the Markdown before the first entry
    entries: tuple[tuple[datetime, str, str, int], ...]  # (when, title, Markdown, line)


def cut(
    body: str, body_line: int, published: datetime, zone: ZoneInfo, path: str
) -> tuple[Draft, list[Problem]]:
    """The introduction and the entries of a live body, with the problems found."""
    lines = body.splitlines(keepends=True)
    starts: list[tuple[int, re.Match | None]] = []
    fence = ""
    for n, text in enumerate(lines):
        opened = _FENCE.match(text)
        if opened and (not fence or opened.group(1).startswith(fence)):
            fence = "" if fence else opened.group(1)[:3]
            continue
        if not fence and _HEADING.match(text):
            starts.append((n, _ENTRY.match(text.rstrip("\n"))))
    problems: list[Problem] = []
    entries: list[tuple[datetime, str, str, int]] = []
    bounds = [n for n, _ in starts] + [len(lines)]
    for (n, match), end in zip(starts, bounds[1:], strict=True):
        line = body_line + n
        when = _moment(match, published, zone) if match else None
        if match is None or when is None:
            problems.append(_untimed(path, line, lines[n].strip(), match is not None))
            continue
        if when < published.replace(second=0, microsecond=0):
            problems.append(
                Problem(
                    path,
                    line,
                    f"the live entry `{lines[n].strip()}` is dated {when.isoformat()}, before the story "
                    f"was published ({published.isoformat()})",
                    "write its day too, e.g. `## 2026-11-25 00:15 Heading`, or fix the time",
                )
            )
            continue
        entries.append((when, match.group(4).strip(), "".join(lines[n + 1 : end]), line))
    intro = "".join(lines[: bounds[0]])
    return Draft(intro, tuple(entries)), problems


def time_style(when: datetime, published: datetime) -> str:
    """How a page writes an entry's time: the clock alone on the day the story was
    published ("time"), with the day after it ("daytime")."""
    return "time" if when.date() == published.date() else "daytime"


def anchors(moments: list[datetime]) -> list[str]:
    """The entries' ids, unique on the page even when two share a minute."""
    seen: dict[str, int] = {}
    found = []
    for when in moments:
        base = f"entry-{when:%Y%m%d-%H%M}"
        seen[base] = seen.get(base, 0) + 1
        found.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return found


def _moment(match: re.Match, published: datetime, zone: ZoneInfo) -> datetime | None:
    day_text, hour, minute = match.group(1), int(match.group(2)), int(match.group(3))
    try:
        day = date.fromisoformat(day_text) if day_text else published.date()
        return datetime.combine(day, time(hour, minute), tzinfo=zone)
    except ValueError:
        return None


def _untimed(path: str, line: int, heading: str, has_time: bool) -> Problem:
    if has_time:
        return Problem(
            path,
            line,
            f"the live entry `{heading}` has a time or day that does not exist",
            "write the time as HH:MM (00:00 to 23:59), and the day as YYYY-MM-DD",
        )
    return Problem(
        path,
        line,
        f"the live entry `{heading}` has no time",
        "start each entry of a live story with its time: `## 14:05 Heading` "
        "(use `###` for a heading inside an entry)",
    )
