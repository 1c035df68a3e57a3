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
    CULPRIT,
    MAINTAINER,
    TRACKER,
    commands_in_replies,
    crash_report,
    ingest_mails,
    mail,
    other_thread,
    plain_root,
    record,
    unhandled,
)

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
