"""Helpers shared by the benchmarks: run regtrack as a subprocess, measure it."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "linux-next-2023.mbox.xz"


def run_regtrack(
    command_name: str, target: Path | None, db: Path, *extra: str
) -> tuple[float, dict, int]:
    """Time one ``regtrack COMMAND`` subprocess; returns (seconds, JSON output, peak PSS KB).

    The peak is of the whole run: the ingest process, its fork server and
    its parse workers (grandchildren, through the fork server), summed and
    sampled every 20 ms.  It is the proportional set size, so the pages the
    workers share with the fork server count once, not once per process.
    """
    command = [sys.executable, "-m", "regtrack", command_name]
    command += [str(target)] if target is not None else []
    command += ["--db", str(db), "--json", *extra]
    tag = f"regtrack-bench-{uuid.uuid4()}"
    sampler = PssSampler(tag)
    started = time.perf_counter()
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "REGTRACK_BENCH_TAG": tag},
    )
    sampler.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    sampler.stop()
    if proc.returncode != 0:
        sys.exit(f"{command_name} failed ({proc.returncode}): {err.strip()}")
    return elapsed, json.loads(out), sampler.peak_kb


class PssSampler(threading.Thread):
    """Samples the summed PSS of every process whose environment holds a tag."""

    def __init__(self, tag: str) -> None:
        super().__init__(daemon=True)
        self.tag = tag.encode()
        self.peak_kb = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak_kb = max(self.peak_kb, self._sum_kb())
            time.sleep(0.02)

    def stop(self) -> None:
        self.running = False
        self.join()

    def _sum_kb(self) -> int:
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if self.tag not in (entry / "environ").read_bytes():
                    continue
                for line in (entry / "smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def run_ingest(corpus: Path, db: Path, *extra: str) -> tuple[float, dict, int]:
    """Time ``regtrack ingest CORPUS`` into ``db``."""
    return run_regtrack("ingest", corpus, db, *extra)


def bench_arguments(doc: str) -> argparse.Namespace:
    """The options every benchmark takes (--corpus, --repeat); exits if no corpus."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is shown")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus}")
    return args
