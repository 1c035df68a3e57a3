"""Which frame of a crash report names the crash, by syzkaller's rules.

syzbot titles a crash "KIND in FUNCTION", and the function is chosen the same
way for every kind (syzkaller's ``pkg/report``): walk the report in *parts*
(the crash point line, a ``Call Trace:`` marker, the trace below it, ...),
collect the function of every frame line, drop the functions of the
reporting machinery and of generic helpers (locks, waits, string and
user-copy functions, allocators, list helpers: a bug is rarely *in* them,
but in their caller), and take the first one left.  Stalls and hangs use a
different choice, because the stack there is a random moment of a loop.

Only frames syzkaller reads count: ``func+0x1a/0x60`` lines, not symbolised
``func file.c:12 [inline]`` lines, and not ``?`` frames (the caller strips
those lines).  A function is named without its compiler suffix
(``foo.isra.3`` is ``foo``) and without syscall wrapper prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# A function name as syzkaller captures it: up to the first "." or "+".
FUNC = r"([A-Za-z0-9_]+)[.+]"
_PC = r"\[<?(?:0x)?[0-9a-f]+>?\]"
# A frame line: up to two address columns (the first may have lost its
# "["), then the function.
FRAME_LINE = re.compile(rf"^ *(?:\[?<?(?:0x)?[0-9a-f]+>?\] ?(?:{_PC} ?)?)?[ \t]*{FUNC}")
# 32-bit arm prints caller and callee on one line:
# "[<80de0078>] (dump_backtrace) from [<80de0574>] (show_stack+0x28/0x2c)".
ARM_FRAME_LINE = re.compile(rf"^ *{_PC} \(([a-zA-Z0-9_.]+)\) from {_PC} \({FUNC}")
# The crash point: x86 "RIP: 0010:f+0x..", "IP: [<..>] f+0x..", powerpc
# "NIP [..] f+0x..", arm64 "pc : f+0x..", arm "PC is at f+0x..".  Forms with
# an address only (a jump to 0) match without naming a function.
RIP_FRAME = re.compile(
    rf"(?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:\[?<?(?:0x)?[0-9a-f]+>?\] +){{0,2}}{FUNC}"
    rf"|(?:[0-9]+:)?0x[0-9a-f]+|(?:[0-9]+:)?{_PC} +\[< *\(null\)>\] +\(null\)"
    r"|[0-9]+: +\(null\))"
)
# A new stack trace starts (and the previous one ends) at these lines.
STACK_START = re.compile(
    r"Call (?:T|t)race|Allocated:|Allocated by task [0-9]+:|Freed:|Freed by task [0-9]+:"
    r"|[^k] backtrace(?: \(crc [0-9a-f]*\))?:|Backtrace:|Uninit was stored to memory at"
)
CALL_TRACE = re.compile(r"(?:Call (?:T|t)race:)|(?:Backtrace:)")
# Fault injection prints its own stack into the middle of reports.
_CORRUPTING = re.compile(
    r"^(?:\[<?(?:0x)?[0-9a-f]+>?\] )?should_fail(?:slab)?(?:\.[a-z0-9.]+)?\+0x"
)


class _Trace:
    """The part that reads a stack trace: frames until the next trace starts."""

    def __repr__(self) -> str:
        return "TRACE"


TRACE = _Trace()
Part = re.Pattern[str] | _Trace

# Functions that never name a crash (searched anywhere in the name).  The
# reporting machinery; sanitizer runtimes; allocators; locking, waiting and
# atomics; string, memory and user-copy helpers; list and tree helpers;
# printing; device and workqueue teardown that only passes a bug on; arm64's
# fault-handling path.
_GENERIC_SKIPS = (
    r"__sanitizer|__asan|kasan|hwasan|__msan|kmsan|kcsan_setup_watchpoint"
    r"|check_memory_region|check_heap_object|check_object|read_word_at_a_time"
    r"|(?:read|write)_once_.*nocheck|print_address_description|panic|invalid_op"
    r"|report_bug|fixup_bug|print_report|print_usage_bug|do_error|_trap$|do_trap"
    r"|show_stack|dump_stack|walk_stack|dump_backtrace|warn_slowpath|warn_alloc|warn_bogus"
    r"|__warn|alloc_page|k?v?(?:m|z|c)alloc|krealloc|kmem_cache|allocate_slab"
    r"|__alloc_frozen_pages_noprof|folio_(?:alloc|unlock)|filemap_alloc_folio"
    r"|__filemap_get_folio|find_or_create_page|do_read_cache_folio|read_cache_page"
    r"|pagecache_get_page|grab_cache_page_write_begin|slab_|debug_object"
    r"|timer_is_static_object|work_is_static_object|__might_fault|print_unlock"
    r"|imbalance_bug|lockdep|bh_enable|bh_disable|perf_trace|lock_acquire|lock_release"
    r"|lock_class|mark_lock|(?:reacquire|mark)_held_locks|raw_spin_rq|spin_lock"
    r"|spin_trylock|spin_unlock|read_lock|read_trylock|write_lock|write_trylock"
    r"|read_unlock|write_unlock|^down$|down_read|down_write|down_trylock|up_read|up_write"
    r"|^mutex_|^__mutex_|^rt_mutex_|owner_on_cpu|osq_lock|osq_unlock"
    r"|atomic(?:64)?_(?:dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)"
    r"|(?:set|clear|change|test)_bit|__wake_up|^refcount_|^kref_|ref_tracker"
    r"|seqprop_assert|memcpy|memcmp|memset|memchr|memmove|memdup|strcmp|strncmp|strcpy"
    r"|strlcpy|strncpy|strscpy|strlen|strstr|strnstr|strnlen|strchr|strdup|strndup"
    r"|copy_to_user|copy_from_user|copy_to_iter|copy_from_iter|copy_page_to_iter"
    r"|copy_page_from_iter|copy_folio_to_iter|^copyin$|^copyout$|put_user|get_user"
    r"|might_fault|might_sleep|list_add|list_del|list_replace|list_move|list_splice"
    r"|^rb_|^__rb_|_indirect_thunk_|string|pointer|snprintf|scnprintf|kasprintf"
    r"|kvasprintf|printk|va_format|dev_info|dev_notice|dev_warn|dev_err|dev_alert"
    r"|dev_crit|dev_emerg|program_check_exception|program_check_common|del_timer"
    r"|flush_work|__cancel_work_timer|cancel_work_sync|try_to_grab_pending"
    r"|flush_workqueue|drain_workqueue|destroy_workqueue|queue_work|finish_wait"
    r"|kthread_stop|kobject_|add_uevent_var|get_device_parent|device_add|device_del"
    r"|device_unregister|device_destroy|device_release|devres_release_all"
    r"|hwrng_unregister|i2c_del_adapter|__unregister_client|device_for_each_child"
    r"|rollback_registered|unregister_netdev|sysfs_remove|device_remove_file"
    r"|tty_unregister_device|dummy_urb_enqueue|usb_kill_urb|usb_kill_anchored_urbs"
    r"|usb_control_msg|usb_hcd_submit_urb|usb_submit_urb|^complete$|wait_for_completion"
    r"|^kv?free$|kfree_skb|readb$|readw$|readl$|readq$|writeb$|writew$|writel$|writeq$"
    r"|logic_in|logic_out|^crc\d+|crc_itu_t|__might_resched|assertfail|^iput$"
    r"|^iput_final$|^ihold$|hex_dump_to_buffer|print_hex_dump|^klist_"
    r"|(?:trace|lockdep)_(?:hard|soft)irq|^(?:un)?lock_page|stack_trace_consume_entry"
    r"|arch_stack_walk|stack_trace_save|insert_work|__queue_delayed_work"
    r"|queue_delayed_work_on|ida_free|do_(?:kernel|translation)_fault|do_mem_abort"
    r"|el1_abort|el1h_64_sync(?:_handler)?|print_tainted|xas_(?:start|load|find)"
    r"|find_lock_entries|truncate_inode_pages_range|__phys_addr|__fortify_report"
    r"|cleanup_srcu_struct|rhashtable_lookup|extract_(?:user|iter)_to_sg|drop_nlink"
    r"|^get_taint$|^put_device$|lock_timer_base|__timer_delete_sync|sk_stop_timer_sync"
    r"|__mod_timer|fast_dput|dput"
    # arm64 kernels alias the string helpers as __pi_memcpy and the like.
    r"|^__pi_"
)
# Syscall wrappers differ between architectures and kernel versions.
_WRAPPER_PREFIXES = (
    "SYSC_",
    "SyS_",
    "sys_",
    "__x64_",
    "__ia32_",
    "__arm64_",
    "____sys_",
    "___sys_",
    "__sys_",
    "__se_",
    "__se_sys_",
    "__do_sys_",
    "compat_SYSC_",
    "compat_SyS_",
    "ksys_",
)


def skip_pattern(extra: Sequence[str] = ()) -> re.Pattern[str]:
    """The generic skips plus a crash kind's own (a regex alternative each)."""
    return re.compile("|".join((_GENERIC_SKIPS, *extra)))


def canonical(function: str) -> str:
    """The function without the one wrapper prefix that shortens it most."""
    shortest = function
    for prefix in _WRAPPER_PREFIXES:
        if function.startswith(prefix) and len(function) - len(prefix) < len(shortest):
            shortest = function[len(prefix) :]
    return shortest


Extractor = Callable[[list[str]], str | None]


@dataclass(frozen=True, slots=True)
class StackRule:
    """How a crash kind finds its frame: ``parts``, else ``fallback`` parts."""

    parts: tuple[Part, ...]
    fallback: tuple[Part, ...] = ()
    skip: tuple[str, ...] = ()
    extractor: Extractor | None = None


def choose_frames(lines: Sequence[str], rule: StackRule, skip: re.Pattern[str]) -> list[str]:
    """One frame per trace the rule reads (empty when a part finds nothing)."""
    frames = _walk(lines, rule.parts, skip, rule.extractor)
    if frames is None and rule.fallback:
        frames = _walk(lines, rule.fallback, skip, rule.extractor)
    return frames or []


def _walk(
    lines: Sequence[str],
    parts: tuple[Part, ...],
    skip: re.Pattern[str],
    extractor: Extractor | None,
) -> list[str] | None:
    """Read ``parts`` in order over the lines; None when a frame is missing."""
    chosen: list[str] = []
    collected: list[str] = []
    position, traces, index = 0, 0, 0
    while True:
        if index == len(parts) or (parts[index] is TRACE and traces > 0):
            frame = _extract(collected, extractor)
            if frame is None:
                return None
            chosen.append(frame)
            collected = []
        if index == len(parts):
            return chosen
        part = parts[index]
        if isinstance(part, _Trace):
            traces += 1
            position, index = _read_trace(lines, position, parts, index, collected, skip)
        else:
            position = _find_line(lines, position, part, collected, skip)
        index += 1


def _read_trace(
    lines: Sequence[str],
    position: int,
    parts: tuple[Part, ...],
    index: int,
    collected: list[str],
    skip: re.Pattern[str],
) -> tuple[int, int]:
    """Frames until a new trace starts or the next part's line is met."""
    following = parts[index + 1] if index + 1 < len(parts) else None
    while position < len(lines):
        line = lines[position]
        position += 1
        if _CORRUPTING.match(line) or STACK_START.search(line):
            break
        if isinstance(following, re.Pattern) and (match := following.search(line)):
            _collect(match, collected, skip)
            return position, index + 1
        if match := FRAME_LINE.match(line) or ARM_FRAME_LINE.match(line):
            _collect(match, collected, skip)
    return position, index


def _find_line(
    lines: Sequence[str],
    position: int,
    pattern: re.Pattern[str],
    collected: list[str],
    skip: re.Pattern[str],
) -> int:
    while position < len(lines):
        line = lines[position]
        position += 1
        if _CORRUPTING.match(line):
            return position
        if match := pattern.search(line):
            _collect(match, collected, skip)
            return position
    return position


def _collect(match: re.Match[str], collected: list[str], skip: re.Pattern[str]) -> None:
    for name in match.groups():
        if name is not None and not skip.search(name):
            collected.append(name)


def _extract(collected: list[str], extractor: Extractor | None) -> str | None:
    if not collected:
        return None
    names = [canonical(name) for name in collected]
    return extractor(names) if extractor else names[0]


# Where a stall's loop is entered from: the frame just above one of these
# names the stall (the ioctl, the socket call, the work function).
_STALL_ANCHORS = re.compile(
    r"process_one_work|do_syscall_|do_fast_syscall_|sysenter_dispatch|tracesys_phase2"
    r"|el0_svc_handler|invoke_syscall|ret_fast_syscall|netif_receive_skb|do_softirq"
    r"|call_timer_fn|_run_timers|run_timer_softirq|hrtimer_run|run_ksoftirqd"
    r"|smpboot_thread_fn|^kthread$|start_secondary|cpu_startup_entry|ret_from_fork"
    r"|vfs_write|vfs_read|vfs_iter_read|vfs_iter_write|do_iter_read|do_iter_write"
    r"|call_read_iter|call_write_iter|new_sync_read|new_sync_write|vfs_ioctl|ksys_ioctl"
    r"|compat_ioctl|compat_sys_ioctl|blkdev_driver_ioctl|blkdev_ioctl"
    r"|do_iter_readv_writev|^call_mmap|mmap_region|do_mmap|do_dentry_open|vfs_open"
    r"|^sock_sendmsg|^sock_recvmsg|^sock_release|^__sock_release|^setsockopt$"
    r"|kernel_setsockopt|sock_common_setsockopt|^listen$|kernel_listen|sk_common_release"
    r"|^sock_mmap|^accept$|kernel_accept|^sock_do_ioctl|^sock_ioctl|^compat_sock_ioctl"
    r"|^nfnetlink_rcv_msg|^rtnetlink_rcv_msg|^netlink_dump|^(?:sys_)?(?:socketpair|connect|ioctl)"
    r"|__do_fault|do_page_fault|^page_fault$|__fput|task_work_run|exit_to_usermode"
    r"|smp_call_function|tasklet_action|tasklet_hi_action"
)


def stall_frame(frames: list[str]) -> str | None:
    """The frame just above the first anchor (the entry into the looping code)."""
    previous = frames[0]
    for frame in frames:
        if _STALL_ANCHORS.search(frame):
            return "smp_call_function" if "smp_call_function" in frame else previous
        previous = frame
    return None


# A hung task waits where the real culprit holds something: group the two
# common waits (RCU grace periods, the RTNL), else skip the waiting itself.
_HANG_ANCHORS = (
    ("rtnl_lock", None),
    ("synchronize_rcu", "synchronize_rcu"),
    ("synchronize_srcu", "synchronize_rcu"),
    ("synchronize_net", "synchronize_rcu"),
    ("synchronize_sched", "synchronize_rcu"),
)
_HANG_SKIPS = (
    "sched",
    "_lock",
    "_slowlock",
    "down",
    "rwsem",
    "completion",
    "kthread",
    "wait",
    "synchronize",
    "context_switch",
    "__switch_to",
    "cancel_delayed_work",
    "rcu_barrier",
)


def hang_frame(frames: list[str]) -> str | None:
    """The wait a task hangs in, grouped for RCU and RTNL, else the first non-wait frame."""
    for frame in frames:
        for anchor, group in _HANG_ANCHORS:
            if anchor in frame:
                return group or frame
    for frame in frames:
        if not any(word in frame for word in _HANG_SKIPS):
            return frame
    return None
