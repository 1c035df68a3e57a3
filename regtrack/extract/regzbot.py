"""``#regzbot`` commands, with the grammar regzbot documents (docs/reference.md).

A command counts only at the start of a line in the author's own text;
quoted commands were someone else's and were counted in their mail.  The
``#forregzbot`` tag in a subject marks a mail meant for regzbot alone (it is
then not an activity of the regression).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regtrack.errors import InvalidMessageIdError
from regtrack.extract.commits import commit_id
from regtrack.extract.quoting import LabelledBody, Origin
from regtrack.msgid import msgid_from_reference

COMMANDS = frozenset(
    {
        "introduced",
        "title",
        "dup",
        "dup-of",
        "link",
        "unlink",
        "monitor",
        "unmonitor",
        "fix",
        "inconclusive",
        "resolve",
        "activity-ignore",
        "ignore-activity",
        "backburner",
        "unbackburn",
        "poke",
        "backmonitor",
    }
)
_COMMAND = re.compile(r"(?:^|\n)#regzbot[ \t]+(\^?)([a-z][a-z-]{1,30}):?[ \t]*([^\n]{0,1000})")
_RANGE = re.compile(r"^(\S{2,60})\.\.(\S{2,60})$")
_URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True, slots=True)
class RegzbotCommand:
    """One command; ``problem`` says why it does not follow the grammar.

    For ``introduced``: ``commit`` or ``range_start``/``range_end``, and
    ``report`` as ``^`` (the parent mail is the report) or a URL.  For link
    commands: ``url`` and its ``msgid`` when it names a mail, and ``title``.
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


def is_for_regzbot(subject: str) -> bool:
    """The ``#forregzbot`` subject tag: a mail meant for regzbot only."""
    return "#forregzbot" in subject.lower()


def extract_regzbot_commands(body: LabelledBody) -> tuple[RegzbotCommand, ...]:
    """Every ``#regzbot`` command at a line start in the author's own text."""
    if "#regzbot" not in body.text:
        return ()
    commands = []
    for match in _COMMAND.finditer(body.text):
        offset = match.start() + (1 if match.group(0).startswith("\n") else 0)
        if body.span_at(offset).origin is not Origin.OWN:
            continue
        caret, name, argument = match.group(1) == "^", match.group(2), match.group(3).strip()
        commands.append(_parse(name, argument, caret, body.line_number(offset)))
    return tuple(commands)


def _parse(name: str, argument: str, caret: bool, line: int) -> RegzbotCommand:
    if name not in COMMANDS:
        return RegzbotCommand(name, argument, line, caret, problem="unknown command")
    if name == "introduced":
        return _introduced(argument, caret, line)
    if name in ("dup", "dup-of", "link", "unlink", "monitor", "unmonitor", "backmonitor"):
        return _link_command(name, argument, caret, line)
    if name == "fix":
        words = argument.strip("'\"")
        if commit := commit_id(words):
            return RegzbotCommand(name, argument, line, caret, commit=commit)
        return RegzbotCommand(
            name,
            argument,
            line,
            caret,
            title=words or None,
            problem=None if words else "needs a subject or commit",
        )
    if name in ("title", "backburner") and not argument:
        return RegzbotCommand(name, argument, line, caret, problem="needs an argument")
    return RegzbotCommand(name, argument, line, caret, title=argument or None)


def _introduced(argument: str, caret: bool, line: int) -> RegzbotCommand:
    words = argument.split()
    if not words:
        return RegzbotCommand(
            "introduced", argument, line, caret, problem="needs a commit or range"
        )
    first, rest = words[0], words[1:]
    report = "^" if caret else None
    if rest and (rest[0] == "^" or _URL.match(rest[0])):
        report = rest[0]
    if commit := commit_id(first):
        return RegzbotCommand("introduced", argument, line, caret, commit=commit, report=report)
    if match := _RANGE.match(first):
        return RegzbotCommand(
            "introduced",
            argument,
            line,
            caret,
            range_start=match.group(1),
            range_end=match.group(2),
            report=report,
        )
    return RegzbotCommand(
        "introduced",
        argument,
        line,
        caret,
        report=report,
        problem="not a commit id (8+ hex digits) or a range A..B",
    )


def _link_command(name: str, argument: str, caret: bool, line: int) -> RegzbotCommand:
    url, _, title = argument.partition(" ")
    if not _URL.match(url):
        return RegzbotCommand(name, argument, line, caret, problem="needs a URL")
    try:
        msgid: str | None = msgid_from_reference(url)
    except InvalidMessageIdError:
        msgid = None
    return RegzbotCommand(
        name, argument, line, caret, url=url, msgid=msgid, title=title.strip() or None
    )
