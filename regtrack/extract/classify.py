"""Is this message a regression report?  A score, and the reasons that gave it.

Reports must be found without any ``#regzbot`` command, as in the seed
thread.  Signals for a report: the subject says regression or names a
failure, a bot's report format (linux-next's "build failure after merge of
the X tree", KernelCI's "next/master build: N builds: M failed" and
"baseline: N runs, M regressions", syzbot, LKFT), a culprit, a revert test,
a crash or build failure of the author's own.  Signals against: patch
postings, CI results about patches, replies, pull requests, linux-next's
merge-conflict notices, daily "Tree for" announcements and process notices.  Every signal is kept
with its weight, so a reader sees why a message was (not) taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from regtrack.extract.culprits import FIXES_TAG
from regtrack.extract.quoting import LabelledBody, Origin
from regtrack.extract.stems import register

if TYPE_CHECKING:  # facts.py runs the classifier last, over the other facts
    from regtrack.extract.buildfail import BuildFailure
    from regtrack.extract.facts import MessageFacts

REPORT_THRESHOLD = 3
# The reason a reply in a report's thread is not a report; tracking lets the first
# such reply stand in for a report the archive lacks (regtrack.state.derive).
FOLLOW_UP = "a reply in a report's thread, not a report of its own"

_FAILURE_REASON = "subject names a failure"
# A subject that starts with the tree it is about: "next-20230809: ...",
# "[next-20231120] ...", "6.7.0-rc1-next-20231117: ...", "v6.5-rc2: ...".
_TREE_FIRST = re.compile(
    r"^\[?(?:(?:linux-)?next-20\d{6}|v?\d+\.\d+(?:\.\d+)?(?:-rc\d+)?(?:-next-20\d{6})?)\]?:?\s"
)
_SUBJECT_SIGNALS: tuple[tuple[re.Pattern[str], int, str, str | None], ...] = (
    (
        re.compile(r"linux-next: build failure after merge", re.I),
        6,
        "linux-next build failure report",
        "build-failure",
    ),
    (
        re.compile(
            r"linux-next: (?:boot|runtime|build and boot|qemu boot) (?:failure|problem|warning)",
            re.I,
        ),
        6,
        "linux-next boot failure report",
        "boot-failure",
    ),
    (
        re.compile(r"linux-next: build warnings? after merge", re.I),
        4,
        "linux-next build warning report",
        "build-warning",
    ),
    (re.compile(r"^\[syzbot\]", re.I), 5, "syzbot report", "crash"),
    # coverity-bot's reports of a linux-next scan: "Coverity: func(): Control flow issues"
    (re.compile(r"^Coverity: \S", re.I), 4, "Coverity scan report", "static-analysis"),
    (
        re.compile(r"\bregressions?\b|\[REGRESSION\]", re.I),
        3,
        "subject says regression",
        "regression",
    ),
    (
        re.compile(
            r"\b(?:fail(?:s|ed|ure)?|broken|breaks?|crash(?:es)?|panic|oops|hangs?|BUG|WARNING"
            r"|error|boot (?:problem|issue)s?|(?:compile|build) err\w*|undefined reference)\b",
            re.I,
        ),
        2,
        _FAILURE_REASON,
        None,
    ),
    (
        re.compile(r"^\[[\w.+/-]{1,60}:[\w.+/-]{1,60}\] (?:\[[^\]]{1,60}\] )?[0-9a-f]{8,40}: \S"),
        4,
        "kernel test robot report",
        "test-failure",
    ),
    # LKFT's reports: "next: arm64: ...", "next-20230207: arm64: ...", "LTP: preadv03: ..."
    (
        re.compile(r"^(?:next(?:-\d{8})?|LTP|LKFT): [\w.-]{1,40}:"),
        2,
        "LKFT-style test report",
        None,
    ),
)
_NOT_REPORTS: tuple[tuple[re.Pattern[str], int, str], ...] = (
    (re.compile(r"linux-next: manual merge of", re.I), -8, "merge-conflict notice"),
    (re.compile(r"linux-next: Tree for ", re.I), -8, "daily linux-next announcement"),
    (
        re.compile(
            r"linux-next: (?:Signed-off-by missing|Fixes tags? needs? some work|duplicate "
            r"patch|stats|unused|build and boot|request for inclusion)",
            re.I,
        ),
        -6,
        "linux-next process notice",
    ),
    (re.compile(r"^Linux \d|\bANNOUNCE\b", re.I), -6, "release announcement"),
    # Patchwork CI about a posted series: "✗ Fi.CI.BUILD: failure for <series> (rev2)".
    (re.compile(r"\b(?:Fi\.)?CI\.[\w.]+: \w+ for \S"), -8, "a CI result about a patch"),
)
# Randy Dunlap's convention: a problem reported in reply to the daily
# announcement, the file at fault in the subject: "Re: linux-next: Tree for
# May 15 (drivers/macintosh/ams/ams-core.c)", or in brackets ("[x.ko]").
_REPLY_TO_DAILY_TREE = re.compile(
    r"linux-next: Tree for \w+ \d+ (?:\(([^()]{2,200})\)|\[([^\[\]]{2,200})\])\s*$", re.I
)
# The announcement itself, as a reply's subject names it.
_DAILY_TREE = re.compile(r"^linux-next: Tree for \w+ \d+\s*$", re.I)
# Test services whose reports carry their own Reported-by: for the fix to copy.
_TEST_SERVICE = re.compile(r"lkft@linaro\.org|lkp@intel\.com", re.I)
_KERNELCI_BUILD = re.compile(r"build: \d+ builds?: (\d+) failed")  # "1 build: 0 failed" too
_KERNELCI_BASELINE = re.compile(r"baseline: \d+ runs, (\d+) regressions")


@dataclass(frozen=True, slots=True)
class Signal:
    reason: str
    weight: int


@dataclass(frozen=True, slots=True)
class Classification:
    """``is_report`` when ``score`` reaches :data:`REPORT_THRESHOLD`.

    ``kind`` says what is reported when a signal tells: build-failure,
    build-warning, boot-failure, crash, kernelci, regression.
    """

    is_report: bool
    score: int
    kind: str | None
    signals: tuple[Signal, ...]


def classify(
    subject: str, facts: MessageFacts, says_it_broke: bool = False, blames_the_patch: bool = False
) -> Classification:
    """Weigh the subject and the extracted facts of one message; ``says_it_broke``: its
    own text says something stopped working (:func:`says_it_broke`); ``blames_the_patch``:
    it says the patch it answers broke something (:func:`blames_the_patch`)."""
    signals: list[Signal] = []
    kind: str | None = None
    prefix = facts.subject_prefix

    def add(reason: str, weight: int, what: str | None = None) -> None:
        nonlocal kind
        signals.append(Signal(reason, weight))
        if what and kind is None and weight > 0:
            kind = what

    title = prefix.title
    own_crashes = [crash for crash in facts.crashes if not crash.quoted]
    blames = any(c.kind != FIXES_TAG for c in facts.culprits)  # every fix has a Fixes:
    build = facts.build_failure
    annotation = daily_tree_annotation(title)
    daily_tree_report = annotation is not None
    if daily_tree_report:
        # Every follow-up in such a thread has the same subject: the report is the
        # message that also shows the problem itself (its own diagnostics).
        add(f"a problem reported on the daily tree ({annotation})", 2)
    elif prefix.is_reply and _DAILY_TREE.search(title) and (own_crashes or _failed(build)):
        # A reply to the announcement that shows a failure of its own, the file unnamed
        # in the subject: a report on that day's tree all the same.
        daily_tree_report = True
        add("a failure of its own reported in reply to the daily tree", 2)
    elif prefix.is_reply and _DAILY_TREE.search(title) and blames:
        # ... or that blames a commit for a problem it describes (a bisection of it)
        daily_tree_report = True
        add("a problem and its culprit reported in reply to the daily tree", 2)
    for pattern, weight, reason in _NOT_REPORTS:
        # (a reply's subject is its thread's: the notice it answers is no verdict on it)
        if pattern.search(title) and not daily_tree_report and not prefix.is_reply:
            add(reason, weight)
    kernelci = _kernelci(title)
    said = [kernelci] if kernelci is not None else [
        (reason, weight, what)
        for pattern, weight, reason, what in _SUBJECT_SIGNALS
        if pattern.search(subject)
    ]  # fmt: skip
    if _TREE_FIRST.match(title) and any(reason == _FAILURE_REASON for reason, _, _ in said):
        # "next-20230809: kvm unittest fail: emulator": a failure on the tree it names first
        said.append(("the subject names the tree that fails", 2, None))
    if prefix.is_reply and not daily_tree_report:
        # A reply's subject is its thread's: what it says is the root's, not the reply's.
        # In a report's thread a reply is a follow-up (a bisection, a log, a revert
        # proposed); elsewhere (a patch, a discussion) its own failure may report one.
        if any(weight > 0 for _, weight, _ in said) and not prefix.is_patch:
            add(FOLLOW_UP, -7)
        else:
            add("a reply, not the start of a report", -2)
            if (own_crashes or _failed(build)) and _names_a_tree(facts):
                # "While building next-20230801 for ARM64, this patch is giving a
                # compilation error": the patch is in a tree, and it broke there.
                add("a failure of its own, in a reply, on a tree it names", 3)
    else:
        for signal in said:
            add(*signal)
        if prefix.is_pull_request:
            add("a pull request", -8)
        elif prefix.is_patch:
            add("a patch posting", -6)
    if facts.patch is not None and facts.patch.inline_fix:
        add("proposes a fix", -2)
    if any(c.name == "introduced" and c.problem is None for c in facts.regzbot_commands):
        add("#regzbot introduced", 6, "regression")
    if any(
        t.key.lower() == "reported-by" and t.origin == "own" and _TEST_SERVICE.search(t.value)
        for t in facts.trailers
    ):
        add("carries a test service's Reported-by (its own report)", 2)
    if blames:
        add("names a culprit commit", 2)
    if facts.revert_tests:
        add("a revert test confirms it", 1)
    if blames_the_patch and prefix.is_reply and prefix.is_patch and _names_a_tree(facts):
        # The regression reported where its culprit was posted ("This patch landed in next
        # but causes boot failures"): the reply is the report.
        add("says the patch it answers broke something on a tree it names", 5)
    if says_it_broke and _names_a_tree(facts):
        # the start of a thread that says so is a report by definition; a reply is weighed
        add("says something stopped working on a tree it names", 2 if prefix.is_reply else 3)
    if own_crashes:
        add(f"a crash report of its own ({own_crashes[0].title})", 3, "crash")
    if build is not None and build.failed:
        add("a build failure of its own", 2, "build-failure")
    elif build is not None:
        add("build warnings of its own", 1, "build-warning")
    score = sum(signal.weight for signal in signals)
    return Classification(score >= REPORT_THRESHOLD, score, kind, tuple(signals))


def _names_a_tree(facts: MessageFacts) -> bool:
    return bool(facts.versions.tags) or "linux-next" in facts.versions.trees


# "starts to fail", "started failing since", "no longer boots", "it was pass on the
# previous tag": a regression told in words.
_BROKE = re.compile(
    r"\b(?:start(?:s|ed)? (?:to fail|failing)|(?:fails|failing|broken) since|no longer "
    r"(?:boots?|builds?|works?|compiles?)|stopped (?:working|booting)|used to (?:work|pass|boot)"
    r"|was pass(?:ing)? on|worked (?:fine )?(?:on|with|before)"
    # the documentation build, told in prose: "make htmldocs now fails", "breaks htmldocs"
    r"|(?:htmldocs|docs build|documentation build|make \w*docs)\b[^.\n]{0,40}\b(?:broke|broken"
    r"|breaks|fails|failed|failing)|(?:breaks|broke)\b[^.\n]{0,30}\b(?:htmldocs|the docs build"
    r"|the documentation build))\b",
    re.IGNORECASE,
)
_BROKE_STEMS = register(
    ("to fail", "ed failing", "s since", "ng since", "no longer", "stopped ", "used to ",
     "was pass", "worked ", "docs", "ocumentation build")
)  # fmt: skip


def says_it_broke(body: LabelledBody) -> bool:
    """Whether the author's own words say something stopped working."""
    for start in body.lines_containing(_BROKE_STEMS):
        if body.span_at(start).origin is Origin.OWN and _BROKE.search(body.line_at(start)):
            return True
    return False


# "This patch landed in next but causes boot failures", "your change breaks the build".
_BLAMES_THE_PATCH = re.compile(
    r"\b(?:this|your|the)\s+(?:patch|change|commit)\b[^.\n]{0,80}?"
    r"\b(?:causes?|caused|causing|breaks?|broke|triggers?|triggered)\b",
    re.IGNORECASE,
)


def blames_the_patch(body: LabelledBody) -> bool:
    """Whether the author's own words (the first 16 KiB) say "this patch" (or "your change",
    "the commit") broke something: for a reply to a patch, a report of that patch."""
    return _BLAMES_THE_PATCH.search(body.own_text(16 * 1024)) is not None


def daily_tree_annotation(subject: str) -> str | None:
    """What a reply to the daily announcement names in its subject, in parentheses or
    brackets ("drivers/x.c" of "Re: linux-next: Tree for May 15 (drivers/x.c)"), or None."""
    found = _REPLY_TO_DAILY_TREE.search(subject)
    return (found.group(1) or found.group(2)) if found else None


def _failed(build: BuildFailure | None) -> bool:
    return build is not None and build.failed


def _kernelci(title: str) -> tuple[str, int, str | None] | None:
    """KernelCI's summaries: a report when something failed or regressed."""
    if match := _KERNELCI_BUILD.search(title):
        failed = int(match.group(1))
        if failed:
            return f"KernelCI: {failed} builds failed", 4, "kernelci"
        return "KernelCI: every build passed", -4, None
    if match := _KERNELCI_BASELINE.search(title):
        regressions = int(match.group(1))
        if regressions:
            return f"KernelCI: {regressions} regressions", 4, "kernelci"
        return "KernelCI: no regressions", -4, None
    return None
