"""Fixes of a regression: the mails that carry one, and the commits that landed.

Mail (each with its evidence):

* an inline diff proposed in the thread (the seed's message 3), or a patch
  posted as a reply in it; a reply that pastes a diff proposed before it in the
  thread (the same patch-id: a tester showing what they tried) is not another;
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
  later report of the same person names that file too (the patch answers it);
* the patch a review answers when the review (a reply without a diff) is what
  carries the ``Link:``/``Closes:`` to the report;
* a diff the archive lacks, known only because a reply in the thread quotes
  it, unless the reply says it does not help (low confidence);
* when none of the above: a diff posted elsewhere within a week after the report
  that changes a file and an identifier the report's errors name (low confidence).

Fixing commits: :mod:`regtrack.state.fixcommits`.
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
from regtrack.extract.quoting import LabelledBody
from regtrack.store.regressions import Event
from regtrack.store.tracking import (
    REPORTED_BY_DAYS,
    SAME_SYMBOL_DAYS,
    TrackedMail,
    days_after,
)

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
    """What :func:`find_fix_mails` and :func:`regtrack.state.fixcommits.find_fix_commits`
    found for one regression."""

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
    changing: Mapping[str, tuple[str, ...]]  # file -> msgids whose diff changes it, oldest first

    @classmethod
    def of(cls, mails: Mapping[str, TrackedMail]) -> MailIndex:
        linked: dict[str, list[tuple[str, str]]] = {}
        titles: dict[str, list[str]] = {}
        reporting: dict[str, list[str]] = {}
        fixing: dict[str, list[tuple[str, str]]] = {}
        diagnosing: dict[str, list[str]] = {}
        changing: dict[str, list[str]] = {}
        for mail in sorted(mails.values(), key=lambda m: (m.date or "", m.msgid)):
            for name in mail.files:
                changing.setdefault(name, []).append(mail.msgid)
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
            {k: tuple(v) for k, v in changing.items()},
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
    changed_text: Callable[[str], dict[str, str]] = lambda _msgid: {},
) -> FixFindings:
    """The fix mails of one regression (see module doc), oldest first, one entry each;
    ``quoted_files`` gives the files of a diff a stored message quotes, ``changed_text``
    the hunk headers and changed lines of a stored message's diff, per file."""
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

    proposed: set[str] = set()  # the patch-ids of the diffs proposed so far in the thread
    for mail in members:  # oldest first
        copy = bool(mail.patch_id) and mail.patch_id in proposed
        if mail.patch_id:
            proposed.add(mail.patch_id)
        if copy and not mail.is_patch:
            continue  # a tester pasting the diff they tried: its author's proposal counts
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
            if kind in ("link", "closes"):
                if (reviewed := _reviewed_patch(mail, mails)) is not None:
                    # A review that hands the patch its tags ("Please add Link: ..."): the
                    # patch it answers is the fix, not the review.
                    add(reviewed, kind, f"{kind.capitalize()}: names {whom} in <{mail.msgid}>, "
                        "a reply to this patch")  # fmt: skip
                elif mail.files or mail.is_patch:
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
    if not found.mails:
        _same_symbol(report, mails, index, member_ids, changed_text, add)
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
    return () if _NOT_FIXED.search(LabelledBody(text).own_text()) else files


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
        carried = None if shared else carried_change(found.mails, changes(msgid), changes)
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


def _same_symbol(report, mails, index, member_ids, changed_text, add) -> None:
    """When nothing else fixes it: a diff posted elsewhere within :data:`SAME_SYMBOL_DAYS`
    after the report that changes a file the report's errors name, in a hunk about an
    identifier they name (the function a crash title ends in, the one a compiler error
    quotes).  Fixes of linux-next's merge breakage are often posted so: the tree's
    maintainer answers in the merge notice's thread, not in the report's."""
    named, symbols = report.named_files, report.symbols
    if not named or not symbols or not report.date:
        return
    limit = days_after(report.date, SAME_SYMBOL_DAYS)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, dict.fromkeys(symbols))) + r")\b")
    for name in sorted(set(named)):
        for msgid in index.changing.get(name, ()):
            mail = mails[msgid]
            if msgid in member_ids or not _after(mail, report) or (mail.date or "") > limit:
                continue
            if hit := pattern.search(changed_text(msgid).get(name, "")):
                add(mail, "same-symbol", f"a diff posted in another thread changes "
                    f"{hit.group(1)} in {name}, which the report's errors name")  # fmt: skip


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


def carried_change(fix_mails, change, changes) -> tuple[str, str] | None:
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
