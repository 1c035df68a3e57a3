"""Running git against repositories made in the test."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from regtrack.errors import GitError, RegtrackError
from regtrack.gitcmd import ObjectReader, run_git, try_git
from tests.sources.test_publicinbox import add_message


@pytest.fixture
def repo(tmp_path: Path, git_env: dict[str, str]) -> tuple[Path, str]:
    git_dir = tmp_path / "r.git"
    subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True, env=git_env)
    commit = add_message(git_dir, git_env, b"Subject: one\n\nbody\n")
    return git_dir, commit


def test_run_git_returns_the_output(repo) -> None:
    git_dir, commit = repo
    assert run_git(git_dir, "rev-parse", "HEAD").strip() == commit


def test_a_failing_command_is_a_git_error_naming_the_repository(repo) -> None:
    git_dir, _ = repo
    with pytest.raises(
        GitError, match=rf"{git_dir}: git rev-parse failed: fatal: Needed a single revision"
    ) as caught:
        run_git(git_dir, "rev-parse", "--verify", "no-such-ref")
    assert isinstance(caught.value, RegtrackError)


def test_not_a_repository_is_a_git_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match=r"git log failed: .*not a git repository"):
        run_git(tmp_path, "log")


def test_try_git_answers_none_for_no(repo) -> None:
    git_dir, commit = repo
    assert try_git(git_dir, "rev-parse", "--verify", "--quiet", "no-such-ref") is None
    assert try_git(git_dir, "merge-base", "--is-ancestor", commit, commit) == ""


def test_missing_git_is_a_git_error(repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(GitError, match=r"git is not installed"):
        run_git(repo[0], "log")


def test_object_reader_reads_blobs_and_says_none_for_missing(repo) -> None:
    git_dir, commit = repo
    with ObjectReader(git_dir) as objects:
        assert objects.read(f"{commit}:m") == b"Subject: one\n\nbody\n"
        assert objects.read(f"{commit}:d") is None
        assert objects.read(f"{commit}:m") == b"Subject: one\n\nbody\n"
    assert objects.proc.returncode == 0
