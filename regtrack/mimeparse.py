"""Raw bytes to the stdlib's ``Message`` tree, fast, and bounded for hostile mail.

The header blocks are parsed by the stdlib (``compat32``, with parameter
headers bounded: see :data:`MAX_PARAMETER_HEADER`); bodies are
attached as its bytes parser would attach them, without its line-by-line
loop (see :func:`parse_structure`).  Nesting is bounded: the stdlib's
parser and ``Message.walk`` recurse once per level, and a message nested a
thousand multiparts deep exhausts Python's stack.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.message
import email.parser
import email.policy
from collections.abc import Iterator

FLAG_MALFORMED_MIME = "malformed-mime"
# Parts nested deeper than this are not read (real mail nests a few levels;
# a thousand levels exhaust the stdlib parser's recursion).
MAX_MIME_DEPTH = 32
FLAG_MIME_TOO_DEEP = "mime-too-deep"
# The stdlib reads a Content-Type's or Content-Disposition's parameters anew
# on every lookup, in time quadratic in the value (500 KB of "a=b; " took
# 1.2 s, 1 MB 5.8 s); real values are a few hundred characters.
MAX_PARAMETER_HEADER = 8 * 1024
_PARAMETER_HEADERS = frozenset({"content-type", "content-disposition"})


def _cut(value: str) -> str:
    """A parameter header cut at its last ``;`` within the limit, so what is kept parses."""
    cut = value.rfind(";", 0, MAX_PARAMETER_HEADER)
    return value[: cut if cut > 0 else MAX_PARAMETER_HEADER]


class _BoundedCompat32(email.policy.Compat32):
    """compat32, reading parameter headers only up to :data:`MAX_PARAMETER_HEADER`.

    For the stdlib's own parser, which looks parameters up while it parses.
    The fast path cuts the stored values instead (:func:`_cut_parameters`),
    which costs nothing for the header blocks that are short.
    """

    def header_fetch_parse(self, name: str, value: str) -> str | email.header.Header:  # type: ignore[override]
        if len(value) > MAX_PARAMETER_HEADER and name.lower() in _PARAMETER_HEADERS:
            value = _cut(value)
        return super().header_fetch_parse(name, value)


_STDLIB_POLICY = _BoundedCompat32()


def parse_structure(raw: bytes) -> email.message.Message:
    """Parse with compat32, skipping the feed parser's line loop where it can.

    The stdlib parser walks a body line by line, and compiles a regular
    expression for every multipart boundary it meets (about a third of the
    corpus's parse time).  Here the header blocks are parsed by the stdlib
    and bodies are attached as payloads exactly as its bytes parser would
    store them (ASCII with surrogate escapes), so ``get_payload(decode=True)``
    decodes them the same way.  Multipart bodies are cut at their boundary
    lines with ``bytes.find``.  Whatever the fast path does not handle
    exactly as the stdlib does (header defects, carriage returns, missing or
    doubled boundaries, message/* parts) is parsed by the stdlib instead.
    Mail nested too deep for the stdlib's recursive parser is parsed by the
    fast path down to :data:`MAX_MIME_DEPTH` (deeper parts are kept unread),
    and mail that neither can parse (a charset name the stdlib chokes on in
    a boundary parameter, a thousand nested message/* parts) is kept as
    headers with its body as flat text; both are marked with a defect.
    """
    fast = _part(raw, depth=0)
    if fast is not None:
        return fast
    try:
        parsed = email.message_from_bytes(raw, policy=_STDLIB_POLICY)
    except RecursionError:
        bounded = _part(raw, depth=0, bounded=True)
        return bounded if bounded is not None else _flat(raw, NestedTooDeep())
    except (ValueError, LookupError, UnicodeError):
        return _flat(raw, UnparseableStructure())
    for part in _all_parts(parsed):
        _cut_parameters(part)
    return parsed


class NestedTooDeep(email.errors.MessageDefect):
    """regtrack's own defect: parts below this one were not parsed."""


class ParametersCut(email.errors.MessageDefect):
    """regtrack's own defect: a parameter header over MAX_PARAMETER_HEADER was cut."""


class UnparseableStructure(email.errors.MessageDefect):
    """regtrack's own defect: the stdlib could not parse the structure; the body is flat."""


def _flat(raw: bytes, defect: email.errors.MessageDefect) -> email.message.Message:
    """The header block parsed, the whole body as one text/plain payload."""
    msg = _HEADER_PARSER.parsebytes(raw, headersonly=True)
    del msg["Content-Type"], msg["Content-Transfer-Encoding"]
    _cut_parameters(msg)
    msg.defects.append(defect)
    return msg


_HEADER_PARSER = email.parser.BytesParser(policy=email.policy.compat32)


_MAX_FAST_DEPTH = 4  # nesting beyond this is rare enough to leave to the stdlib


def _attach_body(msg: email.message.Message, body: bytes, depth: int, bounded: bool) -> bool:
    """Give ``msg`` its body as the stdlib would; False when it must parse it instead.

    ``bounded`` (for mail the stdlib cannot parse) parses at any depth, and
    leaves a multipart at :data:`MAX_MIME_DEPTH` unparsed, marked.
    """
    maintype = msg.get_content_maintype()
    if maintype == "message":
        return False
    if maintype != "multipart" or (bounded and depth >= MAX_MIME_DEPTH):
        msg.set_payload(body.decode("ascii", "surrogateescape"))
        if maintype == "multipart":
            msg.defects.append(NestedTooDeep())
        return True
    try:
        boundary = msg.get_boundary()
        separator = b"--" + boundary.encode("ascii", "surrogateescape") if boundary else b""
    except (ValueError, LookupError, UnicodeError):
        return False  # a charset or boundary the stdlib cannot read either
    if not separator or (depth >= _MAX_FAST_DEPTH and not bounded) or b"\r" in body:
        return False
    regions = _multipart_regions(body, separator)
    if regions is None:
        return False
    parts: list[email.message.Message | str] = []
    for region in regions:
        part = _part(region, depth + 1, bounded)
        if part is None:
            return False
        parts.append(part)
    msg.set_payload(parts)
    return True


def _multipart_regions(body: bytes, separator: bytes) -> list[bytes] | None:
    """The bytes of each part between boundary lines, or None when not simple.

    As RFC 2046 has it (and the stdlib parses it), the newline before a
    boundary line belongs to the boundary.  Simple means: a first boundary,
    parts that are not empty, and a closing boundary.
    """
    regions: list[bytes] = []
    part_start: int | None = None
    line_start = 0 if body.startswith(separator) else _line_starting(body, separator, 0)
    while line_start >= 0:
        line_end = body.find(b"\n", line_start)
        line_end = len(body) if line_end < 0 else line_end
        rest = body[line_start + len(separator) : line_end]
        closing = rest.startswith(b"--")
        if not (rest[2:] if closing else rest).strip(b" \t"):  # a boundary line
            if part_start is not None:
                if line_start == part_start:
                    return None  # a doubled boundary line
                regions.append(body[part_start : line_start - 1])
            elif closing:
                return None  # closed before it opened
            if closing:
                return regions
            part_start = line_end + 1
        line_start = _line_starting(body, separator, line_end)
    return None  # never closed


def _line_starting(body: bytes, prefix: bytes, position: int) -> int:
    """Offset of the next line after ``position`` that starts with ``prefix``, or -1."""
    found = body.find(b"\n" + prefix, position)
    return -1 if found < 0 else found + 1


def _part(region: bytes, depth: int, bounded: bool = False) -> email.message.Message | None:
    """A message or one of its parts: the header block by the stdlib, the body attached.

    None when the stdlib must parse it instead.
    """
    if region.startswith(b"\n"):
        part = email.message.Message(policy=email.policy.compat32)
        body = region[1:]
    else:
        end = region.find(b"\n\n")
        if end < 0:
            return None
        part = _HEADER_PARSER.parsebytes(region[: end + 1], headersonly=True)
        if part.defects:
            return None
        if end > MAX_PARAMETER_HEADER:  # only a long header block can hold a long value
            _cut_parameters(part)
        body = region[end + 2 :]
    return part if _attach_body(part, body, depth, bounded) else None


def leaf_parts(msg: email.message.Message, flags: list[str]) -> Iterator[email.message.Message]:
    """The parts that hold content, in order (as ``msg.walk()`` minus multiparts).

    Iterative, and no deeper than :data:`MAX_MIME_DEPTH`: ``walk()``
    recurses once per level.  Parts left unread are flagged.
    """
    stack = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        for defect in part.defects:
            if isinstance(defect, NestedTooDeep):
                flags.append(FLAG_MIME_TOO_DEEP)
            elif isinstance(defect, UnparseableStructure | ParametersCut):
                flags.append(FLAG_MALFORMED_MIME)
        if not part.is_multipart():
            yield part
        elif depth >= MAX_MIME_DEPTH:
            flags.append(FLAG_MIME_TOO_DEEP)
        else:
            children = part.get_payload()
            assert isinstance(children, list)  # is_multipart() says so
            stack.extend(
                (child, depth + 1)
                for child in reversed(children)
                if isinstance(child, email.message.Message)
            )


def _cut_parameters(part: email.message.Message) -> None:
    """Cut ``part``'s over-long parameter headers (see MAX_PARAMETER_HEADER), marked."""
    for name, value in part.raw_items():
        if len(value) > MAX_PARAMETER_HEADER and name.lower() in _PARAMETER_HEADERS:
            part.replace_header(name, _cut(value))
            part.defects.append(ParametersCut())


def _all_parts(msg: email.message.Message) -> Iterator[email.message.Message]:
    """``msg`` and every part below it, without recursion."""
    stack = [msg]
    while stack:
        part = stack.pop()
        yield part
        if part.is_multipart():  # get_payload() of a leaf decodes it, in its own charset
            children = part.get_payload()
            assert isinstance(children, list)
            stack.extend(child for child in children if isinstance(child, email.message.Message))
