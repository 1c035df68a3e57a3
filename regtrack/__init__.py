"""regtrack: track Linux kernel regressions from mailing-list threads.

Data flows one way: sources (mbox, Maildir, public-inbox, lore) yield raw
mail, :mod:`regtrack.mail` parses it into immutable records, and
:mod:`regtrack.store` keeps them in SQLite.  The CLI is a thin layer over
:func:`regtrack.ingest.ingest` and the store's queries.
"""

__version__ = "0.1.0"
