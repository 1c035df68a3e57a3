"""A real Ctrl-C during ``regtrack report``: SIGINT to its whole process group, as a terminal
sends it, while it has other processes, ``dot`` and threads at work."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

from regtrack.ingest import ingest
from regtrack.sources.mbox import MboxSource
from regtrack.store import Store
from tests.sitedata import crash
from tests.test_ingest import _wait_until_gone
from tests.test_interrupt import REGTRACK_SCRIPT, _start

REGRESSIONS = 2_000  # past sitewrite.PARALLEL_FROM: the pages are shared among processes
# When to press Ctrl-C, as parts of a whole run's time: while it starts, reads the records
# and starts its processes, and writes the pages.
MOMENTS = (0.1, 0.35, 0.6)


def _database(tmp_path: Path) -> Path:
    """REGRESSIONS crash reports, each its own regression (a function of its own)."""
    mbox = tmp_path / "reports.mbox"
    with mbox.open("w") as out:
        for n in range(REGRESSIONS):
            subject = f"[REGRESSION] drv{n}: NULL pointer dereference in drv{n}_probe"
            day = 1 + n % 28
            text = crash(f"{n}.report@example.org", subject, f"2023-07-{day:02d} 08:00")
            out.write("From mboxrd@z Thu Jan  1 00:00:00 1970\n" + text + "\n")
    db = tmp_path / "reports.db"
    store = Store(db)
    try:
        ingest(store, [MboxSource(mbox)])
        assert len(store.regressions()) == REGRESSIONS
    finally:
        store.close()
    return db


def _files(folder: Path) -> dict[Path, bytes]:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_ctrl_c_ends_the_report_at_once_and_leaves_the_earlier_one(tmp_path: Path) -> None:
    db = _database(tmp_path)
    site = tmp_path / "site"
    command = [str(REGTRACK_SCRIPT), "report", "--html", str(site), "--db", str(db)]
    command += ["--now", "2023-08-01"]
    started = time.monotonic()
    earlier = _start([*command[:-2], "--now", "2023-07-31"], tmp_path, "earlier")
    assert earlier.wait(timeout=300) == 0, earlier.stderr.read() if earlier.stderr else ""
    whole = time.monotonic() - started
    before = _files(site)
    for delay in (whole * moment for moment in MOMENTS):
        tag = f"regtrack-test-{uuid.uuid4()}"
        proc = _start(command, tmp_path, tag)
        time.sleep(delay)
        assert proc.poll() is None, "the report should still be running"
        os.killpg(proc.pid, signal.SIGINT)
        interrupted = time.monotonic()
        _out, err = proc.communicate(timeout=60)
        took = time.monotonic() - interrupted
        assert proc.returncode == 130, f"after {delay} s: {proc.returncode}\n{err}"
        assert err == "regtrack: error: interrupted\n", f"after {delay} s: {err}"
        assert took < 5, f"after {delay} s: the report took {took:.1f} s to stop"
        _wait_until_gone(tag)  # no process of the report outlives it
        assert _files(site) == before, f"after {delay} s: the earlier report changed"
        left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("reports."))
        assert left == ["site"], f"after {delay} s: no staging directory is left: {left}"
