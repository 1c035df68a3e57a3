"""Stems found in one pass (Hyperscan) agree with str.find, on any text.

Hyperscan is the optional extra ``regtrack[fast]``.  Tests that compare the
two ways need it: without it they skip, except where the environment
variable ``REGTRACK_EXPECT_HYPERSCAN=1`` says it must be there (``.ci/run``
sets it in the virtualenv made with ``regtrack[fast]``, and ``0`` in the one
without), where its absence fails them.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regtrack.extract import stems
from regtrack.extract.facts import extract_facts
from regtrack.extract.stems import StemHits
from tests.extract.corpus import all_corpus_messages
from tests.paths import REPO, SEED_MBOX, require

EXPECT_HYPERSCAN = "REGTRACK_EXPECT_HYPERSCAN"


@pytest.fixture
def one_pass() -> None:
    """Skip a test that compares both ways where only str.find exists, or fail it under CI."""
    if stems.accelerated():
        return
    message = "Hyperscan is not installed (pip install 'regtrack[fast]'): only str.find is in use"
    if os.environ.get(EXPECT_HYPERSCAN) == "1":
        pytest.fail(f"{message}, but {EXPECT_HYPERSCAN}=1 says this environment has it")
    pytest.skip(message)


STEMS = stems.register(("Error: ", "évert", "NIP", "x\ny", "ab")) + stems.register(
    ("Fixes:", "ab", "k"), caseless=True
)


def both(text: str) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    fast, slow = StemHits(text), StemHits(text, use_hyperscan=False)
    return (
        {stem.text + "/i" * stem.caseless: fast.lines_with(stem) for stem in STEMS},
        {stem.text + "/i" * stem.caseless: slow.lines_with(stem) for stem in STEMS},
    )


@pytest.mark.usefixtures("one_pass")
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


@pytest.mark.usefixtures("one_pass")
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
@pytest.mark.usefixtures("one_pass")
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


@pytest.mark.usefixtures("one_pass")
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


def test_the_environment_has_hyperscan_when_it_says_so() -> None:
    """CI runs the tests once with and once without: each run must be the one it claims."""
    expected = os.environ.get(EXPECT_HYPERSCAN)
    if expected is None:
        pytest.skip(f"{EXPECT_HYPERSCAN} is not set: either way is fine here")
    assert stems.accelerated() == (expected == "1")


def test_no_module_but_stems_imports_hyperscan() -> None:
    """Hyperscan is optional, so one module loads it and every other one works without it."""
    importers = []
    for path in sorted((REPO / "regtrack").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Constant) and node.value == "hyperscan":
                names = ["hyperscan"]  # importlib.import_module("hyperscan")
            if any(name.split(".")[0] == "hyperscan" for name in names):
                importers.append(path.relative_to(REPO).as_posix())
    assert importers == ["regtrack/extract/stems.py"]


_WITHOUT_HYPERSCAN = """
import pkgutil, sys
from pathlib import Path
sys.modules["hyperscan"] = None  # "import hyperscan" now raises ImportError
import regtrack
from regtrack.extract import stems
from regtrack.extract.facts import extract_facts
from regtrack.mail import parse_message
from regtrack.sources import normalise_raw
from regtrack.sources.mbox import MboxSource
for module in pkgutil.walk_packages(regtrack.__path__, "regtrack."):
    if not module.name.endswith("__main__"):
        __import__(module.name)
assert not stems.accelerated()
reports = 0
for mail in MboxSource(Path(sys.argv[1])):
    message = parse_message(normalise_raw(mail.data))
    facts = extract_facts(message.subject, message.body)
    reports += facts.classification.is_report
print(reports)
"""


def test_every_module_imports_and_extracts_without_hyperscan() -> None:
    """Where no Hyperscan wheel exists, every module imports and the seed's facts come out."""
    seed = require(SEED_MBOX, "the seed thread")
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_HYPERSCAN, str(seed)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 1  # the seed report is a report, found on str.find alone


def test_hyperscan_is_only_the_optional_extra() -> None:
    """pip install works where no Hyperscan wheel exists (Linux aarch64, Python 3.14)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    required = [requirement.split(">")[0].strip() for requirement in project["dependencies"]]
    assert "hyperscan" not in required
    assert any(r.startswith("hyperscan") for r in project["optional-dependencies"]["fast"])
