"""Build failures: compiler, linker, modpost, make, rustc and documentation diagnostics.

linux-next's reports say what was built ("today's linux-next build (x86_64
allmodconfig) failed like this:") and paste the diagnostics: compiler
``file:line:col: error: message``, linker ``undefined reference to `sym'``
or ``ld.lld: error: undefined symbol: sym``, ``ERROR: modpost: "sym"
[module.ko] undefined!``, and Sphinx ``Documentation/...:N: WARNING: ...``.
A failure is reduced to a signature (its first error's kind, file and
symbol or message, numbers masked) so the same failure reported for other
configurations or on other days is recognised.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass

from regtrack.extract.quoting import LabelledBody, Origin
from regtrack.extract.stems import register

MAX_DIAGNOSTICS = 50  # a build log can hold thousands; the first ones tell
# Lines looked at for them: a log of a million "Error: " lines stays cheap.
MAX_CANDIDATE_LINES = 20 * MAX_DIAGNOSTICS
_STEMS = register(
    (
        ": error: ",
        ": warning: ",
        ": fatal error: ",
        "undefined reference to",
        "undefined symbol",
        "ERROR: modpost:",
        "WARNING: modpost:",
        "FATAL: modpost:",
        ": ERROR: ",
        ": WARNING: ",
        "No rule to make target",
        "Error: ",
        ":warning: ",  # Kconfig: "defconfig:989:warning: override: ..."
        ": Warning (",  # dtc: "a.dts:84.10-106.4: Warning (spi_bus_reg): ..."
        ": Error (",
        "SystemMessage: ",  # Sphinx: "docutils.utils.SystemMessage: a.rst:34: (SEVERE/4) ..."
        "ld: ",  # a linker's own error: "ld: a.o: ABI version 1 is not compatible ..."
        "*** [",  # make: "make[1]: *** [Makefile.perf:1075: a/vmlinux.h] Error 195"
        "Warning: Kernel ABI header",  # tools/ header check
        "Traceback (most recent call last)",  # a Python tool of the build
        "WARNING: unmet direct dependencies detected for ",  # Kconfig's select
    )
)
# Lines that begin a diagnostic at the start of the line; their stems at the start of a
# line are rare in prose, so they are found with the others and checked here.
_LINE_START_STEMS = register(("error[E", "error: ", "warning: "))
# A build directory ("/builds/linux/", "/home/sfr/next/next/", "../") before a
# path in the kernel tree; and a count column in front (KernelCI's summaries).
# A build directory is absolute or relative ("../"): "arch/x86/kernel/a.c"
# is a path in the tree and keeps its "arch/x86/".
_BUILD_PREFIX = re.compile(
    r"^(?:\s*\d+\s{2,})?(?:[/.]\S{0,200}?/(?=(?:arch|block|certs|crypto|Documentation|drivers|fs"
    r"|include|init|io_uring|ipc|kernel|lib|mm|net|rust|samples|scripts|security|sound|tools"
    r"|usr|virt)/))?"
)
_COMPILER = re.compile(
    r"^(?P<file><stdin>|[\w./+-]{1,300}?\.(?:c|h|S|s|rs|dts|dtsi|lds|y|l|py\.in)):(?P<line>\d{1,7}):"
    r"(?P<column>\d{1,5}:)? (?P<severity>error|warning|fatal error): (?P<message>.{1,500})$"
)
_UNDEFINED_REFERENCE = re.compile(
    r"(?:^|: )(?P<file>[\w./+-]{1,300}\.(?:o|c|S))?:?(?:\([\w.]{1,100}(?:\+0x[0-9a-f]{1,16})?\))?:?"
    r" ?undefined reference to [`'](?P<symbol>[^'`\s]{1,200})'"
)
_UNDEFINED_SYMBOL = re.compile(r"ld(?:\.lld)?: error: undefined symbol: (?P<symbol>\S{1,200})")
_MODPOST = re.compile(
    r"(?P<level>ERROR|WARNING|FATAL): modpost: (?:\"(?P<symbol>[^\"]{1,200})\" "
    r"\[(?P<module>[^\]]{1,200})\] undefined!|(?P<message>.{1,300}))"
)
# Sphinx names the document being built, then the file it included:
# "Documentation/gpu/i915:64: drivers/gpu/drm/i915/x.c:32: WARNING: ...".
# The included file is where the fault is.
_DOC_INCLUDED_FROM = re.compile(
    r"Documentation/[\w./+-]{1,300}:\d{1,7}: (?=[\w./+-]{1,300}:\d{1,7}: )"
)
_DOCS = re.compile(
    # MAINTAINERS too: the docs build includes it ("MAINTAINERS:27997: WARNING: unknown document")
    r"^(?P<file>Documentation/[\w./+-]{1,300}|MAINTAINERS|[\w./+-]{1,300}\.(?:rst|h|c))"
    r":(?P<line>\d{1,7}):"
    r" (?P<severity>ERROR|WARNING): (?P<message>.{1,500})$"
)
# About a whole document: "Documentation/a.rst: WARNING: document isn't included ..."
_DOCUMENT = re.compile(
    r"^(?P<file>Documentation/[\w./+-]{1,300}): (?P<severity>ERROR|WARNING): (?P<message>.{1,500})$"
)
_SPHINX_SEVERE = re.compile(
    r"SystemMessage: (?P<file>[\w./+-]{1,300}):(?P<line>\d{1,7}): \((?P<level>SEVERE|ERROR|WARNING)"
    r"/\d\) (?P<message>.{1,500})$"
)
_KERNEL_DOC_MISSING = re.compile(r"^Error: Cannot open file (?P<file>[\w./+-]{1,300})$")
_OBJTOOL = re.compile(
    r"^(?P<file>[\w./+-]{1,300}\.o): (?P<severity>warning|error): objtool: "
    r"(?:(?P<symbol>[A-Za-z_][\w.$]{0,200})\+0x[0-9a-f]{1,16}: )?(?P<message>.{1,500})$"
)
_KCONFIG = re.compile(
    r"^(?P<file>[\w./+-]{1,300}):(?P<line>\d{1,7}):(?P<severity>warning|error): "
    r"(?P<message>.{1,500})$"
)
# The assembler, under "file.c: Assembler messages:": "../fs/afs/callback.c:82: Error:
# unrecognized opcode `amoswap.d.aqrl a3,a4,0(a3)'".
_ASSEMBLER = re.compile(
    r"^(?P<file>[\w./+-]{1,300}\.(?:c|h|S|s)):(?P<line>\d{1,7}): Error: (?P<message>.{1,500})$"
)
# Kconfig: a symbol selected while its own dependencies are unmet ("WARNING: unmet
# direct dependencies detected for DRM_TTM"); the configuration still builds.
_KCONFIG_UNMET = re.compile(
    r"^WARNING: unmet direct dependencies detected for (?P<symbol>\w{1,200})"
)
_DTC_CHECK = re.compile(
    r"^(?P<file>[\w./+-]{1,300}\.dts[io]?):(?P<line>\d{1,7})[.\d-]*: (?P<severity>Warning|Error)"
    r" \((?P<check>[\w-]{1,80})\): (?P<message>.{1,500})$"
)
_LINKER = re.compile(
    r"^(?:[\w.-]{1,60}-)?ld(?:\.lld|\.bfd)?: (?P<warning>warning: )?"
    r"(?:(?P<file>[\w./+-]{1,300}\.o): )?(?P<message>.{1,300})$"
)
_MAKE = re.compile(r"\*\*\* No rule to make target '(?P<file>[^']{1,300})'(?P<rest>.{0,300})$")
# "make[4]: *** [scripts/Makefile.build:243: drivers/x/y.o] Error 1"
_MAKE_ERROR = re.compile(
    r"^(?:g?make(?:\[\d{1,3}\])?): \*\*\* \[(?:[^\]:]{1,300}:\d{1,7}: )?(?P<target>[^\]]{1,300})\]"
    r" (?P<message>Error \d{1,4})"
)
# The compiler driver's own complaint, with no file: "gcc: error: unrecognized
# command-line option '-mx'", "cc1: all warnings being treated as errors".
_DRIVER = re.compile(
    r"^(?:[\w.-]{1,60}-)?(?P<tool>gcc|g\+\+|clang|cc1|cc1plus|as|rustc)(?:-[\d.]{1,10})?: "
    r"(?P<severity>error|fatal error|warning): (?P<message>.{1,500})$"
)
# kbuild's and rustc's own "error: ..." at the start of a line (rustc names the file on a
# "  --> file:line:col" line below, read by _rust_location).
_BARE = re.compile(r"^(?P<severity>error|warning)(?:\[(?P<code>E\d{4})\])?: (?P<message>.{1,500})$")
_RUST_AT = re.compile(r"^\s*--> (?P<file>[\w./+-]{1,300}\.rs):(?P<line>\d{1,7}):\d{1,5}\s*$")
# perf's check of the headers it copies: a warning, never a failure.
_HEADER_CHECK = re.compile(
    r"^Warning: Kernel ABI header (?:at|differs)[^']{0,40}'(?P<file>[^']{1,300})'"
)
_PYTHON_ERROR = re.compile(
    r"^(?P<exception>[A-Za-z_][\w.]{0,100}(?:Error|Exception)): (?P<message>.{0,500})$"
)
_DTC = re.compile(
    r"^Error: (?P<file>[\w./+-]{1,300}\.dtsi?):(?P<line>\d{1,7})[.\d-]* (?P<message>.{1,300})$"
)
# A build system's log level before the compiler's line: Fedora's build logs print
# "DEBUG: btf_dumper.c:838:25: error: ...".
_LOG_PREFIX = re.compile(r"^(?:DEBUG|INFO|NOTICE): ")
# "today's linux-next build (x86_64\nallmodconfig) failed like this:", "build\n(htmldocs)
# produced this warning:"
_TARGET = re.compile(r"build\s+\(([\w\s.+/-]{2,80}?)\)\s+(failed|produced)")  # literal first
_NUMBERS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class BuildDiagnostic:
    kind: str  # compiler, linker, modpost, docs, make, dtc
    severity: str  # error, warning
    file: str | None
    line: int | None
    symbol: str | None
    message: str


@dataclass(frozen=True, slots=True)
class BuildFailure:
    """What a message says failed to build, for what target, and a signature."""

    target: str | None  # "x86_64 allmodconfig", "htmldocs"
    diagnostics: tuple[BuildDiagnostic, ...]
    signature: str

    reported: str | None = None  # "failed" or "produced", as the report says

    @property
    def failed(self) -> bool:
        """The build failed, as the report says; else, when it does not say, errors.

        A report's own verdict wins: warnings fail a -Werror build ("failed
        like this"), and Sphinx's "ERROR:" lines do not fail an htmldocs build
        that "produced these warnings".
        """
        if self.reported is not None and not self._only_checks():
            return self.reported == "failed"
        return any(d.severity == "error" for d in self.diagnostics)

    def _only_checks(self) -> bool:
        """Only warnings of a documentation build or of perf's header check: no build
        fails of those, whatever the mail's title or sentence says.  (A kernel-doc line
        looks like a compiler warning without a column, so "docs" alone does not tell.)"""
        docs_build = "docs" in (self.target or "")
        return bool(self.diagnostics) and all(
            d.severity == "warning" and _a_check(d, docs_build) for d in self.diagnostics
        )


def _a_check(d: BuildDiagnostic, docs_build: bool) -> bool:
    if d.kind == "header-check":
        return True
    return d.kind == "docs" and (docs_build or (d.file or "").startswith("Documentation/"))


def extract_build_failure(body: LabelledBody) -> BuildFailure | None:
    """Build diagnostics in the author's own text, or None when there are none."""
    diagnostics: dict[BuildDiagnostic, None] = {}  # in order, once each
    lines_seen: set[str] = set()  # summaries repeat a diagnostic for every config
    starts = sorted(set(body.lines_containing(_STEMS)) | set(_line_starts(body)))
    for start in itertools.islice(starts, MAX_CANDIDATE_LINES):
        if body.span_at(start).origin is not Origin.OWN:
            continue
        line = body.line_at(start)
        if line in lines_seen:
            continue
        lines_seen.add(line)
        diagnostic = parse_diagnostic(line) or _multiline(body, start, line)
        if diagnostic is None and (prefix := _LOG_PREFIX.match(line)):
            diagnostic = parse_diagnostic(line[prefix.end() :].rstrip(" \\"))  # "\" wraps it
        if diagnostic is not None:
            diagnostics[diagnostic] = None
            if len(diagnostics) >= MAX_DIAGNOSTICS:
                break
    if not diagnostics:
        return _said_of_the_build(body)
    target = _TARGET.search(body.own_text(16 * 1024))
    found = tuple(diagnostics)
    return BuildFailure(
        target=" ".join(target.group(1).split()) if target else None,
        diagnostics=found,
        signature=_signature(found),
        reported=target.group(2) if target else None,
    )


# linux-next's build reports say "today's linux-next build (x86_64 allmodconfig) failed
# like this:" or "produced this warning:"; now and then the log after it is lost, or is
# output no diagnostic form here knows ("/bin/sh: 1: Syntax error: ...").
_SAID_OF_THE_BUILD = register(("failed like this", "produced this warning", "produced these warn"))


def _said_of_the_build(body: LabelledBody) -> BuildFailure | None:
    """A build the author's own sentence says failed or warned, no diagnostic read: a
    failure (or warning) of that target without diagnostics."""
    if not any(body.stems.contains(stem) for stem in _SAID_OF_THE_BUILD):
        return None
    own = body.own_text(16 * 1024)
    target = _TARGET.search(own)
    if target is None:
        return None
    # No diagnostic to tell one such failure from another: the signature is the mail's own
    # text, so that no two reports without logs are shown as the same failure.
    key = b"no log|" + own.encode("utf-8", "surrogatepass")
    return BuildFailure(
        target=" ".join(target.group(1).split()),
        diagnostics=(),
        signature=hashlib.sha1(key, usedforsecurity=False).hexdigest()[:16],
        reported=target.group(2),
    )


def _line_starts(body: LabelledBody) -> list[int]:
    """Lines that start with a bare ``error:``/``warning:`` (kbuild's, rustc's)."""
    return [
        start
        for start in body.lines_containing(_LINE_START_STEMS)
        if body.text.startswith(("error", "warning"), start)
    ]


def _multiline(body: LabelledBody, start: int, line: str) -> BuildDiagnostic | None:
    """Diagnostics told over several lines: rustc's (the file on a ``-->`` line below)
    and a Python traceback from a tool of the build (the exception on its last line)."""
    following = body.text[start : start + 8000].split("\n", 40)[1:40]
    if match := _BARE.match(line):
        for below in following[:3]:
            if at := _RUST_AT.match(below):
                return BuildDiagnostic(
                    "rustc", match.group("severity"), at.group("file"), int(at.group("line")),
                    match.group("code"), match.group("message").strip(),
                )  # fmt: skip
        if match.group("severity") == "error":  # kbuild: "error: the following would ..."
            return BuildDiagnostic("kbuild", "error", None, None, None, match.group("message"))
        return None
    if line.startswith("Traceback (most recent call last)"):
        files = [b.strip() for b in following if b.strip().startswith('File "')]
        for below in following:
            if found := _PYTHON_ERROR.match(below.strip()):
                where = files[-1].split('"')[1] if files else None
                return BuildDiagnostic(
                    "python", "error", where, None, found.group("exception"),
                    found.group("message").strip(),
                )  # fmt: skip
    return None


def parse_diagnostic(line: str) -> BuildDiagnostic | None:
    """One diagnostic line, or None when the line is not one."""
    line = _without_build_dir(line)
    if included := _DOC_INCLUDED_FROM.match(line):
        line = _without_build_dir(line[included.end() :])
    if match := _COMPILER.match(line):
        severity = "error" if "error" in match.group("severity") else "warning"
        # gcc and clang always print a column; kernel-doc (the docs build) does not.
        return BuildDiagnostic(
            "compiler" if match.group("column") else "docs",
            severity,
            match.group("file"),
            int(match.group("line")),
            None,
            match.group("message").strip(),
        )
    if match := _DOCS.match(line) or _DOCUMENT.match(line):
        number = match.groupdict().get("line")
        return BuildDiagnostic(
            "docs",
            match.group("severity").lower(),
            match.group("file"),
            int(number) if number else None,
            None,
            match.group("message").strip(),
        )
    # Each pattern below is tried only on lines holding its words: in KernelCI's
    # summaries most candidate lines are compiler lines, and four regex
    # searches of every other line cost more than all the rest.
    if "No rule to make target" in line and (match := _MAKE.search(line)):
        rest = match.group("rest").strip(" .,")
        return BuildDiagnostic(
            "make",
            "error",
            match.group("file"),
            None,
            None,
            f"No rule to make target{', ' + rest if rest else ''}",
        )
    if ": Error: " in line and (match := _ASSEMBLER.match(line)):
        return BuildDiagnostic(
            "assembler",
            "error",
            match.group("file"),
            int(match.group("line")),
            None,
            match.group("message").strip(),
        )
    if line.startswith("Error: ") and (match := _DTC.match(line)):
        return BuildDiagnostic(
            "dtc",
            "error",
            match.group("file"),
            int(match.group("line")),
            None,
            match.group("message").strip(),
        )
    if "modpost" in line and (match := _MODPOST.search(line)):
        severity = "warning" if match.group("level") == "WARNING" else "error"
        if match.group("symbol"):
            return BuildDiagnostic(
                "modpost",
                severity,
                match.group("module"),
                None,
                match.group("symbol"),
                "undefined symbol",
            )
        message = match.group("message").strip()
        return BuildDiagnostic("modpost", severity, None, None, None, message)
    if "objtool" in line and (match := _OBJTOOL.match(line)):
        return BuildDiagnostic(
            "objtool",
            match.group("severity"),
            match.group("file"),
            None,
            match.group("symbol"),
            match.group("message").strip(),
        )
    if ":warning: " in line and (match := _KCONFIG.match(line)):
        return BuildDiagnostic(
            "kconfig",
            match.group("severity"),
            match.group("file"),
            int(match.group("line")),
            None,
            match.group("message").strip(),
        )
    if line.startswith("WARNING: unmet") and (match := _KCONFIG_UNMET.match(line)):
        symbol = match.group("symbol")
        return BuildDiagnostic(
            "kconfig", "warning", None, None, symbol, f"unmet direct dependencies for {symbol}"
        )
    if " (" in line and (match := _DTC_CHECK.match(line)):
        return BuildDiagnostic(
            "dtc",
            match.group("severity").lower(),
            match.group("file"),
            int(match.group("line")),
            match.group("check"),
            match.group("message").strip(),
        )
    if line.startswith("Error: Cannot open file") and (match := _KERNEL_DOC_MISSING.match(line)):
        return BuildDiagnostic(
            "docs", "error", _without_build_dir(match.group("file")), None, None, "cannot open file"
        )
    if "SystemMessage: " in line and (match := _SPHINX_SEVERE.search(line)):
        return BuildDiagnostic(
            "docs",
            "warning" if match.group("level") == "WARNING" else "error",
            _without_build_dir(match.group("file")),
            int(match.group("line")),
            None,
            match.group("message").strip(),
        )
    if "undefined symbol" in line and (match := _UNDEFINED_SYMBOL.search(line)):
        return BuildDiagnostic(
            "linker", "error", None, None, match.group("symbol"), "undefined symbol"
        )
    if "undefined reference" in line and (match := _UNDEFINED_REFERENCE.search(line)):
        return BuildDiagnostic(
            "linker",
            "error",
            match.group("file"),
            None,
            match.group("symbol"),
            "undefined reference",
        )
    if "*** [" in line and (match := _MAKE_ERROR.match(line)):
        return BuildDiagnostic(
            "make", "error", _without_build_dir(match.group("target")), None, None,
            match.group("message"),
        )  # fmt: skip
    if "Kernel ABI header" in line and (match := _HEADER_CHECK.match(line)):
        return BuildDiagnostic(
            "header-check", "warning", match.group("file"), None, None, "header differs"
        )
    if ": " in line and (match := _DRIVER.match(line)):
        severity = "warning" if match.group("severity") == "warning" else "error"
        return BuildDiagnostic(
            "driver", severity, None, None, match.group("tool"), match.group("message").strip()
        )
    if "ld" in line and (match := _LINKER.match(line)):
        return BuildDiagnostic(
            "linker",
            "warning" if match.group("warning") else "error",
            match.group("file"),
            None,
            None,
            match.group("message").strip(),
        )
    return None


def _without_build_dir(text: str) -> str:
    """``text`` from its path in the kernel tree on: no build directory, no count column."""
    return text[_BUILD_PREFIX.match(text).end() :]  # type: ignore[union-attr]


def _signature(diagnostics: tuple[BuildDiagnostic, ...]) -> str:
    """From the first error (else the first warning): kind, file, symbol or message."""
    first = next((d for d in diagnostics if d.severity == "error"), diagnostics[0])
    detail = first.symbol or _NUMBERS.sub("N", first.message)
    key = f"{first.kind}|{first.severity}|{first.file or ''}|{detail}"
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16]
