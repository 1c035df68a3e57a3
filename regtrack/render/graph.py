"""The relation graph for a person: an indented tree from the node asked about.

Each line is one edge walked breadth-first from the start (each node shown
once; an edge back to a node already shown names it without repeating its
subtree), with the edge's kind and direction: ``-> fixes`` is an edge from
the line above to this node, ``<- resolves`` one from this node to the line
above.  Labels come from mail, so the CLI prints them through
``terminal_safe``.
"""

from __future__ import annotations

from collections import deque

import networkx as nx


def graph_lines(graph: nx.MultiDiGraph, start: str) -> list[str]:
    """The graph as a tree from ``start``: each node under the node that reached it first
    (breadth-first, so under the nearest), printed depth-first; any other edge of a node is
    a one-line reference to a node shown elsewhere (the edge back up to the node above is
    the line above, so it is not repeated)."""
    parent = _spanning_parents(graph, start)
    return [_describe(graph, start), *_block(graph, start, 0, parent)]


def _block(graph: nx.MultiDiGraph, node: str, depth: int, parent: dict[str, str]) -> list[str]:
    """The lines of ``node``'s edges, each child's own block right after its line."""
    lines: list[str] = []
    indent = "  " * (depth + 1)
    placed: set[str] = set()
    for other, arrow, attrs in _steps(graph, node):
        how = attrs.get("how") or attrs.get("effect")
        edge = f"{indent}{arrow} {attrs['kind']}" + (f" ({how})" if how else "")
        if parent.get(other) == node and other not in placed:
            placed.add(other)
            lines.append(f"{edge}: {_describe(graph, other)}")
            lines.extend(_block(graph, other, depth + 1, parent))
        elif other != parent.get(node):
            lines.append(f"{edge}: {other} (shown elsewhere)")
    return lines


def _steps(graph: nx.MultiDiGraph, node: str) -> list[tuple[str, str, dict[str, str]]]:
    steps = [(target, "->", attrs) for _, target, attrs in graph.out_edges(node, data=True)]
    steps += [(source, "<-", attrs) for source, _, attrs in graph.in_edges(node, data=True)]
    return sorted(steps, key=lambda s: (s[2]["kind"], s[0], s[1]))


def _spanning_parents(graph: nx.MultiDiGraph, start: str) -> dict[str, str]:
    """Each node's parent in a breadth-first walk from ``start`` over edges either way."""
    parent: dict[str, str] = {}
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for other, _, _ in _steps(graph, node):
            if other not in seen:
                seen.add(other)
                parent[other] = node
                queue.append(other)
    return parent


def _describe(graph: nx.MultiDiGraph, node: str) -> str:
    attrs = graph.nodes[node]
    extra = [str(attrs[k]) for k in ("status", "tree", "author", "date") if attrs.get(k)]
    return f"{node}  {attrs.get('label', '')}" + (f"  [{', '.join(extra)}]" if extra else "")


def graph_summary(graph: nx.MultiDiGraph) -> str:
    return f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges"
