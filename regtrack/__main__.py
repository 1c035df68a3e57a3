"""``python -m regtrack`` runs the command-line interface."""

from regtrack.cli import main

if __name__ == "__main__":
    main(prog_name="regtrack")
