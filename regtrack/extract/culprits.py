"""Culprits: the commits a report blames, and revert tests that confirm them.

Forms found in real reports:

- linux-next's build reports: ``Caused by commit`` or ``Introduced by
  commit`` on a line of its own, then an indented ``<sha> ("subject")``
  (several for ``Caused by commits``);
- ``git bisect`` output: ``<sha> is the first bad commit``;
- a ``git show`` block pasted after a sentence that blames it ("After
  bisecting the tree, the following patch seems to be causing the
  regression.", the seed report);
- inline phrases: "caused by commit <sha> ("subject")", "introduced by
  <sha>", "bisected it to <sha>", "the culprit is <sha>";
- revert tests: "verified by reverting", "reverting this commit fixes ...".

Only the author's own text counts: a culprit named in quoted text is the
earlier mail's claim and is found there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regtrack.extract.commits import COMMIT_ID, normalise_commit_id
from regtrack.extract.quoting import LabelledBody, Origin, Span
from regtrack.extract.stems import register

_SHA_SUBJECT = re.compile(rf"^\s*({COMMIT_ID})\s*(?:\(\"(.*)\"\))?\s*$")
_FIRST_BAD = re.compile(rf"\b({COMMIT_ID}) is the first bad commit\b")
# Words may be wrapped onto the next line ("caused\nby commit"): \s+ between them.
_INLINE = re.compile(
    r"(?:caused\s+by|introduced\s+(?:by|in)|(?:exposed|triggered)\s+by|due\s+to"
    r"|bisected\s+(?:it\s+|this\s+|the\s+\w+\s+)?(?:down\s+)?to"
    r"|culprit\s+(?:is|was|seems\s+to\s+be)"
    r"|(?:it'?s|it\s+is)\s+(?:probably|likely|maybe|possibly)\s+(?:this\s+one|this\s+commit)"
    r"|suspect(?:ed)?\s+(?:it'?s\s+)?(?:this\s+one|this\s+commit|commit)"
    r"|(?:first\s+)?bad\s+commit(?:\s+(?:is|to\s+be|appears\s+to\s+be|seems\s+to\s+be))?"
    r"(?:\s+found\s+to\s+be)?:?|blamed?\s+(?:on\s+)?)"
    rf"\s+(?:the\s+)?(?:commit\s+)?[\[\"'`\u2018\u201c]?({COMMIT_ID})\b[\]\"'`\u2019\u201d]?"
    r"(?:\s+\(\"([^\"]{1,300}?)\"\))?",
    re.IGNORECASE,
)
# Semantic conflicts and exposures name a second commit: kept, at lower weight.
_SECOND_ROLE = re.compile(r"^(?:exposed|triggered)", re.IGNORECASE)
# The commit first, then what it did: "Commit d39e48ca80c0 is causing the issue",
# "commit 0123abcd ("x") broke the build"; and "interacting with commit <sha>" inline.
_COMMIT_FIRST = re.compile(
    rf"\bcommit\s+[\"'`]?({COMMIT_ID})\b[\"'`]?(?:\s+\(\"([^\"]{{1,300}}?)\"\))?"
    r"\s+(?:is\s+(?:causing|the\s+cause|responsible)|causes|caused|broke|breaks|introduced)\b",
    re.IGNORECASE,
)
_INTERACTING = re.compile(
    rf"\binteract(?:ing|s)\s+with\s+(?:the\s+)?(?:commit\s+)?({COMMIT_ID})\b"
    r"(?:\s+\(\"([^\"]{1,300}?)\"\))?",
    re.IGNORECASE,
)
# A git show block counts as a culprit when the text just before it blames it.
_BLAME_WORDS = re.compile(
    r"bisect|caus|culprit|first bad|introduc|regress|broke|offending|responsible",
    re.IGNORECASE,
)
_REVERT_TEST = re.compile(
    rf"verified by reverting|revert(?:ing|ed)? (?:it|this|that|the|commit|patch|{COMMIT_ID})"
    r"[^.\n]{0,120}?(?:fix|solve|resolve|make[s]? (?:it|the \w+) (?:work|boot|pass)|goes away"
    r"|helps|cures)|(?:fixed|resolved|goes away|works) (?:again )?(?:after|by|when|with)"
    r" reverting",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Culprit:
    """A commit the author blames, how they said it, and the sentence."""

    commit: str
    subject: str | None
    kind: str  # caused-by, introduced-by, first-bad, git-show, inline, reverted, robot-subject
    sentence: str
    line: int


@dataclass(frozen=True, slots=True)
class RevertTest:
    """The author says reverting the culprit makes the problem go away."""

    sentence: str
    line: int


# A line of its own ("Caused by commit" with the commits listed below it),
# tried only on the lines the stems below point at.
_BLOCK_INTRO = re.compile(
    r"[ \t]*((?:(?:maybe|probably|presumably|possibly|likely|apparently|this is|it is|it was"
    r"|was|is|seems to be|looks to be|i think|i guess|i found|i believe) ){0,3}"
    r"(?:caused|introduced|exposed|triggered) by(?: the)?(?: commits?)?"
    r"|(?:it is |this is )?due to(?: the)? commits?"
    r"|bisected (?:it |this )?(?:down )?to(?: commits?)?"
    r"|(?:i found |i think )?(?:the )?(?:first )?bad commit"
    r"(?: is| to be| appears to be| seems to be)?(?: found to be)?"
    r"|(?:interacting|interaction) with(?: the)? commits?)"
    # an aside may follow: "Caused by commit (I am pretty sure, but can't see why)"
    r"(?:[ \t]+\([^()\n]{1,80}\))?:?[ \t]*\n",
    re.IGNORECASE,
)
# Substrings every inline form contains.  Found in the one pass over the body
# (regtrack.extract.stems), they point at the few lines the full patterns are
# then tried on: trying those patterns over whole bodies costs seconds on a
# corpus, as they start with an alternation the regex engine cannot skip
# ahead on.
_INLINE_STEMS = register(
    ("aused", "ntroduced", "isect", "ulprit", "bad commit", "lame", "xposed", "riggered",
     "ue to", "nteract", "this one", "this commit", "uspect", "ommit ")
)  # fmt: skip
_REVERT_STEMS = register(("evert",))  # "Revert", "revert", "reverting"


def extract_culprits(body: LabelledBody) -> tuple[Culprit, ...]:
    """Every commit the author's own text blames, first mention of each commit.

    Scans the text for each form and looks only at the lines around a hit,
    so a body without culprits costs a few regex searches.
    """
    text = body.text
    found: dict[str, Culprit] = {}

    def add(culprit: Culprit) -> None:
        known = found.get(culprit.commit)
        if known is None or (known.subject is None and culprit.subject):
            found[culprit.commit] = culprit

    for span in body.spans:
        if span.origin is Origin.QUOTED_COMMIT and span.depth == 0 and span.commit:
            culprit = _git_show_culprit(body, span)
            if culprit is not None:
                add(culprit)
    candidates = [
        start
        for start in body.lines_containing(_INLINE_STEMS)
        if body.span_at(start).origin is Origin.OWN
    ]
    for start in candidates:  # lists under "Caused by commit:" first
        if match := _BLOCK_INTRO.match(text, start):
            for culprit in _listed_after(body, match.group(1), match.end()):
                add(culprit)
    for start in body.lines_containing(_REVERT_STEMS):
        if body.span_at(start).origin is Origin.OWN:
            reverted = _suggested_revert(body, start) or _reverted_commit(body, start)
            if reverted is not None:
                add(reverted)
    for start in candidates:
        line_end = text.find("\n", start)
        next_end = -1 if line_end < 0 else text.find("\n", line_end + 1)
        window = text[start : len(text) if next_end < 0 else next_end]  # and the next line
        forms = (
            (_FIRST_BAD, "first-bad"), (_INLINE, "inline"), (_COMMIT_FIRST, "inline"),
            (_INTERACTING, "interacting"),
        )  # fmt: skip
        for pattern, kind in forms:
            for match in pattern.finditer(window):
                subject = match.group(2) if kind != "first-bad" else None
                subject = " ".join(subject.split()) if subject else None  # may wrap
                offset = start + match.start()
                line = body.line_at(offset)
                commit = normalise_commit_id(match.group(1))
                how = "exposed-by" if _SECOND_ROLE.match(match.group(0)) else kind
                add(Culprit(commit, subject, how, line, body.line_number(offset)))
    return tuple(found.values())


# The kernel test robot's reports name the bisected commit in the subject:
# "[linux-next:master] [blk] 84d7d462b1: mdadm-selftests.03r5assem-failed.fail".
ROBOT_SUBJECT = re.compile(
    rf"^\[[\w.+/-]{{1,60}}:[\w.+/-]{{1,60}}\] (?:\[[^\]]{{1,60}}\] )?({COMMIT_ID}): \S"
)


# A subject that blames a commit by id: "Boot failure caused by commit 0123abcd",
# "commit 0123abcd (\"x\") breaks suspend".
_SUBJECT_BLAME = re.compile(
    rf"\bcommit\s+[\"'`]?({COMMIT_ID})\b[^\n]{{0,120}}?\b(?:breaks?|broke|causes?|caused"
    r"|regress\w*|fails?)\b",
    re.IGNORECASE,
)


def culprit_in_subject(subject: str) -> Culprit | None:
    """The commit a subject names as the cause: a kernel test robot report's
    (:data:`ROBOT_SUBJECT`), or a person's ("... caused by commit <id>")."""
    match = ROBOT_SUBJECT.match(subject)
    if match is not None:
        return Culprit(normalise_commit_id(match.group(1)), None, "robot-subject", subject, 0)
    if subject.lower().startswith("re:"):
        return None  # a reply's subject repeats the report's, where it was found already
    match = _INLINE.search(subject) or _SUBJECT_BLAME.search(subject)
    if match is None:
        return None
    return Culprit(normalise_commit_id(match.group(1)), None, "subject", subject, 0)


def _listed_after(body: LabelledBody, intro: str, offset: int) -> list[Culprit]:
    """The indented ``<sha> ("subject")`` lines after "Caused by commit"."""
    lowered = intro.lower()
    kind = (
        "first-bad" if "bisected" in lowered or "bad commit" in lowered
        else "introduced-by" if "introduced" in lowered
        else "interacting" if "interact" in lowered
        else "exposed-by" if "exposed" in lowered or "triggered" in lowered
        else "caused-by"
    )  # fmt: skip
    culprits: list[Culprit] = []
    following = body.text[offset : offset + 2000].split("\n", 12)[:12]
    line_number = body.line_number(offset)
    for number, line in enumerate(following, start=line_number):
        if not line.strip():
            if culprits:
                break
            continue
        match = _SHA_SUBJECT.match(line)
        if match is None:
            break
        commit = normalise_commit_id(match.group(1))
        culprits.append(Culprit(commit, match.group(2), kind, intro, number))
    return culprits


def _git_show_culprit(body: LabelledBody, span: Span) -> Culprit | None:
    """A pasted ``git show`` block, when the sentence before it blames it."""
    sentence = _sentence_before(body, span.start)
    if not _BLAME_WORDS.search(sentence):
        return None
    block = body.text[span.start : span.end].split("\n")[1:8]
    subject = next(
        (line.strip() for line in block if line.startswith(("    ", "\t")) and line.strip()),
        None,
    )
    return Culprit(span.commit or "", subject, "git-show", sentence, body.line_number(span.start))


def _sentence_before(body: LabelledBody, offset: int) -> str:
    """The author's own words in the few lines before ``offset``, joined."""
    before = body.text[max(0, offset - 1000) : offset].split("\n")
    if before and not before[-1]:
        before.pop()
    words: list[str] = []
    for line in reversed(before[-4:]):
        if line.startswith(">"):
            break
        if line.strip():
            words.insert(0, line.strip())
        elif words:
            break
    return " ".join(words)


# "After reverting commit: 2736e8eeb0cc ... Able to see problem resolved.": a commit
# whose revert cures the problem (said within the next few lines, which may hold the
# commit's pasted header) is a culprit candidate.
_REVERTED = re.compile(rf"\brevert(?:ing|ed)?(?: the)?(?: commit)?:?\s+({COMMIT_ID})\b", re.I)
_CURED = re.compile(
    r"\b(?:fix(?:es|ed)?|solve[sd]?|resolve[sd]?|goes away|went away|gone|works|boots|helps"
    r"|passe[sd])\b",
    re.I,
)


def _reverted_commit(body: LabelledBody, start: int) -> Culprit | None:
    window = "\n".join(body.text[start : start + 2000].split("\n", 9)[:9])
    match = _REVERTED.search(window)
    if match is None or not _CURED.search(window, match.end()):
        return None
    commit = normalise_commit_id(match.group(1))
    return Culprit(commit, None, "reverted", body.line_at(start), body.line_number(start))


# "Can you try reverting 1234abcd?": a reply suggests the culprit without claiming it.
_SUGGESTED_REVERT = re.compile(
    r"\b(?:try|please|can you|could you|you could|would you|maybe|should|suggest)\b"
    r"[^.\n?]{0,40}?"
    rf"\brevert(?:ing)?(?: the)?(?: commit)?:?\s+[\"'`]?({COMMIT_ID})\b",
    re.IGNORECASE,
)


def _suggested_revert(body: LabelledBody, start: int) -> Culprit | None:
    line = body.line_at(start)
    match = _SUGGESTED_REVERT.search(line)
    if match is None:
        return None
    commit = normalise_commit_id(match.group(1))
    return Culprit(commit, None, "revert-suggested", line, body.line_number(start))


def extract_revert_tests(body: LabelledBody) -> tuple[RevertTest, ...]:
    """Sentences of the author's own that report a successful revert test."""
    tests: list[RevertTest] = []
    for start in body.lines_containing(_REVERT_STEMS):
        if body.span_at(start).origin is Origin.OWN:
            sentence = body.line_at(start)
            if _REVERT_TEST.search(sentence):
                tests.append(RevertTest(sentence, body.line_number(start)))
    return tuple(tests)
