"""The SQLite database: mail, facts, and the schema that holds them.

``schema`` has every migration and opens files safely; ``messages`` owns
the mail tables; ``facts`` owns the fact tables; ``search`` is full-text
search; :class:`Store` is the database file that ties them together.
"""

from regtrack.store.database import Store
from regtrack.store.facts import FACT_TABLES, FactRows, facts_json
from regtrack.store.messages import BatchCounts, Skip
from regtrack.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from regtrack.store.search import SearchHit

__all__ = [
    "APPLICATION_ID",
    "FACT_TABLES",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "BatchCounts",
    "FactRows",
    "SearchHit",
    "Skip",
    "Store",
    "facts_json",
]
