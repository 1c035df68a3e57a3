"""The relation graph written for tools: GraphML, GEXF, node-link JSON and Graphviz DOT.

GraphML and GEXF allow only strings, numbers and booleans as attribute
values, so anything else (None, lists) is written as text first; the files
networkx writes here, networkx reads back (tests check it).  DOT is written
here rather than through pydot (one dependency less): every identifier and
label is a quoted string with ``\\`` and ``"`` escaped, so a subject from mail
cannot break out of its string.
"""

from __future__ import annotations

import io
import json
from typing import Any

import networkx as nx

FORMATS = ("graphml", "gexf", "json", "dot")


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


_SHAPES = {"regression": "box", "commit": "ellipse", "signature": "diamond", "message": "note"}


def to_dot(graph: nx.MultiDiGraph) -> str:
    lines = ["digraph regtrack {", "  rankdir=LR;", "  node [fontsize=10];"]
    for node, attrs in sorted(graph.nodes(data=True)):
        label = _short(str(attrs.get("label", node)))
        shape = _SHAPES.get(str(attrs.get("kind")), "ellipse")
        lines.append(f"  {_quote(node)} [label={_quote(label)}, shape={shape}];")
    for source, target, attrs in graph.edges(data=True):
        lines.append(f"  {_quote(source)} -> {_quote(target)} [label={_quote(attrs['kind'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'
