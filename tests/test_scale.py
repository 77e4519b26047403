"""A big archive on one machine: bodies stay on disk, the saved model holds list fields,
a build that cannot fit in memory says so before it renders (issue 17).

The figures at 100,000 and 1,000,000 stories are bench/scale.py's, in bench/RESULTS.md;
these tests prove the behaviour that makes them possible on small sites.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import sqlite3
import subprocess
import sys
import tracemalloc

import feedparser
import lxml.html
import pytest
from conftest import NOW, article
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import jsonfile, workers
from generator.build import Builder, BuildRequest
from generator.cache import CACHE_DIR, MissingBody
from generator.errors import BuildError, Problem
from generator.writer import Manifest, Written

WORDS = ("marmalade", "quince", "tamarind")  # one word only each story's body holds


def stories(n: int = 3) -> dict[str, str]:
    return {
        f"content/articles/s{i}.md": article(
            f"Story {i}",
            date=f"2026-11-{10 + i % 15}T{10 + i // 15:02d}:00:00",
            body=f"Paragraph one of story {i}.\n\nThe {WORDS[i % 3]} paragraph.",
            summary=f"What story {i} is about.",
        )
        for i in range(n)
    }


def test_the_model_holds_no_body_yet_every_page_and_feed_shows_it(make_site):
    site = make_site(stories())
    report = site.build()
    assert [a.body_html for a in report.site.articles] == ["", "", ""]
    for i, word in enumerate(WORDS):
        page = lxml.html.fromstring(site.read(f"2026/11/{10 + i}/s{i}/index.html"))
        assert word in page.cssselect("article")[0].text_content()
    feed = feedparser.parse(site.read("feed.xml"))
    bodies = {e.title: e.content[0].value for e in feed.entries}
    assert all(WORDS[i % 3] in bodies[f"Story {i}"] for i in range(3))
    items = json.loads(site.read("feed.json"))["items"]
    assert all(any(w in item["content_html"] for w in WORDS) for item in items)
    # The saved model, which a no-change build loads, holds list fields, not bodies.
    snapshot = b"".join(p.read_bytes() for p in (site.root / CACHE_DIR).glob("model-*.pickle"))
    assert b"What story 0 is about." in snapshot
    assert not any(w.encode() in snapshot for w in WORDS)


def test_a_build_without_a_cache_keeps_bodies_in_the_model(make_site):
    site = make_site(stories())
    report = site.build(use_cache=False)
    assert "marmalade" in report.site.articles[-1].body_html
    assert "marmalade" in site.read("2026/11/10/s0/index.html")


def newsgen(site, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "generator", "build", "--site", str(site.root), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def edit(site, rel: str) -> None:
    path = site.root / rel
    path.write_text(path.read_text(encoding="utf-8").replace("paragraph.", "paragraph, edited."))


def test_a_body_gone_from_the_cache_fails_the_build_naming_the_story(make_site):
    site = make_site(stories())
    assert newsgen(site).returncode == 0
    before = site.read("feed.xml")
    with sqlite3.connect(site.root / CACHE_DIR / "parse.sqlite") as db:
        db.execute("DELETE FROM docs")  # emptied by something else while the saved model stays
    edit(site, "content/articles/s2.md")  # its feeds show the other stories' bodies too
    failed = newsgen(site)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert re.search(r"content/articles/s[01]\.md: error: its parsed text is missing from", failed.stderr)
    assert "hint: build again" in failed.stderr
    assert site.read("feed.xml") == before  # the output is untouched
    assert newsgen(site).returncode == 0  # and the next build reads the files again
    assert "edited" in site.read("2026/11/12/s2/index.html")
    # Raised in a forked or Dask worker, the error comes back whole.
    error = MissingBody([Problem("content/articles/s0.md", None, "gone", "build again")])
    assert pickle.loads(pickle.dumps(error)).problems == error.problems


def damage_parse_cache(site, how: str) -> None:
    parse_cache = site.root / CACHE_DIR / "parse.sqlite"
    if how == "removed":
        parse_cache.unlink()
    else:
        parse_cache.write_bytes(b"not a database at all" * 100)


@pytest.mark.parametrize("how", ["removed", "corrupt"])
def test_a_lost_parse_cache_is_not_trusted_for_bodies(make_site, how):
    site = make_site(stories())
    assert newsgen(site).returncode == 0
    damage_parse_cache(site, how)  # the saved model stays
    edit(site, "content/articles/s2.md")
    done = newsgen(site)
    assert done.returncode == 0, done.stderr
    assert "edited" in site.read("2026/11/12/s2/index.html")
    assert "marmalade" in site.read("feed.xml")


@pytest.mark.parametrize("how", ["removed", "corrupt"])
def test_a_lost_parse_cache_is_not_trusted_by_the_preview(make_site, how):
    site = make_site(stories())
    builder = Builder(BuildRequest(site_dir=site.root, now=NOW, jobs=1))
    builder.build()
    damage_parse_cache(site, how)
    edit(site, "content/articles/s2.md")
    builder.build({"content/articles/s2.md"})
    assert "edited" in site.read("2026/11/12/s2/index.html")
    assert "marmalade" in site.read("feed.xml")


def test_an_archive_may_share_the_site_card_instead_of_drawing_one_per_story(make_site):
    site = make_site(
        {
            **stories(),
            "site.yaml": "title: T\nbase_url: https://example.org/\nimages:\n  share_cards: false\n",
        }
    )
    site.build()
    assert (site.out / "share.jpg").exists()
    assert not list(site.out.glob("2026/**/share.jpg"))
    page = lxml.html.fromstring(site.read("2026/11/10/s0/index.html"))
    assert page.xpath('//meta[@property="og:image"]/@content') == ["https://example.org/share.jpg"]
    data = [json.loads(s.text) for s in page.xpath('//script[@type="application/ld+json"]')]
    story = next(d for d in data if d.get("@type") == "NewsArticle")
    assert [i["url"] for i in story["image"]] == ["https://example.org/share.jpg"]


def test_a_build_that_would_not_fit_in_memory_stops_before_writing(make_site, monkeypatch):
    site = make_site(stories())
    monkeypatch.setenv("NEWSGEN_MEMORY_LIMIT", "20M")  # less than Python itself holds
    with pytest.raises(BuildError) as failed:
        site.build()
    problem = failed.value.problems[0]
    assert problem.path == "content"
    assert "would need about" in problem.message and "allows 20 MiB" in problem.message
    assert "NEWSGEN_MEMORY_LIMIT" in problem.hint
    assert not site.out.exists()
    monkeypatch.setenv("NEWSGEN_MEMORY_LIMIT", "8G")
    site.build()
    assert "marmalade" in site.read("2026/11/10/s0/index.html")


def test_builds_for_two_addresses_in_turn_never_miss_a_body(make_site):
    """Each base URL has its own parse-cache entries and saved model; a build for one
    prunes the other's entries once they add up (here: 70 dead of 140). The other's saved
    model then counts on bodies that are gone, and must not be trusted."""
    site = make_site(stories(70))
    a, b = ("--base-url", "https://a.example.org/"), ("--base-url", "https://b.example.org/news/")
    assert newsgen(site, *a).returncode == 0
    assert newsgen(site, *b).returncode == 0  # prunes a's entries
    edit(site, "content/articles/s0.md")  # a's feeds show the other stories' bodies again
    again = newsgen(site, *a)
    assert again.returncode == 0, again.stderr
    assert "edited" in site.read("2026/11/10/s0/index.html")
    assert "https://a.example.org/" in site.read("feed.xml")


def _pid_of(item: int) -> tuple[int, int]:
    return os.getpid(), item


def test_a_long_stage_is_served_by_fresh_workers_in_turn(monkeypatch):
    """A forked worker copies every page of the model it reads (reference counts), so a
    worker that rendered a whole big archive would hold a copy of it; each pool serves
    WORKER_ITEMS items per worker and is then replaced, the results still in order."""
    monkeypatch.setattr(workers, "WORKER_ITEMS", 20)
    results = list(workers.ForkedMap(2)(_pid_of, list(range(400))))
    assert [item for _, item in results] == list(range(400))
    pids = {pid for pid, _ in results}
    assert os.getpid() not in pids
    assert len(pids) >= 400 // (2 * 20)  # a fresh pair of workers for every 40 items or so
    monkeypatch.setattr(workers, "WORKER_ITEMS", 5_000)
    # One pool for the whole stage: at most its two workers (the executor forks them on
    # demand, so on a busy machine one may have served every chunk).
    assert len({pid for pid, _ in workers.ForkedMap(2)(_pid_of, list(range(400)))}) <= 2


def test_timings_say_how_long_each_stage_took(make_site, monkeypatch):
    """`--timings` (even with --quiet) names the parallel stages and the serial rest, the
    split an archive's owner needs to judge what more workers, or a cluster, would give."""
    site = make_site(stories(60))  # past workers.MIN_PARALLEL, so both stages fork
    done = newsgen(site, "--quiet", "--timings", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip().splitlines()[-1]
    found = re.fullmatch(
        r"timings: parse ([\d.]+)s, render ([\d.]+)s, the rest ([\d.]+)s \(of ([\d.]+)s\); "
        r"steps: settle ([\d.]+)s, scan ([\d.]+)s, model ([\d.]+)s, plan ([\d.]+)s, write ([\d.]+)s",
        line,
    )
    assert found, line
    parse, render, rest, total, *steps = map(float, found.groups())
    assert render > 0 and abs(parse + render + rest - total) < 0.2
    assert abs(sum(steps) - total) < 0.2  # the steps account for the whole build
    model, write = steps[2], steps[4]
    assert model >= parse - 0.1 and write >= render - 0.1  # the stages run inside those steps
    assert newsgen(site, "--quiet").stdout == ""  # without it, --quiet stays quiet


def test_saved_records_read_back_equal_also_from_the_dataclasses_state(make_site):
    """records.quick_pickle: the model's records survive a pickle round trip, and a
    snapshot written with dataclasses' own state functions (a list of the field values)
    still loads."""
    from generator.documents import Article
    from generator.outputs.base import Output

    site = make_site(stories(3))
    site.build()
    saved = next((site.root / CACHE_DIR).glob("model-*.pickle"))
    _, model, plan = pickle.loads(saved.read_bytes())
    story = model.site.articles[0]
    assert isinstance(story, Article) and pickle.loads(pickle.dumps(story)) == story
    output = plan.outputs[0]
    assert isinstance(output, Output) and pickle.loads(pickle.dumps(output)) == output
    older = Article.__new__(Article)
    older.__setstate__([getattr(story, f) for f in Article.__dataclass_fields__])
    assert older == story


def test_a_sitemap_in_parts_plans_the_site_once_whatever_its_parts(make_site, monkeypatch):
    """A million stories make 35 sitemap files of 50,000 addresses; each part must not
    plan every page of the site again (the million-story build spent a minute and
    gigabytes per part). The parts together still list every page once."""
    from lxml import etree

    from generator.outputs import sitemaps

    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", 4)
    planned = []
    counted = sitemaps.public_pages
    monkeypatch.setattr(sitemaps, "public_pages", lambda planner: planned.append(1) or counted(planner))
    site = make_site(stories(12))
    site.build(jobs=1)
    parts = sorted(site.out.glob("sitemap-*.xml"))
    assert len(parts) >= 6
    assert len(planned) == 2  # once to plan the parts, once to render them all
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
    locs = [e.text for part in parts for e in etree.parse(str(part)).iter(ns)]
    assert len(locs) == len(set(locs)) and "https://example.org/2026/11/10/s0/" in locs


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=9) | st.dictionaries(st.text(max_size=5), inner, max_size=20),
    max_leaves=60,
)


@settings(max_examples=200, deadline=None)
@given(value=JSON_VALUES, sort_keys=st.booleans(), size=st.integers(1, 4))
def test_json_written_in_slices_is_the_text_json_dumps_makes(value, sort_keys, size):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jsonfile, "SLICE", size)  # small slices, so that small values are sliced
        text = "".join(jsonfile.pieces(value, sort_keys))
    assert text == json.dumps(value, sort_keys=sort_keys)


def test_a_big_manifest_is_saved_without_holding_its_text_whole(tmp_path):
    # A million-story commit held the manifest and the journal as whole strings, each
    # hundreds of MB, on top of the model (bench/RESULTS.md, the million-story build).
    entries = {
        f"articles/2026/story-{i:06d}/index.html": Written(f"{i:032x}", f"{i:064x}", i, i)
        for i in range(60_000)
    }
    manifest = Manifest(tmp_path / "manifest.json")
    tracemalloc.start()
    try:
        manifest.commit({"set": entries, "drop": []})  # a first build's: every output new
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = (tmp_path / "manifest.json").stat().st_size
    assert size > 5_000_000
    # Held whole, the text alone would be `size`; the new entries' dict is made either way.
    assert peak < size * 0.75
    assert Manifest(tmp_path / "manifest.json").entries == entries
    assert not (tmp_path / "manifest.json.log").exists()  # folded in, never logged
