"""What a build is asked to do, and what it reports back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from generator.errors import Problem
from generator.outputs import KINDS
from generator.outputs.registry import Registry
from generator.site import Site
from generator.workers import Progress
from generator.writer import WriteReport


@dataclass(frozen=True)
class BuildRequest:
    """What the user asked the build to do."""

    site_dir: Path  # the site folder
    output: Path | None = None  # the output folder, default from site.yaml
    base_url: str | None = None  # overrides site.yaml's base_url
    drafts: bool = False  # include drafts
    future: bool = False  # include articles dated in the future
    now: datetime | None = None  # the build's clock (tests fix it)
    strict: bool = False  # warnings are errors
    keep_going: bool = False  # publish without the files that have errors (still a failure)
    use_cache: bool = True  # read and write the parse cache
    jobs: int = 0  # worker processes for parsing and rendering; 0: one per core
    scheduler: str = ""  # a dask.distributed scheduler (tcp://host:8786) to parse and render on
    progress: Progress | None = field(default=None, compare=False)  # told as stages advance
    wait: bool = True  # another build of the site holds its lock: wait (False: fail at once)
    on_wait: Callable[[str], None] | None = field(default=None, compare=False)  # told once
    overwrite: bool = False  # replace files in the output that newsgen has no record of
    kinds: Registry = KINDS  # the output kinds to build (a plugin adds its own)


@dataclass
class BuildReport:
    """What a build produced, for the summary line and for tests."""

    site: Site  # the model that was rendered
    output_dir: Path  # where it went
    write: WriteReport  # files written, unchanged, removed
    pages: Counter = field(default_factory=Counter)  # outputs per kind
    warnings: list[Problem] = field(default_factory=list)  # problems that did not stop it
    seconds: float = 0.0  # wall time
    parsed: int = 0  # content files parsed from Markdown in this build (not reused)
    problems: list[Problem] = field(default_factory=list)  # errors of files left out (keep_going)
    steps: dict[str, float] = field(default_factory=dict)  # step of build() -> its seconds
