"""A patch whose Fixes: names the culprit: the regression's fix when it is the only one
posted since the report, else a note in the history (one culprit can cause several
regressions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.state.mailgit import Tracking, history, message, report

CULPRIT = "f00dfeedcafe0123456789abcdef0123456789ab"  # an "f" in the first 12: regzbot misses it


def _patch(fixes: str, msgid: str = "20230722.fixes-patch@example.org", file: str = "x.c") -> str:
    body = (
        "frob_init() used the subscription before it existed.\n\n"
        f'Fixes: {fixes} ("drm/frob: subscribe to frobnicator events")\n'
        "Signed-off-by: Carol Dev <carol@example.org>\n---\n"
        f"diff --git a/{file} b/{file}\n--- a/{file}\n+++ b/{file}\n@@ -1 +1 @@\n-a\n+b\n"
    )
    return message(
        msgid,
        "[PATCH] drm/frob: check the subscription first",
        body,
        date="2023-07-22 09:00",
    )


@pytest.mark.parametrize("written", [CULPRIT[:12], CULPRIT[:8], CULPRIT])
def test_the_one_patch_with_fixes_on_the_culprit_is_the_fix(
    tracking: Tracking, written: str
) -> None:
    tracking.mail(report(CULPRIT), _patch(written))
    record = tracking.regression()
    assert record.status == "fix-posted"
    assert [(f["msgid"], f["how"]) for f in record.fix_mails] == [
        ("20230722.fixes-patch@example.org", "fixes-culprit")
    ]
    assert history(record, "note") == []


def test_two_versions_of_one_patch_with_fixes_on_the_culprit_are_one_fix(
    tracking: Tracking,
) -> None:
    """v1 and v2 of the same patch are one fix, not two candidates."""
    v2 = _patch(CULPRIT[:12], "20230723.fixes-patch-v2@example.org").replace(
        "Subject: [PATCH] drm/frob", "Subject: [PATCH v2] drm/frob"
    )
    tracking.mail(report(CULPRIT), _patch(CULPRIT[:12]), v2)
    record = tracking.regression()
    assert record.status == "fix-posted"
    assert [(f["msgid"], f["how"]) for f in record.fix_mails] == [
        ("20230722.fixes-patch@example.org", "fixes-culprit"),
        ("20230723.fixes-patch-v2@example.org", "fixes-culprit"),
    ]
    assert "in 2 versions" in record.fix_mails[0]["evidence"]


def test_two_patches_with_fixes_on_the_culprit_are_noted(tracking: Tracking) -> None:
    """Two different patches (not versions of one): either may fix another regression of
    the culprit."""
    second = _patch(CULPRIT[:12], "20230723.other-patch@example.org", "other.c").replace(
        "check the subscription first", "drop a stale frobnicator"
    )
    tracking.mail(report(CULPRIT), _patch(CULPRIT[:12]), second)
    record = tracking.regression()
    assert record.status == "open"
    assert history(record, "note") == [
        "[PATCH] drm/frob: check the subscription first has a Fixes: tag for the culprit",
        "[PATCH] drm/frob: drop a stale frobnicator has a Fixes: tag for the culprit",
    ]


def test_fixes_on_another_commit_is_neither_fix_nor_note(tracking: Tracking) -> None:
    tracking.mail(report(CULPRIT), _patch("0123456789ab"))
    assert history(tracking.regression(), "note") == []
    assert tracking.regression().fix_mails == ()


def test_the_fix_is_found_whichever_mail_is_stored_first(tmp_path: Path) -> None:
    """Ingest updates the records new mail can change: the patch, stored after the report in
    a thread of its own, still reaches the report's record (and the other way round)."""
    for order in ((report(CULPRIT), _patch(CULPRIT[:12])), (_patch(CULPRIT[:12]), report(CULPRIT))):
        tracking = Tracking(tmp_path / str(len(list(tmp_path.iterdir()))))
        for mail in order:
            tracking.mail(mail)
        assert [f["how"] for f in tracking.regression().fix_mails] == ["fixes-culprit"]
        tracking.close()


def test_mail_stored_by_a_run_stopped_before_tracking_is_tracked_by_the_next(
    tmp_path: Path,
) -> None:
    """A run killed after storing its mail but before deriving the records (here: told not
    to track) leaves its messages pending; the next ingest, though it stores nothing new,
    tracks them, and a third one has nothing left to do."""
    from regtrack.ingest import ingest
    from regtrack.sources.detect import open_targets
    from regtrack.store import Store
    from tests.state.mailgit import MBOX_SEPARATOR

    mbox = tmp_path / "report.mbox"
    mbox.write_text(MBOX_SEPARATOR + report(CULPRIT) + "\n")
    store = Store(tmp_path / "t.db")

    def run(track: bool):  # type: ignore[no-untyped-def]
        sources = open_targets([str(mbox)], cursor_for=store.source_cursor, refresh=True)
        return ingest(store, sources, track=track)

    assert run(track=False).tracking is None and store.regressions() == []
    again = run(track=True)
    assert again.new == 0 and again.tracking is not None and again.tracking.regressions == 1
    assert [r.status for r in store.regressions()] == ["open"]
    assert run(track=True).tracking is None
    store.close()
