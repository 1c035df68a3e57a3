"""Decide what each ingest argument names and open the matching sources.

A path is an mbox file (plain or compressed), a Maildir, or a public-inbox
repository (a v2 inbox directory or one epoch); anything else must be a
message-id or a URL naming one, fetched from a public-inbox server over
HTTP or through b4.

Which server: ``--lore`` when given; else the server a URL names itself
(``http://127.0.0.1:8080/all/<id>/`` is fetched from 127.0.0.1); else the
lore base from the environment, config file or default.  Redirecting URLs
(lkml.kernel.org, patch.msgid.link, lore's /r/) name a message, not a server.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from regtrack.config import resolve_cache_dir, resolve_lore_url
from regtrack.errors import InvalidMessageIdError, UnknownSourceError
from regtrack.msgid import MAX_MSGID_LENGTH, msgid_from_reference, reference_base_url
from regtrack.sources import Source
from regtrack.sources.b4_thread import B4ThreadSource
from regtrack.sources.lore import (
    LoreClient,
    LoreMessageSource,
    LoreThreadSource,
    normalise_base_url,
)
from regtrack.sources.mbox import (
    KEPT_OF_OVERSIZE,
    MaildirSource,
    MboxSource,
    StdinSource,
    is_maildir,
    mbox_info,
)
from regtrack.sources.publicinbox import EpochSource, epoch_info, find_epochs


@dataclass
class FetchOptions:
    """How message-ids are fetched: ``lore_url`` is ``--lore`` as typed (None if absent)."""

    lore_url: str | None = None
    via: str = "http"
    refresh: bool = False
    single_message: bool = False
    cache_dir: Path | None = None
    max_record: int | None = None
    clients: dict[str, LoreClient] = field(default_factory=dict)


def open_targets(
    targets: Iterable[str],
    *,
    cursor_for: Callable[[str], str | None],
    lore_url: str | None = None,
    via: str = "http",
    refresh: bool = False,
    single_message: bool = False,
    cache_dir: Path | None = None,
    max_size: int | None = None,
    warn: Callable[[str], None] = lambda _: None,
) -> list[Source]:
    """The sources ``targets`` name, in the order to ingest them.

    ``cursor_for`` gives the stored cursor of an incremental source (a
    public-inbox epoch, an mbox file read to its end) by its key; with
    ``refresh`` stored cursors are ignored and everything is read again.
    ``lore_url`` is an explicit ``--lore``; it overrides a URL's own server.
    ``cache_dir`` defaults to the configured cache.  Lore clients are built
    here, one per server.  A message in an mbox or on standard input well
    over ``max_size`` bytes (``--max-size``) is read past, not held in
    memory; ingest skips it by its size.  Those just over the limit are
    still read whole, so ingest measures them exactly as it does any other.
    """
    options = FetchOptions(
        lore_url=lore_url,
        via=via,
        refresh=refresh,
        single_message=single_message,
        cache_dir=cache_dir if cache_dir is not None else resolve_cache_dir(),
        max_record=None if max_size is None else max_size + KEPT_OF_OVERSIZE,
    )
    if lore_url is not None:
        normalise_base_url(lore_url)  # a bad --lore fails before anything is read
    stored_cursor = (lambda _key: None) if refresh else cursor_for
    sources: list[Source] = []
    for target in targets:
        sources.extend(_open_target(target, stored_cursor, options, warn))
    return sources


def _open_target(
    target: str,
    cursor_for: Callable[[str], str | None],
    options: FetchOptions,
    warn: Callable[[str], None],
) -> list[Source]:
    if target == "-":
        return [StdinSource(sys.stdin.buffer, options.max_record)]
    path = Path(target).expanduser()
    if _exists(path):
        if options.single_message:
            warn(f"{target}: --single-message applies to message-ids; the whole file is read")
        return _path_sources(path, cursor_for, warn, options.max_record)
    msgid = _msgid(target)
    base = _base_url(target, options)
    if options.via == "b4":
        return [B4ThreadSource(base, msgid, refresh=options.refresh, single=options.single_message)]
    client = options.clients.get(base)
    if client is None:
        client = options.clients[base] = LoreClient(base, options.cache_dir, warn=warn)
    if options.single_message:
        return [LoreMessageSource(client, msgid)]
    return [LoreThreadSource(client, msgid, refresh=options.refresh)]


def _exists(path: Path) -> bool:
    """Whether a path exists; a name too long to be a path is not one (it may be an id)."""
    try:
        return path.exists()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return False
        raise UnknownSourceError(f"{path}: cannot look at it: {exc.strerror}") from exc


def _msgid(target: str) -> str:
    try:
        msgid = msgid_from_reference(target)
    except InvalidMessageIdError as exc:
        too_long = (
            f" ({len(target)} characters, too long for a message-id)"
            if len(target) > MAX_MSGID_LENGTH
            else ""
        )
        raise UnknownSourceError(
            f"{_short(target)!r} is not a file, directory, message-id or lore URL{too_long}"
        ) from exc
    if "@" not in msgid:
        # Real message-ids carry an @; without one this is most likely a
        # mistyped path, and fetching it would only earn a 404.
        if "/" in target and "://" not in target:
            raise UnknownSourceError(f"{_short(target)}: no such file or directory")
        raise UnknownSourceError(
            f"{_short(target)!r} is not a file, directory, message-id or lore URL"
        )
    return msgid


def _short(text: str) -> str:
    return text if len(text) <= 80 else f"{text[:80]}..."


def _base_url(target: str, options: FetchOptions) -> str:
    """``--lore``, else the server the URL names, else the configured lore."""
    if options.lore_url is not None:
        return normalise_base_url(options.lore_url)
    return normalise_base_url(resolve_lore_url(reference_base_url(target)))


def _path_sources(
    path: Path,
    cursor_for: Callable[[str], str | None],
    warn: Callable[[str], None],
    max_record: int | None = None,
) -> list[Source]:
    if path.is_file():
        source = MboxSource(path, cursor_for(mbox_info(path).key), max_record)
        if source.unchanged:
            warn(f"{path}: unchanged since it was last ingested; --refresh reads it again")
        return [source]
    if is_maildir(path):
        return [MaildirSource(path)]
    if not path.is_dir():
        raise UnknownSourceError(
            f"{path}: neither a file nor a directory (a pipe or device?); "
            "to read a stream, give '-' and redirect it to standard input"
        )
    epochs = find_epochs(path)
    if epochs:
        return [EpochSource(epoch, cursor_for(epoch_info(epoch).key), warn) for epoch in epochs]
    raise UnknownSourceError(
        f"{path}: a directory that is neither a Maildir (cur/, new/) nor a "
        "public-inbox repository (git/N.git or a bare epoch)"
    )
