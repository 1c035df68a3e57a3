"""Tracking across rebuilt trees, the seed end to end, reprocessing, hostile ids, the CLI.

linux-next is rebuilt daily: a culprit that had a fix folded in comes back
as a new commit with the same subject.  regtrack counts such a commit as
the fix when the culprit is no longer on that branch and the commit's diff
gains every line an inline fix posted in the thread gains.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from regtrack.cli import main
from regtrack.extract.patches import added_lines
from regtrack.state import update_all
from tests.gitrepo import KernelRepo
from tests.paths import SEED_MBOX, require, seed_msgid
from tests.state.mailgit import (
    CULPRIT_SUBJECT,
    FROB_BROKEN,
    FROB_FIXED,
    INLINE_FIX_DIFF,
    MBOX_SEPARATOR,
    REPORT,
    Tracking,
    effects,
    fix_message,
    history,
    inline_fix,
    linux,
    linux_next,
    message,
    rebuild_next,
    reply,
    report,
)

NEXT_VERSIONS = "It worked in next-20230719 and broke in next-20230720."


def run(*args: str) -> tuple[int, str, str]:
    """``regtrack ARGS`` as the console script runs it."""
    with CliRunner().isolation() as (stdout, stderr, _):
        code = main(list(args))
    return code, stdout.getvalue().decode(), stderr.getvalue().decode()


# -- 7. the culprit replaced after a rebase ------------------------------------------------


def _tracked_next_regression(tracking: Tracking, tmp_path: Path, git_env) -> KernelRepo:
    repo, culprit = linux_next(tmp_path, git_env)
    tracking.mail(report(culprit, versions=NEXT_VERSIONS), inline_fix())
    tracking.scan(repo, "mainline")
    tracking.scan(repo, "next", "next")
    record = tracking.regression()
    assert (record.tree, record.status, record.culprit["commit"]) == (
        "next",
        "fix-posted",
        culprit[:12],
    )
    return repo


def test_a_respun_culprit_carrying_the_inline_fix_fixes_a_next_regression(
    tracking, tmp_path, git_env
) -> None:
    repo = _tracked_next_regression(tracking, tmp_path, git_env)
    respun = rebuild_next(repo, "v4", FROB_FIXED)
    tracking.scan(repo, "next", "next")
    record = tracking.regression()
    assert record.status == "fixed"
    assert effects(record) == [(respun[:12], "next", "fixed")]
    assert record.fix_commits[0]["how"].startswith("the culprit respun with the fix")


def test_a_respun_culprit_without_the_fix_is_no_fix_and_the_history_says_why(
    tracking, tmp_path, git_env
) -> None:
    repo = _tracked_next_regression(tracking, tmp_path, git_env)
    respun = rebuild_next(repo, "v4", FROB_BROKEN.replace("frob_init", "frob_setup"))
    tracking.scan(repo, "next", "next")
    record = tracking.regression()
    assert (record.status, record.fix_commits) == ("fix-posted", ())
    assert history(record, "note") == [
        f"{respun[:12]} has the culprit's subject in next, but is not counted as the fix: "
        "no fix's change is in it"
    ]


def test_the_culprits_subject_from_the_scanned_tree_lets_its_respin_be_recognised(
    tracking, tmp_path, git_env
) -> None:
    """The mail names the culprit by id alone; next says what its subject is."""
    repo, culprit = linux_next(tmp_path, git_env)
    bisected = f"I bisected it, the first bad commit is {culprit[:12]}.\n"
    tracking.mail(report(versions=NEXT_VERSIONS, extra=bisected), inline_fix())
    tracking.scan(repo, "next", "next")
    assert tracking.regression().culprit["subject"] == CULPRIT_SUBJECT
    respun = rebuild_next(repo, "v4", FROB_FIXED)
    tracking.scan(repo, "next", "next")
    record = tracking.regression()
    assert (record.status, effects(record)) == ("fixed", [(respun[:12], "next", "fixed")])


def test_a_regzbot_fix_naming_the_culprits_subject_does_not_make_the_culprit_its_fix(
    tracking, tmp_path, git_env
) -> None:
    """Said when the fix is to be folded into the culprit: the respin will fix it, the
    culprit as it is in next does not."""
    repo, culprit = linux_next(tmp_path, git_env)
    tracking.mail(
        report(culprit, versions=NEXT_VERSIONS),
        reply("20230722.cmd@example.org", f"#regzbot fix: {CULPRIT_SUBJECT}\n",
              date="2023-07-22 10:00"),
    )  # fmt: skip
    tracking.scan(repo, "next", "next")
    assert (tracking.regression().status, tracking.regression().fix_commits) == ("fix-posted", ())
    respun = rebuild_next(repo, "v4", FROB_FIXED)
    tracking.scan(repo, "next", "next")
    record = tracking.regression()
    assert (record.status, effects(record)) == ("fixed", [(respun[:12], "next", "fixed")])


def test_a_commit_with_the_culprits_subject_beside_the_culprit_is_no_replacement(
    tracking, tmp_path, git_env
) -> None:
    """The rule: the culprit was replaced only on a branch that no longer holds it."""
    repo = _tracked_next_regression(tracking, tmp_path, git_env)
    repo.checkout("next")
    repo.commit(f"{CULPRIT_SUBJECT}\n\nAgain.\n", "frob.c", FROB_FIXED)
    tracking.scan(repo, "next", "next")
    assert (tracking.regression().status, tracking.regression().fix_commits) == ("fix-posted", ())


def test_a_fix_dropped_by_a_rebuild_of_next_counts_no_more(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    repo.checkout("-b", "next")
    repo.commit(fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n")
    tracking.scan(repo, "mainline")
    tracking.scan(repo, "next", "next")
    assert tracking.regression().status == "fix-queued"
    repo.checkout("-B", "next", "master")  # next rebuilt without the subsystem tree that had it
    repo.commit("net: tidy\n", "net.c", "tidy();\n")
    repo.checkout("master")
    tracking.scan(repo, "next", "next")
    assert (tracking.regression().status, tracking.regression().fix_commits) == ("open", ())


def test_a_respun_culprit_dropped_again_counts_no_more(tracking, tmp_path, git_env) -> None:
    repo = _tracked_next_regression(tracking, tmp_path, git_env)
    rebuild_next(repo, "v4", FROB_FIXED)
    tracking.scan(repo, "next", "next")
    assert tracking.regression().status == "fixed"
    rebuild_next(repo, "v3", FROB_BROKEN)  # the old culprit is back, the same id as before
    tracking.scan(repo, "next", "next")
    assert (tracking.regression().status, tracking.regression().fix_commits) == ("fix-posted", ())


# -- 8. the seed end to end ----------------------------------------------------------------

SEED_CULPRIT_SUBJECT = "mmu_notifiers: rename invalidate_range notifier"


def _seed_next(tmp_path: Path, git_env, lines: frozenset[str]) -> KernelRepo:
    """A next branch whose commit with the culprit's subject changes mm/mmu_notifier.c so
    that it gains ``lines`` (its id cannot be 828fe4085cae: ids cannot be forged)."""
    repo = KernelRepo(tmp_path / "linux-next", git_env)
    repo.commit("Linux 6.5-rc2\n", "Makefile", "VERSION = 6.5-rc2\n")
    repo.git("tag", "v6.5-rc2")
    (repo.path / "mm").mkdir()
    repo.commit(
        "mm: add mmu_notifier.c\n", "mm/mmu_notifier.c", "int __mmu_notifier_register(void)\n{\n}\n"
    )
    repo.checkout("-b", "next")
    body = "".join(f"\t{line}\n" for line in sorted(lines))
    repo.commit(
        f"{SEED_CULPRIT_SUBJECT}\n\nv4.\n", "mm/mmu_notifier.c",
        f"int __mmu_notifier_register(void)\n{{\n{body}\treturn 0;\n}}\n",
    )  # fmt: skip
    repo.commit(
        "Add linux-next specific files for 20230728\n", "localversion-next", "-next-20230728\n"
    )
    return repo


def _seed_db(tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "seed.db"
    code, _, err = run("ingest", str(require(SEED_MBOX, "the seed thread")), "--db", str(db))
    assert code == 0, err
    (record,) = json.loads(run("list", "--json", "--db", str(db))[1])
    return db, record["id"]


def test_the_seed_is_one_next_regression_with_two_fix_mails(tmp_path) -> None:
    db, rid = _seed_db(tmp_path)
    record = json.loads(run("show", rid, "--json", "--db", str(db))[1])["regression"]
    assert record["report"] == seed_msgid(1)
    assert seed_msgid(12) not in {m["msgid"] for m in record["messages"] if m["role"] == "report"}
    assert record["culprit"]["commit"].startswith("828fe4085cae")
    assert (record["tree"], record["status"]) == ("next", "fix-posted")
    assert [m["msgid"] for m in record["fix_mails"]] == [seed_msgid(3), seed_msgid(9)]


def _message_3_lines(db: Path) -> frozenset[str]:
    from regtrack.store import Store

    store = Store(db)
    try:
        changes = added_lines(store.message(seed_msgid(3))["body"])
    finally:
        store.close()
    assert set(changes) == {"mm/mmu_notifier.c"}
    return changes["mm/mmu_notifier.c"]


def test_the_seed_is_fixed_once_next_carries_the_respun_culprit(tmp_path, git_env) -> None:
    db, rid = _seed_db(tmp_path)
    repo = _seed_next(tmp_path, git_env, _message_3_lines(db))
    culprit_in_repo = subprocess.run(
        ["git", "-C", str(repo.path), "cat-file", "-e", "828fe4085cae^{commit}"],
        capture_output=True,
    )
    assert culprit_in_repo.returncode != 0  # the rule applied: the culprit is not on the branch
    # The repository's HEAD names next: the branch scan-git reads without --branch.
    code, _, err = run("scan-git", str(repo.path), "--tree", "next", "--db", str(db))
    assert code == 0, err
    record = json.loads(run("show", rid, "--json", "--db", str(db))[1])["regression"]
    assert record["status"] == "fixed"
    respun = repo.git("rev-parse", "next~1")
    assert [(c["sha"], c["tree"], c["effect"]) for c in record["fix_commits"]] == [
        (respun, "next", "fixed")
    ]
    assert f"the fix {seed_msgid(3)} folded in" in record["fix_commits"][0]["how"]


def test_the_seed_stays_fix_posted_when_next_carries_the_culprit_without_the_fix(
    tmp_path, git_env
) -> None:
    db, rid = _seed_db(tmp_path)
    repo = _seed_next(tmp_path, git_env, frozenset({"subscription->ops->invalidate_range_end)))"}))
    code, _, err = run(
        "scan-git", str(repo.path), "--tree", "next", "--branch", "next", "--db", str(db)
    )
    assert code == 0, err
    record = json.loads(run("show", rid, "--json", "--db", str(db))[1])["regression"]
    assert (record["status"], record["fix_commits"]) == ("fix-posted", [])


# -- 10. reprocessing, and another order, give the same records -----------------------------


def _scenario(tmp_path: Path, git_env) -> tuple[KernelRepo, list[str]]:
    """A next regression with an inline fix, a fix posting that closes a reply, a
    ``#regzbot fix:``, and a next rebuilt with the respun culprit; returns (repo, mail)."""
    repo, culprit = linux_next(tmp_path, git_env)
    mail = [
        report(culprit, versions=NEXT_VERSIONS),
        inline_fix(),
        message(
            "20230722.fix@example.org", "[PATCH] drm/frob: guard the subscription",
            "Closes: https://lore.kernel.org/all/20230720.inline-fix@example.org/\n---\n"
            "diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n"
            "@@ -1 +1 @@\n-old();\n+guarded_call();\n",
            date="2023-07-22 09:00",
        ),
        reply("20230723.cmd@example.org", "#regzbot fix: drm/frob: guard the subscription\n",
              date="2023-07-23 09:00", author="Ada Reporter <ada@example.org>"),
    ]  # fmt: skip
    repo.checkout("master")
    repo.commit(
        "drm/frob: guard the subscription\n\n"
        "Link: https://patch.msgid.link/20230722.fix@example.org\n",
        "a.c",
        "guarded_call();\n",
    )
    rebuild_next(repo, "v4", FROB_FIXED)
    return repo, mail


def _scan_all(tracking: Tracking, repo: KernelRepo) -> None:
    tracking.scan(repo, "mainline")
    tracking.scan(repo, "next", "next")


def test_scanning_and_updating_twice_changes_no_record(tracking, tmp_path, git_env) -> None:
    repo, mail = _scenario(tmp_path, git_env)
    tracking.mail(*mail)
    _scan_all(tracking, repo)
    first = tracking.records()
    assert [r["status"] for r in first] == ["fixed"]
    assert {(c["branch"], c["effect"]) for c in first[0]["fix_commits"]} == {
        ("master", "note"), ("next", "fixed")
    }  # fmt: skip
    _scan_all(tracking, repo)
    assert tracking.records() == first
    update_all(tracking.store)
    update_all(tracking.store)
    assert tracking.records() == first
    database = str(tracking.store.path)
    for _ in range(2):
        code, _, err = run("update", "--db", database)
        assert code == 0, err
        assert tracking.records() == first


def test_mail_and_branches_in_another_order_give_the_same_records(tmp_path, git_env) -> None:
    repo, mail = _scenario(tmp_path, git_env)
    names = ("before", "after", "halves", "next-first")
    for name in names:
        (tmp_path / name).mkdir()
    mail_first, scan_first, reversed_halves, next_first = (Tracking(tmp_path / n) for n in names)
    try:
        mail_first.mail(*mail)
        _scan_all(mail_first, repo)
        _scan_all(scan_first, repo)
        scan_first.mail(*mail)
        _scan_all(reversed_halves, repo)
        reversed_halves.mail(*mail[2:])
        reversed_halves.mail(*mail[:2])
        next_first.mail(*mail)
        next_first.scan(repo, "next", "next")
        next_first.scan(repo, "mainline")
        expected = mail_first.records()
        assert [r["status"] for r in expected] == ["fixed"]
        assert scan_first.records() == expected
        assert reversed_halves.records() == expected
        assert next_first.records() == expected
    finally:
        for opened in (mail_first, scan_first, reversed_halves, next_first):
            opened.close()


# -- 11. nothing from mail reaches git as an option ----------------------------------------


def test_hostile_ids_in_commands_never_reach_git(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux_next(tmp_path, git_env)
    written = [tmp_path / name for name in ("culprit-out", "fix-out", "range-out")]
    commands = (
        f"#regzbot introduced: --output={written[0]}\n"
        f"#regzbot fix: --output={written[1]}\n"
        "#regzbot fix: --upload-pack=x\n"
        f"#regzbot introduced: --output={written[2]}..v6.5-rc1\n"
    )
    tracking.mail(
        report(culprit, versions=NEXT_VERSIONS),
        inline_fix(),
        reply("20230721.hostile@example.org", commands, date="2023-07-21 09:00"),
    )
    # Every path that asks git anything runs: the culprit found, a respun culprit to check.
    tracking.scan(repo, "mainline")
    tracking.scan(repo, "next", "next")
    rebuild_next(repo, "v4", FROB_FIXED)
    tracking.scan(repo, "next", "next")
    assert [path for path in written if path.exists()] == []
    record = tracking.regression()
    assert (record.status, record.tree, record.culprit["commit"]) == ("fixed", "next", culprit[:12])
    assert all(
        c["commit"] is None or c["commit"] == culprit[:12] for c in record.culprit_candidates
    )
    unhandled = {u.command: u.reason for u in tracking.store.unhandled_commands(record.id)}
    assert unhandled[f"#regzbot introduced: --output={written[0]}"] == (
        "not a commit id (8+ hex digits) or a range A..B"
    )


# -- 12. the CLI ---------------------------------------------------------------------------


def test_the_cli_scans_a_tree_and_shows_the_fix_with_its_effect(tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    mbox = tmp_path / "report.mbox"
    mbox.write_text(MBOX_SEPARATOR + report(culprit) + "\n")
    db = str(tmp_path / "cli.db")
    assert run("ingest", str(mbox), "--db", db)[0] == 0
    repo.checkout("-b", "next")
    fix = repo.commit(fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n")
    repo.checkout("master")
    code, out, err = run("scan-git", str(repo.path), "--tree", "mainline", "--db", db)
    assert (code, out.startswith("3 commits read, 3 new, 0 no longer on mainline/master")) == (
        0,
        True,
    ), err
    code, out, err = run(
        "scan-git", str(repo.path), "--tree", "next", "--branch", "next", "--db", db
    )
    assert (code, out.startswith("4 commits read, 1 new, 0 no longer on next/next")) == (0, True), (
        err
    )
    (listed,) = json.loads(run("list", "--json", "--db", db)[1])
    assert (listed["status"], listed["tree"]) == ("fix-queued", "mainline")
    shown = json.loads(run("show", listed["id"], "--json", "--db", db)[1])["regression"]
    assert [(c["sha"], c["branch"], c["tree"], c["effect"]) for c in shown["fix_commits"]] == [
        (fix, "next", "next", "fix-queued")
    ]
    code, out, _ = run("list", "--status", "fix-queued", "--db", db)
    assert code == 0 and listed["id"] in out
    code, out, _ = run("show", listed["id"], "--db", db)
    assert code == 0 and fix[:12] in out and "fix-queued" in out


# -- a posted fix applied under another subject --------------------------------------------


def test_a_posted_fix_applied_under_another_subject_is_found_by_its_patch_id(
    tracking, tmp_path, git_env
) -> None:
    repo, culprit = linux(tmp_path, git_env)
    posting = message(
        "20230721.patch@example.org", "[PATCH] drm/frob: guard the subscription",
        f"Guard it.\n\nSigned-off-by: Carol Dev <carol@example.org>\n---\n{INLINE_FIX_DIFF}",
        date="2023-07-21 09:00", parent=REPORT,
    )  # fmt: skip
    tracking.mail(report(culprit), posting)
    assert [m["how"] for m in tracking.regression().fix_mails] == ["patch-in-thread"]
    # The maintainer reworded the subject and added no Link: only the change is the same.
    # Committed the day after the posting (a commit never predates the patch it applies).
    applied = int(datetime(2023, 7, 22, 10, tzinfo=UTC).timestamp())
    fix = repo.commit(
        "drm/frob: check dev->subscription before use\n", "frob.c", FROB_FIXED, time=applied
    )
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert (record.status, effects(record)) == ("fixed", [(fix[:12], "master", "fixed")])
