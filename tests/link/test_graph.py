"""The relation graph of the seed thread, its exports read back, and the `graph` command."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest

from regtrack.cli import main
from regtrack.link.export import FORMATS, export, to_dot
from regtrack.query import graph_of
from regtrack.state import regression_id
from regtrack.store import Store
from tests.paths import SEED_REPORT, seed_msgid

REGRESSION = regression_id(SEED_REPORT)
CULPRIT = "828fe4085cae77acb3abf7dd3d25b3ed6c560edf"


def _edges(graph: nx.MultiDiGraph, kind: str) -> set[tuple[str, str]]:
    return {(s, t) for s, t, attrs in graph.edges(data=True) if attrs["kind"] == kind}


def test_the_seed_regression_and_what_relates_to_it(seed_store: Store) -> None:
    start, graph = graph_of(seed_store, REGRESSION[:6], depth=2)
    reg = f"reg:{REGRESSION}"
    assert start == reg
    assert _edges(graph, "reported-by") == {(reg, f"msg:{SEED_REPORT}")}
    assert _edges(graph, "introduced-by") == {(reg, f"commit:{CULPRIT}")}
    assert _edges(graph, "resolves") == {
        (f"msg:{seed_msgid(3)}", reg),
        (f"msg:{seed_msgid(9)}", reg),
    }
    resolves = {
        attrs["how"]
        for _, _, attrs in graph.in_edges(reg, data=True)
        if attrs["kind"] == "resolves"
    }
    assert resolves == {"inline-diff", "respin-of-culprit"}
    assert (f"msg:{seed_msgid(2)}", f"msg:{SEED_REPORT}") in _edges(graph, "replies-to")
    signature = next(n for n in graph if n.startswith("sig:crash:"))
    assert (f"msg:{SEED_REPORT}", signature) in _edges(graph, "same-signature")
    assert graph.nodes[reg]["status"] == "fix-posted"
    assert graph.nodes[f"commit:{CULPRIT}"]["label"] == "828fe4085cae (not scanned)"


def test_the_ci_mail_never_resolves_anything(seed_store: Store) -> None:
    _, graph = graph_of(seed_store, REGRESSION, depth=5)
    ci_mail = f"msg:{seed_msgid(12)}"
    assert ci_mail in graph  # reached through the series it replies to
    assert not [e for e in graph.out_edges(ci_mail, data=True) if e[2]["kind"] == "resolves"]


def test_depth_bounds_the_neighbourhood(seed_store: Store) -> None:
    sizes = [graph_of(seed_store, REGRESSION, depth)[1].number_of_nodes() for depth in range(4)]
    assert sizes[0] == 1 and sizes == sorted(sizes) and sizes[1] < sizes[3]


def test_a_message_of_no_regression_starts_from_itself(seed_store: Store) -> None:
    start, graph = graph_of(seed_store, seed_msgid(5), depth=1)  # v4 1/5: no regression's
    assert start == f"msg:{seed_msgid(5)}"
    assert (start, f"msg:{seed_msgid(4)}") in _edges(graph, "replies-to")


@pytest.mark.parametrize("form", ["graphml", "gexf", "json"])
def test_exports_read_back(seed_store: Store, form: str) -> None:
    _, graph = graph_of(seed_store, REGRESSION, depth=2)
    text = export(graph, form)
    if form == "json":
        back = nx.node_link_graph(json.loads(text), directed=True, multigraph=True, edges="edges")
    elif form == "graphml":
        back = nx.read_graphml(io.BytesIO(text.encode()))
    else:
        back = nx.read_gexf(io.BytesIO(text.encode()))
    assert set(back.nodes) == set(graph.nodes)
    assert back.number_of_edges() == graph.number_of_edges()
    kinds = sorted(attrs["kind"] for _, _, attrs in back.edges(data=True))
    assert kinds == sorted(attrs["kind"] for _, _, attrs in graph.edges(data=True))


def test_dot_keeps_hostile_labels_inside_their_strings(tmp_path: Path) -> None:
    graph = nx.MultiDiGraph()
    graph.add_node('msg:a"b@x', kind="message", label='x"]; evil [label="\\\n<script>')
    graph.add_node("reg:1", kind="regression", label="r")
    graph.add_edge('msg:a"b@x', "reg:1", kind="resolves")
    dot = to_dot(graph)
    assert '"msg:a\\"b@x"' in dot and "\n<script>" not in dot
    if shutil.which("dot") is None:
        pytest.skip(
            "Graphviz's dot is not installed (apt-get install graphviz); .ci/run installs it"
        )
    done = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "&lt;script&gt;" in done.stdout and "<script>" not in done.stdout


def test_graphviz_accepts_the_seed_graph(seed_store: Store) -> None:
    if shutil.which("dot") is None:
        pytest.skip(
            "Graphviz's dot is not installed (apt-get install graphviz); .ci/run installs it"
        )
    _, graph = graph_of(seed_store, REGRESSION, depth=3)
    done = subprocess.run(
        ["dot", "-Tsvg"], input=export(graph, "dot"), capture_output=True, text=True
    )
    assert done.returncode == 0 and "<svg" in done.stdout, done.stderr


def test_the_graph_command(seed_store: Store, tmp_path: Path, capsys) -> None:
    db = str(seed_store.path)
    assert main(["graph", REGRESSION, "--db", db]) == 0
    tree = capsys.readouterr().out.splitlines()
    assert tree[0].startswith(f"reg:{REGRESSION}  Regression in linux-next  [fix-posted, next]")
    assert any("<- resolves (respin-of-culprit): msg:" in line for line in tree)
    assert main(["graph", REGRESSION, "--db", db, "--json", "--depth", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {node["id"] for node in data["nodes"]} >= {f"reg:{REGRESSION}", f"commit:{CULPRIT}"}
    for form in FORMATS:
        out = tmp_path / f"seed.{form}"
        assert main(["graph", REGRESSION, "--db", db, "--format", form, "--output", str(out)]) == 0
        assert out.stat().st_size > 100
        assert capsys.readouterr().err.endswith(f"written to {out}\n")


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("commit:zz", "a commit is named by 8 to 40 hex digits"),
        (f"commit:{CULPRIT[:12]}", "names no stored commit"),
        ("0000", "no regression id starts with '0000'"),
    ],
)
def test_bad_references_are_one_line_errors(seed_store: Store, capsys, reference, message) -> None:
    assert main(["graph", reference, "--db", str(seed_store.path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and message in err[0]


def test_commits_join_the_graph_once_scanned(tmp_path: Path, git_env) -> None:
    from tests.state.mailgit import REPORT, Tracking, fix_message, linux, report

    tracking = Tracking(tmp_path)
    repo, culprit = linux(tmp_path, git_env)
    tracking.mail(report(culprit))
    fix = repo.commit(
        fix_message(f"Closes: https://lore.kernel.org/all/{REPORT}/", f"Fixes: {culprit[:12]}"),
        "a.c",
        "1\n",
    )
    tracking.scan(repo, "mainline")
    reg = f"reg:{tracking.regression().id}"
    start, graph = graph_of(tracking.store, f"commit:{fix[:10]}", depth=2)
    assert start == f"commit:{fix}"
    assert (start, f"msg:{REPORT}") in _edges(graph, "links-to")
    assert (start, f"commit:{culprit}") in _edges(graph, "fixes")
    assert (start, reg) in _edges(graph, "resolves")
    effect = next(a for s, t, a in graph.edges(data=True) if (s, t) == (start, reg))
    assert (effect["tree"], effect["effect"]) == ("mainline", "fixed")
    assert graph.nodes[f"commit:{culprit}"]["label"] == "drm/frob: subscribe to frobnicator events"
    tracking.close()


def test_the_respun_culprit_replaces_the_culprit_and_carries_the_fix(seed_store: Store) -> None:
    _, graph = graph_of(seed_store, REGRESSION, depth=1)
    respin, inline = f"msg:{seed_msgid(9)}", f"msg:{seed_msgid(3)}"
    assert (respin, f"commit:{CULPRIT}") in _edges(graph, "version-of")
    assert (respin, inline) in _edges(graph, "carries-fix")


def test_a_posted_patch_and_the_commit_it_became(tmp_path: Path, git_env) -> None:
    from tests.state.mailgit import (
        FIX_SUBJECT,
        REPORT,
        Tracking,
        fix_message,
        linux,
        message,
        report,
    )

    tracking = Tracking(tmp_path)
    repo, culprit = linux(tmp_path, git_env)
    diff = "---\ndiff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -0,0 +1 @@\n+1\n"
    v1 = message(
        "v1.fix@example.org", f"[PATCH] {FIX_SUBJECT}", f"v1\n{diff}", date="2023-07-21 09:00"
    )
    v2 = message(
        "v2.fix@example.org",
        f"[PATCH v2] {FIX_SUBJECT}",
        f"v2\n\nCloses: https://lore.kernel.org/all/{REPORT}/\n{diff}",
        date="2023-07-22 09:00",
    )
    tracking.mail(report(culprit), v1, v2)
    linked = repo.commit(
        fix_message("Link: https://patch.msgid.link/v2.fix@example.org"), "a.c", "1\n"
    )
    tracking.scan(repo, "mainline")
    _, graph = graph_of(tracking.store, "v2.fix@example.org", depth=1)
    applied = {(s, t): a for s, t, a in graph.edges(data=True) if a["kind"] == "applied-as"}
    assert applied[("msg:v2.fix@example.org", f"commit:{linked}")]["how"] == "link"
    assert ("msg:v2.fix@example.org", "msg:v1.fix@example.org") in _edges(graph, "version-of")
    _, older = graph_of(tracking.store, "v1.fix@example.org", depth=1)
    subject = {(s, t): a for s, t, a in older.edges(data=True) if a["kind"] == "applied-as"}
    assert subject[("msg:v1.fix@example.org", f"commit:{linked}")]["confidence"] == "medium"
    tracking.close()


def test_the_graph_reads_by_index_never_by_scanning_a_table(seed_store: Store) -> None:
    """Every query the graph makes finds its rows through an index: a scan of a table
    per node makes a graph cost as much as the database is large (a scan of every
    message for each message's replies made the web report of 10,000 regressions take
    minutes)."""
    statements: list[str] = []
    seed_store.conn.set_trace_callback(statements.append)
    try:
        graph_of(seed_store, REGRESSION, depth=3)
    finally:
        seed_store.conn.set_trace_callback(None)
    selects = {s for s in statements if s.lstrip().upper().startswith("SELECT")}
    assert selects
    scans = {}
    for sql in selects:
        plan = seed_store.conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
        found = [row[-1] for row in plan if row[-1].startswith("SCAN ")]
        if found:
            scans[sql] = found
    assert scans == {}


def test_the_seed_series_is_a_node_with_its_parts(seed_store: Store) -> None:
    cover = seed_msgid(4)
    _, graph = graph_of(seed_store, seed_msgid(9), depth=1)
    series = f"series:{cover}"
    assert graph.nodes[series]["version"] == 4 and graph.nodes[series]["patches"] == 5
    _, graph = graph_of(seed_store, series, depth=1)
    assert {s for s, _ in _edges(graph, "part-of")} == {
        f"msg:{seed_msgid(n)}" for n in range(4, 10)
    }
    assert seed_msgid(12) not in {s.partition(":")[2] for s, _ in _edges(graph, "part-of")}


def _series(version: int, hours: int) -> list[str]:
    """A cover letter and two patches of version ``version`` of one series."""
    tag = "PATCH" if version == 1 else f"PATCH v{version}"
    cover = f"cover-v{version}@example.org"
    date = f"Mon, 10 Jul 2023 {hours:02d}:00:00 +0000"
    mails = [(cover, None, f"[{tag} 0/2] foo: tidy the frobnicator", "The series.\n")]
    for n in (1, 2):
        body = (
            f"Patch {n}.\n\nSigned-off-by: Dave <dave@example.org>\n---\n"
            f"diff --git a/f{n}.c b/f{n}.c\n--- a/f{n}.c\n+++ b/f{n}.c\n"
            f"@@ -1 +1 @@\n-a\n+b{version}\n"
        )
        mails.append((f"p{n}-v{version}@example.org", cover, f"[{tag} {n}/2] foo: step {n}", body))
    out = []
    for msgid, parent, subject, body in mails:
        head = f"From: Dave <dave@example.org>\nSubject: {subject}\nDate: {date}\n"
        head += f"Message-ID: <{msgid}>\n"
        if parent:
            head += f"In-Reply-To: <{parent}>\nReferences: <{parent}>\n"
        out.append(f"From mboxrd@z Thu Jan  1 00:00:00 1970\n{head}\n{body}\n")
    return out


def test_a_newer_version_of_a_series_points_to_the_older(tmp_path: Path) -> None:
    mbox = tmp_path / "series.mbox"
    mbox.write_text("".join(_series(1, 8) + _series(2, 9)))
    db = str(tmp_path / "s.db")
    assert main(["ingest", str(mbox), "--db", db]) == 0
    store = Store(tmp_path / "s.db", read_only=True)
    _, graph = graph_of(store, "cover-v2@example.org", depth=2)
    assert ("series:cover-v2@example.org", "series:cover-v1@example.org") in _edges(
        graph, "version-of"
    )
    assert ("msg:p2-v1@example.org", "series:cover-v1@example.org") in _edges(graph, "part-of")
    assert graph.nodes["series:cover-v2@example.org"]["label"] == (
        "v2 (2 patches): foo: tidy the frobnicator"
    )
    store.close()


@pytest.mark.parametrize(("flag", "magic"), [("--svg", b"<svg"), ("--png", b"\x89PNG")])
def test_images_drawn_by_graphviz(seed_store: Store, tmp_path: Path, capsys, flag, magic) -> None:
    if shutil.which("dot") is None:
        pytest.skip(
            "Graphviz's dot is not installed (apt-get install graphviz); .ci/run installs it"
        )
    out = tmp_path / f"seed.{flag[2:]}"
    assert (
        main(["graph", REGRESSION, "--db", str(seed_store.path), flag, "--output", str(out)]) == 0
    )
    assert magic in out.read_bytes()[:400]
    assert capsys.readouterr().err.endswith(f"written to {out}\n")


def test_an_image_without_graphviz_is_a_one_line_error(
    seed_store: Store, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no dot on it
    assert main(["graph", REGRESSION, "--db", str(seed_store.path), "--format", "svg"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "needs Graphviz's dot, which is not installed" in err[0]


def test_one_culprits_regressions_meet_at_its_node(tmp_path: Path) -> None:
    """From either regression, the other is two edges away: both introduced-by edges end at
    the culprit's node, which leads back to every regression it caused."""
    from tests.state.mailgit import Tracking, report

    tracking = Tracking(tmp_path)
    culprit = "f00dfeedcafe0123456789abcdef0123456789ab"
    second = report(culprit, msgid="20230721.second@example.org").replace(
        "Date: Thu, 20 Jul 2023", "Date: Fri, 21 Jul 2023"
    )
    tracking.mail(report(culprit), second)
    first_id, second_id = (regression_id(m) for m in (REPORT_ID, "20230721.second@example.org"))
    for start, other in ((first_id, second_id), (second_id, first_id)):
        _, graph = graph_of(tracking.store, start, depth=2)
        commit = f"commit:{culprit[:12]}"
        assert {(f"reg:{start}", commit), (f"reg:{other}", commit)} <= _edges(
            graph, "introduced-by"
        )
    tracking.close()


REPORT_ID = "20230720100000.report@example.org"


def test_every_message_of_the_thread_is_one_edge_from_its_regression(seed_store: Store) -> None:
    _, graph = graph_of(seed_store, REGRESSION, depth=1)
    thread = {f"msg:{seed_msgid(n)}" for n in (2, 3)}  # replies, not only the report
    assert thread <= {source for source, _ in _edges(graph, "in-thread")}


@pytest.mark.parametrize(
    "reference",
    [
        f"msg:{SEED_REPORT}",
        SEED_REPORT.replace("@", "%40"),
        f"https://lore.kernel.org/all/{SEED_REPORT.replace('@', '%40')}/",
    ],
    ids=["the node name graph prints", "percent-encoded", "a percent-encoded lore URL"],
)
def test_a_message_in_any_written_form_is_the_centre(seed_store: Store, reference: str) -> None:
    start, _ = graph_of(seed_store, reference, depth=0)
    assert start == f"msg:{SEED_REPORT}"


def test_the_node_name_of_a_regression_names_it(seed_store: Store) -> None:
    assert graph_of(seed_store, f"reg:{REGRESSION}", depth=0)[0] == f"reg:{REGRESSION}"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--format", "dot", "--json"], "give one output format, not dot and json"),
        (["--svg", "--png"], "give one output format, not png and svg"),
        (["--svg", "--format", "graphml"], "give one output format, not graphml and svg"),
        (["--depth", "-1"], "Invalid value for '--depth': -1 is not in the range 0<=x<=6"),
    ],
)
def test_bad_usage_is_one_line(seed_store: Store, capsys, options, message) -> None:
    assert main(["graph", REGRESSION, "--db", str(seed_store.path), *options]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == f"regtrack: error: regtrack graph: {message} (see regtrack graph --help)"


def test_an_output_that_cannot_be_written_is_one_line_and_exit_1(
    seed_store: Store, tmp_path: Path, capsys
) -> None:
    assert main(["graph", REGRESSION, "--db", str(seed_store.path), "--output", str(tmp_path)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line == f"regtrack: error: {tmp_path}: cannot write the graph (Is a directory)"
