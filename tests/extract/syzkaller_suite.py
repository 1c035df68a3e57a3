"""syzkaller's crash-report test cases, and how regtrack's titles compare with them.

``../shared/peers/syzkaller-linux-reports/`` holds the cases of syzkaller's
kernel-log parser (its README): one file per case, a header of ``KEY: value``
lines (``TITLE``, ``ALT``, ``CORRUPTED``, ...), a blank line, then the raw
console log.  syzbot titles every crash it reports by those rules, so a title
that equals syzkaller's lets a human's report be matched with syzbot's.

Both the test (tests/extract/test_syzkaller.py) and the scoring script
(bench/syzkaller.py) use this module, so they count the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from regtrack.extract.facts import extract_facts
from regtrack.extract.quoting import LabelledBody
from regtrack.extract.stacktrace import extract_crash_reports
from regtrack.mail import parse_message
from tests.paths import SHARED

SYZKALLER_CASES = SHARED / "peers" / "syzkaller-linux-reports"

# syzkaller's own reading of a title's function: what follows its last " in ".
_TITLE_FUNCTION = re.compile(r".* in ((?:<[\w: ]+>)?[\w:]+)")


@dataclass(frozen=True, slots=True)
class Case:
    """One test case: the file's number, syzkaller's answer, and the log."""

    number: int
    title: str | None
    alt_titles: tuple[str, ...]
    corrupted: bool
    log: str

    @property
    def titles(self) -> frozenset[str]:
        """Every title syzkaller takes for this crash."""
        return frozenset((self.title, *self.alt_titles)) if self.title else frozenset()


def load_cases(folder: Path = SYZKALLER_CASES) -> list[Case]:
    """Every numbered case file of the folder, in numeric order."""
    files = sorted((p for p in folder.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    return [read_case(path) for path in files]


def read_case(path: Path) -> Case:
    """A case file: header lines up to the first blank line, then the log."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    header, _, log = text.partition("\n\n")
    keys: dict[str, list[str]] = {}
    for line in header.splitlines():
        key, _, value = line.partition(":")
        keys.setdefault(key.strip(), []).append(value.strip())
    titles = keys.get("TITLE", [])
    return Case(
        number=int(path.name),
        title=titles[0] if titles else None,
        alt_titles=tuple(keys.get("ALT", [])),
        corrupted=keys.get("CORRUPTED", ["N"])[0] == "Y",
        log=log,
    )


def title_as_text(case: Case) -> str | None:
    """regtrack's title for the log read as plain text (the first report's)."""
    reports = extract_crash_reports(LabelledBody(case.log))
    return reports[0].title if reports else None


def title_as_mail(case: Case) -> str | None:
    """regtrack's title for the log sent as the body of a mail, through ingest's parser."""
    mail = EmailMessage()
    mail["From"] = "Reporter <reporter@example.org>"
    mail["To"] = "linux-kernel@vger.kernel.org"
    mail["Subject"] = f"crash report {case.number}"
    mail["Message-ID"] = f"<syzkaller-case-{case.number}@example.org>"
    mail["Date"] = "Mon, 17 Aug 2026 10:00:00 +0000"
    mail.set_content(case.log)
    message = parse_message(bytes(mail))
    crashes = extract_facts(message.subject, message.body).crashes
    return crashes[0].title if crashes else None


def corrupted_as_text(case: Case) -> bool | None:
    """Whether regtrack judges the log's first report corrupted, as syzkaller would
    (None when it finds no report)."""
    reports = extract_crash_reports(LabelledBody(case.log))
    return reports[0].corrupted if reports else None


@dataclass(frozen=True, slots=True)
class Judgements:
    """regtrack's "corrupted" against syzkaller's, over the cases with a crash."""

    agree: int
    flagged_of_corrupted: tuple[int, int]  # (flagged, syzkaller's corrupted)
    flagged_of_clean: tuple[int, int]  # (flagged, syzkaller's not corrupted)

    @property
    def agreement(self) -> float:
        total = self.flagged_of_corrupted[1] + self.flagged_of_clean[1]
        return self.agree / total if total else 1.0


def judge_corrupted(cases: list[Case]) -> Judgements:
    """Compare the judgements on every case syzkaller titles (a report regtrack misses
    counts as not flagged)."""
    corrupted = clean = flagged_corrupted = flagged_clean = 0
    for case in cases:
        if not case.title:
            continue
        flagged = bool(corrupted_as_text(case))
        if case.corrupted:
            corrupted += 1
            flagged_corrupted += flagged
        else:
            clean += 1
            flagged_clean += flagged
    agree = flagged_corrupted + (clean - flagged_clean)
    return Judgements(agree, (flagged_corrupted, corrupted), (flagged_clean, clean))


def title_function(title: str) -> str:
    """The function a title names (syzkaller's reading), else the whole title."""
    match = _TITLE_FUNCTION.match(title)
    return match.group(1) if match else title


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    found: str | None

    @property
    def exact(self) -> bool:
        return self.found in self.case.titles

    @property
    def same_function(self) -> bool:
        if self.found is None or not self.case.title:
            return False
        wanted = {title_function(t) for t in self.case.titles}
        return title_function(self.found) in wanted


@dataclass
class Scores:
    """The figures the issue asks for, over one way of reading the cases."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def positives(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.title and not o.case.corrupted]

    @property
    def negatives(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.case.title]

    @property
    def exact(self) -> float:
        return _share(o.exact for o in self.positives)

    @property
    def same_function(self) -> float:
        return _share(o.same_function for o in self.positives)

    @property
    def negatives_clean(self) -> float:
        return _share(o.found is None for o in self.negatives)

    def misses(self) -> Iterator[Outcome]:
        return (o for o in self.positives if not o.exact)


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 1.0


def score(cases: list[Case], read: Callable[[Case], str | None] = title_as_text) -> Scores:
    """Each case read one way (``title_as_text`` or ``title_as_mail``)."""
    return Scores([Outcome(case, read(case)) for case in cases])


def miss_kind(outcome: Outcome) -> str:
    """A short name for why a title differs, to group the misses."""
    found, wanted = outcome.found, outcome.case.title or ""
    if found is None:
        return "no report found"
    if outcome.same_function:
        return "same function, other wording"
    if found.startswith("stack trace in "):
        return "header not recognised"
    if found.split(" in ")[0] == wanted.split(" in ")[0]:
        return "same kind, other frame"
    return "other kind of title"
