"""Fetching from a real public-inbox server (Debian's) on 127.0.0.1.

The server holds the seed thread and the bundled example thread; see
tests/servers.py for how it is built, started and stopped.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from regtrack.cli import cli
from regtrack.sources.lore import LoreClient
from regtrack.sources.mbox import split_mbox
from regtrack.sources.threadfilter import header_ids
from regtrack.store import Store
from tests.paths import CORPUS_2023, SEED_REGRESSION_THREAD, SEED_REPORT, require
from tests.servers import SAME_SUBJECT, free_port

pytestmark = pytest.mark.server

COMPARED = (
    "msgid, subject_raw, subject, from_name, from_addr, date_utc, in_reply_to, "
    "list_id, body, has_patch, content_sha"
)


def _ingest(db: Path, *args: str) -> dict:
    result = CliRunner().invoke(cli, ["ingest", *args, "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _rows(db: Path) -> list[tuple]:
    store = Store(db)
    try:
        return store.conn.execute(f"SELECT {COMPARED} FROM messages ORDER BY msgid").fetchall()
    finally:
        store.close()


@pytest.mark.parametrize(
    "written",
    [
        pytest.param(SEED_REPORT, id="a bare message-id"),
        pytest.param(f"<{SEED_REPORT}>", id="a bracketed message-id"),
        pytest.param("{base}" + SEED_REPORT + "/T/#u", id="a lore thread URL"),
        pytest.param(
            "{base}87o7k0xh9u.fsf@nvdebian.thelocal/", id="a reply's URL brings the whole thread"
        ),
    ],
)
def test_http_ingest_stores_the_seed_thread(public_inbox, tmp_path: Path, written: str) -> None:
    db = tmp_path / "http.db"
    target = written.format(base=public_inbox.base_url)
    summary = _ingest(db, target, "--lore", public_inbox.base_url)
    assert (summary["read"], summary["new"], summary["errors"]) == (5, 5, [])
    assert sorted(row[0] for row in _rows(db)) == sorted(SEED_REGRESSION_THREAD)


def test_b4_and_http_store_the_same_messages(public_inbox, tmp_path: Path) -> None:
    http_db, b4_db = tmp_path / "http.db", tmp_path / "b4.db"
    _ingest(http_db, SEED_REPORT, "--lore", public_inbox.base_url)
    summary = _ingest(b4_db, SEED_REPORT, "--lore", public_inbox.base_url, "--via", "b4")
    assert summary["new"] == 5
    assert _rows(b4_db) == _rows(http_db)


def test_lore_url_from_environment(public_inbox, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REGTRACK_LORE", public_inbox.base_url)
    summary = _ingest(tmp_path / "env.db", SEED_REPORT)
    assert summary["new"] == 5


def test_lore_url_from_config_file(public_inbox, tmp_path: Path, isolated_home: Path) -> None:
    config = isolated_home / "config" / "regtrack" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'lore = "{public_inbox.base_url}"\ndb = "{tmp_path / "cfg.db"}"\n')
    summary = _ingest(tmp_path / "cfg.db", SEED_REPORT)
    assert summary["new"] == 5
    result = CliRunner().invoke(cli, ["stats", "--json"])
    assert json.loads(result.stdout)["messages"] == 5  # the db path came from the config too


def test_second_ingest_uses_the_cache_and_changes_nothing(public_inbox, tmp_path: Path) -> None:
    db = tmp_path / "again.db"
    _ingest(db, SEED_REPORT, "--lore", public_inbox.base_url)
    before = _rows(db)
    again = _ingest(db, SEED_REPORT, "--lore", public_inbox.base_url)
    assert (again["new"], again["known"]) == (0, 5)
    refreshed = _ingest(db, SEED_REPORT, "--lore", public_inbox.base_url, "--refresh")
    assert (refreshed["new"], refreshed["known"]) == (0, 5)
    assert _rows(db) == before


def test_example_thread_is_served_too(public_inbox, tmp_path: Path) -> None:
    summary = _ingest(
        tmp_path / "example.db",
        "20251107104033.7777-1-ada.reporter@example.org",
        "--lore",
        public_inbox.base_url,
    )
    assert summary["new"] == 4


@pytest.mark.parametrize("via", ["http", "b4"])
def test_unknown_message_is_a_one_line_error(public_inbox, tmp_path: Path, via: str) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "ingest",
            "nobody@example.invalid",
            "--lore",
            public_inbox.base_url,
            "--db",
            str(tmp_path / "x.db"),
            "--via",
            via,
        ],
    )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("regtrack: error: ")
    assert "nobody@example.invalid" in lines[-1]


@pytest.mark.parametrize("via", ["http", "b4"])
def test_single_message_fetches_only_that_message(public_inbox, tmp_path: Path, via) -> None:
    db = tmp_path / f"single-{via}.db"
    fix = "87o7k0xh9u.fsf@nvdebian.thelocal"
    summary = _ingest(db, fix, "--lore", public_inbox.base_url, "--single-message", "--via", via)
    assert (summary["read"], summary["new"]) == (1, 1)
    assert [row[0] for row in _rows(db)] == [fix]


def _served_thread(public_inbox, msgid: str) -> list[str]:
    """The Message-IDs of what the server's own t.mbox.gz holds for ``msgid``."""
    mbox = LoreClient(public_inbox.base_url).thread_mbox(msgid)
    return sorted(header_ids(mail.data)[0] for mail in split_mbox(io.BytesIO(mbox), "t.mbox.gz"))


@pytest.mark.parametrize(
    ("thread", "asked"),
    [
        pytest.param("january", 0, id="the January report"),
        pytest.param("january", 1, id="the reply to the January report"),
        pytest.param("april", 0, id="the April report"),
        pytest.param("april", 2, id="the last message of the April thread"),
    ],
)
@pytest.mark.parametrize("via", ["http", "b4"])
def test_same_subject_threads_stay_apart(
    public_inbox, tmp_path: Path, thread: str, asked: int, via: str
) -> None:
    require(CORPUS_2023, "the 2023 linux-next corpus")
    ids = SAME_SUBJECT[thread]
    if asked == 0:  # the server mixes the two reports: each is in the other's t.mbox.gz
        assert set(_served_thread(public_inbox, ids[0])) > set(ids)
    db = tmp_path / f"{via}.db"
    summary = _ingest(db, ids[asked], "--lore", public_inbox.base_url, "--via", via)
    assert (summary["new"], summary["errors"]) == (len(ids), [])
    assert [row[0] for row in _rows(db)] == sorted(ids)


def test_b4_and_http_agree_when_subjects_collide(public_inbox, tmp_path: Path) -> None:
    """The same messages, parsed the same.

    The bytes (``content_sha``) differ: vger pads headers (``Date:   ...``)
    and b4 re-serialises them with one space, as it does in ``b4 mbox``.
    """
    require(CORPUS_2023, "the 2023 linux-next corpus")
    asked = SAME_SUBJECT["april"][0]
    http_db, b4_db = tmp_path / "http.db", tmp_path / "b4.db"
    _ingest(http_db, asked, "--lore", public_inbox.base_url)
    _ingest(b4_db, asked, "--lore", public_inbox.base_url, "--via", "b4")
    parsed_alike = [row[:-1] for row in _rows(b4_db)]  # content_sha is the last column
    assert parsed_alike == [row[:-1] for row in _rows(http_db)]
    assert [row[0] for row in _rows(http_db)] == sorted(SAME_SUBJECT["april"])


def test_a_url_is_fetched_from_its_own_server(public_inbox, tmp_path: Path, monkeypatch) -> None:
    """No --lore: the URL's server is used, not the configured (here dead) one."""
    monkeypatch.setenv("REGTRACK_LORE", f"http://127.0.0.1:{free_port()}/all/")
    for via in ("http", "b4"):
        summary = _ingest(
            tmp_path / f"{via}.db", f"{public_inbox.base_url}{SEED_REPORT}/", "--via", via
        )
        assert (summary["new"], summary["errors"]) == (5, [])


def _ingest_failure(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["ingest", *args, "--db", str(db)])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("regtrack: error: ")
    return lines[0]


def test_b4_tells_a_dead_server_from_an_absent_message(public_inbox, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/all/"
    unreachable = _ingest_failure(tmp_path / "a.db", SEED_REPORT, "--lore", dead, "--via", "b4")
    assert f"{dead}: b4 could not fetch {SEED_REPORT!r}" in unreachable
    assert "no thread" not in unreachable and "no such message" not in unreachable
    absent = _ingest_failure(
        tmp_path / "b.db", "nobody@example.invalid", "--lore", public_inbox.base_url, "--via", "b4"
    )
    assert absent.endswith(f"no such message 'nobody@example.invalid' on {public_inbox.base_url}")


def test_b4_runs_outside_regtrack_s_process(public_inbox, tmp_path: Path) -> None:
    """b4's configuration lives in module globals: regtrack's process never sets them."""
    before = sys.modules.get("b4")
    midmask = before.MAIN_CONFIG.get("midmask") if before is not None else None
    summary = _ingest(
        tmp_path / "b4.db", SEED_REPORT, "--lore", public_inbox.base_url, "--via", "b4"
    )
    assert summary["new"] == 5
    after = sys.modules.get("b4")
    assert after is before
    if after is not None:
        assert after.MAIN_CONFIG.get("midmask") == midmask
