"""Fixes that land in git, against real repositories built in ``tmp_path``.

Each test writes the mail it needs into an mbox, builds the branches a
kernel tree would have (mainline with tags, next, stable series), scans
them as ``regtrack scan-git`` does and checks what the regression's record
says: its status, each fixing commit's effect in its tree, and the history.
Tree priorities are regzbot's: next < mainline < stable.
"""

from __future__ import annotations

import pytest

from tests.gitrepo import KernelRepo
from tests.state.mailgit import (
    CULPRIT_SUBJECT,
    FIX_SUBJECT,
    REPORT,
    effects,
    fix_message,
    history,
    linux,
    message,
    reply,
    report,
)

FIX_POSTING = "20230721090000.fix-v2@example.org"


def _fix_posting(*trailers: str, msgid: str = FIX_POSTING) -> str:
    """The fix posted as a patch (not in the report's thread), with its trailers."""
    body = (
        "frob_init() used the subscription before it existed.\n\n"
        + "\n".join(trailers)
        + "\nSigned-off-by: Carol Dev <carol@example.org>\n---\n"
        " frob.c | 3 ++-\n\n"
        "diff --git a/frob.c b/frob.c\n--- a/frob.c\n+++ b/frob.c\n"
        "@@ -1,4 +1,5 @@\n void frob_init(void)\n {\n"
        "-\tfrob_subscribe(dev->subscription);\n"
        "+\tif (dev->subscription)\n+\t\tfrob_subscribe(dev->subscription);\n }\n"
    )
    return message(msgid, f"[PATCH v2] {FIX_SUBJECT}", body, date="2023-07-21 09:00")


# -- 1. which commits name the regression ------------------------------------------


def test_a_link_to_the_report_in_its_own_tree_fixes_it(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    tracking.scan(repo, "mainline")
    assert (tracking.regression().status, tracking.regression().tree) == ("open", "mainline")
    fix = repo.commit(fix_message(f"Link: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n")
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert record.status == "fixed"
    assert effects(record) == [(fix[:12], "master", "fixed")]
    assert any(fix[:12] in text and "mainline" in text for text in history(record, "fixed"))


def test_a_closes_to_the_report_fixes_it(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    fix = repo.commit(fix_message(f"Closes: https://lore.kernel.org/r/{REPORT}"), "a.c", "1\n")
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert record.status == "fixed"
    assert effects(record) == [(fix[:12], "master", "fixed")]
    assert record.fix_commits[0]["how"].startswith("Closes: names")


def test_a_b4_link_to_the_fix_posting_that_closes_the_report_fixes_it(
    tracking, tmp_path, git_env
) -> None:
    repo, culprit = linux(tmp_path, git_env)
    closes = f"Closes: https://lore.kernel.org/all/{REPORT}/"
    tracking.mail(report(culprit), _fix_posting(closes))
    assert tracking.regression().status == "fix-posted"
    # What b4 writes when it applies the posting: the posting's message-id, not the report's.
    fix = repo.commit(
        fix_message(f"Link: https://patch.msgid.link/{FIX_POSTING}", subject="drm/frob: guard"),
        "a.c",
        "1\n",
    )
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert [m["msgid"] for m in record.fix_mails] == [FIX_POSTING]
    assert record.status == "fixed"
    assert effects(record) == [(fix[:12], "master", "fixed")]
    assert FIX_POSTING in record.fix_commits[0]["how"]


def test_a_link_to_a_reply_in_the_thread_counts(tracking, tmp_path, git_env) -> None:
    """regzbot matches only the thread's first message; the bisection is often a reply."""
    repo, culprit = linux(tmp_path, git_env)
    bisected = "20230720120000.bisect@example.org"
    tracking.mail(
        report(),
        reply(bisected, f"I bisected it to {culprit[:12]}.\n", date="2023-07-20 12:00",
              author="Ada Reporter <ada@example.org>"),
        reply("20230720130000.thanks@example.org", "Thanks!\n", date="2023-07-20 13:00",
              to=bisected),
    )  # fmt: skip
    fix = repo.commit(fix_message(f"Link: https://lore.kernel.org/lkml/{bisected}/"), "a.c", "1\n")
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert record.status == "fixed"
    assert effects(record) == [(fix[:12], "master", "fixed")]
    assert bisected in record.fix_commits[0]["how"]


def test_a_commit_naming_an_unrelated_thread_changes_nothing(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    repo.commit(fix_message("Link: https://lore.kernel.org/all/other@example.org/"), "a.c", "1\n")
    tracking.scan(repo, "mainline")
    assert (tracking.regression().status, tracking.regression().fix_commits) == ("open", ())


# -- 3. tree priorities: next < mainline < stable --------------------------------------


def test_a_fix_only_in_next_queues_then_fixes_once_in_mainline(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    repo.checkout("-b", "next")
    fix = repo.commit(fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n")
    tracking.scan(repo, "mainline")
    tracking.scan(repo, "next", "next")
    record = tracking.regression()
    assert (record.tree, record.status) == ("mainline", "fix-queued")
    assert effects(record) == [(fix[:12], "next", "fix-queued")]
    assert history(record, "fix-queued")
    repo.checkout("master")
    repo.git("merge", "-q", "--ff-only", "next")  # Linus pulls the tree that holds the fix
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert record.status == "fixed"
    assert sorted(effects(record)) == [
        (fix[:12], "master", "fixed"),
        (fix[:12], "next", "fix-queued"),
    ]


def test_a_next_regression_is_fixed_by_a_commit_in_next(tracking, tmp_path, git_env) -> None:
    repo, _ = linux(tmp_path, git_env)
    repo.checkout("-b", "next")
    culprit = repo.commit("drm/frob: subscribe later\n\nv3.\n", "frob.c", "late();\n")
    tracking.mail(report(culprit, versions="It broke in next-20230720."))
    tracking.scan(repo, "mainline")
    tracking.scan(repo, "next", "next")
    assert (tracking.regression().tree, tracking.regression().status) == ("next", "open")
    fix = repo.commit(fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n")
    tracking.scan(repo, "next", "next")
    record = tracking.regression()
    assert record.status == "fixed"
    assert effects(record) == [(fix[:12], "next", "fixed")]


def test_a_fix_only_in_stable_is_a_note_for_a_mainline_regression(
    tracking, tmp_path, git_env
) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    repo.checkout("-b", "linux-6.5.y", "v6.5-rc1")
    fix = repo.commit(fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n")
    tracking.scan(repo, "mainline")
    tracking.scan(repo, "stable", "linux-6.5.y")
    record = tracking.regression()
    assert (record.tree, record.status) == ("mainline", "open")
    assert effects(record) == [(fix[:12], "linux-6.5.y", "note")]
    assert any(fix[:12] in text and "stable-6.5" in text for text in history(record, "note"))


# -- 4. stable: fixed per series ---------------------------------------------------------


def test_a_stable_regression_is_fixed_by_a_backport_to_its_own_series(
    tracking, tmp_path, git_env
) -> None:
    repo, _ = linux(tmp_path, git_env)
    for series in ("6.1", "6.5"):
        repo.checkout("-b", f"linux-{series}.y", "v6.4")
        repo.commit(f"Linux {series}.41\n", "Makefile", f"VERSION = {series}.41\n")
        repo.git("tag", f"v{series}.41")
    tracking.mail(report(versions="It worked in v6.1.40 and broke in v6.1.41."))
    repo.checkout("master")
    upstream = repo.commit(
        fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n"
    )
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert (record.tree, record.status) == ("stable-6.1", "fix-queued")
    # Another series takes the backport first: that says nothing about 6.1.y.
    repo.checkout("linux-6.5.y")
    other = repo.commit(
        f"{FIX_SUBJECT}\n\ncommit {upstream} upstream.\n\nThe body.\n", "a.c", "1 /* 6.5 */\n"
    )
    tracking.scan(repo, "stable", "linux-6.5.y")
    record = tracking.regression()
    assert record.status == "fix-queued"
    assert (other[:12], "linux-6.5.y", "note") in effects(record)
    repo.checkout("linux-6.1.y")
    own = repo.commit(
        f"{FIX_SUBJECT}\n\ncommit {upstream} upstream.\n\nThe body.\n", "a.c", "1 /* 6.1 */\n"
    )
    tracking.scan(repo, "stable", "linux-6.1.y")
    record = tracking.regression()
    assert record.status == "fixed"
    assert sorted(effects(record)) == sorted(
        [(upstream[:12], "master", "fix-queued"), (other[:12], "linux-6.5.y", "note"),
         (own[:12], "linux-6.1.y", "fixed")]
    )  # fmt: skip
    backport = next(c for c in record.fix_commits if c["sha"] == own)
    assert backport["how"].startswith(f"a stable backport of {upstream[:12]}")


def test_a_range_of_stable_tags_makes_a_stable_regression_a_backport_fixes(
    tracking, tmp_path, git_env
) -> None:
    repo, _ = linux(tmp_path, git_env)
    repo.checkout("-b", "linux-6.1.y", "v6.4")
    introduced = "#regzbot introduced: v6.1.40..v6.1.41"
    tracking.mail(report(versions=f"Something broke in the stable series.\n\n{introduced}"))
    repo.checkout("master")
    upstream = repo.commit(
        fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n"
    )
    tracking.scan(repo, "mainline")
    assert (tracking.regression().tree, tracking.regression().status) == (
        "stable-6.1",
        "fix-queued",
    )
    repo.checkout("linux-6.1.y")
    backport = repo.commit(
        f"{FIX_SUBJECT}\n\n[ Upstream commit {upstream} ]\n\nThe body.\n", "a.c", "1\n"
    )
    tracking.scan(repo, "stable", "linux-6.1.y")
    record = tracking.regression()
    assert record.status == "fixed"
    assert (backport[:12], "linux-6.1.y", "fixed") in effects(record)


# -- 5. reverts --------------------------------------------------------------------------


def test_a_reverted_fix_counts_no_more_and_the_history_says_so(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    fix = repo.commit(fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n")
    tracking.scan(repo, "mainline")
    assert tracking.regression().status == "fixed"
    revert = repo.commit(
        f'Revert "{FIX_SUBJECT}"\n\nThis reverts commit {fix}.\n\nIt broke suspend.\n', "a.c", "\n"
    )
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert record.status == "open"
    assert effects(record) == [(fix[:12], "master", "reverted")]
    assert record.fix_commits[0]["reverted_by"] == [revert]
    assert history(record, "fix-reverted") == [
        f"{fix[:12]} was reverted by {revert[:12]} in mainline"
    ]
    (reverted,) = [e for e in record.events if e.kind == "fix-reverted"]
    assert (reverted.source, reverted.at) == (revert, tracking.store.commit(revert).committed_at)
    assert reverted.at > record.fix_commits[0]["at"]


def test_a_backported_revert_of_the_fix_undoes_the_backport(tracking, tmp_path, git_env) -> None:
    """A stable backport of a revert keeps upstream's words: it names the upstream fix."""
    repo, _ = linux(tmp_path, git_env)
    repo.checkout("-b", "linux-6.1.y", "v6.4")
    tracking.mail(report(versions="It worked in v6.1.40 and broke in v6.1.41."))
    repo.checkout("master")
    fix = repo.commit(fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n")
    revert = repo.commit(f'Revert "{FIX_SUBJECT}"\n\nThis reverts commit {fix}.\n', "a.c", "\n")
    repo.checkout("linux-6.1.y")
    backport = repo.commit(f"{FIX_SUBJECT}\n\ncommit {fix} upstream.\n", "a.c", "1\n")
    tracking.scan(repo, "mainline")
    tracking.scan(repo, "stable", "linux-6.1.y")
    assert tracking.regression().status == "fixed"
    repo.commit(
        f'Revert "{FIX_SUBJECT}"\n\ncommit {revert} upstream.\n\nThis reverts commit {fix}.\n',
        "a.c",
        "\n",
    )
    tracking.scan(repo, "stable", "linux-6.1.y")
    record = tracking.regression()
    assert record.status == "open"
    assert (backport[:12], "linux-6.1.y", "reverted") in effects(record)


def test_a_revert_on_another_branch_leaves_the_fix_standing(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    fix = repo.commit(fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n")
    repo.checkout("-b", "next")
    repo.commit(f'Revert "{FIX_SUBJECT}"\n\nThis reverts commit {fix}.\n', "a.c", "\n")
    tracking.scan(repo, "mainline")
    tracking.scan(repo, "next", "next")
    record = tracking.regression()
    assert record.status == "fixed"
    assert sorted(effects(record)) == [
        (fix[:12], "master", "fixed"),
        (fix[:12], "next", "reverted"),
    ]


def test_a_revert_of_the_culprit_fixes_it(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    revert = repo.commit(
        f'Revert "{CULPRIT_SUBJECT}"\n\nThis reverts commit {culprit}.\n', "frob.c", "\n"
    )
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert record.status == "fixed"
    assert effects(record) == [(revert[:12], "master", "fixed")]
    assert record.fix_commits[0]["how"] == "reverts the culprit"


def test_a_reverted_revert_of_the_fix_makes_it_count_again(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    fix = repo.commit(fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n")
    revert = repo.commit(f'Revert "{FIX_SUBJECT}"\n\nThis reverts commit {fix}.\n', "a.c", "\n")
    tracking.scan(repo, "mainline")
    assert tracking.regression().status == "open"
    # git revert of the revert: the fix is back (kernel trees also say "Reapply").
    repo.commit(f'Revert "Revert "{FIX_SUBJECT}""\n\nThis reverts commit {revert}.\n', "a.c", "1\n")
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert record.status == "fixed"
    assert effects(record) == [(fix[:12], "master", "fixed")]


def test_a_reverted_revert_of_the_culprit_fixes_nothing(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    revert = repo.commit(
        f'Revert "{CULPRIT_SUBJECT}"\n\nThis reverts commit {culprit}.\n', "frob.c", "\n"
    )
    repo.commit(
        f'Revert "Revert "{CULPRIT_SUBJECT}""\n\nThis reverts commit {revert}.\n',
        "frob.c",
        "back();\n",
    )
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert record.status == "open"
    assert effects(record) == [(revert[:12], "master", "reverted")]


def test_a_revert_naming_the_culprits_full_id_fixes_it_in_a_shallow_clone(
    tracking, tmp_path, git_env
) -> None:
    """The mail abbreviates the culprit's id; the clone's history stops before the culprit."""
    repo, culprit = linux(tmp_path, git_env)
    repo.commit("drm/frob: tidy\n", "b.c", "1\n")
    revert = repo.commit(
        f'Revert "{CULPRIT_SUBJECT}"\n\nThis reverts commit {culprit}.\n', "frob.c", "\n"
    )
    shallow = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "2", f"file://{repo.path}", str(shallow))
    tracking.mail(report(culprit))
    tracking.scan(KernelRepo.existing(shallow, git_env), "mainline")
    assert tracking.store.commit(culprit) is None
    record = tracking.regression()
    assert record.status == "fixed"
    assert effects(record) == [(revert[:12], "master", "fixed")]


# -- 6. #regzbot fix: a subject or a commit id, before and after the commit exists ------------


@pytest.mark.parametrize(
    "named",
    [FIX_SUBJECT, f"[PATCH v2 1/3] {FIX_SUBJECT.upper()}", f"Re: [PATCH v2 1/3] {FIX_SUBJECT}"],
    ids=["the subject itself", "tags and case differ", "a reply's subject"],
)
def test_a_fix_named_by_subject_is_posted_then_queued_then_fixed(
    tracking, tmp_path, git_env, named
) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(
        report(culprit),
        reply("20230721.cmd@example.org", f"Thanks.\n\n#regzbot fix: {named}\n",
              date="2023-07-21 08:00"),
    )  # fmt: skip
    tracking.scan(repo, "mainline")
    assert (tracking.regression().status, tracking.regression().fix_commits) == ("fix-posted", ())
    repo.checkout("-b", "next")
    fix = repo.commit(fix_message(), "a.c", "1\n")  # no trailer names the report
    tracking.scan(repo, "next", "next")
    assert effects(tracking.regression()) == [(fix[:12], "next", "fix-queued")]
    assert tracking.regression().status == "fix-queued"
    repo.checkout("master")
    repo.git("merge", "-q", "--ff-only", "next")
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert record.status == "fixed"
    assert (fix[:12], "master", "fixed") in effects(record)


def test_a_subject_that_only_resembles_the_named_one_is_no_fix(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(
        report(culprit),
        reply(
            "20230721.cmd@example.org", f"#regzbot fix: {FIX_SUBJECT}\n", date="2023-07-21 08:00"
        ),
    )
    repo.commit(fix_message(subject=f"{FIX_SUBJECT} again"), "a.c", "1\n")
    tracking.scan(repo, "mainline")
    assert (tracking.regression().status, tracking.regression().fix_commits) == ("fix-posted", ())


@pytest.mark.parametrize(
    ("tree", "branch", "status"),
    [("mainline", "master", "fixed"), ("next", "next", "fix-queued")],
    ids=["in mainline it is fixed", "in next it is queued"],
)
def test_a_fix_named_by_commit_id_counts_once_scanned(
    tracking, tmp_path, git_env, tree, branch, status
) -> None:
    repo, culprit = linux(tmp_path, git_env)
    repo.git("branch", "v6.5-rc1-base")
    repo.checkout("-B", branch)
    fix = repo.commit(fix_message(subject="drm/frob: something else entirely"), "a.c", "1\n")
    tracking.mail(
        report(culprit),
        reply("20230721.cmd@example.org", f"#regzbot fix: {fix[:12]}\n", date="2023-07-21 08:00"),
    )
    tracking.scan(repo, "mainline", "v6.5-rc1-base")  # where the culprit is: a mainline one
    assert (tracking.regression().tree, tracking.regression().status) == ("mainline", "fix-posted")
    tracking.scan(repo, tree, branch)
    record = tracking.regression()
    assert record.status == status
    assert effects(record) == [(fix[:12], branch, status)]


# -- 9. Fixes: naming the culprit ----------------------------------------------------------


def test_a_fixes_tag_for_the_culprit_is_only_a_note(tracking, tmp_path, git_env) -> None:
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    tagged = repo.commit(
        fix_message(f'Fixes: {culprit[:12]} ("{CULPRIT_SUBJECT}")', subject="drm/frob: tidy"),
        "a.c",
        "1\n",
    )
    tracking.scan(repo, "mainline")
    record = tracking.regression()
    assert (record.status, record.fix_commits) == ("open", ())
    assert history(record, "note") == [
        f'{tagged[:12]} ("drm/frob: tidy") has a Fixes: tag for the culprit'
    ]


@pytest.mark.xfail(
    strict=True,
    reason="extract/versions.py report_tree: the tree of most tags, a tie going to the first "
    "named, so 'worked in v6.5-rc1, broke in next-20230720' is a mainline report",
)
def test_a_report_that_broke_in_next_is_a_next_regression(tracking, tmp_path, git_env) -> None:
    repo, _ = linux(tmp_path, git_env)
    tracking.mail(report(versions="It worked in v6.5-rc1 and broke in next-20230720."))
    repo.checkout("-b", "next")
    repo.commit(fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n")
    tracking.scan(repo, "next", "next")
    record = tracking.regression()
    assert (record.tree, record.status) == ("next", "fixed")


@pytest.mark.parametrize("versions", ["It broke in v6.5-rc1.", "It broke in next-20230720."])
def test_a_fix_in_a_subsystem_tree_queues_it(tracking, tmp_path, git_env, versions) -> None:
    """A subsystem tree (net-next, drm-next, ...) feeds next: a fix there is on its way to
    every tree a regression lives in, so it queues the fix, never fixes it."""
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit, versions=versions))
    repo.checkout("-b", "drm-next")
    fix = repo.commit(fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/"), "a.c", "1\n")
    tracking.scan(repo, "subsystem", "drm-next")
    record = tracking.regression()
    assert record.status == "fix-queued"
    assert effects(record) == [(fix[:12], "drm-next", "fix-queued")]
    assert [c["tree"] for c in record.fix_commits] == ["subsystem"]
