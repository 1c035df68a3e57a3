"""Mail and git for the tracking tests: mbox files written in the test, real repositories.

A :class:`Tracking` is one database in ``tmp_path`` fed as a user feeds it:
mbox files through :func:`regtrack.ingest.ingest` (which updates the
records of the threads it stored) and branches through
:func:`regtrack.gitsync.scan_branch` followed by a full update, as
``regtrack scan-git`` does.  :func:`linux` builds the mainline history the
tests share: v6.4, the culprit, v6.5-rc1.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from regtrack.gitsync import scan_branch
from regtrack.ingest import ingest
from regtrack.sources.detect import open_targets
from regtrack.state import update_all
from regtrack.store import Store
from regtrack.store.regressions import Regression
from tests.gitrepo import KernelRepo

MBOX_SEPARATOR = "From mboxrd@z Thu Jan  1 00:00:00 1970\n"
REPORTER = "Ada Reporter <ada@example.org>"
DEVELOPER = "Carol Dev <carol@example.org>"
CULPRIT_SUBJECT = "drm/frob: subscribe to frobnicator events"
FIX_SUBJECT = "drm/frob: check the subscription before frobnicating"
REPORT = "20230720100000.report@example.org"
REPORT_SUBJECT = "[REGRESSION] drm/frob: NULL pointer dereference in frob_subscribe"
# The file the culprit changes, as the culprit leaves it and as the fix (inline) changes it.
FROB_FILE = "frob.c"
FROB_BROKEN = "void frob_init(void)\n{\n\tfrob_subscribe(dev->subscription);\n}\n"
FROB_FIXED = (
    "void frob_init(void)\n{\n\tif (dev->subscription)\n\t\tfrob_subscribe(dev->subscription);\n}\n"
)
INLINE_FIX_DIFF = (
    "diff --git a/frob.c b/frob.c\n"
    "index 1111111..2222222 100644\n"
    "--- a/frob.c\n"
    "+++ b/frob.c\n"
    "@@ -1,4 +1,5 @@\n"
    " void frob_init(void)\n"
    " {\n"
    "-\tfrob_subscribe(dev->subscription);\n"
    "+\tif (dev->subscription)\n"
    "+\t\tfrob_subscribe(dev->subscription);\n"
    " }\n"
)


def message(
    msgid: str,
    subject: str,
    body: str,
    *,
    date: str,
    author: str = DEVELOPER,
    parent: str | None = None,
    references: tuple[str, ...] = (),
) -> str:
    """One RFC 822 message; ``date`` as ``2023-07-20 10:00`` (UTC)."""
    moment = datetime.strptime(date, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    headers = [
        f"From: {author}",
        "To: regressions@lists.linux.dev",
        f"Subject: {subject}",
        f"Date: {format_datetime(moment)}",
        f"Message-ID: <{msgid}>",
    ]
    chain = references or ((parent,) if parent else ())
    if parent:
        headers.append(f"In-Reply-To: <{parent}>")
    if chain:
        headers.append("References: " + " ".join(f"<{m}>" for m in chain))
    return "\n".join(headers) + "\n\n" + body.rstrip("\n") + "\n"


def report(
    culprit: str | None = None,
    *,
    versions: str = "It worked in v6.4 and broke in v6.5-rc1.",
    msgid: str = REPORT,
    extra: str = "",
) -> str:
    """The regression report the tests track: a crash, the versions, maybe the culprit."""
    blame = f'\nCaused by commit {culprit[:12]} ("{CULPRIT_SUBJECT}").\n' if culprit else ""
    body = (
        "Hi,\n\nmy laptop crashes at boot:\n\n"
        "BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
        "RIP: 0010:frob_subscribe+0x12/0x40\n"
        "Call Trace:\n <TASK>\n frob_init+0x20/0x50\n </TASK>\n\n"
        f"{versions}\n{blame}{extra}\nAda\n"
    )
    return message(msgid, REPORT_SUBJECT, body, date="2023-07-20 10:00", author=REPORTER)


def reply(msgid: str, body: str, *, date: str, author: str = DEVELOPER, to: str = REPORT) -> str:
    """A reply to ``to`` (the report by default) in the report's thread."""
    references = (REPORT, to) if to != REPORT else (REPORT,)
    subject = f"Re: {REPORT_SUBJECT}"
    return message(msgid, subject, body, date=date, author=author, parent=to, references=references)


def inline_fix(
    msgid: str = "20230720.inline-fix@example.org", date: str = "2023-07-20 14:00"
) -> str:
    """A developer's reply proposing a fix as a diff in the thread (the seed's message 3)."""
    body = f"Does this help?\n\n{INLINE_FIX_DIFF}"
    return reply(msgid, body, date=date)


class Tracking:
    """One database fed with mbox files and scanned branches, as a user would."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.store = Store(tmp_path / "tracking.db")
        self.mboxes = 0

    def mail(self, *messages: str) -> None:
        """Write ``messages`` to a new mbox file and ingest it (records update themselves)."""
        self.mboxes += 1
        path = self.tmp_path / f"mail-{self.mboxes}.mbox"
        path.write_text("".join(MBOX_SEPARATOR + m + "\n" for m in messages))
        summary = ingest(self.store, open_targets([str(path)], cursor_for=self.store.source_cursor))
        assert not summary.errors, summary.errors

    def scan(self, repo: KernelRepo, tree: str, branch: str = "master") -> None:
        """``regtrack scan-git REPO --tree TREE --branch BRANCH`` through the library."""
        scan_branch(self.store, repo.path, tree, branch)
        update_all(self.store)

    def regression(self) -> Regression:
        """The one tracked regression."""
        records = self.store.regressions()
        assert len(records) == 1, [r.title for r in records]
        return records[0]

    def records(self) -> list[dict[str, Any]]:
        """Every record as JSON, for comparing two databases."""
        return [
            json.loads(json.dumps(r.to_json(), sort_keys=True)) for r in self.store.regressions()
        ]

    def close(self) -> None:
        self.store.close()


def linux(tmp_path: Path, git_env: dict[str, str]) -> tuple[KernelRepo, str]:
    """Mainline: v6.4, the culprit (it breaks ``frob.c``), v6.5-rc1; returns (repo, culprit)."""
    repo = KernelRepo(tmp_path / "linux", git_env)
    repo.commit("Linux 6.4\n", "Makefile", "VERSION = 6.4\n")
    repo.git("tag", "v6.4")
    culprit = repo.commit(f"{CULPRIT_SUBJECT}\n\nSubscribe early.\n", FROB_FILE, FROB_BROKEN)
    repo.commit("Linux 6.5-rc1\n", "Makefile", "VERSION = 6.5-rc1\n")
    repo.git("tag", "v6.5-rc1")
    return repo, culprit


def fix_message(*trailers: str, subject: str = FIX_SUBJECT) -> str:
    """A kernel commit message with the given trailers after a Signed-off-by."""
    lines = "\n".join(trailers)
    return (
        f"{subject}\n\nfrob_init() used the subscription before it existed.\n\n"
        f"Signed-off-by: {DEVELOPER}\n{lines}\n"
    )


def effects(record: Regression) -> list[tuple[str, str, str]]:
    """(short id, branch, effect) of each fixing commit."""
    return [(c["sha"][:12], c["branch"], c["effect"]) for c in record.fix_commits]


def history(record: Regression, kind: str) -> list[str]:
    """The texts of the history's events of ``kind``."""
    return [e.text for e in record.events if e.kind == kind]


def linux_next(tmp_path: Path, git_env: dict[str, str]) -> tuple[KernelRepo, str]:
    """Mainline (v6.4, v6.5-rc1) and a next branch on top holding the culprit and a
    tidy-up; returns (repo, culprit).  The culprit is in next only."""
    repo = KernelRepo(tmp_path / "linux", git_env)
    repo.commit("Linux 6.4\n", "Makefile", "VERSION = 6.4\n")
    repo.git("tag", "v6.4")
    repo.commit("Linux 6.5-rc1\n", "Makefile", "VERSION = 6.5-rc1\n")
    repo.git("tag", "v6.5-rc1")
    culprit = rebuild_next(repo, "v3", FROB_BROKEN)
    return repo, culprit


def rebuild_next(repo: KernelRepo, version: str, content: str, name: str = FROB_FILE) -> str:
    """next rebuilt on v6.5-rc1 (linux-next's daily rebase): the culprit's subject with
    ``content`` in ``name``, then the same tidy-up; returns the new culprit-subject commit."""
    repo.checkout("-B", "next", "v6.5-rc1")
    respun = repo.commit(f"{CULPRIT_SUBJECT}\n\n{version}.\n", name, content, 1_689_000_000)
    repo.commit("net: tidy\n", "net.c", "tidy();\n", 1_689_000_060)
    repo.checkout("master")
    return respun
