"""Output paths that stay inside the output folder, whatever a web server or OS does.

The rule is declared once here: the writer refuses such paths, config.py refuses URL
patterns that would produce them.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Paths of plain segments (letters, digits, `_`, `-`, `~`, inner dots), which every check
# below would pass: almost every output, and checking 17,000 of them the long way cost
# tens of milliseconds a rebuild.
_PLAIN = re.compile(r"[\w~-]+(?:\.[\w~-]+)*(?:/[\w~-]+(?:\.[\w~-]+)*)*", re.ASCII)


def path_problem(rel: str) -> str:
    """Why an output path could land outside the output folder; "" when it is safe.

    The decoded form is checked too: a web server turns `%2e%2e` into `..` before it
    looks for the file, and a Windows checkout turns a backslash into a separator.
    """
    if _PLAIN.fullmatch(rel):
        return ""
    for text in dict.fromkeys((rel, unquote(rel))):
        if not text:
            return "the path is empty"
        if "\x00" in text:
            return "it contains a NUL character"
        if _CONTROL.search(text):
            return "it contains a control character"
        if "\\" in text:
            return "it contains a backslash"
        if text.startswith("/") or _DRIVE.match(text):
            return "it is an absolute path"
        if any(part in ("", ".", "..") for part in text.split("/")):
            return "it has an empty, `.` or `..` part"
    return ""
