"""``python -m regtrack`` and the ``regtrack`` console script.

Importing the CLI (click, rich, requests) takes a moment; a Ctrl-C
meanwhile ends the command as it would later, with one line and exit 130,
not a traceback.
"""

import sys


def run() -> None:
    """Entry point of the ``regtrack`` console script and of ``python -m regtrack``."""
    try:
        from regtrack.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("regtrack: error: interrupted\n")
        sys.exit(130)
    sys.exit(main())


if __name__ == "__main__":
    run()
