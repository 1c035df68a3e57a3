"""Crash reports: frames, titles in syzkaller's style, signatures."""

from __future__ import annotations

import time

import pytest

from regtrack.extract.quoting import LabelledBody
from regtrack.extract.stacktrace import extract_crash_reports, parse_frame, strip_dmesg_prefix
from tests.extract.corpus import corpus_message
from tests.extract.seed import seed_message


def reports(body: str):
    return extract_crash_reports(LabelledBody(body))


def test_seed_report_crash() -> None:
    (crash,) = reports(seed_message(1).body)
    assert crash.title == (
        "BUG: unable to handle kernel NULL pointer dereference in __mmu_notifier_register"
    )
    assert crash.crash_function == "__mmu_notifier_register"
    assert [(f.function, f.module) for f in crash.reliable_frames] == [
        ("mmu_notifier_register", None),
        ("mmu_interval_notifier_insert", None),
        ("i915_gem_userptr_ioctl", "i915"),
        ("drm_ioctl_kernel", None),
        ("drm_ioctl", None),
        ("__x64_sys_ioctl", None),
        ("do_syscall_64", None),
        ("entry_SYSCALL_64_after_hwframe", None),
    ]
    assert [f.function for f in crash.frames if not f.reliable] == [
        "__die_body",
        "page_fault_oops",
        "do_user_addr_fault",
        "exc_page_fault",
        "asm_exc_page_fault",
        "__mmu_notifier_register",
        "__mmu_notifier_register",
        "preempt_count_add",
        "__pfx_i915_gem_userptr_ioctl",
        "__pfx_i915_gem_userptr_ioctl",
        "find_held_lock",
    ]
    assert crash.frames[0].offset == 0x1A and crash.frames[0].size == 0x60
    assert crash.user_rip == "0x7fbcae63f3ab"
    assert crash.hardware == (
        "Intel Corporation Meteor Lake Client Platform/MTL-P DDR5 SODIMM SBS RVP, "
        "BIOS MTLPFWI1.R00.3271.D81.2307101805 07/10/2023"
    )
    assert not crash.quoted


def test_seed_replies_quote_the_same_crash() -> None:
    report, analysis, fix = (seed_message(n) for n in (1, 2, 3))
    (original,) = reports(report.body)
    for reply in (analysis, fix):
        (quoted,) = reports(reply.body)
        assert quoted.quoted
        assert quoted.signature == original.signature


@pytest.mark.parametrize(
    ("msgid", "title"),
    [
        pytest.param(
            "000000000000aca1bb05f1e1aac1@google.com",
            "WARNING in __drm_atomic_helper_set_config",
            id="syzbot WARNING",
        ),
        pytest.param(
            "000000000000807c7805f2205df1@google.com",
            "general protection fault in _compound_head",
            id="syzbot GPF with KASAN",
        ),
        pytest.param(
            "000000000000d3ea0505f4a1cf71@google.com",
            "general protection fault in blkg_destroy_all",
            id="syzbot GPF, end marker",
        ),
        pytest.param(
            "8C9D7E49-5A75-41BE-ACCB-44FDD8FBE4D0@linux.ibm.com",
            "BUG: bad usercopy in create_elf_tables",
            id="powerpc kernel BUG at",
        ),
        pytest.param(
            "CA+G9fYvAURcTwqyGwoTpxAOR0EDTbU6a71d5z74R4Wv-qT02OQ@mail.gmail.com",
            "WARNING in is_valid_gup_args",
            id="arm64 WARNING with a wrapped header",
        ),
        pytest.param(
            "20230627170234.1c86ecdc@canb.auug.org.au",
            "BUG: unable to handle kernel NULL pointer dereference in crypto_sig_verify",
            id="powerpc NULL dereference with address columns",
        ),
        pytest.param(
            "ed33b9ff-e6f2-dae8-ede6-59dc3c649ece@roeck-us.net",
            "BUG: unable to handle kernel paging request in dma_pool_free",
            id="a paging request in a mail from a person",
        ),
        pytest.param(
            "CA+G9fYsbni4_vCObhwux3i+5HrCf119gBL0bm0q9tiS4N==kfg@mail.gmail.com",
            "int3 in sched_clock_cpu",
            id="a breakpoint trap, 'int3: 0000 [#1]' without 'Oops: '",
        ),
        pytest.param(
            # KernelCI's summary: "Unable to handle kernel NULL poin<4>[ 16.8] Workqueue: ..."
            # (the next writer's line cut the header), its "pc :" line in the excerpt above
            # it; a soft lockup far below is another test's and does not take that pc.
            "65099404.a70a0220.9169d.d6ea@mx.google.com",
            "BUG: unable to handle kernel NULL pointer dereference in scp_get_rproc",
            id="a header the console cut short mid-word, made whole",
        ),
        pytest.param(
            # MIPS: "CPU 0 Unable to handle kernel paging request at virtual address X,
            # epc == Y, ra == Z" (KernelCI quotes that line alone).
            "6513f8b0.050a0220.1daf3.df97@mx.google.com",
            "BUG: unable to handle kernel paging request",
            id="MIPS's paging request",
        ),
        pytest.param(
            # LKFT's decoded arm64 trace ("pc : string (lib/vsprintf.c:644)"): syzkaller's
            # rules read no frame of a decoded trace; regtrack's own title names the first
            # function syzkaller would not skip (string, vsnprintf and printk's are).
            "CA+G9fYsTk0GPOTEMm1KG2iJvMLG0SqUfG0JSenRYFHuOQTpuxw@mail.gmail.com",
            "BUG: unable to handle kernel paging request in sysctl_err",
            id="regtrack's own title skips the helpers syzkaller skips",
        ),
    ],
)
def test_real_reports_get_syzkaller_style_titles(msgid: str, title: str) -> None:
    found = reports(corpus_message(msgid).body)
    assert found and found[0].title == title


SYZBOT_KASAN = """\
==================================================================
BUG: KASAN: slab-use-after-free in ext4_xattr_inode_get+0x3a1/0x3c0 fs/ext4/xattr.c:397
Read of size 8 at addr ffff88807b0e6a28 by task syz-executor.3/5330

CPU: 1 PID: 5330 Comm: syz-executor.3 Not tainted 6.4.0-next-20230707-syzkaller #0
Hardware name: Google Google Compute Engine/Google Compute Engine, BIOS Google 07/03/2023
Call Trace:
 <TASK>
 __dump_stack lib/dump_stack.c:88 [inline]
 dump_stack_lvl+0xd9/0x150 lib/dump_stack.c:106
 print_address_description mm/kasan/report.c:364 [inline]
 print_report+0xc4/0x620 mm/kasan/report.c:475
 kasan_report+0xda/0x110 mm/kasan/report.c:588
 ext4_xattr_inode_get+0x3a1/0x3c0 fs/ext4/xattr.c:397
 ext4_xattr_get+0x1f4/0x8a0 fs/ext4/xattr.c:700
 __vfs_getxattr+0xf5/0x150 fs/xattr.c:424
 </TASK>
"""

ARM64_NULL = """\
[   15.33] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008
[   15.35] Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP
[   15.43] pc : of_drm_find_bridge+0x38/0x70 [drm]
[   15.44] lr : of_drm_find_bridge+0x20/0x70 [drm]
[   15.51] Call trace:
[   15.52]  of_drm_find_bridge+0x38/0x70 [drm]
[   15.53]  meson_encoder_hdmi_init+0x4c/0x1e0 [meson_drm]
[   15.54]  meson_drv_bind_master+0x3a4/0x5d0 [meson_drm]
"""

HUNG_TASK = """\
INFO: task kworker/0:1:12 blocked for more than 143 seconds.
Call Trace:
 <TASK>
 context_switch kernel/sched/core.c:5381 [inline]
 __schedule+0xc0d/0x2a60 kernel/sched/core.c:6710
 schedule+0xde/0x1a0 kernel/sched/core.c:6786
 __mutex_lock+0x9f3/0x1350 kernel/locking/mutex.c:747
 rtnl_lock+0x1a/0x20 net/core/rtnetlink.c:78
 linkwatch_event+0xf/0x70 net/core/link_watch.c:276
"""


ROOT_FS_PANIC = """\
[    1.92] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)
[    1.93] CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.5.0-rc2-next-20230720 #1
[    1.94] Call Trace:
[    1.94]  <TASK>
[    1.95]  dump_stack_lvl+0x36/0x50
[    1.95]  panic+0x30a/0x330
[    1.96]  mount_root_generic+0x1d3/0x2b0
[    1.96]  prepare_namespace+0x1d4/0x220
[    1.97]  kernel_init_freeable+0x23e/0x290
[    1.97]  </TASK>
[    1.98] ---[ end Kernel panic - not syncing: VFS: Unable to mount root fs ]---
"""

OOPS_IN_INIT = """\
BUG: kernel NULL pointer dereference, address: 0000000000000008
Oops: 0000 [#1] PREEMPT SMP NOPTI
RIP: 0010:do_wp_page+0x1a/0x600
Call Trace:
 <TASK>
 handle_mm_fault+0x1a/0x30
 do_user_addr_fault+0x1a/0x30
 </TASK>
---[ end trace 0000000000000000 ]---
RIP: 0010:do_wp_page+0x1a/0x600
Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009
CPU: 0 PID: 1 Comm: init Tainted: G      D
Call Trace:
 <TASK>
 dump_stack_lvl+0x36/0x50
 panic+0x30a/0x330
 do_exit+0x8bb/0xaa0
 make_task_dead+0x6a/0x70
 </TASK>
"""


def test_a_report_right_after_a_panic_is_kept() -> None:
    oops = OOPS_IN_INIT.split("RIP: 0010:do_wp_page+0x1a/0x600\nKernel panic")[0]
    body = oops + "Kernel panic - not syncing: Fatal exception\n" + HUNG_TASK
    assert [crash.title for crash in reports(body)] == [
        "BUG: unable to handle kernel NULL pointer dereference in do_wp_page",
        "INFO: task hung in rtnl_lock",
    ]


@pytest.mark.parametrize(
    ("body", "title", "kind"),
    [
        pytest.param(
            ROOT_FS_PANIC,
            "kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)",
            "panic",
            id="a panic with no report before it is the report",
        ),
        pytest.param(
            OOPS_IN_INIT,
            "BUG: unable to handle kernel NULL pointer dereference in do_wp_page",
            "null",
            id="a panic right after an oops is its consequence, not a report",
        ),
        pytest.param(
            SYZBOT_KASAN,
            "KASAN: slab-use-after-free Read in ext4_xattr_inode_get",
            "kasan",
            id="KASAN with access type",
        ),
        pytest.param(
            ARM64_NULL,
            "BUG: unable to handle kernel NULL pointer dereference in of_drm_find_bridge",
            "null",
            id="arm64 NULL dereference",
        ),
        pytest.param(
            HUNG_TASK,
            "INFO: task hung in rtnl_lock",
            "hung",
            id="a hung task names the first non-scheduler frame",
        ),
        pytest.param(
            "BUG: KCSAN: data-race in tcp_poll / tcp_recvmsg\nCall Trace:\n tcp_poll+0x1/0x2\n",
            "KCSAN: data-race in tcp_poll / tcp_recvmsg",
            "kcsan",
            id="KCSAN names both functions",
        ),
        pytest.param(
            "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [kworker:1]\n"
            "RIP: 0010:cpu_relax+0x3/0x10\nCall Trace:\n <IRQ>\n foo_poll+0x10/0x20\n",
            "BUG: soft lockup in cpu_relax",
            "lockup",
            id="a soft lockup",
        ),
        pytest.param(
            "UBSAN: array-index-out-of-bounds in drivers/x/y.c:12:3\nCall Trace:\n"
            " dump_stack_lvl+0x1/0x2\n __ubsan_handle_out_of_bounds+0x1/0x2\n"
            " y_probe+0x10/0x20 [y]\n",
            "UBSAN: array-index-out-of-bounds in y_probe",
            "ubsan",
            id="UBSAN skips the sanitizer's own frames",
        ),
    ],
)
def test_crafted_reports(body: str, title: str, kind: str) -> None:
    (crash,) = reports(body)
    assert (crash.title, crash.kind) == (title, kind)


def test_signature_ignores_offsets_timestamps_and_quoting() -> None:
    (plain,) = reports(SYZBOT_KASAN)
    shifted = SYZBOT_KASAN.replace("0x1f4/0x8a0", "0x204/0x8b0").replace("5330", "6001")
    quoted = "".join(f"> [  12.3456] {line}\n" for line in shifted.splitlines())
    (other,) = reports(quoted)
    assert other.quoted and other.signature == plain.signature
    (different,) = reports(SYZBOT_KASAN.replace("ext4_xattr_get+", "other_caller+"))
    assert different.signature != plain.signature


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("| BUG: kernel NULL pointer dereference | 3 |\n", id="a KernelCI table row"),
        pytest.param("WARNING: unmet direct dependencies detected for FOO\n", id="Kconfig"),
        pytest.param("The Call Trace: below shows nothing\nplain prose\n", id="prose"),
        pytest.param("", id="an empty body"),
    ],
)
def test_no_report_without_a_trace(body: str) -> None:
    assert reports(body) == ()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            "<4>[   76.342273]  mmu_notifier_register+0x30/0xe0",
            "mmu_notifier_register+0x30/0xe0",
            id="level and timestamp",
        ),
        pytest.param("[  123.456789][ T1234] foo", "foo", id="a caller id"),
        pytest.param(
            "Jul 25 06:42:54 host kernel: RIP: 0010:x+0x1/0x2",
            "RIP: 0010:x+0x1/0x2",
            id="a syslog prefix",
        ),
        pytest.param(
            "kern  :alert : Unable to handle kernel NULL poin<4>[   16.815453] Workqueue: x",
            "Unable to handle kernel NULL pointer dereference",
            id="a header another writer's line cut inside a word, made whole",
        ),
        pytest.param(
            "kern  :alert : Unable to handle kernel pa<4>[   16.815453] Workqueue: x",
            "Unable to handle kernel paging request",
            id="cut where paging is told from NULL",
        ),
        pytest.param(
            "kern  :alert : Unable to handle kern<4>[   16.815453] Workqueue: x",
            "Workqueue: x",
            id="cut before the words that tell the kind: the other writer's line",
        ),
    ],
)
def test_dmesg_prefixes(line: str, expected: str) -> None:
    assert strip_dmesg_prefix(line) == expected


@pytest.mark.parametrize(
    ("line", "function", "module", "reliable", "inline"),
    [
        pytest.param(
            "? __pfx_i915_gem_userptr_ioctl+0x10/0x10 [i915]",
            "__pfx_i915_gem_userptr_ioctl",
            "i915",
            False,
            False,
            id="unreliable",
        ),
        pytest.param(
            "wp_page_copy mm/memory.c:3047 [inline]",
            "wp_page_copy",
            None,
            True,
            True,
            id="an inline frame with a source line",
        ),
        pytest.param(
            "is_valid_gup_args (mm/gup.c:2121 (discriminator 1))",
            "is_valid_gup_args",
            None,
            True,
            False,
            id="decode_stacktrace output",
        ),
        pytest.param(
            "[c00000000478f6f0] [c000000000929fdc] crypto_sig_verify+0x9c/0x180 (unreliable)",
            "crypto_sig_verify",
            None,
            False,
            False,
            id="powerpc address columns",
        ),
        pytest.param(
            "[<ffffffff81234567>] foo+0x1/0x2",
            "foo",
            None,
            True,
            False,
            id="old x86 address column",
        ),
    ],
)
def test_parse_frame(line, function, module, reliable, inline) -> None:
    frame = parse_frame(line)
    assert frame is not None
    assert (frame.function, frame.module, frame.reliable, frame.inline) == (
        function,
        module,
        reliable,
        inline,
    )


@pytest.mark.parametrize("line", ["<TASK>", "Modules linked in: a b c", "just words here"])
def test_parse_frame_rejects_non_frames(line: str) -> None:
    assert parse_frame(line) is None


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Call Trace:\n" + " foo+0x1/0x2 [m]\n" * 250_000, id="a 5 MB trace"),
        pytest.param("RIP: 0010:" + "a" * 1_000_000 + "\n", id="a 1 MB crash point"),
        pytest.param("Call Trace:\n " + "(" * 500_000 + "\n", id="half a million brackets"),
        pytest.param(
            "BUG: KASAN: use-after-free in f+0x1/0x2\n" + ("a" * 2_000 + "\n") * 600,
            id="a KASAN report that never says Read or Write",
        ),
        pytest.param(
            "WARNING: possible circular locking dependency detected\n" + "at: " * 300_000,
            id="a lockdep report of one long line",
        ),
    ],
)
def test_crash_extraction_is_linear(body: str) -> None:
    started = time.perf_counter()
    reports(body)
    assert time.perf_counter() - started < 1.0


# Traces wherever they hide (issue 11).
CI_CLOCK_TRACE = """\
2023-07-20T10:11:12 [   41.123456] BUG: kernel NULL pointer dereference, address: 0000000000000008
2023-07-20T10:11:12 [   41.123460] #PF: supervisor read access in kernel mode
2023-07-20T10:11:12 [   41.123470] Oops: 0000 [#1] PREEMPT SMP NOPTI
2023-07-20T10:11:12 [   41.123480] CPU: 3 PID: 812 Comm: modprobe Not tainted 6.5.0-rc2 #1
2023-07-20T10:11:12 [   41.123490] RIP: 0010:foo_attach+0x2c/0x90 [foo]
2023-07-20T10:11:12 [   41.123500] Call Trace:
2023-07-20T10:11:12 [   41.123510]  <TASK>
2023-07-20T10:11:12 [   41.123520]  foo_probe+0x51/0x120 [foo]
2023-07-20T10:11:12 [   41.123530]  pci_device_probe+0xa1/0x160
2023-07-20T10:11:12 [   41.123540]  </TASK>
"""


def test_a_ci_clock_before_the_kernel_timestamp_is_stripped() -> None:
    assert [crash.title for crash in reports(CI_CLOCK_TRACE)] == [
        "BUG: unable to handle kernel NULL pointer dereference in foo_attach"
    ]


def test_a_warning_line_wrapped_by_a_mail_client_is_read_whole() -> None:
    # LKFT's report: "WARNING: CPU: 0 PID: 0 at" / "kernel/context_tracking.c:128 ..." in
    # its log, and in its summary "WARNING: ... at kernel/context_tracking.c:128" /
    # "ct_kernel_exit.constprop.0+0xe0/0xe8", whose log's first WARNING is wrapped so too.
    crashes = reports(corpus_message(LKFT_WRAPPED_WARNING).body)
    assert [(c.first_line, c.title) for c in crashes] == [
        (4, "WARNING in __alloc_pages"),  # the summary: three crashes of one line each
        (5, "kernel BUG"),
        (6, "WARNING in ct_kernel_exit"),
        (14, "WARNING in handshake_req_alloc"),  # the log: its frames are its own
        (68, "kernel BUG in dentry_unlink_inode"),
        (118, "WARNING in ct_kernel_exit"),
    ]
    assert crashes[2].frames == ()  # not the frames of the log's first WARNING


LKFT_WRAPPED_WARNING = "CA+G9fYszs5wPp+TWJeVZsdRjnBTXTa8i3YY3qV9SHbB1+R2+4Q@mail.gmail.com"


def test_powerpc_frames_wrapped_after_their_addresses_are_read_whole() -> None:
    # IBM's report: "[ts] [c0000000835175a0] [c000000000889310] " / "f+0x400/0x680
    # (unreliable)", and the WARNING and NIP lines wrapped the same way.
    (crash,) = reports(
        corpus_message("92db426f-4a31-9c2c-e23a-85a8d353fbae@linux.vnet.ibm.com").body
    )
    assert crash.title == "WARNING in iommu_setup_default_domain"
    assert [frame.function for frame in crash.frames][:4] == [
        "iommu_setup_default_domain",
        "__iommu_probe_device",
        "iommu_probe_device",
        "iommu_bus_notifier",
    ]


# A powerpc log whose lines lost their first "[" (the address columns).
POWERPC_WITHOUT_BRACKETS = """\
kernel BUG at mm/memcontrol.c:3715!
Oops: Exception in kernel mode, sig: 5 [#1]
CPU: 10 PID: 133636 Comm: madvise06 Tainted: G O 6.4.0-next-20230705 #1
NIP:  c00000000054ea88 LR: c00000000028b2a8 CTR: c00000000054e8d0
NIP c00000000054ea88] mem_cgroup_css_rstat_flush+0x1b8/0x1d0
LR c00000000028b2a8] cgroup_rstat_flush+0xb8/0x160
Call Trace:
c00000029dd7bb50] [c00000000028b2a8] cgroup_rstat_flush+0xb8/0x160
c00000029dd7bbc0] [c000000000673ba4] kernfs_seq_show+0x44/0x60
c00000029dd7bbe0] [c0000000005c4238] seq_read_iter+0x238/0x620
"""


def test_powerpc_frames_without_their_first_bracket() -> None:
    (crash,) = reports(POWERPC_WITHOUT_BRACKETS)
    assert crash.title == "kernel BUG in mem_cgroup_css_rstat_flush"
    assert [frame.function for frame in crash.frames] == [
        "cgroup_rstat_flush",
        "kernfs_seq_show",
        "seq_read_iter",
    ]


def test_a_panic_a_ci_log_repeats_is_no_report_of_its_own() -> None:
    # LAVA's summary quotes "Kernel panic - not syncing: Attempted to kill
    # init!" again, long after the NULL dereference that caused it.
    titles = [c.title for c in reports(corpus_message(LAVA_LOG_WITH_CLOCK).body)]
    assert titles == ["BUG: unable to handle kernel NULL pointer dereference in do_wp_page"] * 2


LAVA_LOG_WITH_CLOCK = "Y8Fkjxsq5EOtGiql@casper.infradead.org"


def test_a_panic_after_reports_stays_their_consequence_far_below() -> None:
    # LKFT's int3 log: two oopses, then a register dump and "Kernel panic - not syncing:
    # Fatal exception in interrupt" fifty lines later; a panic is a report of its own only
    # where no report came before it (syzkaller's "kernel panic: bad mode").
    body = corpus_message("CA+G9fYsbni4_vCObhwux3i+5HrCf119gBL0bm0q9tiS4N==kfg@mail.gmail.com").body
    assert [crash.title for crash in reports(body)] == ["int3 in sched_clock_cpu"] * 2


def test_a_one_line_report_before_another_is_a_report_of_its_own() -> None:
    # "BUG: Bad rss-counter state" needs no trace; the NULL dereference below
    # it is the next report, not more lines of the first.
    body = corpus_message("20230619204309.GA13937@willie-the-truck").body
    assert [crash.title for crash in reports(body)] == [
        "BUG: Bad rss-counter state",
        "BUG: unable to handle kernel NULL pointer dereference in vma_interval_tree_remove",
    ]


def test_a_state_check_before_another_header_is_a_report_of_its_own() -> None:
    # KernelCI's excerpt: "BUG: Bad page state" twice, then "Unable to handle kernel NULL
    # pointer dereference" a millisecond later: syzkaller titles the log by the first.
    body = corpus_message("6420fdd8.170a0220.52843.134c@mx.google.com").body
    assert [crash.title for crash in reports(body)] == [
        "BUG: Bad page state",
        "BUG: unable to handle kernel NULL pointer dereference",
    ]


@pytest.mark.parametrize(
    ("body", "titles"),
    [
        pytest.param(
            "    2023-06-22T06:59:45.916685  kern  :alert : BUG: kernel NULL pointer "
            "dereference, address: 0000000000000014\n\n"
            "    2023-06-22T06:59:45.920383  kern  :alert : #PF: supervisor read access\n",
            ["BUG: unable to handle kernel NULL pointer dereference"],
            id="KernelCI's excerpt: a header of one line, its clock and dmesg's level before it",
        ),
        pytest.param(
            "[   11.000000] BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]\n",
            ["BUG: soft lockup"],
            id="a soft lockup without its trace",
        ),
        pytest.param(
            "kern  :alert : BUG: Bad page state in process kworker/u2:0  pfn:c3000\n"
            "kern  :alert : BUG: Bad page state in process kworker/u2:0  pfn:c3400\n",
            ["BUG: Bad page state"],
            id="the kernel's own check, titled by the check",
        ),
        pytest.param(
            "    2023-12-12T09:27:31.651846  cat: symbol lookup error: undefined symbol: __po"
            "<1>[   50.300506] BUG: Bad rss-counter state mm:3adb5ca9 type:MM_FILEPAGES val:-3\n",
            ["BUG: Bad rss-counter state"],
            id="a kernel line after another writer's output on the console",
        ),
        pytest.param(
            "kern  :alert : Unable to handle kernel NULL pointer dereference at virtual "
            "address 000000000000<8>[  119.492001] <LAVA_SIGNAL_TESTCASE TEST_CASE_ID=alert>\n",
            ["BUG: unable to handle kernel NULL pointer dereference"],
            id="a header the next console line cut short",
        ),
        pytest.param(
            "kern  :emerg : usercopy: Kernel memory exposure attempt detected from SLUB\n",
            ["BUG: bad usercopy"],
            id="usercopy's line alone",
        ),
        pytest.param(
            "kern  :emerg : Internal error: Oops - BUG: 00000000f2000800 [#1] PREEMPT SMP\n",
            ["kernel BUG"],
            id="arm64's BUG() trap without the kernel BUG line",
        ),
        pytest.param(
            "[    1.0] kernel BUG at mm/slub.c:1234!\n"
            "[    2.0] BUG: kernel NULL pointer dereference, address: 0000000000000008\n",
            ["kernel BUG", "BUG: unable to handle kernel NULL pointer dereference"],
            id="two crashes of one line each are two reports",
        ),
        pytest.param(
            "WARNING: CPU: 0 PID: 0 at kernel/context_tracking.c:128\n"
            "ct_kernel_exit.constprop.0+0xe0/0xe8\n"
            "WARNING: CPU: 1 PID: 7 at mm/page_alloc.c:4781 __alloc_pages.cold+0x9/0x13\n",
            ["WARNING in ct_kernel_exit", "WARNING in __alloc_pages"],
            id="WARNINGs at two places, one wrapped before its function, are two reports",
        ),
        pytest.param(
            "[  627.0] WARNING: CPU: 0 PID: 9 at net/core/dev.c:1928\n\nThanks.\n",
            ["WARNING"],
            id="a WARNING's line alone, without its function",
        ),
        pytest.param(
            "We saw a BUG: kernel NULL pointer dereference on boot yesterday.\n",
            [],
            id="prose that mentions a header is no report",
        ),
    ],
)
def test_reports_of_one_line(body: str, titles: list[str]) -> None:
    assert [crash.title for crash in reports(body)] == titles


def test_a_report_without_the_frame_its_title_needs_is_corrupted() -> None:
    (one_line,) = reports(
        "[ 1.0] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
    )
    assert one_line.corrupted
    (whole,) = reports(SYZBOT_KASAN)
    assert not whole.corrupted


def test_a_stack_dump_without_a_crash_comes_after_the_crash() -> None:
    """A sysfs complaint's dump, then an oops: the oops is the mail's crash (syzkaller's
    case 662 has this shape), and the dump's title drops the compiler's ".cold"."""
    body = (
        "sysfs: cannot create duplicate filename '//block'\n"
        "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.3.0-rc1 #2\n"
        "Call Trace:\n"
        " dump_stack_lvl+0x70/0xa0\n"
        " sysfs_warn_dup.cold+0x88/0xc0\n"
        " sysfs_create_dir_ns+0x12c/0x170\n"
        "\n"
        "BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
        "RIP: 0010:foo_attach+0x1c/0x80\n"
        "Call Trace:\n"
        " <TASK>\n"
        " foo_probe+0x4a/0x120\n"
        " really_probe+0x19b/0x3e0\n"
        " </TASK>\n"
    )
    assert [crash.title for crash in reports(body)] == [
        "BUG: unable to handle kernel NULL pointer dereference in foo_attach",
        "stack trace in sysfs_warn_dup",
    ]
