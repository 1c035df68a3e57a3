"""Regression tracking speed: ``regtrack update`` over the 2023 corpus, and the records of one
new thread updated by ``regtrack ingest``.

Run: ``.venv/bin/python bench/update.py [--corpus PATH] [--repeat N]``

Prints, in one run:

* the corpus ingested into a fresh database (with extraction, so every
  message has its facts; ingest derives the records as it goes);
* ``regtrack update`` over that database: end to end as a subprocess
  (interpreter start-up included), and the derivation alone as the command
  reports it (reading every message's facts, deriving, writing the records
  in one transaction);
* ingesting one new thread (the seed's 12 messages, two threads) into that
  database: the time ingest spent re-deriving the records of what it
  stored, as ingest reports it, and the whole ingest.

Figures, not assertions: targets are judged by reading them (bench/README.md).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from common import REPO, bench_arguments, machine, run_ingest, run_regtrack

SEED = REPO.parent / "shared" / "corpus" / "seed" / "regression-in-linux-next-2023-07.mbox"


def main() -> None:
    args = bench_arguments(__doc__ or "")
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "corpus.db"
        seconds, out, _ = run_ingest(args.corpus, db)
        tracked = out["tracking"]
        print(
            f"ingest of the corpus: {out['new']:,} messages in {seconds:.2f} s; "
            f"{tracked['regressions']:,} regressions derived in {tracked['seconds']:.2f} s"
        )
        best_wall = best_derive = float("inf")
        for _ in range(args.repeat):
            wall, result, peak = run_regtrack("update", None, db)
            best_wall, best_derive = min(best_wall, wall), min(best_derive, result["seconds"])
        print(
            f"regtrack update (whole corpus, {result['messages']:,} messages, "
            f"{result['regressions']:,} regressions): {best_wall:.2f} s end to end, "
            f"{best_derive:.2f} s deriving and writing; peak {peak / 1024:.0f} MB "
            f"(best of {args.repeat})"
        )
        if not SEED.exists():
            print(f"seed not found ({SEED}): one-thread figure skipped")
            return
        best_thread = best_ingest = float("inf")
        for run in range(args.repeat):
            copy = Path(scratch) / f"run{run}.db"
            shutil.copyfile(db, copy)
            wall, out, _ = run_ingest(SEED, copy)
            best_thread = min(best_thread, out["tracking"]["seconds"])
            best_ingest = min(best_ingest, wall)
        print(
            f"ingest of one new thread (the seed, {out['new']} messages) into the corpus "
            f"database: records updated in {best_thread * 1000:.1f} ms "
            f"({out['tracking']['threads']} threads re-derived); whole ingest "
            f"{best_ingest:.2f} s (best of {args.repeat})"
        )


if __name__ == "__main__":
    main()
