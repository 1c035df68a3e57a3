"""The culprit of a regression from everything its thread says, and the tree it lives in.

Replies often name the culprit better than the report does ("bisected to",
"caused by commit", a pasted ``git show``), and a later, more specific
statement replaces an earlier guess; an explicit ``#regzbot introduced``
outranks every statement in prose.  Each candidate keeps who said it and
where, so a reader can check the choice.

The tree comes, in this order, from where the culprit commit is found in a
scanned tree (regzbot's rule: mainline, then next, then stable), from the
range or commit of ``#regzbot introduced``, and from the tags and tree words
of the report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from regtrack.extract.commits import same_object
from regtrack.state.gitview import GitView
from regtrack.store.tracking import TrackedMail

# How much a form of statement says: a bisection's "first bad commit" or a
# pasted commit header names exactly one commit; "caused by" is a claim.
_HOW_WEIGHT = {
    "first-bad": 2,
    "git-show": 2,
    "robot-subject": 2,
    "caused-by": 1,
    "introduced-by": 1,
    "subject": 1,
    # the second commit of a semantic conflict ("interacting with"), a commit that only
    # exposed the problem, a revert only suggested: candidates, below any claim
    "interacting": -1,
    "exposed-by": -1,
    "revert-suggested": -1,
}
_STABLE_TAG = re.compile(r"^v?(\d+)\.(\d+)\.\d+$")
_MAINLINE_TAG = re.compile(r"^v?\d+\.\d+(?:-rc\d+)?$")


def culprit_candidates(
    members: Sequence[TrackedMail], commands: Sequence[tuple[TrackedMail, Any]]
) -> list[dict[str, Any]]:
    """Every culprit named in the thread's own text, and by ``introduced`` commands,
    in the order they were said."""
    found: list[dict[str, Any]] = []
    for mail in members:
        for commit, subject, how, sentence in mail.culprits:
            found.append(
                _candidate(mail, commit, subject, None, how, sentence, 1 + _HOW_WEIGHT.get(how, 0))
            )
    for mail, command in commands:
        if command.commit or command.range_start:
            span = [command.range_start, command.range_end] if command.range_start else None
            found.append(
                _candidate(
                    mail, command.commit, None, span, "#regzbot introduced",
                    f"#regzbot {command.spelling or command.name}: {command.argument}", 10,
                )
            )  # fmt: skip
    return found


def _candidate(
    mail: TrackedMail,
    commit: str | None,
    subject: str | None,
    span: list[str | None] | None,
    how: str,
    sentence: str,
    weight: int,
) -> dict[str, Any]:
    if commit and len(commit) >= 12:
        weight += 1
    if subject:
        weight += 1
    return {
        "commit": commit,
        "subject": subject,
        "range": span,
        "named_by": mail.author,
        "msgid": mail.msgid,
        "at": mail.date,
        "how": how,
        "sentence": sentence[:300],
        "weight": weight,
    }


def culprit_of_fixes(
    fix_mails: Sequence[dict[str, Any]], mails: Mapping[str, TrackedMail]
) -> list[dict[str, Any]]:
    """The commit a fix's own ``Fixes:`` names, from the oldest fix mail that has one:
    when nobody in the thread named the culprit, the fixer did (a candidate below every
    statement of the thread's own).  A fix that changes only tests (``tools/testing/``)
    names the test's commit, which broke no kernel: it is passed over."""
    for fix in fix_mails:
        mail = mails.get(fix["msgid"])
        if mail is None or not mail.fixes:
            continue
        if mail.files and all(path.startswith("tools/testing/") for path in mail.files):
            continue  # a fix of a test names the test's commit, not what broke the kernel
        commit, subject = mail.fixes[0]
        sentence = f"Fixes: {commit}" + (f' ("{subject}")' if subject else "")
        return [_candidate(mail, commit, subject, None, "fix's Fixes:", sentence, 0)]
    return []


def choose_culprit(candidates: Sequence[dict[str, Any]], git: GitView) -> dict[str, Any] | None:
    """The most specific statement, the latest among equals; its subject filled in from a
    scanned tree when the mail gave none."""
    if not candidates:
        return None
    best = max(candidates, key=lambda c: (c["weight"], c["at"] or "", c["msgid"]))
    chosen = dict(best)
    commit = chosen["commit"]
    if commit and not git.empty:
        known = git.with_prefix(commit)
        if len(known) == 1:
            chosen["commit_full"] = known[0].sha
            chosen["subject"] = chosen["subject"] or known[0].subject
    if commit and not chosen["subject"]:  # another statement may give the subject
        for other in candidates:
            if other["commit"] and other["subject"] and same_object(other["commit"], commit):
                chosen["subject"] = other["subject"]
                break
    return chosen


def regression_tree(
    culprit: dict[str, Any] | None, report: TrackedMail, git: GitView
) -> tuple[str | None, str | None]:
    """(tree, why): ``mainline``, ``next``, ``stable-N.M``, or None when nothing tells."""
    if culprit and culprit.get("commit") and not git.empty:
        for commit in git.with_prefix(culprit["commit"])[:1]:
            for placement in git.placements(commit.sha):
                if placement.tree == "subsystem":
                    continue  # regressions live in mainline, next and stable only
                return (
                    placement.tree,
                    f"the culprit is in {placement.branch.branch} ({placement.tree})",
                )
    if culprit and culprit.get("range"):
        end = culprit["range"][1] or culprit["range"][0]
        tree = tag_tree(end)
        if tree:
            return tree, f"#regzbot introduced names {end}"
    stable = next((name for name, tree in report.tags if tree == "stable"), None)
    if report.report_tree == "linux-next":
        return "next", "the report is about linux-next"
    if report.report_tree == "stable":
        return (tag_tree(stable) if stable else "stable"), "the report is about a stable kernel"
    if report.report_tree == "mainline":
        return "mainline", "the report names mainline versions"
    return None, None


def tag_tree(tag: str | None) -> str | None:
    """The tree a tag names: next-YYYYMMDD, v6.5-rc1 (mainline), v6.1.12 (stable-6.1)."""
    if not tag:
        return None
    if tag.startswith("next-"):
        return "next"
    if match := _STABLE_TAG.match(tag):
        return f"stable-{match.group(1)}.{match.group(2)}"
    if _MAINLINE_TAG.match(tag):
        return "mainline"
    return None
