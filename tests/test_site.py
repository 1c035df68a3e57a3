"""The web report's files: what the pages say, what is escaped, how the directory is written.

The database is built once per module from mail written in the test and a
real git repository (tests/sitedata.py); the site is written by the real
``regtrack report``.  tests/test_site_browser.py opens the same kind of
site in Chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from regtrack.cli import main
from regtrack.errors import OutputError
from regtrack.render import sitewrite
from regtrack.render.dotsvg import draw, stop_all
from regtrack.store import Store
from tests import sitedata
from tests.paths import SEED_REPORT, seed_msgid
from tests.sitedata import FROB, IMG, NOW, OLD, SCRIPT
from tests.store.test_opening import _in_private_tmpfs

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None and os.environ.get("CI") != "true",
                               reason="Graphviz's dot is not installed")  # fmt: skip


@pytest.fixture(scope="module")
def site_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sitedata.build_isolated(tmp_path_factory.mktemp("sitedb"))


def report(db: Path, directory: Path, *args: str) -> int:
    return main(["report", "--html", str(directory), "--db", str(db), "--now", NOW, *args])


@pytest.fixture(scope="module")
def site(site_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("site") / "report"
    assert report(site_db, directory) == 0
    return directory


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the page's text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def pages(site: Path) -> list[Path]:
    return [site / "index.html", *sorted((site / "regressions").glob("*.html"))]


def test_the_site_holds_an_index_a_page_per_regression_its_assets_and_json(site: Path) -> None:
    assert sorted(p.name for p in (site / "regressions").iterdir()) == sorted(
        f"{i}.html" for i in (FROB, IMG, OLD, SCRIPT)
    )
    assert sorted(p.name for p in (site / "assets").iterdir()) == ["site.css", "site.js"]
    rows = json.loads((site / "regressions.json").read_text())
    assert {row["id"]: row["status"] for row in rows} == {
        FROB: "fixed", IMG: "open", OLD: "open", SCRIPT: "open"
    }  # fmt: skip
    index = Elements((site / "index.html").read_text())
    links = [
        a["href"] for tag, a in index.tags if tag == "a" and "regressions/" in (a["href"] or "")
    ]
    assert sorted(links) == sorted(f"regressions/{i}.html" for i in (FROB, IMG, OLD, SCRIPT))
    assert (site / sitewrite.MARKER).is_file()


def test_the_index_shows_the_weekly_chart_and_links_the_recent_digests(site: Path) -> None:
    weeks = ["2023-W30", "2023-W29"]  # the whole weeks before 2023-08-01
    assert sorted(p.name for p in (site / "digest").iterdir()) == sorted(f"{w}.html" for w in weeks)
    index = (site / "index.html").read_text()
    chart = index[index.index('<figure class="chart" id="chart">') :]
    assert chart.index("<svg") < chart.index("</svg>") < chart.index("</figure>")
    assert "2023-W31" in chart  # the running week, the chart's last
    page = Elements(index)
    links = [a["href"] for tag, a in page.tags if tag == "a" and "digest/" in (a["href"] or "")]
    assert links == ["digest/2023-W30.html", *(f"digest/{w}.html" for w in weeks)]
    for week in weeks:
        digest = (site / "digest" / f"{week}.html").read_text()
        assert f"weekly regression report: {week}" in digest and "<svg" in digest
    # The digest of the week of the hostile reports lists them, as text.
    w30 = Elements((site / "digest" / "2023-W30.html").read_text())
    assert '"><img src=x onerror="window.pwned=2;alert(2)"> NULL pointer' in "".join(w30.text)
    assert not [tag for tag, _ in w30.tags if tag in ("script", "img")]


def test_no_digest_pages_when_none_are_asked_for(site_db: Path, tmp_path: Path) -> None:
    store = Store(site_db, read_only=True)
    try:
        summary = sitewrite.write_report(
            store, tmp_path / "site", now=_now(), stale_days=30, digest_weeks=0
        )
    finally:
        store.close()
    assert summary.digest_weeks == []
    assert not (tmp_path / "site" / "digest").exists()
    assert "digest/" not in (tmp_path / "site" / "index.html").read_text()
    assert 'id="chart"' in (tmp_path / "site" / "index.html").read_text()


def test_every_string_from_mail_is_text_in_every_page(site: Path) -> None:
    """No element, attribute or script comes from mail: the only script is the site's
    own file, no tag has an event handler, no image is loaded; the hostile subjects
    and the reporter's name read as they were written."""
    for path in pages(site):
        page = Elements(path.read_text())
        scripts = [attrs.get("src") for tag, attrs in page.tags if tag == "script"]
        root = "" if path.name == "index.html" else "../"
        assert scripts == [f"{root}assets/site.js"], path
        assert not [tag for tag, _ in page.tags if tag in ("img", "iframe", "object", "embed")]
        handlers = [
            (tag, name) for tag, attrs in page.tags for name in attrs if name.startswith("on")
        ]
        assert handlers == [], path
        policies = [
            attrs["content"] for tag, attrs in page.tags
            if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"
        ]  # fmt: skip
        assert len(policies) == 1 and "default-src 'none'; script-src 'self';" in policies[0]
    index = Elements((site / "index.html").read_text())
    text = "".join(index.text)
    assert "<script>window.pwned=1;alert(1)</script> NULL pointer" in text
    assert '"><img src=x onerror="window.pwned=2;alert(2)"> NULL pointer' in text
    assert "Eve <b onmouseover=alert(3)>Evil" in text
    reporters = [a["title"] for tag, a in index.tags if tag == "td" and "title" in a]
    assert "Eve <b onmouseover=alert(3)>Evil <eve@example.org>" in reporters
    linked = Elements((site / "regressions" / f"{IMG}.html").read_text())
    assert "<script>window.pwned=5</script> the same bug" in "".join(linked.text)
    hrefs = [a["href"] for tag, a in linked.tags if tag == "a"]
    assert 'https://example.org/"><img/src=x/onerror=window.pwned=4>' in hrefs
    searched = [a["data-search"] for tag, a in index.tags if tag == "tr" and "data-search" in a]
    assert any('"><img src=x onerror="window.pwned=2' in (s or "") for s in searched)


def test_the_graph_of_a_hostile_subject_is_drawn_as_text(site: Path) -> None:
    if DOT is None:
        pytest.skip("Graphviz's dot is not installed")
    page = (site / "regressions" / f"{SCRIPT}.html").read_text()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "&lt;script&gt;window.pwned=1" in svg
    assert "<script" not in svg.lower()


def test_lore_links_escape_what_would_change_the_url(site: Path) -> None:
    page = Elements((site / "regressions" / f"{IMG}.html").read_text())
    hrefs = {a["href"] for tag, a in page.tags if tag == "a"}
    assert "https://lore.kernel.org/r/20230725080000.gamma%2Fodd%23id%25@example.org/" in hrefs


def test_a_regression_page_has_the_record_history_fixes_answers_and_graph(site: Path) -> None:
    page = Elements((site / "regressions" / f"{FROB}.html").read_text())
    text = " ".join(" ".join(page.text).split())
    assert "status fixed" in text
    assert "culprit" in text and "named by Ada Reporter <ada@example.org>" in text
    history = [a for tag, a in page.tags if tag == "tr" and "event" in (a.get("class") or "")]
    kinds = [a["class"] for a in history]
    assert kinds[0] == "event reported" and "event fixed" in kinds
    # The fixing commit under its tree, with its effect; the answers of the three questions.
    assert "Fixing commits mainline" in text and "on master: fixed" in text
    assert "fixed-by fixed in mainline" in text
    assert "culprit " in text and "related nothing related found" in text
    if DOT is not None:
        assert "<svg" in (site / "regressions" / f"{FROB}.html").read_text()


def test_an_unresolved_regression_offers_the_trailers_for_its_fix(site: Path) -> None:
    old = (site / "regressions" / f"{OLD}.html").read_text()
    assert "Reported-by: Ada Reporter &lt;ada@example.org&gt;" in old
    assert f"Closes: https://lore.kernel.org/r/{sitedata.OLD_REPORT}/" in old
    fixed = (site / "regressions" / f"{FROB}.html").read_text()
    assert "Reported-by: " not in fixed


def test_without_dot_the_page_says_why_there_is_no_graph(
    site_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert report(site_db, tmp_path / "site") == 0
    page = (tmp_path / "site" / "regressions" / f"{FROB}.html").read_text()
    assert "<svg" not in page
    assert "Graphviz&#39;s dot is not installed (not on PATH)" in page


def test_a_directory_that_is_no_report_is_refused_and_left_alone(
    site_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "photos"
    target.mkdir()
    (target / "holiday.jpg").write_bytes(b"jpeg")
    assert report(site_db, target) == 1
    err = capsys.readouterr().err
    assert err == (
        f"regtrack: error: {target}: exists and is not a regtrack report (no .regtrack-report "
        "in it); give a new or empty directory, or an earlier report's\n"
    )
    assert [p.name for p in target.iterdir()] == ["holiday.jpg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos"]  # no staging left behind


def test_a_file_is_refused(site_db: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "site").write_text("mine")
    assert report(site_db, tmp_path / "site") == 1
    assert "exists and is not a directory" in capsys.readouterr().err


def test_an_earlier_report_is_replaced_whole(site_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    assert report(site_db, target) == 0
    (target / "regressions" / "gone0000beef.html").write_text("from an older database")
    assert report(site_db, target, "--tree", "mainline") == 0
    assert sorted(p.name for p in (target / "regressions").iterdir()) == [f"{FROB}.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_failure_midway_leaves_the_earlier_report_and_no_half_site(
    site_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page that cannot be written (a fault injected into the third page) ends the run;
    the earlier report is still there, whole, and nothing else is left behind."""
    target = tmp_path / "site"
    assert report(site_db, target) == 0
    before = _files(target)
    real = sitewrite.regression_html
    calls = iter(range(100))

    def failing(*args, **kwargs):
        if next(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(sitewrite, "regression_html", failing)
    with pytest.raises(OutputError, match=r"site: cannot write the report \(No space left"):
        sitewrite.write_report(Store(site_db, read_only=True), target, now=_now(), stale_days=30)
    assert _files(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def _now() -> datetime:
    return datetime(2023, 8, 1, tzinfo=UTC)


def _files(folder: Path) -> dict[Path, bytes]:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_pages_shared_among_processes_are_the_pages_one_process_writes(
    site_db: Path, tmp_path: Path
) -> None:
    """From 1,000 regressions on, processes share the pages; they write the same files."""
    store = Store(site_db, read_only=True)
    try:
        for processes in (1, 3):
            sitewrite.write_report(
                store, tmp_path / str(processes), now=_now(), stale_days=30, processes=processes
            )
    finally:
        store.close()
    one, three = _files(tmp_path / "1"), _files(tmp_path / "3")
    assert len(one) == 4 + 5 + 2  # the pages; index, JSON, two assets, marker; digests
    assert one == three


def test_tree_filters_and_the_json_summary(site_db: Path, tmp_path: Path, capsys) -> None:
    assert report(site_db, tmp_path / "next", "--tree", "next", "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["regressions"] == summary["pages"] == 3
    assert summary["digest_weeks"] == ["2023-W30", "2023-W29"]
    assert summary["directory"] == str(tmp_path / "next")
    assert sum(summary["graphs_not_drawn"].values()) + summary["graphs"] == 3
    rows = json.loads((tmp_path / "next" / "regressions.json").read_text())
    assert sorted(row["id"] for row in rows) == sorted([IMG, OLD, SCRIPT])


def test_a_misspelt_tree_is_bad_usage(site_db: Path, tmp_path: Path) -> None:
    assert report(site_db, tmp_path / "site", "--tree", "mainlin") == 2
    assert not (tmp_path / "site").exists()


def test_an_empty_database_gives_an_empty_table(tmp_path: Path, capsys) -> None:
    Store(tmp_path / "empty.db").close()
    assert report(tmp_path / "empty.db", tmp_path / "site") == 0
    assert "0 regressions: index and 0 pages" in capsys.readouterr().out
    assert "0 regressions, 0 unresolved." in (tmp_path / "site" / "index.html").read_text()


# -- dot: many graphs per process -------------------------------------------------------


def _graph(n: int, label: str = "x") -> str:
    return f'digraph g{n} {{ "a{n}" [label="{label}"]; "a{n}" -> "b{n}"; }}\n'


@needs_dot
def test_one_dot_run_draws_a_batch_as_runs_of_one_would() -> None:
    dots = [_graph(n) for n in range(5)]
    together = draw(dots, DOT or "dot")
    alone = [draw([dot], DOT or "dot")[0] for dot in dots]
    assert together == alone  # the same pictures, whichever batch drew them
    assert all(d.svg and d.svg.startswith("<svg") and d.svg.endswith("</svg>") for d in together)
    assert all("<!--" not in (d.svg or "") for d in together)


@needs_dot
def test_a_graph_dot_refuses_costs_only_its_own_drawing() -> None:
    dots = [_graph(0), "digraph broken { a -> ; }\n", _graph(2)]
    drawings = draw(dots, DOT or "dot")
    assert [d.svg is not None for d in drawings] == [True, False, True]
    assert "dot failed" in (drawings[1].problem or "")


def test_svg_with_active_content_is_refused(tmp_path: Path) -> None:
    """A ``dot`` that wrote a script into its SVG (a stand-in program, since the real
    one escapes labels) gets no drawing onto the page."""
    fake = tmp_path / "dot"
    fake.write_text(
        "#!/bin/sh\ncat >/dev/null\n"
        "echo '<svg xmlns=\"http://www.w3.org/2000/svg\"><text>ok</text></svg>'\n"
        "echo '<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>'\n"
        'echo \'<svg xmlns="http://www.w3.org/2000/svg"><g onload="alert(1)"/></svg>\'\n'
    )
    fake.chmod(0o755)
    drawings = draw([_graph(0), _graph(1), _graph(2)], str(fake))
    assert drawings[0].svg is not None
    assert [d.svg for d in drawings[1:]] == [None, None]
    assert all("active content" in (d.problem or "") for d in drawings[1:])


def test_the_current_directory_as_an_earlier_report_is_replaced(
    site_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--html .`` inside an earlier report: the staging directory goes beside it, not
    into it."""
    target = tmp_path / "site"
    assert report(site_db, target) == 0
    monkeypatch.chdir(target)
    assert report(site_db, Path("."), "--tree", "mainline") == 0
    assert sorted(p.name for p in (target / "regressions").iterdir()) == [f"{FROB}.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_seed_regression_page(seed_store: Store, tmp_path: Path) -> None:
    """The seed (real mail): its culprit's posting and both fix mails link to lore."""
    sitewrite.write_report(seed_store, tmp_path / "site", now=_now(), stale_days=30)
    page = Elements((tmp_path / "site" / "regressions" / "af25647953cc.html").read_text())
    hrefs = {a["href"] for tag, a in page.tags if tag == "a"}
    lore = "https://lore.kernel.org/r/"
    assert {
        f"{lore}{SEED_REPORT}/",
        f"{lore}9a02dde2f8ddaad2db31e54706a80c12d1817aaf.1689768831.git-series.apopple@nvidia.com/",
        f"{lore}{seed_msgid(3)}/",
        f"{lore}{seed_msgid(9)}/",
    } <= hrefs
    text = " ".join(" ".join(page.text).split())
    assert "fixed-by a fix was posted" in text
    assert 'Fixes: 828fe4085cae ("mmu_notifiers: rename invalidate_range notifier")' in text


@pytest.mark.parametrize(
    ("script", "problem"),
    [
        ("kill -INT $$", "dot was ended by signal 2"),
        ("sleep 5", "dot took longer than 0.5 s"),
    ],
    ids=["a dot ended by Ctrl-C", "a dot past its timeout"],
)
def test_a_batch_that_dot_did_not_finish_is_not_drawn_again_graph_by_graph(
    tmp_path: Path, script: str, problem: str
) -> None:
    """Drawing each graph alone helps when dot refused one graph; after a signal (a
    Ctrl-C reaches dot too) or a timeout it would only make the run take that much
    longer, once per graph."""
    runs = tmp_path / "runs"
    fake = tmp_path / "dot"
    fake.write_text(f"#!/bin/sh\necho run >> {runs}\ncat >/dev/null\n{script}\n")
    fake.chmod(0o755)
    drawings = draw([_graph(0), _graph(1), _graph(2)], str(fake), timeout=0.5)
    assert [(d.svg, d.problem) for d in drawings] == [(None, problem)] * 3
    assert runs.read_text() == "run\n"


def test_dot_runs_in_a_session_of_its_own_and_stop_all_ends_it(tmp_path: Path) -> None:
    """A terminal's Ctrl-C goes to the foreground process group; dot, whose own SIGINT
    handler can deadlock (a dot was left asleep for good after an interrupted report),
    must not be in it. The run that stops ends it instead."""
    started = tmp_path / "started"
    fake = tmp_path / "dot"  # a dot that starts a process of its own, which must end too
    fake.write_text(
        f"#!/bin/sh\nsleep 30 &\necho $! > {tmp_path}/child\n"
        f"ps -o sid= -p $$ > {started}.tmp\nmv {started}.tmp {started}\nwait\n"
    )
    fake.chmod(0o755)
    drawings: list = []
    drawing = threading.Thread(target=lambda: drawings.extend(draw([_graph(0)], str(fake))))
    drawing.start()
    deadline = time.monotonic() + 10
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert int(started.read_text()) != os.getsid(0)
    stop_all()
    drawing.join(timeout=5)
    assert not drawing.is_alive()
    assert [(d.svg, d.problem) for d in drawings] == [(None, "dot was ended by signal 9")]
    child = Path(f"/proc/{(tmp_path / 'child').read_text().strip()}")
    deadline = time.monotonic() + 5
    while child.exists() and "Z" not in _state(child) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not child.exists() or "Z" in _state(child)  # killed (a zombie until reaped)


def _state(proc: Path) -> str:
    try:
        return (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return "gone"


def test_a_full_disk_is_one_line_and_leaves_nothing_behind(site_db: Path, tmp_path: Path) -> None:
    """A real full disk: a 64 KB tmpfs in a private user and mount namespace."""
    out = tmp_path / "out"
    out.mkdir()
    script = """
        mount -t tmpfs -o size=64k tmpfs "$0"
        "$1" -m regtrack report --html "$0/site" --db "$2" --now 2023-08-01 2> "$3/err"
        echo $? > "$3/rc"
        ls -A "$0" > "$3/left"
    """
    done = _in_private_tmpfs(tmp_path, script, str(site_db), str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "rc").read_text().strip() == "1"
    (error,) = (out / "err").read_text().splitlines()
    assert error.startswith("regtrack: error: ") and error.endswith(
        "/site: cannot write the report (No space left on device)"
    ), error
    assert (out / "left").read_text() == ""
