"""A crash report being read, and regtrack's own title for it.

:mod:`stacktrace` reads a body line by line into a :class:`Draft` per report.
Its title comes from syzkaller's rules (:mod:`crashtitle`); where they find
no frame (a trace pasted without its "Call Trace:" line, an architecture
syzkaller does not read) or know no kind (a fragment without its first
line), :func:`own_title` names the crash point or the first frame that is
not reporting machinery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from regtrack.extract.crashframes import skip_pattern
from regtrack.extract.crashtitle import clean_title

if TYPE_CHECKING:
    from regtrack.extract.stacktrace import Frame

# Functions of the reporting machinery: never what a title names.
SKIP_PREFIXES = (
    "__pfx_",
    "dump_stack",
    "show_stack",
    "__dump_stack",
    "panic",
    "__warn",
    "warn_slowpath",
    "report_bug",
    "handle_bug",
    "exc_",
    "asm_exc_",
    "do_error_trap",
    "do_trap",
    "die",
    "__die",
    "oops_",
    "page_fault_oops",
    "kernelmode_fixup_or_oops",
    "no_context",
    "__bad_area",
    "bad_area",
    "do_user_addr_fault",
    "do_kern_addr_fault",
    "handle_page_fault",
    "kasan_",
    "__kasan",
    "check_memory_region",
    "print_report",
    "print_address_description",
    "__asan_",
    "ubsan_",
    "__ubsan_",
    "kcsan_",
    "__tsan_",
    "kmsan_",
    "__msan_",
    "schedule",
    "context_switch",
    "__switch_to",
    "__schedule",
    "preempt_schedule",
    "io_schedule",
    "rwsem_down",
    "down_",
    "__mutex_lock",
    "mutex_lock",
    "wait_for_completion",
    "__wait_for_common",
    "lockdep_",
    "lock_acquire",
    "__lock_acquire",
    "_raw_spin_lock",
    "el1_",
    "el0_",
    "el1h_",
    "__might_resched",
    "__might_sleep",
    "___might_sleep",
    "__might_fault",
    "do_mem_abort",
    "__do_kernel_fault",
    "die_kernel_fault",
    "arm64_",
    "bug_handler",
    "brk_handler",
    "call_break_hook",
    "rcu_dump",
    "print_cpu_stall",
    "watchdog_timer_fn",
)


@dataclass
class Draft:
    """A report being read line by line, before it is known to be one."""

    first_line: int
    quoted: bool
    kind: str = ""
    header: str = ""
    header_args: tuple[str | None, ...] = ()
    access: str | None = None
    crash_function: str | None = None
    cr2: int | None = None
    hardware: str | None = None
    user_rip: str | None = None
    frames: list[Frame] = field(default_factory=list)
    in_trace: bool = False
    trace_done: bool = False
    # The first line a syzkaller title rule knows (its index in the body's
    # lines), and whether that rule needs no trace (KCSAN, "BUG: Bad page map").
    rule_start: int | None = None
    needs_no_trace: bool = False


def headerless_kind(draft: Draft) -> str:
    """A pasted fragment without its first line: infer from the frames and CR2."""
    names = {frame.function for frame in draft.frames}
    if names & {"page_fault_oops", "exc_page_fault", "do_user_addr_fault", "do_mem_abort"}:
        return "null" if draft.cr2 is not None and draft.cr2 < 0x1000 else "paging"
    if names & {"exc_general_protection", "asm_exc_general_protection"}:
        return "gpf"
    if names & {"__warn", "warn_slowpath_fmt", "report_bug"}:
        return "warning"
    return "stack"  # a dump_stack() or a fragment: a trace, but no crash we can name


def skipped(function: str) -> bool:
    """A function of the reporting machinery, never what regtrack's own title names."""
    return function.startswith(SKIP_PREFIXES)


_UNKNOWN = "unknown"
# The kernel's consistency checks, whose "BUG: " line says what failed: a report by
# itself, titled by the check when no frame is known ("BUG: Bad page state").
STATE_CHECK = re.compile(
    r"^BUG: (Bad page state|Bad page map|Bad page cache|Bad rss-counter state|[Bb]ad usercopy"
    r"|scheduling while atomic|sleeping function called from invalid context)"
)
_STATE_TITLES = {"bad usercopy": "bad usercopy"}  # syzkaller's spelling


# syzkaller's own skips (string, lock, print helpers...): a title names what called them.
_SYZKALLER_SKIPS = skip_pattern()


def _titled_by(function: str) -> bool:
    return not skipped(function) and _SYZKALLER_SKIPS.search(function) is None


def _first_function(draft: Draft) -> str:
    """The crash point if a title may name it (no reporting machinery, none of the helpers
    syzkaller skips), else the first frame that may; else the crash point after all."""
    if draft.crash_function and _titled_by(draft.crash_function):
        return draft.crash_function
    for frame in draft.frames:
        if frame.reliable and _titled_by(frame.function):
            return frame.function
    return draft.crash_function or _UNKNOWN


def knows_function(kind: str, draft: Draft) -> bool:
    """Whether the report names the function its title needs (syzkaller calls a report
    that lacks it "corrupted"); titles made of the header's own text need none."""
    if kind in ("panic", "warning-text", "other") or (
        kind == "bug-text" and not STATE_CHECK.match(draft.header)
    ):
        return True
    if kind in ("kasan", "kcsan", "kmsan") or (
        kind == "warning" and len(draft.header_args) > 1 and bool(draft.header_args[1])
    ):
        return True  # the header names it
    return _first_function(draft) != _UNKNOWN


def own_title(kind: str, draft: Draft) -> str:
    """regtrack's title where syzkaller's rules find no frame, in syzkaller's style."""
    args = draft.header_args
    where = _first_function(draft).split(".", 1)[0]  # "f.cold" is f, as syzkaller names it
    if kind == "kasan":
        access = f" {draft.access}" if draft.access else ""
        return f"KASAN: {args[0]}{access} in {args[1]}"
    if kind == "kcsan":
        pair = f"{args[1]} / {args[2]}" if args[2] else args[1]
        return f"KCSAN: {args[0]} in {pair}"
    if kind == "kmsan":
        return f"KMSAN: {args[0]} in {args[1]}"
    if kind == "warning":
        # without a compiler suffix, as syzkaller names functions: "f.constprop.0" is f
        function = args[1].split(".", 1)[0] if args and args[1] else where
        return "WARNING" if function == _UNKNOWN else f"WARNING in {function}"  # as below
    titles = {
        "ubsan": f"UBSAN: {args[0] if args else 'error'} in {where}",
        "null": f"BUG: unable to handle kernel NULL pointer dereference in {where}",
        "paging": f"BUG: unable to handle kernel paging request in {where}",
        "gpf": f"general protection fault in {where}",
        "kernel-bug": f"kernel BUG in {where}",
        "usercopy": f"BUG: bad usercopy in {where}",
        "lockup": f"BUG: soft lockup in {where}",
        "hung": f"INFO: task hung in {where}",
        "rcu-stall": f"INFO: rcu detected stall in {where}",
        "deadlock": f"possible deadlock in {where}",
        # A kind no rule knows: syzkaller titles it with its first line.
        "warning-text": clean_title(draft.header),
        "bug-text": clean_title(draft.header),
        "panic": f"kernel panic: {args[0] if args else ''}",
    }
    if kind == "stack":
        return f"stack trace in {where}"
    if kind == "bug-text" and where == _UNKNOWN and (check := STATE_CHECK.match(draft.header)):
        return "BUG: " + _STATE_TITLES.get(check.group(1).lower(), check.group(1))
    title = titles.get(kind, f"Oops in {where}")
    if where == _UNKNOWN and title.endswith(f" in {_UNKNOWN}"):
        # A report of one line (a CI's excerpt, a hand-copied header) names no function,
        # and syzkaller's title then has no "in" part: "BUG: soft lockup".
        title = title[: -len(f" in {_UNKNOWN}")]
    return title
