"""Raw RFC 822 bytes in, one immutable :class:`MailMessage` out.

Parsing uses the stdlib ``email`` package with the ``compat32`` policy and
decodes only the few headers regtrack needs: measured on the 2023 linux-next
corpus, ``policy.default`` with ``get_body()`` parses about 4x slower, and the
ingest speed target leaves no room for that.  The message's structure comes
from :mod:`regtrack.mimeparse` (a fast path, bounded nesting), its text from
:mod:`regtrack.mailtext` (charsets, RFC 2047 words, HTML); transfer
encodings are undone by the stdlib.

Nothing here raises on bad mail: what cannot be read is recorded in
``MailMessage.flags`` so the problem is visible but the message is kept.
Every text field of the result can be stored (see
:func:`regtrack.mailtext.storable`), and the cost of a parse grows linearly
with the message: nesting is bounded, HTML is converted in one pass, and
headers are decoded without the stdlib's quadratic splitter.
"""

from __future__ import annotations

import dataclasses
import email
import email.errors
import email.header
import email.message
import email.parser
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

# The flags of text and structure are defined beside the code that sets them
# and re-exported here, so every flag a message can carry is importable from
# regtrack.mail.
from regtrack.mailtext import FLAG_BAD_HEADER_ENCODING as FLAG_BAD_HEADER_ENCODING
from regtrack.mailtext import FLAG_HTML_TRUNCATED as FLAG_HTML_TRUNCATED
from regtrack.mailtext import FLAG_TEXT_REPAIRED as FLAG_TEXT_REPAIRED
from regtrack.mailtext import FLAG_UNDECODABLE_BYTES as FLAG_UNDECODABLE_BYTES
from regtrack.mailtext import FLAG_UNKNOWN_CHARSET as FLAG_UNKNOWN_CHARSET
from regtrack.mailtext import decode_header_words, decode_text, storable
from regtrack.mailtext import html_to_text as html_to_text
from regtrack.mimeparse import FLAG_MALFORMED_MIME as FLAG_MALFORMED_MIME
from regtrack.mimeparse import FLAG_MIME_TOO_DEEP as FLAG_MIME_TOO_DEEP
from regtrack.mimeparse import MAX_MIME_DEPTH as MAX_MIME_DEPTH
from regtrack.mimeparse import leaf_parts
from regtrack.mimeparse import parse_structure as _parse_bytes
from regtrack.msgid import normalise_msgid, parse_msgid_list

# Flags a message can carry; stored as a comma-separated column.
FLAG_SYNTHETIC_MSGID = "synthetic-msgid"
FLAG_DATE_FROM_RECEIVED = "date-from-received"
FLAG_DATE_FROM_ARCHIVE = "date-from-archive"
FLAG_DATE_MISSING = "date-missing"
FLAG_HTML_ONLY = "html-only"
FLAG_NO_TEXT_BODY = "no-text-body"
FLAG_MALFORMED_FROM = "malformed-from"

# Bodies longer than this are cut (and flagged).  The raw bytes are not
# stored (the archive is the raw copy; ``content_sha`` names the exact
# bytes), and nothing downstream needs megabytes of build log text.
MAX_BODY_CHARS = 4 * 1024 * 1024
FLAG_BODY_TRUNCATED = "body-truncated"

# Dates before this are clock errors (1970 epochs, 2-digit year mishaps).
_EARLIEST_PLAUSIBLE = datetime(1991, 1, 1, tzinfo=UTC)
# The year after the month name ("25 Jul 2023").  The stdlib reads any year
# below 100 as two-digit ("Jan 0001" becomes 2001); written with three or
# four digits it is the year as written (RFC 5322 section 4.3).
_WRITTEN_YEAR = re.compile(r"\b[A-Za-z]{3}\s+(\d{3,4})\b")
# A Date longer than this is not a date: the longest RFC 5322 form with a
# zone comment ("(Coordinated Universal Time)") has under 80 characters.
_MAX_DATE_CHARS = 200

REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?|aw|sv)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_LEADING_TAG = re.compile(r"\s*\[([^\[\]]{1,64})\]\s*")
# A diff in a body: git's header, or a unified diff's ---/+++ pair.
_DIFF_START = re.compile(r"^(?:diff --git \S|--- \S[^\n]*\n\+\+\+ \S)", re.MULTILINE)
_PATCH_TYPES = frozenset(
    {"text/x-patch", "text/x-diff", "text/x-diff-patch", "application/x-patch"}
)
_LIST_ID = re.compile(r"<([^<>\s]+)>")
_PATCH_FILENAME = re.compile(r"\.(?:patch|diff)$", re.IGNORECASE)
# Logs people attach to a report ("next-20230110-kernel-crash.log", "dmesg.txt",
# "console-output", a proposed fix as "p.diff.txt"): read with the body, as a patch is,
# when they hold a kernel crash, a diff or build diagnostics.  A kernel config
# ("config-r1234") is no log, and a test's shell trace alone ("++ rm -f x") no reason.
_LOG_FILENAME = re.compile(r"\.(?:txt|log)$|dmesg|console", re.IGNORECASE)
_LOG_TYPES = frozenset({"text/plain", "text/x-log", "application/octet-stream"})
_COMPRESSED_NAME = re.compile(r"\.(?:gz|xz|bz2|zst|zip)$", re.IGNORECASE)
_LOG_MARKERS = (
    "Call Trace",
    "Call trace",
    "RIP: 0010:",
    "BUG: ",
    "WARNING: CPU",
    "Kernel panic",
    "Unable to handle kernel",
    "general protection fault",
    "diff --git ",
    ": error: ",
    ": warning: ",
    "undefined reference",
)


@dataclass(frozen=True, slots=True)
class MailMessage:
    """What regtrack knows of one message after parsing.

    ``content_sha`` is the SHA-1 of the raw bytes: the same message archived
    twice byte-for-byte has one, a variant under the same Message-ID another.
    """

    msgid: str
    subject_raw: str
    subject: str
    from_name: str
    from_addr: str
    date_utc: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    list_id: str | None
    body: str
    has_patch: bool
    raw_size: int
    content_sha: str
    flags: tuple[str, ...] = ()

    @property
    def msgid_synthetic(self) -> bool:
        return FLAG_SYNTHETIC_MSGID in self.flags


def content_sha(raw: bytes) -> str:
    """Identity of a message's exact bytes (line endings normalised by sources)."""
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()


def synthetic_msgid(sha: str) -> str:
    """A deterministic id for mail without a Message-ID, derived from its bytes."""
    return f"regtrack-{sha[:32]}@synthetic.invalid"


def parse_message(
    raw: bytes, archive_date: datetime | None = None, sha: str | None = None
) -> MailMessage:
    """Parse one raw message.

    ``archive_date`` is when the archive received it (a public-inbox commit
    date, an mbox ``From_`` line): the fallback for a missing or broken Date.
    ``sha`` may be passed when the caller already hashed ``raw``.
    """
    sha = sha or content_sha(raw)
    msg = _parse_bytes(raw)
    flags: list[str] = []

    headers = _wanted_headers(msg)
    msgid = normalise_msgid(_header_text(headers, "message-id", flags))
    if not msgid:
        msgid = synthetic_msgid(sha)
        flags.append(FLAG_SYNTHETIC_MSGID)

    references = parse_msgid_list(_header_text(headers, "references", flags))
    in_reply_to_ids = parse_msgid_list(_header_text(headers, "in-reply-to", flags))
    in_reply_to = in_reply_to_ids[0] if in_reply_to_ids else None
    if in_reply_to and in_reply_to not in references:
        references.append(in_reply_to)
    references = [ref for ref in references if ref != msgid]

    list_id = _list_id(_header_text(headers, "list-id", flags))
    subject_raw = _header_text(headers, "subject", flags)
    from_name, from_addr = _address(_header_text(headers, "from", flags), flags)
    body, has_patch_part = _body_text(msg, flags)
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS]
        flags.append(FLAG_BODY_TRUNCATED)

    parsed = MailMessage(
        msgid=msgid,
        subject_raw=subject_raw,
        subject=clean_subject(subject_raw, list_id),
        from_name=from_name,
        from_addr=from_addr.lower(),
        date_utc=_message_date(msg, headers.get("date"), archive_date, flags),
        in_reply_to=in_reply_to,
        references=tuple(references),
        list_id=list_id,
        body=body,
        has_patch=has_patch_part or body_has_diff(body),
        raw_size=len(raw),
        content_sha=sha,
        flags=tuple(dict.fromkeys(flags)),
    )
    return _storable_message(parsed)


_TEXT_FIELDS = (
    "msgid",
    "subject_raw",
    "subject",
    "from_name",
    "from_addr",
    "in_reply_to",
    "list_id",
    "body",
)


def _storable_message(message: MailMessage) -> MailMessage:
    """``message`` with every text field storable, each repaired field flagged.

    A lone surrogate (utf-7's ``+2AA-``) cannot be written to SQLite at all,
    and a NUL cuts a value short for SQLite's text functions; both become
    U+FFFD, and ``unstorable-text-repaired:<field>`` names each field.
    """
    changes: dict[str, object] = {}
    for name in _TEXT_FIELDS:
        value = getattr(message, name)
        if value is not None:
            text, repaired = storable(value)
            if repaired:
                changes[name] = text
    references = [storable(ref) for ref in message.references]
    if any(repaired for _, repaired in references):
        changes["references"] = tuple(ref for ref, _ in references)
    if not changes:
        return message
    flags = message.flags + tuple(f"{FLAG_TEXT_REPAIRED}:{name}" for name in changes)
    return dataclasses.replace(message, **changes, flags=flags)  # type: ignore[arg-type]


def _address(from_text: str, flags: list[str]) -> tuple[str, str]:
    """(name, address) of a From header; ("", "") when it cannot be parsed.

    The stdlib's address parser recurses once per nested comment or group,
    so ``From: ((((...`` exhausts the stack.  It also gives up on control
    characters (an ESC sequence in a display name made it return the first
    word of the name as the address): those become spaces first, and the
    header is flagged.
    """
    if _ADDRESS_CONTROL.search(from_text):
        from_text = _ADDRESS_CONTROL.sub(" ", from_text)
        flags.append(FLAG_MALFORMED_FROM)
    try:
        name, address = email.utils.parseaddr(from_text)
    except RecursionError:
        flags.append(FLAG_MALFORMED_FROM)
        return "", ""
    if "@" not in address and (angle := _ANGLE_ADDRESS.search(from_text)) is not None:
        # parseaddr refuses specials it would need quoted ("Name [x] <a@b>"),
        # and then offers a word of the name as the address.
        if FLAG_MALFORMED_FROM not in flags:
            flags.append(FLAG_MALFORMED_FROM)
        return " ".join(from_text[: angle.start()].split()).strip('"'), angle.group(1)
    return name, address


# C0 controls but tab, DEL and C1 controls: never part of a name or an address.
_ADDRESS_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_ANGLE_ADDRESS = re.compile(r"<([^<>@\s]{1,256}@[^<>@\s]{1,256})>\s*$")


def body_has_diff(body: str) -> bool:
    """True when the text carries a diff (a patch posting or an inline fix)."""
    if "diff --git " not in body and "\n+++ " not in body:
        return False  # cheap test first: most mail has no diff
    return _DIFF_START.search(body) is not None


def clean_subject(subject_raw: str, list_id: str | None) -> str:
    """Drop mailing-list tags such as ``[Intel-gfx]`` that the list added.

    A bracketed tag is a list tag when it names the list the message came
    through (its List-Id's first label).  ``[PATCH v2]``, ``[syzbot]`` and
    ``[REGRESSION]`` are the sender's own and stay.
    """
    list_name = list_id.split(".", 1)[0].lower() if list_id else None
    reply = REPLY_PREFIX.match(subject_raw)
    prefix = "Re: " if reply else ""
    rest = subject_raw[reply.end() :] if reply else subject_raw
    kept_tags = []
    position = 0  # matched in place: cutting ``rest`` per tag would be quadratic
    while (tag := _LEADING_TAG.match(rest, position)) is not None:
        if tag.group(1).strip().lower() != list_name:
            kept_tags.append(f"[{tag.group(1)}]")
        position = tag.end()
    rest = rest[position:]
    inner = REPLY_PREFIX.match(rest)
    if inner:
        prefix, rest = "Re: ", rest[inner.end() :]
    return " ".join([prefix.strip(), *kept_tags, rest.strip()]).strip()


_WANTED_HEADERS = frozenset(
    {"message-id", "references", "in-reply-to", "list-id", "subject", "from", "date"}
)


def _wanted_headers(msg: email.message.Message) -> dict[str, object]:
    """The first value of each header parse_message reads, fetched in one pass.

    ``Message.get`` scans (and lower-cases) every header on each call; real
    mail carries dozens of relay headers, so one pass saves most of that.
    Values go through the policy's own ``header_fetch_parse``, as ``get`` does.
    """
    found: dict[str, object] = {}
    for name, value in msg.raw_items():
        key = name.lower()
        if key in _WANTED_HEADERS and key not in found:
            found[key] = msg.policy.header_fetch_parse(name, value)
    return found


def _header_text(headers: dict[str, object], name: str, flags: list[str]) -> str:
    """Decode a header to text: RFC 2047 words, raw 8-bit bytes, folding."""
    value = headers.get(name)
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        # compat32 hands back a Header when the raw bytes were not ASCII.
        value = _decode_header_object(value, flags)
    text = str(value)
    if "=?" in text:
        text = decode_header_words(text, flags)
    return " ".join(text.split())


def _decode_header_object(value: email.header.Header, flags: list[str]) -> str:
    """Decode a header holding raw 8-bit bytes (compat32's ``unknown-8bit``).

    Undeclared 8-bit headers are nearly always UTF-8; anything else is
    decoded with replacement characters and flagged.
    """
    pieces = []
    for chunk, charset in email.header.decode_header(value):
        if isinstance(chunk, str):
            pieces.append(chunk)
        elif charset in (None, "unknown-8bit"):
            pieces.append(decode_text(chunk, "utf-8", flags))
        else:
            pieces.append(decode_text(chunk, str(charset), flags))
    return "".join(pieces)


def _list_id(value: str) -> str | None:
    """``Some list <foo.lists.example.org>`` -> ``foo.lists.example.org``."""
    if not value:
        return None
    match = _LIST_ID.search(value)
    return (match.group(1) if match else value.strip()).lower() or None


def _message_date(
    msg: email.message.Message,
    date_header: object,
    archive_date: datetime | None,
    flags: list[str],
) -> datetime | None:
    """The Date header as UTC, else the newest Received date, else the archive's."""
    header_date = _parse_date(date_header)
    if header_date is not None:
        return header_date
    for received in msg.get_all("Received") or ():
        date_part = str(received).rpartition(";")[2]
        received_date = _parse_date(date_part)
        if received_date is not None:
            flags.append(FLAG_DATE_FROM_RECEIVED)
            return received_date
    if archive_date is not None:
        flags.append(FLAG_DATE_FROM_ARCHIVE)
        return archive_date.astimezone(UTC)
    flags.append(FLAG_DATE_MISSING)
    return None


def _parse_date(value: object) -> datetime | None:
    """A date as UTC; None for no date, a broken or implausible one, or one too long to be one."""
    text = str(value) if value else ""
    if not text or len(text) > _MAX_DATE_CHARS:
        return None
    written = _WRITTEN_YEAR.search(text)
    if written is not None and int(written.group(1)) < _EARLIEST_PLAUSIBLE.year:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:  # "-0000" means UTC of unknown origin (RFC 5322)
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return parsed if parsed >= _EARLIEST_PLAUSIBLE else None


def _body_text(msg: email.message.Message, flags: list[str]) -> tuple[str, bool]:
    """The message's readable text and whether a part is an attached patch.

    The first inline text/plain part wins; attachments that are patches are
    appended (kernel people attach fixes as .patch files), and so are attached
    logs that hold a crash, a diff or build diagnostics (a report's trace, or a
    fix proposed as a .txt, may be only there).
    HTML-only mail falls back to the HTML's text.
    """
    plain: list[str] = []
    html: str | None = None
    has_patch_part = False
    for part in leaf_parts(msg, flags):
        ctype = part.get_content_type()
        filename = _filename(part, flags)
        is_patch = ctype in _PATCH_TYPES or bool(_PATCH_FILENAME.search(filename))
        # str(): compat32 gives a Header object for a value with 8-bit bytes.
        attached = str(part.get("Content-Disposition") or "").lower().startswith("attachment")
        if is_patch:
            has_patch_part = True
            plain.append(_decode_part(part, flags))
        elif attached and plain and _is_attached_log(ctype, filename):
            log = _decode_part(part, flags)
            if any(marker in log for marker in _LOG_MARKERS):
                plain.append(log)
        elif ctype == "text/plain" and (not attached or not plain):
            if not attached or not filename:
                plain.append(_decode_part(part, flags))
        elif ctype == "text/html" and html is None:
            html = _decode_part(part, flags)
    if plain:
        return "\n".join(plain), has_patch_part
    if html is not None:
        flags.append(FLAG_HTML_ONLY)
        return html_to_text(html, flags), has_patch_part
    flags.append(FLAG_NO_TEXT_BODY)
    return "", has_patch_part


def _is_attached_log(ctype: str, filename: str) -> bool:
    """An attachment named as a log (see ``_LOG_FILENAME``), not compressed, not a config."""
    if ctype not in _LOG_TYPES or _COMPRESSED_NAME.search(filename):
        return False
    return ctype == "text/x-log" or (
        bool(_LOG_FILENAME.search(filename)) and "config" not in filename.lower()
    )


def _filename(part: email.message.Message, flags: list[str]) -> str:
    """The part's file name, or "" (an RFC 2231 name in a charset the stdlib cannot read)."""
    try:
        return part.get_filename() or ""
    except (ValueError, LookupError, UnicodeError):
        flags.append(FLAG_MALFORMED_MIME)
        return ""


def _decode_part(part: email.message.Message, flags: list[str]) -> str:
    """Undo the transfer encoding, then the charset; never raise."""
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, TypeError, AssertionError):
        flags.append(FLAG_MALFORMED_MIME)
        payload = None
    if payload is None:
        try:  # the stdlib decodes a payload with 8-bit bytes in the part's own charset
            raw_payload = part.get_payload()
        except (ValueError, LookupError, UnicodeError, TypeError):
            raw_payload = None
            flags.append(FLAG_MALFORMED_MIME)
        payload = (
            raw_payload.encode("utf-8", "surrogateescape") if isinstance(raw_payload, str) else b""
        )
    if not isinstance(payload, bytes):
        return ""
    try:
        charset = part.get_content_charset()
    except (ValueError, LookupError, UnicodeError):
        charset = "x-unreadable"  # an RFC 2231 charset parameter in a charset of its own
    return decode_text(payload, charset, flags).replace("\r\n", "\n")
