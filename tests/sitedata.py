"""The database the web report's tests draw: real mail in an mbox, a real git repository.

Four regressions, as ``regtrack ingest`` and ``regtrack scan-git`` leave
them: the frob regression of the tracking tests (its culprit named, fixed
in mainline by a commit whose ``Closes:`` names the report), an older open
one, and two whose subjects (and one reporter's name) are hostile HTML, so
every page has something to escape.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from regtrack.state import regression_id
from tests.state.mailgit import REPORT, Tracking, fix_message, linux, message, report

NOW = "2023-08-01"
FIXED_AT = 1_690_200_000  # 2023-07-24 12:00 UTC: the fixing commit, after the report
SCRIPT_SUBJECT = (
    "[REGRESSION] <script>window.pwned=1;alert(1)</script> NULL pointer dereference in beta_probe"
)
IMG_SUBJECT = (
    '[REGRESSION] "><img src=x onerror="window.pwned=2;alert(2)"> NULL pointer dereference '
    "in gamma_open"
)
HOSTILE_REPORTER = '"Eve <b onmouseover=alert(3)>Evil" <eve@example.org>'
HOSTILE_LINK_MAIL = "20230726080000.gamma-link@example.org"
# A #regzbot link: whose URL and title try to leave the href attribute and the text.
HOSTILE_LINK = (
    '#regzbot link: https://example.org/"><img/src=x/onerror=window.pwned=4> '
    "<script>window.pwned=5</script> the same bug\n"
)
OLD_REPORT = "20230701080000.alpha@example.org"
SCRIPT_REPORT = "20230715080000.beta@example.org"
IMG_REPORT = "20230725080000.gamma/odd#id%@example.org"

CRASH = """\
Hi,

since next-20230710 my machine crashes at boot:

BUG: kernel NULL pointer dereference, address: 0000000000000008
Oops: 0000 [#1] PREEMPT SMP NOPTI
RIP: 0010:{function}+0x1c/0x80
Call Trace:
 <TASK>
 {function}+0x1c/0x80
 really_probe+0x19b/0x3e0
 </TASK>

It worked with next-20230707.

Ada
"""


def crash(
    msgid: str, subject: str, date: str, author: str = "Ada Reporter <ada@example.org>"
) -> str:
    function = subject.rsplit(" ", 1)[-1]
    return message(msgid, subject, CRASH.format(function=function), date=date, author=author)


def build(tmp_path: Path, git_env: dict[str, str]) -> Path:
    """The database (closed) with the four regressions; returns its path."""
    tracking = Tracking(tmp_path)
    try:
        repo, culprit = linux(tmp_path, git_env)
        tracking.mail(
            report(culprit),
            crash(OLD_REPORT, "[REGRESSION] net: NULL pointer dereference in alpha_xmit",
                  "2023-07-01 08:00"),
            crash(SCRIPT_REPORT, SCRIPT_SUBJECT, "2023-07-15 08:00"),
            crash(IMG_REPORT, IMG_SUBJECT, "2023-07-25 08:00", author=HOSTILE_REPORTER),
            message(HOSTILE_LINK_MAIL, f"Re: {IMG_SUBJECT}", HOSTILE_LINK, date="2023-07-26 08:00",
                    author=HOSTILE_REPORTER, parent=IMG_REPORT),
        )  # fmt: skip
        closes = fix_message(f"Closes: https://lore.kernel.org/r/{REPORT}")
        repo.commit(closes, "a.c", "1\n", FIXED_AT)
        tracking.scan(repo, "mainline")
        found = {r.report for r in tracking.store.regressions()}
        assert found == {REPORT, OLD_REPORT, SCRIPT_REPORT, IMG_REPORT}, found
    finally:
        tracking.close()
    return tmp_path / "tracking.db"


FROB = regression_id(REPORT)
OLD = regression_id(OLD_REPORT)
SCRIPT = regression_id(SCRIPT_REPORT)
IMG = regression_id(IMG_REPORT)


GIT_ENV = {
    "GIT_AUTHOR_NAME": "regtrack tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "regtrack tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def build_isolated(folder: Path) -> Path:
    """:func:`build` for a module-scoped fixture, with the isolation conftest's
    function-scoped fixtures give (no user config, cache or git config read)."""
    with pytest.MonkeyPatch.context() as patch:
        for variable in ("REGTRACK_DB", "REGTRACK_LORE", "REGTRACK_CACHE", "REGTRACK_CONFIG"):
            patch.delenv(variable, raising=False)
        for variable, sub in (("HOME", ""), ("XDG_CONFIG_HOME", "config"),
                              ("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data")):  # fmt: skip
            patch.setenv(variable, str(folder / "home" / sub))
        return build(folder, {**os.environ, **GIT_ENV})
