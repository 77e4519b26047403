"""Moving a newsroom in: WordPress, feeds, Jekyll and Hugo arrive whole, with their URLs.

Each source is a fixture written here (or in tests/fixtures/) with the cases real exports
have; each import is built, checked with `newsgen check` (0 problems) and deployed, and a
second import changes nothing. The invariant under test (importers/model.py): every item
is imported, skipped with a reason that names it, or refused with a reason.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

import lxml.html
import pytest
from conftest import NOW, SiteFactory, article, image_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import BuildRequest, build
from generator.checker import check_output
from generator.cli import main
from generator.errors import BuildError
from generator.importers import import_source
from generator.slugs import MAX_SLUG_BYTES

FIXTURES = Path(__file__).parent / "fixtures"


def built_and_checked(root: Path, tmp_path: Path) -> None:
    """The site builds, `newsgen check` finds nothing, and `newsgen deploy` publishes it."""
    build(BuildRequest(site_dir=root, now=NOW))
    report = check_output(root / "output", "http://localhost:8000/")
    assert [str(p) for p in report.problems if p.severity == "error"] == []
    assert main(["deploy", str(tmp_path / "public"), "--site", str(root)]) == 0
    assert (tmp_path / "public/index.html").exists()


def front(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[0]


# --- WordPress ------------------------------------------------------------------------------


def test_a_current_wordpress_export_arrives_whole_and_redirects_its_old_urls(make_site, tmp_path, capsys):
    site = make_site({"site.yaml": "title: City Desk\nbase_url: http://localhost:8000/\n"}, basic=False)
    export = FIXTURES / "wordpress-https.xml"
    assert main(["import", str(export), "--site", str(site.root)]) == 0
    out = capsys.readouterr().out
    # Seven items: five written, two skipped, each named with its id and why.
    assert "7 item(s): imported 5, already imported 0, skipped 2, refused 0" in out
    assert "skipped `hall.jpg` (https://citydesk.example/?p=5): a media file" in out
    assert "skipped `About` (https://citydesk.example/?p=30): a menu entry" in out
    articles = site.root / "content/articles/2024"
    budget = (articles / "council-passes-budget.md").read_text(encoding="utf-8")
    assert 'aliases: ["/2024/03/council-passes-budget/"]' in budget
    # [caption] became a figure with its caption; the picture's alt text survived.
    assert "![The hall](https://citydesk.example/wp-content/uploads/hall.jpg)" in budget
    assert "The city hall at night" in budget and "[caption" not in budget
    # Password-protected: a draft, never published.
    assert "draft: true" in front(articles / "members.md")
    assert "password-protected" in out
    # Two posts sharing a guid are two stories (identity is the post id); the percent-
    # encoded Arabic slug is decoded, then made a URL name by the build's rule.
    assert "Other story." in (articles / "lmdynh.md").read_text(encoding="utf-8")
    # The menu gave About its place; Contact, in no menu, is still reachable (footer).
    assert "menu: 1" in front(site.root / "content/pages/about.md")
    built_and_checked(site.root, tmp_path)
    redirect = lxml.html.fromstring((site.out / "2024/03/council-passes-budget/index.html").read_bytes())
    assert redirect.xpath('//meta[@http-equiv="refresh"]/@content') == [
        "0; url=/2024/03/05/council-passes-budget/"
    ]
    assert redirect.xpath('//link[@rel="canonical"]/@href') == [
        "http://localhost:8000/2024/03/05/council-passes-budget/"
    ]
    assert "/2024/03/council-passes-budget/ /2024/03/05/council-passes-budget/ 301" in site.read("_redirects")
    assert "council-passes-budget/" not in site.read("sitemap.xml").split("2024/03/05")[0]
    assert not (site.out / "2024/03/06/members/index.html").exists()
    # Again: nothing new, nothing changed, exit 0.
    stamps = {p: p.stat().st_mtime_ns for p in (site.root / "content").rglob("*.md")}
    assert main(["import", str(export), "--site", str(site.root)]) == 0
    assert "imported 0, already imported 5" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in (site.root / "content").rglob("*.md")} == stamps


def test_private_posts_can_be_skipped_instead(make_site):
    site = make_site({})
    report = import_source(site.root, str(FIXTURES / "wordpress-https.xml"), private="skip")
    assert any("Members only" in s and "--private skip" in s for s in report.skipped)
    assert not (site.root / "content/articles/2024/members.md").exists()


def test_a_malformed_export_is_an_error_naming_its_line(make_site, tmp_path, capsys):
    site = make_site({})
    broken = tmp_path / "export.xml"
    text = (FIXTURES / "wordpress-https.xml").read_text(encoding="utf-8")
    broken.write_text(
        text.replace("<wp:post_id>11</wp:post_id>", "<wp:post_id>11</wp:post>"), encoding="utf-8"
    )
    assert main(["import", str(broken), "--site", str(site.root)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsgen import: export.xml:") and "not well-formed XML" in err
    assert "Traceback" not in err


def test_a_wordpress_export_read_as_a_feed_is_refused(make_site, capsys):
    site = make_site({})
    assert (
        main(["import", str(FIXTURES / "wordpress-https.xml"), "--format", "feed", "--site", str(site.root)])
        == 1
    )
    assert "is a WordPress export: import it with `--format wxr`" in capsys.readouterr().err
    assert not list((site.root / "content/articles").rglob("*.md"))


def test_a_source_that_gives_nothing_exits_non_zero(make_site, tmp_path, capsys):
    site = make_site({})
    only_media = tmp_path / "media.xml"
    text = (FIXTURES / "wordpress-https.xml").read_text(encoding="utf-8")
    head, rest = text.split("<item>", 1)
    media = "<item>" + rest[rest.index("<item><title><![CDATA[hall.jpg]]>") + 6 :]
    only_media.write_text(head + media, encoding="utf-8")
    assert main(["import", str(only_media), "--site", str(site.root)]) == 1
    assert "nothing imported from this source" in capsys.readouterr().err


# --- Feeds ------------------------------------------------------------------------------------

PODCAST = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Radio Desk</title><link>https://radio.example/</link><description>d</description>
<item><title>Morning briefing</title><link>https://radio.example/shows/morning/</link>
<guid>radio-1</guid><pubDate>Mon, 23 Nov 2026 07:00:00 GMT</pubDate>
<description><![CDATA[<p>Today: <a href="/shows/">all shows</a>.</p>]]></description>
<enclosure url="https://radio.example/a.mp3" type="audio/mpeg" length="100"/>
<media:content url="https://radio.example/a.mp3" medium="audio" type="audio/mpeg"/>
<media:thumbnail url="https://radio.example/small.jpg" width="120" height="68"/>
<media:thumbnail url="https://radio.example/large.jpg" width="1200" height="675"/>
<media:credit>Photo: Ana Gil</media:credit>
</item>
<item><title>Same title</title><link>https://radio.example/a/</link><guid>radio-2</guid>
<pubDate>Mon, 23 Nov 2026 09:00:00 GMT</pubDate><description>First.</description></item>
<item><title>Same title</title><link>https://radio.example/b/</link><guid>radio-3</guid>
<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate><description>Second.</description></item>
<item><description>An untitled one.</description><pubDate>Mon, 23 Nov 2026 11:00:00 GMT</pubDate></item>
<item><description>Another untitled one.</description><pubDate>Mon, 23 Nov 2026 12:00:00 GMT</pubDate></item>
<item><title>When?</title><guid>radio-9</guid><description>No date.</description></item>
</channel></rss>
"""


def test_a_podcast_feed_loses_nothing_and_keeps_sound_out_of_pictures(make_site, tmp_path):
    site = make_site({"site.yaml": "title: T\nbase_url: http://localhost:8000/\n"}, basic=False)
    feed = tmp_path / "feed.xml"
    feed.write_text(PODCAST, encoding="utf-8")
    report = import_source(site.root, str(feed), category="Radio")
    assert len(report.written) == 6 and report.skipped == [] and report.refused == []
    morning = (site.root / "content/articles/2026/morning-briefing.md").read_text(encoding="utf-8")
    assert 'image: "https://radio.example/large.jpg"' in morning  # the widest, never the mp3
    assert 'image_credit: "Photo: Ana Gil"' in morning
    assert "[all shows](https://radio.example/shows/)" in morning  # against the entry's site
    names = sorted(p.name for p in (site.root / "content/articles/2026").glob("*.md"))
    assert "same-title.md" in names and "same-title-2.md" in names
    assert "untitled.md" in names and "untitled-2.md" in names
    undated = (site.root / "content/articles/2026/when.md").read_text(encoding="utf-8")
    assert "draft: true" in undated  # dated at import time it would lead the front page
    assert any("no date: imported as a draft" in n for n in report.notes)
    assert import_source(site.root, str(feed), category="Radio").written == []
    built_and_checked(site.root, tmp_path)


# --- Jekyll and Hugo ------------------------------------------------------------------------


def jekyll_site(root: Path) -> Path:
    files = {
        "_config.yml": "title: Old Blog\npermalink: /:categories/:year/:month/:day/:title:output_ext\n",
        "_posts/2014-03-19-hello.md": (
            "---\nlayout: post\ntitle: Hello, world\ncategories: news local\ntags: budget city-hall\n"
            "excerpt: The first post.\nredirect_from:\n  - /old/hello/\nimage: /assets/pic.png\n---\n\n"
            "Welcome. See {% post_url 2015-03-17-second %} and "
            "[this]({% link _posts/2015-03-17-second.md %}).\n\n"
            "{% raw %}Use {{ page.title }}.{% endraw %}\n\n{% include note.html %}\n\n"
            "{% highlight python %}\nprint('hi')\n{% endhighlight %}\n"
        ),
        "_posts/2015-03-17-second.md": (
            "---\ntitle: Second\ndate: 2015-03-17 14:00:00 -4\nauthor: Bo Li\n---\nTwo.\n"
        ),
        "_posts/2016-03-23-third.markdown": "---\ntitle: Third\npublished: false\n---\nNot yet.\n",
        "_posts/2017-01-01-broken.md": "---\ntitle: [unclosed\n---\nX.\n",
        "about.md": "---\nlayout: page\ntitle: About the blog\npermalink: /about-us/\n---\nAbout.\n",
    }
    return SiteFactory(root).write({**files, "assets/pic.png": image_bytes("PNG", 800, 450)})


def test_a_jekyll_site_keeps_its_dates_names_links_and_old_urls(make_site, tmp_path):
    site = make_site({"site.yaml": "title: T\nbase_url: http://localhost:8000/\n"}, basic=False)
    report = import_source(site.root, str(jekyll_site(tmp_path / "jekyll")))
    assert (
        sorted(report.written)
        == [
            "content/articles/2014/hello.md",
            "content/articles/2015/second.md",
            "content/articles/2016/third.md",
            "content/pages/about-the-blog.md",
        ]
        or sorted(report.written)[-1] == "content/pages/about.md"
    )
    assert [r for r in report.refused if "2017-01-01-broken.md" in r and "not valid YAML" in r]
    hello = (site.root / "content/articles/2014/hello.md").read_text(encoding="utf-8")
    assert "date: 2014-03-19T00:00:00" in hello and 'slug: "hello"' in hello
    assert 'category: "news"' in hello and '"local", "budget", "city-hall"' in hello
    assert "See /2015/03/17/second/ and [this](/2015/03/17/second/)." in hello
    assert "Use {{ page.title }}." in hello and "```python\nprint('hi')\n```" in hello
    assert any("_posts/2014-03-19-hello.md:16: Liquid `{% include note.html %}`" in n for n in report.notes)
    assert "/news/local/2014/03/19/hello.html" in hello and "/old/hello/" in hello
    second = (site.root / "content/articles/2015/second.md").read_text(encoding="utf-8")
    assert "date: 2015-03-17T18:00:00" in second  # -4 read as an offset
    assert "draft: true" in (site.root / "content/articles/2016/third.md").read_text(encoding="utf-8")
    assert (site.root / "content/static/assets/pic.png").exists()
    result = build(BuildRequest(site_dir=site.root, now=NOW))
    assert any("hello.md:" in str(w) and "{% include note.html %}" in str(w) for w in result.warnings)
    for old in ("news/local/2014/03/19/hello.html", "old/hello/index.html", "about-us/index.html"):
        assert (site.out / old).exists(), old
    built_and_checked(site.root, tmp_path)
    assert import_source(site.root, str(tmp_path / "jekyll")).written == []


def hugo_site(root: Path) -> Path:
    files = {
        "hugo.toml": 'title = "Hugo site"\n',
        "content/posts/bundle-one/index.md": (
            '+++\ntitle = "Bundle one"\ndate = 2023-05-01T10:00:00-04:00\ntags = ["rain"]\n'
            'categories = ["Weather"]\naliases = ["/2023/05/rain/"]\nimages = ["cover.jpg"]\n'
            'description = "It rained."\n+++\n\nIt rained. ![A street](street.jpg)\n\n'
            '{{< figure src="street.jpg" alt="Wet street" caption="Main Street" >}}\n\n'
            '{{< youtube dQw4w9WgXcQ >}}\n\nSee [the other]({{< ref "bundle-two" >}}).\n\n'
            "{{< myshortcode foo >}}\n"
        ),
        "content/posts/bundle-two/index.md": "---\ntitle: Bundle two\ndate: 2023-05-02\n---\nTwo.\n",
        "content/posts/_index.md": "---\ntitle: Posts\n---\n",
        "content/contact.md": "---\ntitle: Contact us\n---\nWrite.\n",
    }
    pictures = {
        f"content/posts/bundle-one/{n}": image_bytes("JPEG", 900, 500) for n in ("cover.jpg", "street.jpg")
    }
    return SiteFactory(root).write({**files, **pictures})


def test_a_hugo_site_brings_its_bundles_pictures_and_aliases(make_site, tmp_path):
    site = make_site({"site.yaml": "title: T\nbase_url: http://localhost:8000/\n"}, basic=False)
    report = import_source(site.root, str(hugo_site(tmp_path / "hugo")))
    assert sorted(report.written) == [
        "content/articles/2023/bundle-one.md",
        "content/articles/2023/bundle-two.md",
        "content/pages/contact.md",  # Hugo names a page by its file
    ]
    assert [s for s in report.skipped if "_index.md" in s and "list page" in s]
    one = (site.root / "content/articles/2023/bundle-one.md").read_text(encoding="utf-8")
    assert 'slug: "bundle-one"' in one and 'image: "images/bundle-one/cover.jpg"' in one
    assert "![A street](/images/bundle-one/street.jpg)" in one
    assert "<figcaption>Main Street</figcaption>" in one
    assert "[Watch on YouTube](https://www.youtube.com/watch?v=dQw4w9WgXcQ)" in one
    assert "[the other](/2023/05/02/bundle-two/)" in one
    assert any("index.md:19: shortcode `{{< myshortcode foo >}}`" in n for n in report.notes)
    assert '"/posts/bundle-one/", "/2023/05/rain/"' in one
    assert (site.root / "content/static/images/bundle-one/street.jpg").exists()
    built_and_checked(site.root, tmp_path)
    assert (site.out / "2023/05/rain/index.html").exists() and (
        site.out / "posts/bundle-one/index.html"
    ).exists()


# --- Front matter as people write it ------------------------------------------------------


def test_front_matter_as_other_generators_write_it_builds(make_site):
    site = make_site(
        {
            "content/articles/a.md": (
                "---\ntitle: A\ndate: 2015-03-17 14:00:00 -4\ntags: budget city-hall taxes\n---\nA.\n"
            ),
            "content/articles/b.md": "\n\n---\ntitle: B\ndate: 2016-03-23 9:00:00 -04:00\n---\nB.\n",
            "content/articles/c.md": '+++\ntitle = "C"\ndate = 2016-03-24T09:00:00Z\ntags = ["x"]\n+++\nC.\n',
            "content/articles/d.md": (
                "---\ntitle: D\ndate: 2016-03-25\nexcerpt: x\npermalink: /d.html\nlayout: post\n---\nD.\n"
            ),
        }
    )
    report = site.build()
    dates = {a.title: a.date.isoformat() for a in report.site.articles}
    assert dates["A"] == "2015-03-17T19:00:00+01:00" and dates["B"] == "2016-03-23T14:00:00+01:00"
    assert dates["C"] == "2016-03-24T10:00:00+01:00"
    a = next(a for a in report.site.articles if a.title == "A")
    assert a.tags == ("budget", "city-hall", "taxes")
    said = "\n".join(str(w) for w in report.warnings)
    assert "content/articles/a.md:4: warning: `tags: budget city-hall taxes` read as 3 tags" in said
    assert "content/articles/d.md:4: warning: unknown field `excerpt`" in said and "`summary:`" in said
    assert "layouts come from the theme" in said and "permalink" not in said
    assert (site.out / "d.html").exists()  # Jekyll's permalink: the old address, redirected


def test_files_copied_in_from_jekyll_and_hugo_keep_their_dates_and_names(make_site):
    site = make_site(
        {
            "content/articles/2014-03-19-hello.md": "---\ntitle: Hello\n---\nHi.\n",
            "content/articles/my-story/index.md": "---\ntitle: Bundle\ndate: 2014-03-20\n---\nB.\n",
            "content/articles/2014-02-30-odd.md": "---\ntitle: Odd\ndate: 2014-03-21\n---\nO.\n",
        }
    )
    report = site.build()
    routes = sorted(a.route for a in report.site.articles)
    assert routes == ["2014/03/19/hello/", "2014/03/20/my-story/", "2014/03/21/2014-02-30-odd/"]


def test_warnings_are_shown_with_errors(make_site, capsys):
    site = make_site(
        {
            "content/articles/bad.md": article("Bad", date="not a date", layout="post"),
            "content/articles/other.md": article("Other", excerpt="x"),
        }
    )
    assert main(["build", "--site", str(site.root)]) == 1
    err = capsys.readouterr().err
    assert "bad.md:3: error: `date: not a date` is not a valid date" in err
    assert (
        "bad.md:4: warning: unknown field `layout`" in err
        and "other.md:4: warning: unknown field `excerpt`" in err
    )
    assert "build failed: 1 problem(s) and 2 warning(s)" in err


def test_an_old_address_that_is_another_page_is_an_error_naming_both(make_site):
    site = make_site({"content/articles/a.md": article("A", aliases="[/about/]")})
    with pytest.raises(BuildError) as exc:
        site.build()
    assert (
        "content/articles/a.md:4: error: the old address /about/ in `aliases:` is the URL of "
        "content/pages/about.md" in str(exc.value)
    )


# --- Names --------------------------------------------------------------------------------

TITLES = st.text(
    alphabet=st.characters(
        whitelist_categories=("Lu", "Ll", "Lo", "Nd", "Zs", "Po", "So", "Cf", "Mn"),
        whitelist_characters="\u202e\u200f\u2066-–’%",
    ),
    min_size=1,
    max_size=400,
).filter(lambda t: t.strip())


@settings(
    max_examples=25 if os.environ.get("CI") else 8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(title=TITLES)
def test_any_title_in_any_script_makes_a_file_and_a_page(make_site, title):
    site = make_site({})
    for old in (site.root / "content/articles").rglob("*.md"):
        old.unlink()
    assert main(["new", "--category", "World", "--site", str(site.root), "--", title]) in (0, 1)
    # The same title from an import: one rule names both (slugs.slugify).
    feed = site.root.parent / "feed.xml"
    feed.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>x</title>'
        "<link>https://old.example/</link><description>d</description><item>"
        f"<title>{escape(title)}</title><guid>one</guid><pubDate>Mon, 23 Nov 2026 07:00:00 GMT</pubDate>"
        "<description>Body.</description></item></channel></rss>",
        encoding="utf-8",
    )
    for old in (site.root / "content/articles").rglob("*.md"):
        if "imported_from" in old.read_text(encoding="utf-8"):
            old.unlink()
    assert len(import_source(site.root, str(feed), category="World").written) == 1
    for path in (site.root / "content/articles").rglob("*.md"):
        assert len(path.stem.encode()) <= MAX_SLUG_BYTES
        assert not any(c in path.name for c in "\u202e\u200f\u2066%")
    site.build()


# --- Partial failures and downloads ------------------------------------------------------


def test_a_failure_part_way_is_listed_and_a_rerun_finishes(make_site):
    site = make_site({})
    # A file where the year's folder must go: writing there fails, for root too.
    blocker = site.root / "content/articles/2024"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("in the way")
    report = import_source(site.root, str(FIXTURES / "wordpress-https.xml"))
    assert len(report.refused) == 3 and all("could not be written" in r for r in report.refused)
    assert len(report.written) == 2  # the pages
    blocker.unlink()
    again = import_source(site.root, str(FIXTURES / "wordpress-https.xml"))
    assert len(again.written) == 3 and len(again.kept) == 2


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serving(folder: Path):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_download_images_brings_the_old_sites_pictures_and_refuses_what_is_not_one(make_site, tmp_path):
    old = tmp_path / "old"
    (old / "uploads").mkdir(parents=True)
    (old / "uploads/photo.jpg").write_bytes(image_bytes("JPEG", 1200, 675))
    (old / "uploads/fake.jpg").write_text("<html>not a picture</html>")
    site = make_site({"site.yaml": "title: T\nbase_url: http://localhost:8000/\n"}, basic=False)
    with serving(old) as url:
        feed = tmp_path / "feed.xml"
        feed.write_text(
            f"""<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<title>Old</title><link>{url}/</link><description>d</description>
<item><title>With pictures</title><link>{url}/story/</link><guid>s1</guid>
<pubDate>Mon, 23 Nov 2026 07:00:00 GMT</pubDate>
<description><![CDATA[<p>Text.</p><p><img src="{url}/uploads/photo.jpg" alt="A photo"></p>
<p><img src="{url}/uploads/fake.jpg" alt="x"></p>]]></description>
<media:content url="{url}/uploads/photo.jpg" medium="image" width="1200"/>
</item></channel></rss>""",
            encoding="utf-8",
        )
        report = import_source(site.root, str(feed), category="News", download_images=True)
    text = (site.root / "content/articles/2026/with-pictures.md").read_text(encoding="utf-8")
    assert 'image: "images/imported/127-0-0-1/uploads/photo.jpg"' in text
    assert "![A photo](/images/imported/127-0-0-1/uploads/photo.jpg)" in text
    assert (site.root / "content/static/images/imported/127-0-0-1/uploads/photo.jpg").exists()
    assert any("fake.jpg not downloaded" in n and "not a picture" in n for n in report.notes)
    assert not (site.root / "content/static/images/imported/127-0-0-1/uploads/fake.jpg").exists()


# --- Sections -----------------------------------------------------------------------------


def test_an_eighty_section_import_still_looks_like_a_paper(make_site):
    files = {
        f"content/articles/s{n}.md": article(
            f"Story {n}", f"2026-11-{1 + n % 20:02d}T10:00:00", category=f"Section {n % 80}"
        )
        for n in range(120)
    }
    site = make_site({"site.yaml": "title: T\nbase_url: https://example.org/\n", **files}, basic=False)
    site.build()
    home = lxml.html.fromstring(site.read("index.html"))
    header = [a.text_content() for a in home.cssselect("nav.sections li:not(.nav-page) a")][1:]
    assert len(header) == 9 and header[-1] == "More sections"
    assert home.cssselect('nav.sections a[href="/category/"]')
    assert len(home.cssselect("section.section-block")) == 8
    site.write({"site.yaml": "title: T\nbase_url: https://example.org/\nsections: [Section 5, Section 2]\n"})
    site.build()
    home = lxml.html.fromstring(site.read("index.html"))
    header = [a.text_content() for a in home.cssselect("nav.sections li:not(.nav-page) a")][1:]
    assert header == ["Section 5", "Section 2", "More sections"]
