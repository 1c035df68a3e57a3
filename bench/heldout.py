"""Tracking on mail nobody tuned it for: the held-out fix labels of July to December 2023.

Run: ``.venv/bin/python bench/heldout.py [--corpus PATH]``

``tests/data/heldout/fixed_by_2023.json`` was labelled by a person reading the
threads, kept apart from development: no rule was written against it, and
this script prints only totals, never which report was missed, so that
reading its output cannot turn the set into a development set.  It ingests
the corpus into a fresh database (ingest derives the records) and, for the
labelled reports, counts:

* tracked: the report is a regression's report (or another report of one);
* right fix: at least one labelled fix mail is among the record's fix mails;
* wrong fix: the record names fix mails and none is a labelled one (for the
  reports with no fix in the corpus: any fix mail named);
* culprit: the record's culprit agrees with the labelled one (on the digits
  both give), where the label names one.

Figures, not assertions.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from common import REPO, bench_arguments, run_ingest

sys.path.insert(0, str(REPO))

from regtrack.store import Store

LABELS = REPO / "tests" / "data" / "heldout" / "fixed_by_2023.json"


def _record(store: Store, msgid: str):  # type: ignore[no-untyped-def]
    for regression_id in sorted(store.regressions_of_messages([msgid]).get(msgid, ())):
        record = store.regression(regression_id)
        if record is not None and (record.report == msgid or msgid in record.other_reports):
            return record
    return None


def main() -> None:
    args = bench_arguments(__doc__ or "")
    labels = json.loads(LABELS.read_text())
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "corpus.db"
        run_ingest(args.corpus, db)
        store = Store(db, read_only=True)
        fixed = labels["reports"]
        tracked = right = wrong = culprits = culprit_right = 0
        for label in fixed:
            record = _record(store, label["report"])
            if record is None:
                continue
            tracked += 1
            named = {fix["msgid"] for fix in record.fix_mails}
            expected = {fix["msgid"] for fix in label["fixes"]}
            right += bool(named & expected)
            wrong += bool(named) and not named & expected
            if label.get("culprit"):
                culprits += 1
                found = ((record.culprit or {}).get("commit") or "").lower()
                want = label["culprit"].lower()
                shorter = min(len(found), len(want), 12)
                culprit_right += bool(found) and found[:shorter] == want[:shorter]
        unfixed = labels["no_fix_found"]
        unfixed_tracked = unfixed_wrong = 0
        for label in unfixed:
            record = _record(store, label["report"])
            if record is not None:
                unfixed_tracked += 1
                unfixed_wrong += bool(record.fix_mails)
        store.close()
    total = len(fixed)
    print(f"held-out reports with a fix posted to the list: {total}")
    print(f"  tracked as a regression: {tracked} ({tracked / total:.0%})")
    print(f"  right fix mail found: {right} ({right / total:.0%} of all, issue 9 asks >= 80%)")
    print(f"  wrong fix mail named, none right: {wrong} ({wrong / total:.0%}, issue 9 asks <= 5%)")
    if culprits:
        print(f"  culprit right where labelled: {culprit_right} of {culprits}")
    print(f"held-out reports with no fix in the corpus: {len(unfixed)}")
    print(f"  tracked: {unfixed_tracked}; a fix mail named anyway: {unfixed_wrong}")


if __name__ == "__main__":
    main()
