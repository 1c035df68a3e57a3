"""Message-ids in every form people write them, reduced to one canonical form.

Kernel people refer to a message as a bare id, an ``<id>`` from a header, or a
URL: lore.kernel.org ``/r/<id>``, ``/all/<id>/``, ``/<list>/<id>/`` with tails
such as ``T/#u``, ``t.mbox.gz`` or ``raw``; ``lkml.kernel.org/r/<id>``; and
``patch.msgid.link/<id>`` (see Documentation/process/submitting-patches.rst
and Documentation/process/maintainer-tip.rst).  public-inbox escapes ``/`` in
ids as ``%2F`` in URLs, so path segments are split *before* percent-decoding.
"""

from __future__ import annotations

import re
import urllib.parse

from regtrack.errors import InvalidMessageIdError

_BRACKETED = re.compile(r"<([^<>]*)>")
_WHITESPACE = re.compile(r"\s+")
# Tails lore puts after the id in a URL; they are never part of the id.
_URL_TAILS = frozenset({"t", "T", "raw", "t.mbox.gz", "t.atom", "T.atom", "f", "d"})
# Hosts that only redirect to an archive elsewhere; they serve no mbox themselves.
REDIRECTOR_HOSTS = frozenset({"lkml.kernel.org", "patch.msgid.link", "msgid.link"})
# RFC 5322 section 2.1.1: a line, so a Message-ID, is at most 998 characters.
MAX_MSGID_LENGTH = 998


def normalise_msgid(value: str) -> str:
    """Return the canonical form of a Message-ID header value or bare id.

    Angle brackets and all whitespace are removed (folded headers split long
    ids over lines).  Returns ``""`` when nothing usable is left.
    """
    match = _BRACKETED.search(value)
    inner = match.group(1) if match else value
    return _WHITESPACE.sub("", inner)


def parse_msgid_list(value: str) -> list[str]:
    """Read the ids of a References or In-Reply-To header, in order.

    Real headers contain garbage (comments, bare ids, duplicated ids).  Bracketed
    ids are preferred; without any, whitespace-separated tokens holding an ``@``
    are taken.  Duplicates are dropped keeping the first occurrence.
    """
    found = [_WHITESPACE.sub("", m) for m in _BRACKETED.findall(value)]
    if not found:
        found = [tok for tok in value.split() if "@" in tok]
    seen: set[str] = set()
    ordered = []
    for msgid in found:
        if msgid and msgid not in seen:
            seen.add(msgid)
            ordered.append(msgid)
    return ordered


def msgid_from_reference(text: str) -> str:
    """Turn anything a user may type for a message into its message-id.

    Accepts a bare id, ``<id>``, ``id:<id>``, any lore/public-inbox URL, an
    lkml.kernel.org or patch.msgid.link URL, percent-encoded or not.
    Raises :class:`InvalidMessageIdError` when no id can be found.
    """
    stripped = text.strip()
    if stripped.lower().startswith("id:"):
        stripped = stripped[3:]
    if re.match(r"(?i)https?://", stripped):
        msgid = _msgid_from_url(stripped)
    else:
        bare = urllib.parse.unquote(stripped)
        if _WHITESPACE.search(bare.strip("<>")):
            raise InvalidMessageIdError(f"not a message-id or lore URL: {shorten(text)!r}")
        msgid = normalise_msgid(bare)
    if not msgid or any(ch in msgid for ch in "<>\x00"):
        raise InvalidMessageIdError(f"not a message-id or lore URL: {shorten(text)!r}")
    if len(msgid) > MAX_MSGID_LENGTH:
        raise InvalidMessageIdError(
            f"{shorten(text)!r} is {len(msgid)} characters long, too long for a message-id "
            f"(mail header lines end at {MAX_MSGID_LENGTH})"
        )
    return msgid


def reference_base_url(text: str) -> str | None:
    """The public-inbox base a URL names (``http://host/all/`` for ``.../all/<id>/t/``).

    None when ``text`` is not a URL, names no id, or only redirects
    (lkml.kernel.org, patch.msgid.link, lore's ``/r/<id>``): those say which
    message, not which server to fetch a thread from.
    """
    stripped = text.strip()
    if not re.match(r"(?i)https?://", stripped):
        return None
    try:
        parts = urllib.parse.urlsplit(stripped)
        _, index = _find_msgid_in_url(stripped)
    except (InvalidMessageIdError, ValueError):
        return None
    if (parts.hostname or "").lower() in REDIRECTOR_HOSTS:
        return None
    inbox_path = "/".join(_segments(parts.path)[:index])
    if inbox_path == "r":  # lore's /r/<id> redirects to wherever the message is
        return None
    return urllib.parse.urlunsplit(
        (parts.scheme.lower(), parts.netloc, f"/{inbox_path}/" if inbox_path else "/", "", "")
    )


def _segments(path: str) -> list[str]:
    return [seg for seg in path.split("/") if seg]


def _msgid_from_url(url: str) -> str:
    return _find_msgid_in_url(url)[0]


def _find_msgid_in_url(url: str) -> tuple[str, int]:
    """Find the id segment in a lore-style URL: the id and its segment's index.

    The id is the path segment holding an ``@``; failing that (rare ids have
    none) the segment after ``/r/`` or the last one that is not a known tail.
    """
    parts = urllib.parse.urlsplit(url)
    decoded = [urllib.parse.unquote(seg) for seg in _segments(parts.path)]
    for index, seg in enumerate(decoded):
        if "@" in seg:
            return normalise_msgid(seg), index
    if "r" in decoded[:-1]:
        index = decoded.index("r") + 1
        return normalise_msgid(decoded[index]), index
    candidates = [index for index, seg in enumerate(decoded) if seg not in _URL_TAILS]
    if parts.hostname in {"patch.msgid.link", "msgid.link"} and candidates:
        return normalise_msgid(decoded[candidates[0]]), candidates[0]
    raise InvalidMessageIdError(f"no message-id in URL {shorten(url)!r}")


def shorten(text: str, limit: int = 80) -> str:
    """Enough of a user's input to recognise it in a one-line error."""
    return text if len(text) <= limit else f"{text[:limit]}..."


def msgid_url_segment(msgid: str) -> str:
    """Quote an id for use as one URL path segment, as public-inbox expects."""
    return urllib.parse.quote(msgid, safe="@!$&'()*+,;=:~-._")
