"""``fixed-by`` on real threads whose fixes were labelled by hand, with their fixes as commits.

The 2023 corpus is ingested once; a real git repository built here holds, on a
next branch, one commit for each labelled fix patch of
``tests/data/fixed_by_dev_2023.json`` that regtrack finds in mail: as b4 applies
it (``Link: https://patch.msgid.link/<fix>``, the id percent-encoded as b4 writes
it: ``/`` as ``%2F``), or, for every third one, with the
fix's subject only (a maintainer who applied it by hand).  An inline diff of a
reply becomes a commit linking that reply.  After ``scan-git`` the answer names
the fix mail and the commit in next, with the evidence path.  The labelled
reports with no fix in the corpus get no answer; the one of them with a culprit
gets a commit whose ``Fixes:`` names that culprit, which is a candidate only.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from regtrack.extract.patches import parse_subject
from regtrack.gitsync import scan_branch
from regtrack.ingest import ingest
from regtrack.questions import fixed_by
from regtrack.sources.mbox import MboxSource
from regtrack.state import update_all
from regtrack.store import Store
from tests.gitrepo import KernelRepo
from tests.paths import CORPUS_2023, TEST_DATA, require

pytestmark = pytest.mark.corpus

LABELS = json.loads((TEST_DATA / "fixed_by_dev_2023.json").read_text())


@dataclass
class Applied:
    store: Store
    commits: dict[str, tuple[str, str]]  # report -> (commit id, how it was applied)
    fixes: dict[str, str]  # report -> the fix mail the commit applies
    candidates: dict[str, str]  # report -> commit whose Fixes: names its culprit


def _record(store: Store, msgid: str) -> Any:
    for regression_id in sorted(store.regressions_of_messages([msgid]).get(msgid, ())):
        record = store.regression(regression_id)
        if record is not None and record.report == msgid:
            return record
    return None


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("labelled")
    store = Store(folder / "corpus.db")
    ingest(store, [MboxSource(require(CORPUS_2023, "the 2023 linux-next corpus"))])
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Stephen Maintainer", "GIT_AUTHOR_EMAIL": "sm@example.org",
        "GIT_COMMITTER_NAME": "Stephen Maintainer", "GIT_COMMITTER_EMAIL": "sm@example.org",
    }  # fmt: skip
    repo = KernelRepo(folder / "linux", env)
    repo.commit("Linux 6.4\n", "Makefile", "VERSION = 6\n")
    repo.git("tag", "v6.4")
    repo.checkout("-b", "next")
    commits, fixes, candidates = {}, {}, {}
    for number, label in enumerate(LABELS["reports"]):
        record = _record(store, label["report"])
        found = {fix["msgid"] for fix in record.fix_mails} if record else set()
        fix = next((f for f in label["fixes"] if f["msgid"] in found), None)
        if fix is None:
            continue
        subject = parse_subject(store.message(fix["msgid"])["subject"]).title
        if fix["how"] == "inline-diff" or number % 3:
            how = "link"
            link = f"Link: https://patch.msgid.link/{quote(fix['msgid'], safe='@+=')}"
            message = f"{subject}\n\nApplied from the list.\n\n{link}\n"
        else:
            how = "subject"
            message = f"{subject}\n\nApplied by hand.\n"
        commits[label["report"]] = (repo.commit(message, f"fix{number}.c", f"{number}\n"), how)
        fixes[label["report"]] = fix["msgid"]
    for label in LABELS["no_fix_found"]:
        record = _record(store, label["report"])
        culprit = ((record.culprit or {}).get("commit") if record else None) or ""
        if record and not record.fix_mails and len(culprit) >= 8:
            message = f'foo: an unrelated fix\n\nFixes: {culprit[:12]} ("x")\n'
            candidates[label["report"]] = repo.commit(message, "other.c", label["report"])
    scan_branch(store, repo.path, "next", "next")
    update_all(store)
    yield Applied(store, commits, fixes, candidates)
    store.close()


# Reports whose labelled fix regtrack does not find in mail (bench/heldout.py --dev
# --misses lists them), and unfixed reports it names a fix mail for anyway: strict
# expected failures, so a rule that gets one right fails the run until this is updated.
MISSED_FIX = {
    "CA+G9fYtwqro9qaCmxOBAM1qt8L7k5ZwceaYBLY8RWoELDghhsw@mail.gmail.com": (
        "the same build error as another report; the fix was posted in that report's thread"
    ),
}
FIX_NAMED_ANYWAY = {
    "20230203135303.32da1fc6@canb.auug.org.au": (
        "a patch linking the report was not applied: the culprit was amended instead"
    ),
    "20230404154005.449800c3@canb.auug.org.au": (
        "a draft inline diff that the reporter says is half wrong"
    ),
    "20230412143229.0c379a7f@canb.auug.org.au": (
        "a reply quotes the culprit's own hunk to ask how to format it"
    ),
    "000000000000807c7805f2205df1@google.com": (
        "the inline diff is no fix; the culprit was dropped on another list"
    ),
    "CA+G9fYvhPgoP57ip1cW5TaWJfkbkHA2SZqd5fFoTJ7rDGA138w@mail.gmail.com": (
        "a diff whose author says it explains nothing of the failure"
    ),
}


def _cases(labels: list[dict], known: dict[str, str]) -> list[Any]:
    return [
        pytest.param(
            label["report"],
            id=label["report"][:24],
            marks=[pytest.mark.xfail(strict=True, reason=known[label["report"]])]
            if label["report"] in known
            else [],
        )
        for label in labels
    ]


def test_most_labelled_fixes_were_applied(applied: Applied) -> None:
    assert len(applied.commits) == len(LABELS["reports"]) - len(MISSED_FIX)
    assert {how for _, how in applied.commits.values()} == {"link", "subject"}


@pytest.mark.parametrize("report", _cases(LABELS["reports"], MISSED_FIX))
def test_the_answer_names_the_fix_mail_and_the_commit_in_next(
    applied: Applied, report: str
) -> None:
    assert report in applied.commits, "regtrack finds none of its labelled fix mails"
    sha, how = applied.commits[report]
    answer = fixed_by(applied.store, report)
    mails = {e.ref for e in answer.evidence if e.what == "mail" and not e.candidate}
    assert applied.fixes[report] in mails
    (commit,) = [e for e in answer.evidence if e.what == "commit" and e.ref == sha]
    assert (commit.tree, commit.candidate) == ("next", False)
    assert commit.confidence == ("high" if how == "link" else "medium")
    assert f"-> {sha[:12]} in next" in commit.path
    record = _record(applied.store, report)
    assert record.status == ("fixed" if record.tree == "next" else "fix-queued")
    assert answer.answer in ("fixed in next", "a fix is queued upstream")


@pytest.mark.parametrize("report", _cases(LABELS["no_fix_found"], FIX_NAMED_ANYWAY))
def test_no_answer_where_the_corpus_holds_no_fix(applied: Applied, report: str) -> None:
    record = _record(applied.store, report)
    assert record is not None and not record.fix_mails, "a fix mail is named"
    answer = fixed_by(applied.store, report)
    assert not [e for e in answer.evidence if not e.candidate]
    assert answer.answer.startswith("nothing found that fixes it")
    assert answer.missing == ("no fix posted or committed that regtrack can see",)


def test_a_commit_with_fixes_on_the_culprit_is_only_a_candidate(applied: Applied) -> None:
    assert applied.candidates, "no unfixed labelled report with a culprit"
    for report, sha in applied.candidates.items():
        answer = fixed_by(applied.store, report)
        assert answer.answer == "nothing found that fixes it; 1 candidate(s), unconfirmed"
        ((candidate),) = answer.evidence
        assert (candidate.what, candidate.ref, candidate.candidate, candidate.confidence) == (
            "commit", sha, True, "low"
        )  # fmt: skip


def test_git_holds_what_the_answers_name(applied: Applied) -> None:
    """The commits are real: git knows each one the answers name."""
    repo = Path(applied.store.path).parent / "linux"
    for sha, _ in applied.commits.values():
        done = subprocess.run(
            ["git", "-C", str(repo), "cat-file", "-e", f"{sha}^{{commit}}"], check=False
        )
        assert done.returncode == 0
