"""Culprit commits and revert tests, over the seed, real reports and crafted text."""

from __future__ import annotations

import time

import pytest

from regtrack.extract.culprits import extract_culprits, extract_revert_tests
from regtrack.extract.quoting import LabelledBody
from tests.extract.corpus import corpus_message
from tests.extract.seed import CULPRIT, seed_message, seed_replies


def culprits(body: str):
    return [(c.commit, c.subject, c.kind) for c in extract_culprits(LabelledBody(body))]


def test_seed_culprit_is_the_pasted_commit() -> None:
    (culprit,) = extract_culprits(LabelledBody(seed_message(1).body))
    assert (culprit.commit, culprit.subject, culprit.kind) == (
        CULPRIT,
        "mmu_notifiers: rename invalidate_range notifier",
        "git-show",
    )
    assert culprit.sentence == (
        "After bisecting the tree, the following patch seems to be causing the regression."
    )


def test_seed_revert_test() -> None:
    (revert,) = extract_revert_tests(LabelledBody(seed_message(1).body))
    assert revert.sentence == "We also verified by reverting the patch in the tree."


def test_seed_replies_blame_nothing_themselves() -> None:
    for reply in seed_replies():
        assert extract_culprits(LabelledBody(reply.body)) == ()


@pytest.mark.parametrize(
    ("msgid", "expected"),
    [
        pytest.param(
            "20230105104634.54cd6cd4@canb.auug.org.au",
            [("cc54ca385577", "thermal/acpi: Add ACPI trip point routines", "caused-by")],
            id="a linux-next build failure names its culprit",
        ),
        pytest.param(
            "20230105141715.200223e0@canb.auug.org.au",
            None,
            id="a linux-next build warning names what introduced it",
        ),
    ],
)
def test_linux_next_reports(msgid: str, expected) -> None:
    found = culprits(corpus_message(msgid).body)
    if expected is None:
        assert found and all(kind == "introduced-by" for _, _, kind in found)
    else:
        assert found == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            'Caused by commits\n\n  0123456789ab ("a: one")\n  abcdef012345 ("b: two")\n',
            [("0123456789ab", "a: one", "caused-by"), ("abcdef012345", "b: two", "caused-by")],
            id="several commits under Caused by commits",
        ),
        pytest.param(
            'This is presumably caused by commit\n\n  0123456789ab ("mm: change")\n',
            [("0123456789ab", "mm: change", "caused-by")],
            id="a hedged lead-in on its own line",
        ),
        pytest.param(
            'Maybe caused by\n\n  0123456789ab ("mm: change")\n',
            [("0123456789ab", "mm: change", "caused-by")],
            id="maybe caused by, the commit after a blank line",
        ),
        pytest.param(
            "I found the first bad commit to be\n\n  0123456789ab\n",
            [("0123456789ab", None, "first-bad")],
            id="first bad commit to be",
        ),
        pytest.param(
            "The bad commit is found to be 0123456789ab.\n",
            [("0123456789ab", None, "inline")],
            id="bad commit is found to be",
        ),
        pytest.param(
            'The boot failure is due to commit 0123456789ab ("mm: change").\n',
            [("0123456789ab", "mm: change", "inline")],
            id="due to commit",
        ),
        pytest.param(
            "It was bisected to commit '0123456789ab', which looks odd.\n",
            [("0123456789ab", None, "inline")],
            id="an id in quotes",
        ),
        pytest.param(
            "The warning is caused\nby commit 0123456789ab in the mm tree.\n",
            [("0123456789ab", None, "inline")],
            id="a phrase wrapped onto the next line",
        ),
        pytest.param(
            'Caused by commit\n\n  0123456789ab ("a: one")\n\ninteracting with commit\n\n'
            '  abcdef012345 ("b: two")\n',
            [("0123456789ab", "a: one", "caused-by"), ("abcdef012345", "b: two", "interacting")],
            id="a semantic conflict names two commits with their roles",
        ),
        pytest.param(
            "The problem was exposed by commit 0123456789ab, the bug is older.\n",
            [("0123456789ab", None, "exposed-by")],
            id="exposed by",
        ),
        pytest.param(
            "I am not sure exactly which commit caused this.\n"
            "Its probably this one 0123456789abcdef0123456789abcdef01234567\n",
            [("0123456789abcdef0123456789abcdef01234567", None, "inline")],
            id="it's probably this one",
        ),
        pytest.param(
            "I suspect commit 0123456789ab, which changed the locking.\n",
            [("0123456789ab", None, "inline")],
            id="I suspect commit",
        ),
        pytest.param(
            "Commit 0123456789ab  is causing the issue. I have verified it.\n",
            [("0123456789ab", None, "inline")],
            id="commit X is causing",
        ),
        pytest.param(
            'Caused by commit 0123456789ab ("a: one") interacting with commit\n'
            'abcdef012345 ("b: two") in the net tree.\n',
            [("0123456789ab", "a: one", "inline"), ("abcdef012345", "b: two", "interacting")],
            id="interacting with commit, inline",
        ),
        pytest.param(
            "This is not in a random driver. I think we should revert 0123456789ab.\n",
            [("0123456789ab", None, "revert-suggested")],
            id="we should revert",
        ),
        pytest.param(
            "Could you try reverting 0123456789ab to see if it helps?\n",
            [("0123456789ab", None, "revert-suggested")],
            id="a revert suggested in a reply",
        ),
        pytest.param(
            "Caused by commit (I am pretty sure, but can't see why)\n\n"
            '  054e68aae050 ("ACPI: Replace irqdomain.h include")\n',
            [("054e68aae050", "ACPI: Replace irqdomain.h include", "caused-by")],
            id="an aside after Caused by commit",
        ),
        pytest.param(
            "abcdef0123456789abcdef0123456789abcdef01 is the first bad commit\n",
            [("abcdef0123456789abcdef0123456789abcdef01", None, "first-bad")],
            id="git bisect output",
        ),
        pytest.param(
            'I bisected it to 0123456789ab ("mm: change") on next-20230720.',
            [("0123456789ab", "mm: change", "inline")],
            id="bisected it to",
        ),
        pytest.param(
            'This is caused by commit 0123456789ab ("drm: a subject that\nwraps").',
            [("0123456789ab", "drm: a subject that wraps", "inline")],
            id="a subject wrapped onto the next line",
        ),
        pytest.param(
            "The culprit is deadbeef01.", [("deadbeef01", None, "inline")], id="the culprit is"
        ),
        pytest.param(
            '> Caused by commit\n>\n>   0123456789ab ("quoted")\n',
            [],
            id="a quoted claim is not the author's",
        ),
        pytest.param(
            "commit 0123456789abcdef0123456789abcdef01234567\nAuthor: A <a@x>\n"
            "Date:   Mon\n\n    unrelated: subject\n",
            [],
            id="a pasted commit without blame is no culprit",
        ),
    ],
)
def test_crafted_culprits(body: str, expected) -> None:
    assert culprits(body) == expected


@pytest.mark.parametrize(
    ("sentence", "is_test"),
    [
        pytest.param(
            "Reverting this commit on top of next-20230726, fixes the problem",
            True,
            id="reverting this commit fixes",
        ),
        pytest.param(
            "Reverting the above patch fixes the qemu-i386 boot problem.",
            True,
            id="reverting the above patch fixes",
        ),
        pytest.param(
            "The warning goes away after reverting it.", True, id="goes away after reverting"
        ),
        pytest.param("I'll try reverting it and see.", False, id="a plan is not a result"),
        pytest.param("> Reverting this commit fixes it", False, id="quoted"),
        pytest.param('Revert "mm: something"', False, id="a revert patch's subject"),
    ],
)
def test_revert_tests(sentence: str, is_test: bool) -> None:
    assert bool(extract_revert_tests(LabelledBody(sentence))) is is_test


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("caused by " * 200_000, id="200,000 'caused by'"),
        pytest.param("revert " * 300_000, id="300,000 'revert'"),
        pytest.param("Caused by commit\n" * 100_000, id="100,000 intro lines"),
        pytest.param("a" * 1_000_000 + " is the first bad commit", id="a 1 MB word before it"),
    ],
)
def test_culprits_are_linear(body: str) -> None:
    started = time.perf_counter()
    labelled = LabelledBody(body)
    extract_culprits(labelled)
    extract_revert_tests(labelled)
    assert time.perf_counter() - started < 1.0
