"""Which regression a ``#regzbot`` command acts on: the report ``^``, ``/``, ``~`` or a URL
choose, the commands that may start tracking, ``introduced`` updating culprit and tree, and
commands written in other threads (``use``, duplicates, monitored threads).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regtrack.store import Store
from tests.state.mailthreads import (
    CULPRIT,
    MAINTAINER,
    NOT_TRACKED,
    TRACKER,
    Mail,
    commands_in_replies,
    crash_report,
    ingest_mails,
    mail,
    other_thread,
    plain_root,
    record,
    unhandled,
)

# -- which report: ^ / ~ and a URL ---------------------------------------------------------------


def _chain() -> tuple[Mail, Mail, Mail]:
    root = plain_root()
    middle = mail(
        "middle@example.org", "Mine hangs too, on a different laptop.\n", reply_to=root,
        sender=MAINTAINER, hours=1,
    )  # fmt: skip
    return root, middle, root


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param("^", "middle@example.org", id="caret makes the parent the report"),
        pytest.param("/", "hang@example.org", id="slash makes the thread root the report"),
        pytest.param("~", "hang@example.org", id="tilde makes the thread root the report"),
    ],
)
def test_introduced_with_a_selector_chooses_the_report(
    store: Store, tmp_path: Path, selector: str, expected: str
) -> None:
    root, middle, _ = _chain()
    command = mail(
        "cmd@example.org", f"#regzbot introduced: {CULPRIT} {selector}\n", reply_to=middle,
        sender=TRACKER, hours=2,
    )  # fmt: skip
    ingest_mails(store, tmp_path, root, middle, command)
    (found,) = store.regressions()
    assert (found.report, found.created_by, found.culprit["commit"]) == (
        expected,
        "command",
        CULPRIT,
    )


def test_introduced_with_a_url_makes_another_stored_message_the_report(
    store: Store, tmp_path: Path
) -> None:
    report = plain_root("elsewhere-report@example.org")
    command = mail(
        "cmd@example.org",
        f"Forwarding from the other list.\n\n#regzbot introduced: {CULPRIT} {report.url}\n",
        subject="Fwd: laptop hangs on resume",
        sender=TRACKER,
        hours=2,
    )
    ingest_mails(store, tmp_path, report, command)
    (found,) = store.regressions()
    assert (found.report, found.culprit["commit"]) == (report.msgid, CULPRIT)


def test_use_caret_then_introduced_makes_the_parent_the_report(
    store: Store, tmp_path: Path
) -> None:
    root, middle, _ = _chain()
    command = mail(
        "cmd@example.org", f"#regzbot use: ^\n#regzbot introduced: {CULPRIT}\n#regzbot title: T\n",
        reply_to=middle, sender=TRACKER, hours=2,
    )  # fmt: skip
    ingest_mails(store, tmp_path, root, middle, command)
    (found,) = store.regressions()
    assert (found.report, found.title, found.culprit["commit"]) == (middle.msgid, "T", CULPRIT)


@pytest.mark.parametrize("spelling", ["^introduced", "introduced^"])
def test_caret_spellings_of_introduced_make_the_parent_the_report(
    store: Store, tmp_path: Path, spelling: str
) -> None:
    root, middle, _ = _chain()
    command = mail(
        "cmd@example.org", f"#regzbot {spelling}: {CULPRIT}\n", reply_to=middle, sender=TRACKER,
        hours=2,
    )  # fmt: skip
    ingest_mails(store, tmp_path, root, middle, command)
    (found,) = store.regressions()
    assert found.report == middle.msgid


def test_introduced_naming_a_report_not_stored_is_unhandled(store: Store, tmp_path: Path) -> None:
    command = mail(
        "cmd@example.org",
        f"#regzbot introduced: {CULPRIT} https://lore.kernel.org/all/gone@example.org/\n",
        subject="hangs",
        sender=TRACKER,
    )
    ingest_mails(store, tmp_path, command)
    assert store.regressions() == []
    ((_, reason),) = unhandled(store)[command.msgid]
    assert "not in the database" in reason


# -- only introduced and dup start tracking ----------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["#regzbot title: hangs", "#regzbot resolve", "#regzbot fix: 0123456789ab", "#regzbot poke"],
)
def test_other_commands_in_an_untracked_thread_are_unhandled(
    store: Store, tmp_path: Path, line: str
) -> None:
    root = plain_root()
    (reply,) = commands_in_replies(store, tmp_path, root, line + "\n")
    assert store.regressions() == []
    assert unhandled(store) == {reply.msgid: [(line, NOT_TRACKED)]}


def test_introduced_in_an_untracked_thread_creates_a_regression_by_command(
    store: Store, tmp_path: Path
) -> None:
    root = plain_root()
    ingest_mails(store, tmp_path, root)
    assert store.regressions() == []
    command = mail("cmd@example.org", f"#regzbot introduced: {CULPRIT} ^\n", reply_to=root, hours=1)
    ingest_mails(store, tmp_path, command)
    found = record(store, root)
    assert (found.created_by, found.status, found.report) == ("command", "open", root.msgid)
    assert "culprit-identified" in found.flags
    assert unhandled(store) == {}


# -- introduced updates the culprit and the tree ------------------------------------------------


def test_introduced_in_a_tracked_thread_replaces_the_culprit(store: Store, tmp_path: Path) -> None:
    report = crash_report(extra='\nThis is caused by commit 0a0a0a0a0a0a ("foo: old guess").\n')
    commands_in_replies(store, tmp_path, report, f"#regzbot introduced: {CULPRIT}\n")
    found = record(store, report)
    assert (found.created_by, found.culprit["commit"]) == ("classifier", CULPRIT)
    assert len(store.regressions()) == 1


@pytest.mark.parametrize(
    ("span", "tree"),
    [
        pytest.param("v6.4..v6.5-rc1", "mainline", id="a mainline range is mainline"),
        pytest.param("next-20230710..next-20230711", "next", id="a next range is next"),
        pytest.param("v6.1.40..v6.1.41", "stable-6.1", id="a stable range is its series"),
    ],
)
def test_introduced_with_a_range_sets_culprit_range_and_tree(
    store: Store, tmp_path: Path, span: str, tree: str
) -> None:
    report = crash_report()
    commands_in_replies(store, tmp_path, report, f"#regzbot introduced: {span}\n")
    found = record(store, report)
    assert found.culprit["range"] == span.split("..")
    assert found.culprit["commit"] is None
    assert found.tree == tree
    assert "culprit-identified" not in found.flags


# -- where commands act: other threads, duplicates, monitored threads ---------------------------


def test_dup_in_an_untracked_thread_tracks_it_as_the_younger_duplicate(
    store: Store, tmp_path: Path
) -> None:
    report = crash_report()
    again = plain_root("again@example.org", hours=24)
    command = mail(
        "dup@example.org", f"#regzbot use: ^\n#regzbot dup: {report.url}\n", reply_to=again,
        sender=TRACKER, hours=25,
    )  # fmt: skip
    ingest_mails(store, tmp_path, report, again, command)
    dup = record(store, again)
    assert (dup.status, dup.duplicate_of, dup.created_by) == ("duplicate", report.id, "command")
    assert record(store, report).duplicates == (again.id,)
    assert unhandled(store) == {}


def test_use_with_a_url_sends_later_commands_to_that_regression(
    store: Store, tmp_path: Path
) -> None:
    report = crash_report()
    elsewhere = mail(
        "elsewhere-cmd@example.org",
        f"#regzbot use: {report.url}\n#regzbot title: foo oopses at boot\n",
        subject="status of the foo oops",
        sender=TRACKER,
        hours=3,
    )
    ingest_mails(store, tmp_path, report, elsewhere)
    assert record(store, report).title == "foo oopses at boot"
    assert unhandled(store) == {}


def test_commands_in_a_monitored_thread_act_on_the_regression(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    root, _ = other_thread()
    monitor = mail(
        "monitor@example.org", f"#regzbot monitor: {root.url}\n", reply_to=report, hours=1
    )
    there = mail(
        "there@example.org", "#regzbot resolve: fixed by firmware\n", reply_to=root, hours=4
    )
    ingest_mails(store, tmp_path, report, root, monitor, there)
    found = record(store, report)
    assert (found.status, found.resolution) == ("resolved", "fixed by firmware")


def test_a_fix_command_in_the_duplicates_thread_moves_the_main_regression(
    store: Store, tmp_path: Path
) -> None:
    older = crash_report("older@example.org")
    younger = crash_report("younger@example.org", function="baz_init", hours=24)
    dup = mail("dup@example.org", f"#regzbot dup: {older.url}\n", reply_to=younger, hours=25)
    fix = mail("fix@example.org", "#regzbot fix: 0123456789ab\n", reply_to=younger, hours=26)
    ingest_mails(store, tmp_path, older, younger, dup, fix)
    assert record(store, older).status == "fix-posted"


def test_commands_before_introduced_in_the_same_mail_apply_to_the_new_regression(
    store: Store, tmp_path: Path
) -> None:
    root = plain_root()
    commands_in_replies(
        store,
        tmp_path,
        root,
        f"#regzbot title: hangs on resume\n#regzbot introduced: {CULPRIT} ^\n",
    )
    found = record(store, root)
    assert (found.title, found.culprit["commit"]) == ("hangs on resume", CULPRIT)
    assert unhandled(store) == {}


def test_a_later_introduced_replaces_an_earlier_one(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    first, second = commands_in_replies(
        store,
        tmp_path,
        report,
        "#regzbot introduced: 0a0a0a0a0a0a\n",
        f"#regzbot introduced: {CULPRIT}\n",
    )
    found = record(store, report)
    assert (found.culprit["commit"], found.culprit["msgid"]) == (CULPRIT, second.msgid)
    assert [(c["commit"], c["msgid"]) for c in found.culprit_candidates] == [
        ("0a0a0a0a0a0a", first.msgid),
        (CULPRIT, second.msgid),
    ]


def test_introduced_naming_a_report_stored_later_tracks_it_then(
    store: Store, tmp_path: Path
) -> None:
    report = plain_root("elsewhere-report@example.org")
    command = mail(
        "cmd@example.org", f"#regzbot introduced: {CULPRIT} {report.url}\n",
        subject="hangs", sender=TRACKER, hours=2,
    )  # fmt: skip
    ingest_mails(store, tmp_path, command)
    assert [u.msgid for u in store.unhandled_commands()] == [command.msgid]
    ingest_mails(store, tmp_path, report)
    assert [r.report for r in store.regressions()] == [report.msgid]
    assert record(store, report).culprit["msgid"] == command.msgid
    assert unhandled(store) == {}
