"""`newsgen check` on good output, and on output broken on purpose in every way it looks for."""

from __future__ import annotations

import pytest
from conftest import article

from generator.checker import check_output, published_base_url
from generator.cli import main

ARTICLES = {
    "content/articles/one.md": article(
        "One", category="World", tags="[Iran, Oil]", body="First.\n\n## Details\n\nMore."
    ),
    "content/articles/two.md": article("Two", date="2026-11-21T10:00:00", category="Sport"),
    "content/articles/three.md": article(
        "Three", date="2026-11-22T10:00:00", category="World", author="Ana Ruiz"
    ),
}


@pytest.fixture
def built(make_site):
    site = make_site(ARTICLES)
    site.build()
    return site


def messages(site, base_url="https://example.org/") -> set[str]:
    return {str(p) for p in check_output(site.out, base_url).problems}


def test_check_passes_on_the_demo_build(demo_build):
    report = check_output(demo_build.output_dir, demo_build.site.config.base_url)
    assert [str(p) for p in report.problems] == []
    assert report.pages > 40 and report.links > 1000 and report.feeds >= 3


def test_check_passes_on_a_small_site(built, capsys):
    assert messages(built) == set()
    assert main(["check", "--site", str(built.root)]) == 0
    assert "0 problem(s)" in capsys.readouterr().out


def inject(site, rel: str, old: str, new: str) -> None:
    path = site.out / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_check_reports_every_kind_of_breakage(built, capsys):
    before = messages(built)
    inject(
        built,
        "index.html",
        "</main>",
        '<a href="/2026/11/19/nope/">gone</a><a href="/about/#missing">anchor</a>'
        '<img src="../images/none.jpg" alt=""><a href="https://elsewhere.org/x">ok</a>'
        '<a href="#main">fine</a><a href="mailto:a@b.c">mail</a></main>',
    )
    (built.out / "css" / "style.css").unlink()
    inject(
        built,
        "about/index.html",
        "</head>",
        '<meta property="og:image" content="https://example.org/images/missing.jpg"></head>',
    )
    lost = built.out / "lost" / "index.html"
    lost.parent.mkdir()
    lost.write_text("<!doctype html><title>Lost</title><p>Nobody links here.</p>")
    inject(built, "feed.xml", "</channel>", "")
    inject(built, "sitemap.xml", "</urlset>", "<url><loc>https://example.org/gone/</loc></url></urlset>")
    found = messages(built) - before
    line = next(
        n
        for n, text in enumerate((built.out / "index.html").read_text().splitlines(), 1)
        if "/2026/11/19/nope/" in text
    )
    expected = {
        f"index.html:{line}: error: link `/2026/11/19/nope/` does not exist in the output",
        f"index.html:{line}: error: link `/about/#missing`: no id `missing` on about/index.html",
        f"index.html:{line}: error: link `../images/none.jpg` does not exist in the output",
        "lost/index.html: error: orphaned: no link from the home page leads here\n"
        "    hint: link it from a listing, a menu or another page",
        "lost/index.html: error: public page missing from sitemap.xml",
        "feed.xml: error: not well-formed XML",
        f"about/index.html:{_line_of(built, 'about/index.html', 'missing.jpg')}: error: link "
        "`https://example.org/images/missing.jpg` does not exist in the output",
        "sitemap.xml: error: lists https://example.org/gone/, which does not exist in the output",
    }
    assert expected <= found
    stylesheet = {m for m in found if "link `/css/style.css` does not exist" in m}
    pages = [p for p in built.out.rglob("*.html") if p != lost]
    assert len(stylesheet) == len(pages)  # every page, 404.html too
    assert found - expected - stylesheet == set()
    assert main(["check", "--site", str(built.root)]) == 1
    err = capsys.readouterr().err
    assert f"index.html:{line}: error: link `/2026/11/19/nope/` does not exist" in err


def test_check_catches_links_that_escape_a_subpath(make_site):
    site = make_site({**ARTICLES, "site.yaml": "title: T\nbase_url: https://example.org/news/\n"})
    site.build()
    assert published_base_url(site.out, "https://wrong.example/") == "https://example.org/news/"
    before = messages(site, "https://example.org/news/")
    inject(site, "about/index.html", "</main>", '<a href="/category/world/">no base</a></main>')
    assert messages(site, "https://example.org/news/") - before == {
        "about/index.html:"
        + str(_line_of(site, "about/index.html", "no base"))
        + ": error: link `/category/world/` is outside the site's base path /news/"
    }


def _line_of(site, rel: str, needle: str) -> int:
    lines = (site.out / rel).read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines, 1) if needle in text)


def test_check_refuses_a_folder_without_a_build(make_site, capsys):
    site = make_site()
    assert main(["check", "--site", str(site.root)]) == 1
    assert "run `newsgen build` first" in capsys.readouterr().err
