"""A fixed database for the digest tests: regressions around ISO week 2023-W30, from mail
written here and a real git repository, covering every section of a digest.

Week 2023-W30 runs from Monday 2023-07-24 00:00 UTC to Monday 2023-07-31 00:00 UTC;
the tests take ``NOW`` (Monday 2023-07-31 06:00 UTC) as the current time.

======  ==============================================================================
report  what it is for
======  ==============================================================================
fixed   mainline, culprit named, fixed in the week by a commit in mainline (Link:)
sunday  mainline, reported Sunday 23:59 UTC: new in W30, no culprit (bisection)
monday  mainline, reported Monday 00:00 UTC: not in W30 at all, new in W31
tokyo   Date ``Mon, 24 Jul 2023 08:30 +0900``, which is Sunday 23:30 UTC: in W29
unmerged  a fix posted on 3 July, never merged (fix posted, not merged)
idle    v6.4 (the cycle before), no activity since June, poked in the week
dup     made a duplicate of ``tokyo`` in the week
samesig the same crash as ``idle`` (same-signature report)
resolved  ``#regzbot resolve`` in the week
next    a linux-next regression
stable  a stable-6.1 regression
queued  mainline, its fix committed to next in the week (waits for merge)
script  a subject with ``<script>`` (escaped in HTML)
img     a subject with ``"><img src=x onerror=...>``
======  ==============================================================================
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from regtrack.gitsync import scan_branch
from regtrack.ingest import ingest
from regtrack.sources.detect import open_targets
from regtrack.state import update_all
from regtrack.state.commands import regression_id
from regtrack.store import Store
from tests.gitrepo import KernelRepo

NOW = datetime(2023, 7, 31, 6, 0, tzinfo=UTC)
REPORTER = "Ada Reporter <ada@example.org>"
DEVELOPER = "Carol Dev <carol@example.org>"
TRACKER = "Thorsten Tracker <tracker@example.org>"
CULPRIT_SUBJECT = "drm/frob: subscribe to frobnicator events"
CRASH = (
    "BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
    "RIP: 0010:{function}+0x12/0x40\n"
    "Call Trace:\n <TASK>\n {function}_probe+0x20/0x50\n platform_probe+0x3c/0xa0\n"
    " really_probe+0xe1/0x390\n </TASK>\n"
)
INLINE_FIX = (
    "Does this help?\n\n"
    "diff --git a/drivers/gpu/frob.c b/drivers/gpu/frob.c\n"
    "index 1111111..2222222 100644\n"
    "--- a/drivers/gpu/frob.c\n"
    "+++ b/drivers/gpu/frob.c\n"
    "@@ -1,3 +1,4 @@\n"
    " void frob_init(void)\n"
    "-\tfrob_subscribe(dev);\n"
    "+\tif (dev)\n"
    "+\t\tfrob_subscribe(dev);\n"
)
MAINLINE = "It worked in v6.4 and broke in v6.5-rc{rc}."


def msgid(name: str) -> str:
    return f"2023.{name}@example.org"


def rid(name: str) -> str:
    """The regression id of the report named ``name``."""
    return regression_id(msgid(name))


def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def mail(
    name: str,
    subject: str,
    body: str,
    *,
    date: str,
    sender: str = REPORTER,
    parent: str | None = None,
    raw_date: str | None = None,
) -> str:
    """One message; ``date`` in UTC as ``2023-07-24 09:00``, or ``raw_date`` as written."""
    headers = [
        f"From: {sender}",
        "To: regressions@lists.linux.dev",
        f"Subject: {subject}",
        f"Date: {raw_date or format_datetime(utc(date))}",
        f"Message-ID: <{msgid(name)}>",
    ]
    if parent:
        headers += [f"In-Reply-To: <{msgid(parent)}>", f"References: <{msgid(parent)}>"]
    return "\n".join(headers) + "\n\n" + body.rstrip("\n") + "\n"


def report(
    name: str,
    function: str,
    versions: str,
    *,
    date: str = "",
    raw_date: str | None = None,
    subject: str | None = None,
    culprit: str | None = None,
    sender: str = REPORTER,
) -> str:
    """A crash report the classifier tracks: the crash in ``function``, the versions."""
    blame = f'\nCaused by commit {culprit[:12]} ("{CULPRIT_SUBJECT}").\n' if culprit else ""
    body = f"Hi,\n\nthis crashes at boot:\n\n{CRASH.format(function=function)}\n{versions}\n{blame}"
    title = subject or f"[REGRESSION] drm/frob: NULL pointer dereference in {function}"
    return mail(name, title, body, date=date, raw_date=raw_date, sender=sender)


def reply(name: str, parent: str, body: str, *, date: str, sender: str = DEVELOPER) -> str:
    return mail(name, "Re: regression", body, date=date, sender=sender, parent=parent)


def _epoch(text: str) -> int:
    return int(utc(text).timestamp())


def build_repository(tmp_path: Path, git_env: dict[str, str]) -> tuple[KernelRepo, str]:
    """Mainline (v6.4, the culprit, v6.5-rc1, the fix of ``fixed`` on 27 July) and next
    (v6.5-rc1 and the fix of ``queued`` on 26 July); returns (repo, culprit)."""
    repo = KernelRepo(tmp_path / "linux", git_env)
    repo.commit("Linux 6.4\n", "Makefile", "VERSION = 6.4\n", _epoch("2023-06-25 20:00"))
    repo.git("tag", "v6.4")
    culprit = repo.commit(
        f"{CULPRIT_SUBJECT}\n\nSubscribe early.\n", "frob.c", "subscribe();\n",
        _epoch("2023-07-01 10:00"),
    )  # fmt: skip
    repo.commit("Linux 6.5-rc1\n", "Makefile", "VERSION = 6.5-rc1\n", _epoch("2023-07-09 20:00"))
    repo.git("tag", "v6.5-rc1")
    repo.checkout("-b", "next")
    repo.commit(
        "drm/frob: check the queue before use\n\nSigned-off-by: Carol Dev <carol@example.org>\n"
        f"Link: https://lore.kernel.org/r/{msgid('queued')}/\n",
        "queue.c", "if (queue) use(queue);\n", _epoch("2023-07-26 08:00"),
    )  # fmt: skip
    repo.checkout("master")
    repo.commit(
        "drm/frob: check the subscription before frobnicating\n\n"
        f'Fixes: {culprit[:12]} ("{CULPRIT_SUBJECT}")\n'
        "Signed-off-by: Carol Dev <carol@example.org>\n"
        f"Closes: https://lore.kernel.org/r/{msgid('fixed')}/\n",
        "frob.c", "if (dev) subscribe();\n", _epoch("2023-07-27 12:00"),
    )  # fmt: skip
    return repo, culprit


def world_mail(culprit: str) -> list[str]:
    """Every message of the fixed database (module doc)."""
    rc = MAINLINE.format
    return [
        report("fixed", "frob_subscribe", rc(rc=3), date="2023-07-24 09:00", culprit=culprit),
        report("sunday", "sun_attach", rc(rc=3), date="2023-07-30 23:59"),
        report("monday", "mon_attach", rc(rc=4), date="2023-07-31 00:00"),
        report(
            "tokyo",
            "tyo_attach",
            rc(rc=2),
            raw_date="Mon, 24 Jul 2023 08:30:00 +0900",
            sender="Kenji Tanaka <kenji@example.jp>",
        ),
        report("unmerged", "um_attach", rc(rc=1), date="2023-07-01 10:00"),
        reply("unmerged-fix", "unmerged", INLINE_FIX, date="2023-07-03 10:00"),
        report(
            "idle",
            "idle_attach",
            "It worked in v6.3 and broke in v6.4.",
            date="2023-06-20 10:00",
            sender="Bob Builder <bob@example.org>",
        ),
        reply("idle-poke", "idle", "#regzbot poke\n", date="2023-07-28 08:00", sender=TRACKER),
        report("dup", "dup_attach", rc(rc=2), date="2023-07-25 10:00"),
        reply(
            "dup-command",
            "dup",
            f"#regzbot dup: https://lore.kernel.org/r/{msgid('tokyo')}/\n",
            date="2023-07-26 10:00",
            sender=TRACKER,
        ),
        report("samesig", "idle_attach", rc(rc=3), date="2023-07-26 11:00"),
        report("resolved", "res_attach", rc(rc=1), date="2023-07-10 10:00"),
        reply(
            "resolved-command",
            "resolved",
            "#regzbot resolve: a firmware bug, not a kernel regression\n",
            date="2023-07-28 09:00",
            sender=TRACKER,
        ),
        report(
            "next",
            "nx_attach",
            "It worked in next-20230724 and broke in next-20230725.",
            date="2023-07-25 12:00",
        ),
        report(
            "stable",
            "st_attach",
            "It worked in v6.1.40 and broke in v6.1.41.",
            date="2023-07-26 12:00",
        ),
        report("queued", "q_attach", rc(rc=2), date="2023-07-18 10:00"),
        report(
            "script",
            "scr_attach",
            rc(rc=3),
            date="2023-07-27 10:00",
            subject="[REGRESSION] <script>alert(1)</script> NULL pointer dereference in scr_attach",
        ),
        report(
            "img",
            "img_attach",
            rc(rc=3),
            date="2023-07-27 11:00",
            subject='[REGRESSION] "><img src=x onerror=alert(2)> NULL pointer dereference',
        ),
    ]


def build_world(tmp_path: Path, git_env: dict[str, str]) -> Path:
    """The fixed database, written as a user would: ingest an mbox, scan-git both branches."""
    repo, culprit = build_repository(tmp_path, git_env)
    mbox = tmp_path / "world.mbox"
    mbox.write_text(
        "".join(f"From mboxrd@z Thu Jan  1 00:00:00 1970\n{m}\n" for m in world_mail(culprit))
    )
    database = tmp_path / "world.db"
    store = Store(database)
    try:
        summary = ingest(store, open_targets([str(mbox)], cursor_for=store.source_cursor))
        assert not summary.errors, summary.errors
        scan_branch(store, repo.path, "mainline", "master")
        scan_branch(store, repo.path, "next", "next")
        update_all(store)
    finally:
        store.close()
    return database


@pytest.fixture(scope="module", name="world_db")
def world_db_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixed database, built once per test module (git with a fixed identity)."""
    home = tmp_path_factory.mktemp("home")
    env = {
        **os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "regtrack tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
        "GIT_COMMITTER_NAME": "regtrack tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    }  # fmt: skip
    return build_world(tmp_path_factory.mktemp("world"), env)
