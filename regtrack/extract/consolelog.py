"""The kernel's lines as a console or a CI's log shows them, without their prefixes.

dmesg's ``<4>[   76.189375]`` and ``[T123]``, syslog's ``Jul 25 06:42:54 host
kernel:``, a CI's clock before them (``2023-07-20T10:11:12``), dmesg's decoded
level (``kern  :alert :``, as KernelCI's summaries quote it), a login prompt a
line ran on from, and another writer's output the console interleaved.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_DMESG_PREFIX = re.compile(
    r"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S{1,64} kernel: )?"  # syslog
    # A CI's clock before the kernel's: "2023-07-20T10:11:12 [    1.234567] ", or before
    # dmesg's decoded facility and level (KernelCI: "2023-06-22T06:59:45.916685  kern  :alert : ").
    r"(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?"
    r"(?: (?=[<\[])|\s{1,8}(?=(?:kern|user|daemon) {0,4}:)))?"
    r"(?:(?:kern|user|daemon) {0,4}:(?:emerg|alert|crit|err|warn|notice|info|debug) {0,4}: )?"
    r"(?:<\d>)?(?:\[ {0,12}\d{1,12}\.\d{1,9}\])?(?:\[ {0,6}[TC]\d{1,9}\])? ?"
)
_FACILITIES = frozenset({"kern", "user", "daem"})  # dmesg's decoded "kern  :alert : "
_INTERLEAVED = re.compile(r"(?<=\S)<\d>\[ {0,12}\d{1,12}\.\d{1,9}\] ?")

_SYSLOG_MONTHS = frozenset(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
)


# A console log may run a line on from the login prompt ("vm login: [ 7.1] BUG: ...").
_LOGIN = re.compile(r"^\S{1,64} login: ")


def console_text(text: str, keep: Callable[[str], str | None] = lambda _text: None) -> str:
    """``<4>[   76.189375] RIP: ...`` -> ``RIP: ...`` (also syslog, [T123], a CI's clock,
    dmesg's decoded level).  Where another writer's output interleaves the line, the
    text before it is kept when ``keep`` gives it back (perhaps made whole), else the
    kernel's line is read from its own prefix on."""
    if " login: " in text[:80] and (login := _LOGIN.match(text)):
        text = text[login.end() :]
    if text[:1] == " ":  # a CI's log excerpt, indented in its mail
        text = text.lstrip()
    if (
        text[:1] in ("<", "[")
        or text[:3] in _SYSLOG_MONTHS
        or text[4:5] == "-"
        or text[:4] in _FACILITIES
    ):
        text = text[_DMESG_PREFIX.match(text).end() :]  # type: ignore[union-attr]
    if "<" in text and (inside := _INTERLEAVED.search(text)):
        # The console interleaves two writers: a kernel line cut short by the next one
        # ("Unable to handle kernel NULL poin<4>[ 16.8] Workqueue: ...") keeps its
        # header; else the kernel's line starts at its own prefix ("undefined symbol:
        # __po<1>[   50.300506] BUG: Bad rss-counter state ...").
        kept = keep(text[: inside.start()].strip())
        text = kept if kept is not None else text[inside.end() :]
    return text.strip()
