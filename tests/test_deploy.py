"""`newsgen deploy`: to a folder, with rsync, to a branch of a bare git repository."""

from __future__ import annotations

import subprocess

import pytest
from conftest import article, require_tool

from generator.cli import deploy as deploy_cli
from generator.cli import main
from generator.deploy import deploy_folder, deploy_git, deploy_rsync

HOST_FILES = {".git", ".nojekyll", "CNAME", ".newsgen-deploy.json"}


def tree(root, skip=HOST_FILES) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] not in skip
    }


@pytest.fixture
def built(make_site):
    site = make_site(
        {
            "content/articles/one.md": article("One", category="World"),
            "content/articles/two.md": article("Two", date="2026-11-21T10:00:00", category="Sport"),
        }
    )
    site.build()
    return site


def drop_article_two(site) -> None:
    """An edit that removes pages: the Sport section and its feed disappear."""
    (site.root / "content/articles/two.md").unlink()
    site.build()
    assert not (site.out / "category/sport/index.html").exists()


def test_folder_deploy_sends_changes_and_removes_what_the_build_removed(built, tmp_path):
    dest = tmp_path / "www"
    dest.mkdir()
    (dest / "CNAME").write_text("news.example.org\n")
    planned = deploy_folder(built.out, dest, dry_run=True)
    assert "add    index.html" in planned and tree(dest) == {}
    assert deploy_folder(built.out, dest) == planned
    assert tree(dest) == tree(built.out)
    assert deploy_folder(built.out, dest) == []
    drop_article_two(built)
    planned = deploy_folder(built.out, dest, dry_run=True)
    assert "delete category/sport/index.html" in planned
    assert "delete 2026/11/21/two/index.html" in planned
    assert "update index.html" in planned
    deploy_folder(built.out, dest)
    assert tree(dest) == tree(built.out)
    assert not (dest / "2026/11/21").exists()  # emptied folders go too
    assert (dest / "CNAME").read_text() == "news.example.org\n"


def test_rsync_deploy_to_a_local_path(built, tmp_path):
    require_tool("rsync")
    dest = tmp_path / "rsync-target"
    dest.mkdir()
    (dest / ".nojekyll").write_text("")
    assert deploy_rsync(built.out, str(dest), dry_run=True)
    assert tree(dest) == {}
    first = deploy_rsync(built.out, str(dest))
    assert any(line.endswith(" index.html") for line in first)
    assert tree(dest) == tree(built.out)
    assert deploy_rsync(built.out, str(dest)) == []  # nothing changed, nothing sent
    drop_article_two(built)
    changes = deploy_rsync(built.out, str(dest))
    assert "*deleting   category/sport/index.html" in changes
    assert tree(dest) == tree(built.out) and (dest / ".nojekyll").exists()


def git(*args, cwd=None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_git_deploy_to_a_bare_repository(built, tmp_path):
    require_tool("git")
    remote = tmp_path / "pages.git"
    git("init", "-q", "--bare", str(remote))
    changes = deploy_git(built.out, str(remote), "gh-pages", cname="news.example.org")
    assert "add    .nojekyll" in changes and "add    CNAME" in changes
    clone = tmp_path / "clone"
    git("clone", "-q", "--branch", "gh-pages", str(remote), str(clone))
    assert tree(clone) == tree(built.out)
    assert (clone / "CNAME").read_text() == "news.example.org\n" and (clone / ".nojekyll").exists()
    assert deploy_git(built.out, str(remote), "gh-pages") == []  # no empty commits
    drop_article_two(built)
    assert "delete category/sport/index.html" in deploy_git(built.out, str(remote), "gh-pages", dry_run=True)
    deploy_git(built.out, str(remote), "gh-pages", message="Remove story two")
    git("pull", "-q", cwd=clone)
    assert tree(clone) == tree(built.out)
    assert (clone / "CNAME").read_text() == "news.example.org\n"  # kept without --cname
    log = git("log", "--format=%s", cwd=clone).splitlines()
    assert log == ["Remove story two", log[1]] and log[1].startswith("Deploy site")


def test_deploy_refuses_output_that_fails_check(built, tmp_path, capsys):
    index = built.out / "index.html"
    index.write_text(index.read_text().replace("</main>", '<a href="/nowhere/">x</a></main>'))
    dest = tmp_path / "www"
    assert main(["deploy", str(dest), "--site", str(built.root)]) == 1
    err = capsys.readouterr().err
    assert "link `/nowhere/` does not exist" in err and "refusing to publish" in err
    assert not dest.exists()


@pytest.mark.parametrize(
    "target, branch, rsync, method",
    [
        ("deploy@web1.example.org:/srv/news/", None, False, "rsync"),
        ("web1:news", None, False, "rsync"),
        ("public", None, False, "folder"),
        ("public", None, True, "rsync"),
        ("git@github.com:org/repo.git", "gh-pages", False, "git"),
    ],
)
def test_deploy_chooses_the_method_from_the_target(monkeypatch, tmp_path, target, branch, rsync, method):
    import argparse

    calls = []
    for name in ("folder", "rsync", "git"):
        monkeypatch.setattr(deploy_cli, f"deploy_{name}", lambda *a, name=name, **k: calls.append(name) or [])
    monkeypatch.chdir(tmp_path)
    args = argparse.Namespace(target=target, branch=branch, rsync=rsync, dry_run=True, message="", cname="")
    deploy_cli._deploy(tmp_path / "output", args)
    assert calls == [method]


def test_deploy_refuses_a_folder_inside_the_output(built):
    import argparse

    from generator import deploy

    args = argparse.Namespace(
        target=str(built.out / "copy"), branch=None, rsync=False, dry_run=False, message="", cname=""
    )
    with pytest.raises(deploy.DeployError, match="overlaps the output folder"):
        deploy_cli._deploy(built.out, args)


def test_folder_deploy_replaces_a_folder_with_a_file_and_back(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "dest"
    (src / "news").mkdir(parents=True)
    (src / "news" / "index.html").write_text("folder")
    deploy_folder(src, dest)
    (src / "news" / "index.html").unlink()
    (src / "news").rmdir()
    (src / "news").write_text("file")
    deploy_folder(src, dest)
    assert tree(dest) == {"news": b"file"}
    (src / "news").unlink()
    (src / "news").mkdir()
    (src / "news" / "index.html").write_text("folder again")
    deploy_folder(src, dest)
    assert tree(dest) == {"news/index.html": b"folder again"}
