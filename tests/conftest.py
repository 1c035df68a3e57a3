"""Fixtures shared by the test modules: isolation, the corpus, the seed, tracking, servers."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from regtrack.ingest import ingest
from regtrack.sources.mbox import MboxSource
from regtrack.store import Store
from tests.paths import CORPUS_2023, SEED_MBOX, require
from tests.state.mailgit import Tracking

pytest_plugins = ["tests.servers"]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test reads or writes the user's config, caches, git config or database."""
    home = tmp_path_factory.mktemp("home")
    for variable in ("REGTRACK_DB", "REGTRACK_LORE", "REGTRACK_CACHE", "REGTRACK_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return home


_LOOPBACK = ("127.", "::1", "localhost")
_real_connect = socket.socket.connect


def _loopback_only_connect(sock: socket.socket, address) -> None:
    host = address[0] if isinstance(address, tuple) else str(address)
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(_LOOPBACK):
        raise AssertionError(f"a test tried to connect to {host}: tests use 127.0.0.1 only")
    _real_connect(sock, address)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that would reach past this machine (lore.kernel.org above all)."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only_connect)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "regtrack.db"


@pytest.fixture
def store(db_path: Path):
    opened = Store(db_path)
    yield opened
    opened.close()


@pytest.fixture
def seed_mbox() -> Path:
    return require(SEED_MBOX, "the seed thread")


@pytest.fixture
def seed_store(store: Store, seed_mbox: Path) -> Store:
    """A database holding the seed thread, as ingest leaves it (regression records too)."""
    ingest(store, [MboxSource(seed_mbox)])
    return store


@pytest.fixture
def tracking(tmp_path: Path) -> Iterator[Tracking]:
    """A database fed with mbox files and scanned branches, as a user would (mailgit.py)."""
    opened = Tracking(tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def corpus_2023() -> Path:
    return require(CORPUS_2023, "the 2023 linux-next corpus")


@pytest.fixture
def git_env() -> dict[str, str]:
    """Environment for git commands that make commits in tests."""
    return {
        **os.environ,
        "GIT_AUTHOR_NAME": "regtrack tests",
        "GIT_AUTHOR_EMAIL": "tests@example.invalid",
        "GIT_COMMITTER_NAME": "regtrack tests",
        "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    }
