"""``python -m regtrack`` runs the command-line interface."""

import sys

from regtrack.cli import main

if __name__ == "__main__":
    sys.exit(main())
