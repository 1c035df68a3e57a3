"""One commit-id rule for every extractor: 8 to 40 hex digits, either case, lower case out."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from regtrack.extract.commits import commit_id
from regtrack.extract.culprits import extract_culprits, extract_revert_tests
from regtrack.extract.quoting import LabelledBody
from regtrack.extract.regzbot import extract_regzbot_commands
from regtrack.extract.trailers import extract_trailers
from regtrack.extract.versions import extract_versions

CULPRIT = "828fe4085cae77acb3abf7dd3d25b3ed6c560edf"  # the seed's culprit
SHORT = CULPRIT[:12]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        pytest.param(CULPRIT, CULPRIT, id="a full id is one"),
        pytest.param(SHORT, SHORT, id="twelve digits, as submitting-patches asks, are one"),
        pytest.param(CULPRIT[:8], CULPRIT[:8], id="eight digits are the shortest"),
        pytest.param(SHORT.upper(), SHORT, id="upper case is one, returned in lower case"),
        pytest.param("828Fe4085cAE", SHORT, id="mixed case is one, returned in lower case"),
        pytest.param(CULPRIT[:7], None, id="seven digits are too few"),
        pytest.param(CULPRIT + "0", None, id="41 digits are too many"),
        pytest.param("828fe408-cae", None, id="a dash breaks it"),
        pytest.param("grandfathered", None, id="letters past f are no hex"),
        pytest.param(f" {SHORT}", None, id="the whole word must be the id"),
    ],
)
def test_commit_id(word: str, expected: str | None) -> None:
    assert commit_id(word) == expected


def fixes(text: str) -> str | None:
    (trailer,) = extract_trailers(LabelledBody(text))
    return trailer.commit


def culprit(text: str) -> str:
    (found,) = extract_culprits(LabelledBody(text))
    return found.commit


def regzbot(text: str) -> str | None:
    (command,) = extract_regzbot_commands(LabelledBody(text))
    return command.commit


def range_end(text: str) -> str:
    (found,) = extract_versions(LabelledBody(text)).ranges
    return found.end


FORMS: list[tuple[str, Callable[[str], str | None], str]] = [
    (
        "a Fixes: trailer",
        fixes,
        'Fixes: {id} ("mmu_notifiers: rename invalidate_range notifier")\n',
    ),
    ("git bisect's first bad commit", culprit, "{id} is the first bad commit\n"),
    (
        "linux-next's Caused by commit list",
        culprit,
        'Caused by commit\n\n  {id} ("mmu_notifiers: rename invalidate_range notifier")\n\n',
    ),
    ("an inline culprit", culprit, "I bisected it to {id}, and it still fails.\n"),
    ("#regzbot introduced", regzbot, "#regzbot introduced: {id}\n"),
    ("#regzbot fix", regzbot, "#regzbot fix: {id}\n"),
    ("a range's end", range_end, "It works on v6.4 but fails on v6.4..{id} here.\n"),
]


@pytest.mark.parametrize(
    ("extract", "template", "written"),
    [
        pytest.param(extract, template, written, id=f"{name}, {case}")
        for name, extract, template in FORMS
        for case, written in (("lower case", SHORT), ("upper case", SHORT.upper()))
    ],
)
def test_every_extractor_finds_an_id_in_either_case_and_returns_lower_case(
    extract: Callable[[str], str | None], template: str, written: str
) -> None:
    assert extract(template.format(id=written)) == SHORT


@pytest.mark.parametrize("written", [SHORT, SHORT.upper()], ids=["lower case", "upper case"])
def test_a_revert_test_names_the_commit_in_either_case(written: str) -> None:
    text = f"Reverting {written} fixes the boot for me.\n"
    assert [test.line for test in extract_revert_tests(LabelledBody(text))] == [1]
