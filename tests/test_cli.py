"""The command line: conventions (--db, --json, exit codes, one-line errors)."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from regtrack import __version__
from regtrack.cli import cli, main
from regtrack.store import Store
from tests.paths import EXAMPLE_THREAD, REPO, SEED_MBOX, SEED_REPORT, require

EXAMPLE_REPORT = "20251106093012.4411-1-ada.reporter@example.org"
EXAMPLE_FIX = "20251107081500.9001-1-carol@example.org"


def run(*args: str) -> tuple[int, str, str]:
    """Run ``regtrack ARGS`` as the console script does: main's return value is the exit code."""
    with CliRunner().isolation() as (stdout, stderr, _):
        code = main(list(args))
    return code, stdout.getvalue().decode(), stderr.getvalue().decode()


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


def test_the_commands() -> None:
    assert sorted(cli.commands) == [
        "culprit", "digest", "extract", "fixed-by", "graph", "ingest", "list", "related",
        "report", "scan-git", "search", "show", "stats", "update",
    ]  # fmt: skip


@pytest.mark.parametrize("command", sorted(cli.commands))
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


def test_ingest_without_tracking_leaves_the_records_to_the_next_run(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    code, out, _ = run("ingest", str(EXAMPLE_THREAD), "--db", db, "--no-track", "--json")
    assert code == 0 and json.loads(out)["tracking"] is None
    assert json.loads(run("list", "--db", db, "--json")[1]) == []
    code, out, _ = run("ingest", str(EXAMPLE_THREAD), "--db", db, "--json")
    summary = json.loads(out)
    assert (code, summary["new"], summary["tracking"]["messages"]) == (0, 0, 4)
    listed = json.loads(run("list", "--db", db, "--json")[1])
    assert [r["report"] for r in listed] == [EXAMPLE_REPORT]


def test_reingest_of_unchanged_file_says_so(example_db: Path) -> None:
    code, out, err = run("ingest", str(EXAMPLE_THREAD), "--db", str(example_db))
    assert code == 0
    assert "unchanged since it was last ingested; --refresh reads it again" in err
    assert out.startswith("0 read: 0 new")
    assert "0 messages read" not in err  # unchanged is not empty
    code, out, _ = run("ingest", str(EXAMPLE_THREAD), "--db", str(example_db), "--refresh")
    assert out.startswith("4 read: 0 new, 4 already known")


def test_show_prints_the_reply_tree(example_db: Path) -> None:
    code, out, _ = run("show", EXAMPLE_FIX, "--db", str(example_db))
    assert code == 0
    regression, thread = out.split("\nthread:\n")
    assert regression.startswith("regression ") and "fix-posted" in regression
    lines = thread.splitlines()
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
    assert f"regtrack: {mbox}:7: skipped, too-large: 3.0 KB, over the 2.0 KB limit" in err
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
    # The traceback comes first; the error's own line and exit code stay the same.
    code, _, err = run("--debug", "show", "x@y", "--db", str(tmp_path / "d.db"))
    assert code == 1 and err.startswith("Traceback (most recent call last):")
    assert err.splitlines()[-1].startswith("regtrack: error: 'x@y'")
    code, _, err = run("--debug", "stats", "--db", str(tmp_path / "d.db"))
    assert (code, err) == (0, "")


def test_debug_shows_the_traceback_of_an_error_ingest_collected(tmp_path: Path) -> None:
    """Ingest carries on past a bad source; --debug still shows where the error arose."""
    broken = tmp_path / "cut.mbox.gz"
    broken.write_bytes(gzip.compress(EXAMPLE_THREAD.read_bytes())[:-40])
    db = str(tmp_path / "d.db")
    code, _, err = run("ingest", str(broken), "--db", db)
    assert code == 1 and "Traceback" not in err
    code, _, err = run("--debug", "ingest", str(broken), "--refresh", "--db", db)
    assert code == 1 and err.startswith("Traceback (most recent call last):")
    assert err.splitlines()[-1].startswith(f"regtrack: error: {broken}")


def test_installed_script_and_shims_run(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "regtrack"  # the console script, installed
    for command in ([str(script)], [sys.executable, "cli.py"], [sys.executable, "-m", "regtrack"]):
        done = subprocess.run([*command, "--version"], cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0 and __version__ in done.stdout, (command, done.stderr)
        # Each exits with main's return value: 3 for an ingest that skipped a record.
        mbox = tmp_path / "skip.mbox"
        mbox.write_bytes(b"From x\nnot a header line\n\nbody\n")
        args = ["ingest", str(mbox), "--db", str(tmp_path / "shim.db"), "--refresh"]
        done = subprocess.run([*command, *args], cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 3, (command, done.stderr)


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


# -- exit codes, JSON, and what a new user saw go wrong (issue 7) -------------

SEED_PATCHWORK = "169038781171.23469.1876193619740108366@emeril.freedesktop.org"
SEED_PATCH_4_OF_5 = (
    "90d749d03cbab256ca0edeb5287069599566d783.1690292440.git-series.apopple@nvidia.com"
)


def seed_message(number: int) -> bytes:
    """Message ``number`` (1 to 12, as the seed's README counts) of the seed mbox."""
    data = require(SEED_MBOX, "the seed thread").read_bytes()
    return data.split(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n")[number]


def write_mbox(path: Path, *messages: bytes) -> Path:
    path.write_bytes(b"".join(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + m for m in messages))
    return path


@pytest.fixture
def seed_db(tmp_path: Path, seed_mbox: Path) -> Path:
    db = tmp_path / "seed.db"
    code, _, err = run("ingest", str(seed_mbox), "--db", str(db))
    assert code == 0, err
    return db


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    code, out, err = run("stats", "--db", str(tmp_path / "u.db"), "--no-such-option")
    assert (code, out) == (2, "") and "No such option '--no-such-option'" in err
    code, _, err = run("show")
    assert code == 2 and "Missing argument 'REFERENCE'" in err


def test_json_keys_are_those_scripts_read(seed_db: Path) -> None:
    db = str(seed_db)
    totals = ["messages", "threads", "variants", "skipped", "sources", "without_facts"]
    ingested = json.loads(run("ingest", str(SEED_MBOX), "--db", db, "--refresh", "--json")[1])
    assert list(ingested) == [
        *("sources", "read", "new", "known", "variants", "skipped", "skip_details"),
        *("errors", "warnings", "database", "totals", "tracking"),
    ]
    assert list(ingested["totals"]) == totals
    assert ingested["tracking"] is None  # nothing new was stored: no record to derive
    fresh = str(seed_db.with_name("fresh.db"))
    first = json.loads(run("ingest", str(SEED_MBOX), "--db", fresh, "--json")[1])["tracking"]
    assert list(first) == ["regressions", "threads", "messages", "seconds"]
    assert (first["regressions"], first["threads"], first["messages"]) == (1, 2, 12)
    shown = json.loads(run("show", SEED_REPORT, "--db", db, "--json", "--body")[1])
    assert list(shown) == ["msgid", "thread", "missing_references", "facts", "body", "regression"]
    assert list(shown["thread"][0]) == [
        *("msgid", "subject", "subject_raw", "from_name", "from_addr", "date_utc"),
        *("in_reply_to", "flags", "has_patch", "raw_size", "list_id", "thread_id"),
        *("depth", "parent"),
    ]
    assert len(shown["missing_references"]) == 3 and len(shown["thread"]) == 5
    assert list(json.loads(run("extract", "--db", db, "--json")[1])) == ["extracted", "problems"]
    assert list(json.loads(run("stats", "--db", db, "--json")[1])) == ["database", *totals]


def test_an_empty_input_file_warns_and_exits_0(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    code, out, err = run("ingest", str(empty), "--db", str(tmp_path / "e.db"))
    assert code == 0
    assert err == f"regtrack: warning: {empty}: 0 messages read\n"
    assert out.startswith("0 read: 0 new")
    code, out, _ = run("ingest", str(empty), "--db", str(tmp_path / "e.db"), "--json")
    assert (code, json.loads(out)["warnings"]) == (0, [f"{empty}: 0 messages read"])


def test_empty_standard_input_warns(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "regtrack", "ingest", "-", "--db", str(tmp_path / "s.db")],
        input=b"",
        cwd=REPO,
        capture_output=True,
    )
    assert done.returncode == 0
    assert done.stderr.decode() == "regtrack: warning: <stdin>: 0 messages read\n"


def test_ctrl_c_during_ingest_exits_130_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    # Standard input stays open and empty, so the ingest waits for mail until interrupted.
    running = subprocess.Popen(
        [sys.executable, "-m", "regtrack", "ingest", "-", "--db", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    deadline = time.monotonic() + 20
    while not db.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # past opening the database, into reading standard input
    running.send_signal(signal.SIGINT)
    _, err = running.communicate(timeout=20)
    assert running.returncode == 130, err
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("regtrack: error: interrupted")


def test_too_large_shows_sizes_that_differ(tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "big.mbox", seed_message(12), seed_message(1))
    db = str(tmp_path / "b.db")
    # Message 1 is 15,696 bytes once the mbox separator is gone: one over the limit.
    code, _, err = run("ingest", str(mbox), "--db", db, "--max-size", "0.015695")
    assert code == 3
    assert err == (
        f"regtrack: {mbox}:77: skipped, too-large: 15,696 bytes, "
        "over the 15,695 bytes limit (--max-size)\n"
    )
    code, _, err = run("ingest", str(mbox), "--db", db, "--max-size", "0.012", "--refresh")
    assert "skipped, too-large: 15.7 KB, over the 12.0 KB limit (--max-size)" in err


def test_max_size_default_is_shown_in_mb_and_mib() -> None:
    code, out, _ = run("ingest", "--help")
    assert code == 0 and "33.6 MB, i.e. 32 MiB" in " ".join(out.split())
    assert "33.554432" not in out


def test_counts_of_one_are_singular(tmp_path: Path) -> None:
    db = str(tmp_path / "one.db")
    patchwork = seed_message(12)  # a reply to a cover letter the file lacks
    code, out, _ = run("ingest", str(write_mbox(tmp_path / "a.mbox", patchwork)), "--db", db)
    assert out.startswith("1 read: 1 new, 0 already known, 0 variants of known Message-IDs")
    copy = write_mbox(tmp_path / "b.mbox", b"X-Archived-Copy: 2\n" + patchwork)
    code, out, _ = run("ingest", str(copy), "--db", db)
    assert out.startswith("1 read: 0 new, 0 already known, 1 variant of known Message-IDs")
    code, out, _ = run("show", SEED_PATCHWORK, "--db", db)
    assert out.splitlines()[1] == (
        "1 message, dates in UTC; 1 referenced message is not in the database"
    )
    code, out, _ = run("extract", "--all", "--db", db)
    assert code == 0
    assert out == f"1 message extracted; database {db}\n"


def test_a_sender_without_name_or_address_is_named_unknown(tmp_path: Path) -> None:
    db = str(tmp_path / "from.db")
    headers, body = seed_message(12).split(b"\n\n", 1)
    no_from = b"\n".join(h for h in headers.split(b"\n") if not h.startswith(b"From: "))
    bare = headers.replace(b"From: Patchwork <patchwork@", b"From: patchwork@")
    bare = bare.replace(SEED_PATCHWORK.encode(), b"bare-address@example.org")
    run("ingest", str(write_mbox(tmp_path / "f.mbox", no_from + b"\n\n" + body)), "--db", db)
    run("ingest", str(write_mbox(tmp_path / "g.mbox", bare + b"\n\n" + body)), "--db", db)
    code, out, _ = run("show", SEED_PATCHWORK, "--db", db)
    assert code == 0
    assert "  (unknown sender): \u2717 Fi.CI.BUILD: failure for Invalidate" in out
    code, out, _ = run("show", "bare-address@example.org", "--db", db)
    assert "  patchwork@emeril.freedesktop.org: \u2717 Fi.CI.BUILD" in out


def test_a_message_without_subject_says_so(tmp_path: Path) -> None:
    db = str(tmp_path / "subject.db")
    headers, body = seed_message(12).split(b"\n\n", 1)
    kept = [h for h in headers.split(b"\n") if not h.startswith((b"Subject: ", b"From: "))]
    run(
        "ingest",
        str(write_mbox(tmp_path / "s.mbox", b"\n".join(kept) + b"\n\n" + body)),
        "--db",
        db,
    )
    code, out, _ = run("show", SEED_PATCHWORK, "--db", db)
    assert code == 0
    assert out.splitlines()[0] == "Thread: (no subject)"
    assert out.splitlines()[2].endswith("  (unknown sender): (no subject)")


def test_files_touched_beyond_five_are_counted(seed_db: Path) -> None:
    code, out, _ = run("show", SEED_PATCH_4_OF_5, "--db", str(seed_db))
    assert code == 0
    assert (
        "patch v4 4/5: include/linux/mmu_notifier.h, kernel/events/uprobes.c, mm/huge_memory.c, "
        "mm/hugetlb.c, mm/memory.c, and 3 more [patch-id "
    ) in out


def test_escape_sequences_from_mail_do_not_reach_the_terminal(tmp_path: Path) -> None:
    """A subject or sender may carry ESC sequences (clear screen, window title)."""
    mbox = tmp_path / "hostile.mbox"
    mbox.write_bytes(
        b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
        b"From: \x1b]0;owned\x07Mallory <m@example.org>\n"
        b"Subject: regression \x1b[2J\x9b31m in foo =?utf-8?q?=E2=80=AEtxt=2Eexe?=\n"
        b"Message-ID: <esc@example.org>\n"
        b"Date: Tue, 25 Jul 2023 06:42:54 +0000\n\n"
        b"regression body \x1b]8;;http://x\x1b\\\\link\n"
    )
    db = str(tmp_path / "e.db")
    assert run("ingest", str(mbox), "--db", db)[0] == 0
    for command in (["show", "esc@example.org", "--body"], ["search", "regression"]):
        code, out, _ = run(*command, "--db", db)
        assert code == 0 and "esc@example.org" in out
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
        assert "\u202e" not in out  # a right-to-left override would reorder the line
        assert "\\x1b" in out  # shown, not hidden
    code, out, _ = run("show", "esc@example.org", "--db", db)
    assert "\\u202etxt.exe" in out
    code, out, _ = run("show", "esc@example.org", "--json", "--db", db)
    assert "\x1b" not in out and "\\u001b" in out


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_search_limit_must_be_positive(example_db: Path, limit: str) -> None:
    code, _, err = run("search", "regression", "--limit", limit, "--db", str(example_db))
    assert code == 2 and "--limit" in err


def test_a_fifo_target_says_what_it_is(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = run("ingest", str(fifo), "--db", str(tmp_path / "f.db"))
    assert code == 1 and "neither a file nor a directory (a pipe or device?)" in err


def test_single_message_with_a_file_says_it_does_not_apply(tmp_path: Path) -> None:
    code, _, err = run(
        "ingest", str(EXAMPLE_THREAD), "--single-message", "--db", str(tmp_path / "s.db")
    )
    assert code == 0 and "--single-message applies to message-ids" in err
