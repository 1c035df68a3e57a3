"""Subject prefixes, files touched, inline fixes, and patch-ids checked against git."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from regtrack.extract.patches import changed_text, extract_patch, parse_subject, patch_id
from regtrack.extract.quoting import LabelledBody
from tests.extract.corpus import corpus_message
from tests.extract.seed import seed_message
from tests.paths import EXAMPLE_THREAD
from tests.servers import mbox_messages


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        pytest.param(
            "[PATCH v3 5/5] mm/gup: fix pinning",
            {
                "is_patch": True,
                "version": 3,
                "index": 5,
                "total": 5,
                "subsystem": "mm/gup",
                "title": "mm/gup: fix pinning",
            },
            id="a series patch",
        ),
        pytest.param(
            "[RFC PATCH net-next 0/7] tcp: rework",
            {"is_rfc": True, "tree": "net-next", "index": 0, "total": 7, "version": 1},
            id="an RFC cover letter for a tree",
        ),
        pytest.param(
            "[PATCH RESEND] widget: fix probe", {"is_resend": True, "version": 1}, id="a resend"
        ),
        pytest.param(
            "Re: [PATCH v2] drm/i915: x",
            {"is_reply": True, "is_patch": True, "version": 2},
            id="a reply to a patch",
        ),
        pytest.param(
            "[GIT PULL] drm fixes for 6.6-rc3",
            {"is_pull_request": True, "is_patch": False},
            id="a pull request",
        ),
        pytest.param(
            "Regression in linux-next", {"is_patch": False, "subsystem": None}, id="not a patch"
        ),
        pytest.param(
            "[PATCH] [v2] [1/3] x: y",
            {"version": 2, "index": 1, "total": 3},
            id="tags split over brackets",
        ),
    ],
)
def test_parse_subject(subject: str, expected: dict) -> None:
    parsed = parse_subject(subject)
    assert {key: getattr(parsed, key) for key in expected} == expected


def test_seed_fix_is_an_inline_fix() -> None:
    fix = seed_message(3)
    patch = extract_patch(LabelledBody(fix.body), parse_subject(fix.subject))
    assert patch is not None and patch.inline_fix
    assert patch.files == ("mm/mmu_notifier.c",)


def test_a_quoted_diff_is_not_the_authors_patch() -> None:
    reply = seed_message(10)  # quotes the fix under an Outlook header
    assert extract_patch(LabelledBody(reply.body), parse_subject(reply.subject)) is None


def test_a_quilt_diff_names_its_files_without_the_prefix() -> None:
    """quilt and Andrew Morton's scripts write ``--- a/x`` and ``+++ a/x``, no git header."""
    body = (
        "Try this.\n\n--- a/include/linux/mm.h~fix\n+++ a/include/linux/mm.h\n"
        "@@ -1,2 +1,3 @@\n a\n+b\n c\n"
    )
    patch = extract_patch(LabelledBody(body), parse_subject("Re: build failure"))
    assert patch is not None and patch.inline_fix
    assert patch.files == ("include/linux/mm.h",)


def test_a_tests_diff_output_in_a_log_names_no_file() -> None:
    """mdadm's test log: "diff" output of two command outputs is no patch."""
    body = "--- cat\t2023-02-08\n+++ cat\t2023-02-08\n@@ -1 +1 @@\n-md0 : active\n+md0 : inactive\n"
    assert extract_patch(LabelledBody(body), parse_subject("[linux-next:master] x")) is None


def test_posted_patch_is_no_inline_fix() -> None:
    patch_mail = mbox_messages(EXAMPLE_THREAD)[2].decode()
    body = patch_mail.split("\n\n", 1)[1]
    patch = extract_patch(LabelledBody(body), parse_subject("[PATCH] widget: do not touch"))
    assert patch is not None and not patch.inline_fix
    assert patch.files == ("drivers/misc/widget.c",)


def _git(repo: Path, *args: str, data: str | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], input=data, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, git_env, monkeypatch) -> Path:
    for key, value in git_env.items():
        monkeypatch.setenv(key, value)
    _git(tmp_path, "init", "-q")
    (tmp_path / "a.c").write_text("one\ntwo\nthree\nfour\nfive\nsix\nseven\n")
    (tmp_path / "b.h").write_text("x\ny\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def _commit_change(repo: Path, a_text: str, b_text: str, extra: str | None = None) -> str:
    (repo / "a.c").write_text(a_text)
    (repo / "b.h").write_text(b_text)
    if extra is not None:
        (repo / "c.txt").write_text(extra)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "change")
    return _git(repo, "format-patch", "-1", "--stdout")


@pytest.mark.parametrize(
    ("a_text", "b_text", "extra"),
    [
        pytest.param(
            "one\nTWO\nthree\nfour\nfive\nsix\nseven\n", "x\ny\n", None, id="one line in one file"
        ),
        pytest.param(
            "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n",
            "x\n  y  z\n",
            None,
            id="two files, whitespace inside lines",
        ),
        pytest.param(
            "zero\none\ntwo\nthree\nfour\nfive\nsix\n",
            "y\n",
            "no newline",
            id="a new file without a final newline",
        ),
    ],
)
def test_patch_id_equals_git_patch_id_stable(repo: Path, a_text, b_text, extra) -> None:
    patch = _commit_change(repo, a_text, b_text, extra)
    expected = _git(repo, "patch-id", "--stable", data=patch).split()[0]
    assert patch_id(patch) == expected


def test_patch_id_survives_a_rebase(repo: Path) -> None:
    """The same change on a moved base: new line numbers and commit, same id.

    The base grows far from the change, outside the hunk's context lines,
    as when other patches land first.
    """
    lines = [f"line {n}\n" for n in range(1, 21)]
    changed = lines.copy()
    changed[9] = "line ten, changed\n"
    (repo / "a.c").write_text("".join(lines))
    _git(repo, "commit", "-qam", "a longer base")
    first = _commit_change(repo, "".join(changed), "x\ny\n")
    _git(repo, "reset", "-q", "--hard", "HEAD~1")
    (repo / "a.c").write_text("header\n" * 5 + "".join(lines))
    _git(repo, "commit", "-qam", "move the base")
    moved = _commit_change(repo, "header\n" * 5 + "".join(changed), "x\ny\n")
    assert "@@ -7,7 +7,7 @@" in first and "@@ -12,7 +12,7 @@" in moved
    git_ids = {_git(repo, "patch-id", "--stable", data=p).split()[0] for p in (first, moved)}
    assert len(git_ids) == 1  # git agrees it is the same change
    assert patch_id(first) == patch_id(moved) == git_ids.pop()


def test_no_diff_no_patch_id() -> None:
    assert patch_id("just words\n--- not a diff\n") is None


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,1 +1,200000 @@\n" + "+line\n" * 200_000,
            id="a 200,000-line hunk",
        ),
        pytest.param("diff --git a/x b/x\n" + "a" * 1_000_000 + "\n", id="a 1 MB header line"),
    ],
)
def test_patch_id_is_linear(body: str) -> None:
    started = time.perf_counter()
    patch_id(body)
    assert time.perf_counter() - started < 1.0


def test_changed_text_is_hunk_headers_and_changed_lines_per_file() -> None:
    body = (
        "Does this help?\n\n--- a/mm/mmap.c\n+++ b/mm/mmap.c\n"
        "@@ -2396,6 +2396,7 @@ do_vmi_align_munmap(struct vma_iterator *vmi,\n"
        "                 goto end_split_failed;\n+\tmas_set(&mas_detach, count);\n"
        " \tvma_start_write(next);\n"
        "diff --git a/lib/x.c b/lib/x.c\ndeleted file mode 100644\n--- a/lib/x.c\n+++ /dev/null\n"
        "@@ -1 +0,0 @@\n-int x;\n"
    )
    assert changed_text(body) == {
        "mm/mmap.c": "@@ -2396,6 +2396,7 @@ do_vmi_align_munmap(struct vma_iterator *vmi,\n"
        "+\tmas_set(&mas_detach, count);",
        "lib/x.c": "@@ -1 +0,0 @@\n-int x;",
    }


def test_changed_text_of_a_merge_resolution_reads_both_columns() -> None:
    """Stephen Rothwell's changed resolution (real mail): a combined diff whose removed
    lines carry '-' in the first column and added ones '+' in the second."""
    body = corpus_message("20230323110311.589d2f36@canb.auug.org.au").body
    (text,) = changed_text(body).values()
    assert list(changed_text(body)) == ["lib/iov_iter.c"]
    assert "- \tif (unlikely(iov_iter_is_pipe(i))) {" in text.split("\n")
    lines = text.split("\n")
    assert (
        " +size_t copy_page_to_iter_atomic(struct page *page, unsigned offset, size_t bytes,"
        in lines
    )
    assert "  EXPORT_SYMBOL(copy_page_from_iter_atomic);" in body.split("\n")
    assert "  EXPORT_SYMBOL(copy_page_from_iter_atomic);" not in lines  # unchanged in both
