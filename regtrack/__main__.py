"""``python -m regtrack`` runs the command-line interface."""

from regtrack.cli import main

main(prog_name="regtrack")
