"""The ``list``, ``show`` and ``update`` commands over regressions tracked from mail."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from regtrack.state import regression_id
from regtrack.store import Store
from tests.state.mailthreads import (
    DEVELOPER,
    INLINE_FIX,
    REPORTER,
    TRACKER,
    crash_report,
    ingest_mails,
    mail,
    opened,
    run,
)

# -- the CLI: list, show, update ---------------------------------------------------------------


@pytest.fixture
def tracked_db(tmp_path: Path) -> Path:
    """Three regressions: one open in next (old), one fix-posted, one resolved in mainline."""
    db = tmp_path / "cli.db"
    old = crash_report("old@example.org", function="old_init")
    fresh = crash_report("fresh@example.org", function="new_init", hours=24 * 20)
    closed = mail(
        "closed@example.org",
        "Since v6.5-rc1 my box oopses:\n\n" + "\n".join(
            crash_report(function="gone_init").body.splitlines()[3:16]
        ) + "\n",
        subject="[REGRESSION] 6.5-rc1: oops in gone_init",
        sender=REPORTER,
        hours=24 * 21,
    )  # fmt: skip
    replies = [
        mail("introduced@example.org", "#regzbot introduced: v6.4..v6.5-rc1\n#regzbot resolve: "
             "fixed by a firmware update\n", reply_to=closed, sender=TRACKER, hours=24 * 22),
        mail("fresh-fix@example.org", INLINE_FIX, reply_to=fresh, sender=DEVELOPER,
             hours=24 * 25),
    ]  # fmt: skip
    with opened(db) as store:
        ingest_mails(store, tmp_path, old, fresh, closed, *replies)
    return db


def _listed(db: Path, *options: str) -> list[str]:
    code, out, err = run("list", "--db", str(db), "--json", *options)
    assert code == 0, err
    return [r["report"] for r in json.loads(out)]


def test_list_shows_a_table_of_every_regression(tracked_db: Path) -> None:
    code, out, err = run("list", "--db", str(tracked_db), "--now", "2023-08-10T12:00:00")
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split() == ["id", "status", "tree", "age", "last", "culprit", "flags", "title"]
    assert len(rows) == 3
    row = next(r for r in rows if r.startswith(regression_id("closed@example.org")))
    assert row.split()[1:4] == ["resolved", "mainline", "10d"]
    assert "v6.4..v6.5-rc1" in row
    assert err.strip() == "3 regressions: 1 open, 1 fix-posted, 1 resolved"


def test_list_json_filters_by_status_tree_since_and_score(tracked_db: Path) -> None:
    assert sorted(_listed(tracked_db)) == ["closed@example.org", "fresh@example.org",
                                           "old@example.org"]  # fmt: skip
    assert _listed(tracked_db, "--status", "fix-posted") == ["fresh@example.org"]
    assert sorted(_listed(tracked_db, "--status", "open", "--status", "resolved")) == [
        "closed@example.org",
        "old@example.org",
    ]
    assert _listed(tracked_db, "--tree", "mainline") == ["closed@example.org"]
    assert sorted(_listed(tracked_db, "--tree", "next")) == ["fresh@example.org",
                                                             "old@example.org"]  # fmt: skip
    assert sorted(_listed(tracked_db, "--since", "2023-07-31")) == [
        "closed@example.org",
        "fresh@example.org",
    ]
    with opened(tracked_db) as store:
        scores = {r.report: r.score for r in store.regressions()}
    top = max(scores.values())
    assert set(_listed(tracked_db, "--min-score", str(top))) == {
        m for m, s in scores.items() if s >= top
    }
    assert len(set(scores.values())) > 1, "the scores must differ for --min-score to filter"


def test_list_flags_stale_after_thirty_days_without_activity(tracked_db: Path) -> None:
    def flags(now: str) -> dict[str, list[str]]:
        code, out, _ = run("list", "--db", str(tracked_db), "--json", "--now", now)
        assert code == 0
        return {r["report"]: r["flags"] for r in json.loads(out)}

    early = flags("2023-08-05")  # the old report was 26 days ago
    assert "stale" not in early["old@example.org"]
    late = flags("2023-08-10")  # 31 days
    assert "stale" in late["old@example.org"]
    assert "stale" not in late["fresh@example.org"]  # a fix was posted 6 days before
    much_later = flags("2023-12-01")
    assert "stale" not in much_later["closed@example.org"]  # resolved is never stale


@pytest.mark.parametrize(
    "reference",
    [
        pytest.param(regression_id("fresh@example.org"), id="its id"),
        pytest.param(regression_id("fresh@example.org")[:6], id="a short start of its id"),
        pytest.param("fresh-fix@example.org", id="the msgid of a reply"),
        pytest.param("<fresh-fix@example.org>", id="the msgid in brackets"),
    ],
)
def test_show_finds_a_regression_by_any_reference(tracked_db: Path, reference: str) -> None:
    code, out, err = run("show", reference, "--db", str(tracked_db), "--now", "2023-08-10")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"regression {regression_id('fresh@example.org')}: ")
    assert "  status:   fix-posted" in lines
    assert any("fresh-fix@example.org" in line for line in lines[lines.index("thread:") :])


def test_update_json_says_what_it_derived(tracked_db: Path) -> None:
    code, out, err = run("update", "--db", str(tracked_db), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["regressions"], data["unhandled"], data["messages"]) == (3, 0, 5)
    assert {k: n for k, n in data["statuses"].items() if n} == {
        "open": 1,
        "fix-posted": 1,
        "resolved": 1,
    }
    assert data["database"] == str(tracked_db)


def _colliding_msgids() -> tuple[str, str]:
    """Two report message-ids whose regression ids start with the same 4 characters."""
    seen: dict[str, str] = {}
    for n in itertools.count():
        msgid = f"amb-{n}@example.org"
        prefix = regression_id(msgid)[:4]
        if prefix in seen:
            return seen[prefix], msgid
        seen[prefix] = msgid
    raise AssertionError("unreachable")


def test_show_of_an_ambiguous_short_id_is_an_error(tmp_path: Path) -> None:
    one, two = _colliding_msgids()
    db = tmp_path / "amb.db"
    with opened(db) as store:
        ingest_mails(store, tmp_path, crash_report(one), crash_report(two, function="baz", hours=5))
        assert len(store.regressions()) == 2
    prefix = regression_id(one)[:4]
    code, out, err = run("show", prefix, "--db", str(db))
    assert (code != 0, out) == (True, "")
    (line,) = err.splitlines()
    assert line.startswith("regtrack: error: ") and prefix in line and "several" in line


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("show", "ffffffffffff"), id="show of an unknown id"),
        pytest.param(("show", "nobody@example.org"), id="show of an unknown msgid"),
        pytest.param(("list", "--db-missing"), id="list of a missing database"),
        pytest.param(("update", "--db-missing"), id="update of a missing database"),
        pytest.param(("show", "old@example.org", "--db-missing"), id="show of a missing database"),
    ],
)
def test_bad_input_is_one_error_line(tracked_db: Path, tmp_path: Path, args: tuple) -> None:
    missing = tmp_path / "nowhere" / "missing.db"
    if args[-1] == "--db-missing":
        argv = [*args[:-1], "--db", str(missing)]
    else:
        argv = [*args, "--db", str(tracked_db)]
    code, out, err = run(*argv)
    assert code != 0 and out == ""
    (line,) = err.splitlines()
    assert line.startswith("regtrack: error: ")
    named = str(missing) if args[-1] == "--db-missing" else args[1]
    assert named in line
    assert not missing.exists()


def test_list_tree_stable_takes_every_stable_series(
    store: Store, db_path: Path, tmp_path: Path
) -> None:
    report = crash_report()
    command = mail(
        "stable@example.org", "#regzbot introduced: v6.1.40..v6.1.41\n", reply_to=report, hours=1
    )
    ingest_mails(store, tmp_path, report, command)
    assert _listed(db_path, "--tree", "stable") == [report.msgid]
    assert _listed(db_path, "--tree", "stable-6.1") == [report.msgid]
    assert _listed(db_path, "--tree", "stable-6.10") == []
    assert _listed(db_path, "--tree", "mainline") == []


@pytest.mark.parametrize("tree", ["mainlin", "stable-", "%", "stable-6.1.y"])
def test_list_of_a_tree_that_does_not_exist_is_a_usage_error(tracked_db: Path, tree: str) -> None:
    code, out, err = run("list", "--db", str(tracked_db), "--tree", tree)
    assert (code, out) == (2, "")
    assert f"Invalid value for '--tree': {tree!r} is not a tree" in err


def test_show_of_an_unknown_id_says_no_regression_has_it(tracked_db: Path) -> None:
    code, out, err = run("show", "ffff0000", "--db", str(tracked_db))
    assert (code != 0, out) == (True, "")
    assert err.splitlines() == [
        f"regtrack: error: no regression id starts with 'ffff0000' in {tracked_db} "
        "(regtrack list shows them)"
    ]
