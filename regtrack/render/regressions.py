"""Regression records for people and scripts: ``list`` as a table, ``show`` as a record
with its history, ``update`` as one line; or JSON.

Every string here may come from mail, so text output goes through
:func:`regtrack.render.lines.terminal_safe` (the CLI does it for lines,
this module for table cells) and table cells are ``rich`` ``Text``, never
markup: a subject such as ``[bold]`` or ``[link=...]`` prints as written.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from regtrack.render.lines import count, terminal_safe
from regtrack.store.regressions import STATUSES, Regression, Unhandled

_MIN_WIDTH, _MAX_WIDTH = 100, 200


def regression_json(
    record: Regression,
    unhandled: list[Unhandled] | None = None,
    related: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    data = record.to_json()
    if unhandled is not None:
        data["unhandled"] = [_unhandled_json(u) for u in unhandled]
    if related is not None:
        data["related"] = related
    return data


def unhandled_lines(items: Sequence[Unhandled]) -> list[str]:
    """regzbot's "unhandled" page: each command that was not obeyed, where, and why."""
    return [
        f"{(u.at or '?')[:10]}  <{u.msgid}>  {u.command}: {u.reason}"
        + (f"  [regression {u.regression_id}]" if u.regression_id else "")
        for u in items
    ]


def unhandled_json(item: Unhandled) -> dict[str, Any]:
    return _unhandled_json(item)


def _unhandled_json(item: Unhandled) -> dict[str, Any]:
    return {
        "msgid": item.msgid, "position": item.position, "command": item.command,
        "reason": item.reason, "at": item.at, "regression": item.regression_id,
    }  # fmt: skip


def _age(moment: str | None, now: datetime) -> str:
    if not moment:
        return "?"
    days = (now - datetime.fromisoformat(moment)).days
    return f"{days}d" if days >= 0 else "future"


def list_lines(records: list[Regression], now: datetime, width: int | None = None) -> list[str]:
    """A table: id, status, tree, age of the report, last activity, culprit, flags, title."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("id", "status", "tree", "age", "last", "culprit", "flags", "title"):
        table.add_column(name, no_wrap=name != "title", overflow="fold")
    for r in records:
        culprit = r.culprit or {}
        what = (culprit.get("commit") or "")[:12] or "..".join(
            part or "" for part in culprit.get("range") or []
        )
        flags = ",".join(_short_flag(f) for f in r.flags)
        cells = [r.id, r.status, r.tree or "-", _age(r.reported_at, now),
                 _age(r.last_activity, now), what or "unknown", flags or "-", r.title]  # fmt: skip
        table.add_row(*(Text(terminal_safe(c)) for c in cells))
    columns = width or shutil.get_terminal_size((120, 24)).columns
    out = io.StringIO()
    console = Console(
        file=out, width=max(_MIN_WIDTH, min(columns, _MAX_WIDTH)), color_system=None,
        highlight=False, emoji=False, markup=False,
    )  # fmt: skip
    console.print(table)
    return [line.rstrip() for line in out.getvalue().splitlines()]


def _short_flag(flag: str) -> str:
    return {"culprit-identified": "culprit", "backburner": "backburner"}.get(flag, flag)


def list_summary(records: list[Regression]) -> str:
    counts = {status: 0 for status in STATUSES}
    for record in records:
        counts[record.status] += 1
    shown = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    return f"{count(len(records), 'regression')}" + (f": {shown}" if shown else "")


def regression_lines(
    record: Regression,
    now: datetime,
    unhandled: list[Unhandled],
    related: Sequence[dict[str, str]] = (),
) -> list[str]:
    """The record, its fixes and its history, each event with the mail or commit behind it."""
    r = record
    lines = [f"regression {r.id}: {r.title}", f"  status:   {r.status}" + (
        f" ({r.resolution})" if r.resolution else "")]  # fmt: skip
    if r.duplicate_of:
        lines.append(f"  duplicate of: {r.duplicate_of}")
    if r.duplicates:
        lines.append(f"  duplicates: {', '.join(r.duplicates)}")
    lines += [
        f"  flags:    {', '.join(r.flags) or '-'}",
        f"  tree:     {r.tree or 'unknown'}" + (f" ({r.tree_source})" if r.tree_source else ""),
        f"  report:   <{r.report}>",
        f"  reporter: {r.reporter}, {(r.reported_at or '?')[:10]} ({_age(r.reported_at, now)} ago)",
        f"  activity: {count(r.activities, 'event')}, last {(r.last_activity or '?')[:10]}",
        f"  found by: {r.created_by}, score {r.score}: {'; '.join(r.reasons) or '-'}",
    ]
    lines.append(f"  culprit:  {_culprit(r.culprit)}")
    for other in r.other_reports:
        lines.append(f"  also reported in <{other}>")
    for signature in r.signatures:
        lines.append(
            f"  signature: {signature['kind']} {signature['signature']}: {signature['title']}"
        )
    for same in related:
        lines.append(
            f"  related:  {same['id']} ({same['status']}, same {same['kind']} signature): "
            f"{same['title']}"
        )
    if r.backburner is not None:
        lines.append(f"  back burner: {r.backburner or '(no reason given)'}")
    if r.fix_mails:
        lines.append("fix mails:")
        lines += [
            f"  {(f['at'] or '?')[:10]} <{f['msgid']}> {f['how']}: {f['evidence']}"
            for f in r.fix_mails
        ]
    if r.fix_commits:
        lines.append("fix commits:")
        for c in r.fix_commits:
            where = f"{c['tree']} ({c['branch']})"
            lines.append(f"  {c['sha'][:12]} in {where}: {c['effect']}; {c['how']}: {c['subject']}")
    if r.links:
        lines.append("links:")
        lines += [f"  {link['kind']}: {link['url']}" for link in r.links]
    lines.append("history:")
    for event in r.events:
        source = (
            f"<{event.source}>"
            if event.source_kind == "mail"
            else f"{event.source_kind} {event.source[:12]}"
        )
        lines.append(
            f"  {(event.at or '?')[:16].replace('T', ' ')}  {event.kind}: {event.text}  [{source}]"
        )
    if unhandled:
        lines.append("unhandled regzbot commands:")
        lines += [f"  <{u.msgid}> {u.command}: {u.reason}" for u in unhandled]
    return lines


def _culprit(culprit: dict[str, Any] | None) -> str:
    if not culprit:
        return "unknown"
    what = culprit.get("commit") or "..".join(p or "" for p in culprit.get("range") or [])
    subject = f' ("{culprit["subject"]}")' if culprit.get("subject") else ""
    who = f"named by {culprit['named_by']} ({culprit['how']}) in <{culprit['msgid']}>"
    return f"{what[:12]}{subject}, {who}"


def update_line(result: Any, database: object) -> str:
    statuses = ", ".join(f"{result.statuses[s]} {s}" for s in STATUSES if result.statuses.get(s))
    return (
        f"{count(result.regressions, 'regression')} derived from "
        f"{count(result.messages, 'message')} in {count(result.threads, 'thread')} "
        f"in {result.seconds:.2f} s"
        + (f" ({statuses})" if statuses else "")
        + f", {count(result.unhandled, 'unhandled command')}; database {database}"
    )


def update_json(result: Any, database: object) -> dict[str, Any]:
    return {
        "regressions": result.regressions, "unhandled": result.unhandled,
        "threads": result.threads, "messages": result.messages,
        "seconds": round(result.seconds, 3), "statuses": result.statuses,
        "database": str(database),
    }  # fmt: skip
