"""Kernel-like git repositories built in a test: commits with real trailers, tags, branches."""

from __future__ import annotations

import subprocess
from pathlib import Path


class KernelRepo:
    """A work-tree repository where each commit changes one file at a fixed time.

    Fixed author and committer times make a commit's id depend only on its
    content and parent, so rebuilding a branch with the same commits gives
    the same ids and a respun commit (new content) a new one.
    """

    def __init__(self, path: Path, env: dict[str, str]) -> None:
        self.path = path
        self.env = env
        self.clock = 1_688_000_000
        path.mkdir(parents=True)
        self.git("init", "-q", "-b", "master")

    def git(self, *args: str, time: int | None = None) -> str:
        env = self.env
        if time is not None:
            env = {
                **env,
                "GIT_AUTHOR_DATE": f"{time - 3600} +0200",
                "GIT_COMMITTER_DATE": f"{time} +0000",
            }
        done = subprocess.run(
            ["git", "-C", str(self.path), *args],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        return done.stdout.strip()

    def commit(self, message: str, name: str, content: str, time: int | None = None) -> str:
        """Commit ``content`` to file ``name`` with ``message``; returns the new id."""
        if time is None:
            self.clock += 60
            time = self.clock
        (self.path / name).write_text(content)
        self.git("add", name)
        message_file = self.path.parent / f"{self.path.name}.msg"
        message_file.write_text(message)
        self.git("commit", "-q", "-F", str(message_file), time=time)
        return self.git("rev-parse", "HEAD")

    def checkout(self, *args: str) -> None:
        self.git("checkout", "-q", *args)
