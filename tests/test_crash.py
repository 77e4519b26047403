"""A build killed at any moment (SIGKILL) never leaves a half-written site behind.

Before the commit journal exists, the output folder must still be exactly the previous
build's; after it, the next run must roll the commit forward to exactly the new build's.
Either way the user's own files survive and no staging folder is left once newsgen has
run again.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import NOW, REPO, SiteFactory, article
from test_safety import leftovers, snapshot

from generator.cache import CACHE_DIR
from generator.writer import finish_interrupted_commit, pending_journal

# Builds the site in argv[1] with the tests' clock; with argv[2] = N it kills itself with
# SIGKILL at the Nth os.replace (the commit renames, the journal, the manifest), and it
# prints how many os.replace calls a whole build made.
DRIVER = f"""
import os, signal, sys
from datetime import datetime
from pathlib import Path
from generator.build import BuildRequest, build
kill_at = int(sys.argv[2]) if len(sys.argv) > 2 else 0
calls = [0]
real_replace = os.replace
def replace(src, dst):
    calls[0] += 1
    if calls[0] == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    real_replace(src, dst)
os.replace = replace
build(BuildRequest(site_dir=Path(sys.argv[1]), now=datetime.fromisoformat({NOW.isoformat()!r}),
                   jobs=1))
print(calls[0])
"""


def run_driver(site: Path, kill_at: int = 0) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(site), str(kill_at)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """A site built once (output A) whose content then changed; and what B must be."""
    root = tmp_path_factory.mktemp("crash")
    site = SiteFactory(root / "template")
    # A private copy of the theme: a template edited in the checkout between the reference
    # build and the checked ones must not look like a crash-consistency failure.
    shutil.copytree(REPO / "themes" / "news", site.root / "themes" / "news")
    site.write(
        {
            "site.yaml": "title: Crash Times\nbase_url: https://example.org/\nper_page: 3\n",
            **{
                f"content/articles/a{n}.md": article(
                    f"Story {n}", f"2026-11-{n + 1:02d}", category=f"Section {n % 3}", tags=f"[Tag {n % 4}]"
                )
                for n in range(12)
            },
        }
    )
    site.build()
    for rel, text in {"CNAME": "news.example.org\n", ".git/HEAD": "ref: refs/heads/main\n"}.items():
        (site.out / rel).parent.mkdir(parents=True, exist_ok=True)
        (site.out / rel).write_text(text)
    previous = snapshot(site.out)
    # The next build rewrites every article, deletes some, renames one and adds one.
    site.write(
        {
            f"content/articles/a{n}.md": article(
                f"Story {n} updated", f"2026-11-{n + 1:02d}", category=f"Section {n % 2}"
            )
            for n in range(3, 12)
        }
    )
    for n in range(2):
        (site.root / f"content/articles/a{n}.md").unlink()
    (site.root / "content/articles/a2.md").rename(site.root / "content/articles/renamed.md")
    site.write({"content/articles/new.md": article("Brand new", "2026-11-24")})
    reference = SiteFactory(root / "reference")
    shutil.copytree(site.root, reference.root)
    reference.build()
    expected = snapshot(reference.out)
    assert expected != previous
    return site.root, previous, expected


def fresh_copy(template: Path, where: Path) -> SiteFactory:
    shutil.copytree(template, where / "site", symlinks=True)
    return SiteFactory(where / "site")


def differences(found: dict, wanted: dict) -> list[str]:
    """The paths that differ, short enough for an assertion message."""
    return sorted(k for k in set(found) | set(wanted) if found.get(k, 0) != wanted.get(k, 0))


def check_after_kill(site: SiteFactory, previous: dict, expected: dict) -> str:
    """What the kill left, checked; then a new build must give exactly the new site."""
    out = site.out
    journal = pending_journal(out) is not None
    if journal:
        assert finish_interrupted_commit(out)
    found = snapshot(out)
    if found == expected:
        state = "rolled forward" if journal else "finished"
    else:
        assert not journal, f"rolled forward to a wrong site: {differences(found, expected)}"
        assert found == previous, (
            f"neither the old site {differences(found, previous)} "
            f"nor the new one {differences(found, expected)}"
        )
        state = "untouched"
    site.build()
    assert snapshot(out) == expected, differences(snapshot(out), expected)
    # The cache folder is left out: a kill can strand a randomly named temporary file of
    # Jinja's bytecode cache there. It is never published, but it is not cleaned either.
    assert leftovers(out.parent, skip_cache=True) == []
    return state


@pytest.mark.slow
def test_a_build_killed_at_each_step_of_the_commit_is_recoverable(sites, tmp_path):
    template, previous, expected = sites
    probe = run_driver(fresh_copy(template, tmp_path / "probe").root)
    stdout, stderr = probe.communicate(timeout=300)
    assert probe.returncode == 0, stderr
    total = int(stdout.split()[-1])
    assert total > 10  # the journal, every changed file and the manifest
    states = set()
    for kill_at in sorted({1, 2, 3, total // 3, total // 2, total - 2, total - 1, total}):
        site = fresh_copy(template, tmp_path / f"kill-{kill_at}")
        proc = run_driver(site.root, kill_at)
        proc.communicate(timeout=300)
        assert proc.returncode == -signal.SIGKILL
        states.add(check_after_kill(site, previous, expected))
    assert "rolled forward" in states


@pytest.mark.slow
def test_a_build_killed_at_random_moments_leaves_the_previous_output_or_the_new_one(sites, tmp_path):
    template, previous, expected = sites
    started = time.monotonic()
    probe = run_driver(fresh_copy(template, tmp_path / "probe").root)
    probe.communicate(timeout=300)
    whole = time.monotonic() - started
    rng = random.Random(6)
    killed = 0
    for n in range(8):
        site = fresh_copy(template, tmp_path / f"random-{n}")
        proc = run_driver(site.root)
        time.sleep(rng.uniform(0.05, whole))
        proc.kill()  # SIGKILL
        proc.communicate(timeout=300)
        killed += proc.returncode == -signal.SIGKILL
        check_after_kill(site, previous, expected)
    assert killed, "every build finished before its kill: the test proved nothing"


def test_the_manifest_log_survives_torn_and_repeated_deltas(make_site):
    """A commit appends its manifest delta to a log; a kill can tear the last line (the
    journal then appends it again) or repeat one (killed after the append): the manifest
    read back is still the one a clean build of the same sources leaves."""
    from generator.cache import CACHE_DIR
    from generator.writer import Manifest, Written

    site = make_site({"content/articles/a.md": article("A"), "content/articles/b.md": article("B")})
    site.build()
    for n in range(3):
        site.write({"content/articles/a.md": article("A", body=f"Edited {n}.")})
        site.build()
    path = next((site.root / CACHE_DIR).glob("manifest-*.json"))
    log = path.with_name(path.name + ".log")
    assert log.exists()
    expected = Manifest(path).entries
    lines = log.read_text(encoding="utf-8")
    log.write_text(lines + lines + '{"set": {"a/index.html": "tor', encoding="utf-8")
    assert Manifest(path).entries == expected
    x = Written("1", "d", 1, 2)
    Manifest(path).commit({"set": {"x.html": x}, "drop": []})  # after the torn line
    assert Manifest(path).entries == {**expected, "x.html": x}
    Manifest(path).save(expected)  # folding the log in removes it
    assert not log.exists() and Manifest(path).entries == expected
    # A JSON rewritten by a newsgen without logs, beside a log: the log is not replayed.
    Manifest(path).commit({"set": {"x.html": Written("2", "e", 1, 2)}, "drop": []})
    path.write_text(json.dumps({"files": expected}), encoding="utf-8")
    assert log.exists() and Manifest(path).entries == expected


@pytest.mark.slow
def test_a_first_build_killed_at_each_step_leaves_no_output_or_the_whole_site(sites, tmp_path):
    """A first build moves its staged tree into place with one rename (writer._move_whole);
    killed at any step, it leaves no output folder, or one the next run completes."""
    template, _, _ = sites
    first = tmp_path / "first-template"
    shutil.copytree(template, first, symlinks=True)
    shutil.rmtree(first / "output")
    shutil.rmtree(first / CACHE_DIR, ignore_errors=True)
    reference = fresh_copy(first, tmp_path / "reference")
    reference.build()
    expected = snapshot(reference.out)
    probe = fresh_copy(first, tmp_path / "probe")
    proc = run_driver(probe.root)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert snapshot(probe.out) == expected
    total = int(stdout.split()[-1])
    files = sum(1 for v in expected.values() if v is not None)
    assert total < files / 2  # not one rename per file: the tree moved whole
    states = set()
    for kill_at in sorted({1, 2, total // 2, total - 2, total - 1, total}):
        site = fresh_copy(first, tmp_path / f"kill-{kill_at}")
        proc = run_driver(site.root, kill_at)
        proc.communicate(timeout=300)
        assert proc.returncode == -signal.SIGKILL
        states.add(check_after_kill(site, {}, expected))
    assert states & {"rolled forward", "finished"} and "untouched" in states
