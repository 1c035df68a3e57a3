"""What each ingest argument names, which server a message-id comes from, and source keys."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from regtrack.cli import cli
from regtrack.errors import UnknownSourceError
from regtrack.sources import Source, SourceInfo
from regtrack.sources.b4_thread import B4ThreadSource
from regtrack.sources.detect import open_targets
from regtrack.sources.lore import LoreMessageSource, LoreThreadSource
from regtrack.sources.mbox import MaildirSource, MboxSource
from regtrack.sources.publicinbox import EpochSource
from tests.paths import SEED_REPORT

LOCAL = "http://127.0.0.1:8089/all/"
NOTHING_STORED: dict[str, str] = {}


def targets(*written: str, **options) -> list[Source]:
    return open_targets(written, cursor_for=NOTHING_STORED.get, **options)


def test_keys_are_the_ones_stored_cursors_were_saved_under(tmp_path: Path, git_env) -> None:
    """Resuming depends on keys: they must not change between versions or spellings."""
    mbox = tmp_path / "a.mbox"
    mbox.write_bytes(b"From x\nSubject: a\n\nbody\n")
    maildir = tmp_path / "md"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    epoch = tmp_path / "inbox" / "git" / "0.git"
    subprocess.run(["git", "init", "-q", "--bare", str(epoch)], check=True, env=git_env)
    relative = Path("..") / tmp_path.name / "a.mbox"
    opened = open_targets(
        [str(mbox), str(maildir), str(tmp_path / "inbox")],
        cursor_for=NOTHING_STORED.get,
    )
    assert [type(s) for s in opened] == [MboxSource, MaildirSource, EpochSource]
    assert [s.info for s in opened] == [
        SourceInfo(f"mbox:{mbox.resolve()}", "mbox", str(mbox)),
        SourceInfo(f"maildir:{maildir.resolve()}", "maildir", str(maildir)),
        SourceInfo(f"public-inbox:{epoch.resolve()}", "public-inbox", str(epoch)),
    ]
    assert all(isinstance(s, Source) for s in opened)
    assert [(s.info.key, s.info.kind, s.info.label) for s in opened] == [
        (s.info.key, s.info.kind, s.info.label) for s in opened
    ]
    assert MboxSource(tmp_path / relative).info.key == opened[0].info.key


def test_the_cursor_is_looked_up_under_the_source_key(tmp_path: Path) -> None:
    mbox = tmp_path / "a.mbox"
    mbox.write_bytes(b"From x\nSubject: a\n\nbody\n")
    asked: list[str] = []
    (source,) = open_targets([str(mbox)], cursor_for=lambda key: asked.append(key))
    assert asked == [source.info.key]


@pytest.mark.parametrize(
    ("written", "options", "fetched_from"),
    [
        pytest.param(SEED_REPORT, {}, "https://lore.kernel.org/all/", id="a bare id: the default"),
        pytest.param(
            f"{LOCAL}{SEED_REPORT}/", {}, LOCAL, id="a URL: its own server, not the default"
        ),
        pytest.param(
            f"https://lore.kernel.org/all/{SEED_REPORT}/",
            {"lore_url": LOCAL},
            LOCAL,
            id="--lore overrides the URL's server",
        ),
        pytest.param(
            f"https://lkml.kernel.org/r/{SEED_REPORT}",
            {},
            "https://lore.kernel.org/all/",
            id="a redirector URL: the configured lore",
        ),
        pytest.param(
            f"https://lore.kernel.org/r/{SEED_REPORT}",
            {},
            "https://lore.kernel.org/all/",
            id="lore's /r/ redirector: the configured lore",
        ),
        pytest.param(SEED_REPORT, {"lore_url": LOCAL[:-1]}, LOCAL, id="--lore gets its slash"),
    ],
)
@pytest.mark.parametrize("via", ["http", "b4"])
def test_which_server_a_message_id_is_fetched_from(
    written: str, options: dict, fetched_from: str, via: str
) -> None:
    (source,) = targets(written, via=via, **options)
    if via == "b4":
        assert isinstance(source, B4ThreadSource)
        assert source.base_url == fetched_from
    else:
        assert isinstance(source, LoreThreadSource)
        assert source.client.base_url == fetched_from
    assert source.info.label.endswith(f"{fetched_from}{SEED_REPORT}/")


def test_a_url_beats_the_environment_and_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """REGTRACK_LORE is a default for bare ids; a URL that names a server is more specific."""
    monkeypatch.setenv("REGTRACK_LORE", "http://127.0.0.1:1/all/")
    bare, url = targets(SEED_REPORT, f"{LOCAL}{SEED_REPORT}/")
    assert isinstance(bare, LoreThreadSource) and isinstance(url, LoreThreadSource)
    assert (bare.client.base_url, url.client.base_url) == ("http://127.0.0.1:1/all/", LOCAL)


def test_one_client_per_server(tmp_path: Path) -> None:
    first, second, other = targets(
        f"{LOCAL}{SEED_REPORT}/", f"{LOCAL}other@example.org/", "x@example.org", cache_dir=tmp_path
    )
    assert isinstance(first, LoreThreadSource) and isinstance(second, LoreThreadSource)
    assert isinstance(other, LoreThreadSource)
    assert first.client is second.client and other.client is not first.client
    assert first.client.cache_dir == tmp_path


def test_single_message_is_fetched_from_raw() -> None:
    (source,) = targets(SEED_REPORT, single_message=True, lore_url=LOCAL)
    assert isinstance(source, LoreMessageSource)
    assert source.info == SourceInfo.for_url("lore", f"{LOCAL}{SEED_REPORT}/raw")


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("a" * 5000 + "@example.org", id="a 5,000-character message-id"),
        pytest.param("a" * 5000, id="5,000 characters without an @"),
        pytest.param("/tmp/" + "a" * 300 + "/x.mbox", id="a path with a too-long name"),
    ],
)
def test_a_too_long_argument_is_a_one_line_error(tmp_path: Path, written: str) -> None:
    with pytest.raises(UnknownSourceError):
        targets(written)
    result = CliRunner().invoke(cli, ["ingest", written, "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 1
    assert result.stderr.startswith("regtrack: error: ") and result.stderr.count("\n") == 1
    assert len(result.stderr) < 300


def test_a_bad_lore_option_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["ingest", SEED_REPORT, "--lore", "ftp://127.0.0.1/all/", "--db", str(tmp_path / "x")]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "regtrack: error: 'ftp://127.0.0.1/all/' is not a lore base URL: it must be http:// or "
        "https:// with a host, e.g. https://lore.kernel.org/all/\n"
    )
