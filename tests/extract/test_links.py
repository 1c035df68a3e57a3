"""Message-ids named by URLs, with origin, including wrapped URLs."""

from __future__ import annotations

import time

import pytest

from regtrack.extract.links import extract_message_refs
from regtrack.extract.quoting import LabelledBody, Origin
from tests.extract.seed import CULPRIT_POSTING, SMATCH_REPORT, seed_message


def refs(body: str):
    return [(ref.msgid, ref.origin) for ref in extract_message_refs(LabelledBody(body))]


def test_seed_report_links_only_the_culprit_posting() -> None:
    assert refs(seed_message(1).body) == [(CULPRIT_POSTING, Origin.QUOTED_COMMIT)]


def test_seed_fix_links_smatch_report_across_a_wrapped_line() -> None:
    found = refs(seed_message(3).body)
    assert (SMATCH_REPORT, Origin.OWN) in found


def test_outlook_quote_of_the_wrapped_link() -> None:
    assert (SMATCH_REPORT, Origin.QUOTED) in refs(seed_message(10).body)


@pytest.mark.parametrize(
    ("text", "msgid"),
    [
        pytest.param(
            "see https://lore.kernel.org/all/a.b@x.org/T/#u.",
            "a.b@x.org",
            id="a lore URL with a tail and a full stop",
        ),
        pytest.param(
            "Link: https://patch.msgid.link/20240101-x@y.z", "20240101-x@y.z", id="patch.msgid.link"
        ),
        pytest.param("(https://lkml.kernel.org/r/q@w)", "q@w", id="lkml.kernel.org in brackets"),
        pytest.param("<https://lore.kernel.org/linux-mm/z%40y/>", "z@y", id="percent-encoded"),
    ],
)
def test_url_forms(text: str, msgid: str) -> None:
    assert refs(text) == [(msgid, Origin.OWN)]


def test_other_hosts_are_ignored() -> None:
    assert refs("https://git.kernel.org/pub/scm/linux/kernel/git/next/linux-next.git/") == []
    assert refs("https://bugzilla.kernel.org/show_bug.cgi?id=1@2") == []


def test_a_url_repeated_in_one_origin_is_listed_once() -> None:
    text = "https://lore.kernel.org/r/a@x\nagain https://lore.kernel.org/all/a@x/\n"
    assert refs(text) == [("a@x", Origin.OWN)]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("https://lore.kernel.org/" + "a" * 1_000_000, id="a 1 MB URL"),
        pytest.param("https://lore.kernel.org/r/x@y " * 50_000, id="50,000 URLs on a line"),
    ],
)
def test_links_are_linear(body: str) -> None:
    started = time.perf_counter()
    extract_message_refs(LabelledBody(body))
    assert time.perf_counter() - started < 1.0
