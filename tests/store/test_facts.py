"""The fact tables' seam: facts go in as MessageFacts and come out the same.

Round trips over real mail (the seed's 12 messages), the JSON ``show --json``
prints (each table's stored columns, as scripts read them before facts came
out as records), and the mail tables knowing nothing of facts.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from regtrack.extract.facts import FACTS_VERSION, extract_facts
from regtrack.ingest import ingest
from regtrack.sources.mbox import MboxSource
from regtrack.store import FACT_TABLES, Store, facts_json
from tests.paths import REPO, SEED_REPORT

SEED_MESSAGES = 12  # the seed's README


def _seed_msgids(store: Store) -> list[str]:
    return [row[0] for row in store.conn.execute("SELECT msgid FROM messages ORDER BY msgid")]


def test_stored_facts_come_back_as_extraction_made_them(seed_mbox: Path, store: Store) -> None:
    ingest(store, [MboxSource(seed_mbox)])
    msgids = _seed_msgids(store)
    assert len(msgids) == SEED_MESSAGES
    for msgid in msgids:
        row = store.message(msgid)
        assert store.facts(msgid) == extract_facts(row["subject"], row["body"]), msgid
        assert store.facts_version(msgid) == FACTS_VERSION


def test_a_message_without_facts_has_none(seed_mbox: Path, store: Store) -> None:
    ingest(store, [MboxSource(seed_mbox)], extract=False)
    assert store.facts(SEED_REPORT) is None and store.facts_version(SEED_REPORT) is None
    assert store.stats()["without_facts"] == SEED_MESSAGES


def _table_rows_as_json(store: Store, msgid: str) -> dict:
    """What show --json printed before: every column of every fact table, decoded."""
    found: dict = {}
    for table in FACT_TABLES:
        order = "position" if "position" in FACT_TABLES[table] else "rowid"
        cursor = store.conn.execute(
            f"SELECT * FROM {table} WHERE msgid = ? ORDER BY {order}", (msgid,)
        )
        names = [column[0] for column in cursor.description]
        found[table] = [dict(zip(names, row, strict=True)) for row in cursor]
        for row in found[table]:
            del row["msgid"]
    return found


def test_show_json_holds_each_tables_columns(seed_mbox: Path, store: Store) -> None:
    ingest(store, [MboxSource(seed_mbox)])
    for msgid in _seed_msgids(store):
        shown = facts_json(store.facts(msgid), FACTS_VERSION)
        stored = _table_rows_as_json(store, msgid)
        assert list(shown) == ["facts_version", "for_regzbot", *FACT_TABLES]
        for table, rows in stored.items():
            assert [list(row) for row in shown[table]] == [list(row) for row in rows], table
    report = facts_json(store.facts(SEED_REPORT), FACTS_VERSION)
    (crash,) = report["crash_reports"]
    assert crash["quoted"] is False and crash["frames"][8] == {
        "function": "mmu_notifier_register",
        "offset": 0x30,
        "size": 0xE0,
        "module": None,
        "reliable": True,
        "inline": False,
    }
    assert report["message_versions"][0]["tags"] == [["next-20230720", "linux-next"]]
    assert report["message_classification"][0]["is_report"] is True
    assert json.loads(json.dumps(report)) == report  # plain JSON data throughout


def test_the_mail_tables_import_nothing_from_extract() -> None:
    source = (REPO / "regtrack" / "store" / "messages.py").read_text()
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert imported and not [name for name in imported if "extract" in (name or "")]


def test_every_insert_names_its_columns() -> None:
    """Later migrations add and drop columns: a positional INSERT would break."""
    statements = [
        (path.name, match)
        for path in sorted((REPO / "regtrack" / "store").glob("*.py"))
        for match in re.finditer(r"INSERT (?:OR \w+ )?INTO (\w+)\s*(\(?)", path.read_text())
    ]
    assert len(statements) > 10
    for name, match in statements:
        assert match.group(2) == "(", f"{name}: {match.group(0)!r} names no columns"
