"""The weekly digest as a library: periods, week boundaries and time zones, every section,
sorting, the text's width, HTML escaping, the weekly counts and the chart, the seed.

The database is built once per module from mail written in ``tests/digest_world.py`` and a
real git repository; its digests are compared with the expected files in
``tests/data/digest/`` (``REGTRACK_UPDATE_GOLDEN=1`` rewrites them; read every change).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from regtrack.digest import (
    STEPS,
    Digest,
    Entry,
    build_digest,
    lore_url,
    period_of,
    weekly_counts,
)
from regtrack.errors import UsageError
from regtrack.history import History
from regtrack.ingest import ingest
from regtrack.render.chart import weekly_chart_svg
from regtrack.render.digest import (
    render_html,
    render_json,
    render_markdown,
    render_text,
)
from regtrack.sources.mbox import MboxSource
from regtrack.store import Store
from tests.digest_world import NOW, rid, world_db_fixture  # noqa: F401 (a fixture)
from tests.paths import SEED_REPORT, TEST_DATA

GOLDEN = TEST_DATA / "digest"
W30 = period_of(week="2023-W30", now=NOW)


def golden(name: str, actual: str) -> None:
    """Compare with the expected file, or write it under REGTRACK_UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if os.environ.get("REGTRACK_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs (see the module doc)"


@pytest.fixture(scope="module")
def world(world_db: Path) -> Iterator[Store]:
    store = Store(world_db, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="module")
def digest(world: Store) -> Digest:
    return build_digest(world, W30, now=NOW)


def ids(entries: tuple[Entry, ...]) -> list[str]:
    return [e.id for e in entries]


# -- periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "since", "until", "label"),
    [
        pytest.param({"week": "2023-W30"}, "2023-07-24", "2023-07-31", "2023-W30",
                     id="an ISO week runs from Monday 00:00 UTC to the next Monday"),
        pytest.param({"week": "2021-W01"}, "2021-01-04", "2021-01-11", "2021-W01",
                     id="week 1 is the week of the year's first Thursday"),
        pytest.param({"week": "2020-W53"}, "2020-12-28", "2021-01-04", "2020-W53",
                     id="a year with 53 weeks has a week 53"),
        pytest.param({}, "2023-07-24", "2023-07-31", "2023-W30",
                     id="by default the last whole week before now"),
        pytest.param({"since": "2023-07-20", "until": "2023-07-27"}, "2023-07-20", "2023-07-27",
                     "2023-07-20..2023-07-27", id="since and until are dates in UTC"),
        pytest.param({"since": "2023-07-24T08:30+09:00", "until": "2023-07-25"},
                     "2023-07-23 23:30", "2023-07-25", "2023-07-23 23:30..2023-07-25",
                     id="a time with a zone is converted to UTC"),
    ],
)  # fmt: skip
def test_period_of(arguments: dict[str, str], since: str, until: str, label: str) -> None:
    period = period_of(**arguments, now=NOW)
    assert (period.since, period.until, period.label) == (_utc(since), _utc(until), label)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "label"),
    [
        pytest.param("2023-07-31 00:00", "2023-W30", id="on Monday 00:00 the week just ended"),
        pytest.param("2023-07-30 23:59", "2023-W29", id="on Sunday 23:59 the week before"),
        pytest.param(
            "2023-07-31 08:59+09:00", "2023-W29", id="Monday 08:59 in Tokyo is Sunday in UTC"
        ),
        pytest.param(
            "2023-07-31 09:00+09:00", "2023-W30", id="Monday 09:00 in Tokyo is Monday 00:00 UTC"
        ),
    ],
)
def test_the_default_period_is_the_last_whole_utc_week(now: str, label: str) -> None:
    moment = datetime.fromisoformat(now)
    assert period_of(now=moment if moment.tzinfo else moment.replace(tzinfo=UTC)).label == label


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param({"week": "2023-W54"}, "--week '2023-W54': 2023 has no ISO week 54",
                     id="a week the year does not have"),
        pytest.param({"week": "2023-W00"}, "--week '2023-W00': 2023 has no ISO week 0",
                     id="week zero"),
        pytest.param({"week": "2023-30"}, "--week '2023-30' is not an ISO week such as 2023-W30",
                     id="a week without W"),
        pytest.param({"week": "last week"},
                     "--week 'last week' is not an ISO week such as 2023-W30",
                     id="words"),
        pytest.param({"since": "yesterday"},
                     "--since 'yesterday' is not a date (2023-07-24 or 2023-07-24T12:00)",
                     id="a since that is no date"),
        pytest.param({"since": "2023-07-31", "until": "2023-07-24"},
                     "--since 2023-07-31 00:00 is not before --until 2023-07-24 00:00",
                     id="a since after the until"),
        pytest.param({"week": "2023-W30", "since": "2023-07-24"},
                     "give --week or --since/--until, not both", id="a week and dates"),
    ],
)  # fmt: skip
def test_a_bad_period_is_a_one_line_usage_error(arguments: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError) as raised:
        period_of(**arguments, now=NOW)
    assert str(raised.value) == message
    assert raised.value.exit_code == 2


# -- the digest against the expected files ----------------------------------------------------


def test_text_digest_of_the_world(digest: Digest) -> None:
    golden("world-2023-W30.txt", render_text(digest))


def test_markdown_digest_of_the_world(digest: Digest) -> None:
    golden("world-2023-W30.md", render_markdown(digest))


def test_json_digest_of_the_world(digest: Digest) -> None:
    text = render_json(digest)
    golden("world-2023-W30.json", text)
    data = json.loads(text)
    assert list(data) == [
        "period", "as_of", "trees", "counts", "by_tree", "current_cycle", "thresholds",
        "sections",
    ]  # fmt: skip
    statuses = {e["status"] for e in data["sections"]["new"]}
    assert statuses == {"open", "fixed", "duplicate"}


def test_the_digest_does_not_change_when_written_later(world: Store, digest: Digest) -> None:
    """Told as of the week's end from the history: the same digest a month later."""
    later = build_digest(world, W30, now=NOW + timedelta(days=30))
    assert render_json(later) == render_json(digest)


# -- week boundaries and time zones ------------------------------------------------------------


def test_a_report_at_sunday_2359_utc_is_in_the_week(digest: Digest) -> None:
    assert rid("sunday") in ids(digest.new)


def test_a_report_at_monday_0000_utc_is_in_the_next_week_only(world: Store, digest: Digest) -> None:
    every = [e.id for _, _, entries in digest.sections() for e in entries]
    assert rid("monday") not in every
    w31 = build_digest(world, period_of(week="2023-W31", now=NOW), now=NOW)
    assert rid("monday") in ids(w31.new)
    assert w31.as_of == NOW  # the week is not over: told as of now
    assert "As of:   2023-07-31 06:00 UTC (the period is not over)" in render_text(w31)


def test_a_date_in_plus_0900_counts_in_its_utc_week(world: Store, digest: Digest) -> None:
    """Mon, 24 Jul 2023 08:30 +0900 is Sunday 23:30 UTC: new in W29, open in W30."""
    tokyo = rid("tokyo")
    assert tokyo not in ids(digest.new)
    assert tokyo in [e.id for g in digest.open for e in g.entries]
    w29 = build_digest(world, period_of(week="2023-W29", now=NOW), now=NOW)
    assert tokyo in ids(w29.new)
    (entry,) = [e for e in w29.new if e.id == tokyo]
    assert entry.reported_at == "2023-07-23T23:30:00+00:00"


# -- every section ---------------------------------------------------------------------------


def test_counts_and_trees(digest: Digest) -> None:
    assert (digest.counts.new, digest.counts.fixed, digest.counts.open) == (8, 1, 10)
    assert digest.trees == ("mainline", "next", "stable-6.1")
    assert {t: (c.new, c.fixed, c.open) for t, c in digest.by_tree.items()} == {
        "mainline": (6, 1, 8), "next": (1, 0, 1), "stable-6.1": (1, 0, 1),
    }  # fmt: skip


def test_fixed_in_the_week_names_the_fixing_commit_and_tree(digest: Digest) -> None:
    (fixed,) = digest.fixed
    assert (fixed.id, fixed.status, fixed.fix_tree, fixed.waits_for) == (
        rid("fixed"), "fixed", "mainline", None,
    )  # fmt: skip
    assert fixed.fix and "check the subscription before frobnicating" in fixed.fix
    assert re.fullmatch(
        r'[0-9a-f]{12} \("drm/frob: subscribe to frobnicator events"\)', fixed.culprit
    )


def test_open_by_tree_with_the_current_mainline_cycle_first(digest: Digest) -> None:
    headings = [g.heading for g in digest.open]
    assert headings == [
        "mainline, the v6.5 cycle", "mainline, before v6.5", "next", "stable-6.1",
    ]  # fmt: skip
    assert ids(digest.open[1].entries) == [rid("idle")]  # it broke in v6.4
    assert digest.current_cycle == "6.5"


def test_the_step_each_waits_for(digest: Digest) -> None:
    steps = {e.id: e.waits_for for g in digest.open for e in g.entries}
    assert steps[rid("sunday")] == "bisection"  # unknown culprit
    assert steps[rid("unmerged")] == "review"  # a fix posted in the thread
    assert steps[rid("queued")] == "merge"  # its fix is in next, not yet in mainline
    fixed_entry = digest.fixed[0]
    assert fixed_entry.culprit != "unknown culprit"
    sunday = next(e for e in digest.new if e.id == rid("sunday"))
    assert sunday.culprit == "unknown culprit"


def test_fix_posted_not_merged_no_activity_duplicates_and_pokes(digest: Digest) -> None:
    assert ids(digest.unmerged) == [rid("unmerged")]
    assert digest.unmerged[0].note == "fix posted 27 days ago, not yet in mainline"
    assert ids(digest.idle) == [rid("idle")]
    assert ids(digest.poked) == [rid("idle")]
    assert digest.poked[0].note == "poked 2 days ago, no activity since"
    assert set(digest.poked[0].flags) >= {"poked", "stale"}
    notes = {e.id: e.note for e in digest.duplicates}
    assert notes[rid("dup")].startswith(f"duplicate of {rid('tokyo')}: ")
    assert notes[rid("samesig")].startswith(f"same crash signature as {rid('idle')}: ")
    assert ids(digest.resolved) == [rid("resolved")]
    assert digest.resolved[0].note == "resolved: a firmware bug, not a kernel regression"


def test_only_the_trees_asked_for(world: Store) -> None:
    mainline = build_digest(world, W30, trees=["mainline"], now=NOW)
    assert mainline.trees == ("mainline",)
    assert (mainline.counts.new, mainline.counts.open) == (6, 8)
    stable = build_digest(world, W30, trees=["stable"], now=NOW)
    assert [g.tree for g in stable.open] == ["stable-6.1"]


def test_thresholds_come_from_the_config(world: Store) -> None:
    strict = build_digest(world, W30, now=NOW, config={"stale_days": 5, "unmerged_days": 30})
    assert strict.unmerged == ()  # the fix is 27 days old
    assert rid("next") in ids(strict.idle)  # 5 days without activity
    assert "No activity for 5 days or more" in render_text(strict)


# -- sorting and the text's shape ----------------------------------------------------------------


def test_entries_are_sorted_by_what_needs_attention_first(digest: Digest) -> None:
    for _key, _heading, entries in digest.sections():
        keys = [
            (-e.idle_days, STEPS.index(e.waits_for) if e.waits_for else 4, -e.age_days, e.id)
            for e in entries
        ]
        assert keys == sorted(keys)
    current = ids(digest.open[0].entries)
    assert current[0] == rid("unmerged")  # 27 days without activity
    assert current[-1] == rid("sunday")  # reported on the week's last minute


def test_every_text_line_but_the_links_fits_in_72(digest: Digest) -> None:
    text = render_text(digest)
    long = [line for line in text.splitlines() if len(line) > 72]
    assert all(re.fullmatch(r"\[\d+\] https://lore\.kernel\.org/r/\S+/", x) for x in long)
    section = text.split("New regressions (8)\n-------------------\n")[1].split("\n\n")[0]
    assert len(section.splitlines()) == 2 * 8  # two lines an entry


def test_hostile_subjects_are_text_in_html(digest: Digest) -> None:
    page = render_html(digest, chart_svg=None)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<script" not in page and "<img" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//(?!lore\.kernel\.org)""", page)


def test_control_characters_never_reach_a_terminal(world: Store, tmp_path: Path) -> None:
    mbox = tmp_path / "escape.mbox"
    mbox.write_text(
        "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: Eve <eve@example.org>\n"
        "Subject: [REGRESSION] \x1b]0;pwned\x07 NULL pointer dereference in esc_attach\n"
        "Date: Tue, 25 Jul 2023 10:00:00 +0000\nMessage-ID: <esc@example.org>\n\n"
        "BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
        "RIP: 0010:esc_attach+0x12/0x40\nCall Trace:\n <TASK>\n esc_probe+0x20/0x50\n"
        " </TASK>\n\nIt worked in v6.4 and broke in v6.5-rc3.\n"
    )
    store = Store(tmp_path / "escape.db")
    ingest(store, [MboxSource(mbox)])
    escaped = build_digest(store, W30, now=NOW)
    for render in (render_text, render_markdown, render_html):
        assert "\x1b" not in render(escaped) and "\\x1b" in render(escaped)


# -- the weekly counts and the chart --------------------------------------------------------------


def test_weekly_counts_come_from_the_history(world: Store) -> None:
    counts = weekly_counts(world, until=W30.until, weeks=3)
    assert [(c.week, c.new, c.fixed, c.open) for c in counts] == [
        ("2023-W28", 1, 0, 3),  # resolved (10 July); open: idle (June), unmerged (1 July)
        ("2023-W29", 2, 0, 5),  # queued (18 July), tokyo (Sunday 23:30 UTC)
        ("2023-W30", 8, 1, 10),
    ]


def test_a_running_week_is_counted_up_to_until(world: Store) -> None:
    (*_, running) = weekly_counts(world, until=NOW, weeks=2)
    assert (running.week, running.new, running.open) == ("2023-W31", 1, 11)


def test_the_chart_is_the_same_svg_for_the_same_counts(world: Store) -> None:
    counts = weekly_counts(world, until=W30.until, weeks=8)
    svg = weekly_chart_svg(counts)
    assert svg == weekly_chart_svg(counts)
    assert "<svg" in svg and "<!-- 2023-W30 -->" in svg  # the last week is labelled
    assert "<dc:date>" not in svg  # no date metadata
    assert not re.search(r"""(href|src)=["'](https?:|//)""", svg)  # nothing fetched
    assert 'id="weekly-chart"' in render_html(build_digest(world, W30, now=NOW), chart_svg=svg)


# -- the history replays to each record's own status ---------------------------------------------


def test_replaying_every_history_gives_the_records_status(world: Store) -> None:
    for record in world.regressions():
        assert History(record).status_at(datetime(9999, 1, 1, tzinfo=UTC)) == record.status


@pytest.mark.corpus
def test_replaying_the_2023_corpus_gives_every_records_status(
    store: Store, corpus_2023: Path
) -> None:
    ingest(store, [MboxSource(corpus_2023)])
    records = store.regressions()
    assert len(records) > 500
    wrong = [
        r.id for r in records
        if History(r).status_at(datetime(9999, 1, 1, tzinfo=UTC)) != r.status
    ]  # fmt: skip
    assert wrong == []


# -- the seed -----------------------------------------------------------------------------------


def test_digest_of_the_seed(seed_store: Store) -> None:
    seed = build_digest(seed_store, W30, now=datetime(2023, 8, 1, tzinfo=UTC))
    golden("seed-2023-W30.txt", render_text(seed))
    (entry,) = seed.new
    assert (entry.id, entry.tree, entry.status, entry.waits_for) == (
        "af25647953cc", "next", "fix-posted", "review",
    )  # fmt: skip
    assert entry.url == f"https://lore.kernel.org/r/{SEED_REPORT}/"
    assert entry.culprit.startswith("828fe4085cae")
    long = [line for line in render_text(seed).splitlines() if len(line) > 72]
    assert long == [f"[1] https://lore.kernel.org/r/{SEED_REPORT}/"]


def test_a_message_id_with_parentheses_keeps_its_markdown_link_whole(digest: Digest) -> None:
    entry = dataclasses.replace(digest.new[0], url=lore_url("a(b)c@example.org"))
    page = render_markdown(dataclasses.replace(digest, new=(entry,)))
    assert f"[`{entry.id}`](https://lore.kernel.org/r/a%28b%29c@example.org/)" in page
