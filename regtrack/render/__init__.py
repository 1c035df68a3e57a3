"""What the commands print: the library's answers as text lines and JSON data.

One module per thing rendered (``ingest``, ``thread``, ``stats``, ...);
each returns lines or JSON-ready dicts and prints nothing, so the CLI
decides where output goes and tests read it without a terminal.  The
digest and HTML views will live here too.
"""
