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
- a lead-in that ends a sentence of other words ("Problem introduced by
  commits:", "it seems something else went wrong too, due to:"), with the
  commits listed below it (bullets, ``git log --oneline`` lines, subjects a
  mail client wrapped); "X and commit Y" lists, where Y is the other side;
- the commits a report reverted, or a reply suggests reverting;
- revert tests: "verified by reverting", "reverting this commit fixes ...".

Each culprit keeps how it was named (its ``kind``), so tracking can weigh a
bisection above a hedged "maybe caused by", and the second commit of a
semantic conflict or a merely suggested revert below both.

Only the author's own text counts: a culprit named in quoted text is the
earlier mail's claim and is found there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regtrack.extract.commits import COMMIT_ID, normalise_commit_id
from regtrack.extract.quoting import LabelledBody, Origin, Span
from regtrack.extract.stems import register

# The verbs of blame as people type them: "introduced" with a letter in or out of place
# ("instroduced", "intorduced"), "reverted" and "reverting" with two swapped or one
# missing ("revreted", "revering").
_INTRODUCED = r"in\w{1,4}duced"
_REVERTED_WORD = r"rev(?:er|re)ted"
_REVERTING_WORD = r"rev(?:er|re)t?ing"

# A commit named by its web page: "https://git.kernel.org/.../commit/?id=<sha>" (cgit),
# ".../commit/<sha>" (GitHub, GitLab's "/-/commit/").
_COMMIT_URL = r"(?:https?://[^\s\"'<>]{1,200}?(?:[?&;]id=|/commits?/))?"

# A listed commit, perhaps as a bullet ("* 0123abcd ("x")"); a subject the mail
# client wrapped is joined with its next line first (:func:`_listed_after`).
_SHA_SUBJECT = re.compile(
    rf"^\s*(?:[*-]\s+)?(?:commit\s+)?{_COMMIT_URL}({COMMIT_ID})(?:\s*\(\"(.*)\"\)|\s+([^\s(\"][^\n]{{0,200}}?))?\s*$"
)
_WRAPPED_SUBJECT = re.compile(rf"^\s*(?:[*-]\s+)?(?:commit\s+)?{COMMIT_ID}\s*\(\"[^\"]*$")
# git show's subject, indented under its "commit <sha>" line.
_SHOWN_SUBJECT = re.compile(r"^(?: {4}|\t)\S")
# "... and commit" between two lists: the second names the other side of a conflict.
_AND_COMMIT = re.compile(r"^\s*(?:and(?: with)?|with)(?: the)?(?: commits?)?:?\s*$", re.IGNORECASE)
# "Caused by commit X" then "or" on a line of its own and Y: an alternative, in the same role.
_OR_COMMIT = re.compile(
    r"^\s*or(?: (?:maybe|perhaps|possibly|probably))?(?: the)?(?: commits?)?:?\s*$", re.IGNORECASE
)
# "caused by commit X ("x") or Y ("y")", "introduced by X and Y": the next commit of an
# inline list, in the same role.
_ALSO_INLINE = re.compile(
    rf"[,\s]+(?:or|and)\s+(?:(?:maybe|perhaps|possibly|probably)\s+)?(?:the\s+)?(?:commit\s+)?"
    rf"[\"'`]?({COMMIT_ID})\b[\"'`]?(?:\s+\(\"([^\"]{{1,300}}?)\"\))?",
    re.IGNORECASE,
)
_FIRST_BAD = re.compile(rf"\b({COMMIT_ID}) is the first bad commit\b")
# "a5f4ca68f348 is the offending commit", "0123abcd ("x") is the culprit"
_ID_IS_CULPRIT = re.compile(
    rf"\b({COMMIT_ID})\b(?:\s+\(\"([^\"]{{1,300}}?)\"\))?\s+(?:is|was|seems\s+to\s+be)\s+the\s+"
    r"(?:offending|guilty|problematic|bad|culprit)(?:\s+(?:commit|patch|one))?\b",
    re.IGNORECASE,
)
# Words may be wrapped onto the next line ("caused\nby commit"): \s+ between them.
_INLINE = re.compile(
    rf"(?:caused(?:/\w+|\s+\(\w+\))?\s+by|{_INTRODUCED}\s+(?:by|in)|(?:exposed|triggered|revealed)\s+by"
    r"|due\s+to|brought\s+(?:in\s+)?by|(?:it'?s|it\s+is|it\s+comes|it\s+came)\s+from"
    r"|point(?:s|ed|ing)?\s+(?:at|to)(?=\s+(?:the\s+)?commit)"
    # "It sounds like a result of <sha>", "deleted by mistake in the commit <sha>", "the
    # warning is due to the checking added in commit <sha>"
    r"|(?:a|the)\s+result\s+of|(?:by\s+mistake|accidentally|inadvertently)\s+in"
    r"|due\s+to\s+[^.\n]{1,60}?\s+in(?=\s+(?:the\s+)?commit)"
    # "due to the presence of commit <sha>" (not "the lack of": that is a missing fix)
    r"|due\s+to\s+the\s+(?:presence|addition|introduction|merge|merging)\s+of"
    r"|bisected\s+(?:it\s+|this\s+|the\s+\w+\s+)?(?:down\s+)?to"
    r"|culprit\s+(?:is|was|seems\s+to\s+be)"
    r"|(?:it'?s|it\s+is)\s+(?:probably|likely|maybe|possibly)\s+(?:this\s+one|this\s+commit)"
    r"|suspect(?:ed)?\s+(?:it'?s\s+)?(?:this\s+one|this\s+commit|commit)"
    r"|(?:first\s+)?bad\s+commit(?:\s+(?:is|to\s+be|appears\s+to\s+be|seems\s+to\s+be))?"
    r"(?:\s+found\s+to\s+be)?:?|blame[sd]?(?:\s+on)?)"
    r"\s+(?:(?:the|your|this|that|his|her|their|merge)\s+){0,2}"
    rf"(?:commit\s+)?[\[\"'`\u2018\u201c]?{_COMMIT_URL}({COMMIT_ID})\b[\]\"'`\u2019\u201d]?"
    r"(?:\s+\(\"([^\"]{1,300}?)\"\))?",
    re.IGNORECASE,
)
# Semantic conflicts and exposures name a second commit: kept, at lower weight.
_SECOND_ROLE = re.compile(r"^(?:exposed|triggered|revealed)", re.IGNORECASE)
# The commit first, then what it did: "Commit d39e48ca80c0 is causing the issue",
# "commit 0123abcd ("x") broke the build"; and "interacting with commit <sha>" inline.
_COMMIT_FIRST = re.compile(
    rf"\bcommit\s+[\"'`]?({COMMIT_ID})\b[\"'`]?(?:\s+\(\"([^\"]{{1,300}}?)\"\))?"
    r"\s+(?:(?:has|had|have)\s+)?(?:is\s+(?:causing|the\s+cause|responsible|to\s+blame)|causes"
    r"|caused|broke|broken|breaks|introduced)\b",
    re.IGNORECASE,
)
_INTERACTING = re.compile(
    r"\b(?:interact(?:ing|s|ed)|conflict(?:s|ing)?)\s+with\s+(?:the\s+)?"
    rf"(?:commit\s+)?({COMMIT_ID})\b"
    r"(?:\s+\(\"([^\"]{1,300}?)\"\))?",
    re.IGNORECASE,
)
# "a merge conflict between perf tree commit X ("x") and bpf-next tree commit Y": the
# first commit is blamed, the second is the other side.
_BETWEEN = re.compile(
    r"\b(?:conflict|merge)\s+between\s+(?:[\w./-]+\s+){0,3}?commit\s+"
    rf"({COMMIT_ID})\b(?:\s+\(\"([^\"]{{1,300}}?)\"\))?[,\s]+and\s+"
    rf"(?:[\w./-]+\s+){{0,3}}?commit\s+({COMMIT_ID})\b(?:\s+\(\"([^\"]{{1,300}}?)\"\))?",
    re.IGNORECASE,
)
# A git show block counts as a culprit when the text just before it blames it.
_BLAME_WORDS = re.compile(
    r"bisect|caus|culprit|first bad|introduc|regress|broke|offending|responsible"
    r"|came from|comes from"
    # a maintainer takes it out: "I dropped" over the pasted commit
    r"|\b(?:dropped|reverted)\b",
    re.IGNORECASE,
)
_REVERT_TEST = re.compile(
    rf"verified by reverting|revert(?:ing|ed)? (?:it|this|that|the|commit|patch|{COMMIT_ID})"
    r"[^.\n]{0,120}?(?:fix|solve|resolve|make[s]? (?:it|the \w+) (?:work|boot|pass)|goes away"
    r"|helps|cures)|(?:fixed|resolved|goes away|works) (?:again )?(?:after|by|when|with)"
    r" reverting"
    # "After those 2 commits reverted on the top of 0522 tree, it passed."
    r"|\b(?:after|with)\b[^.\n]{0,60}\breverted\b[^.\n]{0,80}?\b(?:pass(?:es|ed)?|works?"
    r"|boots?|builds?|fixed|gone|goes away)\b",
    re.IGNORECASE,
)


# The kind of the commits a patch's own ``Fixes:`` names (regtrack.extract.facts): what
# its author says introduced the bug, but every fix has one, so tracking and the
# classifier read these their own ways.
FIXES_TAG = "fixes-tag"


@dataclass(frozen=True, slots=True)
class Culprit:
    """A commit the author blames, how they said it, and the sentence."""

    commit: str
    subject: str | None
    # caused-by, introduced-by, first-bad, git-show, inline, interacting, exposed-by,
    # reverted, revert-suggested, robot-subject, subject, fixes-tag
    kind: str
    sentence: str
    line: int


@dataclass(frozen=True, slots=True)
class RevertTest:
    """The author says reverting the culprit makes the problem go away."""

    sentence: str
    line: int


# A line of its own ("Caused by commit" with the commits listed below it),
# tried only on the lines the stems below point at.
# The phrase ends its line; words may come before it ("Problem introduced by
# commits:", "Hmm, it seems something else went wrong too, due to:", "from the mm
# tree interacting with commit").
_BLOCK_INTRO = re.compile(
    r"[^\n]*?\b((?:(?:maybe|probably|presumably|possibly|likely|apparently|this is|it is"
    r"|it was|was|is|seems to be|looks to be|i think|i guess|i found|i believe) ){0,3}"
    rf"(?:caused|{_INTRODUCED}|exposed|triggered|revealed)(?:/\w+| \(\w+\))? by(?: the| a)?"
    r"(?: bad(?: automatic)? merge between)?(?: commits?)?"
    r"|due to(?: the)?(?: commits?)?"
    r"|bisected (?:it |this )?(?:down )?to(?: commits?)?"
    r"|(?:the )?(?:first )?bad commit"
    r"(?: is| to be| appears to be| seems to be)?(?: found to be)?"
    # "interacting with", "from the mm tree interacting with" (the commit below, the word
    # "commit" often left out), "merging badly with commit", "ineracting with commit"
    r"|(?:in(?:ter|er)\w{1,4}(?:ing|ed)|interaction|merging badly) with(?: the)?(?: commits?)?"
    # "It's a silent conflict of" the commit below "with" the one below that
    r"|(?:(?:silent|semantic) )?conflict (?:of|between)(?: the)?(?: commits?)?"
    r"|(?:this is |it is |it's )?because(?: of)?(?: the)?(?: commits?)?"
    r"|(?:bisect\w* )?point(?:s|ed|ing)? (?:at|to)(?: the)?(?: following| below)?"
    r"(?: commits?| patch(?:es)?)?"
    r"|(?:possibly|probably|presumably|maybe|perhaps|likely) commits?"
    r"|(?:(?:possibly|probably|presumably|maybe|perhaps|likely) )?related to(?: the)? commits?"
    r"|(?:a|the) (?:bug|problem|regression|issue) in(?: the)? commits?"
    r"|the (?:problematic|offending|guilty|bad) (?:patch|commit)(?:es|s)?(?: is)?"
    r"|the culprit(?: commit)? is"
    # "that smells like perhaps either:", "it looks like one of these commits:"
    r"|(?:smells|looks|seems) like (?:(?:perhaps|maybe|probably) )?(?:either|one of)"
    r"(?: these| the following)?(?: commits?| patch(?:es)?)?"
    # "the change that altered the behavior was:", "the commit that broke it is:"
    r"|the (?:change|commit|patch) that (?:\w+ ){0,2}(?:altered|changed|broke|introduced"
    r"|caused|started|triggered)(?: [\w-]+){0,3} (?:was|is))"
    # an aside may follow: "Caused by commit (I am pretty sure, but can't see why)"
    r"(?:[ \t]+\([^()\n]{1,80}\))?:?[ \t]*\n",
    re.IGNORECASE,
)
# "I have reverted these for today:" / "you can just revert the following three
# commits:", the commits listed below: reverted (a report's own action, taken
# because it blames them) or only suggested.
_REVERT_BLOCK = re.compile(
    rf"[^\n]*?\b(?:(?:i have|i've|i|we have|we've|we)\s+({_REVERTED_WORD})"
    r"(?:\s+(?:these|those|them|the\s+following)(?:\s+[\w-]+){0,3}?)?"
    rf"|(?:revert|{_REVERTING_WORD})\s+(?:these|those|the\s+following)(?:\s+[\w-]+){{0,3}}?)(?:\s+commits?)?"
    r"(?:\s+for\s+(?:today|now))?(?:\s+when\s+[\w ]{1,20})?:?[ \t]*\n",
    re.IGNORECASE,
)
# Substrings every inline form contains.  Found in the one pass over the body
# (regtrack.extract.stems), they point at the few lines the full patterns are
# then tried on: trying those patterns over whole bodies costs seconds on a
# corpus, as they start with an alternation the regex engine cannot skip
# ahead on.
_INLINE_STEMS = register(
    ("aused", "isect", "ulprit", "bad commit", "lame", "xposed", "riggered",
     "ue to", "nteract", "onflict with", "onflicts with", "onflicting with", "this one",
     "this commit", "uspect", "ommit ", "evealed",
     "rought", "t's from", "t is from", "comes from", "came from", "onflict between",
     "merge between", "with commit", "ly commit", "aybe commit", "erhaps commit", "ecause:",
     "ecause of commit", "ointed at", "ointed to", "oints at", "oints to", "ffending",
     "the bad", "guilty", "roblematic", "esult of", "mistake in", "ccidentally in",
     "nadvertently in", "elated to", " in commit", "eracting", "erging badly",
     "onflict of", "duced", "hat altered", "hat changed", "hat broke", "hat started",
     "ointing to", "oint to", "ike either", "ike perhaps either", "ike one of")
)  # fmt: skip
# "Revert", "revert", "reverting"; "revreted", "revering" as typed
_REVERT_STEMS = register(("evert", "evre", "evering"))


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
        if match := _BLOCK_INTRO.match(text, _line_tail(text, start)):
            for culprit in _listed_after(body, match.group(1), match.end()):
                add(culprit)
    for start in body.lines_containing(_REVERT_STEMS):
        if body.span_at(start).origin is Origin.OWN:
            if match := _REVERT_BLOCK.match(text, _line_tail(text, start)):
                kind = "reverted" if match.group(1) else "revert-suggested"
                for culprit in _listed_after(body, match.group(0).strip(), match.end(), kind):
                    add(culprit)
            reverted = _suggested_revert(body, start) or _reverted_commit(body, start)
            if reverted is not None:
                add(reverted)
    for start in candidates:
        for culprit in _inline_culprits(body, start):
            add(culprit)
    return tuple(found.values())


_ANY_ID = re.compile(COMMIT_ID)


def _line_tail(text: str, start: int, length: int = 240) -> int:
    """Where the last ``length`` characters of the line at ``start`` begin: a lead-in
    ends its line, so a long line is searched only near its end."""
    end = text.find("\n", start)
    return max(start, (len(text) if end < 0 else end) - length)


_INLINE_FORMS = (
    (_FIRST_BAD, "first-bad"), (_INLINE, "inline"), (_COMMIT_FIRST, "inline"),
    (_ID_IS_CULPRIT, "inline"), (_INTERACTING, "interacting"),
)  # fmt: skip


def _inline_culprits(body: LabelledBody, start: int) -> list[Culprit]:
    """The inline forms on the line at ``start`` and the next (a phrase may wrap), and
    a conflict "between" two commits over three lines (both subjects may wrap)."""
    text = body.text
    ends = [text.find("\n", start)]
    for _ in range(2):
        ends.append(-1 if ends[-1] < 0 else text.find("\n", ends[-1] + 1))
    lines: dict[int, tuple[str, int]] = {}  # the sentence and number of each line, once

    def where(offset: int) -> tuple[str, int]:
        index = next((i for i, end in enumerate(ends) if end < 0 or offset <= end), 0)
        if index not in lines:
            lines[index] = (body.line_at(offset), body.line_number(offset))
        return lines[index]

    found: list[Culprit] = []
    longer = text[start : len(text) if ends[2] < 0 else ends[2]]
    if _ANY_ID.search(longer) is None:  # most lines with a stem name no commit at all
        return found
    for match in _BETWEEN.finditer(longer):
        line, number = where(start + match.start())
        for group, kind in ((1, "caused-by"), (3, "interacting")):
            commit, subject = normalise_commit_id(match.group(group)), match.group(group + 1)
            found.append(Culprit(commit, _unwrapped(subject), kind, line, number))
    window = text[start : len(text) if ends[1] < 0 else ends[1]]
    for pattern, kind in _INLINE_FORMS:
        for match in pattern.finditer(window):
            subject = _unwrapped(match.group(2)) if kind != "first-bad" else None
            line, number = where(start + match.start())
            how = "exposed-by" if _SECOND_ROLE.match(match.group(0)) else kind
            found.append(Culprit(normalise_commit_id(match.group(1)), subject, how, line, number))
            if kind == "first-bad":
                continue
            end = match.end()
            while also := _ALSO_INLINE.match(window, end):
                line, number = where(start + also.start(1))
                commit, said = normalise_commit_id(also.group(1)), _unwrapped(also.group(2))
                found.append(Culprit(commit, said, how, line, number))
                end = also.end()
    return found


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


# "[Bisected] [commit 2ad56efa80db...] WARNING at ...": a bisection named in tags.
_BISECTED_SUBJECT = re.compile(
    rf"\[bisected\][\s:]*\[?(?:commit\s+)?({COMMIT_ID})\b", re.IGNORECASE
)


def culprit_in_subject(subject: str) -> Culprit | None:
    """The commit a subject names as the cause: a kernel test robot report's
    (:data:`ROBOT_SUBJECT`), or a person's ("... caused by commit <id>")."""
    match = ROBOT_SUBJECT.match(subject)
    if match is not None:
        return Culprit(normalise_commit_id(match.group(1)), None, "robot-subject", subject, 0)
    match = _BISECTED_SUBJECT.search(subject)
    if match is not None:  # replies too: the report may be on another list
        return Culprit(normalise_commit_id(match.group(1)), None, "subject", subject, 0)
    if subject.lower().startswith("re:"):
        return None  # a reply's subject repeats the report's, where it was found already
    match = _INLINE.search(subject) or _SUBJECT_BLAME.search(subject)
    if match is None:
        return None
    return Culprit(normalise_commit_id(match.group(1)), None, "subject", subject, 0)


def _listed_after(
    body: LabelledBody, intro: str, offset: int, kind: str | None = None
) -> list[Culprit]:
    """The indented ``<sha> ("subject")`` lines after "Caused by commit"; after an
    "and commit" (or "with") line, the next list names the other side of the conflict."""
    kind = kind or _kind_of_intro(intro.lower())
    culprits: list[Culprit] = []
    following = body.text[offset : offset + 3000].split("\n", 20)[:20]
    line_number = body.line_number(offset)
    ended = expecting = switched = False  # a blank line ends a list; "and commit" starts one
    index = 0
    while index < len(following):
        line, number = following[index], line_number + index
        index += 1
        if not line.strip():
            ended = ended or (bool(culprits) and not expecting)
            continue
        if _WRAPPED_SUBJECT.match(line) and index < len(following):
            line = f"{line} {following[index].strip()}"
            index += 1
        match = _SHA_SUBJECT.match(line)
        if match is not None and (not ended or expecting):
            said = match.group(2) or match.group(3)  # ("subject"), or git log --oneline's
            if (
                said is None
                and line.lstrip().startswith("commit ")
                and index < len(following)
                and _SHOWN_SUBJECT.match(following[index])
            ):
                said = following[index]  # "commit <sha>" over git show's indented subject
                index += 1
            commit = normalise_commit_id(match.group(1))
            culprits.append(Culprit(commit, _unwrapped(said), kind, intro, number))
            ended = expecting = False
            continue
        if culprits and not switched and _AND_COMMIT.match(line):
            kind, expecting, switched, ended = "interacting", True, True, False
            continue
        if culprits and _OR_COMMIT.match(line):
            expecting, ended = True, False
            continue
        break
    return culprits


def _unwrapped(subject: str | None) -> str | None:
    """A commit's subject as one line: a mail client may have wrapped it."""
    return " ".join(subject.split()) if subject else None


# The intro of the other side of a conflict: "interacting with", a typo of it, "merging
# badly with".
_OTHER_SIDE = re.compile(r"\b(?:in(?:ter|er)\w+|badly) with\b")


def _kind_of_intro(lowered: str) -> str:
    first = lowered.split("/", 1)[0]
    first = re.sub(r" \(\w+\)", "", first)  # "caused (exposed) by": the first word decides
    return (
        "first-bad" if "bisect" in first or "bad commit" in first
        else "introduced-by" if re.search(_INTRODUCED, first)
        else "interacting" if _OTHER_SIDE.search(first)
        else "exposed-by" if "exposed" in first or "triggered" in first or "revealed" in first
        else "caused-by"
    )  # fmt: skip


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
_REVERTED = re.compile(
    rf"\b(?:revert|{_REVERTED_WORD}|{_REVERTING_WORD})(?: the)?(?: commit)?:?\s+({COMMIT_ID})\b",
    re.I,
)
_CURED = re.compile(
    r"\b(?:fix(?:es|ed)?|solve[sd]?|resolve[sd]?|goes away|went away|gone|works|boots|helps"
    r"|passe[sd]|made it (?:build|boot|work|pass)|builds (?:again|fine))\b",
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
    rf"\brevert(?:ing)?(?: the)?(?: commit)?:?\s+[\"'`]?({COMMIT_ID})\b"
    # "Can you send a revert of c61c255e114c", "please queue a revert of commit X"
    rf"|\b(?:send|post|queue|apply|need|want)\s+a\s+revert\s+of\s+(?:commit\s+)?({COMMIT_ID})\b"
    # "can 6f861765464f be reverted", "should commit X ("x") be reverted"
    rf"|\b(?:can|could|should|shall)\s+(?:we\s+)?(?:commit\s+)?[\"'`]?({COMMIT_ID})\b[\"'`]?"
    r"(?:\s+\(\"[^\"\n]{1,200}\"\))?\s+(?:please\s+)?be\s+reverted",
    re.IGNORECASE,
)


def _suggested_revert(body: LabelledBody, start: int) -> Culprit | None:
    """On the line at ``start``, or begun on the line before ("can\nX be reverted")."""
    line = body.line_at(start)[:_PROSE_LINE]
    match = _SUGGESTED_REVERT.search(line)
    if match is None and start and "be reverted" in line:
        before = body.text.rfind("\n", 0, start - 1) + 1
        match = _SUGGESTED_REVERT.search(body.text[before : start + len(line)])
    if match is None:
        return None
    said = match.group(1) or match.group(2) or match.group(3)
    return Culprit(
        normalise_commit_id(said), None, "revert-suggested", line, body.line_number(start)
    )


# A sentence of prose fits in this much of its line; a longer line (a log, a hostile body) is
# read only this far by the per-line revert forms, which may match at every word of it.
_PROSE_LINE = 4096


def extract_revert_tests(body: LabelledBody) -> tuple[RevertTest, ...]:
    """Sentences of the author's own that report a successful revert test."""
    tests: list[RevertTest] = []
    for start in body.lines_containing(_REVERT_STEMS):
        if body.span_at(start).origin is Origin.OWN:
            sentence = body.line_at(start)
            if _REVERT_TEST.search(sentence, 0, _PROSE_LINE):
                tests.append(RevertTest(sentence, body.line_number(start)))
    return tuple(tests)
