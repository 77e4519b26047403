"""Nothing lost, second round: races, foreign files, hangs and silent drops.

Each test reproduces a case found by adversarial testing (issue "Nothing lost, second
round") through the real command line or the real server: concurrent builds, an output
folder full of the user's files, deploy targets that are not newsgen's, FIFOs, unreadable
folders, a full disk, a read-only or bind-mounted output, daylight-saving times, script
URLs, and the preview server under load.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import IN_CI, REPO, SiteFactory, article
from test_safety import leftovers, snapshot
from test_serve import _line_with

from generator.errors import BuildError
from generator.locks import site_lock

SITE_YAML = "title: Trust Times\nbase_url: https://example.org/\ntimezone: Europe/Madrid\nper_page: 5\n"


def run_cli(
    *args: str, unprivileged: bool = False, timeout: float = 120, **kwargs
) -> subprocess.CompletedProcess:
    """`python -m generator ARGS` as a user would run it; `unprivileged`: without root's
    power to read and write anything, so file permissions apply as for everybody else."""
    command = [sys.executable, "-m", "generator", *args]
    if unprivileged and os.geteuid() == 0:
        command = [
            require("setpriv"),
            "--bounding-set=-dac_override,-dac_read_search",
            "--inh-caps=-dac_override,-dac_read_search",
            *command,
        ]
    env = kwargs.pop("env", {**os.environ, "PYTHONPATH": str(REPO)})
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env, **kwargs
    )


def require(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    if IN_CI:
        pytest.fail(f"{tool} is required in CI but is not installed")
    pytest.skip(f"{tool} is not installed")


@contextlib.contextmanager
def mounted(*args: str):
    """`mount ARGS`, unmounted afterwards; CI runs as root and must be able to mount."""
    target = Path(args[-1])
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        reason = f"cannot mount here ({done.stderr.strip() or 'not root'})"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def stories(count: int, body: str = "A paragraph of reporting.") -> dict[str, str]:
    return {
        f"content/articles/s{n:03d}.md": article(
            f"Story {n}",
            f"2026-11-{n % 24 + 1:02d}T10:00:00",
            body=body,
            category=f"Section {n % 4}",
            tags=f"[Tag {n % 7}]",
        )
        for n in range(count)
    }


def site_with(root: Path, files: dict) -> SiteFactory:
    site = SiteFactory(root)
    site.write({"site.yaml": SITE_YAML, **files})
    return site


def cli_build(site: SiteFactory, *extra: str, **kwargs) -> subprocess.CompletedProcess:
    return run_cli("build", "--site", str(site.root), "--quiet", *extra, **kwargs)


# 1. Two builds at once ------------------------------------------------------------------


@pytest.mark.slow
def test_concurrent_builds_always_leave_exactly_one_clean_build(tmp_path):
    """Two and four builds of one site at once, with different base URLs, 20 rounds: every
    build exits 0 (they queue on the lock), and the output is always exactly the tree a
    clean build for one of those URLs leaves."""
    urls = ["https://a.example.org/", "https://b.example.org/news/"]
    site = site_with(tmp_path / "site", stories(200))
    clean = {}
    for url in urls:
        reference = tmp_path / f"clean-{len(clean)}"
        assert cli_build(site, "--no-cache", "--base-url", url, "--output", str(reference)).returncode == 0
        clean[url] = snapshot(reference)
        shutil.rmtree(reference)
    for round_ in range(20):
        count = 2 if round_ % 2 else 4
        procs = []
        for n in range(count):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "generator",
                        "build",
                        "--site",
                        str(site.root),
                        "--quiet",
                        "--base-url",
                        urls[(round_ + n) % 2],
                    ],
                    cwd=REPO,
                    env={**os.environ, "PYTHONPATH": str(REPO)},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            time.sleep(0.1 * (n % 3))  # 0-0.4 s apart, as in the report
        for proc in procs:
            _out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
        found = snapshot(site.out)
        assert any(found == tree for tree in clean.values()), f"round {round_}: a mixed tree"
        assert leftovers(site.root) == []


@pytest.mark.slow
def test_a_second_build_waits_for_the_first_or_fails_at_once_with_no_wait(tmp_path):
    site = site_with(tmp_path / "site", stories(3))
    assert cli_build(site).returncode == 0
    with site_lock(site.root):
        refused = cli_build(site, "--no-wait", timeout=30)
        assert refused.returncode == 1
        assert f"another newsgen build of this site is running (process {os.getpid()})" in refused.stderr
        waiting = subprocess.Popen(
            [sys.executable, "-m", "generator", "build", "--site", str(site.root), "--quiet"],
            cwd=REPO,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.5)
        assert waiting.poll() is None  # still queued behind the lock this test holds
    _out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0
    assert "waiting for another newsgen build of this site to finish" in err


def test_a_missing_staged_file_is_an_error_and_the_output_stays_whole(make_site, monkeypatch):
    """Something else cleaning the staging folder mid-build used to pass as "moved
    already": the build exited 0 with pages missing."""
    import generator.writer as writer

    site = make_site(stories(4))
    site.build()
    before = snapshot(site.out)
    site.write(stories(4, body="Edited everywhere."))
    real_check = writer._check_targets

    def clean_behind(staged, removes, out_dir, manifest, overwrite):
        real_check(staged, removes, out_dir, manifest, overwrite)
        for stage in writer.leftover_stagings(out_dir):
            (stage / writer.FILES / staged[0]).unlink()

    monkeypatch.setattr(writer, "_check_targets", clean_behind)
    with pytest.raises(BuildError, match="staged file.s. disappeared before the commit"):
        site.build()
    assert snapshot(site.out) == before  # refused before the journal: nothing changed
    # Lost after the journal (the check above skipped): the commit stops, and the next
    # build's recovery must not record the lost file as written.
    monkeypatch.setattr(writer, "_check_staged", lambda staged, files: None)
    with pytest.raises(BuildError, match="a staged file disappeared"):
        site.build()
    monkeypatch.undo()
    site.build()
    assert all("Edited everywhere" in site.read(f"2026/11/{n + 1:02d}/s{n:03d}/index.html") for n in range(4))
    clean = SiteFactory(site.root.parent / "clean")
    shutil.copytree(site.root, clean.root, ignore=shutil.ignore_patterns("output", ".newsgen-cache"))
    clean.build()
    assert snapshot(site.out) == snapshot(clean.out)


def test_a_damaged_output_is_repaired_by_the_next_build(make_site):
    """The manifest never vouches for a file that is not there, or not as written."""
    site = make_site(stories(3))
    site.build()
    expected = snapshot(site.out)
    (site.out / "index.html").unlink()
    shutil.rmtree(site.out / "tag")
    report = site.build()
    assert "index.html" in report.write.written
    assert snapshot(site.out) == expected


# 2. Files newsgen did not write ---------------------------------------------------------


def test_a_users_folder_where_a_static_file_goes_is_never_removed(make_site):
    site = make_site({**stories(2), "content/static/files": b"newsgen's file"})
    (site.out / "files").mkdir(parents=True)
    (site.out / "files" / "budget.pdf").write_bytes(b"%PDF the user's")
    with pytest.raises(BuildError) as caught:
        site.build()
    text = str(caught.value)
    assert str(site.out / "files") in text and "holds files newsgen did not write" in text
    assert (site.out / "files" / "budget.pdf").read_bytes() == b"%PDF the user's"
    assert not (site.out / "index.html").exists()  # nothing at all was changed


def test_an_etc_like_output_keeps_every_folder_it_holds(make_site, tmp_path):
    etc = tmp_path / "etc-copy"
    (etc / "ssl" / "certs").mkdir(parents=True)
    (etc / "ssl" / "certs" / "ca.pem").write_text("CERT")
    (etc / "hostname").write_text("box\n")
    site = make_site({**stories(1), "content/static/ssl": b"x", "content/static/hostname": b"y"})
    before = snapshot(etc)
    result = cli_build(site, "--output", str(etc))
    assert result.returncode == 1
    assert f"{etc / 'ssl'}: error: a folder is where newsgen writes a file" in result.stderr
    assert f"{etc / 'hostname'}: error: the file is not written by newsgen" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(etc) == before


def test_a_users_file_where_newsgen_needs_a_folder_stops_nothing_half_way(make_site):
    site = make_site(stories(2))
    site.out.mkdir()
    (site.out / "about").write_text("the user's notes")
    with pytest.raises(BuildError, match="is where it needs the folder for about/"):
        site.build()
    assert (site.out / "about").read_text() == "the user's notes"
    assert leftovers(site.root) == []
    (site.out / "about").unlink()  # once the user moves it, every build works again
    site.build()
    site.build()
    assert (site.out / "about/index.html").is_file()


def test_a_recreated_output_folder_keeps_the_users_file(make_site):
    site = make_site(stories(2))
    site.build()
    shutil.rmtree(site.out)
    (site.out / "about").mkdir(parents=True)
    (site.out / "about" / "index.html").write_text("<p>the user's own about page</p>")
    result = cli_build(site)
    assert result.returncode == 1
    assert (
        f"{site.out / 'about' / 'index.html'}: error: the file is changed since newsgen "
        "wrote it" in result.stderr
    )
    assert "--overwrite" in result.stderr
    assert (site.out / "about" / "index.html").read_text() == "<p>the user's own about page</p>"
    assert cli_build(site, "--overwrite").returncode == 0  # the user's explicit choice
    assert "We report." in site.read("about/index.html")


def test_a_link_in_the_way_is_refused_and_its_target_untouched(make_site, tmp_path):
    secret = tmp_path / "elsewhere.html"
    secret.write_text("not newsgen's")
    site = make_site(stories(1))
    site.out.mkdir()
    (site.out / "index.html").symlink_to(secret)
    with pytest.raises(BuildError, match="a link newsgen did not make is in the way"):
        site.build()
    assert secret.read_text() == "not newsgen's" and (site.out / "index.html").is_symlink()


def test_a_stale_file_someone_changed_is_left_and_reported(make_site):
    site = make_site(stories(2))
    site.build()
    page = site.out / "2026/11/02/s001/index.html"
    page.write_text("edited by hand")
    (site.root / "content/articles/s001.md").unlink()
    result = cli_build(site)
    assert result.returncode == 0, result.stderr
    assert page.read_text() == "edited by hand"
    assert f"{page}: note: no longer built, but changed since newsgen wrote it" in result.stderr
    assert cli_build(site).stderr == ""  # forgotten: not reported again


def test_files_with_exactly_newsgens_bytes_are_adopted_after_the_cache_is_deleted(make_site):
    site = make_site(stories(3))
    site.build()
    before = snapshot(site.out)
    shutil.rmtree(site.root / ".newsgen-cache")
    report = site.build()
    assert report.write.written == [] and snapshot(site.out) == before
    (site.root / "content/articles/s002.md").unlink()  # and they are newsgen's again
    assert "2026/11/03/s002/index.html" in site.build().write.removed


def test_a_copied_site_keeps_its_record_of_the_output(make_site, tmp_path):
    site = make_site(stories(2))
    site.build()
    copy = SiteFactory(tmp_path / "moved")
    shutil.copytree(site.root, copy.root, symlinks=True)
    copy.write({"content/articles/s000.md": article("Story 0 moved", "2026-11-01T10:00:00")})
    copy.build()
    assert "Story 0 moved" in copy.read("2026/11/01/s000/index.html")


# 3. Deploy ------------------------------------------------------------------------------


@pytest.fixture
def checked_site(make_site):
    site = make_site(stories(2))
    site.build()
    return site


def deploy(site, target, *extra) -> subprocess.CompletedProcess:
    return run_cli("deploy", str(target), "--site", str(site.root), *extra)


def test_deploy_refuses_a_home_folder_the_root_and_the_site(checked_site, tmp_path):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("KEY")
    for target in (home, Path("/"), checked_site.root):
        result = run_cli(
            "deploy",
            str(target),
            "--site",
            str(checked_site.root),
            "--force",
            env={**os.environ, "PYTHONPATH": str(REPO), "HOME": str(home)},
        )
        assert result.returncode == 1
        assert "it is the root, a home folder or holds the site" in result.stderr
    assert (home / ".ssh" / "id_ed25519").read_text() == "KEY"


@pytest.mark.parametrize("method", [[], ["--rsync"]])
def test_deploy_refuses_a_folder_it_never_deployed_to_and_force_deletes_nothing(
    checked_site, tmp_path, method
):
    if method:
        require("rsync")
    docs = tmp_path / "docs"
    (docs / "Documents").mkdir(parents=True)
    (docs / "Documents" / "thesis.odt").write_text("years of work")
    (docs / "index.html").write_text("the user's index")
    before = snapshot(docs)
    refused = deploy(checked_site, docs, *method)
    assert refused.returncode == 1 and "newsgen has not deployed there before" in refused.stderr
    assert snapshot(docs) == before
    assert deploy(checked_site, docs, *method, "--force").returncode == 0
    assert (docs / "Documents" / "thesis.odt").read_text() == "years of work"
    assert (docs / ".newsgen-deploy.json").is_file()
    # The next deploy deletes only what the last one sent and the build no longer makes.
    (checked_site.root / "content/articles/s001.md").unlink()
    checked_site.build()
    assert deploy(checked_site, docs, *method).returncode == 0
    assert not (docs / "2026/11/02/s001/index.html").exists()
    assert (docs / "Documents" / "thesis.odt").read_text() == "years of work"
    # A file the user adds later where the build writes is refused, not replaced.
    checked_site.write({"content/articles/s009.md": article("Nine", "2026-11-10T10:00:00")})
    checked_site.build()
    (docs / "2026/11/10/s009").mkdir(parents=True)
    (docs / "2026/11/10/s009/index.html").write_text("the user's page")
    result = deploy(checked_site, docs, *method)
    assert result.returncode == 1 and "newsgen's last deploy did not write it" in result.stderr
    assert (docs / "2026/11/10/s009/index.html").read_text() == "the user's page"


# 4. Hangs -------------------------------------------------------------------------------


def test_a_fifo_in_content_is_skipped_with_a_warning(make_site):
    site = make_site(stories(2))
    (site.root / "content/static").mkdir(parents=True, exist_ok=True)
    os.mkfifo(site.root / "content/articles/x.md")
    os.mkfifo(site.root / "content/static/pipe.jpg")
    result = cli_build(site, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (
        "content/articles/x.md: warning: is not a regular file (a FIFO, socket or device); "
        "skipped" in result.stderr
    )
    assert "content/static/pipe.jpg: warning: is not a regular file" in result.stderr


def serve_process(site: SiteFactory) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--site", str(site.root), "--port", "0", "--no-cache"],
        cwd=REPO,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_serves_first_build_stops_it(tmp_path, signum):
    # A template slow enough that the first build is still rendering when the signal comes.
    slow = (
        '{% extends "base.html" %}{% block content %}{% for i in range(3000000) %}'
        "{% endfor %}{{ article.title }}{% endblock %}\n"
    )
    site = site_with(tmp_path / "site", {**stories(100), "templates/article.html": slow})
    proc = serve_process(site)
    try:
        time.sleep(3.0)
        assert proc.poll() is None
        proc.send_signal(signum)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        out, err = proc.communicate()
    assert "serving " not in out  # it was still building: the case that hung until kill -9
    assert "Traceback" not in err


# 5. Unreadable sources ------------------------------------------------------------------


@pytest.mark.parametrize(
    "rel, message",
    [
        ("content/articles/2026", "content/articles/2026/: error: cannot read the folder: Permission denied"),
        (
            "content/articles/s001.md",
            "content/articles/s001.md: error: cannot read the file: permission denied",
        ),
    ],
)
def test_an_unreadable_folder_or_file_is_an_error_and_the_output_untouched(tmp_path, rel, message):
    """It used to be "built 0 articles ... 44 removed", exit 0."""
    site = site_with(tmp_path / "site", {**stories(4), "content/articles/2026/a.md": article("A")})
    assert cli_build(site).returncode == 0
    before = snapshot(site.out)
    path = site.root / rel
    mode = path.stat().st_mode
    path.chmod(0)
    try:
        result = cli_build(site, unprivileged=True)
    finally:
        path.chmod(mode)
    assert result.returncode == 1
    assert message in result.stderr
    assert "the output folder was not changed" in result.stderr
    assert snapshot(site.out) == before


# 6. Refusals of the system --------------------------------------------------------------


@pytest.mark.parametrize(
    "size, refusal, expected",
    [
        ("600k", "full", ["No space left on device", "free some disk space"]),
        ("4m", "read-only", ["read-only", "choose a writable output folder"]),
    ],
)
def test_a_full_or_read_only_disk_is_one_clear_line_and_the_output_stays(tmp_path, size, refusal, expected):
    with mounted("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(tmp_path / "disk")) as disk:
        site = site_with(tmp_path / "site", stories(2))
        out = disk / "output"
        assert cli_build(site, "--output", str(out)).returncode == 0
        before = snapshot(out)
        if refusal == "full":
            site.write(stories(40, body="Very long reporting. " * 2000))
        else:
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
            site.write(stories(2, body="Edited."))
        result = cli_build(site, "--output", str(out))
        assert result.returncode == 1
        assert str(out) in result.stderr and all(text in result.stderr for text in expected)
        assert "Traceback" not in result.stderr
        assert snapshot(out) == before
        assert [p.name for p in disk.iterdir()] == ["output"]  # no staging left behind


def test_an_output_folder_without_write_permission_is_one_clear_line(tmp_path):
    site = site_with(tmp_path / "site", stories(2))
    assert cli_build(site).returncode == 0
    site.write(stories(2, body="Edited."))
    before = snapshot(site.out)
    for folder in (site.out, site.out / "2026/11/01/s000"):
        folder.chmod(0o555)
    try:
        result = cli_build(site, unprivileged=True)
    finally:
        for folder in (site.out, site.out / "2026/11/01/s000"):
            folder.chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert "permission denied" in result.stderr.lower() and "Traceback" not in result.stderr
    assert snapshot(site.out) == before


def test_a_bind_mounted_output_is_built_through_renames_inside_it(tmp_path):
    real = tmp_path / "real-output"
    real.mkdir()
    with mounted("--bind", str(real), str(tmp_path / "site" / "output")) as out:
        site = site_with(tmp_path / "site", stories(2))
        first = cli_build(site)
        assert first.returncode == 0, first.stderr
        site.write(stories(2, body="Edited."))
        second = cli_build(site)
        assert second.returncode == 0, second.stderr
        assert "Edited." in (out / "2026/11/01/s000/index.html").read_text()
        assert leftovers(tmp_path) == []


def test_names_too_long_for_the_file_system(make_site):
    site = make_site(
        {
            "content/articles/a.md": article("A", category="Words " * 1000),
            "content/articles/b.md": article("B", date="2026-11-21T10:00:00", slug="s" * 300),
        }
    )
    result = cli_build(site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "content/articles/b.md:4: error: `slug: ssss" in result.stderr
    assert "at most 200 bytes" in result.stderr
    (site.root / "content/articles/b.md").unlink()
    assert cli_build(site).returncode == 0  # the 5,000-character category gets a short URL
    folders = [p.name for p in (site.out / "category").iterdir() if p.is_dir()]
    assert folders and all(len(name.encode()) <= 200 for name in folders)


def test_a_dangling_link_is_an_error_naming_it(make_site):
    site = make_site(stories(1))
    (site.root / "content/articles/gone.md").symlink_to(site.root / "content/articles/nowhere.md")
    result = cli_build(site)
    assert result.returncode == 1
    assert "content/articles/gone.md: error: is a link to" in result.stderr
    assert "which does not exist" in result.stderr


# 8. Times that do not exist ---------------------------------------------------------------


def test_skipped_and_doubled_times_are_warned_and_the_day_follows_the_site_zone(make_site):
    site = make_site(
        {
            "site.yaml": "title: T\nbase_url: https://example.org/\ntimezone: America/New_York\n",
            "content/articles/gap.md": article("Gap", "2026-03-08T02:30:00"),
            "content/articles/twice.md": article("Twice", "2026-11-01T01:30:00"),
            "content/articles/utc.md": article("Late in London", "2026-11-25T03:30:00+00:00"),
        }
    )
    report = site.build()
    warnings = "\n".join(str(w) for w in report.warnings)
    assert (
        "content/articles/gap.md:3: warning: `date: 2026-03-08T02:30:00` does not exist in "
        "America/New_York (the clocks skip that hour); taken as 2026-03-08T03:30:00-04:00"
    ) in warnings
    assert (
        "content/articles/twice.md:3: warning: `date: 2026-11-01T01:30:00` happens twice in "
        "America/New_York (the clocks go back); taken as the first, 2026-11-01T01:30:00-04:00"
    ) in warnings
    # 03:30 in London is still the 24th in New York: the URL and the archive say so.
    assert (site.out / "2026/11/24/utc/index.html").is_file()
    assert 'datetime="2026-11-24T22:30:00-05:00"' in site.read("2026/11/24/utc/index.html")


# 9. Links out of the site -------------------------------------------------------------------


def test_an_article_that_links_out_of_the_site_is_refused(make_site):
    site = make_site(stories(1))
    (site.root / "content/articles/passwd.md").symlink_to("/etc/passwd")
    result = cli_build(site)
    assert result.returncode == 1
    assert "content/articles/passwd.md: error: is a link to /etc/passwd, outside the site" in result.stderr
    assert not site.out.exists()


# 10. Script URLs ----------------------------------------------------------------------------


def test_script_urls_are_removed_from_markdown_and_raw_html(make_site):
    from lxml import html as lxml_html

    body = """
[md](javascript:alert(1)) [fine](https://example.org/)

<a href=" jav&#x09;ascript:alert(2)" title="t">raw</a>
<a href="VBScript:msgbox(3)">vb</a>
<iframe src="data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg=="></iframe>
<img src="data:image/png;base64,iVBORw0KGgo=" alt="kept">
<form action="javascript:alert(5)"><button formaction="javascript:alert(6)">b</button></form>
"""
    site = make_site({"content/articles/x.md": article("X", body=body)})
    site.build()
    tree = lxml_html.fromstring(site.read("2026/11/20/x/index.html"))
    urls = [
        value
        for element in tree.iter()
        for name, value in element.attrib.items()
        if name in ("href", "src", "action", "formaction")
    ]
    assert urls and not [
        u for u in urls if "script:" in u.replace("\t", "").lower() or u.startswith("data:text")
    ]
    assert tree.xpath("//a[text()='fine']/@href") == ["https://example.org/"]
    assert tree.xpath("//img[@alt='kept']/@src")[0].startswith("data:image/png")
    assert tree.xpath("//a[text()='raw']/@title") == ["t"]


# 7. The preview server under load ---------------------------------------------------------


def start_preview(tmp_path):
    import io

    from generator.preview import Preview, ServeOptions

    site = site_with(tmp_path / "site", stories(20))
    (site.root / "content/static").mkdir(parents=True, exist_ok=True)
    (site.root / "content/static/clip.mp4").write_bytes(bytes(range(256)) * 40)
    preview = Preview(ServeOptions(site_dir=site.root, port=0), out=io.StringIO(), err=io.StringIO())
    preview.start()
    return preview


def raw(port: int, request: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        with contextlib.suppress(TimeoutError):
            while chunk := s.recv(65536):
                data += chunk
    return data


def test_range_methods_head_and_host_rules(tmp_path):
    preview = start_preview(tmp_path)
    port = preview.port
    host = f"Host: 127.0.0.1:{port}\r\n".encode()
    try:
        part = raw(
            port, b"GET /clip.mp4 HTTP/1.1\r\n" + host + b"Range: bytes=10-19\r\nConnection: close\r\n\r\n"
        )
        head, body = part.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 206") and b"Content-Range: bytes 10-19/10240" in head
        assert body == (bytes(range(256)) * 40)[10:20]
        tail = raw(
            port, b"GET /clip.mp4 HTTP/1.1\r\n" + host + b"Range: bytes=-5\r\nConnection: close\r\n\r\n"
        )
        assert tail.split(b"\r\n\r\n", 1)[1] == (bytes(range(256)) * 40)[-5:]
        beyond = raw(
            port, b"GET /clip.mp4 HTTP/1.1\r\n" + host + b"Range: bytes=99999-\r\nConnection: close\r\n\r\n"
        )
        assert beyond.startswith(b"HTTP/1.1 416") and b"Content-Range: bytes */10240" in beyond
        for method in (b"POST", b"OPTIONS", b"PUT", b"DELETE"):
            answer = raw(
                port, method + b" / HTTP/1.1\r\n" + host + b"Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            assert answer.startswith(b"HTTP/1.1 405") and b"Allow: GET, HEAD" in answer
        stream = raw(
            port, b"HEAD /__newsgen/events HTTP/1.1\r\n" + host + b"Connection: close\r\n\r\n", timeout=3
        )
        assert stream.startswith(b"HTTP/1.1 200") and stream.endswith(b"\r\n\r\n")
        two = raw(port, b"GET / HTTP/1.1\r\n" + host + host + b"Connection: close\r\n\r\n")
        assert two.startswith(b"HTTP/1.1 400")
    finally:
        preview.stop()


@pytest.mark.slow
def test_the_preview_keeps_up_with_200_clients_50_streams_and_20_slow_ones(tmp_path):
    """Bounded (fixed request counts, every socket with a timeout), on 127.0.0.1 only."""
    # The server in a process of its own, as `newsgen serve` runs: the 270 client threads
    # here must not compete with it for one interpreter lock.
    site = site_with(tmp_path / "site", stories(20))
    server = serve_process(site)
    port = int(re.search(r"serving http://127\.0\.0\.1:(\d+)/", _line_with(server, "serving ")).group(1))
    host = f"Host: 127.0.0.1:{port}\r\n".encode()
    stop = threading.Event()
    first_events: list[float] = []
    latencies: list[float] = []
    failures: list[str] = []

    def stream() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
            started = time.monotonic()
            s.sendall(b"GET /__newsgen/events HTTP/1.1\r\n" + host + b"\r\n")
            data = b""
            while b"event: hello" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            if b"event: hello" in data:
                first_events.append(time.monotonic() - started)
            stop.wait(20)

    def slow() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
            s.sendall(b"GET / HTTP/1.1\r\n")  # and then nothing, for a while
            stop.wait(20)

    def client() -> None:
        for _ in range(5):
            started = time.monotonic()
            try:
                answer = raw(
                    port, b"GET /index.html HTTP/1.1\r\n" + host + b"Connection: close\r\n\r\n", timeout=30
                )
                if not answer.startswith(b"HTTP/1.1 200"):
                    failures.append(answer[:40].decode(errors="replace"))
            except OSError as exc:
                failures.append(repr(exc))
            latencies.append(time.monotonic() - started)

    background = [threading.Thread(target=f) for f in [stream] * 50 + [slow] * 20]
    for thread in background:
        thread.start()
    time.sleep(0.5)
    clients = [threading.Thread(target=client) for _ in range(200)]
    try:
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(60)
    finally:
        stop.set()
        for thread in background:
            thread.join(30)
        server.terminate()
        server.communicate(timeout=30)
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(
        f"\nGET under load: {len(latencies)} requests, median "
        f"{statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms; "
        f"{len(first_events)}/50 streams got their first event, slowest "
        f"{max(first_events, default=0) * 1000:.0f} ms"
    )
    assert failures == []
    assert len(first_events) == 50
    # A server held up by its slow clients or its streams answers in seconds, or never;
    # this bound catches that. How fast it answers is bench/'s to measure: on a 2-core
    # machine running 270 client threads beside it, p99 varies from 190 to 330 ms.
    assert p99 < 1.0
