"""Fixes of a regression: the mails that carry one, and the commits that landed.

Mail (each with its evidence):

* an inline diff proposed in the thread (the seed's message 3), or a patch
  posted as a reply in it;
* a patch anywhere whose ``Closes:`` or ``Link:`` names the report **or any
  message of its thread** (regzbot matches only a thread's first message);
* a patch whose subject matches a ``#regzbot fix:`` subject, compared after
  ``[PATCH vN m/n]``, ``Re:`` and case are stripped (regzbot compares bytes);
* a respin of the culprit patch, posted after the report, that carries an
  inline fix's change: it gains every line the fix gains in a file, or leaves
  the file at the same blob (the seed: v4 5/5 folds in message 3);
* a patch whose ``Reported-by:`` names syzbot's per-bug sender of the report;
* a patch posted after the report whose ``Fixes:`` names the culprit, when it
  also credits the reporter, changes a file the report's diagnostics name, or
  is the only such patch (else a note: one culprit can cause several
  regressions);
* a patch posted within 90 days whose ``Reported-by:`` credits the reporter
  (or whom the report asks fixes to credit, as LKFT's reports do) and that
  changes a file the report's build diagnostics or crash line name, unless a
  later report of the same person names that file too (the patch answers it).

Commits (``regtrack scan-git``): a ``Link:``/``Closes:`` to the report, a
message of its thread, a monitored thread or a fix mail; the subject of a
fix patch or of ``#regzbot fix:``; a commit id from ``#regzbot fix:``; a
revert of the culprit; the culprit replaced by a commit with its subject
that carries the fix's change (a rebased linux-next); a stable backport of
any of those.  A fixing commit that was reverted on a branch counts no more
there, unless the revert was reverted there in turn.  A commit whose
``Fixes:`` names the culprit is a note, as in regzbot.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from regtrack.extract.commits import same_object
from regtrack.extract.patches import (
    carries_change,
    parse_subject,
    quoted_diff_files,
    touched_file,
)
from regtrack.gitscan import Commit
from regtrack.state.gitview import GitView, Placement
from regtrack.store.regressions import Event
from regtrack.store.tracking import REPORTED_BY_DAYS, TrackedMail, days_after

# The order a regression moves through while nobody closes it.
LEVELS = ("open", "fix-posted", "fix-queued", "fixed")
# Senders whose address names one bug (syzbot's "syzbot+<bug hash>@..."): a patch whose
# Reported-by: names it is about that bug; a person's address says much less.
_PER_BUG_SENDER = re.compile(r"syzbot\+[0-9a-f]{6,40}@syzkaller\.appspotmail\.com")


def normalised_title(subject: str) -> str:
    """A subject as fixes are compared: no ``Re:``, no ``[PATCH v2 3/5]`` tags, any case."""
    return " ".join(parse_subject(subject).title.split()).casefold()


@dataclass(slots=True)
class FixFindings:
    """What :func:`find_fix_mails` and :func:`find_fix_commits` found for one regression."""

    mails: list[dict[str, Any]] = field(default_factory=list)
    commits: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    monitored: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class MailIndex:
    """Lookups over the loaded mail: who links to a message, which patches carry a title."""

    linked_from: Mapping[str, tuple[tuple[str, str], ...]]  # ref msgid -> (msgid, kind)
    by_title: Mapping[str, tuple[str, ...]]  # normalised title -> patch msgids
    reporting: Mapping[str, tuple[str, ...]]  # Reported-by: address -> msgids
    diagnosing: Mapping[str, tuple[str, ...]]  # author -> msgids naming files, oldest first
    fixing: Mapping[str, tuple[tuple[str, str], ...]]  # Fixes: id[:8] -> (msgid, whole id)

    @classmethod
    def of(cls, mails: Mapping[str, TrackedMail]) -> MailIndex:
        linked: dict[str, list[tuple[str, str]]] = {}
        titles: dict[str, list[str]] = {}
        reporting: dict[str, list[str]] = {}
        fixing: dict[str, list[tuple[str, str]]] = {}
        diagnosing: dict[str, list[str]] = {}
        for mail in sorted(mails.values(), key=lambda m: (m.date or "", m.msgid)):
            if mail.named_files:
                diagnosing.setdefault(mail.author_addr.lower(), []).append(mail.msgid)
            for commit, _ in mail.fixes:
                fixing.setdefault(commit[:8], []).append((mail.msgid, commit))
            for kind, ref in mail.links:
                linked.setdefault(ref, []).append((mail.msgid, kind))
            if mail.is_patch and mail.files:
                titles.setdefault(normalised_title(mail.title), []).append(mail.msgid)
            for address in mail.reported_by:
                reporting.setdefault(address, []).append(mail.msgid)
        return cls(
            {k: tuple(v) for k, v in linked.items()},
            {k: tuple(v) for k, v in titles.items()},
            {k: tuple(v) for k, v in reporting.items()},
            {k: tuple(v) for k, v in diagnosing.items()},
            {k: tuple(v) for k, v in fixing.items()},
        )


def find_fix_mails(
    report: TrackedMail,
    members: Sequence[TrackedMail],
    mails: Mapping[str, TrackedMail],
    index: MailIndex,
    culprit: dict[str, Any] | None,
    fix_subjects: Sequence[tuple[str, TrackedMail]],
    changes: Callable[[str], dict[str, frozenset[str]]],
    quoted_files: Callable[[str], tuple[str, ...]] = lambda _msgid: (),
) -> FixFindings:
    """The fix mails of one regression (see module doc), oldest first, one entry each;
    ``quoted_files`` gives the files of a diff a stored message quotes."""
    found = FixFindings()
    member_ids = {m.msgid for m in members}
    seen: set[str] = set()

    def add(mail: TrackedMail, how: str, evidence: str) -> None:
        if mail.msgid in seen:
            return
        seen.add(mail.msgid)
        found.mails.append(
            {"msgid": mail.msgid, "subject": mail.subject, "author": mail.author,
             "at": mail.date, "how": how, "evidence": evidence}
        )  # fmt: skip
        found.events.append(
            Event(mail.date, "fix-posted", f"fix posted ({how}): {evidence}", "mail",
                  mail.msgid, mail.author)
        )  # fmt: skip

    for mail in members:
        if not mail.files:
            if quoted := _quoted_stand_in(report, mail, mails, quoted_files):
                add(
                    mail,
                    "quoted-diff",
                    f"a diff of {', '.join(quoted[:3])} proposed in <{mail.parent}>, which the "
                    "archive lacks, quoted in the thread",
                )
            continue
        if mail.msgid == report.msgid:
            if not mail.is_patch:  # the reporter's interim fix ("I applied this for today")
                add(
                    mail, "inline-diff", f"the report carries a diff of {', '.join(mail.files[:3])}"
                )
        elif mail.is_patch:
            add(mail, "patch-in-thread", "a patch posted in the report's thread")
        elif mail.inline_fix:
            add(
                mail, "inline-diff", f"a diff of {', '.join(mail.files[:3])} proposed in the thread"
            )
    for target in sorted(member_ids):
        for msgid, kind in index.linked_from.get(target, ()):
            linking = mails.get(msgid)
            if linking is None or msgid in member_ids:
                continue
            mail = linking
            whom = "the report" if target == report.msgid else f"a reply in its thread ({target})"
            reviewed = _reviewed_patch(mail, mails)
            if kind in ("link", "closes") and reviewed is not None:
                # A review that hands the patch its tags ("Please add Link: ..."): the
                # patch it answers is the fix, not the review.
                add(reviewed, kind, f"{kind.capitalize()}: names {whom} in <{mail.msgid}>, a "
                    "reply to this patch")  # fmt: skip
            elif kind in ("link", "closes") and (mail.files or mail.is_patch):
                add(mail, kind, f"{kind.capitalize()}: names {whom}")
            found.monitored.add(msgid)
    if _PER_BUG_SENDER.fullmatch(report.author_addr.lower()):
        for reporting in index.reporting.get(report.author_addr.lower(), ()):
            fix = mails[reporting]
            if (
                fix.msgid not in member_ids
                and fix.files
                and (fix.date or "") >= (report.date or "")
            ):
                add(
                    fix,
                    "reported-by",
                    f"Reported-by: names the report's per-bug sender {report.author_addr}",
                )
    for subject, command_mail in fix_subjects:
        for msgid in index.by_title.get(normalised_title(subject), ()):
            mail = mails[msgid]
            if (mail.date or "") >= (report.date or ""):
                add(mail, "fix-command", f"the subject #regzbot fix names ({command_mail.msgid})")
    _respins(report, mails, index, culprit, found, add, changes)
    named = _named_files(report, members)
    _fixes_culprit(report, culprit, mails, index, named, seen, found, add)
    _reported_by_reporter(report, mails, index, named, member_ids, add)
    found.mails.sort(key=lambda m: (m["at"] or "", m["msgid"]))
    return found


# Words of a reply that says the diff it quotes does not fix the problem.
_NOT_FIXED = re.compile(
    r"\b(?:does(?:n't| not) (?:help|fix|work)|did(?:n't| not) (?:help|fix|work)|still (?:fails|"
    r"see|get|happens|there)|not (?:fixed|correct|right))\b",
    re.IGNORECASE,
)


def _reviewed_patch(mail: TrackedMail, mails: Mapping[str, TrackedMail]) -> TrackedMail | None:
    """The patch a reply without a diff of its own answers, if it is stored."""
    if mail.files or not mail.parent or mail.parent not in mails:
        return None
    parent = mails[mail.parent]
    return parent if parent.is_patch and parent.files else None


def quoted_proposal(text: str) -> tuple[str, ...]:
    """The files of the diff a reply quotes, unless its own words say the diff does not
    fix the problem."""
    files = quoted_diff_files(text)
    if not files:
        return ()
    own = "\n".join(line for line in text.split("\n") if not line.startswith(">"))
    return () if _NOT_FIXED.search(own) else files


def _quoted_stand_in(
    report: TrackedMail,
    mail: TrackedMail,
    mails: Mapping[str, TrackedMail],
    quoted_files: Callable[[str], tuple[str, ...]],
) -> tuple[str, ...]:
    """A reply that quotes the diff of the message it answers, when the archive lacks
    that message (sent to one person, or to another list): the diff was proposed in
    the thread all the same, and the reply is the only mail that carries it."""
    if mail.msgid == report.msgid or mail.is_patch or not mail.parent or mail.parent in mails:
        return ()
    return quoted_files(mail.msgid)


def _respins(report, mails, index, culprit, found, add, changes) -> None:
    """A respin of the culprit patch that carries an inline fix's change."""
    if not culprit or not culprit.get("subject") or not found.mails:
        return
    fixed_blobs = _fix_blobs(mails, found.mails)
    for msgid in index.by_title.get(normalised_title(culprit["subject"]), ()):
        mail = mails[msgid]
        if (mail.date or "") <= (report.date or "") or msgid in {f["msgid"] for f in found.mails}:
            continue
        shared = _shared_blob(mail.blobs, fixed_blobs)
        carried = None if shared else _carried(found.mails, changes(msgid), changes)
        if shared:
            how = f"leaves {shared[0]} at blob {shared[1]}, as the fix does"
        elif carried:
            how = f"gains every line the fix {carried[1]} gains in {carried[0]}"
        else:
            continue
        add(mail, "respin-of-culprit", f"a respin of the culprit (same subject) that {how}")


def _fixes_culprit(report, culprit, mails, index, named, seen, found, add) -> None:
    """Patches posted after the report whose own ``Fixes:`` names the culprit (8 to 40
    digits; regzbot's pattern for it in mail lacks the letter f).  One culprit can cause
    several regressions, so such a patch is this one's fix mail only when it says more:
    its ``Reported-by:`` names the reporter, it touches a file the report's diagnostics
    name, or it is the only one (its versions, v1, v2, a RESEND, count as one); else it is
    a note."""
    commit = (culprit or {}).get("commit") or ""
    if len(commit) < 8:
        return

    def note(mail: TrackedMail) -> None:
        text = f"{mail.subject} has a Fixes: tag for the culprit"
        found.events.append(Event(mail.date, "note", text, "mail", mail.msgid, mail.author))

    patches = []
    for msgid, fixed in index.fixing.get(commit[:8], ()):
        if msgid in seen or not same_object(fixed, commit):
            continue
        mail = mails[msgid]
        if mail.is_patch and mail.files and _after(mail, report):
            patches.append(mail)
        else:
            note(mail)
    # The versions of one patch (v1, v2, a RESEND) are one fix, not several.
    fixes = {normalised_title(mail.title) for mail in patches}
    for mail in patches:
        touched = touched_file(named, mail.files)
        if {report.author_addr.lower(), *report.reported_by} & set(mail.reported_by):
            add(mail, "fixes-culprit", "Fixes: names the culprit; Reported-by: names the reporter")
        elif touched:
            add(mail, "fixes-culprit", f"Fixes: names the culprit; it changes {touched}, "
                "which the report's diagnostics name")  # fmt: skip
        elif len(fixes) == 1:
            versions = f" (in {len(patches)} versions)" if len(patches) > 1 else ""
            add(mail, "fixes-culprit", "the one patch posted since the report whose Fixes: "
                f"names the culprit{versions}")  # fmt: skip
        else:
            note(mail)


def _reported_by_reporter(report, mails, index, named, member_ids, add) -> None:
    """Patches posted within :data:`REPORTED_BY_DAYS` after the report whose
    ``Reported-by:`` names its author and that touch a file the report's diagnostics
    name: many fixes credit the reporter and link nothing.  A person reports many
    problems, so the file must agree too (a per-bug sender such as syzbot's needs not).
    The reporter is the report's author or whom its own ``Reported-by:`` names."""
    if not named or not report.date:
        return
    limit = days_after(report.date, REPORTED_BY_DAYS)
    # The author, and whom the report asks fixes to credit (a test service's
    # "Reported-by: Linux Kernel Functional Testing <lkft@linaro.org>").
    for reporter in dict.fromkeys([report.author_addr.lower(), *report.reported_by]):
        for msgid in index.reporting.get(reporter, ()):
            mail = mails[msgid]
            if msgid in member_ids or not (mail.is_patch and mail.files):
                continue
            if not _after(mail, report) or (mail.date or "") > limit:
                continue
            touched = touched_file(named, mail.files)
            if touched and not _answers_later(mail, report, mails, index):
                add(mail, "credits-reporter", f"Reported-by: names the reporter {reporter}; it "
                    f"changes {touched}, which the report's diagnostics name")  # fmt: skip


def _answers_later(patch, report, mails, index) -> bool:
    """Whether the report's author, in another thread, after the report and before the
    patch, showed diagnostics naming a file the patch changes: the patch answers that
    later message (a reporter's build logs list warnings that are not new), not this one."""
    for msgid in index.diagnosing.get(report.author_addr.lower(), ()):
        other = mails[msgid]
        if other.thread_id == report.thread_id or not report.date or not other.date:
            continue
        later = report.date < other.date <= (patch.date or "")
        if later and touched_file(other.named_files, patch.files):
            return True
    return False


def _named_files(report: TrackedMail, members: Sequence[TrackedMail]) -> tuple[str, ...]:
    """The files the build diagnostics of the report, and of the reporter's own later
    messages in its thread, name."""
    author = report.author_addr.lower()
    named = [*report.named_files]
    for mail in members:
        if mail.author_addr.lower() == author and mail.msgid != report.msgid:
            named += mail.named_files
    return tuple(dict.fromkeys(named))


def _after(mail: TrackedMail, report: TrackedMail) -> bool:
    return (mail.date or "") >= (report.date or "")


def _carried(fix_mails, change, changes) -> tuple[str, str] | None:
    """(file, fix msgid) when ``change`` holds the whole change of one of the fix mails."""
    for fix in fix_mails:
        name = carries_change(changes(fix["msgid"]), change)
        if name:
            return name, fix["msgid"]
    return None


def _fix_blobs(
    mails: Mapping[str, TrackedMail], fix_mails: Iterable[dict[str, Any]]
) -> set[tuple[str, str]]:
    return {pair for fix in fix_mails for pair in mails[fix["msgid"]].blobs}


def _shared_blob(
    blobs: Iterable[tuple[str, str]], wanted: set[tuple[str, str]]
) -> tuple[str, str] | None:
    """A (file, blob) in ``blobs`` whose blob agrees with a wanted one for the same file
    (ids are abbreviated to different lengths, so one must start the other)."""
    for path, blob in blobs:
        for other_path, other in wanted:
            agree = same_object(blob, other)
            if path == other_path and len(min(blob, other, key=len)) >= 7 and agree:
                return path, min(blob, other, key=len)
    return None


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
            carried = _carried(fix_mails, change, changes) if change is not None else None
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
