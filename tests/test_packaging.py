"""newsgen works when installed from a wheel, not only from this checkout."""

import subprocess
import sys
import sysconfig
import zipfile


def test_the_wheel_ships_the_default_theme(tmp_path):
    from conftest import REPO

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next(tmp_path.glob("newsgen-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in (
        "generator/themes/news/templates/base.html",
        "generator/themes/news/i18n/en.yaml",
        "generator/themes/news/static/css/style.css",
        "generator/themes/news/static/js/search.js",
        "generator/cli/__init__.py",
        "generator/outputs/base.py",
        "generator/preview/livereload.js",
        "generator/preview/worker.js",
        "generator/py.typed",
    ):
        assert rel in names, rel
    # Nothing but the sources: a stale module (say, from an old build/ folder) would be
    # imported by users and never by the tests.
    shipped = {n for n in names if n.startswith("generator/") and n.endswith(".py")}
    sources = {p.relative_to(REPO).as_posix() for p in (REPO / "generator").rglob("*.py")}
    assert shipped == sources | {n for n in shipped if n.startswith("generator/themes/")}
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
    )
    site = tmp_path / "site"
    (site / "content/articles").mkdir(parents=True)
    (site / "content/articles/x.md").write_text("---\ntitle: X\ndate: 2026-01-01\n---\nHello\n")
    # -S skips site-packages' .pth files, so this checkout's editable install cannot
    # shadow the wheel; the dependencies still come from site-packages via PYTHONPATH.
    env = {"PYTHONPATH": f"{target}:{sysconfig.get_paths()['purelib']}", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-S", "-m", "generator", "build", "--site", str(site)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert "Hello" in (site / "output/2026/01/01/x/index.html").read_text()
    probe = "import generator.theme as t; print(t.builtin_themes())"
    where = subprocess.run(
        [sys.executable, "-S", "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path
    ).stdout
    assert where.startswith(str(target)), where
