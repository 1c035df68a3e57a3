"""One exception hierarchy, so the CLI can print any failure as one line.

Every message names the input it is about (message-id, file and position,
URL) and, where there is one, what the user can do about it.
"""


class RegtrackError(Exception):
    """Base of every error regtrack raises on purpose."""


class InvalidMessageIdError(RegtrackError):
    """A string that cannot be read as a message-id or a URL naming one."""


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


class StoreError(RegtrackError):
    """The database is unusable (newer schema, not a regtrack database, locked)."""


class ConfigError(RegtrackError):
    """The configuration file cannot be read."""
