"""#regzbot commands with regzbot's documented grammar."""

from __future__ import annotations

import time

import pytest

from regtrack.extract.quoting import LabelledBody
from regtrack.extract.regzbot import extract_regzbot_commands, is_for_regzbot

LORE = "https://lore.kernel.org/lkml/30th.anniversary.repost@klaava.Helsinki.FI/"


def commands(body: str):
    return extract_regzbot_commands(LabelledBody(body))


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        pytest.param(
            "#regzbot introduced: 828fe4085cae",
            {"commit": "828fe4085cae"},
            id="introduced by a commit",
        ),
        pytest.param(
            "#regzbot introduced: v5.13..v5.14",
            {"range_start": "v5.13", "range_end": "v5.14"},
            id="introduced by a range",
        ),
        pytest.param(
            "#regzbot introduced: next-20211006..next-20211008 ^",
            {"range_start": "next-20211006", "report": "^"},
            id="a range with the parent as report",
        ),
        pytest.param(
            "#regzbot ^introduced: bdb616479eff419",
            {"caret": True, "commit": "bdb616479eff419", "report": "^"},
            id="the caret form, as used in the corpus",
        ),
        pytest.param(
            f"#regzbot introduced: v6.4..v6.5 {LORE}", {"report": LORE}, id="a report elsewhere"
        ),
        pytest.param(
            "#regzbot title: build regression in PS3 framebuffer",
            {"title": "build regression in PS3 framebuffer"},
            id="title",
        ),
        pytest.param(
            f"#regzbot dup-of: {LORE}",
            {"msgid": "30th.anniversary.repost@klaava.Helsinki.FI"},
            id="dup-of",
        ),
        pytest.param(
            f"#regzbot link: {LORE} the fix",
            {"url": LORE, "title": "the fix"},
            id="link with a title",
        ),
        pytest.param(f"#regzbot monitor: {LORE}", {"url": LORE}, id="monitor"),
        pytest.param(
            "#regzbot fix: mm: fix NULL dereference in foo",
            {"title": "mm: fix NULL dereference in foo"},
            id="fix by subject",
        ),
        pytest.param(
            "#regzbot fix: 0123456789abcdef", {"commit": "0123456789abcdef"}, id="fix by commit"
        ),
        pytest.param(
            "#regzbot inconclusive: nobody can reproduce it",
            {"title": "nobody can reproduce it"},
            id="inconclusive with a reason",
        ),
        pytest.param("#regzbot resolve", {"title": None}, id="resolve without a reason"),
        pytest.param("#regzbot poke", {"problem": None}, id="poke"),
        pytest.param(
            f"#regzbot ^backmonitor: {LORE}", {"caret": True, "url": LORE}, id="^backmonitor"
        ),
    ],
)
def test_commands(line: str, fields: dict) -> None:
    (command,) = commands(f"Hi,\n\n{line}\n\nThanks\n")
    assert command.problem is None
    assert {key: getattr(command, key) for key in fields} == fields
    assert command.line == 3


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        pytest.param("#regzbot introduced: yesterday", "not a commit id", id="a bad introduced"),
        pytest.param("#regzbot link: not-a-url", "needs a URL", id="a link without URL"),
        pytest.param("#regzbot frobnicate: x", "unknown command", id="an unknown command"),
        pytest.param("#regzbot title:", "needs an argument", id="an empty title"),
    ],
)
def test_malformed_commands_say_why(line: str, problem: str) -> None:
    (command,) = commands(line)
    assert command.problem is not None and command.problem.startswith(problem)


def test_only_own_commands_at_line_start_count() -> None:
    body = "> #regzbot introduced: v6.1..v6.2\nplease #regzbot resolve\n#regzbot poke\n"
    assert [c.name for c in commands(body)] == ["poke"]


def test_forregzbot_subject_tag() -> None:
    assert is_for_regzbot("Re: [PATCH] x #forregzbot")
    assert not is_for_regzbot("Re: [PATCH] x")


def test_regzbot_is_linear() -> None:
    started = time.perf_counter()
    commands("#regzbot introduced: " + "a" * 1_000_000 + "\n#regzbot poke\n" * 50_000)
    assert time.perf_counter() - started < 1.0
