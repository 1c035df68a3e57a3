"""The command line: conventions (--db, --json, exit codes, one-line errors)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from regtrack import __version__
from regtrack.cli import main
from regtrack.store import Store
from tests.paths import EXAMPLE_THREAD, REPO

EXAMPLE_REPORT = "20251106093012.4411-1-ada.reporter@example.org"
EXAMPLE_FIX = "20251107081500.9001-1-carol@example.org"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def example_db(tmp_path: Path) -> Path:
    db = tmp_path / "example.db"
    code, _, err = run("ingest", str(EXAMPLE_THREAD), "--db", str(db))
    assert code == 0, err
    return db


def test_version() -> None:
    code, out, _ = run("--version")
    assert (code, out.strip()) == (0, f"regtrack, version {__version__}")


def test_help_shows_examples() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "regtrack ingest data/example-thread.mbox" in out
    for command in ("ingest", "show", "search", "stats"):
        assert command in out


@pytest.mark.parametrize("command", ["ingest", "show", "search", "stats"])
def test_every_command_takes_db_and_json(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and "--db PATH" in out and "--json" in out


def test_ingest_prints_a_one_line_summary(tmp_path: Path) -> None:
    code, out, err = run("ingest", str(EXAMPLE_THREAD), "--db", str(tmp_path / "x.db"))
    assert code == 0, err
    assert out.splitlines() == [
        f"4 read: 4 new, 0 already known, 0 variants of known Message-IDs, 0 skipped; "
        f"database {tmp_path / 'x.db'}"
    ]


def test_ingest_json(tmp_path: Path) -> None:
    code, out, _ = run("ingest", str(EXAMPLE_THREAD), "--db", str(tmp_path / "x.db"), "--json")
    summary = json.loads(out)
    assert code == 0
    assert {k: summary[k] for k in ("read", "new", "known", "variants", "skipped", "errors")} == {
        "read": 4,
        "new": 4,
        "known": 0,
        "variants": 0,
        "skipped": {},
        "errors": [],
    }
    assert summary["totals"]["threads"] == 1


def test_reingest_of_unchanged_file_says_so(example_db: Path) -> None:
    code, out, err = run("ingest", str(EXAMPLE_THREAD), "--db", str(example_db))
    assert code == 0
    assert "unchanged since it was last ingested; --refresh reads it again" in err
    assert out.startswith("0 read: 0 new")
    code, out, _ = run("ingest", str(EXAMPLE_THREAD), "--db", str(example_db), "--refresh")
    assert out.startswith("4 read: 0 new, 4 already known")


def test_show_prints_the_reply_tree(example_db: Path) -> None:
    code, out, _ = run("show", EXAMPLE_FIX, "--db", str(example_db))
    assert code == 0
    lines = out.splitlines()
    assert (
        lines[0] == "Thread: [REGRESSION] next-20251105: NULL pointer dereference in widget_probe"
    )
    assert lines[1] == "4 messages, dates in UTC"
    assert lines[2] == (
        "  2025-11-06 08:30  Ada Reporter: [REGRESSION] next-20251105: NULL pointer "
        "dereference in widget_probe"
    )
    assert lines[4].startswith("    2025-11-06 11:02  José Reviewer: Re: [REGRESSION]")
    assert lines[6] == (
        ">     2025-11-07 07:15  Carol Developer: [PATCH] widget: do not touch the clock "
        "before it is looked up"
    )
    assert lines[7] == f"        <{EXAMPLE_FIX}>"


def test_show_accepts_a_lore_url_and_prints_json(example_db: Path) -> None:
    url = f"https://lore.kernel.org/linux-next/{EXAMPLE_REPORT}/T/#u"
    code, out, _ = run("show", url, "--db", str(example_db), "--json", "--body")
    shown = json.loads(out)
    assert code == 0 and shown["msgid"] == EXAMPLE_REPORT
    assert [(m["msgid"], m["depth"]) for m in shown["thread"]][:2] == [
        (EXAMPLE_REPORT, 0),
        ("a1b2c3d4-0001-4c5e-9f00-jose@example.org", 1),
    ]
    assert "RIP: 0010:widget_probe+0x5c/0x1a0 [widget]" in shown["body"]


def test_show_unknown_message_is_a_one_line_error(example_db: Path) -> None:
    code, out, err = run("show", "nobody@x", "--db", str(example_db))
    assert code == 1 and out == ""
    assert (
        err
        == f"regtrack: error: 'nobody@x' is not in {example_db}; run: regtrack ingest 'nobody@x'\n"
    )


def test_search(example_db: Path) -> None:
    # Only the patch names devm_clk_get_optional; the analysis says devm_clk_get().
    code, out, _ = run("search", "devm_clk_get_optional", "--db", str(example_db), "--json")
    assert code == 0
    assert [row["msgid"] for row in json.loads(out)] == [EXAMPLE_FIX]


def test_stats(example_db: Path) -> None:
    code, out, _ = run("stats", "--db", str(example_db), "--json")
    assert code == 0
    assert json.loads(out) == {
        "database": str(example_db),
        "messages": 4,
        "threads": 1,
        "variants": 0,
        "skipped": 0,
        "sources": 1,
        "without_facts": 0,
    }


def test_db_from_environment_and_default_location(tmp_path: Path, monkeypatch, isolated_home):
    monkeypatch.setenv("REGTRACK_DB", str(tmp_path / "env.db"))
    run("ingest", str(EXAMPLE_THREAD))
    assert (tmp_path / "env.db").exists()
    monkeypatch.delenv("REGTRACK_DB")
    run("ingest", str(EXAMPLE_THREAD))
    assert (isolated_home / "data" / "regtrack" / "regtrack.db").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["ingest", "/no/such/file.mbox"],
            "/no/such/file.mbox: no such file or directory",
            id="a missing file",
        ),
        pytest.param(
            ["ingest", "not a message id"],
            "'not a message id' is not a file, directory, message-id or lore URL",
            id="words that are no message-id",
        ),
        pytest.param(
            ["ingest", "nodomain"],
            "'nodomain' is not a file, directory, message-id or lore URL",
            id="a word without @ is no message-id",
        ),
        pytest.param(
            ["search", "linux-next"],
            "no database at ",
            id="a read command on a missing database",
        ),
    ],
)
def test_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = run(*args, "--db", str(tmp_path / "e.db"))
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("regtrack: error: ") and message in err


def test_a_directory_that_is_no_source_is_an_error(tmp_path: Path) -> None:
    code, _, err = run("ingest", str(tmp_path), "--db", str(tmp_path / "e.db"))
    assert code == 1 and "neither a Maildir" in err


def test_database_that_is_not_regtrack_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 200)
    code, _, err = run("stats", "--db", str(bad))
    assert code == 1 and err.startswith("regtrack: error: ") and "not a usable SQLite" in err


def test_skipped_records_exit_3_with_the_reason(tmp_path: Path) -> None:
    mbox = tmp_path / "big.mbox"
    mbox.write_bytes(
        b"From x\nMessage-ID: <small@x>\n\nsmall\n\nFrom x\nMessage-ID: <big@x>\n\n"
        + b"y" * 3000
        + b"\n"
    )
    code, out, err = run("ingest", str(mbox), "--db", str(tmp_path / "s.db"), "--max-size", "0.002")
    assert code == 3
    assert f"regtrack: {mbox}:7: skipped, too-large" in err
    assert out.startswith(
        "2 read: 1 new, 0 already known, 0 variants of known Message-IDs, 1 skipped (too-large: 1)"
    )


def test_partial_failure_exits_1_and_keeps_good_messages(tmp_path: Path) -> None:
    mbox = tmp_path / "cut.mbox"
    mbox.write_bytes(b"From x\nMessage-ID: <ok@x>\n\nok\n\nFrom x\nMessage-ID: <cut@x>\n\ncu")
    db = tmp_path / "p.db"
    code, out, err = run("ingest", str(mbox), "--db", str(db))
    assert code == 1
    assert out.startswith("1 read: 1 new")
    assert err.strip().splitlines()[-1].startswith(f"regtrack: error: {mbox}:7: the file ends")
    assert json.loads(run("stats", "--db", str(db), "--json")[1])["messages"] == 1


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    Store(tmp_path / "d.db").close()  # read commands refuse a missing database
    result = CliRunner().invoke(main, ["--debug", "show", "x@y", "--db", str(tmp_path / "d.db")])
    assert result.exit_code == 1 and result.exception is not None
    result = CliRunner().invoke(main, ["--debug", "stats", "--db", str(tmp_path / "d.db")])
    assert result.exit_code == 0


def test_installed_script_and_shims_run() -> None:
    script = Path(sys.executable).parent / "regtrack"  # the console script, installed
    for command in ([str(script)], [sys.executable, "cli.py"], [sys.executable, "-m", "regtrack"]):
        done = subprocess.run([*command, "--version"], cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0 and __version__ in done.stdout, (command, done.stderr)


def test_mbox_on_standard_input(tmp_path: Path) -> None:
    db = tmp_path / "stdin.db"
    done = subprocess.run(
        [sys.executable, "-m", "regtrack", "ingest", "-", "--db", str(db), "--json"],
        input=EXAMPLE_THREAD.read_bytes(),
        cwd=REPO,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["sources"], summary["new"]) == (["<stdin>"], 4)
