"""Settings: the config file is checked, so a typo there is an error, not a default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from regtrack.cli import cli
from regtrack.config import load_config, resolve_db_path, tracking_settings
from regtrack.errors import ConfigError


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("REGTRACK_CONFIG", str(path))
    return path


def test_a_good_config_gives_its_settings(tmp_path: Path, monkeypatch) -> None:
    _config(tmp_path, monkeypatch, f'db = "{tmp_path}/x.db"\nlore = "http://127.0.0.1:1/all/"\n')
    assert resolve_db_path(None) == tmp_path / "x.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("db = 5\n", "db must be a non-empty string, not 5", id="a number as db"),
        pytest.param('db = ""\n', "db must be a non-empty string", id="an empty db"),
        pytest.param('dbb = "x.db"\n', "unknown key 'dbb'", id="a misspelt key"),
        pytest.param("db = [\n", "cannot read config", id="broken TOML"),
    ],
)
def test_a_bad_config_is_a_one_line_error(tmp_path: Path, monkeypatch, text, message) -> None:
    path = _config(tmp_path, monkeypatch, text)
    with pytest.raises(ConfigError, match=message):
        load_config()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"regtrack: error: {path}: ")
    assert not (tmp_path / "5").exists()  # "db = 5" made a database named 5


def test_a_missing_config_named_by_the_environment_is_an_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REGTRACK_CONFIG", str(tmp_path / "nonexist.toml"))
    with pytest.raises(ConfigError, match="no such config file"):
        load_config()


def test_no_config_file_at_the_default_place_is_an_empty_config(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_config() == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('stale_days = "a month"\n', "stale_days must be a whole number", id="text"),
        pytest.param("stale_days = 0\n", "from 1 to 100000, not 0", id="zero days"),
        pytest.param("report_threshold = true\n", "report_threshold must be", id="a boolean"),
        pytest.param("report_threshold = 3.5\n", "report_threshold must be", id="a fraction"),
    ],
)
def test_bad_tracking_settings_are_one_line_errors(
    tmp_path: Path, monkeypatch, text, message
) -> None:
    _config(tmp_path, monkeypatch, text)
    with pytest.raises(ConfigError, match=message):
        tracking_settings()


def test_tracking_settings_come_from_the_config(tmp_path: Path, monkeypatch) -> None:
    assert tracking_settings() == (3, 30)  # no config file: the defaults
    _config(tmp_path, monkeypatch, "report_threshold = 7\nstale_days = 90\n")
    assert tracking_settings() == (7, 90)


def test_the_report_threshold_decides_what_is_tracked(tmp_path: Path, monkeypatch) -> None:
    """The seed report scores 9: tracked at 9, not at 10 (`regtrack update` re-derives)."""
    from tests.paths import SEED_MBOX, require

    seed = require(SEED_MBOX, "the seed thread")
    db = str(tmp_path / "t.db")
    runner = CliRunner()
    for threshold, tracked in ((9, 1), (10, 0)):
        _config(tmp_path, monkeypatch, f"report_threshold = {threshold}\n")
        assert runner.invoke(cli, ["ingest", str(seed), "--db", db]).exit_code == 0
        assert runner.invoke(cli, ["update", "--db", db]).exit_code == 0
        listed = runner.invoke(cli, ["list", "--db", db, "--json"])
        assert (listed.exit_code, len(json.loads(listed.output))) == (0, tracked)
