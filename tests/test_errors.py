"""Bad input gets a clear error: the file and line, what is wrong, and how to fix it.

Each test writes one kind of mistake a newsroom makes and asserts what the user reads.
"""

from __future__ import annotations

import pytest
from conftest import article

from generator.cli import main
from generator.errors import BuildError

GOOD = article("Good story", "2026-11-20T10:00:00")


def problems_of(site, **options) -> list[str]:
    """The problems a build reports, as the user reads them."""
    with pytest.raises(BuildError) as caught:
        site.build(**options)
    return [str(p) for p in caught.value.problems]


def only_problem(site, **options) -> str:
    found = problems_of(site, **options)
    assert len(found) == 1, found
    return found[0]


def cli(site, *args, capsys) -> tuple[int, str, str]:
    code = main(["build", "--site", str(site.root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_malformed_yaml_names_the_line_in_the_file_not_in_the_yaml_block(make_site):
    text = "---\ntitle: A story\ndate: 2026-11-20\ntags: [Water, Energy\nauthor: Ana\n---\nBody.\n"
    site = make_site({"content/articles/a.md": text})
    message = only_problem(site)
    assert message.startswith("content/articles/a.md:4: error: bad front matter")
    assert "hint:" in message


def test_front_matter_that_is_not_a_mapping(make_site):
    site = make_site({"content/articles/a.md": "---\n- title\n- date\n---\nBody.\n"})
    message = only_problem(site)
    assert message.startswith("content/articles/a.md:2: error:")
    assert "`key: value`" in message


@pytest.mark.parametrize(
    "line, expected",
    [
        ("", "content/articles/a.md:2: error: `date` is missing"),
        ("date: 2024-02-30\n", "content/articles/a.md:3: error: `date: 2024-02-30` is not a valid date"),
        ("date: next tuesday\n", "content/articles/a.md:3: error: `date: next tuesday` is not a valid"),
    ],
)
def test_missing_or_impossible_dates(make_site, line, expected):
    site = make_site({"content/articles/a.md": f"---\ntitle: A story\n{line}---\nBody.\n"})
    message = only_problem(site)
    assert message.startswith(expected)
    assert "ISO 8601" in message or "add a line `date: ...`" in message


def test_yaml_1_1_booleans_and_dates_stay_text(make_site):
    site = make_site(
        {
            "content/articles/a.md": "---\ntitle: no\ndate: 2026-11-20\n"
            "summary: 2026-01-01\ncategory: yes\n---\nBody.\n"
        }
    )
    report = site.build()
    story = report.site.articles[0]
    assert (story.title, story.summary, story.category) == ("no", "2026-01-01", "yes")
    assert "<h1>no</h1>" in site.read("2026/11/20/a/index.html")


def test_a_key_given_twice_names_both_lines(make_site):
    text = "---\ntitle: First\ndate: 2026-11-20\ntitle: Second\n---\nBody.\n"
    site = make_site({"content/articles/a.md": text})
    message = only_problem(site)
    assert message.startswith(
        "content/articles/a.md:4: error: bad front matter: the key `title` is given twice (first on line 2)"
    )
    assert "remove one of the two lines" in message


def test_an_unknown_field_is_a_warning_naming_the_closest_known_one(make_site):
    text = "---\ntitle: A story\ndate: 2026-11-20\ncatgory: World\nextra: {kicker: Analysis}\n---\n"
    site = make_site({"content/articles/a.md": text})
    report = site.build()
    assert [str(w) for w in report.warnings] == [
        "content/articles/a.md:4: warning: unknown field `catgory`\n"
        "    hint: did you mean `category`? Custom fields go under `extra:`."
    ]
    assert report.site.articles[0].extra == {"kicker": "Analysis"}


def test_strict_turns_warnings_into_errors(make_site, capsys):
    site = make_site({"content/articles/a.md": article("A story", catgory="World")})
    message = only_problem(site, strict=True)
    assert message.startswith("content/articles/a.md:4: error: unknown field `catgory`")
    code, _, err = cli(site, "--strict", capsys=capsys)
    assert code == 1 and "unknown field `catgory`" in err
    assert not site.out.exists()


def test_a_byte_order_mark_is_accepted(make_site):
    site = make_site({"content/articles/a.md": "\ufeff" + article("With a BOM")})
    report = site.build()
    assert report.site.articles[0].title == "With a BOM"


def test_bytes_that_are_not_utf8_name_the_line(make_site):
    data = article("Latin-1").encode() + "Caf\xe9 con leche\n".encode("latin-1")
    site = make_site({"content/articles/a.md": data})
    message = only_problem(site)
    assert message.startswith("content/articles/a.md:7: error: not UTF-8 text (byte 0xe9)")
    assert "save the file as UTF-8" in message


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "content/articles/a.md:1: error: the file is empty"),
        ("   \n\n", "content/articles/a.md:1: error: the file is empty"),
        ("Just a body.\n", "content/articles/a.md:1: error: no front matter found"),
        (
            "---\ntitle: Never closed\ndate: 2026-11-20\nBody.\n",
            "content/articles/a.md:1: error: the front matter is never closed",
        ),
    ],
)
def test_empty_files_and_missing_front_matter(make_site, text, expected):
    site = make_site({"content/articles/a.md": text})
    message = only_problem(site)
    assert message.startswith(expected)
    assert "hint:" in message


def test_two_articles_with_the_same_url_name_both_files(make_site):
    site = make_site(
        {
            "content/articles/a.md": article("One", slug="story"),
            "content/articles/b.md": article("Two", slug="Story"),
        }
    )  # case folds
    message = only_problem(site)
    assert "has the same URL /2026/11/20/" in message
    assert "content/articles/a.md" in message and "content/articles/b.md" in message


def test_same_url_after_unicode_normalisation(make_site):
    nfc, nfd = "caf\u00e9", "cafe\u0301"  # how macOS and Linux editors may name the same file
    site = make_site(
        {
            "site.yaml": "title: T\nunicode_slugs: true\n",
            f"content/articles/x/{nfc}.md": article("One"),
            f"content/articles/y/{nfd}.md": article("Two"),
        }
    )
    message = only_problem(site)
    assert f"content/articles/x/{nfc}.md" in message and f"content/articles/y/{nfd}.md" in message


def test_a_title_and_file_name_that_slugify_to_nothing(make_site):
    site = make_site({"content/articles/!!!.md": article("?!")})
    message = only_problem(site)
    assert message.startswith(
        "content/articles/!!!.md:2: error: the file name and title give an empty URL name"
    )
    assert "add `slug: some-words`" in message


def test_a_category_that_slugifies_to_nothing_names_its_line(make_site):
    site = make_site({"content/articles/a.md": article("A story", category="!!!")})
    message = only_problem(site)
    assert message.startswith("content/articles/a.md:4: error: `category: !!!` gives an empty URL")


def test_a_missing_featured_image_names_the_line_and_where_to_put_it(make_site):
    site = make_site({"content/articles/a.md": article("A story", image="images/nope.jpg")})
    message = only_problem(site)
    assert message.startswith("content/articles/a.md:4: error: the image `images/nope.jpg` does not exist")
    assert "content/static/images/nope.jpg" in message


def test_a_broken_template_names_the_template_and_line(make_site):
    template = '{% extends "base.html" %}\n{% block content %}\n{% if article %}\n{% endblock %}\n'
    site = make_site({"content/articles/a.md": GOOD, "templates/article.html": template})
    message = only_problem(site)
    assert "templates/article.html:" in message and "template error" in message
    assert not site.out.exists()


def test_an_unknown_site_yaml_key_names_the_closest(make_site):
    site = make_site({"site.yaml": "title: T\nper_pgae: 5\n"})
    message = only_problem(site)
    assert message == "site.yaml:2: error: unknown setting `per_pgae`\n    hint: did you mean `per_page`?"


def test_python_tags_are_refused(make_site):
    text = "---\ntitle: !!python/object/apply:os.system [echo hacked]\ndate: 2026-11-20\n---\nB.\n"
    site = make_site({"content/articles/a.md": text})
    message = only_problem(site)
    assert message.startswith("content/articles/a.md:2: error: bad front matter")
    assert "!!python/object are not allowed" in message


def broken_site(make_site):
    return make_site(
        {
            "content/articles/good.md": GOOD,
            "content/articles/bad-yaml.md": "---\ntitle: [unclosed\ndate: 2026-11-20\n---\nB.\n",
            "content/articles/bad-date.md": article("Bad date", "2024-02-30"),
            "content/articles/no-image.md": article("No image", image="images/gone.jpg"),
            "content/articles/dup.md": article("Dup", slug="good"),
        }
    )


def test_every_error_of_a_build_is_reported_together(make_site, capsys):
    site = broken_site(make_site)
    (site.out / "index.html").parent.mkdir(parents=True)
    (site.out / "index.html").write_text("previous build")
    code, _, err = cli(site, capsys=capsys)
    assert code == 1
    for where in (
        "content/articles/bad-yaml.md:2",
        "content/articles/bad-date.md:3",
        "content/articles/no-image.md:4",
        "content/articles/dup.md",
    ):
        assert where in err
    assert "4 problem(s); the output folder was not changed" in err
    assert (site.out / "index.html").read_text() == "previous build"


def test_keep_going_publishes_without_the_bad_files_and_still_fails(make_site, capsys):
    site = broken_site(make_site)
    code, out, err = cli(site, "--keep-going", capsys=capsys)
    assert code == 1
    assert "published without 4 file(s)" in err and "content/articles/bad-date.md:3" in err
    assert (site.out / "2026/11/20/good/index.html").is_file()
    assert "Good story" in site.read("index.html")
    assert "No image" not in site.read("index.html") and "Dup" not in site.read("feed.xml")


def test_a_template_failing_on_every_page_is_reported_once_with_a_count(make_site):
    template = '{% extends "base.html" %}\n{% block content %}\n{{ article.nope.x }}\n{% endblock %}\n'
    files = {f"content/articles/s{n}.md": article(f"Story {n}") for n in range(5)}
    site = make_site({**files, "templates/article.html": template})
    message = only_problem(site)
    assert "templates/article.html:3: error: template error while rendering" in message
    assert "(and 4 more output(s) failing here)" in message


def test_site_yaml_that_is_not_utf8_names_the_line(make_site):
    site = make_site({"site.yaml": "title: T\ndescription: Caf\xe9\n".encode("latin-1")})
    assert only_problem(site).startswith("site.yaml:2: error: not UTF-8 text (byte 0xe9)")


def test_strict_with_keep_going_leaves_out_the_files_with_warnings(make_site, capsys):
    site = make_site(
        {"content/articles/good.md": GOOD, "content/articles/typo.md": article("Typo", catgory="World")}
    )
    code, _, err = cli(site, "--strict", "--keep-going", capsys=capsys)
    assert code == 1
    assert "content/articles/typo.md:4: error: unknown field `catgory`" in err
    assert (site.out / "2026/11/20/good/index.html").is_file()
    assert not (site.out / "2026/11/20/typo").exists()


def test_terminal_escape_sequences_in_names_are_printed_harmlessly(make_site, capsys):
    site = make_site({"content/articles/\x1b[2Jwipe.md": "no front matter\n"})
    code, _, err = cli(site, capsys=capsys)
    assert code == 1
    assert "content/articles/\\x1b[2Jwipe.md:1: error: no front matter" in err
    assert "\x1b" not in err


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_windows_and_old_mac_line_ends_are_read_and_lines_counted(make_site, newline):
    good = "---\ntitle: Fine\ndate: 2026-11-20\n---\n\nBody.\n".replace("\n", newline)
    bad = "---\ntitle: Fine\ndate: 2026-11-20\ntags: [a\n---\n\nBody.\n".replace("\n", newline)
    site = make_site({"content/articles/good.md": good, "content/articles/bad.md": bad})
    assert only_problem(site).startswith("content/articles/bad.md:4: error: bad front matter")
    (site.root / "content/articles/bad.md").unlink()
    assert site.build().site.articles[0].title == "Fine"


def test_a_static_file_where_a_page_goes_is_refused_build_after_build(make_site):
    """Two outputs bound for one file stop the build, and the next one-shot build, which
    starts from the model and plan the first one saved, stops the same way."""
    about = "---\ntitle: About\n---\nUs.\n"
    site = make_site({"content/articles/a.md": GOOD, "content/pages/about.md": about})
    site.build()
    site.write({"content/static/about/index.html": "<p>an old export</p>"})
    for _ in range(2):
        message = only_problem(site)
        assert message.startswith("about/index.html: error: two outputs would be written to this file")
    assert "<p>an old export</p>" not in site.read("about/index.html")
