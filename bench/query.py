"""Latency of the questions (fixed-by, culprit, related) in a large database.

Run: ``.venv/bin/python bench/query.py [--corpus PATH] [--messages N] [--commits N]
[--questions N] [--dir DIR]``

Fills one database with ``--messages`` (200,000) messages, made from the 2023
corpus the way ``bench/scale.py`` makes them (copy *k* of every message with
its message-ids rewritten and its dates moved *k* years on, so threads, and
so regressions, repeat), ingested with ``regtrack ingest`` (which derives the
regression records), and ``--commits`` (1,000,000) synthetic kernel-style
commits read with ``regtrack scan-git`` (``bench/gitscan.py`` builds them).
Then it asks ``--questions`` (1,000) random regressions each question, as
library calls in one process (p50 and p99 latency, and that process's peak
RSS against the same questions asked of the plain corpus), and a hundred of
them as ``regtrack`` processes (start-up included).

Figures, not assertions: targets are judged by reading them (bench/README.md).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import DEFAULT_CORPUS, REPO, machine, run_ingest, run_regtrack
from gitscan import build
from scale import build_inboxes

sys.path.insert(0, str(REPO))
from regtrack.questions import culprit, fixed_by, related
from regtrack.store import Store

QUESTIONS = {"fixed-by": fixed_by, "culprit": culprit, "related": related}


def _library(db: Path, ids: list[str]) -> dict[str, list[float]]:
    store = Store(db, read_only=True)
    times: dict[str, list[float]] = {name: [] for name in QUESTIONS}
    for regression in ids:
        for name, ask in QUESTIONS.items():
            started = time.perf_counter()
            ask(store, regression)
            times[name].append(time.perf_counter() - started)
    store.close()
    return times


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms"


def _cli(db: Path, ids: list[str]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in QUESTIONS}
    for regression in ids:
        for name in QUESTIONS:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "regtrack", name, regression, "--db", str(db), "--json"],
                cwd=REPO, check=True, capture_output=True,
            )  # fmt: skip
            times[name].append(time.perf_counter() - started)
    return times


def _sample(db: Path, count: int, seed: int = 8) -> list[str]:
    store = Store(db, read_only=True)
    ids = sorted(row[0] for row in store.conn.execute("SELECT id FROM regressions"))
    store.close()
    return random.Random(seed).sample(ids, min(count, len(ids)))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--commits", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=1_000)
    parser.add_argument("--cli", type=int, default=100, help="regressions asked as processes")
    parser.add_argument("--dir", type=Path, help="keep the built repositories here")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as scratch:
        root = args.dir or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        small = root / "corpus.db"
        if not small.exists():
            run_ingest(args.corpus, small)
        (inbox,) = build_inboxes(args.corpus, root / "inbox", [args.messages]).values()
        big = root / "big.db"
        if not big.exists():
            seconds, out, _ = run_ingest(inbox, big)
            print(f"ingested {out['new']:,} messages in {seconds:.0f} s")
        if Store(big, read_only=True).commit_stats()["commits"] == 0:
            repo = root / "commits.git"
            if not repo.exists():
                subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
                build(repo, args.commits)
            seconds, _, _ = run_regtrack("scan-git", repo, big, "--tree", "mainline")
            print(f"scanned {args.commits:,} commits in {seconds:.0f} s")
        store = Store(big, read_only=True)
        counts = store.stats()
        regressions = store.conn.execute("SELECT COUNT(*) FROM regressions").fetchone()[0]
        commits = store.commit_stats()["commits"]
        store.close()
        print(
            f"database: {counts['messages']:,} messages, {regressions:,} regressions, "
            f"{commits:,} commits, {big.stat().st_size / 1e6:,.0f} MB"
        )
        _library(small, _sample(small, args.questions))
        small_rss = _peak_rss_mb()
        times = _library(big, _sample(big, args.questions))
        big_rss = _peak_rss_mb()
        print(f"library calls, {args.questions:,} random regressions each:")
        for name, values in times.items():
            print(f"  {name:9} {_percentiles(values)}")
        print(f"  peak RSS of this process: {small_rss:.0f} MB after the plain corpus, "
              f"{big_rss:.0f} MB after the large database")  # fmt: skip
        cli = _cli(big, _sample(big, args.cli, seed=9))
        print(f"regtrack processes, {args.cli} random regressions each (start-up included):")
        for name, values in cli.items():
            print(f"  {name:9} {_percentiles(values)}")


if __name__ == "__main__":
    main()
