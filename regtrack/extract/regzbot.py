"""``#regzbot`` commands, read the way regzbot reads them, aliases included.

regzbot's grammar (see ``peers/REGZBOT.md`` section 4): a command paragraph
starts with a line whose first characters are ``#regzbot`` (any case) and
that is the body's first line or follows an empty line; it ends at the next
empty line.  Inside it a new command starts on each ``#regzbot`` line and
after ``; #regzbot`` on a line; other lines continue the previous command's
argument.  Quoted commands were someone else's and were counted in their
mail, so only the author's own text counts.

Every command is kept, also a misplaced or malformed one: regression
tracking records those as unhandled, with the reason in ``problem``, so
nobody's command disappears silently.  Each command carries its canonical
name (:data:`ALIASES`) and the word as written (``spelling``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from regtrack.errors import InvalidMessageIdError
from regtrack.extract.commits import commit_id
from regtrack.extract.quoting import LabelledBody, Origin
from regtrack.extract.stems import register
from regtrack.msgid import msgid_from_reference

# Every spelling regzbot accepts, and what regtrack adds where regzbot's
# documentation names a spelling its code forgot (``activity-ignore``,
# ``unbackburner``, ``backmonitor``) or where it lacks a command (``reopen``).
ALIASES: dict[str, str] = {
    "introduced": "introduced",
    "^introduced": "introduced",
    "introduced^": "introduced",
    "use": "use",
    "report": "use",
    "title": "title",
    "subject": "title",
    "summary": "title",
    "dup": "duplicate",
    "dup-of": "duplicate",
    "dupof": "duplicate",
    "duplicate": "duplicate",
    "duplicate-of": "duplicate",
    "fix": "fix",
    "fixed-by": "fix",
    "fixedby": "fix",
    "monitor": "monitor",
    "related": "monitor",
    "backmonitor": "monitor",
    "^backmonitor": "monitor",
    "unlink": "unlink",
    "unmonitor": "unlink",
    "unrelated": "unlink",
    "resolve": "resolve",
    "resolved": "resolve",
    "invalid": "resolve",
    "inconclusive": "inconclusive",
    "backburn": "backburner",
    "backburner": "backburner",
    "back-burner": "backburner",
    "unbackburn": "unbackburner",
    "unback-burner": "unbackburner",
    "unbackburner": "unbackburner",
    "from": "from",
    "poke": "poke",
    "ignore-activity": "ignore-activity",
    "activity-ignore": "ignore-activity",
    "reopen": "reopen",
}
# regzbot takes any word starting "link", and "relat(ed)-brief(ly)", as link.
_LINK_WORD = re.compile(r"link[\w-]*|relat(?:ed)?-?brief(?:ly)?")
COMMANDS = frozenset(ALIASES.values()) | {"link"}
# Commands that may start tracking in a thread nobody tracks yet.
STARTS_TRACKING = frozenset({"introduced", "duplicate"})

_START = re.compile(r"^#regzbot[ \t]", re.IGNORECASE | re.MULTILINE)
_SPLIT = re.compile(r";[ \t]*(?=#regzbot[ \t])", re.IGNORECASE)
_HEAD = re.compile(r"#regzbot[ \t]+([\w^-]{1,40})(:?)[ \t]*(.*)", re.IGNORECASE | re.DOTALL)
_RANGE = re.compile(r"^([\w.+-]{2,60}?)\.\.([\w.+-]{2,60})?$")
_REF = re.compile(r"^(?:v\d+\.\d+(?:\.\d+)?(?:-rc\d+)?|next-\d{8}|[0-9a-f]{8,40})$", re.I)
_URL = re.compile(r"^https?://\S+$")
_SELECTORS = ("^", "/", "~")
_MAX_ARGUMENT = 1000


@dataclass(frozen=True, slots=True)
class RegzbotCommand:
    """One command; ``problem`` says why it cannot be obeyed (None when it can).

    ``name`` is the canonical name, ``spelling`` the word as written.  For
    ``introduced``: ``commit`` or ``range_start``/``range_end`` (an open
    range has no end), and ``report`` (``^`` the parent, ``/`` or ``~`` the
    thread's first mail, or a URL) when the report is not this mail.  For
    ``use`` the same ``report``.  For link commands and ``duplicate``: ``url``
    and the ``msgid`` it names; ``title`` holds a title, reason, subject or
    name.
    """

    name: str
    argument: str
    line: int
    caret: bool = False
    commit: str | None = None
    range_start: str | None = None
    range_end: str | None = None
    report: str | None = None
    url: str | None = None
    msgid: str | None = None
    title: str | None = None
    problem: str | None = None
    spelling: str = ""


(_COMMAND_STEM,) = register(("#regzbot",), caseless=True)


def is_for_regzbot(subject: str) -> bool:
    """The ``#forregzbot`` subject tag: a mail meant for regzbot only."""
    return "#forregzbot" in subject.lower()


def extract_regzbot_commands(body: LabelledBody) -> tuple[RegzbotCommand, ...]:
    """Every ``#regzbot`` command at a line start in the author's own text, in text order."""
    text = body.text
    if not body.stems.contains(_COMMAND_STEM):  # in the one stem pass: no lower() of the body
        return ()
    commands: list[RegzbotCommand] = []
    paragraph_end = -1
    for match in _START.finditer(text):
        start = match.start()
        if start < paragraph_end or body.span_at(start).origin is not Origin.OWN:
            continue
        paragraph_end = _paragraph_end(text, start)
        misplaced = not _follows_empty_line(text, start)
        line = body.line_number(start)
        for offset, chunk in _chunks(text[start:paragraph_end]):
            command = _parse(chunk, line + text.count("\n", start, start + offset))
            if misplaced and command.problem is None:
                command = _with_problem(
                    command, "not a paragraph of its own (it must follow an empty line)"
                )
            commands.append(command)
    return tuple(commands)


def _follows_empty_line(text: str, start: int) -> bool:
    if start == 0:
        return True
    previous_start = text.rfind("\n", 0, start - 1) + 1
    return not text[previous_start : start - 1].strip()


def _paragraph_end(text: str, start: int) -> int:
    """Where the paragraph starting at ``start`` ends: its first empty line."""
    position = start
    while True:
        newline = text.find("\n", position)
        if newline < 0:
            return len(text)
        line_end = text.find("\n", newline + 1)
        following = text[newline + 1 : len(text) if line_end < 0 else line_end]
        if not following.strip():
            return newline
        position = newline + 1


def _chunks(paragraph: str) -> list[tuple[int, str]]:
    """The paragraph cut into commands: at ``#regzbot`` lines and ``; #regzbot``."""
    pieces: list[tuple[int, str]] = []
    offset = 0
    for raw in paragraph.split("\n"):
        if raw[:8].lower() == "#regzbot" or not pieces:
            parts = _SPLIT.split(raw)
            pieces.extend((offset, part) for part in parts)
        else:  # a continuation of the previous command's argument
            at, previous = pieces[-1]
            joined = previous + raw.strip() if previous.endswith("-") else f"{previous} {raw}"
            pieces[-1] = (at, joined)
        offset += len(raw) + 1
    return pieces


def _with_problem(command: RegzbotCommand, problem: str) -> RegzbotCommand:
    return dataclasses.replace(command, problem=problem)


def _parse(chunk: str, line: int) -> RegzbotCommand:
    match = _HEAD.match(chunk.strip())
    if match is None:
        return RegzbotCommand("", chunk.strip()[:_MAX_ARGUMENT], line, problem="no command word")
    spelling = match.group(1).lower()
    argument = " ".join(match.group(3).split())[:_MAX_ARGUMENT]
    name = ALIASES.get(spelling) or ("link" if _LINK_WORD.fullmatch(spelling) else None)
    caret = spelling.startswith("^") or spelling.endswith("^")
    base = RegzbotCommand(spelling, argument, line, caret, spelling=spelling)
    if name is None:
        return _with_problem(base, f"unknown command {spelling!r}")
    fields = _arguments(name, argument, caret)
    return RegzbotCommand(name, argument, line, caret, spelling=spelling, **fields)


def _arguments(name: str, argument: str, caret: bool) -> dict[str, str | None]:
    """The parsed parameters of one command, with ``problem`` when they do not fit."""
    if name == "introduced":
        return _introduced(argument, caret)
    if name == "use":
        if argument in _SELECTORS:
            return {"report": argument}
        return (
            {"report": argument, **_url(argument)}
            if _URL.match(argument)
            else _needs("a report: ^, /, ~ or a URL")
        )
    if name in ("duplicate", "monitor", "link", "unlink"):
        url, _, title = argument.partition(" ")
        if not _URL.match(url):
            return _needs("a URL")
        return {**_url(url), "title": title.strip() or None}
    if name == "fix":
        return _fix(argument)
    if name in ("title", "from"):
        return {"title": argument} if argument else _needs("an argument")
    # resolve, inconclusive, backburner (a reason, optional); poke, ignore-activity,
    # unbackburner, reopen (nothing expected; an argument is kept as written)
    return {"title": argument or None}


def _needs(what: str) -> dict[str, str | None]:
    return {"problem": f"needs {what}"}


def _url(url: str) -> dict[str, str | None]:
    try:
        msgid: str | None = msgid_from_reference(url)
    except InvalidMessageIdError:
        msgid = None
    return {"url": url, "msgid": msgid}


def _fix(argument: str) -> dict[str, str | None]:
    """A commit id (the rest is a comment) or a subject, unwrapped once."""
    if not argument:
        return _needs("a commit id or a subject")
    first = argument.split()[0].strip("'\"()")
    if re.fullmatch(r"[0-9a-fA-F]{8,40}", first) and (commit := commit_id(first)):
        rest = argument.split(None, 1)[1] if " " in argument else ""
        return {"commit": commit, "title": _unwrap(rest) or None}
    return {"title": _unwrap(argument)}


def _unwrap(text: str) -> str:
    text = text.strip()
    for opening, closing in (("(", ")"), ("'", "'"), ('"', '"')):
        if len(text) >= 2 and text[0] == opening and text[-1] == closing:
            return text[1:-1].strip()
    return text


def _introduced(argument: str, caret: bool) -> dict[str, str | None]:
    words = argument.split()
    if not words:
        return _needs("a commit or range")
    first, rest = words[0], words[1:]
    found: dict[str, str | None] = {"report": "^" if caret else None}
    if rest and (rest[0] in _SELECTORS or _URL.match(rest[0])):
        found["report"] = rest[0]
        if _URL.match(rest[0]):
            found.update(_url(rest[0]))
    if re.fullmatch(r"[0-9a-fA-F]{8,40}", first) and (commit := commit_id(first)):
        return {**found, "commit": commit}
    if (match := _RANGE.match(first)) and all(
        part is None or _REF.match(part) for part in match.groups()
    ):
        start, end = match.groups()
        return {
            **found,
            "range_start": commit_id(start) or start,
            "range_end": (commit_id(end) or end) if end else None,
        }
    return {**found, "problem": "not a commit id (8+ hex digits) or a range A..B"}
