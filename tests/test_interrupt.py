"""A real Ctrl-C: SIGINT to the whole process group of ``regtrack ingest``, at any moment."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

from regtrack.ingest import check_raw
from regtrack.mail import content_sha
from regtrack.sources import normalise_raw
from regtrack.sources.mbox import MboxSource
from tests.test_ingest import _wait_until_gone

REGTRACK_SCRIPT = Path(sys.executable).parent / "regtrack"
# While the command imports, starts workers, parses its first batch, and in full flow.
DELAYS = (0.05, 0.3, 1.0, 3.0)
_QUOTE_FROM = re.compile(rb"(?m)^(>*From )")


def test_ctrl_c_at_any_moment_exits_130_in_one_line_and_a_rerun_completes(
    tmp_path: Path, corpus_2023: Path
) -> None:
    mbox = _corpus_twice(corpus_2023, tmp_path / "twice.mbox")  # about 8 s of work on 2 cores
    for delay in DELAYS:
        db = tmp_path / f"after-{delay}s.db"
        command = [str(REGTRACK_SCRIPT), "ingest", str(mbox), "--db", str(db)]
        tag = f"regtrack-test-{uuid.uuid4()}"  # inherited by every process the run starts
        proc = _start(command, tmp_path, tag)
        time.sleep(delay)
        assert proc.poll() is None, "the ingest should still be running"
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, f"after {delay} s: {proc.returncode}\n{err}"
        assert err.startswith("regtrack: error: interrupted"), f"after {delay} s: {err}"
        assert err.count("\n") == 1 and "Traceback" not in err, f"after {delay} s: {err}"
        _wait_until_gone(tag)  # no worker outlives the command

    # The run interrupted last stored the most batches; running it again completes it.
    rerun = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    conn = sqlite3.connect(db)
    stored = {row[0] for row in conn.execute("SELECT content_sha FROM message_copies")}
    assert stored == _content_shas(mbox), "every message stored once, none missing"
    messages = conn.execute("SELECT COUNT(*), COUNT(DISTINCT msgid) FROM messages").fetchone()
    kept = conn.execute("SELECT COUNT(*) FROM message_copies WHERE kept = 1").fetchone()[0]
    assert messages == (kept, kept)
    fts = conn.execute("SELECT COUNT(*) FROM messages_fts").fetchone()[0]
    assert fts == kept


def _corpus_twice(corpus: Path, path: Path) -> Path:
    """The corpus, then every message again with one more header: 10,010 to parse."""
    with path.open("wb") as out:
        for copy in (b"", b"X-Regtrack-Test: second copy\n"):
            for raw in MboxSource(corpus):
                out.write(b"From test@example.invalid Thu Jan  1 00:00:00 1970\n")
                out.write(_QUOTE_FROM.sub(rb">\1", copy + raw.data).rstrip(b"\n") + b"\n\n")
    return path


def _content_shas(mbox: Path) -> set[str]:
    """What a complete ingest stores a copy of: every record's content hash."""
    shas = set()
    for raw in MboxSource(mbox):
        data = normalise_raw(raw.data)
        assert check_raw(data, 32 * 1024 * 1024) is None
        shas.add(content_sha(data))
    return shas


def _start(command: list[str], cwd: Path, tag: str) -> subprocess.Popen:
    """Start ``command`` in its own process group (as a shell does), its processes tagged."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "REGTRACK_TEST_TAG": tag},
    )


def _ingest_running(tmp_path: Path, corpus: Path, name: str) -> tuple[subprocess.Popen, str]:
    """An ingest of the corpus, 1.5 s in: workers started, batches being written."""
    command = [str(REGTRACK_SCRIPT), "ingest", str(corpus), "--db", str(tmp_path / name)]
    tag = f"regtrack-test-{uuid.uuid4()}"
    proc = _start(command, tmp_path, tag)
    time.sleep(1.5)
    assert proc.poll() is None, "the ingest should still be running"
    return proc, tag


def test_sigterm_to_the_ingest_alone_ends_it_as_ctrl_c_does(
    tmp_path: Path, corpus_2023: Path
) -> None:
    """``kill PID`` or ``timeout``: one line, exit 130, and no worker left behind."""
    proc, tag = _ingest_running(tmp_path, corpus_2023, "t.db")
    proc.send_signal(signal.SIGTERM)  # to the ingesting process only, not its group
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.startswith("regtrack: error: interrupted") and err.count("\n") == 1, err
    _wait_until_gone(tag)


def test_workers_end_when_the_killed_ingest_is_not_yet_reaped(
    tmp_path: Path, corpus_2023: Path
) -> None:
    """A dead ingest whose parent has not reaped it (a zombie) must not keep its workers."""
    proc, tag = _ingest_running(tmp_path, corpus_2023, "k.db")
    os.kill(proc.pid, signal.SIGKILL)  # not reaped: no wait() until the workers are gone
    try:
        _wait_until_gone(tag)
    finally:
        proc.communicate(timeout=60)
