"""Problems found in a site, reported with the file, the line and how to fix them."""

from __future__ import annotations

from dataclasses import dataclass


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
        text = f"{where}: {self.severity}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class ContentError(Exception):
    """The problems that make one file unusable; the build collects them all."""

    def __init__(self, *problems: Problem):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


class BuildError(Exception):
    """The build stopped: it carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def closest(word: str, choices) -> str:
    """A 'did you mean' suffix for an unknown name, or an empty string."""
    import difflib

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean `{match[0]}`?" if match else ""
