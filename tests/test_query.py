"""thread_view: what ``show`` presents, assembled from the real seed database."""

from __future__ import annotations

import pytest

from regtrack.errors import NotStoredError
from regtrack.query import thread_view
from regtrack.store import Store
from tests.paths import SEED_MSGIDS, SEED_REPORT, seed_msgid

SEED_GHOST = "SJ1PR11MB612980562220A376CA90E105B97E9@SJ1PR11MB6129.namprd11.prod.outlook.com"


def test_the_regression_thread_as_a_tree(seed_store: Store) -> None:
    view = thread_view(seed_store, f"https://lore.kernel.org/all/{SEED_MSGIDS[2]}/")
    assert view.msgid == SEED_MSGIDS[2]
    # 2 and 3 reply to 1; 11 replies to 2; 10 replies to 3 (the seed's README).
    assert [(m.msgid, m.depth, m.parent) for m in view.messages] == [
        (SEED_REPORT, 0, None),
        (SEED_MSGIDS[1], 1, SEED_REPORT),
        (seed_msgid(11), 2, seed_msgid(2)),
        (SEED_MSGIDS[2], 1, SEED_REPORT),
        (seed_msgid(10), 2, seed_msgid(3)),
    ]
    assert view.root.subject == "Regression in linux-next"
    assert view.asked is view.messages[3] and view.asked.from_name == "Alistair Popple"
    assert "mm/mmu_notifier.c" in (view.body or "")
    assert view.facts is not None
    assert len(view.missing_references) == 3 and SEED_GHOST in view.missing_references


def test_a_message_only_referenced_shows_its_thread_without_itself(seed_store: Store) -> None:
    view = thread_view(seed_store, SEED_GHOST)
    assert view.asked is None and view.body is None and view.facts is None
    assert view.root.msgid == SEED_REPORT and len(view.messages) == 5


def test_a_message_not_stored_is_an_error_naming_the_database(seed_store: Store) -> None:
    with pytest.raises(NotStoredError, match=r"'nobody@x' is not in .*; run: regtrack ingest"):
        thread_view(seed_store, "<nobody@x>")
