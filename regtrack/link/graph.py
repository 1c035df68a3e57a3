"""The relation graph: messages, regressions, commits and signatures, and how they relate.

A networkx ``MultiDiGraph`` of what regtrack stored, built around one node
out to a depth: a question needs only the neighbourhood of what it asks
about, so the graph is never built whole and its cost does not grow with
the database.  Each node is named ``kind:key`` (``msg:<msgid>``,
``reg:<id>``, ``commit:<sha>``, ``sig:crash:<hash>``, ``sig:build:<hash>``)
and carries ``kind`` and a ``label``.  Each edge carries ``kind``, the
``source`` that says so (the message-id or commit id whose text or trailer
is the evidence) and a ``confidence`` (``high``: a header, trailer or
command; ``medium``: matched by content, such as a respin carrying a fix;
``low``: a hint).

Edge kinds: ``replies-to`` (message -> parent), ``links-to`` (message or
commit -> message, with ``how``: link, closes or url), ``reported-by``
(regression -> its report), ``in-thread`` (message -> its regression),
``introduced-by`` (regression -> culprit commit), ``fixes`` (commit or
message with a ``Fixes:`` -> the commit it names), ``resolves`` (fix mail
or fixing commit -> regression, with ``how`` and, for commits, the tree and
effect), ``duplicate-of``, ``same-signature`` (report -> signature),
``backport-of`` and ``reverts`` (commit -> commit), ``applied-as`` (a patch
posting -> the commit it became: by the commit's Link:, or by subject),
``version-of`` (a newer version of a patch -> the older, a newer version of a
series -> the older, and a respin of the culprit -> the culprit), ``part-of``
(a patch of a series, its cover letter too -> the series), ``carries-fix`` (a
respin -> the inline fix it folds in).

A patch series is a node of its own (``series:<msgid>``, keyed by its first
message: the cover letter, else patch 1), with its title, version and
number of patches; the versions of a series (the same title, another
``vN``) are linked newer -> older.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterator
from typing import Any

import networkx as nx

from regtrack.store import Store

Edge = tuple[str, str, dict[str, Any]]
_LIMIT = 200  # edges of one kind read from one node: a hub (a daily announcement) stays bounded


def node_id(kind: str, key: str) -> str:
    return f"{kind}:{key}"


def neighbourhood(store: Store, start: str, depth: int = 2) -> nx.MultiDiGraph:
    """The nodes within ``depth`` edges of ``start`` (either direction), with their edges."""
    graph = nx.MultiDiGraph()
    conn = store.conn
    seen = {start}
    queue = deque([(start, 0)])
    _add_node(conn, graph, start)
    boundary = []
    while queue:
        node, distance = queue.popleft()
        if distance >= depth:
            boundary.append(node)
            continue
        for source, target, attrs in _edges(store, node):
            for end in (source, target):
                if end not in graph:
                    _add_node(conn, graph, end)
            if not _has_edge(graph, source, target, attrs["kind"]):
                graph.add_edge(source, target, **attrs)
            other = target if source == node else source
            if other not in seen:
                seen.add(other)
                queue.append((other, distance + 1))
    # The nodes at the edge of the neighbourhood keep their edges to nodes inside it (a
    # fixing commit and the regression it resolves, both reached from the report).
    for node in boundary:
        for source, target, attrs in _edges(store, node):
            inside = source in graph and target in graph
            if inside and not _has_edge(graph, source, target, attrs["kind"]):
                graph.add_edge(source, target, **attrs)
    return graph


def _has_edge(graph: nx.MultiDiGraph, source: str, target: str, kind: str) -> bool:
    data = graph.get_edge_data(source, target) or {}
    return any(attrs.get("kind") == kind for attrs in data.values())


def _edges(store: Store, node: str) -> Iterator[Edge]:
    kind, _, key = node.partition(":")
    if kind == "msg":
        yield from _message_edges(store, key)
    elif kind == "reg":
        yield from _regression_edges(store, key)
    elif kind == "commit":
        yield from _commit_edges(store, key)
    elif kind == "sig":
        yield from _signature_edges(store.conn, key)
    elif kind == "series":
        yield from _series_edges(store.conn, key)


def _edge(kind: str, source: str, confidence: str = "high", **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "source": source, "confidence": confidence, **extra}


def _replies(conn: sqlite3.Connection, msgid: str) -> list[str]:
    """The stored replies to ``msgid`` (at most 200), found through message_refs' index:
    every reply lists its In-Reply-To among its references.  messages has no index on
    in_reply_to, and a scan of every message per node made a graph cost as much as the
    database is large."""
    rows = conn.execute(
        "SELECT msgid FROM messages WHERE in_reply_to = ?1 AND (msgid = ?1 OR msgid IN "
        "(SELECT msgid FROM message_refs WHERE ref_msgid = ?1)) "
        f"ORDER BY msgid LIMIT {_LIMIT}",
        (msgid,),
    )
    return [row[0] for row in rows]


def _message_edges(store: Store, msgid: str) -> Iterator[Edge]:
    conn = store.conn
    me = node_id("msg", msgid)
    row = conn.execute("SELECT in_reply_to FROM messages WHERE msgid = ?", (msgid,)).fetchone()
    if row and row[0]:
        yield me, node_id("msg", row[0]), _edge("replies-to", msgid)
    for child in _replies(conn, msgid):
        yield node_id("msg", child), me, _edge("replies-to", child)
    for ref, how in _own_links(conn, "msgid = ?", msgid, "ref_msgid"):
        yield me, node_id("msg", ref), _edge("links-to", msgid, how=how)
    for other, how in _own_links(conn, "ref_msgid = ?", msgid, "msgid"):
        yield node_id("msg", other), me, _edge("links-to", other, how=how)
    for (sha,) in conn.execute(
        "SELECT c.sha FROM commit_refs r JOIN commits c ON c.id = r.commit_id "
        f"WHERE r.target = ? AND r.kind IN ('link', 'closes') AND r.target IS NOT NULL "
        f"ORDER BY c.sha LIMIT {_LIMIT}",
        (msgid,),
    ):
        yield node_id("commit", sha), me, _edge("links-to", sha, how="commit")
    for commit, _subject in conn.execute(
        "SELECT commit_id, subject FROM trailers WHERE msgid = ? AND lower(key) = 'fixes' "
        "AND origin = 'own' AND commit_id IS NOT NULL",
        (msgid,),
    ):
        yield me, _commit_node(conn, commit), _edge("fixes", msgid)
    yield from _patch_edges(conn, msgid)
    root = series_root(conn, msgid)
    if root is not None:
        yield me, node_id("series", root), _edge("part-of", msgid)
    for regression_id, role in conn.execute(
        "SELECT regression_id, role FROM regression_messages WHERE msgid = ? ORDER BY 1, 2",
        (msgid,),
    ):
        if role != "fix":  # a fix mail's edge comes with its evidence from the regression
            yield me, node_id("reg", regression_id), _edge("in-thread", msgid, role=role)
    for kind, signature in _signatures(conn, msgid):
        yield me, node_id("sig", f"{kind}:{signature}"), _edge("same-signature", msgid)


def _patch_edges(conn: sqlite3.Connection, msgid: str) -> Iterator[Edge]:
    """A patch posting's commits (``applied-as``: by a commit's Link: to it, high; by its
    subject, medium) and its other versions (``version-of``: the newer -> the older)."""
    row = conn.execute(
        "SELECT title, version FROM message_patches WHERE msgid = ? AND is_patch = 1 "
        "AND is_reply = 0 AND files != '[]'",
        (msgid,),
    ).fetchone()
    if row is None:
        return
    title, version = row
    me = node_id("msg", msgid)
    linked = set()
    for (sha,) in conn.execute(
        "SELECT c.sha FROM commit_refs r JOIN commits c ON c.id = r.commit_id "
        "WHERE r.target = ? AND r.kind IN ('link', 'closes') AND r.target IS NOT NULL "
        f"ORDER BY c.sha LIMIT {_LIMIT}",
        (msgid,),
    ):
        linked.add(sha)
        yield me, node_id("commit", sha), _edge("applied-as", sha, how="link")
    for (sha,) in conn.execute(
        f"SELECT sha FROM commits WHERE subject = ? COLLATE NOCASE ORDER BY sha LIMIT {_LIMIT}",
        (title,),
    ):
        if sha not in linked:
            yield me, node_id("commit", sha), _edge("applied-as", sha, "medium", how="subject")
    for other, other_version in conn.execute(
        "SELECT msgid, version FROM message_patches WHERE title = ? COLLATE NOCASE "
        "AND is_patch = 1 AND is_reply = 0 AND files != '[]' AND msgid != ? "
        f"ORDER BY msgid LIMIT {_LIMIT}",
        (title, msgid),
    ):
        if other_version < version:
            yield me, node_id("msg", other), _edge("version-of", msgid, "medium")
        elif other_version > version:
            yield node_id("msg", other), me, _edge("version-of", other, "medium")


_SERIES_PART = (
    "SELECT p.version, p.series_total, m.in_reply_to FROM message_patches p "
    "JOIN messages m ON m.msgid = p.msgid WHERE p.msgid = ? AND p.is_patch = 1 "
    "AND p.is_reply = 0 AND p.series_total > 1"
)


def series_root(conn: sqlite3.Connection, msgid: str) -> str | None:
    """The first message of the series ``msgid`` is a part of (a patch ``m/n`` with n > 1,
    or its ``0/n`` cover letter): up the replies while the parent is a part of the same
    version of the series; None for a message that is no part of a series."""
    row = conn.execute(_SERIES_PART, (msgid,)).fetchone()
    if row is None:
        return None
    version, total, parent = row
    root, seen = msgid, {msgid}
    while parent and parent not in seen:
        above = conn.execute(_SERIES_PART, (parent,)).fetchone()
        if above is None or (above[0], above[1]) != (version, total):
            break
        root, parent = parent, above[2]
        seen.add(root)
    return str(root)


def _series_edges(conn: sqlite3.Connection, root: str) -> Iterator[Edge]:
    """A series' parts (the replies to its first message that are parts of it, and the
    first itself) and its other versions (the same title in any case, another vN)."""
    me = node_id("series", root)
    yield node_id("msg", root), me, _edge("part-of", root)
    for part in _replies(conn, root):
        if series_root(conn, part) == root:
            yield node_id("msg", part), me, _edge("part-of", part)
    row = conn.execute(
        "SELECT title, version FROM message_patches WHERE msgid = ?", (root,)
    ).fetchone()
    if row is None:
        return
    title, version = row
    for other, other_version in conn.execute(
        "SELECT p.msgid, p.version FROM message_patches p JOIN messages m ON m.msgid = p.msgid "
        "WHERE p.title = ? COLLATE NOCASE AND p.is_patch = 1 AND p.is_reply = 0 "
        "AND p.series_total > 1 AND p.version != ? AND p.msgid != ? "
        f"ORDER BY p.msgid LIMIT {_LIMIT}",
        (title, version, root),
    ):
        if series_root(conn, other) != other:
            continue
        if other_version < version:
            yield me, node_id("series", other), _edge("version-of", root, "medium")
        else:
            yield node_id("series", other), me, _edge("version-of", other, "medium")


def _own_links(
    conn: sqlite3.Connection, where: str, value: str, column: str
) -> list[tuple[str, str]]:
    rows = conn.execute(
        f"SELECT l.{column}, coalesce(lower(t.key), 'url') FROM message_links l "
        "LEFT JOIN trailers t ON t.msgid = l.msgid AND t.line = l.line "
        "AND lower(t.key) IN ('link', 'closes') "
        f"WHERE l.origin = 'own' AND l.{where} ORDER BY 1 LIMIT {_LIMIT}",
        (value,),
    )
    return [(row[0], row[1]) for row in rows]


def _signatures(conn: sqlite3.Connection, msgid: str) -> list[tuple[str, str]]:
    crashes = conn.execute(
        "SELECT DISTINCT signature FROM crash_reports WHERE msgid = ? AND quoted = 0", (msgid,)
    )
    found = [("crash", row[0]) for row in crashes]
    builds = conn.execute(
        "SELECT signature FROM build_failures WHERE msgid = ? AND failed = 1", (msgid,)
    )
    return found + [("build", row[0]) for row in builds]


def _commit_node(conn: sqlite3.Connection, commit: str) -> str:
    """The node of a commit named by a possibly abbreviated id: the stored commit's full id
    when exactly one stored commit has that prefix, else the id as written."""
    prefix = commit.lower()
    rows = conn.execute(
        "SELECT sha FROM commits WHERE sha >= ? AND sha < ? LIMIT 2", (prefix, prefix + "g")
    ).fetchall()
    return node_id("commit", rows[0][0] if len(rows) == 1 else prefix)


def _regression_edges(store: Store, regression_id: str) -> Iterator[Edge]:
    conn = store.conn
    record = store.regression(regression_id)
    if record is None:
        return
    me = node_id("reg", regression_id)
    yield me, node_id("msg", record.report), _edge("reported-by", record.report)
    for other in record.other_reports:
        yield me, node_id("msg", other), _edge("reported-by", other)
    # The messages of its thread: the in-thread edges each of them has to it (a fix
    # mail's edge comes with its evidence below).
    for msgid, role in [m for m in record.messages if m[1] != "fix"][:_LIMIT]:
        yield node_id("msg", msgid), me, _edge("in-thread", msgid, role=role)
    culprit = record.culprit or {}
    if culprit.get("commit"):
        yield (
            me,
            _commit_node(conn, culprit["commit"]),
            _edge("introduced-by", culprit["msgid"], how=culprit["how"]),
        )
    for fix in record.fix_mails:
        confidence = "high" if fix["how"] in ("closes", "link", "fix-command") else "medium"
        yield (
            node_id("msg", fix["msgid"]),
            me,
            _edge("resolves", fix["msgid"], confidence, how=fix["how"], evidence=fix["evidence"]),
        )
    inline = [f["msgid"] for f in record.fix_mails if f["how"] == "inline-diff"]
    for fix in record.fix_mails:
        if fix["how"] == "respin-of-culprit":  # the respin replaces the culprit, fix folded in
            if culprit.get("commit"):
                yield (
                    node_id("msg", fix["msgid"]),
                    _commit_node(conn, culprit["commit"]),
                    _edge("version-of", fix["msgid"], "medium"),
                )
            for carried in inline:
                yield (
                    node_id("msg", fix["msgid"]),
                    node_id("msg", carried),
                    _edge("carries-fix", fix["msgid"], "medium"),
                )
    for commit in record.fix_commits:
        yield node_id("commit", commit["sha"]), me, _edge(
            "resolves", commit["sha"], how=commit["how"], tree=commit["tree"],
            branch=commit["branch"], effect=commit["effect"],
        )  # fmt: skip
    if record.duplicate_of:
        yield me, node_id("reg", record.duplicate_of), _edge("duplicate-of", record.report)
    for signature in record.signatures:
        key = f"{signature['kind']}:{signature['signature']}"
        yield (
            node_id("msg", signature["msgid"]),
            node_id("sig", key),
            _edge("same-signature", signature["msgid"]),
        )


def _commit_edges(store: Store, sha: str) -> Iterator[Edge]:
    conn = store.conn
    me = node_id("commit", sha)
    row = conn.execute("SELECT id FROM commits WHERE sha = ?", (sha,)).fetchone()
    if row is not None:
        for kind, value, target in conn.execute(
            "SELECT kind, value, target FROM commit_refs WHERE commit_id = ? ORDER BY position",
            (row[0],),
        ):
            if kind in ("link", "closes") and target:
                yield me, node_id("msg", target), _edge("links-to", sha, how=kind)
            elif kind in ("fixes", "upstream", "reverts"):
                edge = {"fixes": "fixes", "upstream": "backport-of", "reverts": "reverts"}[kind]
                yield me, _commit_node(conn, value), _edge(edge, sha)
    for (other,) in conn.execute(
        "SELECT c.sha FROM commit_refs r JOIN commits c ON c.id = r.commit_id "
        "WHERE r.kind IN ('fixes', 'upstream', 'reverts') AND r.kind IN ('fixes', 'upstream', "
        f"'reverts') AND substr(r.value, 1, 8) = ? AND ? LIKE r.value || '%' LIMIT {_LIMIT}",
        (sha[:8], sha),
    ):
        kinds = conn.execute(
            "SELECT r.kind FROM commit_refs r JOIN commits c ON c.id = r.commit_id "
            "WHERE c.sha = ? AND r.kind IN ('fixes', 'upstream', 'reverts') "
            "AND substr(r.value, 1, 8) = ?",
            (other, sha[:8]),
        )
        for (kind,) in kinds:
            edge = {"fixes": "fixes", "upstream": "backport-of", "reverts": "reverts"}[kind]
            yield node_id("commit", other), me, _edge(edge, other)
    for (msgid,) in conn.execute(
        "SELECT msgid FROM trailers WHERE key IN ('Fixes', 'fixes') AND commit_id >= ? "
        f"AND commit_id < ? AND origin = 'own' ORDER BY msgid LIMIT {_LIMIT}",
        (sha[:8], sha[:8] + "g"),
    ):
        yield node_id("msg", msgid), me, _edge("fixes", msgid)
    # Every regression it caused, so that one culprit's regressions meet at its node.
    for regression_id in store.regressions_with_culprit(sha)[:_LIMIT]:
        culprit = (record := store.regression(regression_id)) and record.culprit
        if culprit:
            yield (
                node_id("reg", regression_id),
                me,
                _edge("introduced-by", culprit["msgid"], how=culprit["how"]),
            )


def _signature_edges(conn: sqlite3.Connection, key: str) -> Iterator[Edge]:
    kind, _, signature = key.partition(":")
    me = node_id("sig", key)
    if kind == "crash":
        sql = "SELECT DISTINCT msgid FROM crash_reports WHERE signature = ? AND quoted = 0"
    else:
        sql = "SELECT msgid FROM build_failures WHERE signature = ? AND failed = 1"
    for (msgid,) in conn.execute(f"{sql} ORDER BY msgid LIMIT {_LIMIT}", (signature,)):
        yield node_id("msg", msgid), me, _edge("same-signature", msgid)


def _add_node(conn: sqlite3.Connection, graph: nx.MultiDiGraph, node: str) -> None:
    kind, _, key = node.partition(":")
    attrs: dict[str, Any] = {"kind": {"msg": "message", "reg": "regression", "sig": "signature"}
                             .get(kind, kind), "label": key}  # fmt: skip
    if kind == "msg":
        row = conn.execute(
            "SELECT subject, from_name, from_addr, date_utc FROM messages WHERE msgid = ?", (key,)
        ).fetchone()
        if row:
            attrs.update(label=row[0], author=row[1] or row[2], date=row[3] or "")
        else:
            attrs.update(label=f"<{key}> (not stored)", stored=False)
    elif kind == "reg":
        row = conn.execute("SELECT title, status, tree FROM regressions WHERE id = ?", (key,))
        found = row.fetchone()
        if found:
            attrs.update(label=found[0], status=found[1], tree=found[2] or "")
    elif kind == "commit":
        found = conn.execute("SELECT subject FROM commits WHERE sha = ?", (key,)).fetchone()
        attrs.update(label=found[0] if found else f"{key[:12]} (not scanned)")
    elif kind == "series":
        found = conn.execute(
            "SELECT title, version, series_total FROM message_patches WHERE msgid = ?", (key,)
        ).fetchone()
        if found:
            title, version, total = found
            attrs.update(label=f"v{version} ({total} patches): {title}", version=version,
                         patches=total)  # fmt: skip
    graph.add_node(node, **attrs)
