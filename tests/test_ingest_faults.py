"""Ingest under faults: a shadowing folder, a refused message, a failed batch, a slow message."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from regtrack.cli import cli
from regtrack.errors import StoreError
from regtrack.ingest import ingest
from regtrack.sources.mbox import MboxSource
from regtrack.store import Store
from tests.test_ingest import message, write_mbox

REGTRACK_SCRIPT = Path(sys.executable).parent / "regtrack"


def test_workers_import_the_real_package_not_a_regtrack_folder_in_the_cwd(
    tmp_path: Path,
) -> None:
    """A folder named regtrack where the user stands must not reach the parse workers."""
    bogus = tmp_path / "work" / "regtrack"
    bogus.mkdir(parents=True)
    (bogus / "__init__.py").write_text("raise RuntimeError('the bogus regtrack was imported')\n")
    count = 300  # more than the first batch, so workers parse
    mbox = write_mbox(tmp_path / "many.mbox", *(message(f"m{n}@x") for n in range(count)))
    done = subprocess.run(
        [str(REGTRACK_SCRIPT), "ingest", str(mbox), "--db", str(tmp_path / "db"), "--json"],
        cwd=bogus.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(done.stdout)["new"] == count


def _refuse(db_path: Path, msgid: str) -> None:
    """A trigger in the real database that makes SQLite refuse one message's row."""
    store = Store(db_path)
    store.conn.execute(
        f"""CREATE TRIGGER refuse_one BEFORE INSERT ON messages WHEN new.msgid = '{msgid}'
            BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"""
    )
    store.close()


def test_a_message_the_database_refuses_is_skipped_and_every_other_kept(
    tmp_path: Path, db_path: Path
) -> None:
    _refuse(db_path, "m57@x")
    count = 120  # batches of 50 and 70: m57 is in the second, parsed by a worker
    mbox = write_mbox(tmp_path / "many.mbox", *(message(f"m{n}@x") for n in range(count)))
    store = Store(db_path)
    summary = ingest(store, [MboxSource(mbox)])
    assert (summary.new, dict(summary.skipped)) == (count - 1, {"store-error": 1})
    (detail,) = summary.skip_details
    assert detail.startswith(f"{mbox}:")
    assert detail.endswith("skipped, store-error: IntegrityError: refused by a test trigger")
    assert store.message("m57@x") is None
    stats = store.stats()
    assert (stats["messages"], stats["skipped"], stats["without_facts"]) == (count - 1, 1, 0)
    # Every record is stored or recorded as skipped, so the file counts as read.
    assert store.source_cursor(MboxSource(mbox).info.key) is not None


def test_a_refused_message_exits_3_and_is_listed(tmp_path: Path, db_path: Path) -> None:
    _refuse(db_path, "bad@x")
    mbox = write_mbox(tmp_path / "few.mbox", message("a@x"), message("bad@x"), message("b@x"))
    result = CliRunner().invoke(cli, ["ingest", str(mbox), "--db", str(db_path)])
    assert result.exit_code == 3, result.output
    assert f"regtrack: {mbox}:9: skipped, store-error: IntegrityError: refused" in result.output
    assert "3 read: 2 new" in result.output
    rerun = CliRunner().invoke(cli, ["ingest", str(mbox), "--db", str(db_path)])
    assert "unchanged since it was last ingested" in rerun.output


def test_nothing_is_stored_after_a_batch_that_could_not_be(tmp_path: Path, store: Store) -> None:
    """The disk fills up on one batch of large mail; the small mail after it would fit.

    It must stay out all the same: stored mail with a hole in it, and a
    cursor past the hole, would make a resumed ingest skip the hole for good.
    """
    big = range(350, 550)  # the fourth batch: batches are 50, 100, 200, 200, ...
    many = write_mbox(
        tmp_path / "many.mbox",
        *(message(f"m{n}@x", b"%d " % n * (8000 if n in big else 10)) for n in range(1000)),
    )
    later = write_mbox(tmp_path / "later.mbox", message("later@x"))
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 1000}")  # about 4 MB more
    with pytest.raises(StoreError, match=r"database or disk is full"):
        ingest(store, [MboxSource(many), MboxSource(later)], batch_size=200)
    conn = sqlite3.connect(store.path)
    msgids = {row[0] for row in conn.execute("SELECT msgid FROM messages")}
    assert msgids == {f"m{n}@x" for n in range(big.start)}, "stored in order, up to the failure"
    assert conn.execute("SELECT COUNT(*) FROM sources WHERE cursor IS NOT NULL").fetchone() == (0,)
    assert conn.execute("SELECT COUNT(*) FROM skipped").fetchone() == (0,)


def _slow_to_parse(msgid: str) -> bytes:
    """A real kind of hostile mail: 60,000 MIME parts, about a second of CPU to parse."""
    parts = b"".join(b"--B\nContent-Type: text/plain\n\npart %d\n" % n for n in range(60_000))
    mime = b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n"
    return message(msgid, parts + b"--B--\n", mime)


@pytest.mark.parametrize(
    "before, after",
    [pytest.param(60, 60, id="in a worker process"), pytest.param(1, 1, id="in this process")],
)
def test_a_message_over_its_time_budget_is_skipped_and_the_run_goes_on(
    tmp_path: Path, store: Store, before: int, after: int
) -> None:
    mbox = write_mbox(
        tmp_path / "slow.mbox",
        *(message(f"m{n}@x") for n in range(before)),
        _slow_to_parse("slow@x"),
        *(message(f"m{n}@x") for n in range(before, before + after)),
    )
    handler = signal.getsignal(signal.SIGPROF)
    summary = ingest(store, [MboxSource(mbox)], message_budget=0.25)
    assert (summary.new, dict(summary.skipped)) == (before + after, {"parse-timeout": 1})
    (detail,) = summary.skip_details
    assert detail.endswith("skipped, parse-timeout: parsing took over 0.25 s of CPU")
    assert store.message("slow@x") is None and store.stats()["skipped"] == 1
    assert signal.getsignal(signal.SIGPROF) == handler
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
