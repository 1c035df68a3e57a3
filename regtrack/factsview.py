"""A message's stored facts as the lines ``regtrack show`` prints.

Reads the plain data :meth:`Store.facts` returns; what is absent is not
printed, so a reply with nothing to say shows nothing.
"""

from __future__ import annotations

MAX_FRAMES_SHOWN = 12
MAX_FILES_SHOWN = 5


def format_facts(facts: dict) -> list[str]:
    """Readable lines for one message's facts, most telling first."""
    lines: list[str] = []
    for verdict in facts.get("message_classification", []):
        what = f" ({verdict['kind']})" if verdict["kind"] else ""
        label = f"a regression report{what}" if verdict["is_report"] else "not a regression report"
        reasons = ", ".join(
            f"{signal['reason']} {signal['weight']:+d}" for signal in verdict["signals"]
        )
        lines.append(f"{label} (score {verdict['score']}): {reasons or 'no signals'}")
    for versions in facts.get("message_versions", []):
        tags = ", ".join(name for name, _ in versions["tags"][:6])
        if versions["report_tree"] or tags:
            tree = versions["report_tree"] or "unknown"
            lines.append(f"tree: {tree}" + (f" ({tags})" if tags else ""))
        for start, end in versions["ranges"][:3]:
            lines.append(f"range: {start}..{end}")
    for culprit in facts.get("culprits", []):
        subject = f' ("{culprit["subject"]}")' if culprit["subject"] else ""
        lines.append(f"culprit: {culprit['commit_id']}{subject} [{culprit['kind']}]")
        lines.append(f"  because: {culprit['sentence']}")
    for revert in facts.get("revert_tests", []):
        lines.append(f"revert test: {revert['sentence']}")
    for crash in facts.get("crash_reports", []):
        quoted = " (quoted)" if crash["quoted"] else ""
        lines.append(f"crash: {crash['title']}{quoted} [signature {crash['signature']}]")
        if crash["hardware"]:
            lines.append(f"  hardware: {crash['hardware']}")
        reliable = [_frame(f) for f in crash["frames"] if f["reliable"]]
        shown = reliable[:MAX_FRAMES_SHOWN]
        more = f", ... {len(reliable) - len(shown)} more" if len(reliable) > len(shown) else ""
        if shown:
            lines.append(f"  frames: {', '.join(shown)}{more}")
    for build in facts.get("build_failures", []):
        state = "build failure" if build["failed"] else "build warnings"
        target = f" ({build['target']})" if build["target"] else ""
        lines.append(f"{state}{target} [signature {build['signature']}]")
        for diagnostic in build["diagnostics"][:3]:
            where = diagnostic["file"] or ""
            if diagnostic["line"]:
                where += f":{diagnostic['line']}"
            what = diagnostic["symbol"] or diagnostic["message"]
            lines.append(f"  {diagnostic['severity']}: {where} {what}".rstrip())
    for patch in facts.get("message_patches", []):
        if patch["is_patch"] or patch["files"]:
            series = (
                f" {patch['series_index']}/{patch['series_total']}" if patch["series_total"] else ""
            )
            kind = "inline fix" if patch["inline_fix"] else f"patch v{patch['version']}{series}"
            files = ", ".join(patch["files"][:MAX_FILES_SHOWN]) or "no diff"
            if len(patch["files"]) > MAX_FILES_SHOWN:
                files += f", and {len(patch['files']) - MAX_FILES_SHOWN} more"
            patch_id = f" [patch-id {patch['patch_id'][:16]}]" if patch["patch_id"] else ""
            lines.append(f"{kind}: {files}{patch_id}")
    for link in facts.get("message_links", []):
        lines.append(f"links to: <{link['ref_msgid']}> (in {link['origin']} text)")
    for link in facts.get("web_links", []):
        if link["category"] in ("ci", "bug", "git"):
            where = ", ".join(
                f"{key} {link[key]}" for key in ("tree", "tag", "machine") if link[key]
            )
            lines.append(
                f"{link['category']} link: {link['url']}" + (f" ({where})" if where else "")
            )
    for trailer in facts.get("trailers", []):
        if trailer["key"] in ("Fixes", "Closes", "Link", "Reported-by", "Tested-by"):
            lines.append(f"trailer: {trailer['key']}: {trailer['value']} ({trailer['origin']})")
    for command in facts.get("regzbot_commands", []):
        caret = "^" if command["caret"] else ""
        problem = f"  [{command['problem']}]" if command["problem"] else ""
        lines.append(f"regzbot: {caret}{command['name']}: {command['argument']}{problem}")
    return lines


def _frame(frame: dict) -> str:
    return frame["function"] + (f" [{frame['module']}]" if frame["module"] else "")
