"""Ingest end to end: bad input, idempotency and a run killed half-way."""

from __future__ import annotations

import itertools
import lzma
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from regtrack.errors import StoreError
from regtrack.ingest import _batch_sizes, ingest
from regtrack.sources.mbox import MboxSource
from regtrack.store import Store
from tests.paths import REPO

FROM_LINE = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"


def message(msgid: str, body: bytes = b"body\n", extra: bytes = b"") -> bytes:
    return (
        FROM_LINE + b"Message-ID: <" + msgid.encode() + b">\nSubject: test\n"
        b"Date: Tue, 25 Jul 2023 06:42:54 +0000\n" + extra + b"\n" + body + b"\n"
    )


def write_mbox(path: Path, *messages: bytes) -> Path:
    path.write_bytes(b"".join(messages))
    return path


def test_huge_message_is_skipped_and_named_others_kept(tmp_path: Path, store: Store) -> None:
    huge = b"x" * 79 + b"\n"
    mbox = write_mbox(
        tmp_path / "big.mbox",
        message("before@x"),
        message("huge@x", huge * (50 * 1024 * 1024 // 80)),
        message("after@x"),
    )
    summary = ingest(store, [MboxSource(mbox)])
    assert (summary.new, dict(summary.skipped)) == (2, {"too-large": 1})
    (detail,) = summary.skip_details
    assert detail.startswith(f"{mbox}:9: skipped, too-large: 52.4 MB, over the 33.6 MB limit")
    assert store.message("huge@x") is None and store.stats()["skipped"] == 1


def test_records_that_are_not_mail_are_skipped(tmp_path: Path, store: Store) -> None:
    mbox = write_mbox(
        tmp_path / "junk.mbox",
        message("good@x"),
        FROM_LINE + b"\x00\x01 binary junk, no header\n\n",
        FROM_LINE + b"\n\n",
        message("good2@x"),
    )
    summary = ingest(store, [MboxSource(mbox)])
    assert summary.new == 2
    assert dict(summary.skipped) == {"no-headers": 1, "empty": 1}


def test_non_utf8_bytes_and_malformed_headers_are_stored(tmp_path: Path, store: Store) -> None:
    mbox = write_mbox(
        tmp_path / "odd.mbox",
        message("latin@x", b"caf\xe9 \xff\xfe\n", b"From: Ren\xe9 <r@x>\n"),
        FROM_LINE + b"Message-ID: <broken@x>\nDate: not a date at all\n"
        b'References: <<<>>> garbage\nContent-Type: text/plain; charset="no-such"\n\nbody\n',
        message("slash/../id@x"),
    )
    summary = ingest(store, [MboxSource(mbox)])
    assert (summary.new, summary.skipped) == (3, {})
    latin = store.message("latin@x")
    assert (latin["from_name"], latin["body"]) == ("Ren\ufffd", "caf\ufffd \ufffd\ufffd\n")
    assert latin["flags"] == "undecodable-bytes"
    broken = store.message("broken@x")
    assert broken["flags"] == "unknown-charset,date-missing"
    assert store.message("slash/../id@x")["subject"] == "test"


def test_damaged_archive_keeps_good_messages_and_reports(tmp_path: Path, store: Store) -> None:
    mbox = b"".join(message(f"m{n}@x", os.urandom(2000).hex().encode()) for n in range(200))
    data = lzma.compress(mbox)
    path = tmp_path / "cut.mbox.xz"
    path.write_bytes(data[: len(data) // 2])
    summary = ingest(store, [MboxSource(path)])
    assert summary.errors and f"{path}: truncated or corrupt xz data" in str(summary.errors[0])
    assert 50 < summary.new < 200
    assert store.stats()["messages"] == summary.new
    # The file was not read to its end, so it is not marked as done.
    assert store.source_cursor(f"mbox:{path.resolve()}") is None


def test_full_disk_is_one_error_and_keeps_earlier_batches(tmp_path: Path, store: Store) -> None:
    mbox = write_mbox(
        tmp_path / "many.mbox",
        *(message(f"m{n}@x", os.urandom(4000).hex().encode()) for n in range(1500)),
    )
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 3000}")  # about 12 MB more
    with pytest.raises(StoreError, match=r"database or disk is full.*rolled back"):
        ingest(store, [MboxSource(mbox)], batch_size=200)
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    sizes = _batch_sizes(200)  # 50, 100, 200, 200, ...
    batch_ends = list(itertools.accumulate(next(sizes) for _ in range(10)))
    assert stored in batch_ends  # whole batches, nothing half-written


def test_ingest_twice_changes_nothing(seed_mbox: Path, store: Store, db_path: Path) -> None:
    ingest(store, [MboxSource(seed_mbox)])
    before = _dump(db_path)
    cursor = store.source_cursor(MboxSource(seed_mbox).info.key)  # the key holds the resolved path
    again = ingest(store, [MboxSource(seed_mbox, cursor)])
    forced = ingest(store, [MboxSource(seed_mbox)])
    assert (again.read, again.new) == (0, 0)
    assert (forced.read, forced.new, forced.known) == (12, 0, 12)
    assert _dump(db_path) == before


def _dump(db_path: Path) -> dict[str, list]:
    conn = sqlite3.connect(db_path)
    tables = ["messages", "message_copies", "message_refs", "thread_index"]
    dump = {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    for row_list in dump.values():  # ingested_at differs between runs by design
        row_list[:] = [
            tuple(
                v
                for v in row
                if not (isinstance(v, str) and "T" in v and v.endswith("+00:00") and len(v) == 25)
            )
            for row in row_list
        ]
    conn.close()
    return dump


def test_killed_run_then_rerun_has_everything_once(tmp_path: Path) -> None:
    count = 6000
    mbox = write_mbox(
        tmp_path / "many.mbox",
        *(
            message(
                f"m{n}@x",
                os.urandom(1500).hex().encode(),
                b"References: <m%d@x>\n" % (n - 1) if n % 3 else b"",
            )
            for n in range(count)
        ),
    )
    db = tmp_path / "killed.db"
    command = [sys.executable, "-m", "regtrack", "ingest", str(mbox), "--db", str(db)]
    tag = f"regtrack-test-{uuid.uuid4()}"  # inherited by every process the run starts
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "REGTRACK_TEST_TAG": tag},
    )
    stored = _wait_for_rows(db, proc)
    assert _tagged_processes(tag), "a large ingest parses in a worker process"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < stored < count, "the run should be killed part-way"
    _wait_until_gone(tag)

    rerun = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    msgids = [row[0] for row in conn.execute("SELECT msgid FROM messages")]
    assert len(msgids) == len(set(msgids)) == count
    assert conn.execute("SELECT COUNT(*) FROM message_copies").fetchone()[0] == count
    threads = conn.execute(
        "SELECT COUNT(DISTINCT thread_id) FROM thread_index JOIN messages USING (msgid)"
    ).fetchone()[0]
    assert threads == count // 3
    fts = conn.execute("SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'test'")
    assert fts.fetchone()[0] == count


def _tagged_processes(tag: str) -> list[int]:
    """Live processes whose environment carries ``tag``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if tag.encode() not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found.append(int(entry.name))
    return found


def _wait_until_gone(tag: str) -> None:
    """The killed run's worker processes must end by themselves."""
    deadline = time.monotonic() + 10
    while (left := _tagged_processes(tag)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes of the killed ingest outlived it: {left}"


def _wait_for_rows(db: Path, proc: subprocess.Popen) -> int:
    """Wait until the running ingest has committed some batches."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        try:
            conn = sqlite3.connect(db, timeout=1)
            stored = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
            conn.close()
        except sqlite3.OperationalError:
            stored = 0
        if stored >= 1000:
            return stored
        time.sleep(0.01)
    raise AssertionError("the ingest stored nothing within 60s")


def test_batches_start_small_and_double_up_to_the_batch_size() -> None:
    assert list(itertools.islice(_batch_sizes(500), 6)) == [50, 100, 200, 400, 500, 500]
    assert list(itertools.islice(_batch_sizes(20), 3)) == [20, 20, 20]
