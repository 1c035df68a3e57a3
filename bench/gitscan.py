"""Speed and memory of ``regtrack scan-git`` over a large kernel-style repository.

Builds (with ``git fast-import``) a repository of N commits whose messages
carry kernel trailers (Fixes:, Link: to patch.msgid.link, Closes: to lore,
Reported-by:, Signed-off-by:), then prints, in the same run:

* commits/s of a bare ``git log --format=%H%x00%B`` read through a pipe,
* commits/s of a full ``regtrack scan-git`` (timed alone; and again with the Python
  reader of git's output in place of the compiled one) and, in another run,
  its peak memory (PSS summed over its processes),
* the same for a repository a tenth the size (memory flat in commits?),
* the time of an incremental scan after 1,000 more commits.

    python bench/gitscan.py --commits 100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, machine, run_regtrack

_SUBSYSTEMS = ("drm/i915", "mm", "net: ipv4", "ext4", "xfs", "sched/fair", "x86/mm", "usb: dwc3")


def _message(number: int, rng: random.Random) -> bytes:
    subsystem = _SUBSYSTEMS[number % len(_SUBSYSTEMS)]
    lines = [
        f"{subsystem}: fix handling of case {number}",
        "",
        f"The code path for case {number} did not check its argument before use,",
        "which made the machine oops under load.  Check it first.",
        "",
    ]
    if number % 3 == 0:
        lines.append(f'Fixes: {rng.getrandbits(48):012x} ("{subsystem}: add case {number // 2}")')
    if number % 5 == 0:
        lines.append(f"Reported-by: Reporter {number % 97} <reporter{number % 97}@example.org>")
        lines.append(f"Closes: https://lore.kernel.org/all/2023{number:08d}.report@example.org/")
    lines.append(f"Signed-off-by: Developer {number % 501} <dev{number % 501}@example.org>")
    lines.append(f"Link: https://patch.msgid.link/2023{number:08d}.1-1-dev@example.org")
    return ("\n".join(lines) + "\n").encode()


def fast_import(repo: Path, start: int, count: int, *, first: bool) -> None:
    """Append ``count`` commits (numbered from ``start``) to master, with one fast-import."""
    rng = random.Random(start)
    proc = subprocess.Popen(
        ["git", f"--git-dir={repo}", "fast-import", "--quiet"], stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    write = proc.stdin.write
    for number in range(start, start + count):
        message = _message(number, rng)
        when = 1_600_000_000 + number * 30
        who = f"Developer {number % 501} <dev{number % 501}@example.org> {when} +0000"
        write(b"commit refs/heads/master\n")
        write(f"author {who}\ncommitter {who}\n".encode())
        write(b"data %d\n%s" % (len(message), message))
        if number == start and not first:
            write(b"from refs/heads/master^0\n")
        write(b"\n")
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("git fast-import failed")


def build(repo: Path, commits: int) -> float:
    subprocess.run(["git", "init", "-q", "--bare", "-b", "master", str(repo)], check=True)
    started = time.perf_counter()
    fast_import(repo, 0, commits, first=True)
    return time.perf_counter() - started


def bare_git_log(repo: Path) -> tuple[float, int, int, float]:
    """Seconds for ``git log --format=%H%x00%B`` read through a pipe, commits seen,
    git's peak RSS in KB (git's revision walk keeps every commit it has seen), and
    git's CPU seconds."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        ["git", f"--git-dir={repo}", "log", "--format=%H%x00%B", "master"],
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    nuls = 0
    while chunk := proc.stdout.read1(1 << 20):
        nuls += chunk.count(b"\0")
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, nuls, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def scan(repo: Path, db: Path) -> tuple[float, dict, int]:
    """A scan timed while its memory is sampled (PSS of every process, 50 times a second)."""
    return run_regtrack("scan-git", repo, db, "--tree", "mainline")


def timed_scan(repo: Path, db: Path, *, python: bool = False) -> tuple[float, float, dict]:
    """A scan timed alone (``python``: with the Python reader of git's output in place of
    the compiled one): reading /proc 50 times a second costs the sampled processes
    time (the kernel walks their page tables), which the bare git log does not pay.

    Returns the seconds, the CPU seconds of regtrack's process and of the git it ran
    (a figure the other sessions' load on a shared machine moves less), and the output.
    """
    command = [sys.executable, "-m", "regtrack", "scan-git", str(repo), "--db", str(db)]
    env = {**os.environ, "REGTRACK_NO_COMPILED": "1"} if python else None
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*command, "--tree", "mainline", "--json"], cwd=REPO, stdout=out, stderr=err, env=env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"scan-git failed ({status}): {err.read().decode().strip()}")
        return elapsed, usage.ru_utime + usage.ru_stime, json.loads(out.read())


def compiled_reader() -> bool:
    """Whether the regtrack the scans run has its compiled reader of git's output."""
    probe = "import regtrack.gitscan as g; print(g.COMPILED is not None)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip() == "True"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=1_000_000)
    parser.add_argument("--more", type=int, default=1_000, help="commits for the incremental scan")
    args = parser.parse_args()
    print(machine())
    # The machine may be shared: its load says how far the figures can be trusted.
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory(prefix="regtrack-gitscan-") as scratch:
        work = Path(scratch)
        small, large = work / "small.git", work / "large.git"
        build(small, max(args.commits // 10, 1))
        built = build(large, args.commits)
        print(f"built {args.commits:,} commits with git fast-import in {built:.1f} s")
        log_s, seen, git_kb, log_cpu = bare_git_log(large)
        print(
            f"bare git log --format=%H%x00%B: {seen:,} commits in {log_s:.2f} s, "
            f"{seen / log_s:,.0f} commits/s; git's peak RSS {git_kb / 1024:.0f} MB"
        )
        small_s, _, _ = timed_scan(small, work / "small.db")
        full_s, full_cpu, out = timed_scan(large, work / "large.db")
        read = out["branches"][0]["read"]
        print(
            f"full scan-git: {read:,} commits in {full_s:.2f} s, {read / full_s:,.0f} commits/s "
            f"({read / full_s / (seen / log_s):.0%} of git log's rate); CPU {full_cpu:.2f} s "
            f"(regtrack and its git; the bare git log's: {log_cpu:.2f} s)"
        )
        print(f"full scan-git of {args.commits // 10:,} commits: {small_s:.2f} s")
        if compiled_reader():
            python_s, python_cpu, _ = timed_scan(large, work / "large-python.db", python=True)
            print(
                f"full scan-git with the Python reader (REGTRACK_NO_COMPILED=1): {python_s:.2f} s, "
                f"{read / python_s / (seen / log_s):.0%} of git log's rate; CPU {python_cpu:.2f} s"
            )
        else:
            print("full scan-git used the Python reader: regtrack._gitparse is not built")
        # Memory, in runs of their own into fresh databases (the sampling slows them).
        sampled_s, _, full_kb = scan(large, work / "large-sampled.db")
        _, _, small_kb = scan(small, work / "small-sampled.db")
        print(
            f"peak memory of a full scan-git: {full_kb / 1024:.0f} MB at {read:,} commits "
            f"({sampled_s:.2f} s while sampled), {small_kb / 1024:.0f} MB at "
            f"{args.commits // 10:,}"
        )
        fast_import(large, args.commits, args.more, first=False)
        more_s, out, more_kb = scan(large, work / "large.db")
        branch = out["branches"][0]
        print(
            f"incremental scan-git after {args.more:,} more commits: {branch['read']:,} read "
            f"({branch['mode']}) in {more_s:.2f} s (process start included); "
            f"peak {more_kb / 1024:.0f} MB"
        )
        db_mb = (work / "large.db").stat().st_size / 1e6
        print(f"database: {db_mb:,.0f} MB")
        print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
