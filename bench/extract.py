"""Extraction speed on the 2023 linux-next corpus, beside the ingest rate.

Run: ``.venv/bin/python bench/extract.py [--corpus PATH] [--repeat N]``

Prints, measured in one run over the same messages:

* ingest without extraction (``regtrack ingest --no-extract``), with it but
  without deriving the regression records (``--no-track``), and with both
  (the default), end to end as subprocesses, messages/s, and the ratios:
  what extraction adds to ingest time, and what extraction and tracking
  add together;
* extraction alone, in this process, over messages parsed beforehand
  (``extract_facts(subject, body)``), messages/s;
* ``regtrack extract`` over the database loaded without extraction.

The subprocesses run with this interpreter, so the ``stems:`` line says for
all of them whether Hyperscan (``regtrack[fast]``) did the stem search.

Figures, not assertions: targets are judged by reading them (bench/README.md).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, bench_arguments, machine, run_ingest, run_regtrack

sys.path.insert(0, str(REPO))
from regtrack.extract import stems
from regtrack.extract.facts import extract_facts
from regtrack.mail import parse_message
from regtrack.sources import normalise_raw
from regtrack.sources.mbox import MboxSource


def extraction_alone(corpus: Path) -> tuple[float, int]:
    """Seconds to extract facts from every message, parsed beforehand."""
    messages = [parse_message(normalise_raw(mail.data)) for mail in MboxSource(corpus)]
    started = time.perf_counter()
    for message in messages:
        extract_facts(message.subject, message.body)
    return time.perf_counter() - started, len(messages)


def main() -> None:
    args = bench_arguments(__doc__)

    plain, untracked, full, alone, later = [], [], [], [], []
    count = 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            seconds, summary, _ = run_ingest(args.corpus, Path(tmp) / "plain.db", "--no-extract")
            plain.append(seconds)
            count = summary["read"]
            untracked.append(run_ingest(args.corpus, Path(tmp) / "facts.db", "--no-track")[0])
            full.append(run_ingest(args.corpus, Path(tmp) / "full.db")[0])
            later.append(run_regtrack("extract", None, Path(tmp) / "plain.db")[0])
        seconds, extracted = extraction_alone(args.corpus)
        assert extracted == count, (extracted, count)
        alone.append(seconds)

    best_plain, best_untracked, best_full = min(plain), min(untracked), min(full)
    print(f"machine: {machine()}")
    print(f"corpus:  {args.corpus.name}, {count} messages, best of {args.repeat} runs")
    # Hyperscan is the optional extra regtrack[fast]; without it extraction takes twice as long.
    print(f"stems:   {'one Hyperscan pass' if stems.accelerated() else 'str.find (no Hyperscan)'}")
    print(f"ingest without extraction:     {best_plain:6.2f} s  {count / best_plain:7.0f} msg/s")
    print(f"ingest with extraction:        {best_untracked:6.2f} s  "
          f"{count / best_untracked:7.0f} msg/s  (--no-track)")  # fmt: skip
    print(f"ingest, extraction, tracking:  {best_full:6.2f} s  {count / best_full:7.0f} msg/s")
    print(f"extraction adds to ingest:     {100 * (best_untracked / best_plain - 1):6.0f} %")
    print(f"extraction and tracking add:   {100 * (best_full / best_plain - 1):6.0f} %")
    # Best-of-N times move by about 0.1 s from run to run; the medians show the spread.
    medians = [statistics.median(times) for times in (plain, untracked, full)]
    print(f"  (medians: {medians[0]:.2f} s, {medians[1]:.2f} s and {medians[2]:.2f} s: ", end="")
    added = [100 * (median / medians[0] - 1) for median in medians[1:]]
    print(f"{added[0]:.0f} % and {added[1]:.0f} %)")
    print(f"extraction alone (one core):   {min(alone):6.2f} s  {count / min(alone):7.0f} msg/s")
    print(f"regtrack extract (stored):     {min(later):6.2f} s  {count / min(later):7.0f} msg/s")


if __name__ == "__main__":
    main()
