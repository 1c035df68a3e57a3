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
            raise InvalidMessageIdError(f"not a message-id or lore URL: {text!r}")
        msgid = normalise_msgid(bare)
    if not msgid or any(ch in msgid for ch in "<>\x00"):
        raise InvalidMessageIdError(f"not a message-id or lore URL: {text!r}")
    return msgid


def _msgid_from_url(url: str) -> str:
    """Find the id segment in a lore-style URL.

    The id is the path segment holding an ``@``; failing that (rare ids have
    none) the segment after ``/r/`` or the last one that is not a known tail.
    """
    parts = urllib.parse.urlsplit(url)
    segments = [seg for seg in parts.path.split("/") if seg]
    decoded = [urllib.parse.unquote(seg) for seg in segments]
    for seg in decoded:
        if "@" in seg:
            return normalise_msgid(seg)
    if "r" in decoded[:-1]:
        return normalise_msgid(decoded[decoded.index("r") + 1])
    candidates = [seg for seg in decoded if seg not in _URL_TAILS]
    if parts.hostname in {"patch.msgid.link", "msgid.link"} and candidates:
        return normalise_msgid(candidates[0])
    raise InvalidMessageIdError(f"no message-id in URL {url!r}")


def msgid_url_segment(msgid: str) -> str:
    """Quote an id for use as one URL path segment, as public-inbox expects."""
    return urllib.parse.quote(msgid, safe="@!$&'()*+,;=:~-._")
