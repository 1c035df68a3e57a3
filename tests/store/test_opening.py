"""Opening a database: read commands never create one and open it read-only,
and a new database on a full disk is a clear error that leaves no file.

A read-only filesystem and a full disk are made for real with a tmpfs
mounted in a private user and mount namespace (``unshare -rm``), which
needs no root on the host and vanishes with the command; where the
kernel does not allow such namespaces those tests are skipped, saying so.
(``chmod`` cannot make a file read-only for root, who runs CI.)
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from regtrack.cli import cli
from regtrack.ingest import ingest
from regtrack.sources.mbox import MboxSource
from regtrack.store import Store
from tests.paths import SEED_REPORT

# extract writes, but only to what is stored: it must not create a database either.
READ_COMMANDS = [["stats"], ["show", SEED_REPORT], ["search", "linux-next"], ["extract"]]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_a_read_command_refuses_a_missing_database(tmp_path: Path, command: list[str]) -> None:
    mistyped = tmp_path / "typo" / "regtrak.db"
    code, _, err = run(*command, "--db", str(mistyped))
    assert code == 1
    assert err == f"regtrack: error: no database at {mistyped}; run regtrack ingest first\n"
    assert not mistyped.parent.exists()


def test_a_read_command_refuses_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    code, _, err = run("stats", "--db", str(empty))
    assert code == 1 and "no database at" in err and "run regtrack ingest first" in err
    assert empty.stat().st_size == 0


def test_a_directory_given_as_database_says_so(tmp_path: Path) -> None:
    for command in (["stats"], ["ingest", "-"]):
        code, _, err = run(*command, "--db", str(tmp_path))
        assert (code, err) == (
            1,
            f"regtrack: error: {tmp_path}: is a directory, not a database file\n",
        )


def _seed_database(path: Path, seed_mbox: Path) -> Path:
    store = Store(path)
    ingest(store, [MboxSource(seed_mbox)])
    store.close()
    return path


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_read_commands_change_nothing_in_the_file(
    tmp_path: Path, seed_mbox: Path, command: list[str]
) -> None:
    """The file opened with mode=ro: same bytes after, and a write is refused.

    This shows the read commands open read-only; the read-only filesystem
    itself is the test below.
    """
    path = _seed_database(tmp_path / "seed.db", seed_mbox)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    code, out, err = run(*command, "--db", str(path))
    assert code == 0, err
    assert out
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    reader = Store(path, read_only=True)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.conn.execute("CREATE TABLE written (x)")
    reader.close()


def _in_private_tmpfs(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``script`` (sh) with a tmpfs mounted at $1, in private namespaces."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    mount_point = tmp_path / "mnt"
    mount_point.mkdir()
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", 'mount -t tmpfs -o size=64k tmpfs "$0"', mount_point],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a user namespace here: {probe.stderr.strip()}")
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, str(mount_point), sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_read_commands_work_on_a_read_only_filesystem(tmp_path: Path, seed_mbox: Path) -> None:
    """Before: 'not a usable SQLite database (unable to open database file)'.

    The directory is read-only too, so SQLite cannot create the WAL
    database's -shm file: mode=ro fails and the file, which nobody can
    write, is read as immutable.
    """
    out = tmp_path / "out"
    out.mkdir()
    script = """
        set -e
        mount -t tmpfs tmpfs "$0"
        "$1" -m regtrack ingest "$2" --db "$0/x.db" > /dev/null
        mount -o remount,ro "$0"
        "$1" -m regtrack stats --db "$0/x.db" --json > "$3/stats"
        "$1" -m regtrack search next-20230720 --db "$0/x.db" --json > "$3/search"
        "$1" -m regtrack show "$4" --db "$0/x.db" > "$3/show"
        "$1" -m regtrack ingest "$2" --db "$0/x.db" 2> "$3/ingest" || echo $? > "$3/ingest.rc"
    """
    done = _in_private_tmpfs(tmp_path, script, str(seed_mbox), str(out), SEED_REPORT)
    assert done.returncode == 0, done.stderr
    assert '"messages": 12' in (out / "stats").read_text()
    assert SEED_REPORT in (out / "search").read_text()
    assert "culprit: 828fe4085cae77acb3abf7dd3d25b3ed6c560edf" in (out / "show").read_text()
    assert (out / "ingest.rc").read_text().strip() == "1"
    (error,) = (out / "ingest").read_text().splitlines()
    assert error.startswith("regtrack: error: ") and "the database is read-only" in error


def test_a_new_database_on_a_full_disk_is_a_clear_error_and_no_file(
    tmp_path: Path, seed_mbox: Path
) -> None:
    """Before: 'not a usable SQLite database (database or disk is full)' and a file left."""
    out = tmp_path / "out"
    out.mkdir()
    script = """
        mount -t tmpfs -o size=64k tmpfs "$0"
        "$1" -m regtrack ingest "$2" --db "$0/new.db" 2> "$3/err"
        echo $? > "$3/rc"
        ls -A "$0" > "$3/left"
    """
    done = _in_private_tmpfs(tmp_path, script, str(seed_mbox), str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "rc").read_text().strip() == "1"
    (error,) = (out / "err").read_text().splitlines()
    assert error.startswith("regtrack: error: ") and "disk full while creating" in error
    assert (out / "left").read_text() == ""
