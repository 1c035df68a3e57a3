"""Precision and recall of the report classifier on the labelled corpus messages.

Run: ``.venv/bin/python bench/classify.py``

Reads tests/data/report_labels.json (message-ids of the 2023 corpus, each
labelled by reading it) and prints the confusion counts, precision, recall,
and every message the classifier gets wrong.  The README quotes its output.
"""

from __future__ import annotations

import json
import sys

from common import DEFAULT_CORPUS, REPO

sys.path.insert(0, str(REPO))
from regtrack.extract.facts import extract_facts
from regtrack.mail import MailMessage, parse_message
from regtrack.sources import normalise_raw
from regtrack.sources.mbox import MboxSource


def main() -> None:
    labels = json.loads((REPO / "tests" / "data" / "report_labels.json").read_text())
    found: dict[str, MailMessage] = {}
    for mail in MboxSource(DEFAULT_CORPUS):
        message = parse_message(normalise_raw(mail.data))
        if message.msgid in labels and message.msgid not in found:
            found[message.msgid] = message
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for msgid, label in sorted(labels.items()):
        message = found[msgid]
        verdict = extract_facts(message.subject, message.body).classification
        assert verdict is not None  # extract_facts classifies every message
        right = verdict.is_report == label["is_report"]
        counts[("t" if right else "f") + ("p" if verdict.is_report else "n")] += 1
        if not right:
            print(f"wrong: {msgid} (score {verdict.score}): {message.subject}")
    precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    recall = counts["tp"] / max(1, counts["tp"] + counts["fn"])
    print(f"labelled messages: {len(labels)} ({counts['tp'] + counts['fn']} reports)")
    print(
        "true positives {tp}, false positives {fp}, false negatives {fn}, "
        "true negatives {tn}".format(**counts)
    )
    print(f"precision {precision:.3f}, recall {recall:.3f}")


if __name__ == "__main__":
    main()
