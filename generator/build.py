"""The build: scan, parse, model, plan, render, write, in that order, in `build`.

`build(request)` reads top to bottom as the pipeline it is; each stage is one call:

    settle    site.yaml, the theme and the output folder, refused if unsafe (no lock yet,
              so a refused folder leaves nothing behind)
    recover   a killed build's half-made commit is finished or rolled back (writer.py)
    scan      the content and static files, with digests (sources.py)
    model     documents parsed (or reused) and the read-only Site built (site.py)
    plan      every output with its fingerprint (outputs/)
    write     the changed outputs rendered and committed all at once (writer.py)

A `Memory` carries what earlier builds read and made, so a stage can skip work; it can
never change the result (memory.py says how). `Builder` keeps one memory across builds
for the preview server; a one-shot build makes a fresh one, which starts from the
caches on disk. Parsing and rendering fan out over forked workers (workers.py).

Failure modes: any stage may raise BuildError with every problem it found; the output
folder is then untouched, and so is the memory's last good state.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from generator.config import SiteConfig, load_config
from generator.errors import BuildError, Problem
from generator.locks import site_lock
from generator.memory import Memory
from generator.outputs.render import Renderer
from generator.progress import Steps
from generator.request import BuildReport, BuildRequest
from generator.site import Options
from generator.sources import Findings
from generator.theme import Theme, load_theme

__all__ = ["BuildReport", "BuildRequest", "Builder", "build", "check_output_dir", "output_dir_for"]


def build(
    request: BuildRequest, memory: Memory | None = None, changed: Iterable[str] | None = None
) -> BuildReport:
    """Build the site; raise BuildError with every problem found, touching no output.

    `changed`, with a memory of earlier builds, names the site-relative files changed
    since the last one (see Builder); None means anything may have changed.
    """
    started = time.perf_counter()
    if memory is None:  # a one-shot build: its memory (and any cluster client) ends with it
        memory = Memory(request, lasting=False)
        try:
            return build(request, memory, changed)
        finally:
            memory.close()
    steps = Steps()
    config, theme, out_dir = settle(request)
    with site_lock(memory.site_dir, request.wait, request.on_wait):
        memory.recover(out_dir, trust_output=changed is not None)
        steps.done("settle")
        findings = Findings()
        tree = memory.scan(changed, findings)
        steps.done("scan")
        options = Options(
            now=request.now or datetime.now().astimezone(), drafts=request.drafts, future=request.future
        )
        problems: list[Problem] = []
        gc.unfreeze()  # the last build's model may be garbage now
        site, warnings, parsed = memory.site(tree, config, options, problems)
        # The model is read-only from here on: keep the cyclic collector from walking its
        # million objects again and again while outputs are planned and rendered, and
        # from touching its pages in forked workers, which would copy them.
        gc.freeze()
        if problems and not request.keep_going:
            raise BuildError(problems, warnings)
        steps.done("model")
        plan = memory.plan(site, theme)
        outputs = list(plan.outputs)
        warnings += [w for kind in request.kinds for w in kind.warnings(site)]
        steps.done("plan")
        renderer = Renderer(site, theme, request.kinds)
        written = memory.write(outputs, renderer.render, out_dir, renderer.templates.env)
        memory.vouch()
        steps.done("write")
    return BuildReport(
        site,
        out_dir,
        written,
        plan.counts(),
        findings.warnings + warnings,
        time.perf_counter() - started,
        parsed,
        problems,
        steps.seconds,
    )


def settle(request: BuildRequest) -> tuple[SiteConfig, Theme, Path]:
    """The settings, the theme and the output folder, once the folder is found safe."""
    site_dir = request.site_dir.resolve()
    config = load_config(site_dir, {"base_url": request.base_url})
    out_dir = output_dir_for(request, config)
    check_output_dir(out_dir, site_dir)
    theme = load_theme(site_dir, config.theme)
    check_output_dir(out_dir, site_dir, theme.dirs)  # a theme may live outside the site
    return config, theme, out_dir


def output_dir_for(request: BuildRequest, config: SiteConfig) -> Path:
    out = request.output if request.output is not None else Path(config.output)
    return (request.site_dir / out).resolve() if not out.is_absolute() else out.resolve()


class Builder:
    """Builds one site again and again, keeping parsed documents in memory in between.

    For the preview server (`newsgen serve`) and anything else that rebuilds on saves:

        builder = Builder(BuildRequest(site_dir=site, output=out, drafts=True))
        report = builder.build()             # first build: the same as build(request)
        report = builder.build({"content/articles/2026/x.md"})  # after a save

    `changed` is the set of site-relative paths (forward slashes) created, modified,
    deleted or renamed (give both names) since the previous call. Paths outside content/
    (site.yaml, templates/, themes/, static files) may be included; config and theme are
    re-read on every build anyway. `None` means "anything may have changed": every
    content file is stat-ed and those whose size or mtime moved are read again.

    Content files not named in `changed` are trusted to be as the last build saw them,
    and so is the output folder (the files this Builder wrote are not looked for again),
    so a caller unsure of what changed (a watcher overflow, a branch switch, a cleaned
    output folder) passes None.

    A build reuses the documents of files whose digest is unchanged (and the whole site
    model when only article bodies changed), renders only the outputs whose fingerprint
    changed, and returns a BuildReport (report.write.written lists the files that
    changed, for live reload; report.seconds the build's own time). It raises BuildError
    like build(); the output folder is then untouched and the next call starts from the
    last good state. The request's `now` is fixed if given, else the clock is read on
    every build. Builds with many outputs to render or files to parse fork
    `request.jobs` worker processes (default: one per core); pass jobs=1 to stay in one
    process. Not thread-safe: call build() from one thread at a time.
    """

    def __init__(self, request: BuildRequest):
        self.request = request
        self.memory = Memory(request)

    def build(self, changed: Iterable[str] | None = None) -> BuildReport:
        return build(self.request, self.memory, changed)


def check_output_dir(out_dir: Path, site_dir: Path, theme_dirs: Iterable[Path] = ()) -> None:
    """Refuse output folders whose cleaning could destroy sources or the system.

    The site folder and its parents, the home folder and `/` may not be the output, and
    neither may a folder holding sources (content, themes, templates, the theme in use,
    wherever it lives) or any folder inside one.
    """
    sources = [
        site_dir / "content",
        site_dir / "themes",
        site_dir / "templates",
        *(Path(d).resolve() for d in theme_dirs),
    ]
    refused = (
        out_dir in (Path("/"), Path.home().resolve(), site_dir)
        or out_dir in site_dir.parents
        or any(out_dir == s or s in out_dir.parents for s in sources)
    )
    if refused:
        raise BuildError(
            [
                Problem(
                    "site.yaml",
                    None,
                    f"the output folder {out_dir} would overwrite sources or system folders",
                    "choose a new folder such as `output`",
                )
            ]
        )
