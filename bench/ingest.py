"""Ingest speed on the 2023 linux-next corpus, against a bare stdlib parse.

Run: ``.venv/bin/python bench/ingest.py [--corpus PATH] [--repeat N]``

Prints, measured in one run over the same messages:

* first ingest into a fresh database (``regtrack ingest`` as a subprocess,
  wall time including start-up and xz decompression), messages/s, and peak
  PSS summed over the ingest process, its fork server and its parse workers;
* the baseline: a bare stdlib parse of the same messages, already split and
  in memory (``email.message_from_bytes(raw, policy=email.policy.default)``
  plus ``get_body()`` and ``get_content()``), messages/s;
* re-ingesting the unchanged file, and re-ingesting with ``--refresh``
  (every message read, hashed and found known), with their speed-ups.

Figures, not assertions: targets are judged by reading them (bench/README.md).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, bench_arguments, machine, run_ingest

sys.path.insert(0, str(REPO))
from regtrack.sources.mbox import MboxSource


def stdlib_baseline(corpus: Path) -> tuple[float, int]:
    """Seconds for a bare stdlib parse of every message, split beforehand."""
    messages = [mail.data for mail in MboxSource(corpus)]
    started = time.perf_counter()
    for raw in messages:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))
        if body is not None:
            with contextlib.suppress(LookupError, ValueError, AssertionError):
                body.get_content()
    return time.perf_counter() - started, len(messages)


def main() -> None:
    args = bench_arguments(__doc__)

    firsts, unchanged, refreshed, baselines = [], [], [], []
    peaks, count = [], 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.db"
            seconds, summary, peak_kb = run_ingest(args.corpus, db)
            peaks.append(peak_kb)
            count = summary["read"]
            firsts.append(seconds)
            unchanged.append(run_ingest(args.corpus, db)[0])
            refreshed.append(run_ingest(args.corpus, db, "--refresh")[0])
        base_seconds, base_count = stdlib_baseline(args.corpus)
        assert base_count == count, (base_count, count)
        baselines.append(base_seconds)

    first, base = min(firsts), min(baselines)
    print(f"machine: {machine()}")
    print(f"corpus:  {args.corpus.name}, {count} messages, best of {args.repeat} runs")
    print(
        f"first ingest (fresh db, end to end): {first:6.2f} s  {count / first:7.0f} msg/s  "
        f"peak PSS {max(peaks) / 1024:.0f} MB (all processes, worst run)"
    )
    print(f"bare stdlib parse (baseline):        {base:6.2f} s  {count / base:7.0f} msg/s")
    print(f"ingest rate / baseline rate:         {base / first:6.2f}x")
    for label, runs in (
        ("re-ingest, unchanged file", unchanged),
        ("re-ingest --refresh (hash, skip)", refreshed),
    ):
        best = min(runs)
        print(f"{label + ':':37}{best:6.2f} s  {first / best:7.1f}x faster than the first ingest")


if __name__ == "__main__":
    main()
