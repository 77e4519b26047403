"""Problems found in a site, reported with the file, the line and how to fix them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, pointing at where it is."""

    path: str  # the file, as the user would type it (relative to the site when possible)
    line: int | None  # 1-based line in that file, when known
    message: str  # what is wrong
    hint: str = ""  # how to fix it
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = _printable(f"{where}: {self.severity}: {self.message}")
        return f"{text}\n    hint: {_printable(self.hint)}" if self.hint else text


def _printable(text: str) -> str:
    """Control characters shown as escapes: a file name or pasted value holding an ANSI
    escape sequence must not take over the terminal that prints the problem."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class ContentError(Exception):
    """The problems that make one file unusable; the build collects them all."""

    def __init__(self, *problems: Problem, warnings: list[Problem] | tuple = ()):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)
        self.warnings = list(warnings)  # the file's warnings, shown with its errors


class BuildError(Exception):
    """The build stopped: it carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | tuple = ()):
        self.problems = list(problems)
        self.warnings = list(warnings)  # found too: shown with the errors, not after them
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        # Raised in a worker process, it comes back by pickle with its problems whole.
        return (type(self), (self.problems, self.warnings))


def closest(word: str, choices) -> str:
    """A 'did you mean' suffix for an unknown name, or an empty string."""
    import difflib

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean `{match[0]}`?" if match else ""
