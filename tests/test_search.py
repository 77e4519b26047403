"""Search: the Pagefind index the build writes, and the /search/ page in real Chromium."""

from __future__ import annotations

import gzip
import re
import shutil
from collections import Counter

import pytest
from conftest import NOW, REPO, article
from test_browser import AXE, run_axe, serve, watch

from generator.build import BuildRequest, build
from generator.markup import plain_text
from generator.outputs import search as search_module
from generator.preview import Preview, ServeOptions

READY = "document.documentElement.dataset.searchReady === '1'"


def unique_word(site) -> tuple[str, str]:
    """A word that occurs in one published story only, and that story's URL path."""
    words = {}
    for a in site.articles:
        text = f"{a.title} {a.summary} {plain_text(a.body_html)}".lower()
        words[a.route] = set(re.findall(r"[a-z]{8,}", text))
    counts = Counter(w for found in words.values() for w in found)
    for route, found in words.items():
        for word in sorted(found):
            if counts[word] == 1:
                return word, route
    raise AssertionError("no word occurs in one story only")


def results(page) -> list[str]:
    return page.eval_on_selector_all(".search-result h2 a", "links => links.map(a => a.getAttribute('href'))")


def search_for(page, word: str) -> list[str]:
    page.fill("#search-q", word)
    page.wait_for_function("document.querySelector('.search-status').textContent.length > 0")
    return results(page)


def test_a_word_of_one_story_finds_that_story_first(page, demo_build):
    word, route = unique_word(demo_build.site)
    errors = watch(page)
    with serve(demo_build.output_dir) as url:
        page.goto(url + "/search/")
        page.wait_for_function(READY)
        found = search_for(page, word)
        assert found and found[0] == "/" + route, (word, found)
        assert page.locator(".search-result mark").first.inner_text().lower() == word
        assert "?q=" + word in page.url  # the address can be shared
    assert errors == []


def test_filters_narrow_to_a_section_and_newest_comes_first(page, demo_build):
    site = demo_build.site
    section = site.terms["category"]["international"]
    in_section = {"/" + site.articles[i].route for i in section.articles}
    with serve(demo_build.output_dir) as url:
        page.goto(url + "/search/")
        page.wait_for_function(READY)
        everything = search_for(page, "the")
        page.select_option("select[name=section]", section.name)
        page.wait_for_function(f"document.querySelectorAll('.search-result').length < {len(everything)}")
        narrowed = results(page)
        assert narrowed and set(narrowed) <= in_section
        dates = page.eval_on_selector_all(".search-result time", "ts => ts.map(t => t.dateTime)")
        assert dates == sorted(dates, reverse=True)  # newest first by default


def test_search_works_on_a_phone_and_with_keyboard_and_screen_reader(page, demo_build):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: bash scripts/test installs it")
    word, route = unique_word(demo_build.site)
    page.set_viewport_size({"width": 360, "height": 740})
    with serve(demo_build.output_dir) as url:
        page.goto(url + "/")
        page.click(".search-link")
        page.wait_for_function(READY)
        assert search_for(page, word)[0] == "/" + route
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert page.get_attribute("#search-q", "id") == page.get_attribute("label[for=search-q]", "for")
        serious = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
        assert serious == [], serious


def test_the_form_works_without_javascript(browser, demo_build):
    word, route = unique_word(demo_build.site)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    with serve(demo_build.output_dir) as url:
        page.goto(url + "/search/")
        page.fill("#search-q", word)
        page.click(".search-box button")
        page.wait_for_url(f"**/search/?q={word}*")
        assert page.locator("noscript").count() == 1
    context.close()
    page = browser.new_page()  # the address it went to finds the story once scripts run
    with serve(demo_build.output_dir) as url:
        page.goto(f"{url}/search/?q={word}")
        page.wait_for_function("document.querySelectorAll('.search-result').length > 0")
        assert results(page)[0] == "/" + route
    page.close()


def test_hostile_queries_find_nothing_and_inject_nothing(page, demo_build):
    errors = watch(page)
    page.on("dialog", lambda d: errors.append("dialog: " + d.message))
    with serve(demo_build.output_dir) as url:
        page.goto(url + "/search/")
        page.wait_for_function(READY)
        for query in ("<script>alert(1)</script>", "zq" * 250, '"><img src=x onerror=alert(1)>'):
            search_for(page, query)
            assert page.locator(".search-results script, .search-results img[src=x]").count() == 0
            assert "“" in page.inner_text(".search-status")
        page.fill("#search-q", "")
        page.wait_for_function("document.querySelector('.search-status').textContent === ''")
        assert page.locator(".search-result").count() == 0
    assert errors == []


def test_under_a_base_path_every_request_stays_inside_it(page, tmp_path, demo_build):
    word, route = unique_word(demo_build.site)
    root = tmp_path / "host"
    with serve(root) as url:
        build(
            BuildRequest(
                site_dir=REPO, output=root / "news", base_url=url + "/news/", now=NOW, use_cache=False
            )
        )
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url))
        page.goto(url + "/news/search/")
        page.wait_for_function(READY)
        assert search_for(page, word)[0] == "/news/" + route
    assert asked and all(u.startswith(url + "/news/") for u in asked), [u for u in asked if "/news/" not in u]


def test_a_saved_edit_is_findable_in_the_preview(page, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    preview = Preview(ServeOptions(site_dir=site, port=0, output=tmp_path / "preview"))
    url = preview.start()
    try:
        page.goto(url + "search/")
        page.wait_for_function(READY)
        assert search_for(page, "zebracrossingword") == []
        story = site / "content/articles/2026/zz-new.md"
        story.write_text(
            article(
                "Zebra crossings return",
                "2026-11-23T10:00:00",
                "The zebracrossingword is back.",
                category="International",
            )
        )
        # The preview rebuilds, and reloads the search page because its index changed.
        page.wait_for_event("load", timeout=30_000)
        page.wait_for_function(READY, timeout=30_000)
        assert search_for(page, "zebracrossingword")[0].endswith("/2026/11/23/zz-new/")
    finally:
        preview.stop()


def test_a_no_change_build_does_not_run_the_indexer_and_search_false_turns_it_off(make_site, monkeypatch):
    runs = []
    indexer = search_module._run_indexer
    monkeypatch.setattr(search_module, "_run_indexer", lambda *a: runs.append(1) or indexer(*a))
    search_module._MADE.clear()
    site = make_site({"content/articles/a.md": article("Rain", category="World")})
    site.build()
    assert runs == [1] and (site.out / "pagefind" / "pagefind.js").is_file()
    search_module._MADE.clear()  # a new process: the saved plan must do without the indexer
    report = site.build()
    assert runs == [1] and report.write.written == []
    site.write({"site.yaml": (site.root / "site.yaml").read_text() + "search: false\n"})
    site.build()
    assert not (site.out / "pagefind").exists() and not (site.out / "search").exists()
    assert "search-link" not in site.read("index.html")


def test_the_index_holds_only_story_words(make_site):
    site = make_site({"content/articles/a.md": article("Rain", category="World", body="Drizzle.")})
    site.build()
    fragments = [p.read_bytes() for p in (site.out / "pagefind" / "fragment").iterdir()]
    texts = [gzip.decompress(f).decode() for f in fragments]
    assert len(texts) == 1 and "Drizzle" in texts[0]
    assert "About Us" not in texts[0] and "Test Times" not in texts[0]  # no menu, no masthead


def test_a_huge_body_an_unstemmed_script_and_markup_in_a_headline_are_indexed(make_site):
    big = "\n\n".join(f"Paragraph {n} about the harbour budget and rising prices." for n in range(30_000))
    assert 1_800_000 < len(big.encode()) < 1_950_000
    site = make_site(
        {
            "content/articles/big.md": article("The long one", category="World", body=big),
            "content/articles/ka.md": article(
                "ქართული ამბავი", category="World", body="თბილისი წყალი გვალვა.", lang="ka"
            ),
            "content/articles/tags.md": article(
                'A <b>bold</b> & "quoted" headline', category="World", body="Markup words."
            ),
        }
    )
    site.build()
    texts = [gzip.decompress(p.read_bytes()).decode() for p in (site.out / "pagefind" / "fragment").iterdir()]
    assert any("Paragraph 29999 about the harbour" in t for t in texts)
    assert any("თბილისი" in t for t in texts)  # kept whole, in its own language's index
    # The headline is text to the index (the page sets it with textContent): kept literally.
    assert any('"title":"A <b>bold</b> & \\"quoted\\" headline"' in t for t in texts)
    assert any(p.name.startswith("pagefind.ka_") for p in (site.out / "pagefind").iterdir())


def test_the_preview_publishes_a_save_without_waiting_for_the_indexer(tmp_path, monkeypatch):
    """At 10,000 stories Pagefind takes seconds; a save must not wait for it. The build
    publishes the last index, and the new one follows in a build of its own."""
    import threading
    import time

    site = tmp_path / "site"
    (site / "content/articles").mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://example.org/\n")
    (site / "content/articles/a.md").write_text(article("Rain", category="World", body="Drizzle."))
    release = threading.Event()
    real = search_module._index

    def held(model):  # the indexer, held back until the test lets it go
        if any("kestrelword" in a.body_html for a in model.articles):
            assert release.wait(30)
        return real(model)

    monkeypatch.setattr(search_module, "_index", held)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # no index made before
    preview = Preview(ServeOptions(site_dir=site, port=0, output=tmp_path / "preview"))
    preview.start()
    try:
        folder = preview.out_dir / "pagefind"

        def index() -> dict:
            return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

        before = index()
        done = preview.completed
        (site / "content/articles/a.md").write_text(article("Rain", category="World", body="A kestrelword."))
        deadline = time.monotonic() + 30
        while preview.completed <= done and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "kestrelword" in (preview.out_dir / "2026/11/20/a/index.html").read_text()  # published
        assert index() == before and not preview.settled  # the index still to come
        release.set()
        while not preview.settled and time.monotonic() < deadline:
            time.sleep(0.01)
        assert index() != before  # the new index, in the build it asked for
    finally:
        release.set()
        preview.stop()


def test_a_saved_plan_whose_index_left_the_store_is_planned_again(make_site, monkeypatch, tmp_path):
    """Pagefind names its files anew on every run: a build that finds the saved plan but
    not its index in the user's store (cleared, another machine) must index again, not
    render the old names (it stopped with a KeyError traceback)."""
    site = make_site({"content/articles/a.md": article("Rain", category="World")})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "store-1"))
    site.build()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "store-2"))
    search_module._MADE.clear()  # a new process
    site.build()
    names = {p.relative_to(site.out).as_posix() for p in (site.out / "pagefind").rglob("*") if p.is_file()}
    stored = next((tmp_path / "store-2" / "newsgen" / "search-indexes").iterdir())
    assert names == {"pagefind/" + p.relative_to(stored).as_posix() for p in stored.rglob("*") if p.is_file()}
