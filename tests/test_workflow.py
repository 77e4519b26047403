"""The newsroom's path: init, new, build, check, deploy, and the deployed site under nginx."""

from __future__ import annotations

import dataclasses
import re
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW, REPO, require_tool

from generator.build import BuildRequest, build
from generator.cli import main
from generator.config import SiteConfig
from generator.deploy import deploy_folder
from generator.documents import parse_document
from generator.markup import MarkdownRenderer
from generator.scaffold import new_article


def test_init_writes_every_setting_and_builds_at_once(tmp_path, capsys):
    site = tmp_path / "paper"
    assert (
        main(["init", str(site), "--title", "La Gaceta", "--timezone", "Europe/Madrid", "--language", "es"])
        == 0
    )
    settings = (site / "site.yaml").read_text(encoding="utf-8")
    for f in dataclasses.fields(SiteConfig):
        if not f.compare:  # bookkeeping (the lines settings came from), not a setting
            continue
        assert re.search(rf"^#? ?{f.name}:", settings, re.M), f"{f.name} missing from site.yaml"
    assert (site / "content/pages/about.md").exists()
    assert main(["build", "--site", str(site), "--quiet"]) == 0
    out = site / "output"
    assert "About Us" in (out / "about/index.html").read_text(encoding="utf-8")
    assert 'lang="es"' in (out / "index.html").read_text(encoding="utf-8")
    assert len(list(out.glob("20*/*/*/welcome/index.html"))) == 1
    assert main(["check", "--site", str(site)]) == 0, capsys.readouterr().err
    assert main(["init", str(site)]) == 1  # never over an existing site
    assert "already holds a site" in capsys.readouterr().err


def test_new_dates_the_article_now_in_the_site_zone(make_site):
    site = make_site()  # Europe/Madrid
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 2027 in Madrid
    path = new_article(site.root, "Año nuevo: las campanadas", "Sociedad", "Ana", now=late)
    assert path == site.root / "content/articles/2027/ano-nuevo-las-campanadas.md"
    doc, warnings = parse_document(
        "content/articles/2027/x.md",
        path.read_text(encoding="utf-8"),
        ZoneInfo("Europe/Madrid"),
        MarkdownRenderer(),
    )
    assert warnings == []
    assert doc.date == late and doc.date.astimezone(ZoneInfo("Europe/Madrid")).hour == 0
    assert (doc.title, doc.categories, doc.authors, doc.draft) == (
        "Año nuevo: las campanadas",
        ("Sociedad",),
        ("Ana",),
        False,
    )


def test_new_refuses_to_overwrite(make_site, capsys):
    site = make_site()
    argv = ["new", "Budget vote delayed", "--category", "Politics", "--draft", "--site", str(site.root)]
    assert main(argv) == 0
    path = next((site.root / "content/articles").rglob("budget-vote-delayed.md"))
    text = path.read_text(encoding="utf-8")
    assert "draft: true" in text and 'author: "Test Times"' in text
    path.write_text(text + "\nThe reporter's own words.\n", encoding="utf-8")
    assert main(argv) == 1
    assert "already exists" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8").endswith("The reporter's own words.\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NGINX_CONF = """\
worker_processes 1; pid logs/nginx.pid; error_log logs/error.log warn;
user root;
events {{ worker_connections 256; }}
http {{ include /etc/nginx/mime.types; default_type application/octet-stream;
  access_log logs/access.log;
  client_body_temp_path logs/tmp_body; proxy_temp_path logs/tmp_proxy;
  fastcgi_temp_path logs/tmp_fcgi; uwsgi_temp_path logs/tmp_uwsgi; scgi_temp_path logs/tmp_scgi;
  server {{ listen 127.0.0.1:{port};
    location = /news {{ return 301 /news/; }}
    location /news/ {{ alias {root}/; index index.html; try_files $uri $uri/ =404;
      error_page 404 /news/404.html; add_header LinkChecker allow; }} }} }}
"""

LINKCHECKER_RC = """\
[checking]
maxrequestspersecond=1000
[filtering]
internlinks=^http://127\\.0\\.0\\.1:{port}/
[output]
status=0
[AnchorCheck]
"""


@pytest.fixture
def nginx(tmp_path):
    """Start nginx serving a folder under /news/ on a free port; yields (port, folder)."""
    binary = require_tool("/usr/sbin/nginx")
    prefix, www, port = tmp_path / "nginx", tmp_path / "www", free_port()
    (prefix / "logs").mkdir(parents=True)
    www.mkdir()
    (prefix / "nginx.conf").write_text(NGINX_CONF.format(port=port, root=www))
    command = [binary, "-p", str(prefix), "-c", "nginx.conf", "-e", "logs/error.log"]
    server = subprocess.Popen([*command, "-g", "daemon off;"])
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            pytest.fail((prefix / "logs/error.log").read_text())
        yield port, www
    finally:
        server.terminate()
        server.wait(timeout=10)


def crawl(linkchecker: str, port: int, url: str, folder: Path) -> subprocess.CompletedProcess:
    rc = folder / "linkcheckerrc"
    rc.write_text(LINKCHECKER_RC.format(port=port))
    return subprocess.run(
        ["timeout", "300", linkchecker, "-f", str(rc), url], capture_output=True, text=True, cwd=folder
    )


@pytest.mark.slow
def test_deployed_demo_site_under_nginx_has_no_broken_links(nginx, tmp_path):
    linkchecker = require_tool("linkchecker")
    port, www = nginx
    base = f"http://127.0.0.1:{port}/news/"
    out = tmp_path / "output"
    build(BuildRequest(site_dir=REPO, output=out, base_url=base, now=NOW, use_cache=False))
    # The deploy step itself (and its refusal of a failing check) is tested in test_deploy.
    assert deploy_folder(out, www)
    assert (www / "index.html").exists() and (www / "404.html").exists()
    started = time.monotonic()
    done = crawl(linkchecker, port, base, tmp_path)
    summary = re.search(r"(\d+) links? in (\d+) URLs? checked", done.stdout)
    print(f"linkchecker: {summary and summary.group(0)} in {time.monotonic() - started:.1f}s")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert summary and int(summary.group(2)) > 40  # it really crawled the site
    assert "0 errors found" in done.stdout
    # The same crawl must notice a missing page and a link that escapes /news/.
    index = www / "index.html"
    index.write_text(
        index.read_text(encoding="utf-8").replace(
            "</main>", '<a href="/news/2026/01/01/gone/">x</a><a href="/about/">y</a></main>'
        ),
        encoding="utf-8",
    )
    broken = crawl(linkchecker, port, base, tmp_path)
    assert broken.returncode == 1
    assert "/news/2026/01/01/gone/" in broken.stdout and f"{port}/about/" in broken.stdout


def test_a_newsroom_from_init_to_deploy(tmp_path, capsys):
    """The README's path, command by command."""
    site = tmp_path / "paper"
    assert (
        main(["init", str(site), "--title", "Harbour Herald", "--base-url", "https://example.org/herald/"])
        == 0
    )
    assert main(["new", "Ferry timetable changes", "--category", "Local", "--site", str(site)]) == 0
    assert (
        main(
            [
                "import",
                str(REPO / "seeds/000_5e8c46fbbb5ec075.txt"),
                "--site",
                str(site),
                "--as-of",
                "2026-11-25T09:30:00",
            ]
        )
        == 0
    )
    assert main(["build", "--site", str(site), "-q"]) == 0
    assert main(["check", "--site", str(site)]) == 0, capsys.readouterr().err
    www = tmp_path / "public"
    assert main(["deploy", str(www), "--site", str(site), "--dry-run"]) == 0
    assert not www.exists()
    assert main(["deploy", str(www), "--site", str(site)]) == 0
    # The same tree, plus the marker that says which files this deploy sent.
    assert sorted(p.relative_to(www) for p in www.rglob("*")) == sorted(
        [Path(".newsgen-deploy.json")]
        + [p.relative_to(site / "output") for p in (site / "output").rglob("*")]
    )
    assert any(Path(www).glob("2026/11/24/ayatollah-with-one-foot-out-the-door*/index.html"))
