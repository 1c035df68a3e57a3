"""All facts of one message, from its subject and body, in one record.

Extraction needs only what the database keeps (subject and decoded body), so
stored messages can be extracted again when the extractors improve:
:data:`FACTS_VERSION` says which extractors made a message's facts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from regtrack.extract.buildfail import BuildFailure, extract_build_failure
from regtrack.extract.classify import (
    Classification,
    blames_the_patch,
    classify,
    says_it_broke,
)
from regtrack.extract.commits import same_object
from regtrack.extract.culprits import (
    FIXES_TAG,
    Culprit,
    RevertTest,
    culprit_in_subject,
    extract_culprits,
    extract_revert_tests,
)
from regtrack.extract.links import MessageRef, extract_message_refs
from regtrack.extract.patches import PatchInfo, SubjectPrefix, extract_patch, parse_subject
from regtrack.extract.quoting import LabelledBody, Origin, unquoted_paste
from regtrack.extract.regzbot import RegzbotCommand, extract_regzbot_commands, is_for_regzbot
from regtrack.extract.stacktrace import CrashReport, extract_crash_reports
from regtrack.extract.trailers import Trailer, extract_trailers
from regtrack.extract.urls import WebLink, extract_web_links
from regtrack.extract.versions import Versions, extract_versions
from regtrack.mail import REPLY_PREFIX, MailMessage

# Raise when an extractor changes what it finds; `regtrack extract` then
# redoes messages whose facts are older.
#   1: the first extractors
#   2: build failures: objtool, Kconfig, dtc checks, modpost warnings, linker
#      and Sphinx forms; the first 50 distinct diagnostics; arch/ paths kept.
#      Crash reports: "kernel panic: ..." for a panic no other report precedes
#   3: #regzbot commands: regzbot's paragraph rule, every alias (canonical name
#      and spelling), ";"-separated commands, misplaced ones kept with the
#      reason.  Patches: the post-image blob of each file of a diff.  A patch
#      pasted with its format-patch header is the author's text, not a quote.
#      Culprits: "Bisected to commit" and friends on a line of their own,
#      "first bad commit: [<sha>]", and the commit a kernel test robot
#      subject names.  Classification: a test service's own Reported-by (+2)
#   4: Classification: a reply to the daily "Tree for" announcement that shows
#      a build failure or crash of its own is a report on that day's tree,
#      with the file at fault in the subject's brackets or in none.  Culprits:
#      "Caused by commit (an aside)" with the commit on the lines below.
#      Quoting: a patch pasted under a From:/Subject:/Date: header (Andrew
#      Morton's) is the author's own when a Signed-off-by: and a diff follow.
#      Patches: quilt's "+++ a/x" names x.  Culprits in more phrasings (hedged
#      lead-ins, "due to", "bad commit is found to be", ids in quotes, wrapped
#      phrases, a blaming subject), with roles: interacting, exposed-by,
#      revert-suggested.  Build failures: make's "*** [...] Error N", the
#      compiler driver's own errors, rustc's (file on the "-->" line), kbuild's
#      bare "error:", Python tracebacks of build tools, perf's header check (a
#      warning); a docs build or header check that "failed" with warnings only
#      did not fail.
#   5: Crash titles by syzkaller's rules (kinds, frames skipped, stall and
#      hang frames, run-specific parts replaced); KMSAN, KFENCE, KCSAN,
#      kmemleak and other reports without a "Call Trace:" line are found; a
#      CI clock before the dmesg timestamp, a wrapped WARNING line and
#      powerpc frames without their first "[" read.  Classification: KernelCI's
#      summary of a single build ("1 build: 0 failed") is read as its summaries are.
#   6: Culprits: lead-ins after other words on their line ("Problem introduced by
#      commits:"), "revealed by", "caused/exposed by", "brought by", "blames",
#      "it's from", a bad merge or conflict "between commit X and commit Y" (the
#      second interacting), lists of reverted or revert-suggested commits, bullets
#      and wrapped subjects in lists, "[Bisected] [commit X]" subjects, and the
#      commits a patch's own Fixes: trailers name (kind fixes-tag).  Coverity-bot's
#      reports are reports.  A reply's subject is its thread's: a reply in a
#      report's thread is a follow-up; one in reply to the daily tree that blames a
#      commit reports; a subject naming first the tree that fails.  Kconfig's
#      "unmet direct dependencies" is a build warning.  Crashes of one line
#      (a CI's excerpt: NULL dereference, paging request, soft lockup, kernel
#      BUG, the kernel's state checks, usercopy), dmesg's decoded level prefix,
#      lines interleaved on the console.  A reply to a patch with a failure of
#      its own on a tree it names, and words saying something stopped working,
#      count for a report; the assembler's errors; "a conflict with <sha>", "the
#      problematic patch"; a revert test "after X reverted, it passed".  A crash
#      report says whether syzkaller would judge it corrupted; a lockdep line
#      wrapped after its ", at:" is read whole.
#   7: culprits: "interacting with" (a typo of it too, or "merging badly with") ending
#      its line over the commit below, the word "commit" left out; "a silent conflict
#      of" one commit "with" another listed below it; "bisect points to (the)
#      following patch:" over a "commit <sha>" line.  Crashes: a WARNING line wrapped
#      after its place (the function alone on the next line); a second WARNING at
#      another place after one of one line is another report; a one-line WARNING's
#      title drops the compiler suffix ("f.constprop.0" is f), and without a function
#      is "WARNING".  A mail that answers none (no In-Reply-To, References, "Re:" or
#      "Fwd:") quotes nothing: its ">" lines are its author's paste.  mm's
#      "mm-stable"/"mm-unstable" branches are no stable tree, nor "net-next tree" or a
#      "for-next tree" linux-next (a tree is named by a word of its own); a combined
#      diff's index line is no range.  An int3 trap is titled "int3 in f".
#   8: culprits: the verbs as typed ("instroduced", "revreted", "revering"); an
#      alternative after "or" (on its own line, or inline) and an inline list after
#      "and"; a commit named by its web page (cgit's "?id=", "/commit/"); "the change
#      that altered the behavior was:"; a revert that "made it build"; "bisect point(ing)
#      to"; "smells like perhaps either:" over a list; "commit X has caused"; git show's
#      subject under a "commit <sha>" line; "due to the presence of commit"; "can X be
#      reverted", "send a revert of X"; "I dropped" over a pasted commit.  Crashes: a
#      header the console cut short mid-word ("Unable to handle kernel NULL poin") is
#      made whole where its fixed words tell which it is; a consistency check's line
#      ("BUG: Bad page state") before another header is a report of its own; MIPS's "CPU
#      0 Unable to handle kernel paging request"; regtrack's own titles skip the helpers
#      syzkaller skips (string, printk, locks); a panic after a crash point without a
#      header, where no report came before, is the report ("kernel panic: bad mode");
#      x86's "segment-related general protection fault".
#      Versions: "-next" names linux-next.
#      Builds: a report that says its build "failed like this" or "produced this
#      warning" with no diagnostic read (the log lost, a shell's error) is a failure or
#      warning without diagnostics; the target wrapped before its "("; MAINTAINERS in
#      the docs build's warnings; a build log's "DEBUG: " before the compiler's line.
FACTS_VERSION = 8


@dataclass(frozen=True, slots=True)
class MessageFacts:
    trailers: tuple[Trailer, ...]
    message_refs: tuple[MessageRef, ...]
    crashes: tuple[CrashReport, ...]
    culprits: tuple[Culprit, ...]
    revert_tests: tuple[RevertTest, ...]
    versions: Versions
    regzbot_commands: tuple[RegzbotCommand, ...]
    for_regzbot: bool
    subject_prefix: SubjectPrefix
    patch: PatchInfo | None
    build_failure: BuildFailure | None
    web_links: tuple[WebLink, ...] = ()
    classification: Classification | None = None  # set last, from the facts above


def _culprits(
    subject: str, body: LabelledBody, trailers: tuple[Trailer, ...], patch: PatchInfo | None
) -> tuple[Culprit, ...]:
    found = list(extract_culprits(body))
    robot = culprit_in_subject(subject)
    fixes = _fixes_tags(trailers, patch)
    for extra in ([robot] if robot is not None else []) + fixes:
        if not any(same_object(extra.commit, c.commit) for c in found):
            found.append(extra)
    return tuple(found)


def _fixes_tags(trailers: tuple[Trailer, ...], patch: PatchInfo | None) -> list[Culprit]:
    """The commits a patch's own ``Fixes:`` trailers name: the author's statement of
    what introduced the bug.  Also a report's, when it proposes the trailers its fix
    should carry (``Reported-by:`` beside ``Fixes:``, as coverity-bot writes them);
    not the ``Fixes:`` lines a notice about a malformed tag quotes, which come alone.
    Tracking reads Fixes: from the trailers with rules of its own, so it skips these."""
    own = [t for t in trailers if t.origin is Origin.OWN]
    proposes = any(t.key.lower() == "reported-by" for t in own)
    if patch is None and not proposes:
        return []
    return [
        Culprit(t.commit, t.subject, FIXES_TAG, f"{t.key}: {t.value}", t.line)
        for t in own
        if t.key.lower() == "fixes" and t.commit
    ]


def facts_of_message(message: MailMessage) -> MessageFacts:
    """:func:`extract_facts` of a parsed message, told whether it answers another."""
    answers = bool(message.in_reply_to or message.references)
    return extract_facts(message.subject, message.body, answers=answers)


def extract_facts(subject: str, body: str, *, answers: bool = True) -> MessageFacts:
    """Run every extractor over one message; the body is labelled once.  ``answers``:
    whether the message answers another (In-Reply-To or References); one that answers
    none, by its headers and its subject ("Re:", "Fwd:"), quotes nothing
    (:func:`regtrack.extract.quoting.unquoted_paste`)."""
    answers = answers or bool(REPLY_PREFIX.match(subject))
    labelled = LabelledBody(body if answers else unquoted_paste(body))
    prefix = parse_subject(subject)
    trailers = extract_trailers(labelled)
    patch = extract_patch(labelled, prefix)
    facts = MessageFacts(
        trailers=trailers,
        message_refs=extract_message_refs(labelled),
        crashes=extract_crash_reports(labelled),
        culprits=_culprits(subject, labelled, trailers, patch),
        revert_tests=extract_revert_tests(labelled),
        versions=extract_versions(labelled, subject),
        regzbot_commands=extract_regzbot_commands(labelled),
        for_regzbot=is_for_regzbot(subject),
        subject_prefix=prefix,
        patch=patch,
        build_failure=extract_build_failure(labelled),
        web_links=extract_web_links(labelled),
    )
    answers_a_patch = prefix.is_reply and prefix.is_patch
    blames = answers_a_patch and blames_the_patch(labelled)
    classification = classify(subject, facts, says_it_broke(labelled), blames)
    return dataclasses.replace(facts, classification=classification)
