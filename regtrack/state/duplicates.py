"""Duplicates: ``#regzbot dup`` joins two regressions, the younger becoming the duplicate.

regzbot's rule, whatever the command's direction: the regression whose
report is younger becomes the duplicate of the older one (chains end at the
oldest).  The duplicate's activity counts for the main regression, and a
fix found for the duplicate (in mail or git) moves the main one as well.
Reports with the same crash or build-failure signature are only *shown* as
related (``regtrack show``); they are never merged without a command.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from regtrack.state.commands import unhandled_entry
from regtrack.state.fixes import LEVELS
from regtrack.store.regressions import Event, Regression


def apply_duplicates(
    records: dict[str, tuple[Regression, list[Any]]],
    owner: dict[str, str],
    unhandled: list[Any],
) -> dict[str, Regression]:
    """The records with every ``dup`` command applied; ``records`` maps each regression's
    report to (its record, its ``duplicate`` commands as (mail, position, command))."""
    pairs = []
    for root, (_, duplicates) in records.items():
        for mail, position, command in duplicates:
            other = owner.get(command.msgid) if command.msgid else None
            if other is None or other == root:
                reason = (
                    "the report it names is not tracked here"
                    if other is None
                    else "it names this regression itself"
                )
                unhandled.append(unhandled_entry(mail, position, command, reason, root))
                continue
            pairs.append((root, other, mail))
    main_of: dict[str, tuple[str, Any]] = {}
    for one, other, mail in sorted(pairs, key=lambda p: (p[2].date or "", p[2].msgid)):
        a, b = _top(main_of, one), _top(main_of, other)
        if a != b:
            older, younger = sorted((a, b), key=lambda r: (records[r][0].reported_at or "", r))
            main_of[younger] = (older, mail)
    final = {root: record for root, (record, _) in records.items()}
    for younger in sorted(main_of, key=lambda r: (final[r].reported_at or "", r)):
        main = _top(main_of, younger)
        mail = main_of[younger][1]
        dup, top = final[younger], final[main]
        said = Event(
            mail.date, "duplicate", f"duplicate of {top.id}", "mail", mail.msgid, mail.author
        )
        final[younger] = dataclasses.replace(
            dup, status="duplicate", duplicate_of=top.id, events=(*dup.events, said)
        )
        final[main] = _absorb(top, dup, mail)
    return final


def _absorb(top: Regression, dup: Regression, mail: Any) -> Regression:
    """The main record with a duplicate's activity and fixes; its status moves when the
    duplicate's fixes went further."""
    last = max(filter(None, [top.last_activity, dup.last_activity]), default=None)
    first = min(filter(None, [top.first_activity, dup.first_activity]), default=None)
    found = Event(
        mail.date, "duplicate", f"{dup.id} is a duplicate of this", "mail", mail.msgid, mail.author
    )
    changes: dict[str, Any] = {
        "duplicates": tuple(sorted({*top.duplicates, dup.id})),
        "last_activity": last,
        "first_activity": first,
        "activities": top.activities + dup.activities,
        "events": (*top.events, found),
    }
    own_level = LEVELS.index(top.status) if top.status in LEVELS else None
    dup_level = _fix_level(dup)
    if own_level is not None and dup_level > own_level:
        changes["status"] = LEVELS[dup_level]
    # The duplicate's fixes are fixes of this regression too, whether or not they go further.
    own_mails = {f["msgid"] for f in top.fix_mails}
    own_commits = {(c["sha"], c["branch"]) for c in top.fix_commits}
    more_mails = [f for f in dup.fix_mails if f["msgid"] not in own_mails]
    more_commits = [c for c in dup.fix_commits if (c["sha"], c["branch"]) not in own_commits]
    changes["fix_mails"] = (*top.fix_mails, *({**f, "via": dup.id} for f in more_mails))
    changes["fix_commits"] = (*top.fix_commits, *({**c, "via": dup.id} for c in more_commits))
    return dataclasses.replace(top, **changes)


def _fix_level(record: Regression) -> int:
    """How far a record's fixes went, whatever its own status says (a duplicate's is
    ``duplicate``): from its fix mails, a ``#regzbot fix`` in its thread (regzbot applies a
    duplicate's commands to the main regression too) and the effects of its fix commits."""
    named = any(event.kind == "fix-expected" for event in record.events)
    level = 1 if record.fix_mails or named else 0
    for commit in record.fix_commits:
        if commit["effect"] in LEVELS:
            level = max(level, LEVELS.index(commit["effect"]))
    return level


def _top(main_of: dict[str, tuple[str, Any]], root: str) -> str:
    while root in main_of:
        root = main_of[root][0]
    return root
