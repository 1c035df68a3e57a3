"""Fixes that link nothing: a patch crediting the reporter that changes the file the report
names, and a patch whose Fixes: names the culprit.

Real mail written here, ingested into a real SQLite file; the invariance tests store the
same mails one per ingest in every order and compare with one ``update_all``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from regtrack.state import update_all
from regtrack.store import Store
from tests.state.mailthreads import (
    MAINTAINER,
    REPORTER,
    Mail,
    ingest_mails,
    mail,
    opened,
    patch_body,
    record,
    snapshot,
)

CULPRIT = "4e29dd9708cbd1c4f1e6a2b3c4d5e6f708192a3b"


def gcc_error(path: str = "drivers/foo/foo.c") -> str:
    return (
        f"{path}: In function 'foo_probe':\n"
        f"{path}:42:9: error: implicit declaration of function 'bar_init' "
        "[-Werror=implicit-function-declaration]\n"
        "   42 |         bar_init(foo);\n      |         ^~~~~~~~\n"
    )


def build_report(
    msgid: str = "build-report@example.org",
    *,
    diagnostic: str | None = None,
    hours: float = 0,
    sender: str = REPORTER,
    extra: str = "",
) -> Mail:
    """A linux-next build failure report whose diagnostic (a gcc error in
    drivers/foo/foo.c unless given) names the file at fault."""
    body = (
        "Hi all,\n\nAfter merging the foo tree, today's linux-next build (x86_64\n"
        f"allmodconfig) failed like this:\n\n{diagnostic or gcc_error()}\n"
        f'Caused by commit\n\n  {CULPRIT[:12]} ("foo: use bar")\n\n{extra}'
        "I have used the foo tree from next-20230709 for today.\n"
    )
    subject = "linux-next: build failure after merge of the foo tree"
    return mail(msgid, body, subject=subject, sender=sender, hours=hours)


def fix_patch(
    msgid: str = "fix@example.org",
    *,
    path: str = "drivers/foo/foo.c",
    credit: str | None = REPORTER,
    fixes: str | None = None,
    hours: float = 30,
    title: str = "foo: include bar.h",
) -> Mail:
    """A standalone patch (no link to any report) changing ``path``."""
    trailers = ""
    if fixes:
        trailers += f'Fixes: {fixes} ("foo: use bar")\n'
    if credit:
        trailers += f"Reported-by: {credit}\n"
    body = patch_body(path).replace("Signed-off-by:", trailers + "Signed-off-by:", 1)
    return mail(msgid, body, subject=f"[PATCH] {title}", hours=hours)


def fix_mails(store: Store, report: Mail) -> list[tuple[str, str]]:
    return [(f["msgid"], f["how"]) for f in record(store, report).fix_mails]


def test_a_patch_crediting_the_reporter_that_changes_the_failing_file_is_a_fix(
    store: Store, tmp_path: Path
) -> None:
    report, patch = build_report(), fix_patch()
    ingest_mails(store, tmp_path, report, patch)
    regression = record(store, report)
    assert regression.status == "fix-posted"
    assert fix_mails(store, report) == [("fix@example.org", "credits-reporter")]
    evidence = regression.fix_mails[0]["evidence"]
    assert "ada@example.org" in evidence and "drivers/foo/foo.c" in evidence


@pytest.mark.parametrize(
    ("diagnostic", "changed"),
    [
        (
            "make[4]: *** No rule to make target 'drivers/foo/foo.o', needed by "
            "'drivers/foo/built-in.a'.  Stop.\n",
            "drivers/foo/foo.c",
        ),
        (gcc_error("../drivers/foo/foo.c"), "drivers/foo/foo.c"),
        (gcc_error("drivers/media/foo/foo-core.c"), "drivers/media/foo/Kconfig"),
    ],
    ids=["an object file", "an out-of-tree build's path", "the same directory"],
)
def test_the_file_agrees_whatever_its_suffix_or_in_its_directory(
    store: Store, tmp_path: Path, diagnostic: str, changed: str
) -> None:
    report = build_report(diagnostic=diagnostic)
    ingest_mails(store, tmp_path, report, fix_patch(path=changed))
    assert fix_mails(store, report) == [("fix@example.org", "credits-reporter")]


@pytest.mark.parametrize(
    ("patch", "why"),
    [
        (fix_patch(path="drivers/other/other.c"), "another file"),
        (fix_patch(path="drivers/Makefile"), "a directory too general"),
        (fix_patch(credit="Someone Else <else@example.org>"), "crediting someone else"),
        (fix_patch(credit=None), "crediting nobody"),
        (fix_patch(hours=24 * 91), "more than 90 days later"),
        (fix_patch(hours=-5), "posted before the report"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_credit_without_the_file_or_out_of_time_is_no_fix(
    store: Store, tmp_path: Path, patch: Mail, why: str
) -> None:
    report = build_report(hours=0)
    ingest_mails(store, tmp_path, report, patch)
    assert fix_mails(store, report) == [], why
    assert record(store, report).status == "open"


def test_a_header_every_file_includes_is_no_evidence(store: Store, tmp_path: Path) -> None:
    report = build_report(diagnostic=gcc_error("include/linux/compiler_types.h"))
    ingest_mails(store, tmp_path, report, fix_patch(path="include/linux/pwm.h"))
    assert fix_mails(store, report) == []


def test_a_later_report_of_the_same_person_naming_the_file_takes_the_patch(
    store: Store, tmp_path: Path
) -> None:
    """A reporter's build logs list warnings again and again: the patch answers the latest
    report before it that names its file, not every one."""
    first = build_report("first@example.org", hours=0)
    second = build_report("second@example.org", hours=24)
    patch = fix_patch(hours=30)
    ingest_mails(store, tmp_path, first, second, patch)
    assert fix_mails(store, first) == []
    assert fix_mails(store, second) == [("fix@example.org", "credits-reporter")]


def test_whom_the_report_asks_to_credit_counts_as_the_reporter(
    store: Store, tmp_path: Path
) -> None:
    """LKFT's reports carry "Reported-by: Linux Kernel Functional Testing <lkft@...>"
    for the fix to copy; the fix credits the service, not the person who wrote."""
    service = "Linux Kernel Functional Testing <lkft@example.org>"
    report = build_report(
        sender="Naresh Tester <naresh@example.org>", extra=f"Reported-by: {service}\n\n"
    )
    patch = fix_patch(credit=service)
    ingest_mails(store, tmp_path, report, patch)
    assert fix_mails(store, report) == [("fix@example.org", "credits-reporter")]


def test_a_crash_line_names_the_file(store: Store, tmp_path: Path) -> None:
    body = (
        "Hi,\n\nBooting next-20230710 warns:\n\n"
        "WARNING: CPU: 0 PID: 1 at drivers/foo/foo.c:1604 foo_probe+0xa2d/0xe80\n"
        "Modules linked in:\nCPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.5.0-rc1-next-20230710\n"
        "RIP: 0010:foo_probe+0xa2d/0xe80\nCall Trace:\n <TASK>\n foo_init+0x12/0x40\n"
        " do_one_initcall+0x5a/0x2e0\n </TASK>\n"
    )
    report = mail(
        "warn@example.org", body, subject="[REGRESSION] WARNING in foo_probe", sender=REPORTER
    )
    ingest_mails(store, tmp_path, report, fix_patch())
    assert fix_mails(store, report) == [("fix@example.org", "credits-reporter")]


def test_a_patch_with_fixes_on_the_culprit_that_credits_the_reporter_is_a_fix(
    store: Store, tmp_path: Path
) -> None:
    report = build_report()
    patch = fix_patch(path="lib/elsewhere.c", fixes=CULPRIT[:12])
    ingest_mails(store, tmp_path, report, patch)
    assert fix_mails(store, report) == [("fix@example.org", "fixes-culprit")]
    assert "Reported-by: names the reporter" in record(store, report).fix_mails[0]["evidence"]


def test_two_patches_with_fixes_on_the_culprit_and_nothing_more_are_notes(
    store: Store, tmp_path: Path
) -> None:
    """One culprit can cause several regressions: which of two such patches fixes this
    one, nothing says."""
    report = build_report()
    one = fix_patch("one@example.org", path="lib/a.c", credit=None, fixes=CULPRIT, title="a: x")
    two = fix_patch("two@example.org", path="lib/b.c", credit=None, fixes=CULPRIT[:8], title="b: y")
    ingest_mails(store, tmp_path, report, one, two)
    regression = record(store, report)
    assert fix_mails(store, report) == []
    notes = [event for event in regression.events if event.kind == "note"]
    assert len(notes) == 2


def test_the_rules_give_the_same_records_in_any_order_of_ingest(tmp_path: Path) -> None:
    mails = [
        build_report("first@example.org", hours=0),
        build_report("second@example.org", hours=24),
        fix_patch(hours=30),
        fix_patch("fixes@example.org", path="lib/x.c", credit=None, fixes=CULPRIT, hours=40),
    ]
    with opened(tmp_path / "all.db") as store:
        ingest_mails(store, tmp_path, *mails)
        expected = snapshot(store)
        assert fix_mails(store, mails[1]) == [
            ("fix@example.org", "credits-reporter"),
            ("fixes@example.org", "fixes-culprit"),
        ]
    for number, order in enumerate(itertools.permutations(mails)):
        with opened(tmp_path / f"each-{number}.db") as store:
            for one in order:
                ingest_mails(store, tmp_path, one)
            assert snapshot(store) == expected, [m.msgid for m in order]
            update_all(store)
            assert snapshot(store) == expected


@pytest.mark.parametrize(
    ("report", "changed"),
    [
        (
            build_report(
                diagnostic="ERROR: modpost: missing MODULE_LICENSE() in drivers/media/foo/foo.o\n"
            ),
            "drivers/media/foo/foo.c",
        ),
        (
            mail(
                "randy@example.org",
                "On 7/5/23 22:01, Stephen Rothwell wrote:\n> Hi all,\n\non x86_64:\n\n"
                "ld: vmlinux.o: in function `foo_probe':\n"
                "foo-core.c:(.text+0x10): undefined reference to `bar_init'\n",
                subject="Re: linux-next: Tree for Jul 6 [drivers/media/foo/foo-core.ko]",
                sender=REPORTER,
            ),
            "drivers/media/foo/Kconfig",
        ),
    ],
    ids=["a path in a modpost message", "the file in a daily-tree reply's subject"],
)
def test_files_named_outside_a_diagnostics_file_field(
    store: Store, tmp_path: Path, report: Mail, changed: str
) -> None:
    ingest_mails(store, tmp_path, report, fix_patch(path=changed))
    assert fix_mails(store, report) == [("fix@example.org", "credits-reporter")]


def test_with_no_culprit_named_the_fixs_fixes_tag_names_it(store: Store, tmp_path: Path) -> None:
    """Randy Dunlap's build reports name no commit; the fix that credits him does."""
    report = build_report(diagnostic=gcc_error())
    report = mail(report.msgid, report.body.replace("Caused by commit", "Something"),
                  subject=report.subject, sender=REPORTER)  # fmt: skip
    patch = fix_patch(fixes="0a1b2c3d4e5f")
    ingest_mails(store, tmp_path, report, patch)
    culprit = record(store, report).culprit
    assert culprit is not None
    assert (culprit["commit"], culprit["how"], culprit["msgid"]) == (
        "0a1b2c3d4e5f", "fix's Fixes:", "fix@example.org"
    )  # fmt: skip
    assert "culprit-identified" in record(store, report).flags


# -- a diff elsewhere that changes what the report's errors name -------------------------------

MERGE_NOTICE = "linux-next: manual merge of the foo tree with the bar tree"


def elsewhere_diff(
    msgid: str = "resolution@example.org",
    *,
    changed: str = "-\tbar_init(foo);",
    header: str = "int foo_probe(struct foo *foo)",
    path: str = "drivers/foo/foo.c",
    hours: float = 5,
) -> tuple[Mail, Mail]:
    """A merge notice and its maintainer's reply hours later with a changed resolution:
    a diff of ``path`` whose hunk (header ``header``) carries the line ``changed``."""
    notice = mail("notice@example.org", "Hi all,\n\nToday's merge conflicted.\n",
                  subject=MERGE_NOTICE, sender=MAINTAINER, hours=hours - 2)  # fmt: skip
    body = (
        "I have changed the resolution in today's tree to the below.\n\n"
        f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n"
        f"--- a/{path}\n+++ b/{path}\n@@ -40,7 +40,6 @@ {header}\n \tstruct bar *b;\n"
        f"{changed}\n \treturn 0;\n"
    )
    return notice, mail(msgid, body, reply_to=notice, sender=MAINTAINER, hours=hours)


def test_a_diff_elsewhere_changing_what_the_errors_name_is_a_low_confidence_fix(
    store: Store, tmp_path: Path
) -> None:
    report = build_report()  # "implicit declaration of function 'bar_init'" in foo.c
    notice, resolution = elsewhere_diff()
    ingest_mails(store, tmp_path, report, notice, resolution)
    regression = record(store, report)
    assert (regression.status, fix_mails(store, report)) == (
        "fix-posted", [("resolution@example.org", "same-symbol")]
    )  # fmt: skip
    assert "bar_init in drivers/foo/foo.c" in regression.fix_mails[0]["evidence"]
    from regtrack.questions import fixed_by

    (evidence,) = fixed_by(store, report.msgid).evidence
    assert (evidence.ref, evidence.confidence) == ("resolution@example.org", "low")


def test_a_crash_titles_function_in_a_hunk_header_elsewhere_is_a_fix(
    store: Store, tmp_path: Path
) -> None:
    report = mail(
        "warn@example.org",
        "Hi,\n\nnext-20230710 warns at boot:\n\n------------[ cut here ]------------\n"
        "WARNING: CPU: 0 PID: 1 at drivers/foo/foo.c:42 bar_init+0x1c/0x80\n"
        "Modules linked in:\nCPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.5.0-rc1-next-20230710\n"
        "RIP: 0010:bar_init+0x1c/0x80\nCall Trace:\n <TASK>\n foo_probe+0x4a/0x120\n"
        " really_probe+0x19b/0x3e0\n </TASK>\n---[ end trace 0000000000000000 ]---\n",
        subject="next-20230710: WARNING in bar_init at boot", sender=REPORTER,
    )  # fmt: skip
    notice, resolution = elsewhere_diff(changed="+\tb = NULL;", header="int bar_init(void)")
    ingest_mails(store, tmp_path, report, notice, resolution)
    assert fix_mails(store, report) == [("resolution@example.org", "same-symbol")]


@pytest.mark.parametrize(
    "diff",
    [
        {"changed": "-\tfoo_setup(foo);"},  # the file, another identifier
        {"path": "drivers/baz/baz.c"},  # the identifier, another file
        {"hours": 24 * 8},  # more than a week later
        {"hours": -3},  # before the report
    ],
    ids=["another identifier", "another file", "a week later", "before the report"],
)
def test_a_diff_elsewhere_needs_the_file_the_identifier_and_the_week(
    store: Store, tmp_path: Path, diff: dict
) -> None:
    report = build_report(hours=0)
    notice, resolution = elsewhere_diff(**diff)
    ingest_mails(store, tmp_path, report, notice, resolution)
    assert fix_mails(store, report) == []


def test_a_diff_elsewhere_is_no_fix_when_something_else_is(store: Store, tmp_path: Path) -> None:
    report = build_report()
    notice, resolution = elsewhere_diff()
    ingest_mails(store, tmp_path, report, notice, resolution, fix_patch(hours=30))
    assert fix_mails(store, report) == [("fix@example.org", "credits-reporter")]


def test_a_diff_elsewhere_gives_the_same_records_in_any_order_of_ingest(tmp_path: Path) -> None:
    notice, resolution = elsewhere_diff()
    mails = [build_report(), notice, resolution, build_report("late@example.org", hours=24 * 9)]
    with opened(tmp_path / "all.db") as store:
        ingest_mails(store, tmp_path, *mails)
        expected = snapshot(store)
        assert fix_mails(store, mails[0]) == [("resolution@example.org", "same-symbol")]
        assert fix_mails(store, mails[3]) == []  # the diff came long before this one
    for number, order in enumerate(itertools.permutations(mails)):
        with opened(tmp_path / f"each-{number}.db") as store:
            for one in order:
                ingest_mails(store, tmp_path, one)
            assert snapshot(store) == expected, [m.msgid for m in order]
