"""``#regzbot`` commands in mail, every one with every spelling, as tracking obeys them.

Each test writes a small thread of real mail, ingests it into a real SQLite
file and reads the regression records and the unhandled list back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from regtrack.extract.regzbot import ALIASES
from regtrack.store import Store
from tests.state.mailthreads import (
    MAINTAINER,
    REPORTER,
    TRACKER,
    Mail,
    crash_report,
    ingest_mails,
    mail,
    record,
    unhandled,
)

CULPRIT = "1f2e3d4c5b6a"
NOT_TRACKED = "a regzbot command in a thread not associated with a regression"


def plain_root(msgid: str = "hang@example.org", hours: float = 0) -> Mail:
    """A first mail the classifier does not take for a report: only a command can."""
    return mail(
        msgid,
        "Hi,\n\nmy laptop hangs on resume since the last update. Any idea?\n\nAda\n",
        subject="laptop hangs on resume",
        sender=REPORTER,
        hours=hours,
    )


def other_thread(hours: float = 0.5) -> tuple[Mail, Mail]:
    """A thread of two mails elsewhere, for monitor, link and unlink."""
    root = mail(
        "elsewhere@example.org",
        "Hi,\n\nthe same machine also loses its network after resume.\n",
        subject="network lost after resume",
        sender=REPORTER,
        hours=hours,
    )
    return root, mail(
        "elsewhere-reply@example.org", "Same here.\n", reply_to=root, hours=hours + 0.1
    )


def commands_in_replies(store: Store, folder: Path, report: Mail, *bodies: str) -> list[Mail]:
    """Ingest ``report`` and one reply to it per body, an hour apart; the replies."""
    replies = [
        mail(f"cmd-{n}@example.org", body, reply_to=report, sender=TRACKER, hours=n)
        for n, body in enumerate(bodies, start=1)
    ]
    ingest_mails(store, folder, report, *replies)
    return replies


# One scenario per canonical command: (store, folder, spelling) -> None, asserting the
# command's effect when written with that spelling.
Scenario = Callable[[Store, Path, str], None]


def _introduced(store: Store, folder: Path, spelling: str) -> None:
    root = plain_root()
    parent = "" if spelling.startswith("^") or spelling.endswith("^") else " ^"
    (reply,) = commands_in_replies(store, folder, root, f"#regzbot {spelling}: {CULPRIT}{parent}\n")
    found = record(store, root)
    assert (found.created_by, found.culprit["commit"]) == ("command", CULPRIT)
    assert found.culprit["msgid"] == reply.msgid
    assert store.regression(reply.id) is None


def _use(store: Store, folder: Path, spelling: str) -> None:
    root = plain_root()
    (reply,) = commands_in_replies(
        store, folder, root, f"#regzbot {spelling}: ^\n#regzbot introduced: {CULPRIT}\n"
    )
    assert record(store, root).culprit["commit"] == CULPRIT
    assert store.regression(reply.id) is None


def _title(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    commands_in_replies(store, folder, report, f"#regzbot {spelling}: foo oopses at boot\n")
    assert record(store, report).title == "foo oopses at boot"


def _duplicate(store: Store, folder: Path, spelling: str) -> None:
    older = crash_report("older@example.org", function="bar_init")
    younger = crash_report("younger@example.org", function="baz_init", hours=5)
    command = mail(
        "dup@example.org", f"#regzbot {spelling}: {younger.url}\n", reply_to=older, hours=6
    )
    ingest_mails(store, folder, older, younger, command)
    assert (record(store, younger).status, record(store, younger).duplicate_of) == (
        "duplicate",
        older.id,
    )
    assert record(store, older).duplicates == (younger.id,)


def _fix(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    commands_in_replies(store, folder, report, f"#regzbot {spelling}: 0123456789ab\n")
    found = record(store, report)
    assert found.status == "fix-posted"
    assert any(e.kind == "fix-expected" and "0123456789ab" in e.text for e in found.events)


def _monitor(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    root, reply = other_thread()
    command = mail(
        "cmd@example.org", f"#regzbot {spelling}: {root.url}\n", reply_to=report, hours=2
    )
    ingest_mails(store, folder, report, root, reply, command)
    found = record(store, report)
    assert {(root.msgid, "monitored"), (reply.msgid, "monitored")} <= set(found.messages)
    assert found.activities == 4
    assert [(link["kind"], link["url"]) for link in found.links] == [("monitor", root.url)]


def _link(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    root, _ = other_thread()
    commands_in_replies(store, folder, report, f"#regzbot {spelling}: {root.url} Network too\n")
    (link,) = record(store, report).links
    assert (link["kind"], link["url"], link["msgid"], link["title"]) == (
        "link",
        root.url,
        root.msgid,
        "Network too",
    )


def _unlink(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    root, _ = other_thread()
    replies = commands_in_replies(
        store, folder, report, f"#regzbot link: {root.url}\n", f"#regzbot {spelling}: {root.url}\n"
    )
    found = record(store, report)
    assert found.links == ()
    assert any(e.kind == "unlink" and e.source == replies[1].msgid for e in found.events)
    assert unhandled(store) == {}


def _resolve(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    commands_in_replies(store, folder, report, f"#regzbot {spelling}: user error\n")
    found = record(store, report)
    assert (found.status, found.resolution) == ("resolved", "user error")


def _inconclusive(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    commands_in_replies(store, folder, report, f"#regzbot {spelling}: cannot reproduce\n")
    found = record(store, report)
    assert (found.status, found.resolution) == ("inconclusive", "cannot reproduce")


def _backburner(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    commands_in_replies(store, folder, report, f"#regzbot {spelling}: waiting for hardware\n")
    found = record(store, report)
    assert "backburner" in found.flags and found.backburner == "waiting for hardware"


def _unbackburner(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    commands_in_replies(
        store, folder, report, "#regzbot backburner: waiting\n", f"#regzbot {spelling}\n"
    )
    found = record(store, report)
    assert "backburner" not in found.flags and found.backburner is None


def _from(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    commands_in_replies(store, folder, report, f"#regzbot {spelling}: {MAINTAINER}\n")
    assert record(store, report).reporter == MAINTAINER


def _poke(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    commands_in_replies(store, folder, report, f"#regzbot {spelling}\n")
    found = record(store, report)
    assert "poked" in found.flags
    assert (found.activities, found.last_activity) == (1, found.reported_at)


def _ignore_activity(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    commands_in_replies(store, folder, report, "A real reply.\n", f"#regzbot {spelling}\n")
    found = record(store, report)
    assert (found.activities, found.last_activity) == (2, "2023-07-10T09:00:00+00:00")


def _reopen(store: Store, folder: Path, spelling: str) -> None:
    report = crash_report()
    commands_in_replies(
        store, folder, report, "#regzbot resolve: wrong\n", f"#regzbot {spelling}\n"
    )
    found = record(store, report)
    assert (found.status, found.resolution) == ("open", None)


SCENARIOS: dict[str, Scenario] = {
    "introduced": _introduced,
    "use": _use,
    "title": _title,
    "duplicate": _duplicate,
    "fix": _fix,
    "monitor": _monitor,
    "link": _link,
    "unlink": _unlink,
    "resolve": _resolve,
    "inconclusive": _inconclusive,
    "backburner": _backburner,
    "unbackburner": _unbackburner,
    "from": _from,
    "poke": _poke,
    "ignore-activity": _ignore_activity,
    "reopen": _reopen,
}
# regzbot takes any word starting "link", and "relat(ed)-brief(ly)", as link.
LINK_SPELLINGS = ("link", "linked", "link-to", "related-brief", "related-briefly", "relatedbrief")


def test_every_command_has_a_scenario() -> None:
    assert set(ALIASES.values()) | {"link"} == set(SCENARIOS)


@pytest.mark.parametrize(
    "spelling",
    [
        *(pytest.param(s, id=f"{s} is {ALIASES[s]}") for s in sorted(ALIASES)),
        *(pytest.param(s, id=f"{s} is link") for s in LINK_SPELLINGS),
    ],
)
def test_every_spelling_of_every_command_is_obeyed(
    store: Store, tmp_path: Path, spelling: str
) -> None:
    SCENARIOS[ALIASES.get(spelling, "link")](store, tmp_path, spelling)


@pytest.mark.parametrize("spelling", ["introduced", "^introduced", "introduced^", "title"])
def test_commands_are_case_insensitive(store: Store, tmp_path: Path, spelling: str) -> None:
    root = plain_root()
    parent = "" if "^" in spelling else " ^"
    if spelling == "title":
        commands_in_replies(
            store, tmp_path, root, f"#REGZBOT Introduced: {CULPRIT} ^\n#RegZbot TITLE: Hangs\n"
        )
        assert record(store, root).title == "Hangs"
        return
    commands_in_replies(store, tmp_path, root, f"#REGZBOT {spelling.upper()}: {CULPRIT}{parent}\n")
    assert record(store, root).culprit["commit"] == CULPRIT


def test_semicolon_separated_commands_on_one_line_are_all_obeyed(
    store: Store, tmp_path: Path
) -> None:
    report = crash_report()
    commands_in_replies(
        store,
        tmp_path,
        report,
        "#regzbot title: foo oopses; #regzbot backburner: rare hardware; #regzbot from: Bob\n",
    )
    found = record(store, report)
    assert (found.title, found.backburner, found.reporter) == ("foo oopses", "rare hardware", "Bob")


def test_continuation_lines_are_glued_to_the_previous_argument(
    store: Store, tmp_path: Path
) -> None:
    report = crash_report()
    commands_in_replies(
        store,
        tmp_path,
        report,
        "#regzbot title: foo oopses at boot\n  on machines without bar\n#regzbot poke\n",
    )
    found = record(store, report)
    assert found.title == "foo oopses at boot on machines without bar"
    assert "poked" in found.flags


# -- the paragraph rule and quotes ------------------------------------------------------------


def test_a_command_directly_under_text_is_unhandled_with_the_reason(
    store: Store, tmp_path: Path
) -> None:
    report = crash_report()
    (reply,) = commands_in_replies(
        store, tmp_path, report, "Thanks, I will look into it.\n#regzbot title: misplaced\n"
    )
    assert record(store, report).title != "misplaced"
    ((command, reason),) = unhandled(store)[reply.msgid]
    assert command == "#regzbot title: misplaced"
    assert "paragraph" in reason and "empty line" in reason


def test_a_command_after_an_empty_line_is_obeyed(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    commands_in_replies(
        store, tmp_path, report, "Thanks, I will look into it.\n\n#regzbot title: obeyed\n"
    )
    assert record(store, report).title == "obeyed"
    assert unhandled(store) == {}


def test_a_command_first_in_the_body_is_obeyed(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    commands_in_replies(store, tmp_path, report, "#regzbot title: obeyed\n\nMore text below.\n")
    assert record(store, report).title == "obeyed"


def test_quoted_commands_are_ignored_not_unhandled(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    first = mail(
        "first@example.org", "#regzbot title: first title\n", reply_to=report, sender=TRACKER,
        hours=1,
    )  # fmt: skip
    quoting = mail(
        "quoting@example.org",
        "On Mon, Tracker wrote:\n> #regzbot title: first title\n>\n> #regzbot resolve: dup\n\n"
        "Agreed.\n",
        reply_to=first,
        hours=2,
    )
    untracked = mail(
        "untracked-quote@example.org",
        "Someone wrote:\n> #regzbot title: elsewhere\n\nOK.\n",
        subject="unrelated",
        hours=3,
    )
    ingest_mails(store, tmp_path, report, first, quoting, untracked)
    found = record(store, report)
    assert (found.title, found.status) == ("first title", "open")
    titles = [e.source for e in found.events if e.kind == "title"]
    assert titles == [first.msgid]
    assert unhandled(store) == {}


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


# -- more of what single commands do ------------------------------------------------------------


def test_resolve_clears_the_back_burner(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    commands_in_replies(
        store, tmp_path, report, "#regzbot backburner: rare\n", "#regzbot resolve: gone\n"
    )
    found = record(store, report)
    assert (found.status, found.backburner) == ("resolved", None)
    assert "backburner" not in found.flags


def test_poked_lasts_until_the_next_activity(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    (poke,) = commands_in_replies(store, tmp_path, report, "#regzbot poke\n")
    assert "poked" in record(store, report).flags
    answer = mail("answer@example.org", "Still broken here.\n", reply_to=poke, hours=5)
    ingest_mails(store, tmp_path, answer)
    found = record(store, report)
    assert "poked" not in found.flags
    assert (found.activities, found.last_activity) == (2, "2023-07-10T13:00:00+00:00")


def test_reopen_returns_to_the_fix_level(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    commands_in_replies(
        store,
        tmp_path,
        report,
        "#regzbot fix: 0123456789ab\n",
        "#regzbot invalid: not a bug\n",
        "#regzbot reopen\n",
    )
    found = record(store, report)
    assert (found.status, found.resolution) == ("fix-posted", None)
    assert [e.kind for e in found.events if e.kind in ("resolved", "reopened")] == [
        "resolved",
        "reopened",
    ]


def test_unlink_of_a_link_that_does_not_exist_is_unhandled(store: Store, tmp_path: Path) -> None:
    report = crash_report()
    (reply,) = commands_in_replies(
        store, tmp_path, report, "#regzbot unlink: https://lore.kernel.org/all/none@example.org/\n"
    )
    assert unhandled(store) == {
        reply.msgid: [
            (
                "#regzbot unlink: https://lore.kernel.org/all/none@example.org/",
                "no such link or monitored thread",
            )
        ]
    }
    assert store.unhandled_commands()[0].regression_id == report.id


def test_unmonitor_drops_the_monitored_thread_and_its_activities(
    store: Store, tmp_path: Path
) -> None:
    report = crash_report()
    root, reply = other_thread()
    ingest_mails(store, tmp_path, report, root, reply)
    commands_in_replies(
        store,
        tmp_path,
        report,
        f"#regzbot monitor: {root.url}\n",
        f"#regzbot unmonitor: {root.url}\n",
    )
    found = record(store, report)
    assert found.links == ()
    assert {msgid for msgid, _ in found.messages} == {report.msgid, "cmd-1@example.org",
                                                      "cmd-2@example.org"}  # fmt: skip
    assert found.activities == 3


@pytest.mark.parametrize("word", ["fixed", "activity", "unbackburned", "closes"])
def test_an_unknown_command_is_unhandled(store: Store, tmp_path: Path, word: str) -> None:
    report = crash_report()
    (reply,) = commands_in_replies(store, tmp_path, report, f"#regzbot {word}: something\n")
    ((command, reason),) = unhandled(store)[reply.msgid]
    assert command == f"#regzbot {word}: something"
    assert reason == f"unknown command {word!r}"
    assert record(store, report).status == "open"


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


def test_a_misplaced_poke_is_unhandled_and_its_mail_still_counts(
    store: Store, tmp_path: Path
) -> None:
    """regzbot drops such a mail's activity without recording the poke (REGZBOT.md 8)."""
    report = crash_report()
    (reply,) = commands_in_replies(store, tmp_path, report, "Any news?\n#regzbot poke\n")
    found = record(store, report)
    assert "poked" not in found.flags
    assert (found.activities, found.last_activity) == (2, "2023-07-10T09:00:00+00:00")
    assert [reason for _, reason in unhandled(store)[reply.msgid]] == [
        "not a paragraph of its own (it must follow an empty line)"
    ]


def test_a_mail_tagged_forregzbot_is_obeyed_but_not_counted_as_activity(
    store: Store, tmp_path: Path
) -> None:
    report = crash_report()
    tagged = mail(
        "tagged@example.org", "#regzbot title: foo oopses at boot\n", reply_to=report,
        subject="Re: [REGRESSION] foo oops #forregzbot", sender=TRACKER, hours=2,
    )  # fmt: skip
    ingest_mails(store, tmp_path, report, tagged)
    found = record(store, report)
    assert found.title == "foo oopses at boot"
    assert (found.activities, found.last_activity) == (1, found.reported_at)


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
