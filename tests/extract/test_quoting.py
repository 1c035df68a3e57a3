"""Own text, quoted text and quoted commits, line by line."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regtrack.extract import quoting
from regtrack.extract.quoting import LabelledBody, Origin, Span, quote_depth, unquoted_paste
from regtrack.extract.stems import StemHits
from tests.extract.seed import CULPRIT, seed_message, seed_replies


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


_AKPM_PASTE = """\
Thanks.  Suren has a fix, but I haven't pushed it out yet :(


From: Suren Baghdasaryan <surenb@example.org>
Subject: mm-khugepaged-write-lock-vma-fix-fix
Date: Sat, 4 Mar 2023 15:24:15 -0800

I missed the definition for CONFIG_PER_VMA_LOCK=n.

Signed-off-by: Suren Baghdasaryan <surenb@example.org>
---


--- a/include/linux/mm.h~mm-khugepaged-write-lock-vma-fix-fix
+++ a/include/linux/mm.h
@@ -717,6 +717,8 @@ static inline bool vma_start_read(struct
 static inline void vma_start_write(struct vm_area_struct *vma) {}
+static inline bool vma_try_start_write(struct vm_area_struct *vma)
+\t\t{ return true; }
"""


def test_a_patch_pasted_under_a_mail_header_is_the_authors_own() -> None:
    """Andrew Morton pastes a fix as his scripts write it (From:, Subject: <patch name>,
    Date:), a header Outlook's reply header resembles: the Signed-off-by: and the diff
    below it make it a pasted patch, not a quoted reply."""
    body = LabelledBody(_AKPM_PASTE)
    assert {span.origin for span in body.spans} == {Origin.OWN}
    assert "+++ a/include/linux/mm.h" in body.own_text()


def test_an_outlook_reply_quoting_prose_stays_quoted() -> None:
    reply = "Thanks.\n\nFrom: Dave <dave@example.org>\nSent: Monday\nTo: x\n\nHi, a question.\n"
    body = LabelledBody(reply)
    assert body.own_text().strip() == "Thanks."


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


GIT_SHOW_BLOCK = (
    "commit {:040x}\nAuthor: A <a@x>\nDate:   Mon Jan 1 00:00:00 2024\n\n    fix {}\n\n"
)


def test_forty_thousand_git_show_blocks_label_in_linear_time() -> None:
    """Laying each block over every span was quadratic: 40,000 blocks in 3 MB took 78 s."""
    body = "".join(
        ("> a quoted line\n" if number % 2 else "own words\n")
        + GIT_SHOW_BLOCK.format(number, number)
        for number in range(40_000)
    )
    assert len(body) > 3_000_000
    started = time.perf_counter()
    spans = LabelledBody(body).spans
    assert time.perf_counter() - started < 3.0
    assert sum(span.origin is Origin.QUOTED_COMMIT for span in spans) == 40_000
    assert spans[0].start == 0 and spans[-1].end == len(body)
    assert all(span.end == after.start for span, after in itertools.pairwise(spans))


def _overlay_one_at_a_time(spans: list[Span], blocks: list[Span]) -> list[Span]:
    """The labelling's earlier way: each block laid over every span in turn."""
    for block in blocks:
        result: list[Span] = []
        for span in spans:
            if span.end <= block.start or span.start >= block.end:
                result.append(span)
                continue
            if span.start < block.start:
                result.append(span._replace(end=block.start))
            if span.end > block.end:
                result.append(span._replace(start=block.end))
        result.append(block)
        result.sort(key=lambda span: span.start)
        spans = result
    return spans


_BODY_LINES = st.sampled_from(
    [
        "commit 0123456789abcdef0123456789abcdef01234567",
        "> commit 89abcdef0123456789abcdef0123456789abcdef",
        "Author: A <a@x>",
        "> Author: A <a@x>",
        "Date:   Mon Jan 1 00:00:00 2024",
        "    subject line",
        ">     quoted message",
        "",
        ">",
        "own text",
        "> quoted",
        ">> deeper",
        "-----Original Message-----",
        "From: B <b@x>",
        "Sent: Monday",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_BODY_LINES, max_size=60))
def test_one_pass_overlay_equals_one_block_at_a_time(lines: list[str]) -> None:
    body = "\n".join(lines) + "\n"
    labelled = LabelledBody(body)
    blocks = quoting._commit_blocks(body)
    assert all(a.end <= b.start for a, b in itertools.pairwise(blocks))
    without_blocks = [span for span in _spans_without_commits(body)]
    assert (
        list(labelled.spans)
        == (_overlay_one_at_a_time(without_blocks, blocks) if blocks else without_blocks)
        or not body.strip()
    )


def _spans_without_commits(body: str) -> list[Span]:
    """The own/quoted spans of ``body`` before quoted commits are laid over them."""
    stems = StemHits(body)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(quoting, "_commit_blocks", lambda text: [])
        return list(quoting._label_spans(body, stems))


def test_one_line_read_alone_is_the_line_of_the_whole_body() -> None:
    bodies = [message.body for message in (seed_message(1), *seed_replies())]
    bodies.append(
        "Hi,\n\n> quoted\n> > twice\n\ncommit 0123456789abcdef0123456789abcdef01234567\n"
        "Author: A <a@x>\nDate:   Mon\n\n    subject here\n\nown again\n"
    )
    for text in bodies:
        body = LabelledBody(text)
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n" and i + 1 < len(text)]
        for start in starts:
            line = body.line_starting_at(start)
            assert line == body.lines[line.number - 1], (start, line)


_PIECES = [
    "own words", "> quoted", ">> deeper", "> > spaced", "", "-----Original Message-----",
    "From: A <a@x>", "Sent: Monday", "commit 0123456789abcdef0123456789abcdef01234567",
    "Author: A <a@x>", "Date:   Mon", "    a subject", "On Mon, A wrote:", "  indented",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30), st.booleans())
def test_any_line_read_alone_is_the_line_of_the_whole_body(pieces: list[str], end: bool) -> None:
    text = "\n".join(pieces) + ("\n" if end else "")
    body = LabelledBody(text)
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n" and i + 1 < len(text)]
    for start in starts if text else []:
        line = body.line_starting_at(start)
        assert line == body.lines[line.number - 1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hi!\n\n> gcc -c x.c\n>\n> x.c:1: error: bad\n",
            "Hi!\n\ngcc -c x.c\n\nx.c:1: error: bad\n",
        ),
        (">> twice\n", "> twice\n"),  # one level only
        ("no quotes at all\n", "no quotes at all\n"),
        (
            "FYI\n\n-------- Forwarded Message --------\n> quoted in the forward\n",
            "FYI\n\n-------- Forwarded Message --------\n> quoted in the forward\n",
        ),
        (
            "On Mon, 3 Jul 2023, Someone wrote:\n> a quote\n\nOK.\n",
            "On Mon, 3 Jul 2023, Someone wrote:\n> a quote\n\nOK.\n",
        ),
    ],
    ids=["a pasted log", "nested quotes", "nothing quoted", "a forward", "an attribution"],
)
def test_unquoted_paste(text: str, expected: str) -> None:
    assert unquoted_paste(text) == expected
