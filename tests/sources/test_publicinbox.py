"""public-inbox v2 repositories built in the test: one commit per message."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from regtrack.ingest import ingest
from regtrack.sources.publicinbox import EpochSource, find_epochs
from regtrack.store import Store
from tests.servers import mbox_messages


def _git(epoch: Path, env: dict[str, str], *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", f"--git-dir={epoch}", *args],
        input=data,
        env=env,
        check=True,
        capture_output=True,
    )
    return done.stdout.decode().strip()


def add_message(epoch: Path, env: dict[str, str], raw: bytes, name: str = "m") -> str:
    """Commit ``raw`` as the epoch's only file, the way public-inbox does."""
    blob = _git(epoch, env, "hash-object", "-w", "--stdin", data=raw)
    tree = _git(epoch, env, "mktree", data=f"100644 blob {blob}\t{name}\n".encode())
    parent = (
        _git(epoch, env, "rev-parse", "--verify", "--quiet", "HEAD") if _has_head(epoch) else ""
    )
    args = ["commit-tree", tree, "-m", "msg"] + (["-p", parent] if parent else [])
    commit = _git(epoch, env, *args)
    _git(epoch, env, "update-ref", "refs/heads/master", commit)
    return commit


def _has_head(epoch: Path) -> bool:
    return (
        subprocess.run(
            ["git", f"--git-dir={epoch}", "rev-parse", "--verify", "--quiet", "HEAD"],
            capture_output=True,
        ).returncode
        == 0
    )


@pytest.fixture
def inbox(tmp_path: Path, git_env: dict[str, str], seed_mbox: Path) -> Path:
    """A v2 inbox with two epochs: three seed messages, then two more."""
    root = tmp_path / "linux-next"
    messages = mbox_messages(seed_mbox)
    for number, chunk in ((0, messages[:3]), (1, messages[3:])):
        epoch = root / "git" / f"{number}.git"
        subprocess.run(["git", "init", "-q", "--bare", str(epoch)], check=True, env=git_env)
        for raw in chunk:
            add_message(epoch, git_env, raw)
    return root


def test_inbox_layout_is_detected(inbox: Path) -> None:
    assert [e.name for e in find_epochs(inbox)] == ["0.git", "1.git"]
    assert find_epochs(inbox / "git" / "1.git") == [inbox / "git" / "1.git"]


def test_ingest_twice_reads_nothing_new(inbox: Path, store: Store) -> None:
    def sources():
        return [
            EpochSource(e, store.source_cursor(f"public-inbox:{e.resolve()}"), print)
            for e in find_epochs(inbox)
        ]

    first = ingest(store, sources())
    assert (first.read, first.new, first.errors) == (12, 12, [])
    second = ingest(store, sources())
    assert (second.read, second.new) == (0, 0)
    assert store.stats()["threads"] == 2  # the regression thread and the series thread


def test_new_commits_are_read_incrementally(
    inbox: Path, store: Store, git_env: dict[str, str]
) -> None:
    epoch = inbox / "git" / "1.git"
    ingest(store, [EpochSource(epoch, None, print)])
    add_message(epoch, git_env, b"Message-ID: <late@x>\nSubject: late\n\nlate\n")
    cursor = store.source_cursor(f"public-inbox:{epoch.resolve()}")
    source = EpochSource(epoch, cursor, print)
    assert source.total == 1
    summary = ingest(store, [source])
    assert (summary.read, summary.new) == (1, 1)
    assert store.message("late@x")["archive_date" if False else "subject"] == "late"


def test_deletion_commits_are_passed_over(inbox: Path, store: Store, git_env) -> None:
    epoch = inbox / "git" / "0.git"
    add_message(epoch, git_env, b"Message-ID: <gone@x>\n\nremoved\n", name="d")
    summary = ingest(store, [EpochSource(epoch, None, print)])
    assert (summary.read, summary.new, summary.errors) == (3, 3, [])


def test_rewritten_history_is_read_again_without_duplicates(
    tmp_path: Path, store: Store, git_env
) -> None:
    epoch = tmp_path / "0.git"
    subprocess.run(["git", "init", "-q", "--bare", str(epoch)], check=True, env=git_env)
    add_message(epoch, git_env, b"Message-ID: <a@x>\n\na\n")
    warnings: list[str] = []
    ingest(store, [EpochSource(epoch, None, warnings.append)])
    stale = "0" * 40
    source = EpochSource(epoch, stale, warnings.append)
    summary = ingest(store, [source])
    assert any("cursor 000000000000 is gone" in w for w in warnings)
    assert (summary.read, summary.new, summary.known) == (1, 0, 1)


def test_archive_date_is_the_commit_date_when_mail_has_none(
    tmp_path: Path, store: Store, git_env
) -> None:
    epoch = tmp_path / "0.git"
    subprocess.run(["git", "init", "-q", "--bare", str(epoch)], check=True, env=git_env)
    env = {**git_env, "GIT_COMMITTER_DATE": "2023-03-04T05:06:07+00:00"}
    add_message(epoch, env, b"Message-ID: <nodate@x>\n\nno date\n")
    ingest(store, [EpochSource(epoch, None, print)])
    row = store.message("nodate@x")
    assert row["date_utc"] == "2023-03-04T05:06:07+00:00"
    assert "date-from-archive" in row["flags"]


def test_an_epoch_without_commits_yields_nothing(tmp_path: Path, git_env) -> None:
    """A freshly made epoch has no HEAD commit yet: nothing to read, and no error."""
    epoch = tmp_path / "git" / "0.git"
    subprocess.run(["git", "init", "-q", "--bare", str(epoch)], check=True, env=git_env)
    source = EpochSource(epoch, None, print)
    assert (source.total, list(source)) == (0, [])
