"""Kernel oopses, warnings and sanitizer reports: frames, a title, a signature.

A report starts at a header line the kernel prints (``BUG: KASAN: ...``,
``WARNING: CPU: ...``, ``general protection fault``, ``kernel BUG at``,
``Unable to handle kernel ...`` on arm64, soft lockups, hung tasks, ...) or,
where the reporter pasted only part of it, at a ``RIP:``/``pc :`` line or a
``Call Trace:``.  Lines are read after undoing ``>`` quoting and stripping
dmesg prefixes (``<4>[   76.189375]``, ``[T123]``, syslog timestamps, a CI's
clock before them).

The title is the one syzkaller would give ("KASAN: slab-use-after-free Read
in foo", "WARNING in foo", "possible deadlock in foo"), by the rules of
:mod:`crashtitle`; where they find no frame, :mod:`crashdraft` names the
first function that is not part of the reporting machinery.  The signature
hashes the title and the next few reliable frames, so the same crash
reported twice (with other offsets, modules or timestamps) gets the same
signature.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from regtrack.extract.consolelog import console_text
from regtrack.extract.crashdraft import (
    STATE_CHECK,
    Draft,
    headerless_kind,
    knows_function,
    own_title,
    skipped,
)
from regtrack.extract.crashtitle import (
    first_line_of_report,
    matching_rules,
    may_start_report,
    report_lines,
    syzkaller_title,
)
from regtrack.extract.quoting import LabelledBody, Line
from regtrack.extract.stems import register

_FRAME = re.compile(
    r"^(\?\s{1,4})?([A-Za-z_][\w.$]{0,200})"
    r"(?:\+0x([0-9a-fA-F]{1,16})/0x([0-9a-fA-F]{1,16}))?"
    r"((?:\s{1,8}(?:\[[\w-]{1,64}\]|\S{1,300}:\d{1,7}\S{0,40}|\([^()\n]{0,300}"
    r"(?:\([^()\n]{0,100}\))?[^()\n]{0,100}\)))*)\s*$"
)
_MODULE = re.compile(r"\[([\w-]{1,64})\]")
# Address columns before a frame: powerpc "[c0000000047f6f0] [c000000000929fdc] ",
# older x86 "[<ffffffff81234567>] ".  Some logs lose the first "[" of a line.
_ADDRESS_COLUMNS = re.compile(r"^\[?(?:<?[0-9a-fA-F]{8,16}>?\] {1,2}\[?){1,2}")
_CRASH_POINT = re.compile(
    r"^(?:RIP: 0010:|pc : |NIP:? {0,2}\[?[0-9a-f]{1,16}\] |PC is at |EIP: \[<[0-9a-f]{1,16}>\] )"
    r"(.*)$"
)
_USER_RIP = re.compile(r"^RIP: 0033:(\S+)")
_CR2 = re.compile(r"^CR2: ([0-9a-fA-F]{1,16})")
_HARDWARE = re.compile(r"^Hardware name: (.{1,300})$")
# kmemleak prints its trace under "backtrace:" (since 6.2 with a checksum).
_CALL_TRACE = re.compile(
    r"^(?:Call Trace|Call trace|Backtrace|backtrace(?: \(crc [0-9a-f]+\))?):?\s*$"
)
_END = re.compile(
    r"^(?:---\[ end|</TASK>|</IRQ>|Code: |Modules linked in|Kernel panic|RIP: 0033:"
    r"|Allocated by task|Freed by task|The buggy address|Memory state around)"
)

_HEADERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("kasan", re.compile(r"^BUG: KASAN: ([\w-]{1,64}) in ([\w.]{1,200})")),
    ("kcsan", re.compile(r"^BUG: KCSAN: ([\w-]{1,64}) in ([\w.]{1,200})(?: / ([\w.]{1,200}))?")),
    ("kmsan", re.compile(r"^BUG: KMSAN: ([\w-]{1,64}) in ([\w.]{1,200})")),
    ("ubsan", re.compile(r"^UBSAN: ([\w-]{1,64}) in (\S{1,300})")),
    ("null", re.compile(r"^BUG: [Kk]ernel NULL pointer dereference")),
    ("paging", re.compile(r"^BUG: unable to handle (?:page fault|kernel paging request)")),
    ("null", re.compile(r"^(?:BUG: )?[Uu]nable to handle kernel NULL pointer dereference")),
    ("paging", re.compile(r"^Unable to handle kernel (?:paging request|access to user memory)")),
    # MIPS: "CPU 0 Unable to handle kernel paging request at virtual address X, epc == Y"
    ("paging", re.compile(r"^CPU \d{1,5} Unable to handle kernel paging request")),
    ("paging", re.compile(r"^BUG: Unable to handle kernel (?:data access|instruction fetch)")),
    # x86 says "segment-related" when the fault has an error code (a segment selector)
    ("gpf", re.compile(r"^(?:segment-related )?general protection fault")),
    ("kernel-bug", re.compile(r"^kernel BUG at (\S{1,300})!")),
    # arm64's BUG() trap, where the "kernel BUG at" line before it was not kept
    ("kernel-bug", re.compile(r"^Internal error: Oops - BUG: ")),
    ("usercopy", re.compile(r"^usercopy: Kernel memory (?:exposure|overwrite) attempt detected")),
    # The function may be wrapped onto the next line; the crash point stands in.
    (
        "warning",
        re.compile(r"^WARNING: CPU: \d{1,5} PID: \d{1,9} at (\S{1,300})(?: ([\w.]{1,200}))?"),
    ),
    ("lockup", re.compile(r"^(?:watchdog: )?BUG: soft lockup")),
    ("hung", re.compile(r"^INFO: task \S{1,64} blocked for more than")),
    ("rcu-stall", re.compile(r"^INFO: rcu_(?:preempt|sched) (?:detected|self-detected) stall")),
    (
        "deadlock",
        re.compile(
            r"^WARNING: possible (?:circular locking dependency|recursive "
            r"locking) detected"
        ),
    ),
    ("warning-text", re.compile(r"^WARNING: ([a-z][^:\n]{3,100})$")),
    ("bug-text", re.compile(r"^BUG: ([^\n]{3,100}?)(?: at \S+)?$")),
    ("oops", re.compile(r"^(?:Internal error: )?Oops(?::| -)")),
    ("panic", re.compile(r"^Kernel panic - not syncing: (.{1,200}?)\s*$")),
)
# A panic is a report of its own ("kernel panic: VFS: Unable to mount root
# fs") only where no other report comes just before it: after an oops, a
# warning under panic_on_warn or a hung task, the report before it is the
# crash and the panic its consequence ("Fatal exception", "Attempted to kill
# init!"), read as one more line of that report.
_PANIC_FOLLOWS_WITHIN = 40  # lines after the end of the report before it
_CONSEQUENCE = "consequence"  # the kind of a panic's draft that is no report
# Messages the kernel prints with a stack dump that are no crash themselves.
_INFO_WITH_STACK = re.compile(
    r"FAULT_INJECTION: forcing a failure|vmalloc: allocation failure"
    r"|page allocation failure: order:|FAULT_FLAG_ALLOW_RETRY missing"
)

SIGNATURE_FRAMES = 5
# Real traces are far shorter; past this only the end of the trace is looked for.
MAX_FRAMES = 256
# Headers that are also printed by other tools (Kconfig's "WARNING: unmet
# direct dependencies", modpost): a report only when a trace follows.
_WEAK_KINDS = frozenset({"warning-text", "bug-text", "oops"})
# Headers that are a report by themselves, trace or not: the kernel prints them only
# for a crash, and a CI's summary often quotes nothing else.
_ONE_LINE_KINDS = frozenset(
    {"null", "paging", "gpf", "kernel-bug", "lockup", "warning", "usercopy"}
)


@dataclass(frozen=True, slots=True)
class Frame:
    """One call-trace line; ``reliable`` is false for ``?`` frames."""

    function: str
    offset: int | None
    size: int | None
    module: str | None
    reliable: bool
    inline: bool = False


@dataclass(frozen=True, slots=True)
class CrashReport:
    """One report found in a message, and whether the author quoted it."""

    kind: str
    title: str
    signature: str
    crash_function: str | None
    frames: tuple[Frame, ...]
    quoted: bool
    first_line: int
    header: str = ""
    hardware: str | None = None
    user_rip: str | None = None
    # syzkaller's judgement: its rules find no frame where the title needs one (it would
    # title the report "... in corrupted"); regtrack's own title may still name one.
    corrupted: bool = False

    @property
    def reliable_frames(self) -> tuple[Frame, ...]:
        return tuple(frame for frame in self.frames if frame.reliable)


def strip_dmesg_prefix(text: str) -> str:
    """``<4>[   76.189375] RIP: ...`` -> ``RIP: ...`` (:mod:`consolelog`); a line two
    writers interleaved keeps a crash header cut short by the next line."""
    return console_text(text, keep=_cut_header)


# The fixed words of the headers a console cuts short most (KernelCI's summaries quote
# "Unable to handle kernel NULL poin" cut by the next writer's line).
_CUT_HEADERS = (
    "Unable to handle kernel NULL pointer dereference",
    "Unable to handle kernel paging request",
    "BUG: kernel NULL pointer dereference",
    "BUG: unable to handle page fault",
    "BUG: unable to handle kernel NULL pointer dereference",
    "BUG: unable to handle kernel paging request",
)
_CUT_AT_LEAST = len("Unable to handle kernel ") + 2  # enough to tell NULL from paging


def _cut_header(text: str) -> str | None:
    """A header cut short by another writer's line, made whole where its words are
    fixed: the header's first line, or None for text that is no header."""
    if _match_header(text) is not None:
        return text
    if len(text) < _CUT_AT_LEAST:
        return None
    whole = [header for header in _CUT_HEADERS if header.startswith(text)]
    return whole[0] if len(whole) == 1 else None


def parse_frame(text: str) -> Frame | None:
    """A call-trace line as a :class:`Frame`, or None when it is not one.

    A frame needs an ``+off/size``, a ``file:line``, or ``[inline]``; a bare
    word is prose, not a frame.
    """
    if text.startswith("[") or "] " in text[8:20]:
        columns = _ADDRESS_COLUMNS.match(text)
        if columns is not None:
            text = text[columns.end() :]
    match = _FRAME.match(text)
    if match is None:
        return None
    unreliable, function, offset, size, rest = match.groups()
    inline = "[inline]" in rest
    if offset is None and not inline and ":" not in rest:
        return None
    modules = [m for m in _MODULE.findall(rest) if m != "inline"]
    return Frame(
        function=function,
        offset=int(offset, 16) if offset else None,
        size=int(size, 16) if size else None,
        module=modules[0] if modules else None,
        reliable=unreliable is None and "(unreliable)" not in rest,
        inline=inline,
    )


# Every report regtrack keeps has a call trace or a crash point (a header
# alone is also what KernelCI's summary tables list as test names), so a body
# with none of these is passed over without a look at each of its lines.
_TRACE_OR_CRASH_POINT = register(
    (
        "Call Trace",
        "Call trace",
        "Backtrace",
        "RIP: 0010:",
        "pc : ",
        "NIP",
        "PC is at",
        "EIP: ",
    )
)


# Reports without a "Call Trace:" line: KMSAN, KFENCE and KCSAN print their
# frames right below the first line, kmemleak under "backtrace:", and some
# reports are one line.  Each stem costs a pass over the body where Hyperscan
# is not installed, so a few broad stems are looked for first, and the exact
# ones only in the bodies that hold one of those.
_WITHOUT_TRACE_BROAD = register(
    (
        "BUG: ",
        "VFS: ",
        "unreferenced object",
        "locks still held",
        "WARNING: kernel stack",
        "unregister_netdevice: waiting",
    )
)
_WITHOUT_TRACE = register(
    (
        "BUG: K",
        "BUG: Bad rss-counter",
        "BUG: workqueue",
        "BUG: non-zero nr_p",
        "BUG: Dentry",
        "VFS: Busy inodes",
        "VFS: Close: file count",
        "unreferenced object",
        "locks still held",
        "WARNING: kernel stack",
        "unregister_netdevice: waiting",
    )
)


# Headers that are a report of one line (a CI's excerpt, a copied header): in a body
# without a trace, only the lines holding one are read (CI summaries run long).
_ONE_LINE_HEADERS = register(
    (
        "BUG: kernel NULL",
        "BUG: Kernel NULL",
        "BUG: unable to handle",
        "BUG: Unable to handle",
        "BUG: soft lockup",
        "BUG: Bad page",
        "BUG: Bad rss-counter",
        "BUG: bad usercopy",
        "BUG: scheduling while",
        "BUG: sleeping function",
        "kernel BUG at",
        "general protection fault",
        "nable to handle kernel",
        "WARNING: CPU: ",
        "usercopy: Kernel memory",
        "Oops - BUG",
    )
)


def extract_crash_reports(body: LabelledBody) -> tuple[CrashReport, ...]:
    """Every oops, warning or sanitizer report in the body."""
    stems = body.stems
    if any(stems.contains(token) for token in _TRACE_OR_CRASH_POINT) or (
        any(stems.contains(token) for token in _WITHOUT_TRACE_BROAD)
        and any(stems.contains(token) for token in _WITHOUT_TRACE)
    ):
        return _reports_in(body.lines)
    starts = list(body.lines_containing(_ONE_LINE_HEADERS))
    if not starts:
        return ()
    return _reports_in(tuple(_with_wrapped_rest(body, starts)))


def _with_wrapped_rest(body: LabelledBody, starts: list[int]) -> Iterator[Line]:
    """The header lines at ``starts``, each followed by the next line where a mail client
    may have wrapped the header onto it (see :func:`_wrapped_rest`)."""
    for start in starts:
        line = body.line_starting_at(start)
        yield line
        text = strip_dmesg_prefix(line.text)
        end = body.text.find("\n", start) + 1  # 0: the body's last line
        wrapped = _WRAPPED_WARNING.match(text) or _WRAPPED_AFTER_PLACE.match(text)
        if wrapped and 0 < end < len(body.text) and end not in starts:
            yield body.line_starting_at(end)


def _reports_in(lines: tuple[Line, ...]) -> tuple[CrashReport, ...]:
    finished: list[Draft] = []
    texts: list[str] = []  # every line without its dmesg prefix, for the titles
    draft: Draft | None = None
    hardware: str | None = None  # printed before a pasted fragment's first line
    last_end = -_PANIC_FOLLOWS_WITHIN - 1  # line number where the last report ended
    continued = False  # this line was read as the end of the one before
    panics: set[str] = set()  # the panic lines met so far
    for position, line in enumerate(lines):
        text = strip_dmesg_prefix(line.text)
        texts.append(text)
        if continued:
            continued = False
            continue
        wrapped = (
            text.startswith("WARNING")
            or text.endswith(", at:")
            or (text.endswith(("]", "] ")) and "+" not in text)  # a frame has its "+0x.."
        )
        if wrapped and (following := _wrapped_rest(lines, position, text)):
            text = texts[-1] = f"{text} {following}"
            continued = True
        if draft is None and (match := _HARDWARE.match(text)):
            hardware = match.group(1).strip()
            continue
        head = first_line_of_report(text) if may_start_report(text) else None
        if head is not None:
            text = texts[-1] = head
        header = _match_header(text)
        rules = matching_rules(text) if head is not None else []
        if header is None and draft is None and _info_with_stack(text):
            # Its stack dump is no crash; read it into a draft that is never a report.
            draft = Draft(line.number, line.depth > 0, kind=_CONSEQUENCE)
            continue
        if header is None and rules:
            header = ("other", ())  # a kind only syzkaller's rules name
        repeated = header is not None and header[0] == "panic" and text in panics
        if header is not None and header[0] == "panic":
            panics.add(text)
        if (
            header is not None
            and header[0] == "panic"
            and (repeated or _follows_report(draft, last_end, line, bool(finished)))
        ):
            # The consequence of the report before it, or a panic the log
            # repeats (a CI's summary quotes the panic line again).
            header = None
            if draft is None or not (draft.kind or draft.frames):
                # Its own dump (CPU line, call trace through panic()) is read
                # into a draft that is never a report; so is a register dump
                # the kernel repeated after the end marker.
                draft = Draft(line.number, line.depth > 0, kind=_CONSEQUENCE)
                continue
        if header is not None:
            if draft is not None and (
                draft.frames
                or draft.trace_done
                or draft.kind == _CONSEQUENCE
                or draft.needs_no_trace  # its one line is the whole report
                or _another_crash(draft, header)
            ):
                if _may_be_report(draft):
                    finished.append(draft)
                    last_end = line.number
                draft = None
            if draft is None:
                draft = Draft(line.number, line.depth > 0, hardware=hardware)
            if not draft.kind or draft.kind in ("oops", "bug-text", "other"):
                draft.kind, draft.header_args = header
                draft.header = text
            if rules and draft.rule_start is None:
                draft.rule_start = len(texts) - 1
                draft.needs_no_trace = header[0] != "panic" and all(
                    rule.stack is None for rule in rules
                )
            continue
        if draft is None:
            if _CRASH_POINT.match(text) or _CALL_TRACE.match(text):
                draft = Draft(line.number, line.depth > 0, hardware=hardware)
            else:
                continue
        if _feed(draft, text):
            if _may_be_report(draft):
                # A lone RIP/register dump (kernels repeat one after the end
                # marker) without a header or a call trace is no report.
                finished.append(draft)
                last_end = line.number
            draft = None
    if draft is not None and _may_be_report(draft):
        finished.append(draft)
    found = [r for r in (_finish(draft, lines, texts) for draft in finished) if r is not None]
    # A stack dump without a crash's header (a sysfs or sysctl complaint, a "vmalloc
    # error") comes after the crashes: syzkaller titles a log by its first crash, and a
    # dump is none.
    return tuple(sorted(found, key=lambda report: report.kind == "stack"))


# A mail client wraps "WARNING: CPU: 0 PID: 0 at kernel/x.c:128 f+0x1/0x2" after "at".
_WRAPPED_WARNING = re.compile(r"^WARNING: CPU: \d{1,5} PID: \d{1,9} at$")
_WARNING_PLACE = re.compile(r"^\S{1,300}:\d{1,7} [\w.]{1,200}")
# ... or wrapped after its place, the function with its offset alone on the next line.
_WRAPPED_AFTER_PLACE = re.compile(r"^WARNING: CPU: \d{1,5} PID: \d{1,9} at \S{1,300}:\d{1,7}$")
_WARNING_FUNCTION = re.compile(r"^[A-Za-z_][\w.]{0,200}\+0x[0-9a-f]{1,16}/0x[0-9a-f]{1,16}")
# powerpc's frame and NIP lines are long: wrapped after their address columns, the
# function with its offset is alone on the next line.
_ADDRESSES_ONLY = re.compile(r"^(?:NIP |LR )?(?:\[?<?(?:0x)?[0-9a-f]{8,16}>?\] *){1,2}$")


# lockdep's "(console_owner){..-.}-{0:0}, at: console_flush_all+0x1c/0x3d0", wrapped
# after "at:": the function on the next line (decoded, "f (file:line)", its location
# perhaps wrapped again, or not decoded).
_LOCK_SITE = re.compile(
    r"^(?:\[<?(?:0x)?[0-9a-f]{1,16}>?\] +)?"  # older kernels print the address first
    r"[A-Za-z_][\w.]{0,200}(?:\+0x[0-9a-f]{1,16}/0x[0-9a-f]{1,16})?(?: \(.*)?$"
)


def _wrapped_rest(lines: tuple[Line, ...], position: int, text: str) -> str | None:
    """The rest of a line a mail client wrapped onto the next one, where that is what the
    next line is: a WARNING's place after "at" (or its function after the place), a frame's
    function after its addresses, a lock's site after lockdep's "at:"."""
    if position + 1 == len(lines):
        return None
    if text.endswith(", at:"):
        place = _LOCK_SITE
    elif text.startswith("WARNING"):
        if _WRAPPED_WARNING.match(text):
            place = _WARNING_PLACE
        elif _WRAPPED_AFTER_PLACE.match(text):
            place = _WARNING_FUNCTION
        else:
            return None
    elif _ADDRESSES_ONLY.match(text):
        place = _WARNING_FUNCTION
    else:
        return None
    following = strip_dmesg_prefix(lines[position + 1].text)
    return following if place.match(following) else None


def _another_crash(draft: Draft, header: tuple[str, tuple[str | None, ...]]) -> bool:
    """A header of another crash after a report of one line (a CI's excerpts, one after
    the other; a WARNING at another place); an oops line or a panic after a header is
    part of its report."""
    kind, args = header
    if kind == draft.kind == "warning" and draft.crash_function is None:
        return bool(args and draft.header_args) and args[0] != draft.header_args[0]
    return (
        kind != draft.kind
        and kind not in _WEAK_KINDS
        and kind not in ("other", "panic")
        and (draft.kind in _ONE_LINE_KINDS or _states_a_check(draft))
        and draft.crash_function is None
        and not (draft.kind == "usercopy" and kind == "kernel-bug")  # the BUG() it calls
    )


def _states_a_check(draft: Draft) -> bool:
    """A consistency check's own line ("BUG: Bad page state in process ..."): a report
    by itself, not the start of the next header's."""
    return draft.kind == "bug-text" and STATE_CHECK.match(draft.header) is not None


def _info_with_stack(text: str) -> bool:
    return ("FAULT" in text or "allocation failure" in text) and bool(_INFO_WITH_STACK.search(text))


def _follows_report(draft: Draft | None, last_end: int, line: Line, reported: bool) -> bool:
    """Whether a line comes inside a report or soon after one.  In a log with no report
    before it (``reported``), a draft that is none yet (a crash point without a header, as
    arm64's "Bad mode in ... handler" leaves) does not make a panic its consequence: the
    panic is the report."""
    inside = draft is not None and (reported or _may_be_report(draft) or draft.kind == _CONSEQUENCE)
    return inside or line.number - last_end <= _PANIC_FOLLOWS_WITHIN


def _may_be_report(draft: Draft) -> bool:
    """A report, or a header syzkaller's rules may find a trace for further down."""
    return _is_report(draft) or (draft.rule_start is not None and draft.kind != _CONSEQUENCE)


def _is_report(draft: Draft) -> bool:
    """A trace makes a report; a crash point under a strong header does too; and so does
    a header that says all by itself (a CI's excerpt of one line, a copied header)."""
    if draft.kind == _CONSEQUENCE:
        return False
    if draft.frames or draft.needs_no_trace:
        return True
    if draft.crash_function is not None and bool(draft.kind) and draft.kind not in _WEAK_KINDS:
        return True
    return draft.kind in _ONE_LINE_KINDS or (
        draft.kind == "bug-text" and STATE_CHECK.match(draft.header) is not None
    )


def _match_header(text: str) -> tuple[str, tuple[str | None, ...]] | None:
    if not text or text[0] not in "BWguiIkKUOIwCs":
        return None  # cheap test first: headers start with few letters
    for kind, pattern in _HEADERS:
        match = pattern.match(text)
        if match:
            return kind, match.groups()
    return None


def _feed(draft: Draft, text: str) -> bool:
    """Read one line into the draft; True when the report has ended."""
    if text.startswith("---[ end"):
        return True
    if draft.in_trace:
        frame = parse_frame(text) if len(draft.frames) < MAX_FRAMES else None
        if frame is not None:
            draft.frames.append(frame)
            return False
        if text and len(draft.frames) >= MAX_FRAMES and not _END.match(text):
            return False  # past the cap: only look for the end of the trace
        if _END.match(text) or not text:
            draft.in_trace = False
            draft.trace_done = True
            user = _USER_RIP.match(text)
            if user:
                draft.user_rip = user.group(1)
        return False
    if _CALL_TRACE.match(text):
        draft.in_trace = not draft.trace_done
        return False
    if match := _CRASH_POINT.match(text):
        if draft.crash_function is None:
            frame = parse_frame(match.group(1).strip())
            draft.crash_function = frame.function if frame else None
    elif match := _CR2.match(text):
        draft.cr2 = int(match.group(1), 16)
    elif match := _HARDWARE.match(text):
        draft.hardware = draft.hardware or match.group(1).strip()
    elif text.startswith(("Read of size", "Write of size")):
        draft.access = draft.access or text.split(" ", 1)[0]
    return False


def _finish(draft: Draft, lines: tuple[Line, ...], texts: list[str]) -> CrashReport | None:
    """The report with its title, or None for a header that has no report after all.

    KMSAN, KFENCE and KCSAN print their frames without a "Call Trace:" line,
    kmemleak under "backtrace:"; a header whose title syzkaller's rules can
    complete from the lines below it is a report even without a trace here.
    """
    kind = draft.kind or headerless_kind(draft)
    by_rules = None
    if draft.rule_start is not None:
        by_rules = syzkaller_title(report_lines(lines, texts, draft.rule_start))
    without_frame = by_rules is not None and by_rules.corrupted
    if without_frame:
        # syzkaller would title it "... in corrupted"; a report pasted into
        # mail often lacks what a console log has (the "Call Trace:" line,
        # another architecture's layout), and regtrack's own reading names
        # its function still.
        by_rules = None
    if by_rules is None and not _is_report(draft):
        return None
    title = by_rules.text if by_rules is not None else own_title(kind, draft)
    corrupted = without_frame or (by_rules is None and not knows_function(kind, draft))
    names = [f.function for f in draft.frames if f.reliable and not skipped(f.function)]
    key = "|".join([title, *names[:SIGNATURE_FRAMES]])
    return CrashReport(
        kind=kind,
        title=title,
        signature=hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16],
        crash_function=draft.crash_function,
        frames=tuple(draft.frames),
        quoted=draft.quoted,
        first_line=draft.first_line,
        header=draft.header,
        hardware=draft.hardware,
        user_rip=draft.user_rip,
        corrupted=corrupted,
    )
