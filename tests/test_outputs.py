"""Output kinds: the recipe of docs/architecture.md followed by a toy kind, and every
kind held to the facets it declares."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from generator.build import Builder, BuildRequest, build
from generator.checker import check_output
from generator.outputs import KINDS
from generator.outputs.base import Facet, Planner, Rendering, navigation_digest
from generator.outputs.pages import HtmlKind
from generator.outputs.plan import plan_outputs
from generator.theme import load_theme
from generator.urls import output_path, to_url
from tests.conftest import NOW
from tests.test_incremental import (
    NAMES,
    _site_with_own_theme,
    _write,
    article_path,
    tree,
)


class Latest(HtmlKind):
    """/latest/: the three newest headlines (the recipe's example, verbatim in spirit)."""

    name, template = "latest", "latest.html"
    shows = frozenset({Facet.NAVIGATION, Facet.LISTS})

    def plan(self, planner: Planner):
        yield planner.output(self, output_path("latest/"), (), planner.site.list_digests[:3])

    def context(self, rendering: Rendering) -> dict:
        return {"stories": rendering.site.articles[:3], "page_url": to_url(rendering.site.config, "latest/")}


LATEST_HTML = """{% extends "base.html" %}
{% block content %}<ol class="latest">{% for a in stories %}<li>{{ a.title }}</li>{% endfor %}</ol>
{% endblock %}
"""
WITH_LATEST = KINDS.adding(Latest())


def _clean(site: Path, scratch: Path) -> dict[str, bytes]:
    copy = scratch / "clean"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output*", ".newsgen-cache"))
    build(
        BuildRequest(
            site_dir=copy, output=copy / "fresh", now=NOW, use_cache=False, jobs=1, kinds=WITH_LATEST
        )
    )
    return tree(copy / "fresh")


def test_a_toy_kind_builds_replans_and_stays_equal_to_a_clean_build(tmp_path):
    site = _site_with_own_theme(tmp_path)
    _write(site, "templates/latest.html", LATEST_HTML)
    # A new page needs a way in (`newsgen check` refuses orphans): a link in the footer.
    footer = (site / "themes/news/templates/partials/footer.html").read_text(encoding="utf-8")
    link = "<p><a href=\"{{ url('latest/') }}\">Latest</a></p>\n</footer>"
    _write(site, "templates/partials/footer.html", footer.replace("</footer>", link))
    builder = Builder(BuildRequest(site_dir=site, now=NOW, jobs=1, kinds=WITH_LATEST))
    report = builder.build()
    page = (site / "output" / "latest" / "index.html").read_text(encoding="utf-8")
    listed = page.split('<ol class="latest">')[1].split("</ol>")[0]
    assert report.pages["latest"] == 1 and listed.count("<li>") == 3
    assert "</html>" in page  # the theme's layout around it
    # An HTML kind is a public page: in the sitemap, so `newsgen check` (and deploy) pass.
    assert "https://example.org/latest/" in (site / "output" / "sitemap.xml").read_text()
    assert check_output(site / "output", "https://example.org/").problems == []
    rel = article_path(NAMES[0])
    text = (site / rel).read_text(encoding="utf-8")
    # A body edit re-plans from the last plan; the toy kind shows no body: kept as it was.
    _write(site, rel, text.rstrip("\n") + "\n\nA correction.\n")
    report = builder.build({rel})
    assert "latest/index.html" not in report.write.written
    assert tree(site / "output") == _clean(site, tmp_path)
    # A headline is a list field: the toy kind's page follows it.
    _write(site, rel, text.replace("title: ", "title: Corrected ", 1))
    report = builder.build({rel})
    assert "latest/index.html" in report.write.written
    assert "Corrected " in (site / "output" / "latest" / "index.html").read_text(encoding="utf-8")
    assert tree(site / "output") == _clean(site, tmp_path)
    theme = load_theme(site, "news")
    assert builder.memory._plan.outputs == tuple(plan_outputs(report.site, theme, WITH_LATEST))


def test_two_kinds_may_not_share_a_name():
    with pytest.raises(ValueError, match="share a name"):
        KINDS.adding(Latest(), Latest())


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    site = _site_with_own_theme(tmp_path_factory.mktemp("facets"))
    report = build(BuildRequest(site_dir=site, now=NOW, jobs=1, use_cache=False))
    return report.site, load_theme(site, "news")


def _fingerprints(site, theme) -> dict[str, dict[str, str]]:
    planner = Planner(site, theme, navigation_digest(site, theme))
    return {kind.name: {o.path: o.fingerprint for o in kind.plan(planner)} for kind in KINDS}


@pytest.mark.parametrize("kind", [k.name for k in KINDS])
def test_a_kind_that_does_not_show_bodies_ignores_them_and_one_that_does_follows(model, kind):
    """The facets are the only dependency list: a kind without BODY must keep its
    fingerprints when every article's body changes, and one with BODY must not."""
    site, theme = model
    edited = replace(
        site,
        articles=tuple(
            replace(a, body_html=a.body_html + "<p>More.</p>", digest=a.digest + "x") for a in site.articles
        ),
    )
    before, after = _fingerprints(site, theme)[kind], _fingerprints(edited, theme)[kind]
    if Facet.BODY in KINDS[kind].shows:
        assert before != after
    else:
        assert before == after


@pytest.mark.parametrize("kind", [k.name for k in KINDS])
def test_only_kinds_that_show_the_clock_depend_on_it(model, kind):
    site, theme = model
    later = replace(site, built_at=site.built_at.replace(year=site.built_at.year + 1))
    before, after = _fingerprints(site, theme)[kind], _fingerprints(later, theme)[kind]
    if Facet.CLOCK in KINDS[kind].shows:
        assert before != after  # the news sitemap's window moved past every story
    else:
        assert before == after
