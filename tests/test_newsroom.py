"""What a newsroom publishes that a blog does not, read back from built pages: story
types and labels, kicker and dek, corrections and updates, live coverage, people, the
breaking-news banner and the trust pages; with their structured data checked against
schema.org's vocabulary, their feeds read by feedparser, and their bad input refused."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import feedparser
import lxml.html
import pytest
from conftest import NOW, article
from schema_vocabulary import problems as schema_problems

from generator.checker import check_content
from generator.cli import main
from generator.errors import BuildError
from generator.importers import import_source

PORTRAIT = "content/static/images/ana.jpg"


def page(site, rel: str):
    return lxml.html.fromstring(site.read(rel))


def text(el) -> str:
    return " ".join(el.text_content().split())


def ld(doc, kind: str) -> dict:
    found = [json.loads(s.text) for s in doc.xpath('//script[@type="application/ld+json"]')]
    matching = [d for d in found if d["@type"] == kind]
    assert len(matching) == 1, [d["@type"] for d in found]
    return matching[0]


def messages(exc: pytest.ExceptionInfo) -> str:
    return "\n".join(str(p) for p in exc.value.problems)


# --- Structured data against schema.org ------------------------------------------------------


def test_the_schema_check_itself_finds_wrong_types_properties_and_values():
    assert (
        schema_problems({"@type": "OpinionNewsArticle", "headline": "x", "datePublished": "2026-11-24"}) == []
    )
    found = schema_problems(
        {
            "@type": "NewsArticle",
            "headlin": "typo",
            "jobTitle": "a Person's",
            "datePublished": "yesterday",
            "author": {"@type": "ImageObject", "url": "https://x"},
            "correction": {"@type": "CorrectionComent", "text": "x"},
        }
    )
    assert any("headlin: unknown property" in p for p in found)
    assert any("jobTitle: not a property of NewsArticle" in p for p in found)
    assert any("not an ISO 8601 date" in p for p in found)
    assert any("author: a ['ImageObject']" in p for p in found)
    assert any("unknown type CorrectionComent" in p for p in found)


def test_every_json_ld_block_of_the_demo_is_valid_schema_org(demo_build):
    blocks, kinds = 0, set()
    for path in demo_build.output_dir.rglob("*.html"):
        doc = lxml.html.fromstring(path.read_bytes())
        for script in doc.xpath('//script[@type="application/ld+json"]'):
            data = json.loads(script.text)
            assert schema_problems(data) == [], path
            blocks += 1
            kinds.add(data["@type"])
    assert {"NewsArticle", "OpinionNewsArticle", "LiveBlogPosting", "NewsMediaOrganization"} <= kinds
    assert {"ProfilePage", "AboutPage", "BreadcrumbList"} <= kinds
    assert blocks > 20


# --- Story types, kicker, dek ------------------------------------------------------------------


def test_types_are_labelled_in_the_site_language_and_typed_for_search_engines(make_site):
    site = make_site(
        {
            "site.yaml": "title: Test Times\nbase_url: https://example.org/\nper_page: 10\n",
            "content/articles/a.md": article(
                "Tax the rich", "2026-11-24T10:00:00", type="Opinion", category="Ideas"
            ),
            "content/articles/b.md": article(
                "Sunny holidays",
                "2026-11-23T10:00:00",
                "Book at [Sun Tours](https://sun.example/) or read [our guide](/about/).",
                type="sponsored",
                kicker="Travel",
                dek="Seven islands, one ferry pass.",
            ),
            "content/articles/c.md": article("Plain news", "2026-11-22T10:00:00"),
            "content/articles/d.md": article("Press release", "2026-11-21T10:00:00", type="press release"),
        }
    )
    site.build()
    home = page(site, "index.html")
    labels = {
        text(c.cssselect(".card-title")[0]): [text(x) for x in c.cssselect(".label-type")]
        for c in home.cssselect(".card")
    }
    assert labels["Tax the rich"] == ["Opinion"] and labels["Sunny holidays"] == ["Sponsored"]
    assert labels["Plain news"] == [] and labels["Press release"] == ["Press release"]
    opinion = page(site, "2026/11/24/a/index.html")
    assert text(opinion.cssselect(".story-header .label-type")[0]) == "Opinion"
    assert ld(opinion, "OpinionNewsArticle")["headline"] == "Tax the rich"
    ad = page(site, "2026/11/23/b/index.html")
    data = ld(ad, "AdvertiserContentArticle")
    assert data["alternativeHeadline"] == "Seven islands, one ferry pass." and schema_problems(data) == []
    assert text(ad.cssselect(".story-header .kicker")[0]) == "Travel"
    assert text(ad.cssselect(".standfirst")[0]) == "Seven islands, one ferry pass."
    assert ad.cssselect(".sponsored-note")
    links = {a.get("href"): a.get("rel") for a in ad.cssselect(".body a")}
    assert links == {"https://sun.example/": "sponsored", "/about/": None}
    assert ld(page(site, "2026/11/21/d/index.html"), "Article")
    assert ld(page(site, "2026/11/22/c/index.html"), "NewsArticle")
    assert [text(k) for k in home.cssselect(".card .kicker")] == ["Travel"]


def test_spanish_sites_label_in_spanish(make_site):
    site = make_site(
        {
            "site.yaml": "title: La Gaceta\nbase_url: https://example.org/\nlanguage: es\n",
            "content/articles/a.md": article(
                "Opina", "2026-11-24T10:00:00", type="opinion", author="[Ana Gil, Bo Li, Eva Sanz]"
            ),
        }
    )
    site.build()
    doc = page(site, "2026/11/24/a/index.html")
    assert text(doc.cssselect(".story-header .label-type")[0]) == "Opinión"
    assert text(doc.cssselect(".story-header .byline")[0]) == "Por Ana Gil, Bo Li y Eva Sanz"


def test_an_unknown_type_is_an_error_naming_the_line_and_the_closest(make_site):
    site = make_site({"content/articles/a.md": article("A", type="opnion")})
    with pytest.raises(BuildError) as exc:
        site.build()
    assert "content/articles/a.md:4: error: unknown type `opnion`" in messages(exc)
    assert "did you mean `opinion`?" in messages(exc)


# --- Corrections and updates -------------------------------------------------------------------

CORRECTED = article(
    "Bridge reopens",
    "2026-11-20T10:00:00",
    "The bridge reopened on Friday.",
    category="City",
    corrections='\n  - date: "2026-11-21T09:00"\n    text: "We said *Thursday*; it was Friday."'
    '\n  - date: "2026-11-22T09:00"\n    text: An earlier version misspelt the mayor\'s name.',
    updates='\n  - {date: "2026-11-20T12:00", text: Adds the traffic figures.}'
    '\n  - {date: "2026-11-20T15:00", text: Adds the mayor\'s statement.}',
)


def test_corrections_lead_the_story_and_updates_close_it_newest_first(make_site):
    site = make_site(
        {
            "content/articles/bridge.md": CORRECTED,
            "content/articles/other.md": article("Quiet day", "2026-11-19T10:00:00"),
        }
    )
    site.build()
    doc = page(site, "2026/11/20/bridge/index.html")
    box = doc.cssselect("aside.corrections")[0]
    assert text(box.cssselect("h2")[0]) == "Corrections"
    assert [
        (text(n.cssselect(".notice-time")[0]), text(n.cssselect("p")[1])) for n in box.cssselect(".notice")
    ] == [
        ("November 22, 2026, 09:00 CET", "An earlier version misspelt the mayor's name."),
        ("November 21, 2026, 09:00 CET", "We said Thursday; it was Friday."),
    ]
    order = [el.get("class") for el in doc.cssselect("article.story > *")]
    assert order.index("corrections") < order.index("body")
    updates = doc.cssselect(".story-footer .updates .notice")
    assert [text(n.cssselect("p")[1]) for n in updates] == [
        "Adds the mayor's statement.",
        "Adds the traffic figures.",
    ]
    data = ld(doc, "NewsArticle")
    assert data["dateModified"] == "2026-11-22T09:00:00+01:00"
    assert [c["text"] for c in data["correction"]] == [
        "An earlier version misspelt the mayor's name.",
        "We said Thursday; it was Friday.",
    ]
    assert all(c["@type"] == "CorrectionComment" for c in data["correction"]) and schema_problems(data) == []
    # The card says "Updated" (changed two days after publishing); the quiet one does not.
    cards = {text(c.cssselect(".card-title")[0]): c for c in page(site, "index.html").cssselect(".card")}
    assert text(cards["Bridge reopens"].cssselect(".updated")[0]) == "Updated November 22, 2026"
    assert not cards["Quiet day"].cssselect(".updated")


def test_updated_shows_only_past_the_configured_delay(make_site):
    quick = article(
        "Quick fix", "2026-11-20T10:00:00", updates='\n  - {date: "2026-11-20T10:30", text: Typo.}'
    )
    site = make_site({"content/articles/q.md": quick})
    site.build()
    assert not page(site, "index.html").cssselect(".updated")
    site.write({"site.yaml": "title: T\nbase_url: https://example.org/\nupdated_after_minutes: 20\n"})
    site.build()
    assert page(site, "index.html").cssselect(".updated")


def test_the_corrections_page_lists_every_correction_newest_first_with_its_story(make_site):
    site = make_site(
        {
            "content/articles/bridge.md": CORRECTED,
            "content/articles/vote.md": article(
                "Vote count",
                "2026-11-21T10:00:00",
                corrections='\n  - {date: "2026-11-21T20:00", text: Fixes the turnout.}',
            ),
        }
    )
    report = site.build()
    doc = page(site, "corrections/index.html")
    items = doc.cssselect(".correction-item")
    assert [text(i.cssselect("h2")[0]) for i in items] == ["Bridge reopens", "Vote count", "Bridge reopens"]
    assert items[1].cssselect("h2 a")[0].get("href") == "/2026/11/21/vote/"
    assert "Fixes the turnout." in text(items[1])
    # Every page's footer links it, and the sitemap lists it.
    footer_links = [a.get("href") for a in page(site, "about/index.html").cssselect("footer a")]
    assert "/corrections/" in footer_links
    assert "https://example.org/corrections/" in site.read("sitemap.xml")
    assert report.pages["corrections"] == 1


def test_a_correction_updates_the_story_in_the_feeds_with_the_correction_in_the_item(make_site):
    site = make_site({"content/articles/bridge.md": CORRECTED})
    site.build()
    atom = feedparser.parse(site.read("atom.xml"))
    entry = atom.entries[0]
    assert entry.updated.startswith("2026-11-22T09:00:00")
    content = entry.content[0].value
    assert content.index("misspelt") < content.index("Thursday") < content.index("reopened on Friday")
    assert content.index("reopened on Friday") < content.index("traffic figures")
    rss = feedparser.parse(site.read("feed.xml"))
    assert "Correction (November 22, 2026, 09:00 CET)" in rss.entries[0].content[0].value
    item = json.loads(site.read("feed.json"))["items"][0]
    assert item["date_modified"] == "2026-11-22T09:00:00+01:00" and "misspelt" in item["content_html"]


@pytest.mark.parametrize(
    ("corrections", "expected"),
    [
        (
            '\n  - {date: "2026-11-19T09:00", text: Early.}',
            ":6: error: an entry of `corrections` is dated 2026-11-19T09:00:00+01:00, before the story",
        ),
        (
            '\n  - {date: "2026-11-21T09:00"}',
            ":6: error: each entry of `corrections` needs a `date` and a `text` (found `date`)",
        ),
        ('\n  - {date: "soon", text: X.}', ":6: error: `corrections date: soon` is not a valid date"),
        ("Fixed it", ":5: error: `corrections` must be a list of dates and texts"),
    ],
)
def test_bad_corrections_are_errors_naming_the_line(make_site, corrections, expected):
    site = make_site(
        {
            "content/articles/a.md": article(
                "A", "2026-11-20T10:00:00", category="City", corrections=corrections
            )
        }
    )
    with pytest.raises(BuildError) as exc:
        site.build()
    assert f"content/articles/a.md{expected}" in messages(exc)


# --- Live coverage -----------------------------------------------------------------------------

LIVE = article(
    "Count night",
    "2026-11-25T09:00:00",
    """
    Follow the count as it happens.

    ## 09:05 Polls close

    Counting begins in the north.

    ## 2026-11-25 11:40 First result

    The north declares. Read [the background](https://example.net/bg).

    ## 10:30 Turnout is high

    Officials say 71% voted.
    """,
    live=True,
    live_until="2026-11-25T20:00:00",
    category="Politics",
)


def test_a_live_story_shows_its_entries_newest_first_with_times_and_anchors(make_site):
    site = make_site({"content/articles/count.md": LIVE})
    report = site.build()
    doc = page(site, "2026/11/25/count/index.html")
    entries = doc.cssselect(".live-entry")
    assert [e.get("id") for e in entries] == [
        "entry-20261125-1140",
        "entry-20261125-1030",
        "entry-20261125-0905",
    ]
    assert [text(e.cssselect("h3")[0]) for e in entries] == [
        "11:40 First result",
        "10:30 Turnout is high",
        "09:05 Polls close",
    ]
    assert entries[0].cssselect("time")[0].get("datetime") == "2026-11-25T11:40:00+01:00"
    assert entries[0].cssselect("a.entry-time")[0].get("href") == "#entry-20261125-1140"
    assert "Follow the count" in text(doc.cssselect(".body")[0]) and "Counting begins" not in text(
        doc.cssselect(".body")[0]
    )
    # Open: the badge on the page and on every card, and the script that fetches live.json.
    assert text(doc.cssselect(".story-header .badge-live")[0]) == "Live"
    assert page(site, "index.html").cssselect(".card .badge-live")
    assert page(site, "category/politics/index.html").cssselect(".card .badge-live")
    section = doc.cssselect("section.live")[0]
    assert (
        section.get("data-live-src") == "/2026/11/25/count/live.json"
        and section.get("data-live-every") == "30"
    )
    assert doc.xpath('//script[contains(@src, "js/live.js")]')
    live = json.loads(site.read("2026/11/25/count/live.json"))
    assert live["open"] is True and [e["id"] for e in live["entries"]] == [e.get("id") for e in entries]
    assert live["entries"][0]["time_text"] == "11:40"
    # Structured data: a LiveBlogPosting with the coverage's span and every entry.
    data = ld(doc, "LiveBlogPosting")
    assert data["coverageStartTime"] == "2026-11-25T09:00:00+01:00"
    assert data["coverageEndTime"] == "2026-11-25T20:00:00+01:00"
    assert [u["url"].rsplit("#", 1)[1] for u in data["liveBlogUpdate"]] == [e.get("id") for e in entries]
    assert data["dateModified"] == "2026-11-25T11:40:00+01:00" and schema_problems(data) == []
    # The feeds carry the newest entry, and the build says the page is open.
    content = feedparser.parse(site.read("atom.xml")).entries[0].content[0].value
    assert content.index("First result") < content.index("Follow the count")
    from generator.cli.build import summary

    assert "live coverage open: content/articles/count.md (until 2026-11-25T20:00:00+01:00)" in summary(
        report
    )


def test_when_coverage_ends_the_badge_goes_and_the_page_says_when(make_site):
    site = make_site({"content/articles/count.md": LIVE})
    site.build(now=NOW + timedelta(days=1))
    doc = page(site, "2026/11/25/count/index.html")
    assert not doc.cssselect(".badge-live") and not page(site, "index.html").cssselect(".badge-live")
    assert text(doc.cssselect(".live-status")[0]) == "Live coverage ended on November 25, 2026, 20:00 CET."
    assert not doc.xpath('//script[contains(@src, "js/live.js")]')
    live = json.loads(site.read("2026/11/25/count/live.json"))
    assert live["open"] is False and live["ended_text"].startswith("Live coverage ended")
    assert ld(doc, "LiveBlogPosting")["liveBlogUpdate"]


def test_a_body_edit_to_a_live_story_adds_the_entry_without_a_full_rebuild(make_site):
    from generator.build import Builder, BuildRequest

    site = make_site(
        {"content/articles/count.md": LIVE, "content/articles/b.md": article("Other", "2026-11-24T10:00:00")}
    )
    builder = Builder(BuildRequest(site_dir=site.root, now=NOW, jobs=1))
    builder.build()
    path = site.root / "content/articles/count.md"
    path.write_text(
        path.read_text().replace("## 09:05", "## 11:55 Second result\n\nThe south too.\n\n## 09:05")
    )
    report = builder.build({"content/articles/count.md"})
    assert report.parsed == 1
    assert "2026/11/25/count/live.json" in report.write.written
    assert "index.html" not in report.write.written  # listings show no entry
    assert json.loads(site.read("2026/11/25/count/live.json"))["entries"][0]["title"] == "Second result"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("## Background\n\nNo time.", ":9: error: the live entry `## Background` has no time"),
        (
            "## 25:00 Late\n\nX.",
            ":9: error: the live entry `## 25:00 Late` has a time or day that does not exist",
        ),
        (
            "## 08:00 Early\n\nX.",
            ":9: error: the live entry `## 08:00 Early` is dated 2026-11-25T08:00:00+01:00, before the story",
        ),
    ],
)
def test_bad_live_entries_are_errors_naming_their_line(make_site, body, expected):
    site = make_site(
        {"content/articles/a.md": article("A", "2026-11-25T09:00:00", "Intro.\n\n" + body, live=True)}
    )
    with pytest.raises(BuildError) as exc:
        site.build()
    assert f"content/articles/a.md{expected}" in messages(exc)


def test_live_until_before_the_story_is_an_error(make_site):
    site = make_site(
        {
            "content/articles/a.md": article(
                "A", "2026-11-25T09:00:00", live=True, live_until="2026-11-24T09:00:00"
            )
        }
    )
    with pytest.raises(BuildError) as exc:
        site.build()
    assert (
        "content/articles/a.md:5: error: `live_until: 2026-11-24T09:00:00+01:00` is before the story's date"
        in messages(exc)
    )


def test_new_writes_a_live_story_of_a_type_that_builds(make_site):
    site = make_site({})
    assert (
        main(
            [
                "new",
                "Vote night",
                "--category",
                "Politics",
                "--live",
                "--type",
                "analysis",
                "--site",
                str(site.root),
            ]
        )
        == 0
    )
    [path] = (site.root / "content/articles").rglob("vote-night.md")
    written = path.read_text()
    assert (
        re.search(r'^type: "?analysis"?$', written, re.M)
        and "live: true" in written
        and re.search(r"^## \d\d:\d\d First entry$", written, re.M)
    )
    report = site.build(now=None)
    assert report.site.articles[0].live_entries[0].title == "First entry"


# --- People ------------------------------------------------------------------------------------

ANA = """---
name: Ana Ruiz
role: Political correspondent
photo: images/ana.jpg
photo_alt: Ana Ruiz, smiling
email: ana@example.org
links: [https://social.example/@ana]
languages: [English, Spanish]
---

Ana covers *parliament*.
"""


@pytest.fixture
def newsroom_people(make_site):
    from conftest import image_bytes

    return make_site(
        {
            PORTRAIT: image_bytes("JPEG", 800, 800),
            "site.yaml": "title: Test Times\nbase_url: https://example.org/\nauthor: Test Times\n",
            "content/authors/ana-ruiz.md": ANA,
            "content/authors/bo-li.md": "---\nname: Bo Li\nrole: Editor\norder: 1\n---\n\nBo edits.\n",
            "content/authors/cy-ode.md": "---\nname: Cy Ode\nrole: Political correspondent\n---\n\nCy too.\n",
            "content/articles/a.md": article(
                "Vote", "2026-11-24T10:00:00", author="[Ana Ruiz, Bo Li, Cy Ode]"
            ),
            "content/articles/b.md": article("Desk note", "2026-11-23T10:00:00", author="Test Times"),
        }
    )


def test_author_pages_show_the_person_above_their_stories(newsroom_people):
    site = newsroom_people
    site.build()
    doc = page(site, "author/ana-ruiz/index.html")
    header = doc.cssselect(".profile")[0]
    assert (
        text(header.cssselect("h1")[0]) == "Ana Ruiz"
        and text(header.cssselect(".role")[0]) == "Political correspondent"
    )
    assert text(header.cssselect(".bio")[0]) == "Ana covers parliament."
    img = header.cssselect("picture img")[0]
    assert img.get("alt") == "Ana Ruiz, smiling" and img.get("width") and img.get("srcset")
    hrefs = [a.get("href") for a in header.cssselect(".profile-links a")]
    assert hrefs == ["mailto:ana@example.org", "https://social.example/@ana"]
    assert "English, Spanish" in text(header)
    assert [text(t) for t in doc.cssselect(".river .card-title")] == ["Vote"]
    person = ld(doc, "ProfilePage")["mainEntity"]
    assert person["jobTitle"] == "Political correspondent" and person["sameAs"] == [
        "https://social.example/@ana"
    ]
    assert (site.out / "images/ana.jpg-360.webp").exists()


def test_bylines_link_people_and_structured_data_describes_them(newsroom_people):
    site = newsroom_people
    site.build()
    doc = page(site, "2026/11/24/a/index.html")
    byline = doc.cssselect(".story-header .byline")[0]
    assert text(byline) == "By Ana Ruiz, Bo Li and Cy Ode"
    assert [a.get("href") for a in byline.cssselect("a")] == [
        "/author/ana-ruiz/",
        "/author/bo-li/",
        "/author/cy-ode/",
    ]
    authors = ld(doc, "NewsArticle")["author"]
    assert [a["@type"] for a in authors] == ["Person"] * 3
    assert authors[0] == {
        "@type": "Person",
        "name": "Ana Ruiz",
        "url": "https://example.org/author/ana-ruiz/",
        "jobTitle": "Political correspondent",
        "image": "https://example.org/images/ana.jpg",
        "sameAs": ["https://social.example/@ana"],
        "email": "ana@example.org",
    }
    outlet = ld(page(site, "2026/11/23/b/index.html"), "NewsArticle")["author"]
    assert outlet == [
        {"@type": "Organization", "name": "Test Times", "url": "https://example.org/author/test-times/"}
    ]


def test_the_masthead_groups_the_people_by_role(newsroom_people):
    site = newsroom_people
    site.build()
    doc = page(site, "masthead/index.html")
    groups = [
        (text(g.cssselect("h2")[0]), [text(n) for n in g.cssselect(".person-name")])
        for g in doc.cssselect(".masthead-group")
    ]
    assert groups == [("Editor", ["Bo Li"]), ("Political correspondent", ["Ana Ruiz", "Cy Ode"])]
    assert doc.cssselect('.person-name a[href="/author/ana-ruiz/"]')
    employees = ld(doc, "AboutPage")["about"]["employee"]
    assert [e["name"] for e in employees] == ["Ana Ruiz", "Bo Li", "Cy Ode"]
    footer = [a.get("href") for a in page(site, "index.html").cssselect("footer a")]
    assert "/masthead/" in footer


def test_an_author_file_edit_updates_their_page_and_bylines_data(newsroom_people):
    from generator.build import Builder, BuildRequest

    site = newsroom_people
    builder = Builder(BuildRequest(site_dir=site.root, now=NOW, jobs=1))
    builder.build()
    path = site.root / "content/authors/ana-ruiz.md"
    path.write_text(ANA.replace("Political correspondent", "Chief political correspondent"))
    report = builder.build({"content/authors/ana-ruiz.md"})
    assert {"author/ana-ruiz/index.html", "2026/11/24/a/index.html", "masthead/index.html"} <= set(
        report.write.written
    )
    assert "Chief political" in site.read("2026/11/24/a/index.html")


def test_an_author_file_for_nobody_is_a_warning_and_check_reports_it(make_site):
    site = make_site(
        {
            "content/authors/zoe.md": "---\nname: Zoë Park\n---\n\nBio.\n",
            "content/articles/a.md": article("A", author="Ana Ruiz"),
        }
    )
    report = site.build()
    [warning] = [w for w in report.warnings if "author file" in w.message]
    assert str(warning).startswith("content/authors/zoe.md:2: warning: no story has the byline `Zoë Park`")
    assert any("author file is used nowhere" in p.message for p in check_content(site.root, NOW))


def test_two_author_files_with_one_slug_are_an_error_naming_both(make_site):
    site = make_site(
        {
            "content/authors/ana-ruiz.md": "---\nname: Ana Ruiz\n---\n\nOne.\n",
            "content/authors/desk/ana.md": "---\nname: Ana R.\nslug: ana-ruiz\n---\n\nTwo.\n",
            "content/articles/a.md": article("A", author="Ana Ruiz"),
        }
    )
    with pytest.raises(BuildError) as exc:
        site.build()
    assert (
        "content/authors/desk/ana.md:3: error: is the author file of `ana-ruiz` too, "
        "like content/authors/ana-ruiz.md" in messages(exc)
    )


def test_an_author_photo_that_does_not_exist_is_an_error(make_site):
    site = make_site(
        {
            "content/authors/ana.md": "---\nname: Ana\nphoto: images/none.jpg\n---\n\nX.\n",
            "content/articles/a.md": article("A", author="Ana"),
        }
    )
    with pytest.raises(BuildError) as exc:
        site.build()
    assert "content/authors/ana.md:3: error: the photo `images/none.jpg` does not exist" in messages(exc)


# --- Breaking news -----------------------------------------------------------------------------


def test_the_breaking_banner_shows_on_every_page_until_its_end(make_site):
    site = make_site(
        {
            "content/articles/a.md": article(
                "Quake hits coast", "2026-11-25T10:00:00", breaking=True, breaking_until="2026-11-25T18:00:00"
            ),
            "content/articles/b.md": article("Older", "2026-11-20T10:00:00"),
        }
    )
    site.build()
    for rel in ("index.html", "about/index.html", "2026/11/20/b/index.html", "404.html"):
        banner = page(site, rel).cssselect("aside.breaking")
        assert banner and text(banner[0]) == "Breaking Quake hits coast", rel
        assert banner[0].cssselect("a")[0].get("href") == "/2026/11/25/a/"
    site.build(now=NOW + timedelta(hours=6))
    assert not page(site, "about/index.html").cssselect("aside.breaking")


def test_a_breaking_story_in_the_future_is_a_warning(make_site):
    site = make_site({"content/articles/a.md": article("Soon", "2026-12-25T10:00:00", breaking=True)})
    report = site.build()
    assert any(
        str(w).startswith("content/articles/a.md:4: warning: a breaking story dated in the future")
        for w in report.warnings
    )


# --- Trust pages -------------------------------------------------------------------------------


def test_trust_pages_are_in_the_footer_and_the_organization_data(make_site):
    site = make_site(
        {
            "site.yaml": "title: T\nbase_url: https://example.org/\ntrust:\n  ethics: ethics\n"
            "  corrections: fixing\n  ownership: https://owners.example/\n",
            "content/pages/ethics.md": "---\ntitle: Ethics\n---\n\nRules.\n",
            "content/pages/fixing.md": "---\ntitle: How we correct\n---\n\nRules.\n",
            "content/articles/a.md": article("A"),
        }
    )
    site.build()
    home = page(site, "index.html")
    footer = {text(a): a.get("href") for a in home.cssselect("footer a")}
    assert footer["Ethics policy"] == "/ethics/" and footer["Corrections policy"] == "/fixing/"
    assert (
        footer["Ownership and funding"] == "https://owners.example/"
        and footer["Corrections"] == "/corrections/"
    )
    org = ld(home, "NewsMediaOrganization")
    assert org["ethicsPolicy"] == org["publishingPrinciples"] == "https://example.org/ethics/"
    assert org["correctionsPolicy"] == "https://example.org/fixing/"
    assert org["ownershipFundingInfo"] == "https://owners.example/" and schema_problems(org) == []
    assert page(site, "corrections/index.html").cssselect('.list-facts a[href="/fixing/"]')


@pytest.mark.parametrize(
    ("trust", "expected"),
    [
        ("  ethics: nowhere\n", "site.yaml:3: error: `trust.ethics: nowhere` names no page of the site"),
        ("  ethic: about\n", "site.yaml:3: error: unknown trust page `trust.ethic`"),
    ],
)
def test_bad_trust_pages_are_errors_naming_site_yaml(make_site, trust, expected):
    site = make_site(
        {
            "site.yaml": "title: T\nbase_url: https://example.org/\ntrust:\n" + trust,
            "content/articles/a.md": article("A"),
        }
    )
    with pytest.raises(BuildError) as exc:
        site.build()
    assert expected in messages(exc).replace("site.yaml:3", "site.yaml:3")


# --- Imports -----------------------------------------------------------------------------------

WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/"
  xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/">
<channel><title>Old Times</title>
<wp:author><wp:author_login>ana</wp:author_login>
<wp:author_display_name>Ana Ruiz</wp:author_display_name></wp:author>
<item><title>Why we must act</title><dc:creator>ana</dc:creator>
<guid>https://old.example/?p=1</guid><wp:post_id>1</wp:post_id>
<wp:post_date_gmt>2026-11-20 10:00:00</wp:post_date_gmt><wp:post_name>why-we-must-act</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<category domain="category" nicename="opinion"><![CDATA[Opinion]]></category>
<category domain="author" nicename="cap-ana"><![CDATA[ana]]></category>
<category domain="author" nicename="cap-bo-li"><![CDATA[Bo Li]]></category>
<content:encoded><![CDATA[<p>We must act.</p>]]></content:encoded>
</item></channel></rss>
"""


def test_wordpress_co_authors_and_opinion_categories_come_across(make_site, tmp_path):
    site = make_site({})
    export = tmp_path / "export.xml"
    export.write_text(WXR)
    import_source(site.root, str(export))
    [path] = (site.root / "content/articles").rglob("why-we-must-act.md")
    written = path.read_text()
    assert 'type: "opinion"' in written or "type: opinion" in written
    assert 'author: ["Ana Ruiz", "Bo Li"]' in written
    site.build()
    assert (
        text(page(site, "2026/11/20/why-we-must-act/index.html").cssselect(".byline")[0])
        == "By Ana Ruiz and Bo Li"
    )
