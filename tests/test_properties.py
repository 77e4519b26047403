"""Properties that must hold for any input, checked with Hypothesis."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import feedparser
import yaml
from conftest import NOW, SiteFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from generator.config import SiteConfig
from generator.documents import parse_document
from generator.errors import BuildError, ContentError
from generator.frontmatter import split
from generator.markup import MarkdownRenderer
from generator.outpaths import path_problem
from generator.urls import output_path, route
from generator.writer import safe_join

OUT = Path("/srv/site/output")
MD = MarkdownRenderer()
UTC = ZoneInfo("UTC")

# Text as hostile as a path can be: separators, dots, percent escapes, NUL, Unicode.
path_text = st.text(
    alphabet=st.sampled_from(list("./\\%2eEfF:\x00\x01 aZé~-_")) | st.characters(), max_size=30
)


def inside(path: str, folder: Path) -> bool:
    normal = os.path.normpath(path)
    return normal.startswith(str(folder) + os.sep)


@given(path_text)
def test_any_output_path_lands_inside_the_output_folder_or_is_refused(rel):
    try:
        target = safe_join(OUT, rel)
    except BuildError as exc:
        assert "refusing to write outside the output folder" in str(exc)
        return
    assert inside(str(target), OUT)
    assert inside(str(OUT / unquote(rel)), OUT)  # also after a server decodes %2e%2e
    assert "\\" not in rel and "\x00" not in rel


def document(stem: str, slug: str | None, unicode_slugs: bool):
    front = {"title": "A story", "date": "2026-11-20"}
    if slug is not None:
        front["slug"] = slug
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\nBody.\n"
    return parse_document(f"content/articles/{stem}.md", text, UTC, MD, unicode_slugs)


@settings(max_examples=300)
@given(
    stem=path_text.filter(lambda s: "/" not in s and "\x00" not in s),
    slug=st.none() | path_text,
    unicode_slugs=st.booleans(),
)
def test_any_slug_or_file_name_gives_a_route_inside_the_output_folder_or_an_error(stem, slug, unicode_slugs):
    try:
        doc, _ = document(stem, slug, unicode_slugs)
    except ContentError as exc:
        assert all(p.path.startswith("content/articles/") and p.hint for p in exc.problems)
        return
    rel = output_path(route(SiteConfig(), "article", doc.slug, doc.date))
    assert path_problem(rel) == ""
    assert inside(str(safe_join(OUT, rel)), OUT)


# Titles: anything a writer can type, except what XML cannot carry at all.
titles = (
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co", "Zl", "Zp"))
        | st.sampled_from(list("<>&\"'`=/;")),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=titles)
def test_any_title_round_trips_through_the_html_and_the_feeds(title):
    with tempfile.TemporaryDirectory() as folder:
        site = SiteFactory(Path(folder) / "site")
        front = yaml.safe_dump({"title": title, "date": "2026-11-20T10:00:00"}, allow_unicode=True)
        site.write(
            {
                "site.yaml": "title: T\nbase_url: https://example.org/\n",
                "content/articles/a.md": f"---\n{front}---\n\nBody.\n",
            }
        )
        site.build(now=NOW, use_cache=False)
        page = lxml_html.fromstring(site.read("2026/11/20/a/index.html"))
        assert page.xpath("string(//h1)") == title
        for feed in ("feed.xml", "atom.xml"):
            parsed = feedparser.parse(site.out / feed)
            assert not parsed.bozo, parsed.get("bozo_exception")
            assert parsed.entries[0].title == title


yaml_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
yaml_scalars = (
    st.none() | st.booleans() | st.integers() | yaml_text | st.floats(allow_nan=False, allow_infinity=False)
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(yaml_text, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300)
@given(mapping=st.dictionaries(yaml_text, yaml_values, min_size=1, max_size=6), unicode=st.booleans())
def test_any_mapping_dumped_by_safe_dump_round_trips_through_front_matter(mapping, unicode):
    dumped = yaml.safe_dump(mapping, allow_unicode=unicode)
    parts = split("---\n" + dumped + "---\nBody.\n", "content/articles/a.md")
    read = {key: f.value for key, f in parts.fields.items()}
    assert parts.body == "Body.\n"
    if any(c in dumped for c in "\x85\u2028\u2029"):
        # PyYAML writes these raw and reads them back as YAML 1.1 line breaks (folded), so
        # its own safe_load is the reference; the fence must still be found correctly.
        assert read == yaml.safe_load(dumped)
    else:
        assert read == mapping
