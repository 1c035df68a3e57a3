"""Is it a regression report?  Signals, the seed, and a labelled set of real mail.

tests/data/report_labels.json holds 71 messages of the 2023 corpus, chosen
across every kind the corpus README lists, each labelled by reading it (the
labels say why).  The classifier must keep precision and recall on them.
"""

from __future__ import annotations

import json

import pytest

from regtrack.extract.classify import blames_the_patch, says_it_broke
from regtrack.extract.facts import extract_facts, facts_of_message
from regtrack.extract.quoting import LabelledBody
from tests.extract.corpus import corpus_message
from tests.extract.seed import seed_message, seed_replies
from tests.paths import TEST_DATA

LABELS = json.loads((TEST_DATA / "report_labels.json").read_text())


def verdict(subject: str, body: str = "Hi,\n"):
    facts = extract_facts(subject, body)
    assert facts.classification is not None
    return facts.classification


def test_seed_report_is_found_without_regzbot() -> None:
    report = seed_message(1)
    found = verdict(report.subject, report.body)
    assert found.is_report and found.kind == "regression"
    assert {s.reason for s in found.signals} >= {
        "subject says regression",
        "names a culprit commit",
        "a revert test confirms it",
    }


def test_seed_replies_are_not_reports() -> None:
    for reply in seed_replies():
        assert not verdict(reply.subject, reply.body).is_report


def test_seed_series_and_ci_mail_are_not_reports() -> None:
    """The respun series (4 to 9) and Intel CI's "failure" about applying it (12)."""
    for number in (4, 5, 6, 7, 8, 9, 12):
        message = seed_message(number)
        assert not verdict(message.subject, message.body).is_report, number


@pytest.mark.parametrize(
    ("subject", "is_report", "reason"),
    [
        pytest.param(
            "linux-next: build failure after merge of the drm tree",
            True,
            "linux-next build failure report",
            id="a linux-next build failure",
        ),
        pytest.param(
            "next/master baseline: 482 runs, 33 regressions (next-20230105)",
            True,
            "KernelCI: 33 regressions",
            id="KernelCI regressions",
        ),
        pytest.param(
            "next/master build: 13 builds: 0 failed, 13 passed (next-20230314)",
            False,
            "KernelCI: every build passed",
            id="KernelCI all passed",
        ),
        pytest.param(
            "next/pending-fixes build: 1 build: 0 failed, 1 passed (v6.5-rc2-438-g6d86025a2bff)",
            False,
            "KernelCI: every build passed",
            id="KernelCI's one build passed",
        ),
        pytest.param(
            "[syzbot] linux-next boot error: general protection fault in corrupted",
            True,
            "syzbot report",
            id="syzbot",
        ),
        pytest.param(
            "linux-next: manual merge of the a tree with the b tree",
            False,
            "merge-conflict notice",
            id="a merge conflict",
        ),
        pytest.param(
            "linux-next: Tree for Mar 10",
            False,
            "daily linux-next announcement",
            id="the daily announcement",
        ),
        pytest.param(
            "[PATCH v2 1/3] mm: fix a regression in foo",
            False,
            "a patch posting",
            id="a patch fixing a regression",
        ),
        pytest.param("[GIT PULL] fixes", False, "a pull request", id="a pull request"),
        pytest.param(
            "Re: linux-next: build failure after merge of the drm tree",
            False,
            "a reply in a report's thread, not a report of its own",
            id="a reply to a report",
        ),
        pytest.param(
            "Re: [PATCH v2 1/3] mm: fix a regression in foo",
            False,
            "a reply, not the start of a report",
            id="a reply to a patch",
        ),
    ],
)
def test_signals(subject: str, is_report: bool, reason: str) -> None:
    found = verdict(subject)
    assert found.is_report is is_report
    assert reason in {signal.reason for signal in found.signals}


def test_report_in_reply_to_the_daily_tree() -> None:
    body = "../drivers/x.c:181:29: warning: unused variable 'np' [-Wunused-variable]\n"
    found = verdict("Re: linux-next: Tree for May 15 (drivers/x.c)", body)
    assert found.is_report
    assert "a reply, not the start of a report" not in {s.reason for s in found.signals}


@pytest.mark.parametrize(
    "subject",
    [
        "Re: linux-next: Tree for Jul 6 [drivers/vdpa/pds/pds_vdpa.ko]",
        "Re: linux-next: Tree for Apr 3",
    ],
)
def test_a_reply_to_the_daily_tree_with_its_own_build_failure_is_a_report(subject: str) -> None:
    body = (
        "On 4/2/23 22:01, Stephen Rothwell wrote:\n> Hi all,\n\n"
        'on x86_64:\n\nERROR: modpost: "foo_init" [drivers/x/y.ko] undefined!\n'
    )
    found = verdict(subject, body)
    assert found.is_report and found.kind == "build-failure"
    assert "a reply, not the start of a report" not in {s.reason for s in found.signals}


def test_a_reply_to_the_daily_tree_without_a_failure_of_its_own_is_no_report() -> None:
    body = (
        'On 4/2/23 22:01, Randy Dunlap wrote:\n> ERROR: modpost: "foo" [x.ko] undefined!\n\nThanks.'
    )
    assert not verdict("Re: linux-next: Tree for Apr 3", body).is_report
    assert not verdict("Re: linux-next: Tree for Apr 3 (x.ko)", body).is_report


def test_a_regzbot_introduced_command_makes_a_report() -> None:
    found = verdict("strange things", "Hi,\n\n#regzbot introduced: v6.4..v6.5\n")
    assert found.is_report and found.kind == "regression"


def test_labelled_set_covers_both_sides() -> None:
    assert len(LABELS) >= 60
    assert 20 <= sum(label["is_report"] for label in LABELS.values()) <= len(LABELS) - 20


def test_precision_and_recall_on_the_labelled_set() -> None:
    outcome = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    wrong = []
    for msgid, label in LABELS.items():
        message = corpus_message(msgid)
        found = verdict(message.subject, message.body).is_report
        key = ("t" if found == label["is_report"] else "f") + ("p" if found else "n")
        outcome[key] += 1
        if found != label["is_report"]:
            wrong.append(f"{msgid}: {message.subject}")
    precision = outcome["tp"] / (outcome["tp"] + outcome["fp"])
    recall = outcome["tp"] / (outcome["tp"] + outcome["fn"])
    assert precision >= 0.95 and recall >= 0.95, (outcome, wrong)


def _expected_cases():
    return [
        pytest.param(msgid, label["expect"], id=msgid)
        for msgid, label in LABELS.items()
        if "expect" in label
    ]


@pytest.mark.parametrize(("msgid", "expected"), _expected_cases())
def test_expected_facts_of_labelled_messages(msgid: str, expected: dict) -> None:
    facts = facts_of_message(corpus_message(msgid))  # as ingest extracts it
    found: dict[str, object] = {}
    own_crashes = [crash for crash in facts.crashes if not crash.quoted]
    if "crash_title" in expected:
        found["crash_title"] = own_crashes[0].title if own_crashes else None
    if "culprit" in expected:
        found["culprit"] = facts.culprits[0].commit[:12] if facts.culprits else None
    if "culprit_subject" in expected:
        found["culprit_subject"] = facts.culprits[0].subject if facts.culprits else None
    if "build_target" in expected:
        found["build_target"] = facts.build_failure.target if facts.build_failure else None
    if "build_failed" in expected:
        found["build_failed"] = facts.build_failure.failed if facts.build_failure else None
    if "report_tree" in expected:
        found["report_tree"] = facts.versions.report_tree
    assert found == expected


@pytest.mark.parametrize(
    ("msgid", "is_report"),
    [
        pytest.param(
            "CA+G9fYsPSJiTXouaMUSeoU3JEwym0baq7OGOAMFNWgrgEWOHfA@mail.gmail.com",
            True,
            id="LKFT's bisected boot failure, in reply to the culprit's posting",
        ),
        pytest.param(
            "20230509192658.56cfb27b@kernel.org",
            False,
            id="a maintainer's reply in a build failure's thread pastes the commit behind it",
        ),
        pytest.param(
            "CA+Dqm31A6GNOpXB00X0aRd5TOpDgRAuTNh0Ce5YKm5EN+15gyg@mail.gmail.com",
            False,
            id="the culprit's author proposes its revert in the report's thread",
        ),
        pytest.param(
            "e33882a1-f0e7-4bb1-04eb-332cadc8e2f6@gmail.com",
            True,
            id="a reply to the daily tree describing a problem and the merge it bisected to",
        ),
        pytest.param(
            "31264b8b-4509-4972-97f8-0926bc843147@infradead.org",
            True,
            id="a reply to the daily tree (file in the subject) with Kconfig's warning",
        ),
        pytest.param(
            "de474347-122d-54cd-eabf-9dcc95ab9eae@amd.com",
            True,
            id="a test failure on the tree its subject names first",
        ),
        pytest.param(
            "97281aba-a78c-7f75-fc15-af43e4df4907@ti.com",
            True,
            id="a build failure on next-20230801, in reply to the patch that causes it",
        ),
        pytest.param(
            "3d1355bc-d359-4ff6-aee1-fbc84437efec@leemhuis.info",
            True,
            id="daily linux-next builds fail, in reply to the patch that causes it",
        ),
        pytest.param(
            "CADJHv_ujo+QUE7f420t4XACGw4RvVpckKSJcJ_9_Z0b2gdmr+g@mail.gmail.com",
            True,
            id="since next-20230522 a test starts to fail, and passes with commits reverted",
        ),
        pytest.param(
            "175578ec-9dec-7a9c-8d3a-43f24ff86b92@leemhuis.info",
            True,
            id="a thread starter's build error pasted with '>' quote marks",
        ),
        pytest.param(
            "8f982779-d7d6-494b-affc-9ecd44b1e23a@leemhuis.info",
            True,
            id="a thread starter's modpost error pasted with '>' quote marks",
        ),
        pytest.param(
            "361c2f87-1424-f452-912f-0e4a339f5c46@kernel.org",
            True,
            id="'This patch landed in next but causes boot failures', in reply to the patch",
        ),
        pytest.param(
            "f28e3c85-84a4-4b30-a3f5-c2efad311fe7@sirena.org.uk",
            True,
            id="a build failure 'in -next', in reply to the patch that breaks it",
        ),
    ],
)
def test_messages_of_the_corpus(msgid: str, is_report: bool) -> None:
    facts = facts_of_message(corpus_message(msgid))  # as ingest extracts it
    assert facts.classification is not None
    assert facts.classification.is_report is is_report, facts.classification.signals


@pytest.mark.parametrize(
    ("body", "broke"),
    [
        ("Since next-20230522, LTP/writev07 starts to fail on xfs.\n", True),
        ("The board no longer boots with next-20230901.\n", True),
        ("It worked fine on v6.5 and fails now.\n", True),
        ("> The board no longer boots.\n\nThanks for the report.\n", False),
        ("Since next-20231120, make htmldocs fails with a Sphinx error.\n", True),
        ("Commit X in today's linux-next breaks the documentation build.\n", True),
        ("The htmldocs output looks fine now.\n", False),
        ("This patch makes the driver start the device earlier.\n", False),
    ],
)
def test_says_it_broke(body: str, broke: bool) -> None:
    assert says_it_broke(LabelledBody(body)) is broke


@pytest.mark.parametrize(
    ("body", "blames"),
    [
        ("This patch landed in next but causes boot failures on Exynos.\n", True),
        ("Hi,\n\nyour change breaks the build of perf on s390.\n", True),
        ("> This patch causes boot failures.\n\nI cannot reproduce it.\n", False),
        ("This patch makes the driver start the device earlier.\n", False),
    ],
)
def test_blames_the_patch(body: str, blames: bool) -> None:
    assert blames_the_patch(LabelledBody(body)) is blames


def test_a_report_told_only_in_prose_about_the_documentation_build() -> None:
    body = (
        "Hi Jon,\n\nSince next-20231120, make htmldocs fails for me in the middle of the\n"
        "driver-api section; it still worked with next-20231117.\n\nThanks,\nA\n"
    )
    facts = extract_facts("Documentation build in linux-next", body)
    assert facts.classification is not None and facts.classification.is_report
    assert "says something stopped working on a tree it names (+3)" in {
        f"{s.reason} ({s.weight:+d})" for s in facts.classification.signals
    }


def test_quote_marks_in_a_mail_that_answers_none_are_the_authors_own_paste() -> None:
    """Thorsten Leemhuis's report (real mail) pastes gcc's output with "> " marks. As a
    thread's first mail it quotes nothing, so the error is his own; the same text in a
    reply is a quote, and a reply's subject is enough to say it is one."""
    message = corpus_message("175578ec-9dec-7a9c-8d3a-43f24ff86b92@leemhuis.info")
    alone = extract_facts(message.subject, message.body, answers=False)
    assert alone.build_failure is not None and alone.build_failure.failed
    assert alone.classification is not None and alone.classification.is_report
    replying = extract_facts(message.subject, message.body, answers=True)
    assert replying.build_failure is None
    for subject in ("Re: " + message.subject, "Fwd: " + message.subject):
        assert extract_facts(subject, message.body, answers=False).build_failure is None
