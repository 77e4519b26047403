"""site.yaml: defaults, overrides, and every problem reported with its key."""

import pytest

from generator.config import load_config
from generator.errors import BuildError


def write(tmp_path, text):
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_site_without_site_yaml_gets_defaults(tmp_path):
    config = load_config(tmp_path)
    assert config.title == "My News Site"
    assert config.per_page == 10
    assert config.base_path == "/"


def test_values_are_read_and_base_url_gets_a_trailing_slash(tmp_path):
    config = load_config(write(tmp_path, "title: no\nbase_url: https://x.org/news\nper_page: 5\n"))
    assert config.title == "no"  # YAML 1.1 would have made this False
    assert config.base_url == "https://x.org/news/"
    assert config.base_path == "/news/"
    assert config.origin == "https://x.org"


def test_command_line_overrides_win(tmp_path):
    config = load_config(write(tmp_path, "base_url: https://x.org/\n"), {"base_url": "http://127.0.0.1:9/"})
    assert config.base_url == "http://127.0.0.1:9/"


def test_every_problem_is_reported_with_line_and_closest_key(tmp_path):
    with pytest.raises(BuildError) as caught:
        load_config(write(tmp_path, "titel: X\nper_page: 0\ntimezone: Mars/Olympus\n"))
    text = str(caught.value)
    assert "site.yaml:1" in text and "unknown setting `titel`" in text and "`title`" in text
    assert "site.yaml:2" in text and "per_page" in text
    assert "site.yaml:3" in text and "Mars/Olympus" in text
    assert len(caught.value.problems) == 3


def test_bad_base_url_and_unknown_url_kind(tmp_path):
    with pytest.raises(BuildError) as caught:
        load_config(write(tmp_path, "base_url: example.org\nurls:\n  articel: '{slug}/'\n"))
    text = str(caught.value)
    assert "absolute http(s) URL" in text
    assert "`articel`" in text and "`article`" in text


def test_malformed_yaml_names_the_line(tmp_path):
    with pytest.raises(BuildError) as caught:
        load_config(write(tmp_path, "title: ok\nper_page: [1\n"))
    assert "site.yaml:" in str(caught.value)
