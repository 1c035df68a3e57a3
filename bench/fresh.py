"""Extraction on mail nobody tuned it for: the fresh labels of issue 11 (totals only).

Run: ``.venv/bin/python bench/fresh.py [--corpus PATH] [--db PATH]``

``tests/data/heldout/extraction_2023.json`` holds 78 messages of the 2023
corpus (one per thread, in no thread any other label touches), labelled by
a person reading the mail who never saw regtrack's code (how, in
``extraction_2023.md``): report or not, the commits the thread names as the
cause (with where and in what role), the crash title syzkaller would give,
and whether a build failed, only warned, or neither.  Nothing was developed
against it: this script is the only reader, and it prints totals, never a
message, so that reading its output does not turn the set into a
development set.  It ingests the corpus into a fresh database (``--db``
reuses one) and compares:

* reports: the classifier's verdict, precision and recall;
* culprits: recall of the labelled (message, commit) pairs (the ids compared
  on the digits both give), and precision of the commits extracted from the
  labelled messages and the messages the labels name (a commit the entry
  labels counts as right wherever in its thread it was found);
* crash titles: exact equality with the labelled title, for the messages with
  one; and titles given to messages with none;
* builds: failure, warning or neither, agreeing with the label.

``--dev [LABELS]`` scores a development set of the same form instead
(by default ``tests/data/extraction_dev3_2023.json``, 105 messages labelled
the same way, chosen rich in culprit phrasings, in threads no other label
touches; ``extraction_dev4_2023.json`` holds 82 more, rich in reports made
as replies and in unusual blame; ``extraction_dev5_2023.json`` 226 more: every
remaining thread whose mail blames a commit, random thread starters and
KernelCI summaries; ``extraction_dev6_2023.json`` 66 near the classifier's
threshold) and lists every disagreement, message by message, to develop
against.

Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

from common import DEFAULT_CORPUS, REPO, run_ingest

LABELS = REPO / "tests" / "data" / "heldout" / "extraction_2023.json"
DEV_LABELS = REPO / "tests" / "data" / "extraction_dev3_2023.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--db", type=Path, help="a database the corpus was ingested into")
    parser.add_argument(
        "--dev",
        nargs="?",
        const=DEV_LABELS,
        type=Path,
        metavar="LABELS",
        help="a development set (default: the third), with its misses",
    )
    args = parser.parse_args()
    labels = json.loads((args.dev or LABELS).read_text())["messages"]
    with tempfile.TemporaryDirectory() as scratch:
        db = args.db or Path(scratch) / "corpus.db"
        if args.db is None:
            run_ingest(args.corpus, db)
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        misses: list[str] | None = [] if args.dev else None
        for line in score(conn, labels, misses):
            print(line)
        for line in misses or ():
            print(line)
        conn.close()


def _same(one: str, other: str) -> bool:
    shorter = min(len(one), len(other))
    return shorter >= 7 and one[:shorter].lower() == other[:shorter].lower()


def score(
    conn: sqlite3.Connection, labels: list[dict], misses: list[str] | None = None
) -> list[str]:
    """The totals; with ``misses``, each disagreement is appended to it (never for the
    held-out set)."""

    def miss(label: dict, what: str) -> None:
        if misses is not None:
            misses.append(f"{label['msgid']}  {label['subject'][:60]!r}: {what}")

    def one(sql: str, msgid: str) -> list[tuple]:
        return conn.execute(sql, (msgid,)).fetchall()

    report = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    culprit_found = culprit_labelled = extracted = extracted_right = 0
    titles = titles_right = titles_extra = 0
    builds_right = 0
    missing = 0
    for label in labels:
        msgid = label["msgid"]
        verdict = one("SELECT is_report FROM message_classification WHERE msgid = ?", msgid)
        if not verdict:
            missing += 1
            continue
        found, wanted = bool(verdict[0][0]), bool(label["is_report"])
        report[("t" if found == wanted else "f") + ("p" if found else "n")] += 1
        if found != wanted:
            miss(label, f"report {found}, labelled {wanted}")
        labelled = [(c["named_in"], c["commit"]) for c in label["culprits"]]
        commits = [c for _, c in labelled]
        for named_in, commit in labelled:
            culprit_labelled += 1
            rows = one("SELECT commit_id FROM culprits WHERE msgid = ?", named_in)
            hit = any(_same(row[0], commit) for row in rows)
            culprit_found += hit
            if not hit:
                miss(label, f"culprit {commit} not found in {named_in}")
        for where in {msgid, *(n for n, _ in labelled)}:
            for (commit,) in one("SELECT commit_id FROM culprits WHERE msgid = ?", where):
                extracted += 1
                right = any(_same(commit, c) for c in commits)
                extracted_right += right
                if not right:
                    miss(label, f"culprit {commit} extracted from {where}, not labelled")
        crash = one(
            "SELECT title FROM crash_reports WHERE msgid = ? AND quoted = 0 ORDER BY position",
            msgid,
        )
        if label["crash_title"]:
            titles += 1
            titles_right += bool(crash) and crash[0][0] == label["crash_title"]
            if not crash or crash[0][0] != label["crash_title"]:
                got = crash[0][0] if crash else None
                miss(label, f"title {got!r}, labelled {label['crash_title']!r}")
        else:
            titles_extra += bool(crash)
            if crash:
                miss(label, f"title {crash[0][0]!r} for no crash")
        build = one("SELECT failed FROM build_failures WHERE msgid = ?", msgid)
        said = None if not build else "failure" if build[0][0] else "warning"
        builds_right += said == label["build"]
        if said != label["build"]:
            miss(label, f"build {said}, labelled {label['build']}")
    total = len(labels) - missing
    tp, fp, fn = report["tp"], report["fp"], report["fn"]
    return [
        f"labelled messages: {len(labels)} ({missing} not in the database)",
        f"reports: tp {tp}, fp {fp}, fn {fn}, tn {report['tn']}; "
        f"precision {tp / max(tp + fp, 1):.3f}, recall {tp / max(tp + fn, 1):.3f}",
        f"culprits: {culprit_found} of {culprit_labelled} labelled found "
        f"(recall {culprit_found / max(culprit_labelled, 1):.3f}); "
        f"{extracted_right} of {extracted} extracted labelled "
        f"(precision {extracted_right / max(extracted, 1):.3f})",
        f"crash titles: {titles_right} of {titles} exact ({titles_right / max(titles, 1):.3f}); "
        f"a title given to {titles_extra} messages without a crash",
        f"builds (failure / warning / neither): {builds_right} of {total} agree "
        f"({builds_right / max(total, 1):.3f})",
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
