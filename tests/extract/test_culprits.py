"""Culprit commits and revert tests, over the seed, real reports and crafted text."""

from __future__ import annotations

import time

import pytest

from regtrack.extract.culprits import extract_culprits, extract_revert_tests
from regtrack.extract.facts import extract_facts
from regtrack.extract.quoting import LabelledBody
from tests.extract.corpus import corpus_message
from tests.extract.seed import CULPRIT, seed_message, seed_replies


def culprits(body: str):
    return [(c.commit, c.subject, c.kind) for c in extract_culprits(LabelledBody(body))]


def test_seed_culprit_is_the_pasted_commit() -> None:
    (culprit,) = extract_culprits(LabelledBody(seed_message(1).body))
    assert (culprit.commit, culprit.subject, culprit.kind) == (
        CULPRIT,
        "mmu_notifiers: rename invalidate_range notifier",
        "git-show",
    )
    assert culprit.sentence == (
        "After bisecting the tree, the following patch seems to be causing the regression."
    )


def test_seed_revert_test() -> None:
    (revert,) = extract_revert_tests(LabelledBody(seed_message(1).body))
    assert revert.sentence == "We also verified by reverting the patch in the tree."


def test_seed_replies_blame_nothing_themselves() -> None:
    for reply in seed_replies():
        assert extract_culprits(LabelledBody(reply.body)) == ()


@pytest.mark.parametrize(
    ("msgid", "expected"),
    [
        pytest.param(
            "20230105104634.54cd6cd4@canb.auug.org.au",
            [("cc54ca385577", "thermal/acpi: Add ACPI trip point routines", "caused-by")],
            id="a linux-next build failure names its culprit",
        ),
        pytest.param(
            "20230105141715.200223e0@canb.auug.org.au",
            None,
            id="a linux-next build warning names what introduced it",
        ),
        pytest.param(
            "20230419182136.112974-1-broonie@kernel.org",
            [
                (
                    "717f95b494ac36",
                    "mm: don't check VMA write permissions if the PTE/PMD indicates write "
                    "permissions",
                    "caused-by",
                ),
                ("74fd30bd28e4c7", "mm: Make pte_mkwrite() take a VMA", "interacting"),
            ],
            id="'from the mm tree interacting with' and the commit below, no word commit",
        ),
        pytest.param(
            "Y8nBDk/CRozNvkQs@intel.com",
            [
                ("cff84bac9922", "drm/fh-helper: Split fbdev single-probe helper", "caused-by"),
                (
                    "d1d5101452ab",
                    "drm/fb-helper: Set framebuffer for vga-switcheroo clients",
                    "interacting",
                ),
            ],
            id="a silent conflict of one commit with another, listed without blank lines",
        ),
        pytest.param(
            "8C9D7E49-5A75-41BE-ACCB-44FDD8FBE4D0@linux.ibm.com",
            [("317c8194e6aeb8b3b573ad139fc2a0635856498e", None, "first-bad")],
            id="'Git bisect points to following patch:' over a 'commit <sha>' line",
        ),
        pytest.param(
            "14d5e179-807c-cd9d-d156-ca90c2a03ed6@tessares.net",
            [
                ("dc0b98a1758f", "ethtool: Add and use ethnl_update_bool.", "caused-by"),
                (
                    "7c494a7749a7",
                    "net: ethtool: netlink: introduce ethnl_update_bool()",
                    "interacting",
                ),
            ],
            id="'merging badly with:' over a 'commit <sha> (subject)' line",
        ),
        pytest.param(
            "20231023110556.6f704b95@canb.auug.org.au",
            [
                (
                    "8227bf7a81e6",
                    "PCI: rcar-gen4: Add R-Car Gen4 PCIe controller support for host mode",
                    "caused-by",
                ),
                ("d3c54d8ba855", "PCI: rcar-gen4: Add endpoint mode support", "caused-by"),
            ],
            id="'Caused by commit' X, 'or' on a line of its own, Y: both, in one role",
        ),
        pytest.param(
            "20230808144020.538cdab8@canb.auug.org.au",
            [
                ("6a41fd4665e6", "x86/crash: optimize CPU changes", "reverted"),
                (
                    "add3b7e011e9",
                    "crash: change crash_prepare_elf64_headers() to for_each_possible_cpu()",
                    "reverted",
                ),
                ("4a7eed40a7bc", "crash: hotplug support for kexec_load()", "reverted"),
                ("8ce41bc6b147", "x86/crash: add x86 crash hotplug support", "reverted"),
                ("2b765af0c14f", "crash: memory and CPU hotplug sysfs attributes", "reverted"),
                ("36d2b573329b", "kexec: exclude elfcorehdr from the segment digest", "reverted"),
                (
                    "ccfe0040500f",
                    "crash: add generic infrastructure for crash hotplug support",
                    "reverted",
                ),
                (
                    "626775922a57",
                    "crash: move a few code bits to setup support of crash hotplug",
                    "reverted",
                ),
            ],
            id="'I have revreted these for today:' (a typo) over the list",
        ),
        pytest.param(
            "afeb9fad-0d3b-48ac-82da-218dcd8010e7@app.fastmail.com",
            [
                (
                    "89e73afc3f540",
                    "ARM: dts: marvell: align SPI NOR node name with dtschema",
                    "inline",
                )
            ],
            id="'probably instroduced by' (a typo)",
        ),
        pytest.param(
            "CAP-5=fXzFUjbHE=qX89QX-CquT46L9-EcGEJ2L2--1k3ZMF_VQ@mail.gmail.com",
            [("a980755beb5aca9002e1c95ba519b83a44242b5b", None, "caused-by")],
            id="'the change that altered the behavior was:' over the commit's cgit URL",
        ),
        pytest.param(
            "E41CCE0E-6274-432E-841A-A79FB996CFB0@kernel.org",
            [("2d47c6956ab3c8b580a59d7704aab3e2a4882b6c", None, "caused-by")],
            id="'I think it's due to:' over the commit's cgit URL",
        ),
        pytest.param(
            "139BEB3F-BC1C-4ABA-8928-9A8EF3FB5EDD@linux.ibm.com",
            [
                (
                    "f46a5170e6e7d5f836f2199fe82cdb0b4363427f",
                    "srcu: Use static init for statically allocated in-module srcu_struct",
                    "first-bad",
                )
            ],
            id="'Git bisect point to the following patch' over git show's commit and subject",
        ),
        pytest.param(
            "CAKwvOdkABkajMqBS=xcHxXUTQGXbTN3tj1GcPqpGgGkmAGLkDA@mail.gmail.com",
            [
                (
                    "b6c881b248ef",
                    "x86/alternative: Complicate optimize_nops() some more",
                    "caused-by",
                ),
                ("6c480f222128", "x86/alternative: Rewrite optimize_nops() some", "caused-by"),
            ],
            id="'that smells like perhaps either:' over two commits",
        ),
        pytest.param(
            "d7e24393-540b-4fcc-84a8-3ad9daf26762@redhat.com",
            [
                (
                    "77070eeb8821",
                    "cgroup: Avoid false cacheline sharing of read mostly rstat_cpu",
                    "inline",
                )
            ],
            id="'commit X (a subject the client wrapped) has caused'",
        ),
        pytest.param(
            "20231128213344.GA3423530@dev-arch.thelio-3990X",
            [("6f861765464f", "fs: Block writes to mounted block devices", "inline")],
            id="'due to the presence of commit' (the lack of another is no blame)",
        ),
        pytest.param(
            "20231025121744.GD3952@nvidia.com",
            [("c61c255e114c", None, "revert-suggested")],
            id="'Can you send a revert of X'",
        ),
        pytest.param(
            "20231009-behaarten-hotel-17e3c1e7de74@brauner",
            [
                (
                    "8ea3ec0740bdea9105eb416f07eef5d031b9385a",
                    "block: Remove blkdev_get_by_*() functions",
                    "git-show",
                )
            ],
            id="'I dropped' over a pasted git show block",
        ),
        pytest.param(
            "7fe9d0b0-7d77-79cc-405d-3ca38b552782@linux.vnet.ibm.com",
            [
                (
                    "4d5ab0ad964df178beba031b89429a601893ff61",
                    "net/mlx5e: take into account device reconfiguration for",
                    "git-show",
                )
            ],
            id="'Boots fine without warnings when below patch is reverted' over git show",
        ),
    ],
)
def test_linux_next_reports(msgid: str, expected) -> None:
    found = culprits(corpus_message(msgid).body)
    if expected is None:
        assert found and all(kind == "introduced-by" for _, _, kind in found)
    else:
        assert found == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            'Caused by commits\n\n  0123456789ab ("a: one")\n  abcdef012345 ("b: two")\n',
            [("0123456789ab", "a: one", "caused-by"), ("abcdef012345", "b: two", "caused-by")],
            id="several commits under Caused by commits",
        ),
        pytest.param(
            'This is presumably caused by commit\n\n  0123456789ab ("mm: change")\n',
            [("0123456789ab", "mm: change", "caused-by")],
            id="a hedged lead-in on its own line",
        ),
        pytest.param(
            'Maybe caused by\n\n  0123456789ab ("mm: change")\n',
            [("0123456789ab", "mm: change", "caused-by")],
            id="maybe caused by, the commit after a blank line",
        ),
        pytest.param(
            "I found the first bad commit to be\n\n  0123456789ab\n",
            [("0123456789ab", None, "first-bad")],
            id="first bad commit to be",
        ),
        pytest.param(
            "The bad commit is found to be 0123456789ab.\n",
            [("0123456789ab", None, "inline")],
            id="bad commit is found to be",
        ),
        pytest.param(
            'The boot failure is due to commit 0123456789ab ("mm: change").\n',
            [("0123456789ab", "mm: change", "inline")],
            id="due to commit",
        ),
        pytest.param(
            "It was bisected to commit '0123456789ab', which looks odd.\n",
            [("0123456789ab", None, "inline")],
            id="an id in quotes",
        ),
        pytest.param(
            "The warning is caused\nby commit 0123456789ab in the mm tree.\n",
            [("0123456789ab", None, "inline")],
            id="a phrase wrapped onto the next line",
        ),
        pytest.param(
            'Caused by commit\n\n  0123456789ab ("a: one")\n\ninteracting with commit\n\n'
            '  abcdef012345 ("b: two")\n',
            [("0123456789ab", "a: one", "caused-by"), ("abcdef012345", "b: two", "interacting")],
            id="a semantic conflict names two commits with their roles",
        ),
        pytest.param(
            "The problem was exposed by commit 0123456789ab, the bug is older.\n",
            [("0123456789ab", None, "exposed-by")],
            id="exposed by",
        ),
        pytest.param(
            "I am not sure exactly which commit caused this.\n"
            "Its probably this one 0123456789abcdef0123456789abcdef01234567\n",
            [("0123456789abcdef0123456789abcdef01234567", None, "inline")],
            id="it's probably this one",
        ),
        pytest.param(
            "I suspect commit 0123456789ab, which changed the locking.\n",
            [("0123456789ab", None, "inline")],
            id="I suspect commit",
        ),
        pytest.param(
            "Commit 0123456789ab  is causing the issue. I have verified it.\n",
            [("0123456789ab", None, "inline")],
            id="commit X is causing",
        ),
        pytest.param(
            'Caused by commit 0123456789ab ("a: one") interacting with commit\n'
            'abcdef012345 ("b: two") in the net tree.\n',
            [("0123456789ab", "a: one", "inline"), ("abcdef012345", "b: two", "interacting")],
            id="interacting with commit, inline",
        ),
        pytest.param(
            "This is not in a random driver. I think we should revert 0123456789ab.\n",
            [("0123456789ab", None, "revert-suggested")],
            id="we should revert",
        ),
        pytest.param(
            "Could you try reverting 0123456789ab to see if it helps?\n",
            [("0123456789ab", None, "revert-suggested")],
            id="a revert suggested in a reply",
        ),
        pytest.param(
            "Caused by commit (I am pretty sure, but can't see why)\n\n"
            '  054e68aae050 ("ACPI: Replace irqdomain.h include")\n',
            [("054e68aae050", "ACPI: Replace irqdomain.h include", "caused-by")],
            id="an aside after Caused by commit",
        ),
        pytest.param(
            "abcdef0123456789abcdef0123456789abcdef01 is the first bad commit\n",
            [("abcdef0123456789abcdef0123456789abcdef01", None, "first-bad")],
            id="git bisect output",
        ),
        pytest.param(
            'I bisected it to 0123456789ab ("mm: change") on next-20230720.',
            [("0123456789ab", "mm: change", "inline")],
            id="bisected it to",
        ),
        pytest.param(
            'This is caused by commit 0123456789ab ("drm: a subject that\nwraps").',
            [("0123456789ab", "drm: a subject that wraps", "inline")],
            id="a subject wrapped onto the next line",
        ),
        pytest.param(
            "The culprit is deadbeef01.", [("deadbeef01", None, "inline")], id="the culprit is"
        ),
        pytest.param(
            "Problem introduced by commits:\n"
            'bb5ceb43b7bf ("ALSA: fix defaults in \nhighres mode")\n'
            '1298bc978afb ("ALSA: part 1: DSP \nattenuation")\n\nMore exactly by :\n',
            [
                ("bb5ceb43b7bf", "ALSA: fix defaults in highres mode", "introduced-by"),
                ("1298bc978afb", "ALSA: part 1: DSP attenuation", "introduced-by"),
            ],
            id="words before the lead-in, and subjects the mail client wrapped",
        ),
        pytest.param(
            'Revealed by commit\n\n  d71c11cc79d2 ("dma-buf: uABI")\n',
            [("d71c11cc79d2", "dma-buf: uABI", "exposed-by")],
            id="revealed by: the commit only exposed it",
        ),
        pytest.param(
            'Caused/exposed by commit\n\n  f95cbe69154f ("uaccess.h: move")\n\nI have reverted',
            [("f95cbe69154f", "uaccess.h: move", "caused-by")],
            id="caused/exposed by: the first word decides",
        ),
        pytest.param(
            'Hmm, it seems something else went wrong too, due to:\n\n616b14b47a86 ("perf: x")\n',
            [("616b14b47a86", "perf: x", "caused-by")],
            id="due to: at the end of a sentence, the commit below",
        ),
        pytest.param(
            'Caused by a bad automatic merge between commit\n\n  e4d09de3919b ("ASoC: a")\n\n'
            'and commit\n\n  3d1a05581361 ("ASoC: b")\n\nfrom the sound tree.\n',
            [("e4d09de3919b", "ASoC: a", "caused-by"), ("3d1a05581361", "ASoC: b", "interacting")],
            id="a bad merge between two listed commits",
        ),
        pytest.param(
            'Caused by commit\n\n  640be5bc564f ("fs: a")\n\nfrom the mm tree intercting with '
            'commit\n\n  a7800aa80ea4 ("KVM: b")\n',
            [("640be5bc564f", "fs: a", "caused-by"), ("a7800aa80ea4", "KVM: b", "interacting")],
            id="interacting with, after the tree's name and misspelt",
        ),
        pytest.param(
            "I am not sure exactly which commit caused but I have reverted these\nfor today:\n\n"
            '  6a41fd4665e6 ("x86/crash: a")\n  add3b7e011e9 ("crash: b")\n',
            [
                ("6a41fd4665e6", "x86/crash: a", "reverted"),
                ("add3b7e011e9", "crash: b", "reverted"),
            ],
            id="the commits a report reverted for the day",
        ),
        pytest.param(
            "I think you can just revert the following three lima commits when merge:\n"
            '* 4a66f3da99dc ("drm/lima: a")\n* 87767de835ed ("drm/lima: b")\n',
            [
                ("4a66f3da99dc", "drm/lima: a", "revert-suggested"),
                ("87767de835ed", "drm/lima: b", "revert-suggested"),
            ],
            id="a bulleted list of commits to revert, suggested",
        ),
        pytest.param(
            "The issue was introduced by:\n\n701d2054fa31 fbdev: Make interfaces configurable\n",
            [("701d2054fa31", "fbdev: Make interfaces configurable", "introduced-by")],
            id="a commit listed as git log --oneline prints it",
        ),
        pytest.param(
            'It looks like this is because:\n\n2f68d5420412040e ("RISC-V: KVM: AIA")\n',
            [("2f68d5420412040e", "RISC-V: KVM: AIA", "caused-by")],
            id="because: and the commit below",
        ),
        pytest.param(
            'Bisection pointed at commit\n\n  d770ef2c8299 ("bitmap: replace")\n',
            [("d770ef2c8299", "bitmap: replace", "first-bad")],
            id="bisection pointed at",
        ),
        pytest.param(
            "git bisect points to commit 0123456789ab in the net tree.\n",
            [("0123456789ab", None, "inline")],
            id="bisect points to, inline",
        ),
        pytest.param(
            'Caused (exposed) by commit\n\n  eee9602ad649 ("arm64: dts: qcom: a")\n',
            [("eee9602ad649", "arm64: dts: qcom: a", "caused-by")],
            id="caused (exposed) by",
        ),
        pytest.param(
            "I can't easily tell what caused this - possibly commit\n\n"
            '  a5f4ca68f348 ("perf/arm_dmc620: Remove defines")\n',
            [("a5f4ca68f348", "perf/arm_dmc620: Remove defines", "caused-by")],
            id="possibly commit, the commit below",
        ),
        pytest.param(
            "a5f4ca68f348 is the offending commit, and reverting it would fix it\n",
            [("a5f4ca68f348", None, "inline")],
            id="<sha> is the offending commit",
        ),
        pytest.param(
            "None of these cause it but they interacted with commit\n\n"
            '  691a63712347 ("ACPI: cpufreq: platform devices")\n',
            [("691a63712347", "ACPI: cpufreq: platform devices", "interacting")],
            id="interacted with commit",
        ),
        pytest.param(
            'Looks like a conflict with 9c47011d3302 ("arm64: support\nbatched tlb") which\n',
            [("9c47011d3302", "arm64: support batched tlb", "interacting")],
            id="a conflict with <sha>",
        ),
        pytest.param(
            'Looks like this is the problematic patch\n13ba8a09c4f6 ("PCI: hotplug: Add x")\n',
            [("13ba8a09c4f6", "PCI: hotplug: Add x", "caused-by")],
            id="the problematic patch, listed below",
        ),
        pytest.param(
            'Presumably related to commit\n\n  41a5db8d8161 ("bpf: Add percpu mem")\n',
            [("41a5db8d8161", "bpf: Add percpu mem", "caused-by")],
            id="presumably related to commit, listed below",
        ),
        pytest.param(
            'It sounds like a result of 21d9526d13b5 ("gpiolib: Make the\nnames")\n',
            [("21d9526d13b5", "gpiolib: Make the names", "inline")],
            id="a result of <sha>",
        ),
        pytest.param(
            "the __NR_execve definition was deleted\nby mistake in the commit ece7f7c0507c\n",
            [("ece7f7c0507c", None, "inline")],
            id="deleted by mistake in the commit <sha>",
        ),
        pytest.param(
            "Yes. The warning is due to the checking added in commit c93047255202\n",
            [("c93047255202", None, "inline")],
            id="due to what commit <sha> added",
        ),
        pytest.param(
            "This turns out to be a semantic conflict (or exposing a bug in commit\n\n"
            '  c6fbb6bca108 ("drm: Fix color LUT rounding")\n',
            [("c6fbb6bca108", "drm: Fix color LUT rounding", "caused-by")],
            id="a bug in commit, listed below",
        ),
        pytest.param(
            "The fix is in commit 0123456789ab, in the net tree.\n",
            [],
            id="in commit <sha> alone blames nothing",
        ),
        pytest.param(
            "The pointer points to 0000000000000008 here.\n",
            [],
            id="points to an address, not a commit",
        ),
        pytest.param(
            'Christian sent a revert:\n  56e51681246e ("drm/ttm: revert x")\n',
            [],
            id="a revert someone sent is a fix, not a culprit",
        ),
        pytest.param(
            "Many of the alpha ones seems to be brought by your commit e19d4ebc536d \n"
            '("alpha: add ioread64")\n',
            [("e19d4ebc536d", "alpha: add ioread64", "inline")],
            id="brought by your commit",
        ),
        pytest.param(
            "Bisection blames merge commit be2bf9967daa (\"Merge branch 'for-next'\").\n",
            [("be2bf9967daa", "Merge branch 'for-next'", "inline")],
            id="bisection blames a merge commit",
        ),
        pytest.param(
            'Adding bpf as it\'s from d68d707dcbbf ("ice: XDP hints") which is on bpf-next\n',
            [("d68d707dcbbf", "ice: XDP hints", "inline")],
            id="it's from <sha>",
        ),
        pytest.param(
            'This solves a merge conflict between perf tree commit f7a858bffcdd ("tools:\n'
            'Rename x") and bpf-next tree commit 9fd496848b1c\n("bpftool: y").\n',
            [
                ("f7a858bffcdd", "tools: Rename x", "caused-by"),
                ("9fd496848b1c", "bpftool: y", "interacting"),
            ],
            id="a merge conflict between two trees' commits",
        ),
        pytest.param(
            "Looks like the driver itself came from:\n\n"
            "commit 2afbf43a4aec6e31dac7835e65d52c867f2be400\nAuthor: A <a@x>\n"
            "Date:   Fri Apr 7 13:50:26 2023 +0300\n\n    soc: qcom: Make ICE a driver\n",
            [
                (
                    "2afbf43a4aec6e31dac7835e65d52c867f2be400",
                    "soc: qcom: Make ICE a driver",
                    "git-show",
                )
            ],
            id="a pasted commit the problem came from",
        ),
        pytest.param(
            'Caused by commit\n\n  0123456789ab ("a: one")\n\nmerging badly with commit\n\n'
            '  abcdef012345 ("b: two")\n\nfrom the net tree.\n',
            [("0123456789ab", "a: one", "caused-by"), ("abcdef012345", "b: two", "interacting")],
            id="merging badly with commit",
        ),
        pytest.param(
            'Subject: [PATCH] fix up for "a: one"\n\nineracting with commit\n\n'
            '  abcdef012345 ("b: two")\n',
            [("abcdef012345", "b: two", "interacting")],
            id="interacting misspelt, in a fix-up's description",
        ),
        pytest.param(
            'This is caused by commit 0123456789ab ("a: one") or abcdef012345 ("b: two").\n',
            [("0123456789ab", "a: one", "inline"), ("abcdef012345", "b: two", "inline")],
            id="an inline alternative after 'or'",
        ),
        pytest.param(
            "Probably introduced by 0123456789ab and commit abcdef012345.\n",
            [("0123456789ab", None, "inline"), ("abcdef012345", None, "inline")],
            id="an inline list after 'and'",
        ),
        pytest.param(
            "Caused by commit 0123456789ab and fixed by abcdef012345.\n",
            [("0123456789ab", None, "inline")],
            id="'and' before other words than a commit ends the list",
        ),
        pytest.param(
            "This was caused by https://github.com/torvalds/linux/commit/"
            "0123456789abcdef0123456789abcdef01234567 I think.\n",
            [("0123456789abcdef0123456789abcdef01234567", None, "inline")],
            id="a commit named by its web page, inline",
        ),
        pytest.param(
            "The commit that fixes this is:\nhttps://git.kernel.org/x/commit/?id=0123456789ab\n",
            [],
            id="the commit that fixes it is no culprit",
        ),
        pytest.param(
            "Revering 0123456789ab made it build again.\n",
            [("0123456789ab", None, "reverted")],
            id="reverting misspelt, and the build cured",
        ),
        pytest.param(
            "Caused by commits\n\n    0123456789ab\n    abcdef012345\n\nBye\n",
            [("0123456789ab", None, "caused-by"), ("abcdef012345", None, "caused-by")],
            id="bare ids indented by four: no subject taken from the next",
        ),
        pytest.param(
            "It looks like either commit would do.\n",
            [],
            id="'looks like either' inside a sentence is no lead-in",
        ),
        pytest.param(
            "heh). If no proper merge can be found quickly, can\n"
            "0123456789ab be reverted in the meantime?\n",
            [("0123456789ab", None, "revert-suggested")],
            id="'can X be reverted', begun on the line before",
        ),
        pytest.param(
            "This is due to the lack of commit 0123456789ab in your tree.\n",
            [],
            id="a commit whose lack is the problem is no culprit",
        ),
        pytest.param(
            "The conflict of interest between these two is clear.\n\nThanks.\n",
            [],
            id="a conflict of something else",
        ),
        pytest.param(
            '> Caused by commit\n>\n>   0123456789ab ("quoted")\n',
            [],
            id="a quoted claim is not the author's",
        ),
        pytest.param(
            "commit 0123456789abcdef0123456789abcdef01234567\nAuthor: A <a@x>\n"
            "Date:   Mon\n\n    unrelated: subject\n",
            [],
            id="a pasted commit without blame is no culprit",
        ),
    ],
)
def test_crafted_culprits(body: str, expected) -> None:
    assert culprits(body) == expected


@pytest.mark.parametrize(
    ("sentence", "is_test"),
    [
        pytest.param(
            "Reverting this commit on top of next-20230726, fixes the problem",
            True,
            id="reverting this commit fixes",
        ),
        pytest.param(
            "Reverting the above patch fixes the qemu-i386 boot problem.",
            True,
            id="reverting the above patch fixes",
        ),
        pytest.param(
            "The warning goes away after reverting it.", True, id="goes away after reverting"
        ),
        pytest.param(
            "After those 2 commits reverted on the top of 0522 tree, it passed.",
            True,
            id="after the commits were reverted, it passed",
        ),
        pytest.param("I'll try reverting it and see.", False, id="a plan is not a result"),
        pytest.param("> Reverting this commit fixes it", False, id="quoted"),
        pytest.param('Revert "mm: something"', False, id="a revert patch's subject"),
    ],
)
def test_revert_tests(sentence: str, is_test: bool) -> None:
    assert bool(extract_revert_tests(LabelledBody(sentence))) is is_test


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("caused by " * 200_000, id="200,000 'caused by'"),
        pytest.param("revert " * 300_000, id="300,000 'revert'"),
        pytest.param("Caused by commit\n" * 100_000, id="100,000 intro lines"),
        pytest.param("a" * 1_000_000 + " is the first bad commit", id="a 1 MB word before it"),
        pytest.param(
            "conflict between commit 01234567 and " * 50_000, id="50,000 'conflict between'"
        ),
        pytest.param("I have reverted these for today:\n" * 50_000, id="50,000 revert lists"),
        pytest.param(
            "can\n" + "0123456789ab be reverted " * 50_000, id="a 1 MB line of revert forms"
        ),
        pytest.param("x " * 500_000 + "caused by\n", id="a 1 MB line before a lead-in"),
    ],
)
def test_culprits_are_linear(body: str) -> None:
    started = time.perf_counter()
    labelled = LabelledBody(body)
    extract_culprits(labelled)
    extract_revert_tests(labelled)
    assert time.perf_counter() - started < 1.0


PATCH_WITH_FIXES = """\
The pointer is freed twice.

Fixes: 10cbf8dfaf93 ("vhost-vdpa: clean iotlb map during reset")
Signed-off-by: A Author <a@example.org>
---
 drivers/vhost/vdpa.c | 1 +
 1 file changed, 1 insertion(+)

diff --git a/drivers/vhost/vdpa.c b/drivers/vhost/vdpa.c
index 0123456..89abcde 100644
--- a/drivers/vhost/vdpa.c
+++ b/drivers/vhost/vdpa.c
@@ -1,3 +1,4 @@
 a
+b
 c
 d
"""

FIXES_TAG_NOTICE = """\
Hi all,

In commit

  0123456789ab ("foo: bar")

Fixes tag

  Fixes: 27b3f8d13830 ("cxl/region: Program target lists")

has these problem(s):

  - Subject does not match target commit subject
"""


def _facts_culprits(subject: str, body: str) -> list[tuple[str, str]]:
    return [(c.commit, c.kind) for c in extract_facts(subject, body).culprits]


def test_a_patch_names_what_it_fixes_as_a_culprit_that_makes_no_report() -> None:
    facts = extract_facts("[PATCH] vhost-vdpa: fix use-after-free", PATCH_WITH_FIXES)
    assert [(c.commit, c.subject, c.kind) for c in facts.culprits] == [
        ("10cbf8dfaf93", "vhost-vdpa: clean iotlb map during reset", "fixes-tag")
    ]
    assert facts.classification is not None
    assert "names a culprit commit" not in {s.reason for s in facts.classification.signals}


def test_a_notice_about_a_malformed_fixes_tag_blames_nothing() -> None:
    subject = "linux-next: Fixes tag needs some work in the cxl tree"
    assert _facts_culprits(subject, FIXES_TAG_NOTICE) == []


def test_a_coverity_report_is_a_report_blaming_the_commit_its_fix_should_name() -> None:
    message = corpus_message("202301121424.5FA0483AB@keescook")
    facts = extract_facts(message.subject, message.body)
    assert [(c.commit, c.kind) for c in facts.culprits] == [("ec787deb2ddf", "fixes-tag")]
    assert facts.classification is not None and facts.classification.is_report
    assert facts.classification.kind == "static-analysis"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        pytest.param(
            "Re: [Bisected] [commit 2ad56efa80dba89162106c06ebc00b611325e584] WARNING at x.c",
            [("2ad56efa80dba89162106c06ebc00b611325e584", "subject")],
            id="a reply whose subject carries the bisection (the report may be elsewhere)",
        ),
        pytest.param(
            "Re: [EXT] [Bisected] [efeda3bf912f] OOPS crash while performing a test",
            [("efeda3bf912f", "subject")],
            id="the bisected id without the word commit",
        ),
        pytest.param(
            "Re: boot failure caused by commit 0123456789ab", [], id="other reply subjects: no"
        ),
    ],
)
def test_culprits_in_subjects(subject: str, expected) -> None:
    assert _facts_culprits(subject, "Thanks.\n") == expected
