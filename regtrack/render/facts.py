"""A message's stored facts as the lines ``regtrack show`` prints.

Reads the :class:`MessageFacts` that :meth:`Store.facts` returns; what is
absent is not printed, so a reply with nothing to say shows nothing.
"""

from __future__ import annotations

from regtrack.extract.facts import MessageFacts
from regtrack.extract.stacktrace import Frame

MAX_FRAMES_SHOWN = 12
MAX_FILES_SHOWN = 5


def format_facts(facts: MessageFacts) -> list[str]:
    """Readable lines for one message's facts, most telling first."""
    lines: list[str] = []
    if (verdict := facts.classification) is not None:
        what = f" ({verdict.kind})" if verdict.kind else ""
        label = f"a regression report{what}" if verdict.is_report else "not a regression report"
        reasons = ", ".join(f"{signal.reason} {signal.weight:+d}" for signal in verdict.signals)
        lines.append(f"{label} (score {verdict.score}): {reasons or 'no signals'}")
    versions = facts.versions
    tags = ", ".join(tag.name for tag in versions.tags[:6])
    if versions.report_tree or tags:
        tree = versions.report_tree or "unknown"
        lines.append(f"tree: {tree}" + (f" ({tags})" if tags else ""))
    for version_range in versions.ranges[:3]:
        lines.append(f"range: {version_range.start}..{version_range.end}")
    for culprit in facts.culprits:
        subject = f' ("{culprit.subject}")' if culprit.subject else ""
        lines.append(f"culprit: {culprit.commit}{subject} [{culprit.kind}]")
        lines.append(f"  because: {culprit.sentence}")
    for revert in facts.revert_tests:
        lines.append(f"revert test: {revert.sentence}")
    for crash in facts.crashes:
        quoted = " (quoted)" if crash.quoted else ""
        lines.append(f"crash: {crash.title}{quoted} [signature {crash.signature}]")
        if crash.hardware:
            lines.append(f"  hardware: {crash.hardware}")
        reliable = [_frame(f) for f in crash.frames if f.reliable]
        shown = reliable[:MAX_FRAMES_SHOWN]
        more = f", ... {len(reliable) - len(shown)} more" if len(reliable) > len(shown) else ""
        if shown:
            lines.append(f"  frames: {', '.join(shown)}{more}")
    if (build := facts.build_failure) is not None:
        state = "build failure" if build.failed else "build warnings"
        target = f" ({build.target})" if build.target else ""
        lines.append(f"{state}{target} [signature {build.signature}]")
        if not build.diagnostics:
            lines.append("  (the mail says so; it shows no diagnostic regtrack reads)")
        for diagnostic in build.diagnostics[:3]:
            where = diagnostic.file or ""
            if diagnostic.line:
                where += f":{diagnostic.line}"
            what = diagnostic.symbol or diagnostic.message
            lines.append(f"  {diagnostic.severity}: {where} {what}".rstrip())
    lines.extend(_patch_lines(facts))
    for link in facts.message_refs:
        lines.append(f"links to: <{link.msgid}> (in {link.origin} text)")
    for web in facts.web_links:
        if web.category in ("ci", "bug", "git"):
            where = ", ".join(
                f"{key} {value}"
                for key, value in (("tree", web.tree), ("tag", web.tag), ("machine", web.machine))
                if value
            )
            lines.append(f"{web.category} link: {web.url}" + (f" ({where})" if where else ""))
    for trailer in facts.trailers:
        if trailer.key in ("Fixes", "Closes", "Link", "Reported-by", "Tested-by"):
            lines.append(f"trailer: {trailer.key}: {trailer.value} ({trailer.origin})")
    for command in facts.regzbot_commands:
        caret = "^" if command.caret else ""
        problem = f"  [{command.problem}]" if command.problem else ""
        lines.append(f"regzbot: {caret}{command.name}: {command.argument}{problem}")
    return lines


def _patch_lines(facts: MessageFacts) -> list[str]:
    prefix, patch = facts.subject_prefix, facts.patch
    if not prefix.is_patch and patch is None:
        return []
    series = f" {prefix.index}/{prefix.total}" if prefix.total else ""
    inline_fix = patch is not None and patch.inline_fix
    kind = "inline fix" if inline_fix else f"patch v{prefix.version}{series}"
    files = ", ".join(patch.files[:MAX_FILES_SHOWN]) if patch is not None else ""
    if patch is not None and len(patch.files) > MAX_FILES_SHOWN:
        files += f", and {len(patch.files) - MAX_FILES_SHOWN} more"
    patch_id = f" [patch-id {patch.patch_id[:16]}]" if patch is not None and patch.patch_id else ""
    return [f"{kind}: {files or 'no diff'}{patch_id}"]


def _frame(frame: Frame) -> str:
    return frame.function + (f" [{frame.module}]" if frame.module else "")
