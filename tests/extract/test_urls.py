"""Web links of the author's own text: categories and CI paths."""

from __future__ import annotations

import time

import pytest

from regtrack.extract.quoting import LabelledBody
from regtrack.extract.urls import extract_web_links
from tests.extract.seed import seed_message


def links(body: str):
    return extract_web_links(LabelledBody(body))


def test_seed_report_ci_links_and_machine() -> None:
    found = {link.url: link for link in links(seed_message(1).body)}
    results = found["https://intel-gfx-ci.01.org/tree/linux-next/combined-alt.html?"]
    assert results.category == "ci"
    dmesg = found["https://intel-gfx-ci.01.org/tree/linux-next/next-20230720/bat-mtlp-6/dmesg0.txt"]
    assert (dmesg.category, dmesg.tree, dmesg.tag, dmesg.machine) == (
        "ci",
        "linux-next",
        "next-20230720",
        "bat-mtlp-6",
    )
    tree = found[
        "https://git.kernel.org/pub/scm/linux/kernel/git/next/linux-next.git/commit/"
        "?h=next-20230720"
    ]
    assert tree.category == "git"


@pytest.mark.parametrize(
    ("url", "category"),
    [
        pytest.param(
            "https://syzkaller.appspot.com/bug?extid=a45b868a1ffcd86bc989",
            "ci",
            id="syzbot's dashboard",
        ),
        pytest.param(
            "https://storage.kernelci.org/next/master/next-20230110/arm64/defconfig/x.html",
            "ci",
            id="KernelCI's storage",
        ),
        pytest.param("https://bugzilla.kernel.org/show_bug.cgi?id=217000", "bug", id="bugzilla"),
        pytest.param("https://lore.kernel.org/all/a@b/", "lore", id="lore"),
        pytest.param("https://example.org/x", "other", id="anything else"),
    ],
)
def test_categories(url: str, category: str) -> None:
    (link,) = links(f"see {url}.")
    assert (link.url, link.category) == (url, category)


def test_kernelci_path_gives_tree_and_tag() -> None:
    (link,) = links("https://storage.kernelci.org/next/master/next-20230110/arm64/defconfig/x\n")
    assert (link.tree, link.tag) == ("next", "next-20230110")


def test_quoted_and_repeated_urls() -> None:
    body = "> https://example.org/quoted\nhttps://example.org/a\nagain https://example.org/a\n"
    assert [link.url for link in links(body)] == ["https://example.org/a"]


def test_urls_are_linear() -> None:
    started = time.perf_counter()
    links("https://example.org/" + "a" * 1_000_000 + "\n" + "http://x/y " * 100_000)
    assert time.perf_counter() - started < 1.0
