"""The questions people ask of a regression, answered with the evidence behind each answer.

* :func:`fixed_by`: which mails and commits fix it, in which trees, how each
  was found (the evidence path a person can check), with a confidence, and
  what is still missing (posted but not merged, queued but not in the
  regression's own tree); when nothing fixes it, the nearest candidates,
  marked as such.
* :func:`culprit`: the culprit commit, who named it where and how, the other
  commits the thread blamed, whether a revert confirmed it, and the
  culprit's own posting.
* :func:`related`: other regressions with the same crash or build-failure
  signature, duplicates, monitored threads and links, and other regressions
  blamed on the same culprit.

Each takes what ``show`` takes: a regression id (or a start of one) or any
message of its thread.  The answers come from the regression record (whose
fix mails and commits already carry their evidence) and from the store; the
relation graph (``regtrack graph``) shows the same links as edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regtrack.errors import NotStoredError
from regtrack.query import find_regression, related_by_signature
from regtrack.store import Store
from regtrack.store.regressions import Regression

# How sure each way of finding a fix is: a trailer or a command says so; content matches
# (a diff in the thread, a respin, a subject or patch-id) are strong but inferred, as are
# a Fixes: on the culprit and a credit to the reporter with the file the report names.
_MAIL_CONFIDENCE = {
    "closes": "high", "link": "high", "fix-command": "high", "reported-by": "high",
    "patch-in-thread": "medium", "inline-diff": "medium", "respin-of-culprit": "medium",
    "fixes-culprit": "medium", "credits-reporter": "medium",
    # a diff known only as a reply quotes it (the message that proposed it is not stored)
    "quoted-diff": "low",
    # a diff elsewhere that changes what the report's errors name, nothing else tying them
    "same-symbol": "low",
}  # fmt: skip
_LEVEL = {"high": 3, "medium": 2, "low": 1}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One answer (a fix, a culprit, a related regression) and why it is believed."""

    what: str  # "mail", "commit", "regression", "thread"
    ref: str  # message-id, commit id or regression id
    title: str
    how: str
    path: str  # the chain a person can check, in words
    confidence: str  # high, medium, low
    tree: str | None = None
    effect: str | None = None
    candidate: bool = False


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to one question about one regression."""

    question: str
    regression: str
    title: str
    status: str
    answer: str  # one line: what the evidence amounts to
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _record(store: Store, reference: str | Regression) -> Regression:
    """The record asked about; a caller holding the record already (the web report asks
    all three questions of every regression) passes it to save reading it again."""
    if isinstance(reference, Regression):
        return reference
    record = find_regression(store, reference)
    if record is None:
        raise NotStoredError(f"{reference!r} is stored but belongs to no tracked regression")
    return record


def fixed_by(store: Store, reference: str | Regression) -> Answer:
    """Which fix mails and commits resolve the regression, with evidence (module doc)."""
    record = _record(store, reference)
    evidence: list[Evidence] = []
    for fix in record.fix_mails:
        via = f" (found for duplicate {fix['via']})" if fix.get("via") else ""
        evidence.append(
            Evidence(
                "mail", fix["msgid"], fix["subject"], fix["how"],
                f"report <- {fix['evidence']} <- <{fix['msgid']}>{via}",
                _MAIL_CONFIDENCE.get(fix["how"], "medium"),
            )
        )  # fmt: skip
    for commit in record.fix_commits:
        confidence = (
            "high" if commit["how"].startswith(("Link", "Closes", "the commit")) else "medium"
        )
        evidence.append(
            Evidence(
                "commit", commit["sha"], commit["subject"], commit["how"],
                f"{commit['how']} -> {commit['sha'][:12]} in {commit['tree']} "
                f"({commit['branch']}): {commit['effect']}",
                confidence, commit["tree"], commit["effect"],
            )
        )  # fmt: skip
    candidates = [] if evidence else _fix_candidates(record)
    missing = _fix_missing(record)
    if record.status == "fixed":
        line = f"fixed in {record.tree or 'mainline'}"
    elif evidence:
        line = {"fix-queued": "a fix is queued upstream", "fix-posted": "a fix was posted"}.get(
            record.status, f"fixes found; status {record.status}"
        )
    else:
        line = "nothing found that fixes it" + (
            f"; {len(candidates)} candidate(s), unconfirmed" if candidates else ""
        )
    return Answer(
        "fixed-by", record.id, record.title, record.status, line,
        tuple(evidence) + tuple(candidates), tuple(missing),
    )  # fmt: skip


def _fix_candidates(record: Regression) -> list[Evidence]:
    """Hints that are no fix by themselves: a Fixes: tag for the culprit (a culprit can
    cause more than one regression) in a mail or a commit."""
    found = []
    for event in record.events:
        if event.kind == "note" and "Fixes: tag for the culprit" in event.text:
            found.append(
                Evidence(
                    "mail" if event.source_kind == "mail" else "commit", event.source,
                    event.text, "fixes-culprit",
                    f"culprit <- Fixes: <- {event.source} (does not name this regression)",
                    "low", candidate=True,
                )
            )  # fmt: skip
    return found


def _fix_missing(record: Regression) -> list[str]:
    own = record.tree or "mainline"
    if record.status in ("resolved", "inconclusive", "duplicate"):
        return []
    if not record.fix_mails and not record.fix_commits:
        return ["no fix posted or committed that regtrack can see"]
    if not record.fix_commits:
        return [f"posted, no fixing commit in a scanned tree (scan {own} with regtrack scan-git)"]
    if record.status != "fixed":
        trees = sorted({c["tree"] for c in record.fix_commits})
        return [f"in {', '.join(trees)}, not yet in {own}"]
    return []


def culprit(store: Store, reference: str | Regression) -> Answer:
    """The culprit and how it is known (module doc)."""
    record = _record(store, reference)
    chosen = record.culprit
    evidence = []
    for candidate in record.culprit_candidates:
        is_chosen = (
            chosen is not None
            and candidate["msgid"] == chosen["msgid"]
            and (candidate["commit"] == chosen["commit"])
        )
        what = candidate["commit"] or "..".join(p or "" for p in candidate["range"] or [])
        evidence.append(
            Evidence(
                "commit", what, candidate.get("subject") or "", candidate["how"],
                f"named by {candidate['named_by']} in <{candidate['msgid']}>: "
                f"{candidate['sentence']}",
                "high" if candidate["how"] in ("#regzbot introduced", "first-bad", "git-show")
                else "medium" if candidate["how"] != "reverted" else "low",
                candidate=not is_chosen,
            )
        )  # fmt: skip
    # The same keys whatever the answer, so that scripts read them without asking first.
    extra: dict[str, Any] = {"posting": None, "revert_confirmed": []}
    if chosen and chosen.get("commit"):
        extra["posting"] = _posting(store, chosen, record.reported_at)
        extra["revert_confirmed"] = _revert_confirmed(store, record)
    missing = [] if chosen else ["nobody in the thread named a culprit commit or range"]
    if chosen:
        what = chosen.get("commit") or "..".join(p or "" for p in chosen.get("range") or [])
        subject = f' ("{chosen["subject"]}")' if chosen.get("subject") else ""
        line = f"{what[:12]}{subject}, named by {chosen['named_by']}"
    else:
        line = "unknown culprit"
    return Answer(
        "culprit", record.id, record.title, record.status, line, tuple(evidence),
        tuple(missing), extra,
    )  # fmt: skip


def _posting(store: Store, chosen: dict[str, Any], before: str | None) -> str | None:
    """The culprit's own posting: the Link: of the quoted commit where it was named, or of
    the scanned commit, or else the last patch with the culprit's subject posted before
    the report (many commits carry no Link:, and a bot's report never quotes one)."""
    row = store.conn.execute(
        "SELECT ref_msgid FROM message_links WHERE msgid = ? AND origin = 'quoted-commit' "
        "ORDER BY line LIMIT 1",
        (chosen["msgid"],),
    ).fetchone()
    if row:
        return str(row[0])
    for commit in store.commits_with_prefix(chosen["commit"])[:1]:
        for ref in commit.refs:
            if ref.kind == "link" and ref.target:
                return ref.target
    if not chosen.get("subject"):
        return None
    row = store.conn.execute(
        "SELECT p.msgid FROM message_patches p JOIN messages m USING (msgid) "
        "WHERE p.title = ? COLLATE NOCASE AND p.is_patch AND NOT p.is_reply AND p.files != '[]' "
        "AND (? IS NULL OR m.date_utc < ?) ORDER BY m.date_utc DESC, p.msgid LIMIT 1",
        (chosen["subject"], before, before),
    ).fetchone()
    return str(row[0]) if row else None


def _revert_confirmed(store: Store, record: Regression) -> list[str]:
    """Where a revert confirmed the culprit: a revert test in the thread, a reverting commit."""
    found = []
    ids = [m for m, role in record.messages if role in ("report", "other-report", "activity")]
    marks = ",".join("?" * len(ids))
    rows = store.conn.execute(
        f"SELECT DISTINCT msgid FROM revert_tests WHERE msgid IN ({marks}) ORDER BY msgid", ids
    )
    found += [f"revert test in <{row[0]}>" for row in rows]
    found += [
        f"commit {c['sha'][:12]} reverts it in {c['tree']}"
        for c in record.fix_commits
        if c["how"] == "reverts the culprit"
    ]
    return found


def related(store: Store, reference: str | Regression) -> Answer:
    """Regressions and threads related to this one (module doc)."""
    record = _record(store, reference)
    evidence = []
    for other in related_by_signature(store, record):
        evidence.append(
            Evidence(
                "regression", other["id"], other["title"], f"same-{other['kind']}-signature",
                f"{other['kind']} signature {other['signature']} in both reports",
                "medium",
            )
        )  # fmt: skip
    if record.duplicate_of:
        main = store.regression(record.duplicate_of)
        evidence.append(
            Evidence("regression", record.duplicate_of, main.title if main else "",
                     "duplicate-of", "#regzbot dup: this is the younger report", "high")
        )  # fmt: skip
    for dup in record.duplicates:
        other_record = store.regression(dup)
        evidence.append(
            Evidence("regression", dup, other_record.title if other_record else "",
                     "duplicate", "#regzbot dup: that is the younger report", "high")
        )  # fmt: skip
    for link in record.links:
        evidence.append(
            Evidence("thread", link["msgid"] or link["url"], link["title"] or "", link["kind"],
                     f"#regzbot {link['kind']} in <{link['by']}>", "high")
        )  # fmt: skip
    commit = (record.culprit or {}).get("commit")
    if commit:
        for other_id in store.regressions_with_culprit(commit):
            blamed = store.regression(other_id) if other_id != record.id else None
            if blamed is not None:
                evidence.append(
                    Evidence("regression", blamed.id, blamed.title, "same-culprit",
                             f"both blame {commit[:12]}", "high")
                )  # fmt: skip
    line = _related_line(evidence)
    return Answer("related", record.id, record.title, record.status, line, tuple(evidence))


def _related_line(evidence: list[Evidence]) -> str:
    """How many regressions and threads are related, each once however many ways (the
    same crash and the same culprit are two reasons, one regression)."""
    if not evidence:
        return "nothing related found"
    related = len({(e.what, e.ref) for e in evidence})
    reasons = f" ({len(evidence)} reasons)" if len(evidence) > related else ""
    return f"{related} related{reasons}"
