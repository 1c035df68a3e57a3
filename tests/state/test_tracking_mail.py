"""Regression tracking from mail alone: culprits, duplicates, fix mails, what never becomes
a regression, order and reprocess invariance (``test_tracking_cli.py`` has the commands that
show the records).

Each test writes real mail threads, ingests them into a real SQLite file in
``tmp_path`` and reads the records back.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from regtrack.state import update_all
from regtrack.store import Store
from tests.state.mailthreads import (
    CRASH_BODY,
    DEVELOPER,
    INLINE_FIX,
    MAINTAINER,
    REPORTER,
    TRACKER,
    Mail,
    crash_report,
    ingest_mails,
    mail,
    opened,
    patch_body,
    record,
    run,
    snapshot,
    unhandled,
)

# -- the culprit comes from the whole thread ----------------------------------------------------


def test_a_bisect_in_a_reply_beats_the_reports_vaguer_guess(store: Store, tmp_path: Path) -> None:
    report = crash_report(extra='\nMaybe this is caused by commit 0a0a0a0a ("foo: rework bar").\n')
    bisect = mail(
        "bisect@example.org",
        "I bisected it:\n\nc0ffee11c0ffee11c0ffee11c0ffee11c0ffee11 is the first bad commit\n",
        reply_to=report,
        sender=MAINTAINER,
        hours=3,
    )
    ingest_mails(store, tmp_path, report, bisect)
    culprit = record(store, report).culprit
    assert culprit["commit"] == "c0ffee11c0ffee11c0ffee11c0ffee11c0ffee11"
    assert (culprit["named_by"], culprit["msgid"], culprit["how"]) == (
        MAINTAINER,
        bisect.msgid,
        "first-bad",
    )
    guesses = [c["commit"] for c in record(store, report).culprit_candidates]
    assert "0a0a0a0a" in guesses  # the guess is kept, with who said it


def test_a_later_more_specific_statement_replaces_an_earlier_guess(
    store: Store, tmp_path: Path
) -> None:
    report = crash_report()
    guess = mail(
        "guess@example.org", "This looks introduced by 1111111111aa to me.\n", reply_to=report,
        sender=DEVELOPER, hours=1,
    )  # fmt: skip
    better = mail(
        "better@example.org",
        'Not that one: I bisected it to 2222222222bb ("foo: cache bar pointers").\n',
        reply_to=guess,
        sender=REPORTER,
        hours=5,
    )
    ingest_mails(store, tmp_path, report, guess, better)
    culprit = record(store, report).culprit
    assert (culprit["commit"], culprit["subject"]) == ("2222222222bb", "foo: cache bar pointers")
    assert (culprit["named_by"], culprit["msgid"]) == (REPORTER, better.msgid)
    events = [(e.source, e.kind) for e in record(store, report).events if e.kind == "culprit"]
    assert events == [(guess.msgid, "culprit"), (better.msgid, "culprit")]


# -- duplicates --------------------------------------------------------------------------------


def _two_reports() -> tuple[Mail, Mail]:
    older = crash_report("older@example.org", function="bar_init")
    younger = crash_report("younger@example.org", function="baz_init", hours=24)
    return older, younger


@pytest.mark.parametrize(
    "in_thread", ["older", "younger"], ids=lambda w: f"dup written in the {w} thread"
)
def test_the_younger_report_becomes_the_duplicate_whatever_the_direction(
    store: Store, tmp_path: Path, in_thread: str
) -> None:
    older, younger = _two_reports()
    where, other = (older, younger) if in_thread == "older" else (younger, older)
    command = mail(
        "dup@example.org", f"#regzbot dup: {other.url}\n", reply_to=where, sender=TRACKER, hours=30
    )
    ingest_mails(store, tmp_path, older, younger, command)
    dup, main_record = record(store, younger), record(store, older)
    assert (dup.status, dup.duplicate_of) == ("duplicate", older.id)
    assert (main_record.status, main_record.duplicate_of, main_record.duplicates) == (
        "open",
        None,
        (younger.id,),
    )


def test_activity_of_the_duplicate_counts_for_the_main_regression(
    store: Store, tmp_path: Path
) -> None:
    older, younger = _two_reports()
    command = mail("dup@example.org", f"#regzbot dup-of: {older.url}\n", reply_to=younger, hours=30)
    late = mail("late@example.org", "Still there in next-20230801.\n", reply_to=command, hours=200)
    ingest_mails(store, tmp_path, older, younger, command, late)
    main_record = record(store, older)
    assert main_record.last_activity == "2023-07-18T16:00:00+00:00"
    assert main_record.activities == 1 + 3


def test_a_fix_posted_for_the_duplicate_moves_the_main_regression(
    store: Store, tmp_path: Path
) -> None:
    older, younger = _two_reports()
    command = mail("dup@example.org", f"#regzbot dup: {older.url}\n", reply_to=younger, hours=30)
    fix = mail("fix@example.org", INLINE_FIX, reply_to=younger, sender=DEVELOPER, hours=40)
    ingest_mails(store, tmp_path, older, younger, command, fix)
    main_record = record(store, older)
    assert main_record.status == "fix-posted"
    assert [(f["msgid"], f.get("via")) for f in main_record.fix_mails] == [(fix.msgid, younger.id)]
    assert record(store, younger).status == "duplicate"


def test_the_main_regression_lists_the_duplicates_fixes_too(store: Store, tmp_path: Path) -> None:
    older, younger = _two_reports()
    own_fix = mail("own-fix@example.org", INLINE_FIX, reply_to=older, sender=DEVELOPER, hours=25)
    command = mail("dup@example.org", f"#regzbot dup: {older.url}\n", reply_to=younger, hours=30)
    closing = mail(
        "closing@example.org",
        patch_body().replace("Signed-off-by:", f"Closes: {younger.url}\nSigned-off-by:"),
        subject="[PATCH] foo: check bar before use",
        hours=40,
    )
    ingest_mails(store, tmp_path, older, younger, own_fix, command, closing)
    main_record = record(store, older)
    assert main_record.status == "fix-posted"
    assert [(f["msgid"], f.get("via")) for f in main_record.fix_mails] == [
        (own_fix.msgid, None),
        (closing.msgid, younger.id),
    ]


def test_dup_naming_a_message_nobody_tracks_is_unhandled(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    unrelated = mail("unrelated@example.org", "Is this known?\n", subject="a question", hours=1)
    command = mail(
        "dup@example.org", f"#regzbot dup: {unrelated.url}\n", reply_to=report, sender=TRACKER,
        hours=2,
    )  # fmt: skip
    ingest_mails(store, tmp_path, report, unrelated, command)
    assert record(store, report).status == "open"
    ((text, reason),) = unhandled(store)[command.msgid]
    assert (text, reason) == (
        f"#regzbot dup: {unrelated.url}",
        "the report it names is not tracked here",
    )


def test_dup_naming_a_message_not_stored_is_unhandled(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    url = "https://lore.kernel.org/all/never-seen@example.org/"
    command = mail("dup@example.org", f"#regzbot dup: {url}\n", reply_to=report, hours=2)
    ingest_mails(store, tmp_path, report, command)
    assert [r.report for r in store.regressions()] == [report.msgid]
    assert len(unhandled(store)[command.msgid]) == 1


def test_the_same_crash_in_two_threads_stays_two_regressions(store: Store, tmp_path: Path) -> None:
    one = crash_report("one@example.org", function="bar_init")
    two = crash_report("two@example.org", function="bar_init", hours=48, sender=MAINTAINER)
    ingest_mails(store, tmp_path, one, two)
    first, second = record(store, one), record(store, two)
    assert first.signatures[0]["signature"] == second.signatures[0]["signature"]
    assert (first.status, second.status) == ("open", "open")
    assert (first.duplicate_of, second.duplicate_of, first.duplicates) == (None, None, ())


# -- fix mails ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "named",
    ["mm: fix foo", "Re: [PATCH] mm: fix foo", "'MM: FIX FOO'"],
    ids=["plain subject", "with Re: and [PATCH]", "quoted, other case"],
)
def test_fix_by_subject_matches_a_later_patch_after_stripping_prefixes_and_case(
    store: Store, tmp_path: Path, named: str
) -> None:
    report = crash_report()
    command = mail("fixcmd@example.org", f"#regzbot fix: {named}\n", reply_to=report, hours=1)
    patch = mail(
        "patch-v2-1@example.org", patch_body(), subject="[PATCH v2 1/3] mm: Fix foo", hours=10
    )
    ingest_mails(store, tmp_path, report, command, patch)
    found = record(store, report)
    assert found.status == "fix-posted"
    assert [(f["msgid"], f["how"]) for f in found.fix_mails] == [(patch.msgid, "fix-command")]


@pytest.mark.parametrize("named", ["mm: fix foo", "Re: [PATCH] mm: FIX foo"])
@pytest.mark.parametrize("patch_first", [True, False], ids=["patch stored first", "command first"])
def test_fix_by_subject_is_found_whichever_mail_is_ingested_first(
    store: Store, tmp_path: Path, named: str, patch_first: bool
) -> None:
    report = crash_report()
    command = mail("fixcmd@example.org", f"#regzbot fix: {named}\n", reply_to=report, hours=1)
    patch = mail(
        "patch-v2-1@example.org", patch_body(), subject="[PATCH v2 1/3] mm: Fix foo", hours=10
    )
    ingest_mails(store, tmp_path, report)
    for one in (patch, command) if patch_first else (command, patch):
        ingest_mails(store, tmp_path, one)
    found = record(store, report)
    assert (found.status, [f["msgid"] for f in found.fix_mails]) == ("fix-posted", [patch.msgid])


def test_fix_by_subject_ignores_a_patch_posted_before_the_report(
    store: Store, tmp_path: Path
) -> None:
    earlier = mail("patch-v1@example.org", patch_body(), subject="[PATCH] mm: fix foo", hours=-48)
    report = crash_report()
    command = mail("fixcmd@example.org", "#regzbot fix: mm: fix foo\n", reply_to=report, hours=1)
    ingest_mails(store, tmp_path, earlier, report, command)
    found = record(store, report)
    assert (found.status, found.fix_mails) == ("fix-posted", ())  # named, not yet posted
    later = mail("patch-v2@example.org", patch_body(), subject="[PATCH v2] mm: fix foo", hours=20)
    ingest_mails(store, tmp_path, later)
    assert [f["msgid"] for f in record(store, report).fix_mails] == [later.msgid]


def test_a_patch_closing_a_reply_of_the_thread_is_a_fix(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    reply = mail("confirm@example.org", "I see it too.\n", reply_to=report, hours=1)
    patch = mail(
        "closing-patch@example.org",
        patch_body().replace(
            "Signed-off-by:",
            f"Closes: https://lore.kernel.org/all/{reply.msgid}/\nSigned-off-by:",
        ),
        subject="[PATCH] foo: check bar before use",
        hours=10,
    )
    ingest_mails(store, tmp_path, report, reply, patch)
    found = record(store, report)
    assert found.status == "fix-posted"
    ((fix,),) = [found.fix_mails]
    assert (fix["msgid"], fix["how"]) == (patch.msgid, "closes")
    assert reply.msgid in fix["evidence"]


def test_an_inline_diff_in_a_reply_is_a_fix(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    fix = mail("inline@example.org", INLINE_FIX, reply_to=report, sender=DEVELOPER, hours=2)
    ingest_mails(store, tmp_path, report, fix)
    found = record(store, report)
    assert found.status == "fix-posted"
    assert [(f["msgid"], f["how"]) for f in found.fix_mails] == [(fix.msgid, "inline-diff")]


def test_a_review_that_links_the_report_makes_the_patch_it_answers_the_fix(
    store: Store, tmp_path: Path
) -> None:
    report = crash_report()
    patch = mail(
        "patch@example.org", "Check bar first.\n\n" + patch_body("drivers/foo/foo.c"),
        subject="[PATCH] foo: check bar before use", sender=DEVELOPER, hours=3,
    )  # fmt: skip
    review = mail(
        "review@example.org",
        f"Please add these:\n\nLink: https://lore.kernel.org/r/{report.msgid}\n"
        "Acked-by: Mia Maintainer <mia@example.org>\n",
        reply_to=patch, sender=MAINTAINER, hours=4,
    )  # fmt: skip
    ingest_mails(store, tmp_path, report, patch, review)
    found = record(store, report)
    ((fix,),) = [found.fix_mails]
    assert (fix["msgid"], fix["how"]) == (patch.msgid, "link")
    assert review.msgid in fix["evidence"]


def test_a_trace_only_in_a_reply_is_the_regressions(store: Store, tmp_path: Path) -> None:
    report = mail(
        "boot@example.org",
        "Hi,\n\nsince next-20230710 my machine no longer boots; the log is below later.\n",
        subject="[REGRESSION] next-20230710: boot failure on my laptop",
        sender=REPORTER,
    )
    log = CRASH_BODY.format(function="bar_init").replace("Hi,", "Here is the log:")
    reply = mail("log@example.org", log, reply_to=report, sender=REPORTER, hours=1)
    ingest_mails(store, tmp_path, report, reply)
    found = record(store, report)
    assert [(s["kind"], s["title"], s["msgid"]) for s in found.signatures] == [
        ("crash", "BUG: unable to handle kernel NULL pointer dereference in bar_init", reply.msgid)
    ]


def test_a_mail_a_patchs_closes_names_is_a_report(store: Store, tmp_path: Path) -> None:
    patch = mail(
        "v1@example.org", "Make foo faster.\n\n" + patch_body("drivers/foo/foo.c"),
        subject="[PATCH] foo: make it faster", sender=DEVELOPER,
    )  # fmt: skip
    reply = mail(
        "breaks@example.org", "With this applied my board warns at boot; log on request.\n",
        reply_to=patch, sender=REPORTER, hours=1,
    )  # fmt: skip
    announcement = mail(
        "tree@example.org", "Changes since yesterday: many.\n",
        subject="linux-next: Tree for Jul 10", sender=MAINTAINER, hours=2,
    )  # fmt: skip
    fix = mail(
        "fix@example.org",
        "Undo the part that warns.\n\n"
        + patch_body("drivers/foo/foo.c", guard="g").replace(
            "Signed-off-by:",
            f"Closes: https://lore.kernel.org/r/{reply.msgid}\n"
            f"Closes: https://lore.kernel.org/r/{announcement.msgid}\nSigned-off-by:",
        ),
        subject="[PATCH] foo: do not warn at boot", sender=DEVELOPER, hours=3,
    )  # fmt: skip
    ingest_mails(store, tmp_path, patch, reply, announcement, fix)
    (found,) = store.regressions()  # the announcement a stray Closes: names is none
    assert (found.report, found.created_by, found.status) == (reply.msgid, "closes", "fix-posted")
    assert [(f["msgid"], f["how"]) for f in found.fix_mails] == [(fix.msgid, "closes")]
    for order in ((fix, patch, reply), (reply, announcement, fix, patch)):  # one mail at a time
        with opened(tmp_path / f"one-by-one-{len(order)}.db") as other:
            for one in order:
                ingest_mails(other, tmp_path, one)
            assert [r.to_json() for r in other.regressions()] == [found.to_json()]


def _fix_of_a_fix(reported_at: int, fixes_title: str) -> tuple[Mail, ...]:
    """A report, a fix posted in its thread, a reviewer's reply that shows a warning the
    fix leaves, and a later patch whose Closes: names that reply and whose Fixes: names
    the commit titled ``fixes_title``."""
    report = crash_report()
    fix = mail(
        "fix-v2@example.org", patch_body("drivers/foo/foo.c"),
        subject="[PATCH v2] foo: check the bar pointer", reply_to=report, sender=DEVELOPER,
        hours=2,
    )  # fmt: skip
    review = mail(
        "review@example.org",
        "Please drop the second ':' so that kernel-doc does not complain:\n\n"
        "drivers/foo/foo.c:12: warning: Function parameter or member 'bar' not described in "
        "'foo'\n",
        reply_to=fix, sender=MAINTAINER, hours=reported_at,
    )  # fmt: skip
    closing = mail(
        "fix-of-fix@example.org",
        "kernel-doc complained about a superfluous ':'.\n\n"
        + patch_body("drivers/foo/foo.c", guard="g").replace(
            "Signed-off-by:",
            f"Closes: https://lore.kernel.org/all/{review.msgid}/\n"
            f'Fixes: 5a5a5a5a5a5a ("{fixes_title}")\nSigned-off-by:',
        ),
        subject="[PATCH] foo: drop a superfluous ':' in a doc string", sender=DEVELOPER,
        hours=reported_at + 24,
    )  # fmt: skip
    return report, fix, review, closing


def test_what_a_fix_posted_in_the_thread_broke_is_a_regression_of_its_own(
    store: Store, tmp_path: Path
) -> None:
    report, fix, review, closing = _fix_of_a_fix(30, "foo: check the bar pointer")
    ingest_mails(store, tmp_path, report, fix, review, closing)
    first, second = sorted(store.regressions(), key=lambda r: r.reported_at or "")
    assert first.report == report.msgid
    assert [f["msgid"] for f in first.fix_mails] == [fix.msgid]  # not the fix's own fix
    assert (second.report, second.created_by) == (review.msgid, "closes")
    assert [(f["msgid"], f["how"]) for f in second.fix_mails] == [(closing.msgid, "closes")]
    assert second.culprit is not None and second.culprit["commit"] == "5a5a5a5a5a5a"
    assert review.msgid not in [m for m, _ in first.messages]
    with opened(tmp_path / "backwards.db") as other:  # one mail at a time, newest first
        for one in (closing, review, fix, report):
            ingest_mails(other, tmp_path, one)
        again = sorted(other.regressions(), key=lambda r: r.reported_at or "")
        assert [r.to_json() for r in again] == [first.to_json(), second.to_json()]


def test_a_closes_naming_a_reply_about_the_threads_own_problem_stays_with_it(
    store: Store, tmp_path: Path
) -> None:
    # The closing patch fixes something else than the patch the reply answers: the reply
    # says more about the thread's report, and the patch is that report's fix.
    report, fix, review, closing = _fix_of_a_fix(30, "foo: rework bar")
    ingest_mails(store, tmp_path, report, fix, review, closing)
    (found,) = store.regressions()
    assert found.report == report.msgid
    assert [f["msgid"] for f in found.fix_mails] == [fix.msgid, closing.msgid]


def test_a_tester_pasting_the_diff_they_tried_posts_no_fix_of_their_own(
    store: Store, tmp_path: Path
) -> None:
    report = crash_report()
    proposal = mail("proposal@example.org", INLINE_FIX, reply_to=report, sender=DEVELOPER, hours=1)
    tested = INLINE_FIX.replace("Does this help?", "Your patch works perfectly, I tested this:")
    paste = mail("tested@example.org", tested, reply_to=proposal, sender=REPORTER, hours=5)
    ingest_mails(store, tmp_path, report, proposal, paste)
    found = record(store, report)
    assert [(f["msgid"], f["how"]) for f in found.fix_mails] == [(proposal.msgid, "inline-diff")]


def _quoting_reply(report, body: str):
    """A reply that answers a diff the archive lacks: it quotes that diff, then speaks."""
    lost = mail("lost@example.org", INLINE_FIX, reply_to=report, sender=DEVELOPER, hours=1)
    quoted = "\n".join("> " + line if line else ">" for line in INLINE_FIX.split("\n"))
    return lost, mail(
        "quoting@example.org", f"{quoted}\n\n{body}\n", reply_to=lost, sender=MAINTAINER, hours=2
    )


def test_a_diff_known_only_as_a_reply_quotes_it_is_a_fix(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    _lost, reply = _quoting_reply(report, "Ah, yeah, this is correct. Naresh, can you confirm?")
    ingest_mails(store, tmp_path, report, reply)  # the diff's own mail never reached the list
    found = record(store, report)
    assert found.status == "fix-posted"
    ((fix,),) = [found.fix_mails]
    assert (fix["msgid"], fix["how"]) == (reply.msgid, "quoted-diff")
    assert "drivers/foo/foo.c" in fix["evidence"] and "<lost@example.org>" in fix["evidence"]


def test_a_quoted_diff_whose_mail_is_stored_is_that_mails_fix(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    lost, reply = _quoting_reply(report, "Ah, yeah, this is correct.")
    ingest_mails(store, tmp_path, report, lost, reply)
    found = record(store, report)
    assert [(f["msgid"], f["how"]) for f in found.fix_mails] == [(lost.msgid, "inline-diff")]


def test_a_quoted_diff_said_not_to_help_is_no_fix(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    _lost, reply = _quoting_reply(report, "Sorry, this doesn't help: I still see the crash.")
    ingest_mails(store, tmp_path, report, reply)
    found = record(store, report)
    assert (found.status, found.fix_mails) == ("open", ())


NOT_REPORTS = {
    "a patch posting": mail(
        "patch@example.org",
        "Fix the NULL pointer dereference regression in bar_init:\n\n"
        "BUG: kernel NULL pointer dereference, address: 0000000000000008\n\n" + patch_body(),
        subject="[PATCH] foo: fix NULL pointer dereference regression in bar_init",
    ),
    "a CI result about a patch": mail(
        "ci@example.org",
        "== Series Details ==\n\nSeries: mm: fix foo\nURL   : https://patchwork.freedesktop.org/"
        "series/121234/\nState : failure\n\n== Summary ==\n\nError: make failed\n"
        "  CALL    scripts/checksyscalls.sh\n"
        "mm/foo.c:12:9: error: implicit declaration of function 'get_foo'\n"
        "make[2]: *** [scripts/Makefile.build:243: mm/foo.o] Error 1\n",
        subject="✗ Fi.CI.BUILD: failure for mm: fix foo (rev2)",
        sender="Patchwork <patchwork@emeril.freedesktop.org>",
    ),
    "a linux-next merge conflict notice": mail(
        "merge@example.org",
        "Hi all,\n\nToday's linux-next merge of the mm tree got a conflict in:\n\n"
        '  mm/foo.c\n\nbetween commit:\n\n  1234567890ab ("mm: fix foo")\n\n'
        'from the mm-hotfixes tree and commit:\n\n  abcdef123456 ("mm: rework foo")\n\n'
        "from the mm tree.\n\nI fixed it up (see below) and can carry the fix as necessary.\n\n"
        "-- \nCheers,\nStephen Rothwell\n",
        subject="linux-next: manual merge of the mm tree with the mm-hotfixes tree",
        sender="Stephen Rothwell <sfr@canb.auug.org.au>",
    ),
    "a daily Tree for announcement": mail(
        "tree@example.org",
        "Hi all,\n\nChanges since 20230707:\n\nThe mm tree gained a conflict against the "
        "mm-hotfixes tree.\n\nThe drm tree still had its build failure for which I reverted "
        "a commit.\n\nNon-merge commits (relative to Linus' tree): 5123\n",
        subject="linux-next: Tree for Jul 10",
        sender="Stephen Rothwell <sfr@canb.auug.org.au>",
    ),
    "a pull request": mail(
        "pull@example.org",
        "Hi Linus,\n\nplease pull these regression fixes: a NULL pointer dereference in "
        "bar_init since 6.5-rc1 and a boot crash.\n\nThe following changes since commit "
        "06c2afb862f9da8dc5efa4b6076a0e48c3fbaaa5:\n\n  Linux 6.5-rc1 (2023-07-09 13:53:13 "
        "-0700)\n\nare available in the Git repository at:\n\n  git://git.kernel.org/pub/scm/"
        "linux/kernel/git/foo/foo.git tags/foo-fixes-6.5-rc2\n",
        subject="[GIT PULL] foo fixes for 6.5-rc2",
        sender=MAINTAINER,
    ),
}


@pytest.mark.parametrize("kind", sorted(NOT_REPORTS))
def test_never_a_regression(store: Store, tmp_path: Path, kind: str) -> None:
    ingest_mails(store, tmp_path, NOT_REPORTS[kind])
    assert store.regressions() == []


# -- order and reprocess invariance ------------------------------------------------------------


def _story() -> list[Mail]:
    """Two reports, a duplicate, commands, a fix by subject, a Closes: patch, a monitor."""
    older, younger = _two_reports()
    elsewhere = mail("elsewhere@example.org", "Also seen here.\n", subject="same here", hours=2)
    title = mail(
        "title@example.org",
        f"#regzbot title: foo oopses at boot\n#regzbot monitor: {elsewhere.url}\n",
        reply_to=older, sender=TRACKER, hours=3,
    )  # fmt: skip
    bisect = mail(
        "bisect@example.org", 'I bisected it to 2222222222bb ("foo: cache bar").\n',
        reply_to=title, sender=REPORTER, hours=5,
    )  # fmt: skip
    fix_named = mail(
        "fixcmd@example.org", "#regzbot fix: mm: fix foo\n\n#regzbot frobnicate\n",
        reply_to=bisect, sender=TRACKER, hours=6,
    )  # fmt: skip
    dup = mail(
        "dup@example.org", f"#regzbot dup: {older.url}\n", reply_to=younger, sender=TRACKER,
        hours=30,
    )  # fmt: skip
    patch = mail("patch@example.org", patch_body(), subject="[PATCH v2 1/3] mm: Fix foo", hours=40)
    closing = mail(
        "closing@example.org",
        patch_body("drivers/baz.c").replace(
            "Signed-off-by:", f"Closes: {younger.url}\nSigned-off-by:"
        ),
        subject="[PATCH] baz: check bar",
        hours=41,
    )
    poke = mail("poke@example.org", "#regzbot poke\n", reply_to=dup, sender=TRACKER, hours=50)
    return [older, younger, elsewhere, title, bisect, fix_named, dup, patch, closing, poke]


def _second_story() -> list[Mail]:
    """A fix in a reply, a Closes: to a reply, a report made by command and tracked from
    another thread with use, a duplicate across threads, a monitor, a close."""
    report = crash_report("second@example.org")
    same = mail("same@example.org", "Same here.\n", reply_to=report, sender=MAINTAINER, hours=1)
    inline = mail("inline@example.org", INLINE_FIX, reply_to=same, hours=2)
    closing = mail(
        "closing@example.org",
        patch_body("drivers/foo/foo.c").replace(
            "Signed-off-by:", f"Closes: {same.url}\nSigned-off-by:"
        ),
        subject="[PATCH] foo: check bar",
        hours=3,
    )
    review = mail("review@example.org", "Looks good.\n", reply_to=closing, hours=4)
    root = mail(
        "plain@example.org", "My laptop hangs on resume.\n", subject="laptop hangs on resume",
        sender=REPORTER, hours=5,
    )  # fmt: skip
    introduced = mail(
        "introduced@example.org",
        "#regzbot introduced: v6.4..v6.5-rc1 ^\n#regzbot ignore-activity\n",
        reply_to=root, sender=TRACKER, hours=6,
    )  # fmt: skip
    use = mail(
        "use@example.org",
        f"#regzbot use: {root.url}\n#regzbot title: resume hang\n"
        "#regzbot unlink: https://lore.kernel.org/all/never@example.org/\n",
        subject="status", sender=TRACKER, hours=7,
    )  # fmt: skip
    later = mail("later@example.org", "Still hangs.\n", reply_to=introduced, hours=8)
    dup = mail(
        "dup@example.org", f"#regzbot dup: {report.url}\n", reply_to=later, sender=TRACKER,
        hours=9,
    )  # fmt: skip
    monitor = mail(
        "monitor@example.org", f"#regzbot monitor: {review.url}\n\n#regzbot backburner: slow\n",
        reply_to=report, sender=TRACKER, hours=10,
    )  # fmt: skip
    close = mail(
        "close@example.org", "#regzbot inconclusive: no repro\n", reply_to=review,
        sender=TRACKER, hours=11,
    )  # fmt: skip
    return [report, same, inline, closing, review, root, introduced, use, later, dup, monitor,
            close]  # fmt: skip


def test_the_second_story_is_tracked(store: Store, tmp_path: Path) -> None:
    story = _second_story()
    ingest_mails(store, tmp_path, *story)
    main_record, dup = record(store, story[0]), record(store, story[5])
    assert (main_record.status, main_record.resolution, main_record.flags) == (
        "inconclusive", "no repro", ()
    )  # fmt: skip
    assert [f["msgid"] for f in main_record.fix_mails] == ["inline@example.org",
                                                           "closing@example.org"]  # fmt: skip
    assert (dup.status, dup.title, dup.duplicate_of, dup.activities) == (
        "duplicate", "resume hang", main_record.id, 3
    )  # fmt: skip
    assert main_record.activities == 7 + 3
    assert unhandled(store) == {
        "use@example.org": [
            ("#regzbot unlink: https://lore.kernel.org/all/never@example.org/",
             "no such link or monitored thread")
        ]
    }  # fmt: skip


def _ingest_each(store: Store, folder: Path, mails: list[Mail]) -> None:
    for one in mails:
        ingest_mails(store, folder, one)


def test_the_story_is_tracked(tmp_path: Path) -> None:
    """The story the invariance tests shuffle: its records, so they compare something."""
    with opened(tmp_path / "all.db") as store:
        story = _story()
        ingest_mails(store, tmp_path, *story)
        main_record, dup = record(store, story[0]), record(store, story[1])
        assert (main_record.title, main_record.status, dup.status) == (
            "foo oopses at boot",
            "fix-posted",
            "duplicate",
        )
        assert main_record.culprit["commit"] == "2222222222bb"
        assert {f["msgid"] for f in main_record.fix_mails} == {"patch@example.org",
                                                               "closing@example.org"}  # fmt: skip
        assert ("elsewhere@example.org", "monitored") in main_record.messages
        assert "poked" in dup.flags
        assert unhandled(store) == {
            "fixcmd@example.org": [("#regzbot frobnicate", "unknown command 'frobnicate'")]
        }


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("told", [_story, _second_story], ids=["first story", "second story"])
def test_any_order_one_mail_per_ingest_gives_the_same_records(
    tmp_path: Path, seed: int, told: Callable[[], list[Mail]]
) -> None:
    story = told()
    with opened(tmp_path / "all.db") as store:
        ingest_mails(store, tmp_path, *story)
        expected = snapshot(store)
    shuffled = list(story)
    random.Random(seed).shuffle(shuffled)
    with opened(tmp_path / "each.db") as store:
        _ingest_each(store, tmp_path, shuffled)
        incremental = snapshot(store)
        update_all(store)
        assert snapshot(store) == incremental  # incremental updates equal one update_all
    assert incremental == expected


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("told", [_story, _second_story], ids=["first story", "second story"])
def test_any_order_in_one_mbox_gives_the_same_records(
    tmp_path: Path, seed: int, told: Callable[[], list[Mail]]
) -> None:
    story = told()
    with opened(tmp_path / "all.db") as store:
        ingest_mails(store, tmp_path, *story)
        expected = snapshot(store)
    shuffled = list(story)
    random.Random(100 + seed).shuffle(shuffled)
    with opened(tmp_path / "shuffled.db") as store:
        ingest_mails(store, tmp_path, *shuffled)
        assert snapshot(store) == expected


def test_update_twice_is_idempotent_and_equals_ingest(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with opened(db) as store:
        ingest_mails(store, tmp_path, *_story())
        after_ingest = snapshot(store)
    assert run("update", "--db", str(db))[0] == 0
    with opened(db) as store:
        once = snapshot(store)
    assert run("update", "--db", str(db))[0] == 0
    with opened(db) as store:
        assert snapshot(store) == once == after_ingest
