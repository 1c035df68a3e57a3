"""``python -m regtrack`` and the ``regtrack`` console script.

Importing the CLI (click, rich, requests) takes a moment; a Ctrl-C
meanwhile ends the command as it would later, with one line and exit 130,
not a traceback.
"""

import signal
import sys
from types import FrameType


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    """SIGTERM (``kill``, ``timeout``, a service stopping) ends a command as Ctrl-C does.

    Without this, Python dies at once: ingest's parse workers and a b4
    child process were left running, and no line said what happened.
    """
    raise KeyboardInterrupt


def run() -> None:
    """Entry point of the ``regtrack`` console script and of ``python -m regtrack``."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        from regtrack.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("regtrack: error: interrupted\n")
        sys.exit(130)
    sys.exit(main())


if __name__ == "__main__":
    run()
