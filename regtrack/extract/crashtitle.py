"""Crash titles as syzkaller gives them, from the lines of one report.

syzkaller reads a console log as the lines of the report's own context,
from its first line to the next report (:func:`report_lines`), then titles
it by the first rule of :mod:`crashrules` that can complete a title from
those lines, and replaces the parts that vary from run to run (pids,
addresses, line numbers) so that one bug keeps one title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from regtrack.extract.crashframes import choose_frames, skip_pattern
from regtrack.extract.crashrules import MAX_REPORT_LINES, RULES, TitleRule
from regtrack.extract.quoting import Line

# Lines that look like a report's first line but are not one.
_NOT_A_REPORT = re.compile(
    r"INFO: lockdep is turned off|INFO: Stall ended before state dump start|INFO: NMI handler"
    r"|(?:handler|interrupt).*took too long|WARNING: /etc/ssh/moduli does not exist"
    r"|general protection fault .* error:\d+ in "
)


# Every rule's first line starts with one of these: a cheap test first.
_MAY_START = re.compile(
    r"(?:BUG|WARNING|INFO|Kernel |kernel BUG|Unable to handle|general protection|Oops: "
    r"|segment-related general protection"
    r"|stack segment|PANIC: double|divide|invalid opcode|int3: |UBSAN|unregister_netdevice|VFS: "
    r"|Internal error|Unhandled fault|Alignment trap)"
)
_FIRST_LETTERS = frozenset("BWIKkUgOsPdiuVA")


# What may stand before a report's first line: syz-manager's own timestamp,
# a subsystem tag ("rcu: INFO: rcu_preempt self-detected stall", "NMI
# watchdog: BUG: soft lockup"), or old
# lockdep's bracket ("[ BUG: bad unlock balance detected! ]").
_LEAD = re.compile(r"(?:\d{4}/\d\d/\d\d \d\d:\d\d:\d\d |[A-Za-z][\w -]{0,23}: |\[ )")


# One regular expression for "may this line start a report?", tried first on
# every line: a lead, then a word a first line starts with.
may_start_report = re.compile(rf"(?:{_LEAD.pattern})?{_MAY_START.pattern}").match


def first_line_of_report(text: str) -> str | None:
    """The line from its report header on, if a rule knows it (else None)."""
    if matching_rules(text):
        return text
    # Cheap tests first: a lead is a date, a bracket or a short "tag: ".
    if not (text[:1].isdigit() or text[:2] == "[ " or ": " in text[:26]):
        return None
    lead = _LEAD.match(text)
    if lead is not None and matching_rules(text[lead.end() :]):
        return text[lead.end() :]
    return None


def matching_rules(first_line: str) -> list[TitleRule]:
    """The rules whose first line this is, in order (none for most lines)."""
    if first_line[:1] not in _FIRST_LETTERS or not _MAY_START.match(first_line):
        return []
    if _NOT_A_REPORT.match(first_line):
        return []
    return [rule for rule in RULES if rule.first_line.match(first_line)]


# syzkaller reads a console log as the lines of one context: those with the
# report's own "[  12.345678][ T123]" caller tag (CONFIG_PRINTK_CALLER), or,
# without tags, those with a timestamp (or, without timestamps, all lines).
_CONTEXT = re.compile(
    r"(?:\*\* [0-9]+ printk messages dropped \*\* )?(?:\S{1,64} login: )?"
    r"(?:<[0-9]+>)?\[ *[0-9]+\.[0-9]+\](\[ *[CT][0-9]+\])? "
)
# A later report ends this one in an untagged log, except these, which come
# inside the report they belong to.
_INSIDE_A_REPORT = re.compile(
    r"invalid opcode: 0000|Kernel panic - not syncing|unregister_netdevice: waiting for"
    r"|PANIC: double fault|Internal error:"
)
# Past this many lines, a panic or a lockdep report is the consequence of the
# report (panic_on_warn, locks taken while printing), not part of it.
_CONSEQUENCE_AFTER = 22
_CONSEQUENCE = re.compile(
    r"Kernel panic - not syncing|WARNING: possible circular locking dependency detected"
)


# A frame the unwinder is unsure of: x86's "? f+0x..", powerpc's "... (unreliable)".
_QUESTIONABLE = re.compile(r"(?:\[<[0-9a-f]+>\] )?\? |.* \(unreliable\)$")


def _context(raw: str) -> str:
    match = _CONTEXT.match(raw)
    if match is None:
        return ""
    return match.group(1) or "console"


def report_lines(lines: Sequence[Line], texts: Sequence[str], start: int) -> list[str]:
    """The lines (without prefixes) syzkaller reads as the report from ``start`` on."""
    context = _context(lines[start].text)
    tagged = context not in ("", "console")
    limit = 16 if "BUG: KMSAN:" in texts[start] else _CONSEQUENCE_AFTER
    kept = [texts[start]]
    for index in range(start + 1, min(len(texts), start + 4 * MAX_REPORT_LINES)):
        text = texts[index]
        if _context(lines[index].text) != context:
            continue
        if not tagged and matching_rules(text) and not _INSIDE_A_REPORT.match(text):
            break
        if len(kept) > limit and _CONSEQUENCE.search(text):
            break
        if "Disabling lock debugging due to kernel taint" in text or _QUESTIONABLE.match(text):
            continue
        kept.append(text)
        if len(kept) == MAX_REPORT_LINES:
            break
    return kept


class Title(NamedTuple):
    """A title, and whether the report lacked the frame it needs ("in corrupted")."""

    text: str
    corrupted: bool


def syzkaller_title(lines: Sequence[str]) -> Title | None:
    """The title syzkaller gives the report starting at ``lines[0]``, or None.

    None when no rule knows the first line, or when each that does misses a
    line it needs further down.  The first rule that finds its lines gives
    the title; when no frame is found, the frame is "corrupted", as in
    syzkaller's titles of truncated reports.
    """
    rules = matching_rules(lines[0]) if lines else []
    if not rules:
        return None
    lines = lines[:MAX_REPORT_LINES]
    text = "\n".join(lines) + "\n"
    for rule in rules:
        title = _apply(rule, lines, text)
        if title is not None:
            return Title(clean_title(title.text), title.corrupted)
    return None


def _apply(rule: TitleRule, lines: Sequence[str], text: str) -> Title | None:
    first = rule.first_line.match(lines[0])
    match = rule.report.search(text) if rule.report is not None else first
    if match is None:
        return None
    frame = None
    if rule.stack is not None:
        frames = choose_frames(lines, rule.stack, skip_pattern(rule.stack.skip))
        frame = frames[0] if frames else "corrupted"
    return Title(rule.title.format(*match.groups(), frame=frame), frame == "corrupted")


# syzkaller's replacements that keep a title stable across runs: pids,
# addresses, line numbers, offsets and CPU numbers vary, the bug does not.
_VARIABLE_PARTS = (
    (re.compile(r"syz-executor\.?[0-9]+(?:(?:/|:)[0-9]+)?"), "syz-executor"),
    (re.compile(r"syzkaller[0-9]+(?:(?:/|:)[0-9]+)?"), "syzkaller"),
    (re.compile(r"([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}"), r"\1ADDR"),
    (re.compile(r"([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})"), "IP"),
    (re.compile(r"(\.\w+)(:[0-9]+)+"), r"\1:LINE"),
    (re.compile(r"([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+/0x[0-9a-z]+"), r"\1"),
    (re.compile(r"CPU#[0-9]+"), "CPU"),
    (re.compile(r"(\W)(\d+)(\W|$)"), r"\1NUM\3"),
    (re.compile(r"(?:\d+){7,}"), "NUM"),
)


def clean_title(title: str) -> str:
    """A title with its run-specific parts replaced, at most 120 characters, one line."""
    for pattern, replacement in _VARIABLE_PARTS:
        while (changed := pattern.sub(replacement, title)) != title:
            title = changed
    printable = "".join(c if c != "\t" else " " for c in title if c >= " " and c < "\x7f")
    return re.sub(" {2,}", " ", printable[:120]).strip()
