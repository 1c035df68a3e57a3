"""Reading kernel git trees: references in commit messages, streaming, validation.

The repositories are real, built in ``tmp_path`` (:mod:`tests.gitrepo`).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regtrack import gitscan
from regtrack.errors import GitError
from regtrack.gitcmd import stream_git
from regtrack.gitscan import (
    REF_KINDS,
    CommitRef,
    branch_head,
    check_branch,
    check_revision,
    extract_refs,
    is_ancestor,
    open_repository,
    read_commit_batches,
    read_commits,
    split_message,
)
from regtrack.gitsync import scan_branch
from regtrack.store import Store
from tests.gitrepo import CULPRIT_SUBJECT, FIX_POSTING, REPORT, Trees, build_trees
from tests.paths import in_ci


@pytest.fixture(autouse=True, params=["compiled", "python"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test reads git's output both ways: the compiled reader, and Python's."""
    if request.param == "python":
        monkeypatch.setattr(gitscan, "COMPILED", None)
    elif gitscan.COMPILED is None:
        message = "regtrack._gitparse is not built (no C compiler at install time)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return str(request.param)


@pytest.fixture
def trees(tmp_path: Path, git_env: dict[str, str]) -> Trees:
    return build_trees(tmp_path, git_env)


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


# -- reading at speed ----------------------------------------------------------


def _fast_import(repo: Path, *messages: bytes) -> None:
    subprocess.run(["git", "init", "-q", "--bare", "-b", "master", str(repo)], check=True)
    stream = b""
    for number, message in enumerate(messages):
        who = b"Ren\xc3\xa9 <r@example.org> %d +0000" % (1_700_000_000 + number)
        stream += b"commit refs/heads/master\nauthor %s\ncommitter %s\n" % (who, who)
        stream += b"data %d\n%s\n" % (len(message), message)
    subprocess.run(["git", f"--git-dir={repo}", "fast-import", "--quiet"], input=stream, check=True)


@pytest.mark.parametrize("chunk", [1, 5, 64], ids=lambda size: f"{size}-byte chunks")
def test_records_cut_anywhere_by_the_pipe_are_read_whole(
    trees: Trees, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # git's output arrives in pieces that end anywhere: inside a field, a
    # record, or a UTF-8 sequence (the é and the ü below).
    trees.repo.commit("mm: café\n\nÜber.\nLink: https://lore.kernel.org/r/a@b\n", "c.c", "1\n")
    git_dir = open_repository(trees.repo.path)
    head = trees.repo.git("rev-parse", "HEAD")
    whole = list(read_commits(git_dir, head))
    monkeypatch.setattr("regtrack.gitcmd.STREAM_CHUNK", chunk)
    assert list(read_commits(git_dir, head)) == whole
    assert whole[0].subject == "mm: café" and whole[0].refs == (
        CommitRef("link", "https://lore.kernel.org/r/a@b", "a@b"),
    )


def test_batches_hold_the_size_asked_for(trees: Trees) -> None:
    git_dir = open_repository(trees.repo.path)
    batches = list(read_commit_batches(git_dir, trees.revert, size=2))
    assert [len(batch) for batch in batches] == [2, 2, 1]
    records = [commit for batch in batches for commit in batch.records()]
    assert records == list(read_commits(git_dir, trees.revert))
    assert records[1].refs[0] == CommitRef("fixes", trees.culprit[:12], CULPRIT_SUBJECT)


def test_empty_messages_and_a_subject_without_body_are_read(tmp_path: Path) -> None:
    repo = tmp_path / "empty.git"
    _fast_import(repo, b"", b"mm: only a subject\n", b"\n\nmm: late\n subject\n\nLink: x\n", b"")
    commits = list(read_commits(repo, branch_head(repo, "master")))
    assert [(c.subject, c.refs) for c in commits] == [
        ("", ()),
        ("mm: late subject", ()),  # a Link: without a URL names nothing
        ("mm: only a subject", ()),
        ("", ()),
    ]
    assert commits[0].author_name == "René"


def test_a_stored_commit_is_the_commit_git_gave(trees: Trees, store: Store) -> None:
    scan_branch(store, trees.repo.path, "stable", "linux-6.4.y")
    read = list(read_commits(open_repository(trees.repo.path), trees.cherry))
    assert [store.commit(commit.sha) for commit in read] == read
    assert read[0].refs == (CommitRef("upstream", trees.revert),)


def test_a_message_with_a_nul_is_read_up_to_it(tmp_path: Path) -> None:
    # git prints a message only up to a NUL, so the record's fields stay in step.
    repo = tmp_path / "nul.git"
    _fast_import(
        repo, b"mm: x\n\nLink: https://lore.kernel.org/r/a@b\0Link: https://x.org/\n", b"y\n"
    )
    commits = list(read_commits(repo, branch_head(repo, "master")))
    assert [c.subject for c in commits] == ["y", "mm: x"]
    assert commits[1].refs == (CommitRef("link", "https://lore.kernel.org/r/a@b", "a@b"),)


def test_git_may_write_a_chunk_ahead_of_its_reader() -> None:
    import fcntl
    import os

    from regtrack.gitcmd import STREAM_CHUNK, _widen

    read_end, write_end = os.pipe()
    os.close(write_end)
    with open(read_end, "rb") as pipe:
        _widen(pipe)
        assert fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ) == STREAM_CHUNK
