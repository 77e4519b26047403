"""Themes: where templates, translations and assets come from, and the Jinja setup.

A site's own `templates/` folder overrides the theme file by file; a theme may extend
another by naming it as `extends:` in its theme.yaml. The default themes ship inside the
package, so they work however newsgen was installed.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

import jinja2
import yaml

from generator.errors import BuildError, Problem

THEME_FILE = "theme.yaml"


@dataclass(frozen=True)
class Theme:
    """A resolved theme chain: the site's templates first, then each theme, child to parent."""

    dirs: tuple[Path, ...]  # theme folders, the chosen theme first, its parents after
    template_dirs: tuple[Path, ...]  # where templates are looked up, in order
    strings: dict  # language -> key -> text, parents' strings under the child's

    def digest(self) -> str:
        """Changes when any template, translation or theme setting changes."""
        h = hashlib.blake2b(digest_size=16)
        for folder in (*self.template_dirs, *self.dirs):
            for path in _files(folder, skip=("static",)):
                h.update(str(path).encode())
                h.update(path.read_bytes())
        return h.hexdigest()

    def static_dirs(self) -> list[Path]:
        """Asset folders, parent first so that a child's file replaces its parent's."""
        return [d / "static" for d in reversed(self.dirs) if (d / "static").is_dir()]

    def text(self, language: str, key: str) -> str:
        table = self.strings.get(language) or self.strings.get(language.split("-")[0]) or {}
        fallback = self.strings.get("en", {})
        return table.get(key, fallback.get(key, key))


# libyaml's loader when PyYAML was built with it: the theme's tables are read on every
# build, and the pure-Python loader took most of a preview rebuild's set-up.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(text: str):
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader either way


def builtin_themes() -> Path:
    return Path(str(resources.files("generator.themes")))


def load_theme(site_dir: Path, name: str) -> Theme:
    """Resolve the theme named in site.yaml, following `extends:` to its parents."""
    dirs: list[Path] = []
    current: str | None = name
    while current:
        folder = _find(site_dir, current)
        if folder in dirs:
            raise BuildError(
                [
                    Problem(
                        str(folder / THEME_FILE),
                        None,
                        f"theme `{current}` extends itself in a loop",
                        "remove the `extends:` that closes the loop",
                    )
                ]
            )
        dirs.append(folder)
        current = _settings(folder).get("extends")
    site_templates = site_dir / "templates"
    template_dirs = ([site_templates] if site_templates.is_dir() else []) + [d / "templates" for d in dirs]
    strings: dict = {}
    for folder in reversed(dirs):
        for lang, table in _translations(folder).items():
            strings.setdefault(lang, {}).update(table)
    return Theme(tuple(dirs), tuple(template_dirs), strings)


def _find(site_dir: Path, name: str) -> Path:
    for folder in (site_dir / "themes" / name, Path(name).expanduser(), builtin_themes() / name):
        if (folder / "templates").is_dir():
            return folder.resolve()
    known = sorted(p.name for p in builtin_themes().iterdir() if (p / "templates").is_dir())
    raise BuildError(
        [
            Problem(
                "site.yaml",
                None,
                f"theme `{name}` not found",
                f"put it in themes/{name}/templates/ or use one of: " + ", ".join(known),
            )
        ]
    )


def _settings(folder: Path) -> dict:
    path = folder / THEME_FILE
    if not path.exists():
        return {}
    return _load_yaml(path.read_text(encoding="utf-8")) or {}


def _translations(folder: Path) -> dict:
    found = {}
    i18n = folder / "i18n"
    if i18n.is_dir():
        for path in sorted(i18n.glob("*.yaml")):
            found[path.stem] = _load_yaml(path.read_text(encoding="utf-8")) or {}
    return found


def _files(folder: Path, skip: tuple[str, ...] = ()):
    if not folder.is_dir():
        return
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in skip and d != "__pycache__")
        for name in sorted(files):
            yield Path(root) / name


def make_environment(theme: Theme) -> jinja2.Environment:
    """One Jinja environment per build: templates compile once and are reused."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in theme.template_dirs]),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # The environment lives for one build, whose theme digest was taken before it:
        # no need to stat each template file on every lookup (several per page).
        auto_reload=False,
    )
    env.filters["isodate"] = lambda d: d.isoformat() if isinstance(d, datetime) else ""
    return env
