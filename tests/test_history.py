"""A regression's status at a moment, replayed from its record (regtrack.history).

The records here are written out as tracking would write them (the same
fields, events and fixing commits), one per way a status moves; the digest
tests check the same on records derived from mail and git, and on the whole
2023 corpus.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from regtrack.history import History, last_activity_at
from regtrack.store.regressions import Event, Regression

REPORT = "r@example.org"


def at(day: int, hour: int = 12) -> str:
    return datetime(2023, 7, day, hour, tzinfo=UTC).isoformat()


def record(status: str, *events: Event, tree: str = "mainline", **fields: Any) -> Regression:
    return Regression(
        id="0123456789ab", report=REPORT, title="t", status=status, reporter="A <a@b>",
        reported_at=at(1), score=5, reasons=(), created_by="classifier", tree=tree,
        tree_source=None, culprit=None, flags=(), first_activity=at(1),
        last_activity=max([at(1)] + [e.at for e in events if e.at and e.kind != "poke"]),
        activities=1, events=(Event(at(1), "reported", "reported", "mail", REPORT), *events),
        **fields,
    )  # fmt: skip


def commit(day: int, effect: str, tree: str = "mainline", **more: Any) -> dict[str, Any]:
    return {"sha": f"{day:02d}" * 20, "subject": "fix", "tree": tree, "branch": "master",
            "at": at(day), "how": "Link:", "evidence": "", "effect": effect,
            "reverted_by": [], **more}  # fmt: skip


def mail_event(day: int, kind: str, text: str) -> Event:
    return Event(at(day), kind, text, "mail", f"{kind}-{day}@example.org")


FIX_MAIL = {"msgid": "fix@example.org", "subject": "[PATCH] fix", "author": "D", "at": at(3),
            "how": "closes", "evidence": ""}  # fmt: skip

CASES = [
    pytest.param(
        record("fixed", fix_mails=(FIX_MAIL,), fix_commits=(commit(5, "fixed"),)),
        {0: None, 2: "open", 3: "fix-posted", 5: "fixed", 9: "fixed"},
        id="a fix mail then a fixing commit in its own tree",
    ),
    pytest.param(
        record("fix-queued", fix_commits=(commit(4, "fix-queued", tree="next"),)),
        {3: "open", 4: "fix-queued"},
        id="a fixing commit upstream queues the fix",
    ),
    pytest.param(
        record(
            "fix-posted",
            mail_event(7, "fix-reverted", "reverted"),
            fix_mails=(FIX_MAIL,),
            fix_commits=(commit(5, "reverted", reverted_by=["fix-reverted-7@example.org"]),),
        ),
        {4: "fix-posted", 5: "fixed", 6: "fixed", 7: "fix-posted"},
        id="a fixing commit counts until its revert",
    ),
    pytest.param(
        record(
            "resolved", mail_event(4, "resolved", "resolved: user error"), resolution="user error"
        ),
        {3: "open", 4: "resolved", 9: "resolved"},
        id="resolve closes it",
    ),
    pytest.param(
        record(
            "open",
            mail_event(4, "inconclusive", "inconclusive"),
            mail_event(6, "reopened", "reopened"),
        ),
        {4: "inconclusive", 6: "open"},
        id="reopen undoes a close",
    ),
    pytest.param(
        record("fixed", mail_event(4, "resolved", "resolved"), fix_commits=(commit(6, "fixed"),)),
        {4: "resolved", 6: "fixed"},
        id="a fixing commit after a resolve makes it fixed, as in regzbot",
    ),
    pytest.param(
        record(
            "resolved", mail_event(6, "resolved", "resolved"), fix_commits=(commit(4, "fixed"),)
        ),
        {4: "fixed", 6: "resolved"},
        id="a resolve after the fixing commit stands",
    ),
    pytest.param(
        record(
            "duplicate",
            mail_event(5, "duplicate", "duplicate of 999999999999"),
            duplicate_of="999999999999",
        ),
        {4: "open", 5: "duplicate"},
        id="dup makes it a duplicate",
    ),
    pytest.param(
        record("open", mail_event(5, "duplicate", "888888888888 is a duplicate of this")),
        {4: "open", 9: "open"},
        id="a duplicate of it leaves the main one open",
    ),
]


@pytest.mark.parametrize(("regression", "expected"), CASES)
def test_status_at(regression: Regression, expected: dict[int, str | None]) -> None:
    history = History(regression)
    moments = {day: datetime(2023, 7, day or 1, 12, tzinfo=UTC) for day in expected}
    moments[0] = datetime(2023, 6, 30, tzinfo=UTC)  # before the report
    found = {day: history.status_at(moments[day]) for day in expected}
    assert found == expected
    assert history.status_at(datetime(9999, 1, 1, tzinfo=UTC)) == regression.status


def test_last_activity_by_a_moment_skips_pokes_and_later_mail() -> None:
    regression = record(
        "open", mail_event(4, "note", "a reply"), mail_event(6, "poke", "poked"),
        mail_event(8, "note", "another reply"),
    )  # fmt: skip
    assert last_activity_at(regression, datetime(2023, 7, 7, tzinfo=UTC)) == datetime(
        2023, 7, 4, 12, tzinfo=UTC
    )
    assert last_activity_at(regression, datetime(2023, 7, 9, tzinfo=UTC)) == datetime(
        2023, 7, 8, 12, tzinfo=UTC
    )
