"""Extraction speed on the 2023 linux-next corpus, beside the ingest rate.

Run: ``.venv/bin/python bench/extract.py [--corpus PATH] [--repeat N]``

Prints, measured in one run over the same messages:

* ingest without extraction (``regtrack ingest --no-extract``) and with it
  (the default), end to end as subprocesses, messages/s, and the ratio of
  the two: what extraction adds to ingest time;
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

    plain, full, alone, later = [], [], [], []
    count = 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            seconds, summary, _ = run_ingest(args.corpus, Path(tmp) / "plain.db", "--no-extract")
            plain.append(seconds)
            count = summary["read"]
            full.append(run_ingest(args.corpus, Path(tmp) / "full.db")[0])
            later.append(run_regtrack("extract", None, Path(tmp) / "plain.db")[0])
        seconds, extracted = extraction_alone(args.corpus)
        assert extracted == count, (extracted, count)
        alone.append(seconds)

    best_plain, best_full = min(plain), min(full)
    print(f"machine: {machine()}")
    print(f"corpus:  {args.corpus.name}, {count} messages, best of {args.repeat} runs")
    # Hyperscan is the optional extra regtrack[fast]; without it extraction takes twice as long.
    print(f"stems:   {'one Hyperscan pass' if stems.accelerated() else 'str.find (no Hyperscan)'}")
    print(f"ingest without extraction:     {best_plain:6.2f} s  {count / best_plain:7.0f} msg/s")
    print(f"ingest with extraction:        {best_full:6.2f} s  {count / best_full:7.0f} msg/s")
    print(f"extraction adds to ingest:     {100 * (best_full / best_plain - 1):6.0f} %")
    # Best-of-N times move by about 0.1 s from run to run; the medians show the spread.
    median_plain, median_full = statistics.median(plain), statistics.median(full)
    print(f"  (medians: {median_plain:.2f} s and {median_full:.2f} s, ", end="")
    print(f"{100 * (median_full / median_plain - 1):.0f} %)")
    print(f"extraction alone (one core):   {min(alone):6.2f} s  {count / min(alone):7.0f} msg/s")
    print(f"regtrack extract (stored):     {min(later):6.2f} s  {count / min(later):7.0f} msg/s")


if __name__ == "__main__":
    main()
