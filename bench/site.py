"""The web report's speed: ``regtrack report --html`` for a database of 10,000 regressions.

Run: ``.venv/bin/python bench/site.py [--regressions N] [--db PATH] [--records-db PATH]
[--repeat N]``

Two databases of N regressions and their history (each reused when its
path is given and exists): the records of bench/digest.py's
``make_database`` (two years of reports in mainline, next and stable, with
culprits, fixes, resolutions, duplicates and pokes as history; records
only, no mail, so their graphs are small), and N generated threads of real
mail ingested as ``regtrack ingest`` does (each a crash report with its own
signature; most with replies, a culprit named in half of them, an inline
fix in a third), whose graphs hold the thread.  For each it times the
whole web report, end to end as the CLI runs it (a subprocess,
interpreter start-up included; the first run writes a new directory, the
later ones replace the report before, which removes its files too), and
prints what it wrote, with the CPU seconds of the report and every process
it started (figures a loaded machine moves less than the wall clock).  Also times the
same report with Graphviz's ``dot`` hidden from PATH, which says how much
of the time the graphs take.

Figures, not assertions (bench/README.md records them with the machine).
The issue's target: the whole web report under 10 s for 10,000 regressions.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from common import REPO, machine
from digest import make_database as make_records

START = datetime(2023, 1, 2, 9, 0, tzinfo=UTC)
NOW = "2023-12-31"
CRASH = (
    "Hi,\n\nsince next-2023{month:02d}{day:02d} my machine crashes:\n\n"
    "BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
    "Oops: 0000 [#1] PREEMPT SMP NOPTI\nRIP: 0010:{function}+0x1c/0x80\nCall Trace:\n"
    " <TASK>\n {function}+0x1c/0x80\n {caller}+0x4a/0x120\n really_probe+0x19b/0x3e0\n"
    " </TASK>\n\nIt worked with the release before.\n{culprit}\nThanks,\nReporter {n}\n"
)
FIX = (
    "Does this help?\n\ndiff --git a/drivers/{function}.c b/drivers/{function}.c\n"
    "index 1111111..2222222 100644\n--- a/drivers/{function}.c\n+++ b/drivers/{function}.c\n"
    "@@ -10,6 +10,8 @@ int {function}(void)\n {{\n \tstruct foo *f = get_foo();\n \n"
    "+\tif (!f)\n+\t\treturn -ENODEV;\n \treturn f->bar;\n }}\n"
)


def message(
    msgid: str, subject: str, body: str, sender: str, at: datetime, parent: str = ""
) -> str:
    headers = [
        f"From: {sender}", "To: regressions@lists.linux.dev", f"Subject: {subject}",
        f"Date: {format_datetime(at)}", f"Message-ID: <{msgid}>",
    ]  # fmt: skip
    if parent:
        headers += [f"In-Reply-To: <{parent}>", f"References: <{parent}>"]
    return "From mboxrd@z Thu Jan  1 00:00:00 1970\n" + "\n".join(headers) + "\n\n" + body + "\n"


def thread(n: int, rng: random.Random) -> list[str]:
    """One regression's thread: the report and, mostly, replies."""
    at = START + timedelta(minutes=rng.randrange(0, 360 * 24 * 60))
    function = f"drv{n}_probe"
    report = f"{n}.report@bench.example"
    blame = rng.random() < 0.5
    culprit = f'\nCaused by commit {rng.getrandbits(48):012x} ("drv{n}: rework probing").\n'
    subject = f"[REGRESSION] drv{n}: NULL pointer dereference in {function}"
    body = CRASH.format(
        month=at.month, day=at.day, function=function, caller=f"drv{n}_init",
        culprit=culprit if blame else "", n=n,
    )  # fmt: skip
    mails = [message(report, subject, body, f"Reporter {n} <r{n}@bench.example>", at)]
    for k in range(rng.randrange(0, 4)):
        at += timedelta(hours=rng.randrange(1, 96))
        text = FIX.format(function=function) if k == 0 and rng.random() < 0.35 else (
            "Thanks for the report; I will look at it.\n" if k == 0 else "Any news here?\n"
        )  # fmt: skip
        mails.append(
            message(f"{n}.reply{k}@bench.example", f"Re: {subject}", text,
                    f"Developer {n % 97} <d{n % 97}@bench.example>", at, report)
        )  # fmt: skip
    return mails


def make_database(path: Path, regressions: int = 10_000, seed: int = 10) -> float:
    """A database of ``regressions`` generated threads, ingested by the real ingest;
    returns the seconds the ingest took."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as scratch:
        mbox = Path(scratch) / "bench.mbox"
        with mbox.open("w") as out:
            for n in range(regressions):
                out.writelines(thread(n, rng))
        started = time.perf_counter()
        run("ingest", str(mbox), "--db", str(path))
        return time.perf_counter() - started


def run(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "regtrack", *args], cwd=REPO, capture_output=True, text=True,
        env=env, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"regtrack {args[0]} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout.strip()


def time_report(
    db: Path, folder: Path, env: dict[str, str] | None = None
) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the report and every process it started, its line)."""
    site = folder / "site"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    line = run("report", "--html", str(site), "--db", str(db), "--now", NOW, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--regressions", type=int, default=10_000)
    parser.add_argument("--db", type=Path, help="reuse (or create) the database of mail here")
    parser.add_argument("--records-db", type=Path, help="the same for bench/digest.py's records")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        records = args.records_db or folder / "records.db"
        if not records.exists():
            started = time.perf_counter()
            make_records(records, args.regressions)
            print(
                f"records: {args.regressions:,} generated by bench/digest.py's make_database "
                f"in {time.perf_counter() - started:.1f} s"
            )
        mail = args.db or folder / "mail.db"
        if not mail.exists():
            seconds = make_database(mail, args.regressions)
            print(f"mail: {args.regressions:,} generated threads ingested in {seconds:.1f} s")
        for name, db in (("records", records), ("mail", mail)):
            print(f"{name}: {db} ({db.stat().st_size / 1e6:.0f} MB)")
            bench_reports(name, db, folder, args.repeat)


def bench_reports(name: str, db: Path, folder: Path, repeat: int) -> None:
    """``repeat`` reports of ``db``, then one with ``dot`` hidden from PATH."""
    shutil.rmtree(folder / "site", ignore_errors=True)
    for n in range(repeat):
        seconds, cpu, line = time_report(db, folder)
        size = sum(p.stat().st_size for p in (folder / "site").rglob("*") if p.is_file())
        print(
            f"  {name} report {n + 1}: {seconds:.2f} s wall, {cpu:.2f} s CPU, "
            f"{size / 1e6:.0f} MB written: {line.split('; written')[0]}"
        )
    empty = folder / "no-dot"
    empty.mkdir(exist_ok=True)
    env = {**os.environ, "PATH": f"{empty}:{os.path.dirname(sys.executable)}"}
    assert shutil.which("dot", path=env["PATH"]) is None
    seconds, cpu, line = time_report(db, folder, env)
    print(
        f"  {name} report without dot: {seconds:.2f} s wall, {cpu:.2f} s CPU: "
        f"{line.split('; written')[0]}"
    )


if __name__ == "__main__":
    main()
