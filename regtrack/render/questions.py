"""Answers to `fixed-by`, `culprit` and `related`: a headline, the evidence, what is missing."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from regtrack.questions import Answer


def answer_json(answer: Answer) -> dict[str, Any]:
    return asdict(answer)


def answer_lines(answer: Answer) -> list[str]:
    lines = [
        f"{answer.question} {answer.regression}: {answer.title}",
        f"  status: {answer.status}",
        f"  answer: {answer.answer}",
    ]
    found = [e for e in answer.evidence if not e.candidate]
    candidates = [e for e in answer.evidence if e.candidate]
    lines += _evidence_lines("evidence", found)
    # What the answer says of itself (the culprit's posting, a revert confirming it) goes
    # with the evidence for it, before the candidates that are not the answer.
    for key, value in answer.extra.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        lines.append(f"  {key.replace('_', ' ')}: {shown if shown else '-'}")
    lines += _evidence_lines("candidates (not confirmed)", candidates)
    lines += [f"  missing: {item}" for item in answer.missing]
    return lines


def _evidence_lines(title: str, items: list[Any]) -> list[str]:
    if not items:
        return []
    lines = [f"{title}:"]
    for item in items:
        where = f" in {item.tree}" if item.tree else ""
        lines.append(f"  [{item.confidence}] {item.what} {item.ref}{where}: {item.title}")
        lines.append(f"      {item.how}: {item.path}")
    return lines
