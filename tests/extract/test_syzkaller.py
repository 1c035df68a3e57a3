"""Crash titles on syzkaller's own crash-report test cases, and each rule on a real case.

``../shared/peers/syzkaller-linux-reports/`` holds the 747 cases of
syzkaller's kernel-log parser, each a console log and the title syzkaller
gives it (tests/extract/syzkaller_suite.py reads them; bench/syzkaller.py
prints the same figures).  The first test keeps the figures reached for
issue 11 as a floor; the others show each kind of failure the issue names
fixed, on the case (by file number) or on a mail written to show it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from regtrack.extract.quoting import LabelledBody
from regtrack.extract.stacktrace import extract_crash_reports
from tests.extract.syzkaller_suite import (
    SYZKALLER_CASES,
    Case,
    judge_corrupted,
    load_cases,
    score,
    title_as_mail,
    title_as_text,
)
from tests.paths import require

# Of the 572 cases syzkaller does not mark corrupted (issue 11; before it:
# 71 exact and 104 naming the same function).
NOT_CORRUPTED = 572
EXACT_AT_LEAST = 553  # 96.7 %
SAME_FUNCTION_AT_LEAST = 555  # 97.0 %
# syzkaller's "corrupted" judgement: of its 140 corrupted cases regtrack flags 59 (those
# whose title lacks the frame it needs), and none of the 572 others.
CORRUPTED_FLAGGED_AT_LEAST = 59


@pytest.fixture(scope="module")
def cases() -> dict[int, Case]:
    folder = require(SYZKALLER_CASES, "syzkaller's crash-report test cases")
    return {case.number: case for case in load_cases(folder)}


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(title_as_text, id="the log read as plain text"),
        pytest.param(title_as_mail, id="the log sent as the body of a mail"),
    ],
)
def test_titles_equal_syzkallers_on_its_suite(
    cases: dict[int, Case], read: Callable[[Case], str | None]
) -> None:
    scores = score(list(cases.values()), read)
    assert len(scores.positives) == NOT_CORRUPTED
    misses = [f"{o.case.number}: {o.found!r} != {o.case.title!r}" for o in scores.misses()]
    exact = NOT_CORRUPTED - len(misses)
    assert exact >= EXACT_AT_LEAST, "\n".join(misses)
    same = sum(outcome.same_function for outcome in scores.positives)
    assert same >= SAME_FUNCTION_AT_LEAST
    titled = [(o.case.number, o.found) for o in scores.negatives if o.found is not None]
    assert scores.negatives and not titled


def test_corrupted_as_syzkaller_judges_it(cases: dict[int, Case]) -> None:
    found = judge_corrupted(list(cases.values()))
    assert found.flagged_of_clean == (0, NOT_CORRUPTED)
    assert found.flagged_of_corrupted[0] >= CORRUPTED_FLAGGED_AT_LEAST


@pytest.mark.parametrize(
    ("number", "title"),
    [
        # Frames syzkaller skips: the crash is in the caller of a helper.
        pytest.param(147, "KASAN: use-after-free Read in remove_wait_queue", id="lock helper"),
        pytest.param(
            172, "KASAN: stack-out-of-bounds Read in xfrm_selector_match", id="string helper"
        ),
        pytest.param(225, "KASAN: use-after-free Read in binder_release_work", id="list helper"),
        pytest.param(
            166,
            "WARNING: suspicious RCU usage in bpf_prog_array_copy_info",
            id="user-copy helper",
        ),
        pytest.param(1000, "INFO: task hung in read_cache_folio", id="a hang skips the waits"),
        pytest.param(
            263, "INFO: rcu detected stall in snd_seq_write", id="stall: the loop's entry"
        ),
        # Special titles.
        pytest.param(157, "WARNING: refcount bug in sctp_wfree", id="refcount WARNING"),
        pytest.param(122, "BUG: bad usercopy in kvm_vcpu_ioctl_set_cpuid2", id="usercopy BUG"),
        pytest.param(185, "possible deadlock in do_ip_setsockopt", id="lockdep circular"),
        pytest.param(168, "WARNING: ODEBUG bug in pppol2tp_release", id="ODEBUG"),
        pytest.param(
            635,
            "KMSAN: uninit-value in sctp_epaddr_lookup_transport",
            id="KMSAN without a Call Trace line",
        ),
        pytest.param(51, "memory leak in do_ipv6_setsockopt", id="kmemleak"),
        pytest.param(590, "KFENCE: use-after-free read in find_uprobe", id="KFENCE"),
        pytest.param(241, "Unhandled fault in n_tty_set_termios", id="arm Unhandled fault"),
        pytest.param(
            118,
            "INFO: trying to register non-static key in tcp_fastopen_reset_cipher",
            id="non-static key",
        ),
        # Headers that were not recognised.
        pytest.param(207, "INFO: rcu detected stall in bpf_map_free_deferred", id="after login:"),
        pytest.param(36, "BUG: still has locks held in pipe_lock", id="old lockdep's [ BUG: ]"),
        pytest.param(546, "WARNING: locking bug in deactivate_slab", id="arm Backtrace frames"),
        pytest.param(296, "BUG: soft lockup in mount", id="after NMI watchdog:"),
        pytest.param(
            243,
            "BUG: unable to handle kernel paging request in migrate_task_rq_fair",
            id="arm, after a login prompt",
        ),
        pytest.param(738, "general protection fault in mremap", id="Oops: general protection"),
        pytest.param(
            452,
            "general protection fault in deliberately_dereference_bad_address",
            id="segment-related general protection fault",
        ),
        pytest.param(743, "WARNING in __ieee80211_beacon_get", id="the 6.18 WARNING line"),
        # Raw detail left in the title.
        pytest.param(
            81,
            "BUG: using __this_cpu_add() in preemptible code in ipcomp_init_state",
            id="comm and pid",
        ),
        pytest.param(47, "kernel panic: Attempted to kill init!", id="exit code"),
        pytest.param(403, "BUG: MAX_STACK_TRACE_ENTRIES too low!", id="a BUG no rule knows"),
        # An info message's stack dump before the crash is no report.
        pytest.param(347, "WARNING in xfrm_state_fini", id="after a fault injection dump"),
        pytest.param(
            542, "kernel panic: bad mode", id="a panic after a crash point without a header"
        ),
        pytest.param(
            663,
            "kernel stack overflow in rtnl_newlink",
            id="arm64's stack overflow: its panic after a crash point without a header",
        ),
    ],
)
def test_a_syzkaller_case(cases: dict[int, Case], number: int, title: str) -> None:
    case = cases[number]
    assert title in case.titles  # the answer is syzkaller's own
    assert title_as_text(case) == title


def first_title(body: str) -> str:
    (first, *_) = extract_crash_reports(LabelledBody(body))
    return first.title


MULTI_LINE_RIP = """\
general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] SMP KASAN
KASAN: null-ptr-deref in range [0x0000000000000008-0x000000000000000f]
CPU: 1 PID: 5012 Comm: syz-executor.2 Not tainted 6.5.0-rc1 #1
Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
RIP: 0010:hlist_add_head include/linux/list.h:945 [inline]
RIP: 0010:foo_insert+0x1a2/0x3c0 net/foo/core.c:123
Code: 48 89 ef e8 00 00 00 00 48 8b 45 00 <48> 89 43 08 48 85 c0 74 0a
RSP: 0018:ffffc90003a6f9e0 EFLAGS: 00010202
Call Trace:
 <TASK>
 foo_bind+0x53/0x90 net/foo/core.c:200
 __sys_bind+0x1e9/0x220 net/socket.c:1792
 do_syscall_64+0x38/0xb0 arch/x86/entry/common.c:80
 entry_SYSCALL_64_after_hwframe+0x63/0xcd
 </TASK>
"""

ARM64_PI_ALIAS = """\
Unable to handle kernel paging request at virtual address ffff80008a2c0000
Mem abort info:
  ESR = 0x0000000096000047
Internal error: Oops: 0000000096000047 [#1] PREEMPT SMP
CPU: 0 PID: 3811 Comm: modprobe Not tainted 6.8.0-rc3-next-20240209 #1
Hardware name: linux,dummy-virt (DT)
pc : __pi_memset+0x1c/0x188
lr : foo_reset_ring+0x48/0x90 [foo]
Call trace:
 __pi_memset+0x1c/0x188
 foo_reset_ring+0x48/0x90 [foo]
 foo_probe+0x1d4/0x2f0 [foo]
 platform_probe+0x68/0xd8
 really_probe+0x148/0x2b4
"""


def test_the_crash_point_is_the_rip_line_that_is_no_inline_entry() -> None:
    # A symbolised RIP prints the inlined callees first; syzkaller names the
    # function the faulting address belongs to.
    assert first_title(MULTI_LINE_RIP) == "general protection fault in foo_insert"


def test_arm64_pi_aliases_of_string_helpers_are_skipped() -> None:
    assert first_title(ARM64_PI_ALIAS) == (
        "BUG: unable to handle kernel paging request in foo_reset_ring"
    )


def test_lockdep_lines_a_mail_client_wrapped_after_at(cases: dict[int, Case]) -> None:
    """A lockdep report whose "..., at: <function>" lines were wrapped after "at:"."""
    case = cases[185]
    wrapped = case.log.replace(", at: ", ", at:\n")
    assert wrapped != case.log
    assert first_title(wrapped) in case.titles
