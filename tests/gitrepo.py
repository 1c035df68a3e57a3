"""Kernel-like git repositories built in a test: commits with real trailers, tags, branches.

:func:`build_trees` makes mainline with tags v6.4 and v6.5-rc1, a fix with
Fixes:/Closes:/Link:/Reported-by:, a revert, a stable branch with
backports, and a next branch that :func:`rebuild_next` rebuilds so that
the culprit is dropped for a respun commit with the same subject.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
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

    @classmethod
    def existing(cls, path: Path, env: dict[str, str]) -> KernelRepo:
        """A repository made some other way (a clone), to commit to and scan."""
        repo = cls.__new__(cls)
        repo.path, repo.env, repo.clock = path, env, 1_688_000_000
        return repo

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


CULPRIT_SUBJECT = "drm/i915: subscribe to frobnicator events"
REPORT = "20230720.report@example.org"
FIX_POSTING = "20230721.fix-v1@example.org"


@dataclass
class Trees:
    repo: KernelRepo
    base: str
    culprit: str
    fix: str
    revert: str
    backport: str
    cherry: str
    next_head: str
    next_culprit: str


def _fix_message(culprit: str) -> str:
    return (
        "drm/i915: check the subscription before frobnicating\n\n"
        "The frobnicator was used before it subscribed.\n\n"
        f'Fixes: {culprit[:12].upper()} ("{CULPRIT_SUBJECT}")\n'
        "Reported-by: Ada Reporter <ada@example.org>\n"
        f"Closes: https://lore.kernel.org/all/{REPORT}/\n"
        "Link: https://bugzilla.kernel.org/show_bug.cgi?id=217000\n"
        "Signed-off-by: Carol Dev <carol@example.org>\n"
        f"Link: https://patch.msgid.link/{FIX_POSTING}\n"
    )


def build_trees(tmp_path: Path, git_env: dict[str, str]) -> Trees:
    """The kernel-like trees the scanning tests share (see the module doc)."""
    repo = KernelRepo(tmp_path / "linux", git_env)
    repo.commit("Linux 6.4\n", "Makefile", "VERSION = 6.4\n")
    repo.git("tag", "v6.4")
    base = repo.git("rev-parse", "HEAD")
    culprit = repo.commit(f"{CULPRIT_SUBJECT}\n\nSubscribe early.\n", "i915.c", "subscribe();\n")
    repo.commit("Linux 6.5-rc1\n", "Makefile", "VERSION = 6.5-rc1\n")
    repo.git("tag", "v6.5-rc1")
    fix = repo.commit(_fix_message(culprit), "i915.c", "if (subscription) subscribe();\n")
    revert = repo.commit(
        f'Revert "{CULPRIT_SUBJECT}"\n\nThis reverts commit {culprit}.\n', "i915.c", "\n"
    )
    repo.checkout("-b", "linux-6.4.y", "v6.4")
    backport = repo.commit(
        "drm/i915: check the subscription before frobnicating\n\n"
        f"[ Upstream commit {fix} ]\n\nThe frobnicator was used before it subscribed.\n",
        "i915.c",
        "if (subscription) subscribe(); /* 6.4 */\n",
    )
    cherry = repo.commit(
        f"mm: fix a leak\n\ncommit {revert.upper()} upstream.\n\nA leak.\n", "mm.c", "free();\n"
    )
    # next: the culprit and one more commit on top of v6.5-rc1.
    repo.checkout("-b", "next", "v6.5-rc1")
    next_culprit = repo.commit(
        f"{CULPRIT_SUBJECT}\n\nv3.\n", "frob.c", "frob_v3();\n", 1_689_000_000
    )
    repo.commit("net: tidy\n", "net.c", "tidy();\n", 1_689_000_060)
    next_head = repo.git("rev-parse", "HEAD")
    repo.checkout("master")
    return Trees(repo, base, culprit, fix, revert, backport, cherry, next_head, next_culprit)


def rebuild_next(trees: Trees, respin: bool = True) -> str:
    """next rebuilt on v6.5-rc1: the respun culprit (same subject, new id), the same tidy-up."""
    repo = trees.repo
    repo.checkout("-B", "next", "v6.5-rc1")
    version, content = ("v4", "frob_v4(subscription);\n") if respin else ("v3", "frob_v3();\n")
    repo.commit(f"{CULPRIT_SUBJECT}\n\n{version}.\n", "frob.c", content, 1_689_000_000)
    repo.commit("net: tidy\n", "net.c", "tidy();\n", 1_689_000_060)
    head = repo.git("rev-parse", "HEAD")
    repo.checkout("master")
    return head
