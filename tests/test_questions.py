"""fixed-by, culprit and related: answers with their evidence, on the seed and on mail
written in the test (a second report of the seed's crash, a culprit's Fixes: candidate)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regtrack.cli import main
from regtrack.errors import NotStoredError
from regtrack.ingest import ingest
from regtrack.questions import culprit, fixed_by, related
from regtrack.sources.detect import open_targets
from regtrack.state import regression_id
from regtrack.store import Store
from tests.paths import SEED_REPORT, seed_msgid
from tests.state.mailgit import MBOX_SEPARATOR, Tracking, message, report

REGRESSION = regression_id(SEED_REPORT)
POSTING = "9a02dde2f8ddaad2db31e54706a80c12d1817aaf.1689768831.git-series.apopple@nvidia.com"


def test_fixed_by_the_seed_names_the_inline_fix_and_the_respin(seed_store: Store) -> None:
    answer = fixed_by(seed_store, seed_msgid(10))  # any message of the thread will do
    assert (answer.regression, answer.status, answer.answer) == (
        REGRESSION,
        "fix-posted",
        "a fix was posted",
    )
    assert [(e.ref, e.how, e.candidate) for e in answer.evidence] == [
        (seed_msgid(3), "inline-diff", False),
        (seed_msgid(9), "respin-of-culprit", False),
    ]
    assert seed_msgid(12) not in {e.ref for e in answer.evidence}  # the CI mail is no fix
    assert answer.missing == (
        "posted, no fixing commit in a scanned tree (scan next with regtrack scan-git)",
    )


def test_culprit_of_the_seed_with_its_posting(seed_store: Store) -> None:
    answer = culprit(seed_store, REGRESSION)
    assert answer.answer.startswith('828fe4085cae ("mmu_notifiers: rename invalidate_range')
    (chosen,) = answer.evidence
    assert (chosen.ref, chosen.how, chosen.confidence) == (
        "828fe4085cae77acb3abf7dd3d25b3ed6c560edf",
        "git-show",
        "high",
    )
    assert f"in <{SEED_REPORT}>" in chosen.path
    assert answer.extra["posting"] == POSTING
    assert answer.extra["revert_confirmed"] == [f"revert test in <{SEED_REPORT}>"]


def test_a_culprit_without_a_link_is_posted_as_the_last_patch_of_its_subject(
    tmp_path: Path,
) -> None:
    """No Link: in the report or a scanned tree: the posting is the newest patch with the
    culprit's subject sent before the report (v2 over v1), never one sent after it."""
    from tests.state.mailgit import CULPRIT_SUBJECT

    tracking = Tracking(tmp_path)
    postings = [
        message(
            f"202307{day}.culprit-{name}@example.org",
            f"[PATCH {name}] {CULPRIT_SUBJECT}",
            "Subscribe early.\n\nSigned-off-by: Carol Dev <carol@example.org>\n---\n"
            "diff --git a/frob.c b/frob.c\n--- a/frob.c\n+++ b/frob.c\n@@ -1 +1 @@\n-a\n+b\n",
            date=f"2023-07-{day} 09:00",
        )
        for day, name in (("10", "v1"), ("12", "v2"))
    ]
    late = (
        postings[0]
        .replace("20230710.culprit-v1", "20230725.culprit-v3")
        .replace("2023-07-10", "2023-07-25")
    )
    tracking.mail(report("f00dfeedcafe0123456789abcdef0123456789ab"), *postings, late)
    answer = culprit(tracking.store, tracking.regression().id)
    assert answer.extra["posting"] == "20230712.culprit-v2@example.org"
    tracking.close()


def test_related_finds_a_second_report_of_the_same_crash(seed_store: Store, tmp_path) -> None:
    assert related(seed_store, REGRESSION).evidence == ()
    oops = seed_store.message(SEED_REPORT)["body"]
    second = message(
        "20230801.second-report@example.org",
        "[REGRESSION] i915: oops in __mmu_notifier_register on boot",
        "Hi,\n\nmy laptop shows this since next-20230720:\n\n" + oops,
        date="2023-08-01 09:00",
        author="Other Reporter <other@example.org>",
    )
    mbox = tmp_path / "second.mbox"
    mbox.write_text(MBOX_SEPARATOR + second + "\n")
    ingest(seed_store, open_targets([str(mbox)], cursor_for=seed_store.source_cursor))
    answer = related(seed_store, REGRESSION)
    second_id = regression_id("20230801.second-report@example.org")
    # The pasted oops carries the culprit's git show block too: related both ways.
    assert {(e.ref, e.how) for e in answer.evidence} == {
        (second_id, "same-crash-signature"),
        (second_id, "same-culprit"),
    }
    assert answer.answer == "1 related (2 reasons)"  # one regression, related two ways
    assert len(seed_store.regressions()) == 2  # related, never merged without a command
    assert {e.ref for e in related(seed_store, second_id).evidence} == {REGRESSION}


def test_with_no_fix_the_culprits_fixes_tags_are_candidates(tmp_path: Path) -> None:
    """Two patches whose Fixes: names the culprit, neither crediting the reporter nor
    changing a file the report names: either may fix another regression of the culprit."""
    tracking = Tracking(tmp_path)
    culprit_id = "f00dfeedcafe0123456789abcdef0123456789ab"
    patches = [
        message(
            f"20230722.fixes-patch-{n}@example.org",
            f"[PATCH] drm/frob: check the subscription first ({n})",
            f'Fix it.\n\nFixes: {culprit_id[:12]} ("drm/frob: subscribe")\n'
            "Signed-off-by: Carol Dev <carol@example.org>\n---\n"
            f"diff --git a/frob{n}.c b/frob{n}.c\n--- a/frob{n}.c\n+++ b/frob{n}.c\n"
            "@@ -1 +1 @@\n-a\n+b\n",
            date=f"2023-07-2{n} 09:00",
        )
        for n in (2, 3)
    ]
    tracking.mail(report(culprit_id), *patches)
    answer = fixed_by(tracking.store, tracking.regression().id)
    assert answer.answer == "nothing found that fixes it; 2 candidate(s), unconfirmed"
    assert [(c.ref, c.candidate, c.confidence) for c in answer.evidence] == [
        ("20230722.fixes-patch-2@example.org", True, "low"),
        ("20230722.fixes-patch-3@example.org", True, "low"),
    ]
    assert answer.missing == ("no fix posted or committed that regtrack can see",)
    tracking.close()


def test_the_one_patch_with_fixes_on_the_culprit_is_a_medium_fix(tmp_path: Path) -> None:
    tracking = Tracking(tmp_path)
    culprit_id = "f00dfeedcafe0123456789abcdef0123456789ab"
    patch = message(
        "20230722.fixes-patch@example.org",
        "[PATCH] drm/frob: check the subscription first",
        f'Fix it.\n\nFixes: {culprit_id[:12]} ("drm/frob: subscribe")\n'
        "Signed-off-by: Carol Dev <carol@example.org>\n---\n"
        "diff --git a/frob.c b/frob.c\n--- a/frob.c\n+++ b/frob.c\n@@ -1 +1 @@\n-a\n+b\n",
        date="2023-07-22 09:00",
    )
    tracking.mail(report(culprit_id), patch)
    answer = fixed_by(tracking.store, tracking.regression().id)
    assert answer.answer == "a fix was posted"
    (fix,) = answer.evidence
    assert (fix.ref, fix.how, fix.candidate, fix.confidence) == (
        "20230722.fixes-patch@example.org", "fixes-culprit", False, "medium"
    )  # fmt: skip
    tracking.close()


def test_two_regressions_blamed_on_one_culprit_are_related(tmp_path: Path) -> None:
    tracking = Tracking(tmp_path)
    culprit_id = "0123456789abcdef0123456789abcdef01234567"
    other = report(culprit_id[:12], msgid="20230725.other@example.org")
    tracking.mail(report(culprit_id), other)
    first = regression_id("20230720100000.report@example.org")
    other_id = regression_id("20230725.other@example.org")
    found = {(e.ref, e.how) for e in related(tracking.store, first).evidence}
    assert found == {(other_id, "same-culprit"), (other_id, "same-crash-signature")}
    tracking.close()


def test_a_message_of_no_regression_is_a_one_line_error(seed_store: Store, capsys) -> None:
    with pytest.raises(NotStoredError, match="belongs to no tracked regression"):
        fixed_by(seed_store, seed_msgid(5))
    assert main(["culprit", seed_msgid(5), "--db", str(seed_store.path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("regtrack: error: ")


@pytest.mark.parametrize("question", ["fixed-by", "culprit", "related"])
def test_the_question_commands(seed_store: Store, capsys, question: str) -> None:
    db = str(seed_store.path)
    assert main([question, REGRESSION[:6], "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{question} {REGRESSION}: Regression in linux-next"
    assert main([question, SEED_REPORT, "--db", db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["question"], data["regression"]) == (question, REGRESSION)


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("878", "'878' is neither a regression id nor a message-id in {db}"),
        ("-", "'-' is neither a regression id nor a message-id in {db}"),
        ("nobody@example.org", "'nobody@example.org' is not in {db}; run: regtrack ingest"),
        ("commit:828fe4085cae", "'commit:828fe4085cae' is a commit, not a regression or message"),
        ("a" * 10_000, "'" + "a" * 80 + "...' is neither a regression id nor a message-id"),
    ],
    ids=["too short an id", "a dash", "a message-id", "a commit", "10,000 characters"],
)
def test_what_names_nothing_is_one_short_line(
    seed_store: Store, capsys, reference, message
) -> None:
    """Only a message-id is worth ingesting; a long reference is shortened in the error."""
    db = str(seed_store.path)
    assert main(["fixed-by", reference, "--db", db]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("regtrack: error: " + message.format(db=db)) and len(line) < 300


def test_the_node_names_graph_prints_are_references(seed_store: Store) -> None:
    assert fixed_by(seed_store, f"reg:{REGRESSION}").regression == REGRESSION
    assert culprit(seed_store, f"msg:{seed_msgid(2)}").regression == REGRESSION


def test_an_unknown_culprit_has_the_same_json_keys(tmp_path: Path) -> None:
    tracking = Tracking(tmp_path)
    tracking.mail(report(None))
    answer = culprit(tracking.store, tracking.regression().id)
    assert answer.answer == "unknown culprit"
    assert answer.extra == {"posting": None, "revert_confirmed": []}
    tracking.close()


def test_what_the_answer_says_of_itself_comes_before_the_candidates() -> None:
    from regtrack.questions import Answer, Evidence
    from regtrack.render.questions import answer_lines

    chosen = Evidence("commit", "aaaa", "a: x", "caused-by", "named by A", "medium")
    other = Evidence(
        "commit", "bbbb", "b: y", "interacting", "named by A", "medium", candidate=True
    )
    answer = Answer("culprit", "r1", "t", "open", "aaaa", (chosen, other), (),
                    {"posting": "p@x", "revert_confirmed": []})  # fmt: skip
    lines = answer_lines(answer)
    assert lines.index("  posting: p@x") < lines.index("candidates (not confirmed):")
