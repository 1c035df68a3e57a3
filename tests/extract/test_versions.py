"""Tags, ranges, trees and the tree a report is about."""

from __future__ import annotations

import time

import pytest

from regtrack.extract.quoting import LabelledBody
from regtrack.extract.versions import extract_versions, tag_tree
from tests.extract.seed import seed_message


def versions(body: str, subject: str = ""):
    return extract_versions(LabelledBody(body), subject)


def test_seed_is_about_linux_next() -> None:
    report = seed_message(1)
    found = versions(report.body, report.subject)
    assert [tag.name for tag in found.tags] == ["next-20230720"]
    assert found.report_tree == "linux-next"


@pytest.mark.parametrize(
    ("tag", "tree"),
    [
        ("v6.5", "mainline"),
        ("v6.6-rc1", "mainline"),
        ("v6.1.42", "stable"),
        ("next-20230720", "linux-next"),
    ],
)
def test_tag_tree(tag: str, tree: str) -> None:
    assert tag_tree(tag) == tree


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        pytest.param(
            "broken since v6.6-rc1, fine in v6.5.",
            ["v6.6-rc1", "v6.5"],
            id="tags in prose, with a full stop",
        ),
        pytest.param("uname: 6.5.0-rc3-next-20230726 #1", ["next-20230726"], id="a uname string"),
        pytest.param("commit/?h=next-20230720 ", ["next-20230720"], id="a git.kernel.org URL"),
        pytest.param("firmware-v6.5x and abcv6.5 and 1v6.5", [], id="not inside words"),
    ],
)
def test_tags(text: str, tags: list[str]) -> None:
    assert [tag.name for tag in versions(text).tags] == tags


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        pytest.param("v5.13..v5.14", [("v5.13", "v5.14")], id="mainline tags"),
        pytest.param(
            "next-20211006..next-20211008",
            [("next-20211006", "next-20211008")],
            id="linux-next tags",
        ),
        pytest.param("v5.13..1f2e3d4c5d", [("v5.13", "1f2e3d4c5d")], id="a tag and a commit"),
        pytest.param("v6.4...v6.5-rc1", [("v6.4", "v6.5-rc1")], id="three dots"),
        pytest.param("see ../foo and wait... ok", [], id="paths and ellipses are no ranges"),
        pytest.param(
            "index 63c8eb740af7..ec3b068cbbe6 100644", [], id="a diff's index line is no range"
        ),
        pytest.param(
            "diff --cc lib/iov_iter.c\nindex 48ca1c5dfc04,fad95e4cf372..389cc8a53097\n",
            [],
            id="nor is a merge's combined diff's",
        ),
    ],
)
def test_ranges(text: str, ranges) -> None:
    assert [(r.start, r.end) for r in versions(text).ranges] == ranges


@pytest.mark.parametrize(
    ("subject", "text", "tree"),
    [
        pytest.param(
            "linux-next: build failure after merge of the drm tree",
            "",
            "linux-next",
            id="linux-next in the subject",
        ),
        pytest.param(
            "[REGRESSION] suspend broken",
            "since v6.6-rc1; v6.5 works",
            "mainline",
            id="mainline tags",
        ),
        pytest.param(
            "[REGRESSION] 6.1.42 stable: boot hangs",
            "v6.1.42",
            "stable",
            id="stable in the subject",
        ),
        pytest.param("hello", "nothing here", None, id="nothing to tell"),
        pytest.param(
            "[PATCH mm-unstable] mm/damon: document get_score_arg",
            "Fixes: 99b36eab9c05 (...) on mm-unstable missed documenting it",
            None,
            id="mm's unstable branch is no stable tree",
        ),
        pytest.param("[PATCH] x", "applied to mm-stable", None, id="nor its stable branch"),
    ],
)
def test_report_tree(subject: str, text: str, tree: str | None) -> None:
    assert versions(text, subject).report_tree == tree


def test_named_trees_and_tree_words() -> None:
    found = versions("After merging the drm-misc tree, mainline and linux-next differ.")
    assert found.named_trees == ("drm-misc",)
    assert set(found.trees) == {"linux-next", "mainline"}


def test_quoted_versions_are_not_the_authors() -> None:
    assert versions("> broken since v6.6-rc1\nme: fine").tags == ()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("v6.5.." * 200_000, id="a million characters of ranges"),
        pytest.param("." * 1_000_000, id="a 1 MB line of dots"),
        pytest.param("v1" * 500_000, id="half a million almost-tags"),
    ],
)
def test_versions_are_linear(body: str) -> None:
    started = time.perf_counter()
    versions(body)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("text", "trees"),
    [
        ("Today's linux-next fails to build.", ("linux-next",)),
        ("I'll take care in the parisc for-next tree.", ()),
        ("It builds when using the net-next tree :)", ()),
        ("Fixes: 99b36eab9c05 (...) on mm-unstable", ()),
        ("Please apply to stable.", ("stable",)),
    ],
    ids=["linux-next", "a for-next tree", "net-next", "mm-unstable", "stable"],
)
def test_a_tree_is_named_by_a_word_of_its_own(text: str, trees: tuple[str, ...]) -> None:
    assert versions(text).trees == trees
