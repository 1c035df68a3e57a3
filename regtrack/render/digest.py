"""The weekly digest as text (for a mail), Markdown, JSON, HTML, or a whole mail.

Every string from mail (titles, reporters, resolutions) is shown as text:
control characters as ``\\x1b`` in text and in the mail
(:func:`regtrack.render.lines.terminal_safe`), escaped in Markdown, and
escaped by jinja2's autoescaping in HTML, so a subject such as
``<script>alert(1)</script>`` is printed, never run.

Text is mail-ready: each entry is two lines of at most 72 characters (a
long title or reporter is cut with "..."), its lore link given as a number
``[n]`` that the list of links at the end resolves, since a lore link is
often longer than a line.  Only those link lines may pass 72 characters.
"""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, parseaddr
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from regtrack.digest import Digest, Entry, Period
from regtrack.render.lines import count, terminal_safe

WIDTH = 72
_INDENT = "    "
_LEGEND = (
    "Each entry: [link] id title",
    f"{_INDENT}the step it waits for (bisection, fix, review of a posted fix,",
    f"{_INDENT}merge of a queued one) or how it was resolved; culprit; age, days",
    f"{_INDENT}since its last activity; reporter.  Most in need of attention",
    f"{_INDENT}first: the longest without activity, then by the step it waits",
    f"{_INDENT}for, then the oldest.",
)


def subject(digest: Digest) -> str:
    """The mail's subject; the period's label names the week."""
    return f"[regtrack] weekly regression report: {digest.period.label}"


def report_heading(digest: Digest) -> str:
    return f"Weekly regression report: {digest.period.label}"


# -- text ------------------------------------------------------------------------------------


def render_text(digest: Digest) -> str:
    """The digest as plain text, every line but the links' at most 72 characters."""
    links: dict[str, int] = {}
    lines = [report_heading(digest), ""]
    lines += [f"Period:  {_period_text(digest.period)}"]
    if _as_of_shown(digest):
        lines.append(f"As of:   {digest.as_of:%Y-%m-%d %H:%M} UTC (the period is not over)")
    lines += _wrapped(f"Trees:   {', '.join(digest.trees) or 'none'}", " " * 9)
    lines.append(f"Counts:  {_counts(digest.counts)}")
    lines += [f"{' ' * 9}{tree}: {_counts(c)}" for tree, c in digest.by_tree.items()]
    lines += ["", *_LEGEND]
    for _key, heading, entries in digest.sections():
        title = f"{heading} ({len(entries)})"
        lines += ["", title, "-" * len(title)]
        if not entries:
            lines.append(f"{_INDENT}none")
        for entry in entries:
            number = links.setdefault(entry.url, len(links) + 1)
            lines += entry_lines(entry, number)
    if links:
        lines += ["", "Links", "-----"]
        lines += [f"[{number}] {url}" for url, number in links.items()]
    return "\n".join(terminal_safe(line) for line in lines) + "\n"


def entry_lines(entry: Entry, number: int) -> list[str]:
    """The two lines of one entry (README, "regtrack digest")."""
    first = f"[{number}] {entry.id} {entry.title}"
    parts = [
        _lead(entry),
        entry.culprit.split(' ("')[0],
        f"{entry.age_days}d old, idle {entry.idle_days}d",
        _name(entry.reporter),
    ]
    return [_cut(first), _cut(_INDENT + "; ".join(parts))]


def _lead(entry: Entry) -> str:
    """What the entry's second line starts with: the section's note, else the fix, else the
    step it waits for."""
    if entry.note:
        return entry.note
    if entry.fix_commit and entry.status == "fixed":
        return f"fixed by {entry.fix_commit} in {entry.fix_tree}"
    if entry.fix_commit and entry.status == "fix-queued":
        return f"{entry.fix_commit} in {entry.fix_tree}, waits for merge"
    if entry.waits_for:
        return f"waits for {entry.waits_for}"
    return entry.status


_ADDRESS = re.compile(r"\s*<[^<>]*>$")


def _name(reporter: str) -> str:
    """The reporter's name without the address.  Not parseaddr: names such as ``Borah,
    Chaitanya Kumar`` carry an unquoted comma, which it reads as a list of addresses."""
    name = _ADDRESS.sub("", reporter).strip().strip('"')
    return name or reporter.strip("<>")


def _cut(line: str) -> str:
    """One line of at most 72 characters: runs of white space (a title may hold tabs or
    newlines) made one space, the indent kept, the tail cut with "..."."""
    line = terminal_safe(line)
    indent = line[: len(line) - len(line.lstrip(" "))]
    line = indent + " ".join(line.split())
    return line if len(line) <= WIDTH else line[: WIDTH - 3].rstrip() + "..."


def _wrapped(line: str, indent: str) -> list[str]:
    return textwrap.wrap(line, WIDTH, subsequent_indent=indent, break_on_hyphens=False)


def _counts(counts: Any) -> str:
    return f"{counts.new} new, {counts.fixed} fixed, {counts.open} open"


def _period_text(period: Period) -> str:
    return f"{period.since:%Y-%m-%d %H:%M} to {period.until:%Y-%m-%d %H:%M} UTC"


def _as_of_shown(digest: Digest) -> bool:
    return digest.as_of < digest.period.until


# -- Markdown --------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def markdown_escape(text: str) -> str:
    """Text as Markdown shows it literally: punctuation Markdown reads is escaped, and
    ``<``, ``>``, ``&`` become entities (Markdown passes HTML through)."""
    text = terminal_safe(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_url(url: str) -> str:
    """A URL as a Markdown link target: a message-id may hold parentheses, which would end
    the link early (spaces and angle brackets never reach a lore URL unquoted)."""
    return url.replace("(", "%28").replace(")", "%29")


def render_markdown(digest: Digest) -> str:
    """The digest as Markdown (GitHub's flavour): a table of counts, a list per section."""
    e = markdown_escape
    lines = [f"# {e(report_heading(digest))}", ""]
    lines.append(f"- **Period:** {_period_text(digest.period)}")
    if _as_of_shown(digest):
        lines.append(f"- **As of:** {digest.as_of:%Y-%m-%d %H:%M} UTC (the period is not over)")
    lines.append(f"- **Trees:** {e(', '.join(digest.trees) or 'none')}")
    lines.append(f"- **Counts:** {_counts(digest.counts)}")
    lines += ["", "| tree | new | fixed | open |", "|---|---:|---:|---:|"]
    for tree, c in digest.by_tree.items():
        lines.append(f"| {e(tree)} | {c.new} | {c.fixed} | {c.open} |")
    lines += ["", "Most in need of attention first: the longest without activity, then by the "
              "step it waits for (bisection, fix, review, merge), then the oldest."]  # fmt: skip
    for _key, heading, entries in digest.sections():
        lines += ["", f"## {e(heading)} ({len(entries)})", ""]
        if not entries:
            lines.append("None.")
        lines += [_markdown_entry(entry) for entry in entries]
    return "\n".join(lines) + "\n"


def _markdown_entry(entry: Entry) -> str:
    e = markdown_escape
    step = entry.note or (f"waits for {entry.waits_for}" if entry.waits_for else "")
    culprit = (
        "unknown culprit" if entry.culprit == "unknown culprit" else f"culprit {entry.culprit}"
    )
    fix = ""
    if entry.fix:
        fix = (
            f" · fix: [{e(entry.fix)}]({markdown_url(entry.fix_url)})"
            if entry.fix_url
            else f" · fix: {e(entry.fix)}"
        )
    return (
        f"- [`{entry.id}`]({markdown_url(entry.url)}) **{entry.status}**: {e(entry.title)}  \n"
        f"  {e(step) + ' · ' if step else ''}{e(culprit)} · {entry.tree} · reported "
        f"{_days(entry.age_days)} ago by {e(entry.reporter)} · last activity "
        f"{_days(entry.idle_days)} ago{fix}"
    )


def _days(days: int) -> str:
    return count(days, "day")


# -- JSON ------------------------------------------------------------------------------------


def digest_json(digest: Digest) -> dict[str, Any]:
    """The digest as JSON-ready data, keys in a fixed order; statuses as ``--json`` gives
    them elsewhere (open, fix-posted, fix-queued, fixed, ...)."""
    sections: dict[str, Any] = {
        "new": [asdict(x) for x in digest.new],
        "fixed": [asdict(x) for x in digest.fixed],
        "resolved": [asdict(x) for x in digest.resolved],
        "open": [
            {"tree": g.tree, "heading": g.heading, "entries": [asdict(x) for x in g.entries]}
            for g in digest.open
        ],
        "unmerged": [asdict(x) for x in digest.unmerged],
        "idle": [asdict(x) for x in digest.idle],
        "duplicates": [asdict(x) for x in digest.duplicates],
        "poked": [asdict(x) for x in digest.poked],
    }
    return {
        "period": {
            "label": digest.period.label,
            "since": digest.period.since.isoformat(),
            "until": digest.period.until.isoformat(),
        },
        "as_of": digest.as_of.isoformat(),
        "trees": list(digest.trees),
        "counts": asdict(digest.counts),
        "by_tree": {tree: asdict(c) for tree, c in digest.by_tree.items()},
        "current_cycle": digest.current_cycle,
        "thresholds": {"unmerged_days": digest.unmerged_days, "stale_days": digest.stale_days},
        "sections": sections,
    }


def render_json(digest: Digest) -> str:
    return json.dumps(digest_json(digest), indent=2, ensure_ascii=False) + "\n"


# -- HTML ------------------------------------------------------------------------------------

_environment = Environment(
    loader=PackageLoader("regtrack.render", "templates"),
    autoescape=True,  # every template, whatever its name: strings from mail are escaped
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render_html(digest: Digest, *, chart_svg: str | None = None) -> str:
    """The digest as one self-contained HTML page (no script, no external resource), with
    the weekly chart inline when given (regtrack.render.chart's SVG, trusted: it is drawn
    from numbers, never from mail)."""
    chart = Markup(chart_svg[chart_svg.index("<svg") :]) if chart_svg else None
    template = _environment.get_template("digest.html")
    # Escaped HTML still carries a subject's control characters: shown as \x1b like in
    # text, so printing the page to a terminal cannot drive it.
    return terminal_safe(template.render(
        digest=digest, title=subject(digest), chart=chart, period=_period_text(digest.period),
        as_of=digest.as_of if _as_of_shown(digest) else None,
    ))  # fmt: skip


# -- mail ------------------------------------------------------------------------------------


def render_mail(
    digest: Digest,
    *,
    sender: str,
    to: str | Sequence[str],
    cc: str | Sequence[str] = (),
    now: datetime,
) -> str:
    """A complete RFC 822 message (plain text, UTF-8) that ``git send-email`` or
    ``sendmail -t`` sends as it is; regtrack never sends mail itself.  The Message-ID is
    made from the period, the trees and ``now``, so writing it twice gives the same mail."""
    message = EmailMessage(policy=default_policy.clone(linesep="\n"))
    message["From"] = sender
    message["To"] = _addresses(to)
    if _addresses(cc):
        message["Cc"] = _addresses(cc)
    message["Subject"] = subject(digest)
    message["Date"] = format_datetime(now if now.tzinfo else now.astimezone())
    message["Message-ID"] = _message_id(digest, sender, now)
    message["X-Mailer"] = "regtrack"
    message.set_content(render_text(digest), charset="utf-8", cte="8bit")
    return message.as_string()


def _addresses(value: str | Sequence[str]) -> str:
    return value if isinstance(value, str) else ", ".join(value)


def _message_id(digest: Digest, sender: str, now: datetime) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    domain = re.sub(r"[^A-Za-z0-9.-]", "", domain) or "localhost"
    key = f"{digest.period.label}|{','.join(digest.trees)}|{now.isoformat()}"
    label = re.sub(r"[^A-Za-z0-9.-]", "-", digest.period.label)
    return f"<regtrack.{label}.{hashlib.sha1(key.encode()).hexdigest()[:16]}@{domain}>"
