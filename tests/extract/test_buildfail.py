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


def test_warnings_that_fail_the_build_count_as_failure() -> None:
    found = failure(corpus_message("20230113093358.45a00788@canb.auug.org.au").body)
    assert found is not None and found.reported == "failed" and found.failed
    assert {d.severity for d in found.diagnostics} == {"warning"}


def test_documentation_warnings_are_no_failure() -> None:
    found = failure(corpus_message("20230105141715.200223e0@canb.auug.org.au").body)
    assert found is not None and not found.failed
    assert found.target == "htmldocs"
    assert all(d.kind == "docs" for d in found.diagnostics)


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
    ],
)
def test_build_failures_are_linear(body: str) -> None:
    started = time.perf_counter()
    failure(body)
    assert time.perf_counter() - started < 1.0
