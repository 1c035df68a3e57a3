"""Trailers with their origin, over the seed thread and crafted lines."""

from __future__ import annotations

import time

import pytest

from regtrack.extract.quoting import LabelledBody, Origin
from regtrack.extract.trailers import extract_trailers
from tests.extract.seed import CULPRIT_POSTING, seed_message


def trailers(body: str):
    return extract_trailers(LabelledBody(body))


def test_seed_link_belongs_to_the_quoted_culprit() -> None:
    (link,) = extract_trailers(LabelledBody(seed_message(1).body))
    assert link.key == "Link"
    assert link.value == f"https://lkml.kernel.org/r/{CULPRIT_POSTING}"
    assert link.origin is Origin.QUOTED_COMMIT


@pytest.mark.parametrize(
    ("body", "key", "commit", "subject"),
    [
        pytest.param(
            'Fixes: 828fe4085cae ("mmu_notifiers: rename invalidate_range notifier")',
            "Fixes",
            "828fe4085cae",
            "mmu_notifiers: rename invalidate_range notifier",
            id="a Fixes tag with sha and subject",
        ),
        pytest.param(
            'fixes: 828FE4085CAE77AB ("mm: x")',
            "Fixes",
            "828fe4085cae77ab",
            "mm: x",
            id="key and sha in any case",
        ),
        pytest.param(
            'Fixes: 0123456789abcdef ("mm: a long subject\n that was wrapped")',
            "Fixes",
            "0123456789abcdef",
            "mm: a long subject that was wrapped",
            id="a subject wrapped onto the next line",
        ),
        pytest.param("Fixes: deadbeef", "Fixes", "deadbeef", None, id="an 8-digit sha alone"),
        pytest.param(
            'Fixes: 0123456789ab ("never closed',
            "Fixes",
            "0123456789ab",
            None,
            id="an unterminated subject keeps the sha",
        ),
    ],
)
def test_fixes(body: str, key: str, commit: str, subject: str | None) -> None:
    fixes = trailers(body)[0]
    assert (fixes.key, fixes.commit, fixes.subject) == (key, commit, subject)


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        pytest.param("Reported-by: Ada <ada@x>", "Reported-by", "Ada <ada@x>", id="Reported-by"),
        pytest.param("Tested-by: Ada <ada@x>", "Tested-by", "Ada <ada@x>", id="Tested-by"),
        pytest.param("Reviewed-by: B <b@x>", "Reviewed-by", "B <b@x>", id="Reviewed-by"),
        pytest.param("Acked-by: B <b@x>", "Acked-by", "B <b@x>", id="Acked-by"),
        pytest.param("Suggested-by: B <b@x>", "Suggested-by", "B <b@x>", id="Suggested-by"),
        pytest.param("Signed-off-by: C <c@x>", "Signed-off-by", "C <c@x>", id="Signed-off-by"),
        pytest.param(
            "Closes: https://lore.kernel.org/r/a@x/",
            "Closes",
            "https://lore.kernel.org/r/a@x/",
            id="Closes",
        ),
        pytest.param("link: https://x/y", "Link", "https://x/y", id="a lower-case key"),
    ],
)
def test_known_trailers(line: str, key: str, value: str) -> None:
    (trailer,) = trailers(line)
    assert (trailer.key, trailer.value, trailer.origin) == (key, value, Origin.OWN)


@pytest.mark.parametrize(
    ("line", "versions"),
    [
        pytest.param("Cc: stable@vger.kernel.org # 6.1+", "6.1+", id="stable with versions"),
        pytest.param("Cc: <stable@vger.kernel.org> #v5.15+", "v5.15+", id="bracketed, no space"),
        pytest.param("Cc: stable@vger.kernel.org", None, id="stable without versions"),
        pytest.param("Cc: Someone <s@x>", None, id="an ordinary Cc"),
    ],
)
def test_stable_cc(line: str, versions: str | None) -> None:
    (cc,) = trailers(line)
    assert cc.stable_versions == versions


def test_unknown_keys_and_prose_are_not_trailers() -> None:
    assert trailers("Note: this is prose\nSubject: not a trailer\nhttp://x") == ()


def test_quoted_trailers_say_so() -> None:
    (trailer,) = trailers("> Reported-by: Ada <ada@x>")
    assert trailer.origin is Origin.QUOTED


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Fixes: " + "a" * 1_000_000, id="a 1 MB Fixes line"),
        pytest.param('Fixes: 0123456789ab ("' + "x" * 1_000_000, id="a 1 MB open subject"),
        pytest.param("Link: x\n" * 100_000, id="100,000 trailers"),
    ],
)
def test_trailers_are_linear(body: str) -> None:
    started = time.perf_counter()
    trailers(body)
    assert time.perf_counter() - started < 1.0
