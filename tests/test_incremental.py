"""Incremental builds equal clean builds, and a build with nothing changed writes nothing.

Hypothesis applies random sequences of edits, adds, deletes, renames, template, config
and static-file changes to a small site. After each step the site is rebuilt three ways
and the output trees must be byte-identical:

- `build()` into `output/` with the parse cache, file stamps and manifest (the CLI path);
- one long-lived `Builder` told which paths changed (the preview-server path);
- a clean build of a fresh copy of the sources, without cache, into a fresh folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from functools import partial
from pathlib import Path

import pytest
from conftest import NOW, REPO, article
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import workers
from generator.build import Builder, BuildRequest, build
from generator.errors import BuildError
from generator.outputs import KINDS
from generator.outputs import plan as plan_module
from generator.outputs.plan import plan_outputs
from generator.theme import load_theme
from generator.workers import ForkedMap

SITE_YAML = (
    "title: {title}\nbase_url: {base_url}\ntimezone: Europe/Madrid\n"
    "per_page: {per_page}\nfeed_items: {feed_items}\nhome_sections: 2\nrelated: 2\n"
)
NAMES = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta")
TITLES = ("Rain in Spain", "Élection à Paris", 'Quotes "and" <tags>', "Ünïcode & more", "Short")
DATES = (
    "2024-12-31T23:30:00",
    "2025-01-01T08:00:00",
    "2026-11-20T10:00:00",
    "2026-11-24T18:00:00",
    "2026-11-25T11:00:00",
    "2026-12-24T10:00:00",
)
CATEGORIES = ("World", "Sport", "Ciencia", "[World, Sport]")
TAGS = ("[]", "[Water]", "[Water, Energy]", "[Tag Two, Ünï]", "Energy")
AUTHORS = ("Ana Ruiz", "[Ana Ruiz, Bo Li]", "Bo Li")
BODIES = (
    "One paragraph.",
    "First *part*.\n\nSecond with [a link](/about/).",
    "## Heading\n\n- one\n- two\n\nClosing words.",
)
# A live story's body: an introduction and timed entries (coverage.py), later than DATES.
LIVE_BODY = (
    "Follow the count.\n\n## 2026-12-31 09:00 First\n\nPolls open.\n\n## 2026-12-31 10:30 Second\n\nTurnout."
)
CORRECTIONS = '\n  - date: "2026-12-31T12:00"\n    text: An earlier version misspelt a name.'
# Author files of the bylines (AUTHORS), written, changed and removed by the "person" step.
PEOPLE = (
    None,
    "---\nname: Ana Ruiz\nrole: Reporter\n---\n\nAna covers the region.\n",
    "---\nname: Ana Ruiz\nrole: Editor\nlinks: [https://example.net/ana]\n---\n\nAna edits.\n",
)


@st.composite
def articles(draw) -> str:
    fields = {
        "category": draw(st.sampled_from(CATEGORIES)),
        "tags": draw(st.sampled_from(TAGS)),
        "author": draw(st.sampled_from(AUTHORS)),
    }
    if draw(st.booleans()):
        fields["summary"] = draw(st.sampled_from(TITLES))
    if draw(st.integers(0, 5)) == 0:
        fields["draft"] = True
    newsroom = draw(st.sampled_from(("plain", "opinion", "corrected", "live", "ended", "breaking")))
    body = draw(st.sampled_from(BODIES))
    if newsroom == "opinion":
        fields["type"] = "opinion"
    elif newsroom == "corrected":
        fields["corrections"] = CORRECTIONS
    elif newsroom in ("live", "ended"):
        fields["live"], body = True, LIVE_BODY
        if newsroom == "ended":  # ended before the build's clock: no badge, no script
            fields["live_until"] = "2026-11-25T12:30:00"
    elif newsroom == "breaking":
        fields["breaking"] = True
    return article(draw(st.sampled_from(TITLES)), draw(st.sampled_from(DATES)), body, **fields)


def article_path(name: str) -> str:
    return f"content/articles/{name}.md"


# Each step is (kind, arguments); apply() turns it into file changes.
steps = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(NAMES), articles()),  # add or edit
    # A correction to the body alone: the model and plan are reused (outputs.plan.replan).
    st.tuples(st.just("body"), st.sampled_from(NAMES[:3]), st.integers(1, 3)),
    # A new headline, standfirst or kicker alone: the model's indexes are reused (Site.card_edit).
    st.tuples(
        st.just("card"),
        st.sampled_from(NAMES[:4]),
        st.sampled_from(("title", "dek", "kicker")),
        st.sampled_from(TITLES),
    ),
    st.tuples(st.just("delete"), st.sampled_from(NAMES)),
    st.tuples(st.just("rename"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(
        st.just("config"),
        st.sampled_from(("Test Times", "Other Times")),
        st.sampled_from(("https://example.org/", "https://example.org/news/")),
        st.integers(2, 3),
        st.integers(2, 4),
    ),
    st.tuples(st.just("template"), st.integers(0, 2)),
    st.tuples(st.just("page"), st.sampled_from(("About Us", "Who we are")), st.integers(0, 2)),
    st.tuples(st.just("static"), st.integers(0, 2)),
    st.tuples(st.just("person"), st.integers(0, len(PEOPLE) - 1)),
)


def initial_files() -> dict[str, str | bytes]:
    files = {
        "site.yaml": SITE_YAML.format(
            title="Test Times", base_url="https://example.org/", per_page=2, feed_items=3
        ),
        "content/pages/about.md": "---\ntitle: About Us\nmenu: 1\n---\n\nWe report.\n",
    }
    for n, name in enumerate(NAMES[:3]):
        files[article_path(name)] = article(
            TITLES[n], DATES[n + 1], BODIES[n], category=CATEGORIES[n], tags=TAGS[n + 1], author=AUTHORS[n]
        )
    # The newsroom's outputs from the start: a live story, a correction, an author file.
    files[article_path(NAMES[3])] = article(
        "Count night", DATES[0], LIVE_BODY, live=True, author="Ana Ruiz", corrections=CORRECTIONS
    )
    files["content/authors/ana-ruiz.md"] = PEOPLE[1]
    return files


def apply(site: Path, step: tuple) -> set[str]:
    """Carry out one step on the site folder; returns the site-relative paths it touched."""
    kind, *args = step
    if kind == "write":
        name, text = args
        return _write(site, article_path(name), text)
    if kind == "body":
        name, n = args
        path = site / article_path(name)
        if not path.exists():
            return set()
        return _write(site, article_path(name), path.read_text(encoding="utf-8") + f"\nCorrection {n}.\n")
    if kind == "card":
        name, key, value = args
        path = site / article_path(name)
        if not path.exists():
            return set()
        head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
        lines = [line for line in head.splitlines() if not line.startswith(f"{key}:")]
        return _write(site, article_path(name), "\n".join([*lines, f'{key}: "{value}"']) + "\n---\n" + body)
    if kind == "delete":
        return _delete(site, article_path(args[0]))
    if kind == "rename":
        old, new = (article_path(n) for n in args)
        if old == new or not (site / old).exists() or (site / new).exists():
            return set()
        (site / old).rename(site / new)
        return {old, new}
    if kind == "config":
        title, base_url, per_page, feed_items = args
        return _write(
            site,
            "site.yaml",
            SITE_YAML.format(title=title, base_url=base_url, per_page=per_page, feed_items=feed_items),
        )
    if kind == "template":
        # A site template overriding the theme's footer, changed or removed again.
        rel = "templates/partials/footer.html"
        if args[0] == 0:
            return _delete(site, rel)
        return _write(site, rel, f'<footer class="site-footer"><p>Footer {args[0]}</p></footer>\n')
    if kind == "page":
        title, menu = args
        menu_line = f"menu: {menu}\n" if menu else ""
        return _write(site, "content/pages/about.md", f"---\ntitle: {title}\n{menu_line}---\n\nUs.\n")
    if kind == "person":
        text = PEOPLE[args[0]]
        rel = "content/authors/ana-ruiz.md"
        return _delete(site, rel) if text is None else _write(site, rel, text)
    rel = "content/static/images/logo.png"
    return _delete(site, rel) if args[0] == 0 else _write(site, rel, b"\x89PNG" + bytes(args))


def _write(site: Path, rel: str, content: str | bytes) -> set[str]:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return {rel}


def _delete(site: Path, rel: str) -> set[str]:
    (site / rel).unlink(missing_ok=True)
    return {rel}


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every output file: any write changes one of them."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def clean_build(site: Path, scratch: Path) -> dict[str, bytes] | str:
    """The output of a from-scratch build of a copy of the sources (or its problems)."""
    copy = scratch / "clean"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output*", ".newsgen-cache"))
    try:
        build(BuildRequest(site_dir=copy, output=copy / "fresh", now=NOW, use_cache=False, jobs=1))
    except BuildError as exc:
        return _messages(exc)
    return tree(copy / "fresh")


def _messages(exc: BuildError) -> str:
    return "\n".join(sorted(p.message for p in exc.problems))


def incremental(run) -> dict[str, bytes] | str:
    try:
        return tree(run().output_dir)
    except BuildError as exc:
        return _messages(exc)


@settings(
    # CI runs the full strength; the edit-test loop a quick sample of the same sequences.
    max_examples=10 if os.environ.get("CI") else 4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(steps, min_size=1, max_size=5))
def test_incremental_builds_equal_a_clean_build(sequence):
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        site = scratch / "site"
        for rel, content in initial_files().items():
            _write(site, rel, content)
        # A snapshot of the theme: the clean and incremental builds must see the same one.
        shutil.copytree(REPO / "themes" / "news", site / "themes" / "news")
        request = BuildRequest(site_dir=site, now=NOW, jobs=1)
        server = Builder(BuildRequest(site_dir=site, output=site / "output-serve", now=NOW, jobs=1))
        assert incremental(lambda: build(request)) == clean_build(site, scratch)
        server.build()
        for step in sequence:
            changed = apply(site, step)
            expected = clean_build(site, scratch)
            assert incremental(lambda: build(request)) == expected, step
            assert incremental(partial(server.build, changed)) == expected, step
            if isinstance(expected, dict):
                _assert_second_build_writes_nothing(request, site / "output")


def _assert_second_build_writes_nothing(request: BuildRequest, out: Path) -> None:
    cache = request.site_dir / ".newsgen-cache"
    before, cache_before = stamps(out), stamps(cache)
    report = build(request)
    assert report.write.written == [] and report.write.removed == []
    assert report.parsed == 0
    assert stamps(out) == before
    # Nothing in the cache either, once the stamps are out of the racy window.
    del cache_before["stamps.json"]
    assert {k: v for k, v in stamps(cache).items() if k != "stamps.json"} == cache_before


def test_second_build_writes_nothing(make_site):
    site = make_site({article_path("a"): article("A story", DATES[2])})
    site.build()
    before = stamps(site.out)
    report = site.build()
    assert (report.write.written, report.write.removed, report.write.rendered) == ([], [], 0)
    assert stamps(site.out) == before
    assert not list(site.out.parent.glob(".output.newsgen-staging*"))


def test_an_edit_renders_only_the_outputs_that_show_it(make_site):
    files = {
        article_path(n): article(
            f"Story {n}",
            f"2026-11-{10 + i:02d}T10:00:00",
            "Summary paragraph.\n\nMore.",
            category="World",
            tags="[Water]",
        )
        for i, n in enumerate(NAMES)
    }
    site = make_site(files)
    site.build()
    oldest = article_path(NAMES[0])
    site.write({oldest: files[oldest].replace("More.", "More, corrected.")})
    report = site.build()
    # Its page, the feeds that carry its body (the site's, its section's and its tag's, each
    # as RSS and JSON, and Atom) and the search index; listings show no body: none changes.
    written = sorted(report.write.written)
    assert [p for p in written if not p.startswith("pagefind/")] == [
        "2026/11/10/alpha/index.html",
        "atom.xml",
        "category/world/feed.json",
        "category/world/feed.xml",
        "feed.json",
        "feed.xml",
        "tag/water/feed.json",
        "tag/water/feed.xml",
    ]
    assert "pagefind/pagefind-entry.json" in written
    # Every file of the index is rendered again (its digest moved); only changed ones are written.
    index_files = [p for p in (site.out / "pagefind").rglob("*") if p.is_file()]
    assert report.write.rendered == 8 + len(index_files)
    assert report.parsed == 1


@pytest.mark.parametrize("worker_items", [workers.WORKER_ITEMS, 5], ids=["one-pool", "pools-replaced"])
def test_parallel_build_equals_serial_build(tmp_path, monkeypatch, worker_items):
    monkeypatch.setattr(workers, "MIN_PARALLEL", 1)
    monkeypatch.setattr(workers, "WORKER_ITEMS", worker_items)  # 5: fresh workers every chunk or two
    site = tmp_path / "site"
    for rel, content in initial_files().items():
        _write(site, rel, content)
    for n in range(40):
        _write(
            site,
            article_path(f"story-{n}"),
            article(
                f"Story {n}",
                f"2026-{1 + n % 11:02d}-{1 + n % 27:02d}T10:00:00",
                BODIES[n % 3],
                category=CATEGORIES[n % 3],
                tags=TAGS[n % 5],
            ),
        )
    serial = build(BuildRequest(site_dir=site, output=tmp_path / "serial", now=NOW, use_cache=False, jobs=1))
    parallel = build(
        BuildRequest(site_dir=site, output=tmp_path / "parallel", now=NOW, use_cache=False, jobs=2)
    )
    assert serial.parsed == parallel.parsed == 40 + len(initial_files()) - 1  # less site.yaml
    assert tree(tmp_path / "serial") == tree(tmp_path / "parallel")


def test_a_bad_file_in_a_worker_is_reported_like_in_the_main_process(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "MIN_PARALLEL", 1)
    site = tmp_path / "site"
    for rel, content in initial_files().items():
        _write(site, rel, content)
    _write(site, article_path("bad"), "---\ntitle: [unclosed\n---\n\nBody.\n")
    with pytest.raises(BuildError) as exc:
        build(BuildRequest(site_dir=site, now=NOW, jobs=2))
    assert [p.path for p in exc.value.problems] == ["content/articles/bad.md"]


def test_a_corrupt_parse_cache_is_rebuilt_not_trusted(make_site):
    site = make_site({article_path("a"): article("A story", DATES[2])})
    site.build()
    cache = site.root / ".newsgen-cache"
    (cache / "parse.sqlite").write_bytes(b"not a database" * 100)
    for snapshot in cache.glob("model-*.pickle"):  # the saved model, so parsing is needed
        snapshot.write_bytes(b"\x80\x05garbage")
    report = site.build()
    assert report.parsed == 2  # the article and the About page, parsed again
    assert "A story" in site.read("2026/11/20/a/index.html")


def test_a_saved_model_is_reused_only_for_body_edits_and_until_a_date_passes(make_site):
    files = {
        article_path("a"): article("A story", "2026-11-20T10:00:00", "First.\n\nMore."),
        article_path("b"): article("B story", "2026-11-26T10:00:00", "Soon."),
    }
    site = make_site(files)
    site.build()
    site.write({article_path("a"): files[article_path("a")].replace("More.", "More, fixed.")})
    report = site.build()
    assert report.parsed == 1 and "More, fixed." in site.read("2026/11/20/a/index.html")
    # The scheduled story goes live when its time comes, though no file changed.
    later = site.build(now=NOW.replace(day=27))
    assert [a.title for a in later.site.articles] == ["B story", "A story"]
    assert (site.out / "2026/11/26/b/index.html").is_file()


def test_a_new_headline_in_the_preview_keeps_the_model_and_shows_everywhere(make_site):
    """A headline edit changes every card of the story, but no section, tag, related
    list or address: the preview keeps the model's indexes (building them again is most
    of a big archive's rebuild) and still shows the headline on every page."""
    files = {
        article_path("a"): article(
            "A story", "2026-11-20T10:00:00", "First.", category="Politics", tags="[vote]"
        ),
        article_path("b"): article(
            "B story", "2026-11-19T10:00:00", "Second.", category="Politics", tags="[vote]"
        ),
    }
    site = make_site(files)
    server = Builder(BuildRequest(site_dir=site.root, now=NOW, jobs=1))
    server.build()
    before = server.memory._last.site
    site.write({article_path("a"): files[article_path("a")].replace("A story", "A new headline")})
    report = server.build({article_path("a")})
    after = server.memory._last.site
    assert after.terms is before.terms and after.related is before.related
    assert after.list_digests[0] != before.list_digests[0]
    shown = ("index.html", "category/politics/index.html", "tag/vote/index.html", "2026/11/19/b/index.html")
    for page in shown:
        assert "A new headline" in (report.output_dir / page).read_text(encoding="utf-8"), page
    # The section changes: the model is built again.
    site.write({article_path("a"): files[article_path("a")].replace("Politics", "Sport")})
    server.build({article_path("a")})
    assert server.memory._last.site.terms is not after.terms


def test_stamps_never_vouch_for_a_file_changed_since(make_site):
    site = make_site({article_path("a"): article("A story", DATES[2])})
    site.build()
    # Same size, same content length: only the digest can tell; the racy rule re-reads it.
    site.write({article_path("a"): article("B story", DATES[2])})
    site.build()
    assert "B story" in site.read("2026/11/20/a/index.html")


def test_a_killed_worker_fails_the_build_instead_of_hanging():
    def die_on_five(n: int) -> int:
        if n == 5:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
        return n

    with pytest.raises(BuildError) as exc:
        list(ForkedMap(2)(die_on_five, list(range(200))))
    assert "--jobs 1" in exc.value.problems[0].hint
    assert list(ForkedMap(2)(abs, list(range(-100, 0)))) == list(range(100, 0, -1))


def _site_with_own_theme(tmp_path):
    """The initial site with a private copy of the theme, so tests may edit templates."""
    site = tmp_path / "site"
    for rel, content in initial_files().items():
        _write(site, rel, content)
    shutil.copytree(REPO / "themes" / "news", site / "themes" / "news")
    return site


def test_builder_after_body_edits_equals_a_clean_build(tmp_path):
    site = _site_with_own_theme(tmp_path)
    builder = Builder(BuildRequest(site_dir=site, now=NOW, jobs=1))
    builder.build()
    for n, name in enumerate(NAMES[:3]):
        rel = article_path(name)
        text = (site / rel).read_text(encoding="utf-8")
        _write(site, rel, text.rstrip("\n") + f"\n\nA later paragraph, take {n}.\n")
        report = builder.build({rel})
        assert report.parsed == 1
        assert tree(site / "output") == clean_build(site, tmp_path)
        # Re-planned from the last plan (outputs.plan.replan), yet the same as a full plan.
        assert builder.memory._plan.outputs == tuple(
            plan_outputs(report.site, load_theme(site, "news"), KINDS)
        )


def test_builder_told_of_a_story_that_came_and_went_between_saves(tmp_path):
    """An editor's file made and removed before the preview rebuilt (a save by a tool
    that writes aside): the watcher names it, though it is in neither scan."""
    site = _site_with_own_theme(tmp_path)
    builder = Builder(BuildRequest(site_dir=site, now=NOW, jobs=1))
    builder.build()
    rel = article_path(NAMES[0])
    text = (site / rel).read_text(encoding="utf-8")
    _write(site, rel, text.rstrip("\n") + "\n\nA paragraph added in the preview.\n")
    report = builder.build({rel, "content/articles/gone-before-the-build.md"})
    assert report.parsed == 1
    assert tree(site / "output") == clean_build(site, tmp_path)


def test_a_build_after_a_body_edit_replans_from_the_saved_model(tmp_path, monkeypatch):
    """`newsgen build` loads the model snapshot with its plan, so a body edit re-plans
    only what it can change (outputs.plan.replan), and still equals a clean build."""
    site = _site_with_own_theme(tmp_path)
    request = BuildRequest(site_dir=site, now=NOW, jobs=1)
    build(request)
    rel = article_path(NAMES[1])
    text = (site / rel).read_text(encoding="utf-8")
    _write(site, rel, text.rstrip("\n") + "\n\nA correction.\n")
    full_plans = []
    full = plan_module.Plan.full.__func__
    monkeypatch.setattr(
        plan_module.Plan, "full", classmethod(lambda cls, *a: full_plans.append(1) or full(cls, *a))
    )
    report = build(request)
    assert full_plans == [] and report.parsed == 1
    assert tree(site / "output") == clean_build(site, tmp_path)


def test_builder_after_list_field_edits_updates_listings(tmp_path):
    """Titles and summaries show on listings: the model and plan are not reused as is."""
    site = _site_with_own_theme(tmp_path)
    builder = Builder(BuildRequest(site_dir=site, now=NOW, jobs=1))
    builder.build()
    rel = article_path(NAMES[0])
    edits = [("title", "A Corrected Headline"), ("summary", "A summary written later")]
    for field, value in edits:
        _write(
            site,
            rel,
            article(
                value if field == "title" else TITLES[0],
                DATES[1],
                BODIES[0],
                category=CATEGORIES[0],
                tags=TAGS[1],
                **({"summary": value} if field == "summary" else {}),
            ),
        )
        report = builder.build({rel})
        assert tree(site / "output") == clean_build(site, tmp_path), field
        assert value.encode() in (site / "output" / "index.html").read_bytes(), field
        assert builder.memory._plan.outputs == tuple(
            plan_outputs(report.site, load_theme(site, "news"), KINDS)
        )


def test_builder_told_anything_changed_restores_removed_outputs(tmp_path):
    """A Builder trusts the output folder it wrote, until told that anything may have
    changed (changed=None): then every output is looked for again."""
    site = _site_with_own_theme(tmp_path)
    builder = Builder(BuildRequest(site_dir=site, now=NOW, jobs=1))
    builder.build()
    (site / "output" / "index.html").unlink()
    report = builder.build(None)
    assert tree(site / "output") == clean_build(site, tmp_path)
    assert "index.html" in report.write.written
