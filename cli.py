"""Run regtrack from a source checkout: ``python cli.py ingest ...``."""

from regtrack.cli import main

main(prog_name="regtrack")
