"""Decide what an ingest argument names and open the matching source.

A path is an mbox file (plain or compressed), a Maildir, or a public-inbox
repository (a v2 inbox directory or one epoch); anything else must be a
message-id or a URL naming one, fetched from lore over HTTP or through b4.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from regtrack.errors import InvalidMessageIdError, UnknownSourceError
from regtrack.msgid import msgid_from_reference
from regtrack.sources.b4_thread import B4ThreadSource
from regtrack.sources.lore import LoreClient, LoreMessageSource, LoreThreadSource
from regtrack.sources.mbox import MaildirSource, MboxSource, StdinSource, is_maildir
from regtrack.sources.publicinbox import EpochSource, find_epochs


def open_sources(
    target: str,
    *,
    cursor_for: Callable[[str], str | None],
    lore: LoreClient,
    via: str = "http",
    refresh: bool = False,
    single_message: bool = False,
    warn: Callable[[str], None] = lambda _: None,
) -> list:
    """The sources ``target`` names, in the order to ingest them.

    ``cursor_for`` gives the stored cursor of an incremental source (a
    public-inbox epoch, an mbox file read to its end) by its key; with
    ``refresh`` stored cursors are ignored and everything is read again.
    ``-`` is an mbox on standard input.  A message-id brings its whole
    thread unless ``single_message`` is set.
    """
    if target == "-":
        return [StdinSource(sys.stdin.buffer)]
    path = Path(target).expanduser()
    if path.exists():
        stored_cursor = (lambda _key: None) if refresh else cursor_for
        return _path_sources(path, stored_cursor, warn)
    try:
        msgid = msgid_from_reference(target)
    except InvalidMessageIdError as exc:
        raise UnknownSourceError(
            f"{target!r} is not a file, directory, message-id or lore URL"
        ) from exc
    if "@" not in msgid:
        # Real message-ids carry an @; without one this is most likely a
        # mistyped path, and fetching it would only earn a 404.
        if "/" in target and "://" not in target:
            raise UnknownSourceError(f"{target}: no such file or directory")
        raise UnknownSourceError(f"{target!r} is not a file, directory, message-id or lore URL")
    if via == "b4":
        return [B4ThreadSource(lore.base_url, msgid, refresh=refresh, single=single_message)]
    if single_message:
        return [LoreMessageSource(lore, msgid)]
    return [LoreThreadSource(lore, msgid, refresh=refresh)]


def _path_sources(
    path: Path, cursor_for: Callable[[str], str | None], warn: Callable[[str], None]
) -> list:
    if path.is_file():
        source = MboxSource(path, cursor_for(f"mbox:{path.resolve()}"))
        if source.unchanged:
            warn(f"{path}: unchanged since it was last ingested; --refresh reads it again")
        return [source]
    if is_maildir(path):
        return [MaildirSource(path)]
    epochs = find_epochs(path)
    if epochs:
        sources = []
        for epoch in epochs:
            key = f"public-inbox:{epoch.resolve()}"
            sources.append(EpochSource(epoch, cursor_for(key), warn))
        return sources
    raise UnknownSourceError(
        f"{path}: a directory that is neither a Maildir (cur/, new/) nor a "
        "public-inbox repository (git/N.git or a bare epoch)"
    )
