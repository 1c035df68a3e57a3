"""Run regtrack from a source checkout: ``python cli.py ingest ...``."""

import sys

from regtrack.cli import main

if __name__ == "__main__":
    sys.exit(main())
