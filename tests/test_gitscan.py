"""Reading kernel git trees: trailers, validation, incremental and rebase-aware scans, the CLI.

The repositories are real, built in ``tmp_path``: mainline with tags v6.4
and v6.5-rc1, a fix with Fixes:/Closes:/Link:/Reported-by:, a revert, a
stable branch with backports, and a next branch rebuilt by a rebase that
drops the culprit for a respun commit with the same subject.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from regtrack.cli import main
from regtrack.errors import GitError, StoreError
from regtrack.gitcmd import stream_git
from regtrack.gitscan import (
    REF_KINDS,
    CommitRef,
    check_branch,
    check_revision,
    extract_refs,
    is_ancestor,
    open_repository,
    read_commits,
    split_message,
)
from regtrack.gitsync import scan_branch
from regtrack.store import Store
from regtrack.store.commits import BranchKey
from tests.gitrepo import KernelRepo

CULPRIT_SUBJECT = "drm/i915: subscribe to frobnicator events"
REPORT = "20230720.report@example.org"
FIX_POSTING = "20230721.fix-v1@example.org"


@dataclass
class Trees:
    repo: KernelRepo
    base: str
    culprit: str
    fix: str
    revert: str
    backport: str
    cherry: str
    next_head: str
    next_culprit: str


def _fix_message(culprit: str) -> str:
    return (
        "drm/i915: check the subscription before frobnicating\n\n"
        "The frobnicator was used before it subscribed.\n\n"
        f'Fixes: {culprit[:12].upper()} ("{CULPRIT_SUBJECT}")\n'
        "Reported-by: Ada Reporter <ada@example.org>\n"
        f"Closes: https://lore.kernel.org/all/{REPORT}/\n"
        "Link: https://bugzilla.kernel.org/show_bug.cgi?id=217000\n"
        "Signed-off-by: Carol Dev <carol@example.org>\n"
        f"Link: https://patch.msgid.link/{FIX_POSTING}\n"
    )


@pytest.fixture
def trees(tmp_path: Path, git_env: dict[str, str]) -> Trees:
    repo = KernelRepo(tmp_path / "linux", git_env)
    repo.commit("Linux 6.4\n", "Makefile", "VERSION = 6.4\n")
    repo.git("tag", "v6.4")
    base = repo.git("rev-parse", "HEAD")
    culprit = repo.commit(f"{CULPRIT_SUBJECT}\n\nSubscribe early.\n", "i915.c", "subscribe();\n")
    repo.commit("Linux 6.5-rc1\n", "Makefile", "VERSION = 6.5-rc1\n")
    repo.git("tag", "v6.5-rc1")
    fix = repo.commit(_fix_message(culprit), "i915.c", "if (subscription) subscribe();\n")
    revert = repo.commit(
        f'Revert "{CULPRIT_SUBJECT}"\n\nThis reverts commit {culprit}.\n', "i915.c", "\n"
    )
    repo.checkout("-b", "linux-6.4.y", "v6.4")
    backport = repo.commit(
        "drm/i915: check the subscription before frobnicating\n\n"
        f"[ Upstream commit {fix} ]\n\nThe frobnicator was used before it subscribed.\n",
        "i915.c",
        "if (subscription) subscribe(); /* 6.4 */\n",
    )
    cherry = repo.commit(
        f"mm: fix a leak\n\ncommit {revert.upper()} upstream.\n\nA leak.\n", "mm.c", "free();\n"
    )
    # next: the culprit and one more commit on top of v6.5-rc1.
    repo.checkout("-b", "next", "v6.5-rc1")
    next_culprit = repo.commit(
        f"{CULPRIT_SUBJECT}\n\nv3.\n", "frob.c", "frob_v3();\n", 1_689_000_000
    )
    repo.commit("net: tidy\n", "net.c", "tidy();\n", 1_689_000_060)
    next_head = repo.git("rev-parse", "HEAD")
    repo.checkout("master")
    return Trees(repo, base, culprit, fix, revert, backport, cherry, next_head, next_culprit)


def _rebuild_next(trees: Trees, respin: bool = True) -> str:
    """next rebuilt on v6.5-rc1: the respun culprit (same subject, new id), the same tidy-up."""
    repo = trees.repo
    repo.checkout("-B", "next", "v6.5-rc1")
    version, content = ("v4", "frob_v4(subscription);\n") if respin else ("v3", "frob_v3();\n")
    repo.commit(f"{CULPRIT_SUBJECT}\n\n{version}.\n", "frob.c", content, 1_689_000_000)
    repo.commit("net: tidy\n", "net.c", "tidy();\n", 1_689_000_060)
    head = repo.git("rev-parse", "HEAD")
    repo.checkout("master")
    return head


def _dump(store: Store) -> dict[str, list[tuple]]:
    tables = ("commits", "commit_refs", "branch_commits")
    return {t: sorted(store.conn.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}


# -- trailers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            'Fixes: 828FE4085CAE ("drm/i915: x")',
            CommitRef("fixes", "828fe4085cae", "drm/i915: x"),
            id="Fixes with 12 upper-case hex digits and a subject",
        ),
        pytest.param(
            "Fixes: 828fe408 (drm: no quotes)",
            CommitRef("fixes", "828fe408"),
            id="Fixes with 8 hex digits and no quoted subject",
        ),
        pytest.param(
            "fixes: " + "a" * 40,
            CommitRef("fixes", "a" * 40),
            id="Fixes with a full id in lower-case key",
        ),
        pytest.param(
            "Link: https://lore.kernel.org/r/20230720.x@example.org",
            CommitRef(
                "link", "https://lore.kernel.org/r/20230720.x@example.org", "20230720.x@example.org"
            ),
            id="Link to lore names a message-id",
        ),
        pytest.param(
            "  Link: https://patch.msgid.link/20230721.y@example.org.",
            CommitRef(
                "link", "https://patch.msgid.link/20230721.y@example.org", "20230721.y@example.org"
            ),
            id="Link to patch.msgid.link, indented, sentence dot dropped",
        ),
        pytest.param(
            "Closes: https://lore.kernel.org/dri-devel/20230720.z@example.org/T/#u",
            CommitRef(
                "closes",
                "https://lore.kernel.org/dri-devel/20230720.z@example.org/T/#u",
                "20230720.z@example.org",
            ),
            id="Closes to a list URL with a thread tail",
        ),
        pytest.param(
            "Closes: https://bugzilla.kernel.org/show_bug.cgi?id=1",
            CommitRef("closes", "https://bugzilla.kernel.org/show_bug.cgi?id=1"),
            id="Closes to a bug tracker names no message",
        ),
        pytest.param(
            "Reported-by: Ada <ada@example.org>",
            CommitRef("reported-by", "Ada <ada@example.org>"),
            id="Reported-by keeps name and address",
        ),
        pytest.param(
            "commit 828fe4085cae0123456789abcdef012345678901 upstream.",
            CommitRef("upstream", "828fe4085cae0123456789abcdef012345678901"),
            id="a stable backport's commit line",
        ),
        pytest.param(
            "[ Upstream commit 828FE4085CAE0123456789ABCDEF012345678901 ]",
            CommitRef("upstream", "828fe4085cae0123456789abcdef012345678901"),
            id="a stable backport's bracketed upstream line",
        ),
        pytest.param(
            "This reverts commit 828fe4085cae0123456789abcdef012345678901.",
            CommitRef("reverts", "828fe4085cae0123456789abcdef012345678901"),
            id="a revert",
        ),
    ],
)
def test_each_kind_of_reference_is_read(body: str, expected: CommitRef) -> None:
    assert extract_refs(f"Some text.\n\n{body}\nSigned-off-by: A <a@b>\n") == (expected,)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Fixes: 828fe40 (seven digits)", id="Fixes with 7 hex digits"),
        pytest.param(
            "The Link: https://lore.kernel.org/r/a@b in prose", id="Link: not at line start"
        ),
        pytest.param("Link: see the thread", id="Link without a URL"),
        pytest.param("we took commit 828fe4085cae upstream.", id="upstream inside a sentence"),
    ],
)
def test_what_is_not_a_reference(body: str) -> None:
    assert extract_refs(body) == ()


def test_a_subject_of_several_lines_is_one_line() -> None:
    assert split_message("drm: a long\n  subject\n\nbody\n\nmore\n") == (
        "drm: a long subject",
        "body\n\nmore",
    )


# -- reading -------------------------------------------------------------------


def test_read_commits_gives_fields_and_references(trees: Trees) -> None:
    git_dir = open_repository(trees.repo.path)
    commits = list(read_commits(git_dir, trees.revert))
    assert [c.sha for c in commits][:2] == [trees.revert, trees.fix]  # newest first
    assert [c.sha for c in read_commits(git_dir, trees.revert, oldest_first=True)][
        -1
    ] == trees.revert
    fix = commits[1]
    assert fix.subject == "drm/i915: check the subscription before frobnicating"
    assert fix.parents == (commits[2].sha,)
    assert (fix.author_name, fix.author_mail) == ("regtrack tests", "tests@example.invalid")
    assert fix.authored_at.endswith("+00:00") and fix.authored_at < fix.committed_at
    assert fix.refs == (
        CommitRef("fixes", trees.culprit[:12], CULPRIT_SUBJECT),
        CommitRef("reported-by", "Ada Reporter <ada@example.org>"),
        CommitRef("closes", f"https://lore.kernel.org/all/{REPORT}/", REPORT),
        CommitRef("link", "https://bugzilla.kernel.org/show_bug.cgi?id=217000"),
        CommitRef("link", f"https://patch.msgid.link/{FIX_POSTING}", FIX_POSTING),
    )
    assert commits[0].refs == (CommitRef("reverts", trees.culprit),)


def test_read_commits_leaves_out_excluded_history(trees: Trees) -> None:
    git_dir = open_repository(trees.repo.path)
    assert [c.sha for c in read_commits(git_dir, trees.cherry, [trees.base])] == [
        trees.cherry,
        trees.backport,
    ]


def test_stream_git_failure_is_a_git_error_after_the_output(trees: Trees) -> None:
    with pytest.raises(GitError, match=r"git log failed: fatal: bad object f{40}$"):
        list(stream_git(open_repository(trees.repo.path), "log", "--end-of-options", "f" * 40))


def test_stream_git_closed_early_stops_git(trees: Trees) -> None:
    chunks = stream_git(open_repository(trees.repo.path), "log", "--format=%H")
    assert next(chunks)
    chunks.close()  # no error, no process left waiting


# -- validation ----------------------------------------------------------------


@pytest.mark.parametrize(
    "branch",
    ["--upload-pack=touch x", "-x", "a..b", "HEAD@{1}", "with space", "x.lock", "", "/abs", "a//b"],
)
def test_hostile_branch_names_are_refused(branch: str) -> None:
    with pytest.raises(GitError, match="not a valid branch name"):
        check_branch(branch)


@pytest.mark.parametrize("branch", ["master", "linux-6.4.y", "akpm/mm-hotfixes-stable"])
def test_ordinary_branch_names_pass(branch: str) -> None:
    assert check_branch(branch) == branch


@pytest.mark.parametrize("revision", ["--upload-pack=x", "-x", "HEAD", "828fe40", "828fe4085cae^"])
def test_revisions_other_than_commit_ids_are_refused(trees: Trees, revision: str) -> None:
    with pytest.raises(GitError, match="not a commit id"):
        check_revision(revision)
    with pytest.raises(GitError, match="not a commit id"):
        is_ancestor(open_repository(trees.repo.path), revision, trees.fix)


def test_repositories_bare_or_with_a_work_tree(trees: Trees, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(trees.repo.path), str(bare)], check=True)
    assert open_repository(trees.repo.path) == (trees.repo.path / ".git").resolve()
    assert open_repository(bare) == bare.resolve()
    with pytest.raises(GitError, match=r"no such repository"):
        open_repository(tmp_path / "missing")
    with pytest.raises(GitError, match=r"not a git repository"):
        open_repository(tmp_path / "linux.msg")  # a file
    (tmp_path / "plain").mkdir()
    with pytest.raises(GitError, match=r"plain: not a git repository"):
        open_repository(tmp_path / "plain")


# -- scanning ------------------------------------------------------------------


def test_first_scan_reads_the_whole_branch_then_nothing(trees: Trees, store: Store) -> None:
    first = scan_branch(store, trees.repo.path, "mainline", None)
    assert (first.branch, first.mode, first.read, first.new, first.dropped) == (
        "master",
        "first",
        5,
        5,
        0,
    )
    before = _dump(store)
    again = scan_branch(store, trees.repo.path, "mainline", "master")
    assert (again.mode, again.read, again.new) == ("unchanged", 0, 0)
    assert _dump(store) == before


def test_an_incremental_scan_reads_only_new_commits(trees: Trees, store: Store) -> None:
    scan_branch(store, trees.repo.path, "mainline", "master")
    trees.repo.commit("mm: one\n", "a.c", "1\n")
    newest = trees.repo.commit("mm: two\n", "a.c", "2\n")
    scan = scan_branch(store, trees.repo.path, "mainline", "master")
    assert (scan.mode, scan.read, scan.new, scan.head, scan.previous_head) == (
        "incremental",
        2,
        2,
        newest,
        trees.revert,
    )
    assert store.commit_stats()["commits"] == 7


def test_a_commit_on_two_branches_is_stored_once(trees: Trees, store: Store) -> None:
    scan_branch(store, trees.repo.path, "mainline", "master")
    stable = scan_branch(store, trees.repo.path, "stable", "linux-6.4.y")
    assert (stable.read, stable.new) == (3, 2)  # v6.4 was known from mainline
    key = BranchKey(str(open_repository(trees.repo.path)), "stable", "linux-6.4.y")
    assert store.branches_of(trees.base)[key] is True


def test_a_rewritten_next_is_read_from_the_merge_base(trees: Trees, store: Store) -> None:
    path = trees.repo.path
    scan_branch(store, path, "next", "next")
    new_head = _rebuild_next(trees)
    scan = scan_branch(store, path, "next", "next")
    assert (scan.mode, scan.read, scan.new, scan.dropped) == ("rewritten", 2, 2, 2)
    key = BranchKey(str(open_repository(path)), "next", "next")
    respun = store.commits_by_subject(CULPRIT_SUBJECT)
    on_next = {c.sha: store.branches_of(c.sha).get(key) for c in respun}
    assert on_next[trees.next_culprit] is False  # the culprit left next
    respin = store.commit(new_head)
    assert respin is not None and respin.parents[0] in on_next
    assert on_next[respin.parents[0]] is True  # its replacement is there
    assert store.branches_of(trees.next_head)[key] is False
    assert store.branches_of(new_head)[key] is True
    assert store.git_cursor(key).head == new_head


def test_a_rebuild_with_the_same_commits_changes_nothing(trees: Trees, store: Store) -> None:
    scan_branch(store, trees.repo.path, "next", "next")
    _rebuild_next(trees, respin=False)  # the same culprit: the same ids again
    scan = scan_branch(store, trees.repo.path, "next", "next")
    assert (scan.mode, scan.read, scan.dropped) == ("unchanged", 0, 0)


def test_a_pruned_old_head_means_a_full_rescan(trees: Trees, store: Store) -> None:
    path = trees.repo.path
    scan_branch(store, path, "next", "next")
    _rebuild_next(trees)
    trees.repo.git("reflog", "expire", "--expire=now", "--all")
    trees.repo.git("gc", "-q", "--prune=now")
    scan = scan_branch(store, path, "next", "next")
    assert (scan.mode, scan.read, scan.new, scan.dropped) == ("rescan", 5, 2, 2)
    key = BranchKey(str(open_repository(path)), "next", "next")
    assert store.branches_of(trees.next_culprit)[key] is False
    assert store.branches_of(trees.base)[key] is True


def test_rescanning_after_a_rewrite_changes_nothing(trees: Trees, store: Store) -> None:
    scan_branch(store, trees.repo.path, "next", "next")
    _rebuild_next(trees)
    scan_branch(store, trees.repo.path, "next", "next")
    before = _dump(store)
    assert scan_branch(store, trees.repo.path, "next", "next").mode == "unchanged"
    assert _dump(store) == before


def test_stored_commits_answer_by_reference(trees: Trees, store: Store) -> None:
    scan_branch(store, trees.repo.path, "mainline", "master")
    scan_branch(store, trees.repo.path, "stable", "linux-6.4.y")
    assert [c.sha for c in store.commits_fixing(trees.culprit)] == [trees.fix]
    assert [c.sha for c in store.commits_linking(REPORT)] == [trees.fix]
    assert [c.sha for c in store.commits_linking(FIX_POSTING)] == [trees.fix]
    assert [c.sha for c in store.commits_referencing("reverts", trees.culprit)] == [trees.revert]
    assert [c.sha for c in store.commits_referencing("upstream", trees.fix)] == [trees.backport]
    assert [c.sha for c in store.commits_referencing("upstream", trees.revert)] == [trees.cherry]


def test_an_unknown_branch_or_tree_is_refused(trees: Trees, store: Store) -> None:
    with pytest.raises(GitError, match=r"no branch 'nope'"):
        scan_branch(store, trees.repo.path, "next", "nope")
    with pytest.raises(GitError, match=r"unknown tree 'linus'"):
        scan_branch(store, trees.repo.path, "linus", None)


# -- the command ---------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    with CliRunner().isolation() as (stdout, stderr, _):
        code = main(list(args))
    return code, stdout.getvalue().decode(), stderr.getvalue().decode()


def test_scan_git_prints_one_line_per_branch(trees: Trees, db_path: Path) -> None:
    path = str(trees.repo.path)
    code, out, err = run("scan-git", path, "--tree", "mainline", "--db", str(db_path))
    assert (code, err) == (0, "")
    assert out == (
        f"5 commits read, 5 new, 0 no longer on mainline/master "
        f"(first scan, head {trees.revert[:12]}); database {db_path}\n"
    )
    _rebuild_next(trees)
    code, out, _ = run(
        "scan-git",
        path,
        "--tree",
        "next",
        "--branch",
        "next",
        "--branch",
        "next",
        "--db",
        str(db_path),
    )
    assert code == 0 and out.splitlines()[1].startswith(
        "0 commits read, 0 new, 0 no longer on next/next"
    )


def test_scan_git_json(trees: Trees, db_path: Path) -> None:
    path = str(trees.repo.path)
    run("scan-git", path, "--tree", "next", "--branch", "next", "--db", str(db_path))
    head = _rebuild_next(trees)
    code, out, _ = run(
        "scan-git", path, "--tree", "next", "--branch", "next", "--db", str(db_path), "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["database"] == str(db_path)
    assert data["branches"] == [
        {
            "repository": str((trees.repo.path / ".git").resolve()),
            "tree": "next",
            "branch": "next",
            "head": head,
            "previous_head": trees.next_head,
            "merge_base": trees.repo.git("rev-parse", "v6.5-rc1"),
            "mode": "rewritten",
            "read": 2,
            "new": 2,
            "dropped": 2,
        }
    ]


@pytest.mark.parametrize("branch", ["--upload-pack=touch pwned", "-x"])
def test_scan_git_refuses_a_hostile_branch(trees: Trees, db_path: Path, branch: str) -> None:
    code, out, err = run(
        "scan-git",
        str(trees.repo.path),
        "--tree",
        "next",
        f"--branch={branch}",
        "--db",
        str(db_path),
    )
    assert (code, out) == (1, "")
    assert err == f"regtrack: error: not a valid branch name: {branch!r}\n"
    assert not (trees.repo.path / "pwned").exists()


def test_scan_git_refuses_a_path_that_is_no_repository(tmp_path: Path, db_path: Path) -> None:
    code, _, err = run("scan-git", str(tmp_path), "--tree", "mainline", "--db", str(db_path))
    assert code == 1 and err == f"regtrack: error: {tmp_path}: not a git repository\n"
    code, _, err = run("scan-git", str(tmp_path / "no"), "--tree", "mainline", "--db", str(db_path))
    assert code == 1 and err == f"regtrack: error: {tmp_path / 'no'}: no such repository\n"


@pytest.mark.parametrize(
    "url",
    [
        "https://patch.msgid.link/20230721.1-1-dev@example.org",
        "https://lore.kernel.org/all/20230720.report@example.org/",
        "https://lore.kernel.org/r/CAHk-=wi+x_y@mail.gmail.com",
        "https://lore.kernel.org/dri-devel/20230720.z@example.org/T/#u",
        "https://lore.kernel.org/all/20230720%2Ex@example.org/",
        "https://lkml.kernel.org/r/20230720.x@example.org",
    ],
)
def test_the_fast_reading_of_link_urls_agrees_with_msgid(url: str) -> None:
    from regtrack.msgid import msgid_from_reference

    assert extract_refs(f"Link: {url}\n")[0].target == msgid_from_reference(url)


def test_upper_case_backport_and_revert_lines_are_read_in_order() -> None:
    sha = "828fe4085cae0123456789abcdef012345678901"
    body = f"COMMIT {sha} UPSTREAM.\n\nTHIS REVERTS COMMIT {sha}.\n\nLink: https://x.org/a\n"
    assert [ref.kind for ref in extract_refs(body)] == ["upstream", "reverts", "link"]


def test_a_remote_tracking_branch_of_a_clone_is_scanned(
    trees: Trees, store: Store, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(trees.repo.path), str(clone)], check=True)
    scan = scan_branch(store, clone, "next", "origin/next")
    assert (scan.branch, scan.head, scan.read) == ("origin/next", trees.next_head, 5)


def test_a_scan_that_fails_half_way_keeps_the_cursor_and_completes_later(
    trees: Trees, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("regtrack.gitsync.BATCH", 2)
    # A real refusal: SQLite aborts the batch that holds the culprit (the third batch).
    store.conn.execute(
        f"CREATE TRIGGER refuse BEFORE INSERT ON commits WHEN new.sha = '{trees.culprit}' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    with pytest.raises(
        StoreError, match=r"cannot write commits \(refused\); the batch was rolled back"
    ):
        scan_branch(store, trees.repo.path, "mainline", "master")
    key = BranchKey(str(open_repository(trees.repo.path)), "mainline", "master")
    assert store.git_cursor(key) is None
    assert store.commit_stats()["commits"] == 2  # the first batch (newest first) is kept
    store.conn.execute("DROP TRIGGER refuse")
    scan = scan_branch(store, trees.repo.path, "mainline", "master")
    assert (scan.mode, scan.read, scan.new) == ("first", 5, 3)
    assert store.git_cursor(key).head == trees.revert


def test_a_message_that_is_not_utf8_is_read_with_replacement(
    tmp_path: Path, git_env: dict[str, str], store: Store
) -> None:
    repo = tmp_path / "latin1.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "master", str(repo)], check=True)
    message = b"caf\xe9: fix\n\nReported-by: Ren\xe9 <r@example.org>\n"
    stream = (
        b"commit refs/heads/master\n"
        b"author Ren\xe9 <r@example.org> 1700000000 +0000\n"
        b"committer Ren\xe9 <r@example.org> 1700000000 +0000\n"
        b"data %d\n%s\n" % (len(message), message)
    )
    subprocess.run(["git", f"--git-dir={repo}", "fast-import", "--quiet"], input=stream, check=True)
    scan_branch(store, repo, "mainline", None)
    (commit,) = store.commits_by_subject("caf\ufffd: fix")
    assert commit.author_name == "Ren\ufffd"
    assert commit.refs == (CommitRef("reported-by", "Ren\ufffd <r@example.org>"),)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("Fixes:LinkCloses upstreamcommit []().\n\t 0a9fF@/<>%"))
    | st.text()
)
def test_any_body_gives_references_or_nothing(body: str) -> None:
    refs = extract_refs(body)
    assert all(ref.kind in REF_KINDS for ref in refs)
    assert all(
        re.fullmatch(r"[0-9a-f]{8,40}", ref.value)
        for ref in refs
        if ref.kind in ("fixes", "upstream", "reverts")
    )


def test_a_latin1_commit_is_read_as_utf8_whatever_the_log_encoding(
    trees: Trees, store: Store
) -> None:
    repo = trees.repo
    repo.git("config", "i18n.commitEncoding", "ISO-8859-1")
    repo.git("config", "i18n.logOutputEncoding", "ISO-8859-1")
    message = repo.path.parent / "latin1.msg"
    message.write_bytes(b"mm: caf\xe9\n\nReported-by: Ren\xe9 <r@example.org>\n")
    (repo.path / "x.c").write_text("x\n")
    repo.git("add", "x.c")
    repo.git("commit", "-q", "-F", str(message), time=1_690_000_000)
    scan_branch(store, repo.path, "mainline", "master")
    (commit,) = store.commits_by_subject("mm: café")
    assert commit.refs == (CommitRef("reported-by", "René <r@example.org>"),)
