"""One exception hierarchy, so the CLI can print any failure as one line.

Every message names the input it is about (message-id, file and position,
URL) and, where there is one, what the user can do about it.  Each error
carries the exit code the command ends with, so the CLI needs no table of
its own and a script can tell an interrupted run from a failed one.
"""

# The command's exit codes (README, "Exit codes and errors").
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2  # click's own code for a usage error
EXIT_SKIPPED = 3  # ingest or extract finished, but some records were skipped
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a process ended by Ctrl-C


class RegtrackError(Exception):
    """Base of every error regtrack raises on purpose."""

    exit_code: int = EXIT_ERROR


class Interrupted(RegtrackError):
    """The user interrupted the run (Ctrl-C); what was finished is kept."""

    exit_code = EXIT_INTERRUPTED


class UsageError(RegtrackError):
    """An option's value the command cannot use (``--week 2023-W54``); exit 2, as click's."""

    exit_code = EXIT_USAGE


class InvalidMessageIdError(RegtrackError):
    """A string that cannot be read as a message-id or a URL naming one."""


class NotStoredError(RegtrackError):
    """A message asked for by id is not in the database."""


class SourceError(RegtrackError):
    """A source (mbox, Maildir, public-inbox repository) could not be read."""


class UnknownSourceError(SourceError):
    """The ingest argument is neither a path regtrack can read nor a message-id."""


class FetchError(SourceError):
    """A lore/public-inbox server could not give us what we asked for."""


class NotFoundError(FetchError):
    """The server answered 404: it has no such message."""


class GitError(RegtrackError):
    """git is missing, or a git command failed (its last line of stderr says why)."""


class GraphvizError(RegtrackError):
    """Graphviz's ``dot`` is missing, or could not draw a graph."""


class StoreError(RegtrackError):
    """The database is unusable (newer schema, not a regtrack database, locked)."""


class OutputError(RegtrackError):
    """A file or directory regtrack writes (the web report) cannot be written there."""


class ConfigError(RegtrackError):
    """The configuration file cannot be read."""
