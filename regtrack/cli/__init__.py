"""The ``regtrack`` command: parse options, call one library function, render.

Every command takes ``--db PATH``; commands that print data take ``--json``.
What is printed comes from :mod:`regtrack.render`.  Exit codes: 0 success,
1 error (one line on stderr; ``--debug`` for the traceback), 2 bad usage,
3 ingest or extract finished but skipped some records, 130 interrupted;
each :class:`RegtrackError` carries its own.
"""

from __future__ import annotations

# The commands register themselves on the group as their modules are imported.
from regtrack.cli import answers, mail, reports  # noqa: F401
from regtrack.cli.base import cli, main

__all__ = ["cli", "main"]
