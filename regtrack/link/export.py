"""The relation graph written for tools: GraphML, GEXF, node-link JSON and Graphviz DOT.

GraphML and GEXF allow only strings, numbers and booleans as attribute
values, so anything else (None, lists) is written as text first; the files
networkx writes here, networkx reads back (tests check it).  DOT is written
here rather than through pydot (one dependency less): every identifier and
label is a quoted string with ``\\`` and ``"`` escaped, so a subject from mail
cannot break out of its string.  SVG and PNG are that DOT laid out by
Graphviz's ``dot`` (:func:`image`), where Graphviz is installed.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from typing import Any

import networkx as nx

from regtrack.errors import GraphvizError

FORMATS = ("graphml", "gexf", "json", "dot")
IMAGE_FORMATS = ("svg", "png")
# Seconds Graphviz may take to lay out one neighbourhood (a few hundred nodes take well
# under one).
DOT_TIMEOUT = 120


def _plain(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attribute values are all str, int, float or bool."""
    plain = nx.MultiDiGraph()
    for node, attrs in graph.nodes(data=True):
        plain.add_node(node, **{k: _value(v) for k, v in attrs.items()})
    for source, target, attrs in graph.edges(data=True):
        plain.add_edge(source, target, **{k: _value(v) for k, v in attrs.items()})
    return plain


def _value(value: Any) -> str | int | float | bool:
    if isinstance(value, str | int | float | bool):
        return value
    return "" if value is None else json.dumps(value)


def export(graph: nx.MultiDiGraph, form: str) -> str:
    """The graph as text in ``form`` (one of :data:`FORMATS`)."""
    if form == "json":
        return json.dumps(nx.node_link_data(graph, edges="edges"), indent=2, sort_keys=True)
    if form == "dot":
        return to_dot(graph)
    buffer = io.BytesIO()
    if form == "graphml":
        nx.write_graphml(_plain(graph), buffer)
    elif form == "gexf":
        nx.write_gexf(_plain(graph), buffer)
    else:
        raise ValueError(f"unknown graph format {form!r}")
    return buffer.getvalue().decode("utf-8")


def image(graph: nx.MultiDiGraph, form: str) -> bytes:
    """The graph drawn by Graphviz as ``form`` (one of :data:`IMAGE_FORMATS`).

    Raises :class:`GraphvizError` when ``dot`` is not installed, fails or takes longer
    than :data:`DOT_TIMEOUT`.  The DOT goes to ``dot`` on its standard input; no shell.
    """
    if form not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {form!r}")
    program = shutil.which("dot")
    if program is None:
        raise GraphvizError(
            f"--format {form} needs Graphviz's dot, which is not installed "
            "(apt-get install graphviz); --format dot writes what it would draw"
        )
    try:
        done = subprocess.run(
            [program, f"-T{form}"], input=to_dot(graph).encode(), capture_output=True,
            timeout=DOT_TIMEOUT, check=False,
            # a terminal's Ctrl-C reaches regtrack alone, which kills dot as it unwinds:
            # dot's own SIGINT handler can deadlock (regtrack.render.dotsvg)
            start_new_session=True,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise GraphvizError(f"dot took longer than {DOT_TIMEOUT} s to draw the graph") from exc
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise GraphvizError(f"dot could not draw the graph: {last}")
    return done.stdout


_SHAPES = {
    "regression": "box", "commit": "ellipse", "signature": "diamond", "message": "note",
    "series": "folder",
}  # fmt: skip


def to_dot(graph: nx.MultiDiGraph) -> str:
    lines = ["digraph regtrack {", "  rankdir=LR;", "  node [fontsize=10];"]
    for node, attrs in sorted(graph.nodes(data=True)):
        label = [_short(str(attrs.get("label", node)))]
        if attrs.get("kind") == "regression":  # not to be taken for its report's subject
            label = [f"regression {node.partition(':')[2]}", *label, f"[{attrs.get('status')}]"]
        shape = _SHAPES.get(str(attrs.get("kind")), "ellipse")
        lines.append(f"  {_quote(node)} [label={_label(label)}, shape={shape}];")
    for source, target, attrs in graph.edges(data=True):
        lines.append(f"  {_quote(source)} -> {_quote(target)} [label={_quote(attrs['kind'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")


def _quote(text: str) -> str:
    return f'"{_escaped(text)}"'


def _label(lines: list[str]) -> str:
    """A label of several lines (DOT's ``\\n`` between them), each escaped."""
    return '"' + "\\n".join(_escaped(line) for line in lines) + '"'
