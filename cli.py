"""Run regtrack from a source checkout: ``python cli.py ingest ...``."""

from regtrack.cli import main

if __name__ == "__main__":
    main(prog_name="regtrack")
