"""Fixing commits of a regression, from the trees ``regtrack scan-git`` read.

A ``Link:``/``Closes:`` to the report, a
message of its thread, a monitored thread or a fix mail; the subject of a
fix patch or of ``#regzbot fix:``; a commit id from ``#regzbot fix:``; a
revert of the culprit; the culprit replaced by a commit with its subject
that carries the fix's change (a rebased linux-next); a stable backport of
any of those.  A fixing commit that was reverted on a branch counts no more
there, unless the revert was reverted there in turn.  A commit whose
``Fixes:`` names the culprit is a note, as in regzbot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from regtrack.extract.patches import parse_subject
from regtrack.gitscan import Commit
from regtrack.state.fixes import FixFindings, carried_change, normalised_title
from regtrack.state.gitview import GitView, Placement
from regtrack.store.regressions import Event
from regtrack.store.tracking import TrackedMail


def find_fix_commits(
    git: GitView,
    tree: str | None,
    culprit: dict[str, Any] | None,
    linked_msgids: Iterable[str],
    fix_mails: Sequence[dict[str, Any]],
    mails: Mapping[str, TrackedMail],
    fix_commands: Sequence[tuple[Any, TrackedMail]],
    changes: Callable[[str], dict[str, frozenset[str]]],
) -> FixFindings:
    """The commits that fix one regression, with their effect in each tree (module doc)."""
    found = FixFindings()
    if git.empty:
        return found
    evidence: dict[str, tuple[Commit, str]] = {}

    def note(commit: Commit, how: str) -> None:
        evidence.setdefault(commit.sha, (commit, how))

    for msgid in sorted(set(linked_msgids)):
        for commit in git.linking(msgid):
            kinds = sorted(
                {r.kind for r in commit.refs if r.target == msgid and r.kind in ("link", "closes")}
            )
            note(commit, f"{'/'.join(k.capitalize() for k in kinds)}: names {msgid}")
    culprit_title = normalised_title((culprit or {}).get("subject") or "")
    for fix in fix_mails:
        mail = mails[fix["msgid"]]
        # A respin of the culprit has the culprit's subject: only its change tells the respun
        # commit from the culprit rebased as it was (_replacements compares the changes).
        if mail.is_patch and normalised_title(mail.title) != culprit_title:
            for commit in git.by_subject(parse_subject(mail.title).title):
                if not _is_culprit(commit, culprit):
                    note(commit, f"the subject of fix patch {mail.msgid}")
    _by_patch_id(git, fix_mails, mails, culprit_title, evidence, note)
    for command, mail in fix_commands:
        if command.commit:
            for commit in git.with_prefix(command.commit):
                note(commit, f"the commit #regzbot fix names ({mail.msgid})")
        elif command.title:  # the culprit is no fix of itself, whatever subject is named
            for commit in git.by_subject(parse_subject(command.title).title):
                if not _is_culprit(commit, culprit):
                    note(commit, f"the subject #regzbot fix names ({mail.msgid})")
    culprit_sha = _culprit_sha(git, culprit)
    if culprit_sha:
        for commit in git.referencing("reverts", culprit_sha):
            note(commit, "reverts the culprit")
        _replacements(git, culprit, culprit_sha, fix_mails, mails, note, found, changes)
    for sha, (_, how) in list(evidence.items()):
        for backport in git.referencing("upstream", sha):
            note(backport, f"a stable backport of {sha[:12]} ({how})")
    for commit, how in sorted(evidence.values(), key=lambda e: (e[0].committed_at, e[0].sha)):
        found.commits.extend(_placed(git, tree, commit, how, found.events))
    if culprit_sha:
        for commit in git.referencing("fixes", culprit_sha):
            if commit.sha not in evidence:
                text = f'{commit.sha[:12]} ("{commit.subject}") has a Fixes: tag for the culprit'
                found.events.append(
                    Event(
                        commit.committed_at, "note", text, "commit", commit.sha, commit.author_name
                    )
                )
    return found


def _by_patch_id(git, fix_mails, mails, culprit_title, evidence, note) -> None:
    """Fix patches that no Link: or subject found: a commit after the posting, touching the
    same files, with the same ``git patch-id --stable`` (the maintainer reworded the
    subject, or the commit carries no Link:)."""
    for fix in fix_mails:
        mail = mails[fix["msgid"]]
        if not mail.patch_id or not mail.files or not mail.date:
            continue
        if mail.is_patch and normalised_title(mail.title) == culprit_title:
            continue  # a respin of the culprit: only its change tells it apart (_replacements)
        if any(mail.msgid in how for _, how in evidence.values()):
            continue
        for sha in git.with_patch_id(mail.patch_id, mail.files, mail.date):
            commit = git.commit(sha)
            if commit is not None:
                note(commit, f"the patch-id of fix mail {mail.msgid}")


def _is_culprit(commit: Commit, culprit: dict[str, Any] | None) -> bool:
    prefix = (culprit or {}).get("commit") or ""
    return bool(prefix) and commit.sha.startswith(prefix)


def _culprit_sha(git: GitView, culprit: dict[str, Any] | None) -> str | None:
    if not culprit or not culprit.get("commit"):
        return None
    known = git.with_prefix(culprit["commit"])
    return known[0].sha if len(known) == 1 else culprit["commit"]


def _replacements(git, culprit, culprit_sha, fix_mails, mails, note, found, changes) -> None:
    """A commit with the culprit's subject on a branch the culprit left (or never was on),
    carrying a fix mail's change: the culprit respun with the fix folded in."""
    subject = culprit.get("subject")
    if not subject:
        return
    for commit in git.by_subject(subject):
        if commit.sha == culprit_sha or commit.sha.startswith(culprit_sha):
            continue
        for placement in git.placements(commit.sha):
            if not placement.present or _still_there(git, culprit_sha, placement):
                continue
            change = git.commit_change(placement.branch.repository, commit.sha)
            carried = carried_change(fix_mails, change, changes) if change is not None else None
            if carried:
                note(
                    commit, f"the culprit respun with the fix {carried[1]} folded in ({carried[0]})"
                )
            elif fix_mails:
                why = "the repository cannot tell" if change is None else "no fix's change is in it"
                found.events.append(
                    Event(commit.committed_at, "note",
                          f"{commit.sha[:12]} has the culprit's subject in {placement.tree}, "
                          f"but is not counted as the fix: {why}", "commit", commit.sha,
                          commit.author_name)
                )  # fmt: skip
            break


def _still_there(git: GitView, sha: str, placement: Placement) -> bool:
    return any(p.branch == placement.branch and p.present for p in git.placements(sha))


def effect(regression_tree: str | None, commit_tree: str) -> str:
    """What a fixing commit in ``commit_tree`` does to a regression of ``regression_tree``.

    Trees by priority, as regzbot: next < mainline < stable, and before them
    a subsystem tree (``scan-git --tree subsystem``: net-next, drm-next, ...),
    which feeds next.  The same tree fixes (for stable: the same series); a
    tree upstream of the regression's queues the fix; a tree downstream is
    only noted.  A regression of no known tree counts as mainline's, as in
    regzbot; no regression lives in a subsystem tree, so a fix there only
    queues.
    """
    own = regression_tree or "mainline"
    if commit_tree == own and own != "subsystem":
        return "fixed"
    own_kind, commit_kind = own.split("-")[0], commit_tree.split("-")[0]
    if own_kind == commit_kind == "stable":
        return "fixed" if "stable" in (own, commit_tree) else "note"
    priority = {"subsystem": -2, "next": -1, "mainline": 0, "stable": 1}
    if priority[commit_kind] < priority[own_kind]:
        return "fix-queued"
    return "note"


def _standing_reverts(git: GitView, sha: str, placement: Placement, depth: int = 0) -> list[Commit]:
    """The reverts of ``sha`` on the placement's branch that were not reverted there in
    turn (``git revert`` of a revert puts the change back)."""
    if depth > 8:  # a chain of reverts this long is no kernel habit; stop, don't loop
        return []
    return [
        r for r in git.referencing("reverts", sha)
        if _still_there(git, r.sha, placement)
        and not _standing_reverts(git, r.sha, placement, depth + 1)
    ]  # fmt: skip


def _placed(git, tree, commit, how, events) -> list[dict[str, Any]]:
    """One entry per branch holding the fixing commit, with its effect (reverted: none)."""
    entries = []
    for placement in git.placements(commit.sha):
        if not placement.present:
            continue
        reverts = _standing_reverts(git, commit.sha, placement)
        # A stable backport of a revert keeps upstream's "This reverts commit <upstream id>".
        for upstream in commit.refs_of("upstream"):
            reverts += [
                r for r in _standing_reverts(git, upstream.value, placement) if r not in reverts
            ]
        result = "reverted" if reverts else effect(tree, placement.tree)
        entries.append(
            {"sha": commit.sha, "subject": commit.subject, "tree": placement.tree,
             "branch": placement.branch.branch, "at": commit.committed_at, "how": how,
             "effect": result, "reverted_by": [r.sha for r in reverts]}
        )  # fmt: skip
        kind = {"fixed": "fixed", "fix-queued": "fix-queued"}.get(result, "note")
        text = f'{commit.sha[:12]} ("{commit.subject}") in {placement.tree}: {how}'
        events.append(
            Event(commit.committed_at, kind, text, "commit", commit.sha, commit.author_name)
        )
        for revert in reverts:  # when and by whom it was reverted, not when it landed
            events.append(
                Event(revert.committed_at, "fix-reverted",
                      f"{commit.sha[:12]} was reverted by {revert.sha[:12]} in {placement.tree}",
                      "commit", revert.sha, revert.author_name)
            )  # fmt: skip
    return entries
