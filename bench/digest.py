"""Digest speed: the weekly digest of a database of 10,000 regressions and their history.

Run: ``.venv/bin/python bench/digest.py [--regressions N] [--repeat N] [--db PATH]``

:func:`make_database` writes generated regression records (two years of reports
across mainline, next and stable, with their culprits, fix mails, fixing
commits, resolutions, duplicates and pokes as history events) through the
library's own writer (:func:`regtrack.store.regressions.replace_regressions`),
as ``regtrack update`` would after deriving them.  Every record replays to its
own status (checked here), so the digest's history-based figures are real.

Prints, best of ``--repeat`` runs: the text digest of the last week of 2023 as
a library call (records read, digest built, text rendered), the weekly counts
of 26 weeks and their chart, and ``regtrack digest`` as a process (start-up
included).  Figures, not assertions (bench/README.md).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import REPO, machine

from regtrack.digest import build_digest, weekly_counts
from regtrack.history import History
from regtrack.period import period_of
from regtrack.render.chart import weekly_chart_svg
from regtrack.render.digest import render_text
from regtrack.state.commands import regression_id
from regtrack.store import Store
from regtrack.store.regressions import Event, Regression, replace_regressions

START = datetime(2022, 1, 3, tzinfo=UTC)  # a Monday; two years of reports from here
NOW = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)
TREES = (
    ("mainline",) * 11 + ("next",) * 5 + ("stable-6.1", "stable-6.6", "stable-5.15", "stable-6.1")
)


def make_database(path: Path, regressions: int = 10_000, seed: int = 2023) -> Path:
    """A regtrack database at ``path`` holding ``regressions`` generated records with
    their history (module doc); the same arguments give the same records."""
    rng = random.Random(seed)
    people = [f"Reporter {n} <reporter{n}@example.org>" for n in range(300)]
    records: list[Regression] = []
    for number in range(regressions):
        records.append(_record(rng, number, people, records))
    store = Store(path)
    try:
        with store.transaction() as conn:
            replace_regressions(conn, [r.report for r in records], records, [], [])
    finally:
        store.close()
    return path


def _at(moment: datetime) -> str:
    return moment.isoformat()


def _record(
    rng: random.Random, number: int, people: list[str], older: list[Regression]
) -> Regression:
    """One regression's record: reported, maybe a culprit, then one of the usual outcomes."""
    report = f"bench-{number}@example.org"
    reported = START + timedelta(seconds=rng.randrange(104 * 7 * 86400))
    tree = rng.choice(TREES)
    reporter = rng.choice(people)
    events = [Event(_at(reported), "reported", f"reported by {reporter}", "mail", report, reporter)]
    culprit = None
    if rng.random() < 0.65:
        named = reported + timedelta(hours=rng.randrange(0, 120))
        culprit = {
            "commit": f"{rng.getrandbits(160):040x}", "subject": f"subsys: change {number}",
            "range": None, "named_by": reporter, "msgid": report, "at": _at(named),
            "how": "first-bad", "confidence": "high",
        }  # fmt: skip
        events.append(Event(_at(named), "culprit", "culprit named", "mail", report, reporter))
    elif tree == "mainline" and rng.random() < 0.4:
        cycle = 16 + (reported - START).days // 63  # a mainline cycle is about nine weeks
        major, minor = (5, cycle) if cycle < 20 else (6, cycle - 20)
        culprit = {
            "commit": None, "subject": None,
            "range": [f"v{major}.{minor}", f"v{major}.{minor + 1}-rc2"],
            "named_by": reporter, "msgid": report, "at": _at(reported), "how": "introduced",
            "confidence": "high",
        }  # fmt: skip
    fix_mails, fix_commits, status, resolution = [], [], "open", None
    outcome = rng.random()
    duplicate_of = None
    if outcome < 0.75:  # a fix is posted ...
        posted = reported + timedelta(hours=rng.randrange(12, 30 * 24))
        fix_mails.append({"msgid": f"fix-{number}@example.org", "subject": f"[PATCH] fix {number}",
                          "author": "Dev <dev@example.org>", "at": _at(posted),
                          "how": "closes", "evidence": "Closes: the report"})  # fmt: skip
        events.append(
            Event(_at(posted), "fix-posted", "fix posted", "mail", f"fix-{number}@example.org")
        )
        status = "fix-posted"
        landed = posted + timedelta(hours=rng.randrange(24, 60 * 24))
        if outcome < 0.62 and landed < NOW:  # ... and merged in its own tree
            fix_commits.append(_commit(rng, number, tree, landed, "fixed"))
            events.append(Event(_at(landed), "fixed", "fixed", "commit", fix_commits[-1]["sha"]))
            status = "fixed"
        elif outcome < 0.66 and tree == "mainline" and landed < NOW:  # ... or queued in next
            fix_commits.append(_commit(rng, number, "next", landed, "fix-queued"))
            events.append(
                Event(_at(landed), "fix-queued", "queued", "commit", fix_commits[-1]["sha"])
            )
            status = "fix-queued"
    elif outcome < 0.82:
        closed = reported + timedelta(days=rng.randrange(3, 90))
        kind = "resolved" if outcome < 0.80 else "inconclusive"
        events.append(
            Event(
                _at(closed), kind, f"{kind}: no longer seen", "mail", f"close-{number}@example.org"
            )
        )
        status, resolution = kind, "no longer seen"
    elif outcome < 0.85 and older:
        main = rng.choice(older[-200:])
        said = reported + timedelta(days=rng.randrange(1, 10))
        events.append(
            Event(
                _at(said),
                "duplicate",
                f"duplicate of {main.id}",
                "mail",
                f"dup-{number}@example.org",
            )
        )
        status, duplicate_of = "duplicate", main.id
    if status in ("open", "fix-posted") and rng.random() < 0.1:
        poked = reported + timedelta(days=rng.randrange(20, 120))
        events.append(Event(_at(poked), "poke", "poked", "mail", f"poke-{number}@example.org"))
    events.sort(key=lambda e: e.at or "")
    activity = [e.at for e in events if e.kind != "poke" and e.at]
    return Regression(
        id=regression_id(report), report=report, title=f"subsys: regression number {number}",
        status=status, reporter=reporter, reported_at=_at(reported), score=5,
        reasons=("generated",), created_by="classifier", tree=tree, tree_source="generated",
        culprit=culprit, flags=("culprit-identified",) if culprit and culprit["commit"] else (),
        first_activity=min(activity), last_activity=max(activity), activities=len(activity),
        duplicate_of=duplicate_of, fix_mails=tuple(fix_mails), fix_commits=tuple(fix_commits),
        resolution=resolution, messages=((report, "report"),), events=tuple(events),
    )  # fmt: skip


def _commit(rng: random.Random, number: int, tree: str, at: datetime, effect: str) -> dict:
    branch = {"mainline": "master", "next": "master"}.get(tree, f"linux-{tree[7:]}.y")
    return {"sha": f"{rng.getrandbits(160):040x}", "subject": f"subsys: fix {number}",
            "tree": tree, "branch": branch, "at": _at(at), "how": "Closes: the report",
            "evidence": "Closes:", "effect": effect, "reverted_by": []}  # fmt: skip


def _best(repeat: int, run) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--regressions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is shown")
    parser.add_argument("--db", type=Path, help="keep the generated database here")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as scratch:
        path = args.db or Path(scratch) / "digest.db"
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        make_database(path, args.regressions)
        took = time.perf_counter() - started
        size = path.stat().st_size / 1e6
        print(f"generated {args.regressions:,} regressions in {took:.1f} s ({size:.0f} MB)")
        store = Store(path, read_only=True)
        records = store.regressions()
        wrong = sum(History(r).status_at(NOW + timedelta(days=3650)) != r.status for r in records)
        print(f"records whose history replays to another status: {wrong}")
        period = period_of(now=NOW)
        seconds, text = _best(
            args.repeat, lambda: render_text(build_digest(store, period, now=NOW))
        )
        built, digest = _best(args.repeat, lambda: build_digest(store, period, now=NOW))
        rendered, _ = _best(args.repeat, lambda: render_text(digest))
        print(
            f"text digest of {period.label} as a library call: {seconds:.3f} s (building "
            f"{built:.3f} s, rendering {rendered:.3f} s); {len(str(text).splitlines()):,} lines; "
            f"{digest.counts.new} new, {digest.counts.fixed} fixed, {digest.counts.open} open"
        )
        counted, counts = _best(args.repeat, lambda: weekly_counts(store, until=period.until))
        drawn, _ = _best(args.repeat, lambda: weekly_chart_svg(counts))
        print(f"weekly counts of 26 weeks: {counted:.3f} s; their chart (SVG): {drawn:.3f} s")
        store.close()
        command = [
            sys.executable,
            "-m",
            "regtrack",
            "digest",
            "--db",
            str(path),
            "--now",
            NOW.isoformat(),
        ]
        process, _ = _best(
            args.repeat, lambda: subprocess.run(command, cwd=REPO, check=True, capture_output=True)
        )
        print(f"regtrack digest as a process (start-up included): {process:.3f} s")


if __name__ == "__main__":
    main()
