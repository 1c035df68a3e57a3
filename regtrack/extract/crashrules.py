"""The kinds of crash report syzkaller titles, and how it titles each.

syzbot names each crash it reports with a title built by fixed rules
(``pkg/report/linux.go`` in google/syzkaller): the kind of report, read from
its first line, and the function a frame rule picks (:mod:`crashframes`).
A title equal to syzbot's lets a report from a person or a CI be matched with
syzbot's report of the same bug.  The rules below were written from reading
syzkaller's and checked on its test cases (bench/syzkaller.py).

Each :class:`TitleRule` matches a report's first line; an optional ``report``
pattern must then match the report's text (a lockdep report names its
function several lines down), and its groups fill the title with the frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regtrack.extract.crashframes import (
    CALL_TRACE,
    FUNC,
    RIP_FRAME,
    TRACE,
    StackRule,
    hang_frame,
    stall_frame,
)

_SRC = r"([a-zA-Z0-9-_/.]+\.[a-z]+:[0-9]+)"
_PC = r"\[<?(?:0x)?[0-9a-f]+>?\]"
# At most this many lines of a report are read for its title.
MAX_REPORT_LINES = 600


@dataclass(frozen=True, slots=True)
class TitleRule:
    """One kind of report: its first line, what else it must hold, its title.

    ``title`` is a format string: ``{0}``, ``{1}``... are the groups of
    ``report`` (or of ``first_line`` when there is no ``report``), and
    ``{frame}`` the function the stack rule picks.
    """

    first_line: re.Pattern[str]
    title: str
    report: re.Pattern[str] | None = None
    stack: StackRule | None = None


def _rule(first: str, title: str, report: str | None = None, **stack: object) -> TitleRule:
    rule = StackRule(**stack) if stack else None  # type: ignore[arg-type]
    return TitleRule(re.compile(first), title, re.compile(report) if report else None, rule)


_RIP = RIP_FRAME
_CRASH_POINT_THEN_TRACE = (_RIP, CALL_TRACE, TRACE)
_TRACE_ONLY = (CALL_TRACE, TRACE)
# A WARNING's frame: the crash point (powerpc: the interrupt line) and the
# trace under it; without a crash point, the call trace.
_WARNING_POINT = re.compile(rf"(?:{RIP_FRAME.pattern}|--- interrupt: [0-9]+ at {FUNC})")


def _warning(first: str, title: str, *skip: str) -> TitleRule:
    return _rule(first, title, parts=(_WARNING_POINT, TRACE), fallback=_TRACE_ONLY, skip=skip)


_USB_WRAPPERS = (
    "usb_submit_urb",
    "usb_start_wait_urb",
    "usb_bulk_msg",
    "usb_interrupt_msg",
    "usb_control_msg",
)
_AT_FUNC = rf"at: (?:{_PC} +)?{FUNC}"

_BUG_RULES = (
    _rule(
        rf"BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {FUNC}",
        "KASAN: invalid-free in {frame}",
        parts=(re.compile(rf"BUG: KASAN: [a-z -]+ in {FUNC}"), CALL_TRACE, TRACE),
        skip=("slab_", "kfree", "vunmap", "vfree"),
    ),
    _rule(
        r"BUG: KASAN:",
        "KASAN: {0} {2} in {frame}",
        report=rf"BUG: KASAN: ([a-z\-]+) in {FUNC}(?:.*\n)+?.*(Read|Write) (?:of size|at addr) ",
        parts=(re.compile(rf"BUG: KASAN: [a-z\-]+ in {FUNC}"), CALL_TRACE, TRACE),
        skip=("kernel_fault", "tag_check", "mem_abort", "^el1_", "^el1h_"),
    ),
    _rule(
        rf"BUG: KMSAN: kernel-usb-infoleak in {FUNC}",
        "KMSAN: kernel-usb-infoleak in {frame}",
        parts=(TRACE, re.compile(r"Local variable .* created at:|Uninit was created at:"), TRACE),
        skip=("alloc_skb", *_USB_WRAPPERS),
    ),
    _rule(
        rf"BUG: KMSAN: ([a-z\-]+) in {FUNC}",
        "KMSAN: {0} in {frame}",
        parts=(TRACE, re.compile(r"Local variable .* created at:|Uninit was created at:"), TRACE),
        skip=(
            "alloc_skb",
            "netlink_ack",
            "netlink_rcv_skb",
            "_encrypt$",
            "^(?:crypto|cipher|drbg|rng)_",
        ),
    ),
    _rule(r"BUG: KCSAN: (.*)", "KCSAN: {0}"),
    _rule(
        rf"BUG: KFENCE: (use-after-free|out-of-bounds) (read|write) in {FUNC}",
        "KFENCE: {0} {1} in {frame}",
        parts=(re.compile(rf"BUG: KFENCE: [a-z\- ]+ in {FUNC}"), TRACE),
    ),
    _rule(
        rf"BUG: KFENCE: invalid free in {FUNC}",
        "KFENCE: invalid free in {frame}",
        parts=(re.compile(rf"BUG: KFENCE: [a-z\- ]+ in {FUNC}"), TRACE),
    ),
    _rule(
        rf"BUG: KFENCE: invalid (read|write) in {FUNC}",
        "KFENCE: invalid {0} in {frame}",
        parts=(re.compile(rf"BUG: KFENCE: [a-z\- ]+ in {FUNC}"), TRACE),
    ),
    _rule(
        rf"BUG: KFENCE: memory corruption in {FUNC}",
        "KFENCE: memory corruption in {frame}",
        parts=(re.compile(rf"BUG: KFENCE: [a-z\- ]+ in {FUNC}"), TRACE),
    ),
    _rule(
        r"BUG: (?:unable to handle kernel paging request|unable to handle page fault for address"
        r"|Unable to handle kernel data access)",
        "BUG: unable to handle kernel paging request in {frame}",
        parts=_CRASH_POINT_THEN_TRACE,
    ),
    _rule(
        r"BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference"
        r"|Kernel NULL pointer dereference)",
        "BUG: unable to handle kernel NULL pointer dereference in {frame}",
        parts=_CRASH_POINT_THEN_TRACE,
    ),
    _rule(
        r"BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu recursion"
        r"|bad magic|wrong owner|wrong CPU|trylock failure on UP)",
        "BUG: {0} {1} in {frame}",
        parts=_TRACE_ONLY,
        skip=("spin_", "_lock", "_unlock"),
    ),
    _rule(
        r"BUG: soft lockup",
        "BUG: soft lockup in {frame}",
        parts=_CRASH_POINT_THEN_TRACE,
        extractor=stall_frame,
    ),
    _rule(
        r"BUG: .*still has locks held!",
        "BUG: still has locks held in {0}",
        report=rf"BUG: .*still has locks held!(?:.*\n)+?.*{_PC} +{FUNC}",
    ),
    _rule(
        r"BUG: scheduling while atomic",
        "BUG: scheduling while atomic in {frame}",
        parts=_TRACE_ONLY,
        skip=("schedule",),
    ),
    _rule(
        r"BUG: lock held when returning to user space",
        "BUG: lock held when returning to user space in {0}",
        report=r"BUG: lock held when returning to user space(?:.*\n)+?.*leaving the kernel with"
        rf" locks still held(?:.*\n)+?.*{_AT_FUNC}",
    ),
    _rule(
        r"BUG: bad unlock balance detected!",
        "BUG: bad unlock balance in {frame}",
        parts=(re.compile(rf"{_PC} +{FUNC}"), CALL_TRACE, TRACE),
    ),
    _rule(
        r"BUG: held lock freed!",
        "BUG: held lock freed in {0}",
        report=rf"BUG: held lock freed!(?:.*\n)+?.*{_PC} +{FUNC}",
    ),
    _rule(r"BUG: Bad rss-counter state", "BUG: Bad rss-counter state"),
    _rule(r"BUG: non-zero nr_ptes on freeing mm", "BUG: non-zero nr_ptes on freeing mm"),
    _rule(r"BUG: non-zero nr_pmds on freeing mm", "BUG: non-zero nr_pmds on freeing mm"),
    _rule(
        r"BUG: Dentry .* still in use",
        "BUG: Dentry still in use in {0}",
        report=r"BUG: Dentry .* still in use \([0-9]+\) \[(unmount) of ([^\]]+)\]",
    ),
    _rule(
        r"BUG: Bad page (state|cache)",
        "BUG: Bad page {0} in {frame}",
        parts=(re.compile(r"page last allocated"), TRACE),
        skip=(
            "(?:free|put|get|update|release)_page",
            "free_unref",
            "^_*folio",
            "truncate_inode_pages",
            "page_frag_free",
            "alloc",
            "vmap",
            "page_owner",
        ),
    ),
    _rule(r"BUG: Bad page map", "BUG: Bad page map"),
    _rule(r"BUG: workqueue lockup", "BUG: workqueue lockup"),
    _rule(
        r"BUG: sleeping function called from invalid context at (.*)",
        "BUG: sleeping function called from invalid context in {frame}",
        parts=_TRACE_ONLY,
    ),
    _rule(
        r"BUG: using ([a-z_]+)\(\) in preemptible",
        "BUG: using {0}() in preemptible code in {frame}",
        parts=_TRACE_ONLY,
        skip=("dump_stack", "preemption", "preempt", "debug_", "processor_id", "this_cpu"),
    ),
    _rule(
        r"BUG: workqueue leaked lock or atomic",
        "BUG: workqueue leaked lock or atomic in {0}",
        report=r"BUG: workqueue leaked lock or atomic(?:.*\n)+?.*last function: ([a-zA-Z0-9_]+)\n",
    ),
    _rule(
        r"BUG: memory leak",
        "memory leak in {frame}",
        parts=(re.compile(r"backtrace(?: \(crc [0-9a-f]*\))?:"), TRACE),
        skip=(
            "kmemleak",
            "mmap",
            "kmem",
            "slab",
            "alloc",
            "create_object",
            "idr_get",
            "list_lru_init",
            "kasprintf",
            "kvasprintf",
            "pcpu_create",
            "strdup",
            "strndup",
            "memdup",
        ),
    ),
    _rule(
        r"BUG: .*stack guard page was hit at",
        "BUG: stack guard page was hit in {frame}",
        parts=_CRASH_POINT_THEN_TRACE,
        extractor=stall_frame,
    ),
    _rule(
        r"BUG: Invalid wait context",
        "WARNING: locking bug in {frame}",
        parts=_TRACE_ONLY,
        skip=("lock_sock", "release_sock"),
    ),
)

_LOCKDEP_RULES = (
    _rule(
        r"(?:WARNING|INFO): possible circular locking dependency detected",
        "possible deadlock in {frame}",
        report=r"possible circular locking dependency detected(?:.*\n)+?"
        r".*is trying to acquire lock",
        parts=(re.compile(_AT_FUNC), re.compile(_AT_FUNC), TRACE),
        skip=("process_one_work", "flush_workqueue", "drain_workqueue", "destroy_workqueue"),
    ),
    _rule(
        r"(?:WARNING|INFO): possible irq lock inversion dependency detected",
        "possible deadlock in {0}",
        report=r"possible irq lock inversion dependency detected(?:.*\n)+?.*just changed the state"
        rf" of lock(?:.*\n)+?.*{_AT_FUNC}",
    ),
    _rule(
        r"(?:WARNING|INFO): .*-safe -> .*-unsafe lock order detected",
        "possible deadlock in {frame}",
        parts=(re.compile(r"which became (?:.*) at:"), TRACE),
    ),
    _rule(
        r"(?:WARNING|INFO): possible recursive locking detected",
        "possible deadlock in {0}",
        report=r"possible recursive locking detected(?:.*\n)+?.*is trying to acquire lock"
        rf"(?:.*\n)+?.*{_AT_FUNC}",
    ),
    _rule(
        r"(?:WARNING|INFO): inconsistent lock state",
        "inconsistent lock state in {frame}",
        report=rf"inconsistent lock state(?:.*\n)+?.*takes(?:.*\n)+?.*{_AT_FUNC}",
        parts=_TRACE_ONLY,
    ),
    _rule(
        r"(WARNING|INFO): suspicious RCU usage",
        "{0}: suspicious RCU usage in {frame}",
        report=rf"(WARNING|INFO): suspicious RCU usage(?:.*\n)+?.*?{_SRC}",
        parts=_TRACE_ONLY,
        skip=("rcu", "kmem", "slab"),
    ),
)

_WARNING_RULES = (
    _warning(
        r"WARNING: .*lib/debugobjects\.c.* (?:debug_print|debug_check|at)",
        "WARNING: ODEBUG bug in {frame}",
        "debug_",
        "rcu",
        "hrtimer_",
        "timer_",
        "work_",
        "percpu_",
        "vunmap",
        "vfree",
        "__free_",
        "debug_check",
        "kobject_",
    ),
    _warning(
        r"WARNING: .*mm/usercopy\.c.* (?:usercopy_warn|at)",
        "WARNING: bad usercopy in {frame}",
        "usercopy",
        "__check",
    ),
    _warning(
        r"WARNING: .*lib/kobject\.c.* (?:kobject_|at)",
        "WARNING: kobject bug in {frame}",
        "kobject_",
    ),
    _warning(
        r"WARNING: .*fs/proc/generic\.c.* (?:proc_register|at)",
        "WARNING: proc registration bug in {frame}",
        "proc_",
    ),
    _warning(
        r"WARNING: .*lib/refcount\.c.* (?:refcount_|at)",
        "WARNING: refcount bug in {frame}",
        "refcount",
        "kobject_",
    ),
    _warning(
        r"WARNING: .*kernel/locking/lockdep\.c.*lock_",
        "WARNING: locking bug in {frame}",
        "lock_sock",
        "release_sock",
    ),
    _rule(
        r"WARNING: .*still has locks held!",
        "WARNING: still has locks held in {0}",
        report=rf"WARNING: .*still has locks held!(?:.*\n)+?.*at: {FUNC}",
    ),
    _warning(
        r"WARNING: Nested lock was not taken", "WARNING: nested lock was not taken in {frame}"
    ),
    _rule(
        r"WARNING: lock held when returning to user space",
        "WARNING: lock held when returning to user space in {0}",
        report=r"WARNING: lock held when returning to user space(?:.*\n)+?.*leaving the kernel"
        rf" with locks still held(?:.*\n)+?.*{_AT_FUNC}",
    ),
    _warning(
        r"WARNING: .*mm/.*\.c.* k?.?malloc",
        "WARNING: kmalloc bug in {frame}",
        "kmalloc",
        "krealloc",
        "slab",
        "kmem",
    ),
    _warning(r"WARNING: .*mm/vmalloc.c.*__vmalloc_node", "WARNING: zero-size vmalloc in {frame}"),
    _warning(r"WARNING: .* usb_submit_urb", "WARNING in {frame}/usb_submit_urb", *_USB_WRAPPERS),
    # Since 6.18: "WARNING: file.c:123 at func+0x1c/0x40, CPU#0: comm/123".
    _warning(rf"WARNING: {_SRC} at ", "WARNING in {frame}"),
    _warning(rf"WARNING: .* at {_SRC} {FUNC}", "WARNING in {frame}"),
    _warning(rf"WARNING: \[.*\] {_SRC} at {FUNC}", "WARNING in {frame}"),
    _rule(
        r"WARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '([^']+)' value",
        "WARNING: kernel stack regs has bad '{0}' value",
    ),
    _rule(
        r"WARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value",
        "WARNING: kernel stack frame pointer has bad value",
    ),
    _rule(
        r"WARNING: bad unlock balance detected!",
        "WARNING: bad unlock balance in {frame}",
        parts=(re.compile(rf"{_PC} +{FUNC}"), CALL_TRACE, TRACE),
    ),
    _rule(
        r"WARNING: held lock freed!",
        "WARNING: held lock freed in {0}",
        report=rf"WARNING: held lock freed!(?:.*\n)+?.*at:(?: {_PC})? +{FUNC}",
    ),
    _rule(
        r"WARNING: kernel stack regs .* has bad 'bp' value",
        "WARNING: kernel stack regs has bad value",
    ),
    _rule(
        r"WARNING: kernel stack frame pointer .* has bad value",
        "WARNING: kernel stack regs has bad value",
    ),
)

_INFO_RULES = (
    _rule(
        r"INFO: rcu_(?:preempt|sched|bh) (?:self-)?detected(?: expedited)? stall",
        "INFO: rcu detected stall in {frame}",
        parts=(re.compile("apic_timer_interrupt"), _RIP, TRACE),
        fallback=(re.compile("apic_timer_interrupt|Exception stack|el1h_64_irq"), TRACE),
        skip=("apic_timer_interrupt", "rcu"),
        extractor=stall_frame,
    ),
    _rule(
        r"INFO: trying to register non-static key",
        "INFO: trying to register non-static key in {frame}",
        parts=_TRACE_ONLY,
        skip=("stack", "lock", "IRQ"),
    ),
    _rule(
        r"INFO: task .* blocked (?:in I/O wait )?for more than [0-9]+ seconds",
        "INFO: task hung in {frame}",
        parts=_TRACE_ONLY,
        extractor=hang_frame,
    ),
    _rule(
        r"INFO: task .* can't die for more than .* seconds",
        "INFO: task can't die in {frame}",
        parts=_TRACE_ONLY,
        skip=("schedule",),
    ),
)

_PANIC_RULES = (
    _rule(
        rf"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: {FUNC}",
        "kernel panic: stack is corrupted in {0}",
    ),
    _rule(
        r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: [a-f0-9]+",
        "kernel panic: stack is corrupted in {frame}",
        parts=_TRACE_ONLY,
        skip=("stack_chk",),
    ),
    _rule(
        r"Kernel panic - not syncing: corrupted stack end detected inside scheduler",
        "kernel panic: corrupted stack end in {frame}",
        parts=_TRACE_ONLY,
        skip=("schedule", "retint_kernel"),
        extractor=stall_frame,
    ),
    _rule(
        r"Kernel panic - not syncing: kernel stack overflow",
        "kernel stack overflow in {frame}",
        parts=_TRACE_ONLY,
        skip=("bad_stack",),
        extractor=stall_frame,
    ),
    _rule(
        r"Kernel panic - not syncing: Attempted to kill init!",
        "kernel panic: Attempted to kill init!",
    ),
    _rule(
        r"Kernel panic - not syncing: Couldn't open N_TTY ldisc for [^ ]+ --- error -[0-9]+",
        "kernel panic: Couldn't open N_TTY ldisc",
    ),
    _rule(r"Kernel panic - not syncing: (.*)", "kernel panic: {0}"),
)

_OTHER_RULES = (
    _rule(
        r"Unable to handle kernel (paging request|NULL pointer dereference|access to user memory)",
        "BUG: unable to handle kernel {0} in {frame}",
        parts=_CRASH_POINT_THEN_TRACE,
    ),
    _rule(
        r"(?:Oops: )?(?:segment-related )?general protection fault.*:",
        "general protection fault in {frame}",
        parts=_CRASH_POINT_THEN_TRACE,
    ),
    _rule(r"stack segment: ", "stack segment fault in {frame}", parts=_CRASH_POINT_THEN_TRACE),
    _rule(r"PANIC: double fault", "PANIC: double fault in {frame}", parts=(_RIP,)),
    _rule(
        r"kernel BUG at mm/usercopy.c",
        "BUG: bad usercopy in {frame}",
        parts=_TRACE_ONLY,
        skip=("usercopy", "__check"),
    ),
    _rule(r"kernel BUG at lib/list_debug.c", "BUG: corrupted list in {frame}", parts=_TRACE_ONLY),
    _rule(
        r"kernel BUG at (.*)",
        "kernel BUG in {frame}",
        parts=_CRASH_POINT_THEN_TRACE,
        skip=("^skb_",),
    ),
    _rule(r"Kernel BUG (.*)", "kernel BUG {0}"),
    _rule(r"BUG kmalloc-.*: Object already free", "BUG: Object already free"),
    _rule(r"(?:Oops: )?divide(?: |_)error: ", "divide error in {frame}", parts=(_RIP,)),
    _rule(r"(?:Oops: )?invalid opcode: ", "invalid opcode in {frame}", parts=(_RIP,)),
    # a breakpoint hit in the kernel (a text patched mid-flight); 6.x before "Oops: " too
    _rule(r"(?:Oops: )?int3: ", "int3 in {frame}", parts=_CRASH_POINT_THEN_TRACE),
    _rule(
        r"UBSAN: Undefined behaviour in",
        "UBSAN: undefined-behaviour in {frame}",
        parts=_TRACE_ONLY,
        skip=("ubsan", "overflow"),
    ),
    _rule(
        r"UBSAN: ([^ ]*?) in",
        "UBSAN: {0} in {frame}",
        parts=_TRACE_ONLY,
        skip=("ubsan", "overflow"),
    ),
    _rule(
        r"unregister_netdevice: waiting for (?:.*) to become free",
        "unregister_netdevice: waiting for DEV to become free",
    ),
    _rule(r"VFS: Close: file count is 0", "VFS: Close: file count is zero (use-after-free)"),
    _rule(r"VFS: Busy inodes after unmount", "VFS: Busy inodes after unmount (use-after-free)"),
    _rule(r"Internal error:", "Internal error in {frame}", parts=_CRASH_POINT_THEN_TRACE),
    _rule(r"Unhandled fault:", "Unhandled fault in {frame}", parts=_CRASH_POINT_THEN_TRACE),
    _rule(r"Alignment trap:", "Alignment trap in {frame}", parts=_CRASH_POINT_THEN_TRACE),
)

RULES: tuple[TitleRule, ...] = (
    *_BUG_RULES,
    *_LOCKDEP_RULES,
    *_WARNING_RULES,
    *_INFO_RULES,
    *_PANIC_RULES,
    *_OTHER_RULES,
)
