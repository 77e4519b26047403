"""Nothing lost, nothing let in: the output folder under failed builds and hostile input."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import feedparser
import pytest
from conftest import REPO, article, image_bytes
from lxml import html as lxml_html

from generator.cache import CACHE_DIR
from generator.cli import main
from generator.errors import BuildError
from generator.writer import new_staging

XSS_TITLE = '<script>alert(1)</script> & "quotes"'


def snapshot(folder: Path, skip_cache: bool = False) -> dict[str, bytes | None]:
    """Every file and folder under `folder` (hidden ones too), with the files' bytes."""
    found: dict[str, bytes | None] = {}
    for root, dirs, files in os.walk(folder):
        if skip_cache:  # the parse cache records good files even when a build fails
            dirs[:] = [d for d in dirs if d != CACHE_DIR]
        for name in dirs:
            found[os.path.relpath(os.path.join(root, name), folder) + "/"] = None
        for name in files:
            path = os.path.join(root, name)
            found[os.path.relpath(path, folder)] = Path(path).read_bytes()
    return found


def leftovers(folder: Path, skip_cache: bool = False) -> list[str]:
    """Temporary files and staging folders a build must never leave behind."""
    return [
        name for name in snapshot(folder, skip_cache) if "newsgen-staging" in name or name.endswith(".tmp")
    ]


def error_text(site, **options) -> str:
    with pytest.raises(BuildError) as caught:
        site.build(**options)
    return "\n".join(str(p) for p in caught.value.problems)


def two_articles():
    return {
        "content/articles/a.md": article("Alpha", "2026-11-20T10:00:00"),
        "content/articles/b.md": article("Beta", "2026-11-21T10:00:00"),
    }


# Output safety ------------------------------------------------------------------------


def test_a_build_failing_while_rendering_leaves_the_previous_output_byte_for_byte(make_site):
    site = make_site(two_articles())
    site.build()
    (site.out / "CNAME").write_text("news.example.org\n")
    before = snapshot(site.out)
    # Fails on the second article only, after other outputs were already staged.
    template = (
        '{% extends "base.html" %}{% block content %}'
        '{% if article.title == "Beta" %}{{ no_such_value }}{% endif %}'
        "{{ article.title }}{% endblock %}\n"
    )
    site.write(
        {
            "templates/article.html": template,
            "content/articles/a.md": article("Alpha changed", "2026-11-20T10:00:00"),
        }
    )
    assert "template error" in error_text(site)
    assert snapshot(site.out) == before
    assert leftovers(site.root.parent) == []


def test_stale_pages_go_and_the_users_own_files_stay(make_site):
    site = make_site(two_articles())
    site.build()
    user_files = {
        "CNAME": "news.example.org\n",
        ".git/config": "[core]\n",
        ".well-known/security.txt": "Contact: x\n",
        "2026/11/20/a/notes.txt": "kept by the user\n",
    }
    for rel, text in user_files.items():
        (site.out / rel).parent.mkdir(parents=True, exist_ok=True)
        (site.out / rel).write_text(text)
    (site.root / "content/articles/a.md").unlink()  # deleted
    (site.root / "content/articles/b.md").rename(site.root / "content/articles/c.md")  # renamed
    report = site.build()
    assert not (site.out / "2026/11/20/a/index.html").exists()
    assert not (site.out / "2026/11/21/b").exists()  # emptied folders go too
    assert (site.out / "2026/11/21/c/index.html").is_file()
    assert "2026/11/20/a/index.html" in report.write.removed
    for rel, text in user_files.items():
        assert (site.out / rel).read_text() == text


def test_stale_pages_go_even_when_building_without_the_cache(make_site):
    site = make_site(two_articles())
    site.build(use_cache=False)
    (site.root / "content/articles/a.md").unlink()
    site.build(use_cache=False)
    assert not (site.out / "2026/11/20/a/index.html").exists()


def forbidden_outputs(site_root: Path) -> list[Path]:
    return [
        site_root,
        site_root.parent,
        site_root / "content",
        site_root / "content/static",
        site_root / "themes",
        site_root / "templates",
        site_root / "templates/partials",
        Path.home(),
        Path("/"),
    ]


@pytest.mark.parametrize("index", range(9))
def test_output_folders_that_would_destroy_sources_are_refused_before_anything_is_touched(make_site, index):
    site = make_site(
        {**two_articles(), "themes/mine/templates/x.html": "x", "templates/partials/y.html": "y"}
    )
    out = forbidden_outputs(site.root)[index]
    before = snapshot(site.root.parent)
    message = error_text(site, output=out)
    assert "would overwrite sources or system folders" in message
    assert snapshot(site.root.parent) == before


def test_a_symlink_to_the_site_folder_is_refused_as_output(make_site, tmp_path):
    site = make_site(two_articles())
    link = tmp_path / "link"
    link.symlink_to(site.root)
    assert "would overwrite sources" in error_text(site, output=link)


def test_the_cli_refuses_the_site_folder_as_output_in_site_yaml(make_site, capsys):
    site = make_site({**two_articles(), "site.yaml": "title: T\noutput: .\n"})
    before = snapshot(site.root)
    assert main(["build", "--site", str(site.root)]) == 1
    assert "would overwrite sources" in capsys.readouterr().err
    assert snapshot(site.root) == before


@pytest.mark.parametrize(
    "slug",
    ["../../escape", "/etc/escape", "%2e%2e", "..%2f..%2fescape", "a\\\\..\\\\b", "a\\0b", "a\\x01b", ".."],
)
def test_a_slug_that_could_leave_the_output_folder_is_an_error(make_site, slug):
    site = make_site({"content/articles/a.md": f'---\ntitle: A\ndate: 2026-11-20\nslug: "{slug}"\n---\n'})
    before = snapshot(site.root.parent, skip_cache=True)
    message = error_text(site)
    assert message.startswith("content/articles/a.md:4: error: `slug: ")
    assert "is not a valid URL name" in message
    assert snapshot(site.root.parent, skip_cache=True) == before


@pytest.mark.parametrize(
    "pattern", ["../../{slug}/", "{slug}/../../../x/", "%2e%2e/{slug}/", "a\\\\{slug}/", "{slug}/%2e%2e/x/"]
)
def test_a_url_pattern_that_could_leave_the_output_folder_is_an_error(make_site, pattern):
    site = make_site({**two_articles(), "site.yaml": f'title: T\nurls:\n  article: "{pattern}"\n'})
    message = error_text(site)
    assert message.startswith("site.yaml:2: error: the URL pattern")
    assert "leads outside the site" in message
    assert not site.out.exists()


@pytest.mark.parametrize("name", ["back\\slash.txt", "%2e%2e", "tab\there.txt"])
def test_a_static_file_name_that_could_escape_is_an_error_naming_the_file(make_site, name):
    site = make_site({**two_articles(), f"content/static/files/{name}": b"data"})
    message = error_text(site)
    assert f"content/static/files/{name}".replace("\t", "\\t") in message.replace("\t", "\\t")
    assert "refusing to write outside the output folder" in message
    assert not site.out.exists()


def test_nothing_is_written_through_a_symlink_that_leaves_the_output_folder(make_site, tmp_path):
    site = make_site({**two_articles(), "content/static/images/c.png": image_bytes("PNG", 40, 30)})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    site.out.mkdir()
    (site.out / "images").symlink_to(elsewhere)
    message = error_text(site)
    assert "symbolic link" in message and "images" in message
    assert list(elsewhere.iterdir()) == []


def test_a_tampered_manifest_cannot_delete_outside_the_output_folder(make_site, tmp_path):
    site = make_site(two_articles())
    site.build()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (site.out / "link").symlink_to(tmp_path)
    manifest = next((site.root / CACHE_DIR).glob("manifest-*.json"))
    data = json.loads(manifest.read_text())
    data["files"].update({"../../victim.txt": "x", str(victim): "x", "link/victim.txt": "x"})
    manifest.write_text(json.dumps(data))
    site.build()
    assert victim.read_text() == "precious"


# Content safety ---------------------------------------------------------------------


def test_a_hostile_title_is_escaped_everywhere_and_round_trips(make_site):
    site = make_site(
        {
            "content/articles/a.md": article(
                XSS_TITLE, image="images/a.jpg", image_alt=XSS_TITLE, summary=XSS_TITLE
            ),
            "content/static/images/a.jpg": image_bytes("JPEG"),
        }
    )
    site.build()
    raw = site.read("2026/11/20/a/index.html")
    assert "<script>alert(1)" not in raw
    page = lxml_html.fromstring(raw)
    assert page.findtext(".//title").startswith(XSS_TITLE)
    assert page.xpath("string(//h1)") == XSS_TITLE
    assert XSS_TITLE in [e.get("content") for e in page.xpath("//meta")] + [
        e.get("alt") for e in page.xpath("//img")
    ]
    linked_data = page.xpath('//script[@type="application/ld+json"]')
    assert linked_data
    for script in linked_data:
        assert "</script" not in script.text and "<script" not in script.text
    assert json.loads(linked_data[0].text)["headline"] == XSS_TITLE
    for feed in ("feed.xml", "atom.xml"):
        parsed = feedparser.parse(site.out / feed)
        assert not parsed.bozo, feed
        assert parsed.entries[0].title == XSS_TITLE
    assert "<script>alert(1)" not in site.read("index.html")


def test_control_characters_are_removed_from_feeds_with_a_warning(make_site):
    # A raw BEL pasted into the title, a YAML escape writing another, and two in the body.
    text = '---\ntitle: "Bell\x07 and \\x01 escape"\ndate: 2026-11-20\n---\n\nPasted\x0btext\x1f.\n'
    site = make_site({"content/articles/a.md": text})
    report = site.build()
    warnings = [str(w) for w in report.warnings]
    assert any(
        w.startswith(
            "content/articles/a.md:2: warning: removed 3 control character(s) that feeds cannot carry"
        )
        for w in warnings
    ), warnings
    assert any(
        w.startswith("content/articles/a.md:2: warning: removed 1 control character(s) from `title`")
        for w in warnings
    ), warnings
    for feed in ("feed.xml", "atom.xml"):
        parsed = feedparser.parse(site.out / feed)
        assert not parsed.bozo
        assert parsed.entries[0].title == "Bell and  escape"


HOSTILE_BODY = """
<img src="x.png" onerror="alert(1)">

<a href="javascript:alert(2)">click</a> and [md link](javascript:alert(3))

<script>alert(4)</script>

## A heading

<svg onload="alert(5)"></svg>
"""


def test_sanitize_html_removes_scripts_handlers_and_javascript_links(make_site):
    site = make_site(
        {
            "site.yaml": "title: T\nsanitize_html: true\n",
            "content/articles/a.md": article("Contributed", body=HOSTILE_BODY),
        }
    )
    site.build()
    for text in (site.read("2026/11/20/a/index.html"), site.read("feed.xml")):
        lowered = text.lower()
        assert "onerror" not in lowered and "onload" not in lowered
        assert "javascript:" not in lowered and "alert(4)" not in lowered
    page = lxml_html.fromstring(site.read("2026/11/20/a/index.html"))
    assert page.xpath('//h2[@id="a-heading"]')  # anchors keep working


def test_without_sanitize_html_the_writers_html_is_kept(make_site):
    site = make_site({"content/articles/a.md": article("Trusted", body=HOSTILE_BODY)})
    site.build()
    assert 'onerror="alert(1)"' in site.read("2026/11/20/a/index.html")


@pytest.mark.slow
def test_pathological_markdown_cannot_hang_the_build(make_site, monkeypatch):
    monkeypatch.setenv("NEWSGEN_TIME_LIMIT", "2")
    site = make_site(
        {
            "content/articles/brackets.md": article("Brackets", body="[" * 50000),
            "content/articles/quotes.md": article("Quotes", body="> " * 5000 + "deep"),
            "content/articles/ok.md": article("Fine"),
        }
    )
    started = time.monotonic()
    message = error_text(site, use_cache=False)
    assert time.monotonic() - started < 30
    assert message.startswith(
        "content/articles/brackets.md: error: reading this file took longer than 2 seconds"
    )
    assert "quotes.md" not in message and "NEWSGEN_TIME_LIMIT" in message


def test_a_huge_file_is_refused_by_size_naming_it(make_site):
    site = make_site({"content/articles/huge.md": article("Huge", body="word " * 500_000)})
    message = error_text(site)
    assert message.startswith("content/articles/huge.md: error: the file is 2,500,0")
    assert "over the limit" in message


@pytest.mark.slow
def test_the_time_limit_holds_in_parallel_parse_workers(make_site, monkeypatch):
    monkeypatch.setenv("NEWSGEN_TIME_LIMIT", "2")
    files = {f"content/articles/s{n}.md": article(f"Story {n}") for n in range(60)}
    files["content/articles/s7.md"] = article("Story 7", body="[a](" * 20000)
    site = make_site(files)
    started = time.monotonic()
    message = error_text(site, use_cache=False, jobs=2)  # enough files for the forked pool
    assert time.monotonic() - started < 60
    assert message.startswith("content/articles/s7.md: error: reading this file took longer")


def test_an_output_folder_that_is_a_mount_point_is_staged_inside_it(make_site, monkeypatch):
    site = make_site(two_articles())
    site.build()
    out = site.out
    monkeypatch.setattr(os.path, "ismount", lambda path: Path(path) == out)  # a container volume
    stage = new_staging(out)
    assert stage.parent == out  # os.replace cannot cross into a mount point
    shutil.rmtree(stage)
    site.write({"content/articles/a.md": article("Alpha again", "2026-11-20T10:00:00")})
    site.build()
    assert "Alpha again" in site.read("2026/11/20/a/index.html")
    assert leftovers(site.root.parent) == []


def test_autoescape_is_on_and_only_the_rendered_markdown_is_marked_safe():
    import re

    from generator.theme import load_theme, make_environment

    env = make_environment(load_theme(REPO, "news"))
    assert env.autoescape("article.html") and env.autoescape("feed.xml")
    uses = []
    for path in (REPO / "themes").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        uses += [(path.name, m) for m in re.findall(r"[\w.]+\s*\|\s*safe\b|Markup\(", text)]
    # Only rendered Markdown is marked safe (bodies, biographies, live entries, corrections
    # and updates, each named `*html`): as it is, or through the pictures filter, which
    # returns it with responsive images.
    assert uses == [] or all(re.fullmatch(r"[\w.]*html\s*\|\s*safe", m) for _, m in uses), uses
    bodies = [
        m
        for p in (REPO / "themes").rglob("*.html")
        for m in re.findall(r"([\w.]+)\s*\|\s*responsive\b", p.read_text(encoding="utf-8"))
    ]
    assert bodies and all(m.endswith("html") for m in bodies), bodies


def test_a_theme_outside_the_site_cannot_be_the_output_folder(make_site, tmp_path):
    shutil.copytree(REPO / "themes" / "news", tmp_path / "house-theme")
    site = make_site({**two_articles(), "site.yaml": f"title: T\ntheme: {tmp_path / 'house-theme'}\n"})
    before = snapshot(tmp_path / "house-theme")
    for out in (tmp_path / "house-theme", tmp_path / "house-theme" / "static"):
        assert "would overwrite sources" in error_text(site, output=out)
    assert snapshot(tmp_path / "house-theme") == before


def test_a_commit_the_system_refuses_halfway_is_finished_by_the_next_run(make_site, monkeypatch):
    import generator.writer as writer

    site = make_site(two_articles())
    site.build()
    site.write(
        {
            "content/articles/a.md": article("Alpha 2", "2026-11-20T10:00:00"),
            "content/articles/b.md": article("Beta 2", "2026-11-21T10:00:00"),
        }
    )
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst) if "newsgen-staging" in str(src) else None
        if len(calls) == 4:  # the journal, two pages, then the disk says no
            raise PermissionError(13, "Permission denied", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", failing_replace)
    message = error_text(site)
    assert "the output folder was only partly updated" in message
    assert "run newsgen again" in message
    monkeypatch.setattr(writer.os, "replace", real_replace)
    assert writer.finish_interrupted_commit(site.out)
    assert "Alpha 2" in site.read("2026/11/20/a/index.html")
    assert "Beta 2" in site.read("2026/11/21/b/index.html") and "Beta 2" in site.read("feed.xml")
    assert leftovers(site.root.parent, skip_cache=True) == []


def test_a_static_link_to_a_file_outside_the_site_is_refused(make_site, tmp_path):
    secret = tmp_path / "secret.key"
    secret.write_text("PRIVATE KEY")
    site = make_site(
        {
            "content/articles/a.md": article("A", "2026-11-20"),
            "content/static/images/ok.png": image_bytes("PNG", 40, 30),
        }
    )
    (site.root / "content/static/images/inside.png").symlink_to(site.root / "content/static/images/ok.png")
    site.build()
    # A link within the site is fine.
    assert (site.out / "images/inside.png").read_bytes() == image_bytes("PNG", 40, 30)
    (site.root / "content/static/key.txt").symlink_to(secret)
    with pytest.raises(BuildError) as caught:
        site.build()
    text = str(caught.value)
    assert "content/static/key.txt" in text and "outside the site folder" in text
    assert "copy the file into the site" in text
    assert not (site.out / "key.txt").exists()
