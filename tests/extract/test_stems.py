"""Stems found in one pass (Hyperscan) agree with str.find, on any text."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regtrack.extract import stems
from regtrack.extract.facts import extract_facts
from regtrack.extract.stems import StemHits
from tests.extract.corpus import all_corpus_messages

pytestmark = pytest.mark.skipif(
    not stems.accelerated(), reason="Hyperscan is not installed: only str.find is in use"
)

STEMS = stems.register(("Error: ", "évert", "NIP", "x\ny", "ab")) + stems.register(
    ("Fixes:", "ab", "k"), caseless=True
)


def both(text: str) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    fast, slow = StemHits(text), StemHits(text, use_hyperscan=False)
    return (
        {stem.text + "/i" * stem.caseless: fast.lines_with(stem) for stem in STEMS},
        {stem.text + "/i" * stem.caseless: slow.lines_with(stem) for stem in STEMS},
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Error: ",
                "évert",
                "NIP",
                "\n",
                "x",
                "y",
                "ab",
                "AB",
                "aB",
                "a",
                "é",
                "😀",
                " ",
                "FIXES:",
                "fIxEs:",
                "\u212a",  # the Kelvin sign lowers to "k", but is no ASCII letter
                "\u0130",  # dotted capital I lowers to two characters
                "?",
            ]
        ),
        max_size=60,
    ).map("".join)
)
def test_one_pass_finds_the_lines_str_find_finds(text: str) -> None:
    fast, slow = both(text)
    assert fast == slow


def test_offsets_are_characters_after_multibyte_text() -> None:
    text = "naïve \u2018quotes\u2019 😀\nfoo Error: bar\nab"  # gcc quotes symbols so
    fast, slow = both(text)
    assert fast["Error: "] == slow["Error: "] == [text.index("foo")]
    assert fast["ab"] == [text.rindex("ab")]
    assert fast["ab/i"] == slow["ab/i"] == [text.rindex("ab")]


def test_too_many_hits_fall_back_to_str_find() -> None:
    text = "Error: x\n" * (stems.MAX_HITS + 10)
    hits = StemHits(text)
    error, nip = STEMS[0], STEMS[2]
    assert len(hits.lines_with(error)) == stems.MAX_HITS + 10
    assert hits.lines_with(nip) == []


def test_a_megabyte_line_of_hits_stays_linear() -> None:
    text = "Error: " * 90_000 + "x" * 400_000  # one line of a million characters
    assert text.count("Error: ") < stems.MAX_HITS  # so the one pass answers
    started = time.perf_counter()
    assert StemHits(text).lines_with(STEMS[0]) == [0]
    assert time.perf_counter() - started < 1


def test_an_empty_stem_is_refused() -> None:
    with pytest.raises(ValueError):
        stems.register(("",))


@pytest.mark.corpus
def test_corpus_facts_are_the_same_without_hyperscan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fact of every corpus message, extracted with and without the one pass."""
    messages = all_corpus_messages()
    fast = [extract_facts(m.subject, m.body) for m in messages]
    monkeypatch.setattr(stems, "hyperscan", None)
    assert not stems.accelerated()
    slow = [extract_facts(m.subject, m.body) for m in messages]
    assert len(messages) > 5000
    for message, one, other in zip(messages, fast, slow, strict=True):
        assert one == other, message.msgid


def test_a_caseless_stem_must_be_plain_ascii() -> None:
    with pytest.raises(ValueError):
        stems.register(("naïve",), caseless=True)
    with pytest.raises(ValueError):
        stems.register(("what?",), caseless=True)


def test_threads_scan_at_once() -> None:
    """Each thread has scratch space of its own; a shared one would be "in use"."""
    texts = [f"line {n}\nfoo Error: bar {n}\n" * 2000 + "NIP\n" * n for n in range(40)]
    expected = [both(text)[1] for text in texts]

    def scan(text: str) -> tuple[bool, list[int]]:
        hits = StemHits(text)
        lines = hits.lines_with(STEMS[0])
        return hits.one_pass, lines

    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(scan, texts))
    assert all(one_pass for one_pass, _ in found)
    assert [lines for _, lines in found] == [e[STEMS[0].text] for e in expected]
