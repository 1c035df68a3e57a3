"""Own text, quoted text and quoted commits, line by line."""

from __future__ import annotations

import time

import pytest

from regtrack.extract.quoting import LabelledBody, Origin, quote_depth
from tests.extract.seed import CULPRIT, seed_message


@pytest.mark.parametrize(
    ("raw", "depth", "text"),
    [
        pytest.param("plain", 0, "plain", id="no quoting"),
        pytest.param("> quoted", 1, "quoted", id="one level"),
        pytest.param(">> twice", 2, "twice", id="two levels without spaces"),
        pytest.param("> > > three", 3, "three", id="three levels with spaces"),
        pytest.param(">", 1, "", id="an empty quoted line"),
        pytest.param(" > not quoted", 0, " > not quoted", id="indented > is not quoting"),
    ],
)
def test_quote_depth(raw: str, depth: int, text: str) -> None:
    assert quote_depth(raw) == (depth, text)


def test_seed_report_commit_block_is_quoted_commit() -> None:
    lines = LabelledBody(seed_message(1).body).lines
    block = [line for line in lines if line.origin is Origin.QUOTED_COMMIT]
    assert block[0].text == f"commit {CULPRIT}"
    assert {line.commit for line in block} == {CULPRIT}
    assert "mmu_notifiers: rename invalidate_range notifier" in [line.text for line in block]
    assert block[-1].text.startswith("Link: https://lkml.kernel.org/r/9a02dde2")
    after = lines[lines.index(block[-1]) + 1 :]
    assert any("We also verified by reverting" in line.text for line in after)
    assert all(line.origin is Origin.OWN for line in after)


def test_outlook_reply_header_quotes_the_rest() -> None:
    body = LabelledBody(seed_message(10).body)
    lines = body.lines
    assert body.own_text().splitlines()[:3] == [
        "Hello Alistair,",
        "",
        "Thank you for the quick fix.",
    ]
    separator = next(line for line in lines if "Original Message" in line.text)
    assert separator.origin is Origin.QUOTED
    assert all(line.origin is not Origin.OWN for line in lines[lines.index(separator) :])


def test_nested_quotes_keep_depth_and_commit() -> None:
    body = (
        "On Mon, A wrote:\n> commit 0123456789abcdef0123456789abcdef01234567\n"
        "> Author: A <a@x>\n> Date:   Mon Jan 1 00:00:00 2024\n>\n>     subject line\n"
        ">\n>     Link: https://lore.kernel.org/r/a@x\n> back to quote\nmine\n"
    )
    lines = LabelledBody(body).lines
    origins = [(line.origin.value, line.depth) for line in lines]
    assert origins[0] == ("own", 0)
    assert origins[1:8] == [("quoted-commit", 1)] * 7
    assert origins[8:10] == [("quoted", 1), ("own", 0)]


def test_commit_word_without_git_headers_is_plain_text() -> None:
    lines = LabelledBody(
        "commit 0123456789abcdef0123456789abcdef01234567 broke it\nsee above\n"
    ).lines
    assert {line.origin for line in lines} == {Origin.OWN}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(">" * 100_000, id="100,000 > characters"),
        pytest.param("x" * 1_000_000, id="a 1 MB line"),
        pytest.param("> a\n" * 200_000, id="200,000 quoted lines"),
    ],
)
def test_labelling_is_linear(body: str) -> None:
    started = time.perf_counter()
    lines = LabelledBody(body).lines
    assert time.perf_counter() - started < 1.0
    assert lines
