"""Build failures: diagnostics, targets and signatures, over real linux-next reports."""

from __future__ import annotations

import time

import pytest

from regtrack.extract.buildfail import extract_build_failure, parse_diagnostic
from regtrack.extract.quoting import LabelledBody
from tests.extract.corpus import corpus_message


def failure(body: str):
    return extract_build_failure(LabelledBody(body))


@pytest.mark.parametrize(
    ("msgid", "target", "first_error"),
    [
        pytest.param(
            "20230105104634.54cd6cd4@canb.auug.org.au",
            "x86_64 allmodconfig",
            ("make", "drivers/thermal/thermal_acpi.o", None),
            id="a file missing from the build (thermal tree)",
        ),
        pytest.param(
            "20230106111913.660c8983@canb.auug.org.au",
            "x86_64 allmodconfig",
            ("modpost", "drivers/block/pktcdvd.ko", "scsi_device_from_queue"),
            id="an undefined symbol at modpost (block tree)",
        ),
        pytest.param(
            "20230110202221.2e284ba0@canb.auug.org.au",
            "s390 allmodconfig",
            ("compiler", "drivers/s390/char/con3270.c", None),
            id="a compiler error (s390 tree)",
        ),
    ],
)
def test_real_build_failures(msgid: str, target: str, first_error) -> None:
    found = failure(corpus_message(msgid).body)
    assert found is not None and found.failed
    assert found.target == target
    error = next(d for d in found.diagnostics if d.severity == "error")
    assert (error.kind, error.file, error.symbol) == first_error


@pytest.mark.parametrize(
    ("msgid", "reported", "first"),
    [
        pytest.param(
            "20230117144747.37115c52@canb.auug.org.au",
            "failed",
            ("linker", "error", "arch/powerpc/crypto/p10_aes_gcm.o", None),
            id="a linker error after objtool warnings (crypto tree)",
        ),
        pytest.param(
            "20230125092416.44a98d6b@canb.auug.org.au",
            "failed",
            ("modpost", "error", None, None),
            id="FATAL: modpost (hwmon-staging tree)",
        ),
        pytest.param(
            "20230323141548.659479ef@canb.auug.org.au",
            "produced",
            ("docs", "error", "net/mac80211/sta_info.h", None),
            id="Sphinx, in a file a document includes (wireless-next tree)",
        ),
        pytest.param(
            "20230324154413.19cc78be@canb.auug.org.au",
            "produced",
            ("docs", "error", "kernel/kmod.c", None),
            id="kernel-doc cannot open a file (modules tree)",
        ),
        pytest.param(
            "20230324154929.32d232c4@canb.auug.org.au",
            "produced",
            ("kconfig", "warning", "arch/arm64/configs/defconfig", None),
            id="Kconfig override (qcom tree)",
        ),
        pytest.param(
            "20230602131229.3589f3bf@canb.auug.org.au",
            "produced",
            ("objtool", "warning", "drivers/input/tests/input_test.o", "input_test_init"),
            id="objtool (tip tree)",
        ),
        pytest.param(
            "20230622104810.30055fb1@canb.auug.org.au",
            "produced",
            ("dtc", "warning", "arch/arm/boot/dts/marvell/armada-390-db.dts", "spi_bus_reg"),
            id="a dtc check (arm-soc tree)",
        ),
        pytest.param(
            "20230726123230.525202b4@canb.auug.org.au",
            "produced",
            ("modpost", "warning", None, None),
            id="WARNING: modpost section mismatch (rcu tree)",
        ),
    ],
)
def test_other_build_tools_diagnostics(msgid: str, reported: str, first) -> None:
    found = failure(corpus_message(msgid).body)
    assert found is not None and found.reported == reported
    errors = [d for d in found.diagnostics if d.severity == "error"] or found.diagnostics
    assert (errors[0].kind, errors[0].severity, errors[0].file, errors[0].symbol) == first


def test_warnings_that_fail_the_build_count_as_failure() -> None:
    found = failure(corpus_message("20230113093358.45a00788@canb.auug.org.au").body)
    assert found is not None and found.reported == "failed" and found.failed
    assert {d.severity for d in found.diagnostics} == {"warning"}


def test_documentation_warnings_are_no_failure() -> None:
    found = failure(corpus_message("20230105141715.200223e0@canb.auug.org.au").body)
    assert found is not None and not found.failed
    assert found.target == "htmldocs"
    assert all(d.kind == "docs" for d in found.diagnostics)


def test_a_report_whose_log_was_lost_still_says_the_build_failed() -> None:
    # "today's linux-next build (x86_64\nallmodconfig) failed like this:" and nothing
    # after it: a failure of that target, with no diagnostic to show.
    found = failure(corpus_message("20230116110811.4d361c15@canb.auug.org.au").body)
    assert found is not None and found.failed and found.diagnostics == ()
    assert found.target == "x86_64 allmodconfig"
    other = failure(corpus_message("20230119092037.7fc4f401@canb.auug.org.au").body)
    assert other is not None and other.failed
    assert other.signature != found.signature  # two lost logs are no same failure


def test_a_warning_no_diagnostic_form_reads_is_still_a_warning() -> None:
    # "(native perf) produced this warning:" over "/bin/sh: 1: Syntax error: ..."
    found = failure(corpus_message("20230802095745.1738fcf7@canb.auug.org.au").body)
    assert found is not None and not found.failed and found.target == "native perf"


def test_a_docs_error_in_a_build_that_produced_warnings_wrapped_before_its_target() -> None:
    # "today's linux-next build\n(htmldocs) produced this warning:" over a Sphinx ERROR
    found = failure(corpus_message("20230704135149.014516c7@canb.auug.org.au").body)
    assert found is not None and found.reported == "produced" and not found.failed


def test_maintainers_warnings_of_the_docs_build() -> None:
    found = failure(corpus_message("20231212141208.42ece7fd@canb.auug.org.au").body)
    assert found is not None and not found.failed
    assert [(d.kind, d.file, d.line) for d in found.diagnostics] == [("docs", "MAINTAINERS", 27997)]


def test_a_build_logs_level_before_the_compilers_line() -> None:
    # Fedora's build log: "DEBUG: btf_dumper.c:838:25: error: ... \" (wrapped with "\")
    found = failure(corpus_message("20230412123636.2358949-1-tmricht@linux.ibm.com").body)
    assert found is not None and found.failed
    first = found.diagnostics[0]
    assert (first.file, first.line, first.message) == (
        "btf_dumper.c",
        838,
        "'__fallthrough' undeclared",
    )


@pytest.mark.parametrize(
    ("line", "kind", "severity", "file", "line_number", "symbol"),
    [
        pytest.param(
            "drivers/gpu/drm/x.c:12:5: error: implicit declaration of function 'y'",
            "compiler",
            "error",
            "drivers/gpu/drm/x.c",
            12,
            None,
            id="gcc error",
        ),
        pytest.param(
            "/builds/linux/include/linux/a.h:38:27: warning: 'v' may be used",
            "compiler",
            "warning",
            "include/linux/a.h",
            38,
            None,
            id="a build-directory prefix is dropped",
        ),
        pytest.param(
            "x.c:(.text+0x1cc): undefined reference to `i2c_find'",
            "linker",
            "error",
            "x.c",
            None,
            "i2c_find",
            id="an undefined reference",
        ),
        pytest.param(
            "sparc64-linux-ld: vmstat.c:(.text+0x2a98): undefined reference to `f'",
            "linker",
            "error",
            "vmstat.c",
            None,
            "f",
            id="a cross linker's prefix",
        ),
        pytest.param(
            "ld.lld: error: undefined symbol: i2c_find_device_by_fwnode",
            "linker",
            "error",
            None,
            None,
            "i2c_find_device_by_fwnode",
            id="lld",
        ),
        pytest.param(
            'ERROR: modpost: "kunit_running" [drivers/gpu/drm/vc4/vc4.ko] undefined!',
            "modpost",
            "error",
            "drivers/gpu/drm/vc4/vc4.ko",
            None,
            "kunit_running",
            id="modpost",
        ),
        pytest.param(
            "Documentation/ABI/testing/x:34: ERROR: Unexpected indentation.",
            "docs",
            "error",
            "Documentation/ABI/testing/x",
            34,
            None,
            id="sphinx",
        ),
        pytest.param(
            "include/drm/x.h:560: warning: Cannot understand  * @f: x",
            "docs",
            "warning",
            "include/drm/x.h",
            560,
            None,
            id="kernel-doc has no column",
        ),
        pytest.param(
            "Error: arch/arm/boot/dts/a.dtsi:265.20-21 syntax error",
            "dtc",
            "error",
            "arch/arm/boot/dts/a.dtsi",
            265,
            None,
            id="dtc",
        ),
        pytest.param(
            "arch/x86/kernel/cpu/x.c:12:5: error: y",
            "compiler",
            "error",
            "arch/x86/kernel/cpu/x.c",
            12,
            None,
            id="a path in the tree keeps its arch/ part",
        ),
        pytest.param(
            "<stdin>:1567:2: warning: #warning syscall cachestat not implemented [-Wcpp]",
            "compiler",
            "warning",
            "<stdin>",
            1567,
            None,
            id="the compiler reading stdin",
        ),
        pytest.param(
            "lib/a.o: warning: objtool: f_init+0x1cb: stack state mismatch: cfa1=4+64",
            "objtool",
            "warning",
            "lib/a.o",
            None,
            "f_init",
            id="objtool, in a function",
        ),
        pytest.param(
            "kernel/head_64.o: warning: objtool: .text+0x6128: unannotated intra-function call",
            "objtool",
            "warning",
            "kernel/head_64.o",
            None,
            None,
            id="objtool, in a section",
        ),
        pytest.param(
            "WARNING: modpost: vmlinux: section mismatch in reference: f+0x22 (section: .text)",
            "modpost",
            "warning",
            None,
            None,
            None,
            id="a modpost warning",
        ),
        pytest.param(
            "FATAL: modpost: drivers/hwmon/x: struct of_device_id is not terminated",
            "modpost",
            "error",
            None,
            None,
            None,
            id="a fatal modpost error",
        ),
        pytest.param(
            "Documentation/gpu/i915:64: /home/sfr/next/next/drivers/gpu/a.c:32: WARNING: Inline",
            "docs",
            "warning",
            "drivers/gpu/a.c",
            32,
            None,
            id="sphinx names the included file after the document",
        ),
        pytest.param(
            "Documentation/ELF/ELF.rst: WARNING: document isn't included in any toctree",
            "docs",
            "warning",
            "Documentation/ELF/ELF.rst",
            None,
            None,
            id="sphinx, for a whole document",
        ),
        pytest.param(
            "docutils.utils.SystemMessage: /home/sfr/next/next/Documentation/a.rst:34: "
            "(SEVERE/4) Missing matching underline for section title overline.",
            "docs",
            "error",
            "Documentation/a.rst",
            34,
            None,
            id="sphinx, a severe error",
        ),
        pytest.param(
            "Error: Cannot open file /home/sfr/next/next/drivers/gpu/drm/drm_gpuva_mgr.c",
            "docs",
            "error",
            "drivers/gpu/drm/drm_gpuva_mgr.c",
            None,
            None,
            id="kernel-doc cannot open a file",
        ),
        pytest.param(
            "arch/arm64/configs/defconfig:989:warning: override: reassigning to symbol TYPEC",
            "kconfig",
            "warning",
            "arch/arm64/configs/defconfig",
            989,
            None,
            id="kconfig",
        ),
        pytest.param(
            "arch/arm/boot/dts/a.dts:84.10-106.4: Warning (spi_bus_reg): /soc/spi@1: bad address",
            "dtc",
            "warning",
            "arch/arm/boot/dts/a.dts",
            84,
            "spi_bus_reg",
            id="a dtc check",
        ),
        pytest.param(
            "ld: arch/powerpc/crypto/a.o: ABI version 1 is not compatible with ABI version 2",
            "linker",
            "error",
            "arch/powerpc/crypto/a.o",
            None,
            None,
            id="the linker's own error",
        ),
    ],
)
def test_parse_diagnostic(line, kind, severity, file, line_number, symbol) -> None:
    diagnostic = parse_diagnostic(line)
    assert diagnostic is not None
    assert (
        diagnostic.kind,
        diagnostic.severity,
        diagnostic.file,
        diagnostic.line,
        diagnostic.symbol,
    ) == (kind, severity, file, line_number, symbol)


@pytest.mark.parametrize(
    "line",
    [
        "build: arch/x86 fine",
        "Error: something went wrong in a script",
        "old: value",
        "a.c: WARNING: not a kernel-doc line",
    ],
)
def test_lines_that_are_no_diagnostic(line: str) -> None:
    assert parse_diagnostic(line) is None


def test_signature_ignores_line_numbers_and_configs() -> None:
    one = failure(
        "today's linux-next build (x86_64 allmodconfig) failed like this:\n\n"
        "a/b.c:12:5: error: 'x' undeclared (first use in this function)\n"
    )
    other = failure(
        "today's linux-next build (arm64 defconfig) failed like this:\n\n"
        "a/b.c:40:9: error: 'x' undeclared (first use in this function)\n"
    )
    assert one is not None and other is not None and one.signature == other.signature


def test_quoted_diagnostics_are_not_the_authors() -> None:
    assert failure("> a/b.c:12:5: error: broken\nthanks\n") is None


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("a.c:1:1: error: x\n" * 200_000, id="200,000 errors"),
        pytest.param("x" * 1_000_000 + ": error: y\n", id="a 1 MB line"),
        pytest.param("ld: " * 250_000, id="a 1 MB line of linker prefixes"),
        pytest.param(
            "Documentation/a:1: " * 50_000 + "x.c:1: WARNING: y", id="a 1 MB chain of includes"
        ),
        pytest.param("Error: Cannot open file " + "a" * 1_000_000, id="a 1 MB file name"),
    ],
)
def test_build_failures_are_linear(body: str) -> None:
    started = time.perf_counter()
    failure(body)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("body", "first", "failed"),
    [
        pytest.param(
            "make[1]: *** Deleting file 'util/bpf_skel/vmlinux.h'\n"
            "make[1]: *** [Makefile.perf:1075: /home/sfr/next/perf/util/bpf_skel/vmlinux.h] "
            "Error 195\nmake: *** [Makefile.perf:236: sub-make] Error 2\n",
            ("make", "error", "/home/sfr/next/perf/util/bpf_skel/vmlinux.h", None),
            True,
            id="a make-only failure",
        ),
        pytest.param(
            "gcc: error: unrecognized command-line option '-mno-fdpic'\n",
            ("driver", "error", None, "gcc"),
            True,
            id="the compiler driver's own error",
        ),
        pytest.param(
            "error[E0425]: cannot find value `x` in this scope\n"
            "  --> rust/kernel/sync/arc.rs:12:5\n   |\n12 |     x\n",
            ("rustc", "error", "rust/kernel/sync/arc.rs", "E0425"),
            True,
            id="a rustc error with its file below",
        ),
        pytest.param(
            "error: the following would cause module name conflict:\n"
            "  drivers/soc/qcom/ice.ko\n  drivers/net/ethernet/intel/ice/ice.ko\n",
            ("kbuild", "error", None, None),
            True,
            id="kbuild's own error",
        ),
        pytest.param(
            "Traceback (most recent call last):\n"
            '  File "tools/net/ynl/ynl-gen-c.py", line 2563, in <module>\n    main()\n'
            "KeyError: 'attribute-sets'\nmake[2]: Nothing to be done\n",
            ("python", "error", "tools/net/ynl/ynl-gen-c.py", "KeyError"),
            True,
            id="a Python traceback from a tool of the build",
        ),
        pytest.param(
            "Warning: Kernel ABI header at 'tools/include/uapi/linux/kvm.h' differs from latest "
            "version at 'include/uapi/linux/kvm.h'\n",
            ("header-check", "warning", "tools/include/uapi/linux/kvm.h", None),
            False,
            id="a tools/ header check is a warning",
        ),
        pytest.param(
            "on risc-v 32-bit:\n\nWARNING: unmet direct dependencies detected for DRM_TTM\n"
            "  Depends on [n]: HAS_IOMEM [=y] && DRM [=y] && MMU [=n]\n  Selected by [y]:\n"
            "  - DRM_TTM_KUNIT_TEST [=y] && HAS_IOMEM [=y] && DRM [=y] && KUNIT [=y]\n",
            ("kconfig", "warning", None, "DRM_TTM"),
            False,
            id="Kconfig selects a symbol whose dependencies are unmet: a warning",
        ),
        pytest.param(
            "on riscv 32-bit:\n\n../fs/afs/callback.c: Assembler messages:\n"
            "../fs/afs/callback.c:82: Error: unrecognized opcode `amoswap.d.aqrl a3,a4,0(a3)'\n",
            ("assembler", "error", "fs/afs/callback.c", None),
            True,
            id="the assembler's error",
        ),
    ],
)
def test_build_tools_beyond_the_compiler(body: str, first, failed: bool) -> None:
    found = failure(body)
    assert found is not None
    d = found.diagnostics[0]
    assert (d.kind, d.severity, d.file, d.symbol) == first
    assert found.failed is failed


def test_a_build_failure_titled_mail_with_only_docs_warnings_is_no_failure() -> None:
    """A report says the htmldocs build "failed like this" but shows only warnings."""
    body = (
        "After merging the x tree, today's linux-next build (htmldocs) failed like this:\n\n"
        "Documentation/driver-api/x.rst:12: WARNING: Unexpected indentation.\n"
    )
    found = failure(body)
    assert found is not None and found.reported == "failed" and not found.failed


def test_a_bare_warning_line_alone_is_no_diagnostic() -> None:
    assert failure("warning: this is prose about a warning\n") is None
