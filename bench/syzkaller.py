"""regtrack's crash titles on syzkaller's own crash-report test cases.

Run: ``.venv/bin/python bench/syzkaller.py [--cases DIR] [--misses]``

Reads every case of ``../shared/peers/syzkaller-linux-reports/`` (syzkaller's
``pkg/report/testdata/linux/report``: a raw console log and the title syzkaller
gives it), runs regtrack's crash extraction over the log as plain text and as
the body of a mail, and prints, for each way: the cases, the cases syzkaller
does not mark corrupted, the share of those whose title equals syzkaller's
(or one of its ALT titles), the share naming the same function, and the share
of cases without a crash for which regtrack finds none; and how often
regtrack's "corrupted" flag agrees with syzkaller's.  ``--misses`` lists
the differing titles of the plain-text reading, grouped by kind.

Figures, not assertions: tests/extract/test_syzkaller.py holds the floor.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from common import REPO

sys.path.insert(0, str(REPO))
from tests.extract.syzkaller_suite import (
    SYZKALLER_CASES,
    Scores,
    judge_corrupted,
    load_cases,
    miss_kind,
    score,
    title_as_mail,
    title_as_text,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=SYZKALLER_CASES)
    parser.add_argument("--misses", action="store_true", help="list the misses by kind")
    args = parser.parse_args()
    cases = load_cases(args.cases)
    text = score(cases, title_as_text)
    mail = score(cases, title_as_mail)
    print(f"cases: {len(cases)} ({len(text.negatives)} without a crash)")
    print(f"not corrupted: {len(text.positives)}")
    for name, scores in (("as text", text), ("as mail", mail)):
        print(
            f"{name}: exact title {100 * scores.exact:.1f} %, "
            f"same function {100 * scores.same_function:.1f} %, "
            f"no title without a crash {100 * scores.negatives_clean:.1f} %"
        )
    judged = judge_corrupted(cases)
    print(
        f"judged corrupted as syzkaller does: {100 * judged.agreement:.1f} % of the cases with a "
        f"crash; flagged {judged.flagged_of_corrupted[0]} of its {judged.flagged_of_corrupted[1]}"
        f" corrupted, {judged.flagged_of_clean[0]} of the {judged.flagged_of_clean[1]} others"
    )
    if args.misses:
        print_misses(text)


def print_misses(scores: Scores) -> None:
    groups = defaultdict(list)
    for outcome in scores.misses():
        groups[miss_kind(outcome)].append(outcome)
    for kind, outcomes in sorted(groups.items(), key=lambda item: -len(item[1])):
        print(f"\n{kind}: {len(outcomes)}")
        for outcome in outcomes:
            print(f"  {outcome.case.number}: {outcome.found!r}")
            print(f"  {'':{len(str(outcome.case.number))}}  wanted {outcome.case.title!r}")
    wrong = [o for o in scores.negatives if o.found is not None]
    if wrong:
        print(f"\ntitle for a log without a crash: {len(wrong)}")
        for outcome in wrong:
            print(f"  {outcome.case.number}: {outcome.found!r}")


if __name__ == "__main__":
    main()
