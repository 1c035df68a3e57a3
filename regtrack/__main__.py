"""``python -m regtrack`` and the ``regtrack`` command start here.

Importing the command-line interface takes a few tenths of a second.  A
Ctrl-C meanwhile ends the command as it does later, with one line and exit
130, rather than with a traceback from the middle of an import.
"""

import sys


def run() -> None:
    """Entry point of the ``regtrack`` console script."""
    try:
        from regtrack.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("regtrack: error: interrupted\n")
        sys.exit(130)
    main(prog_name="regtrack")


if __name__ == "__main__":
    run()
