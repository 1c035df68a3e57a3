"""Bytes and markup to text that can be stored: charsets, RFC 2047 words, HTML.

Mail names the charset of its own text, and hostile or broken mail names
anything: Python's codec registry also holds transforms that are not text
encodings (``rot13``, ``base64``, ``zlib``), codecs for other jobs (``idna``,
``unicode-escape``), and codecs that fail on any input (``undefined``).  Only
real text encodings decode here; any other name falls back to UTF-8 with
replacement characters, flagged ``unknown-charset``.

Text is *storable* when it encodes to UTF-8 and holds no NUL: a lone
surrogate (``=?utf-7?q?+2AA-?=`` decodes to one) makes SQLite's writer raise,
and a NUL cuts a value short for SQLite's own text functions (``length``,
``snippet``).  :func:`storable` repairs both.

Every function here runs in time linear in its input: mail is hostile
input, and the stdlib's RFC 2047 splitter and ``html.parser`` both have
quadratic cases (a line of ``=?a?q?x`` repeated, a body of ``<!--``).
"""

from __future__ import annotations

import codecs
import email.charset
import email.quoprimime
import functools
import html
import re
from binascii import Error as BinasciiError
from binascii import a2b_base64
from typing import TypeVar

FLAG_UNKNOWN_CHARSET = "unknown-charset"
FLAG_UNDECODABLE_BYTES = "undecodable-bytes"
FLAG_BAD_HEADER_ENCODING = "bad-header-encoding"
FLAG_HTML_TRUNCATED = "html-truncated"
# Followed by ":<field>", e.g. "unstorable-text-repaired:subject".
FLAG_TEXT_REPAIRED = "unstorable-text-repaired"

# HTML beyond this is not converted: HTML-only kernel mail is short, and the
# text of a megabyte of markup is enough to classify a message.
MAX_HTML_CHARS = 1024 * 1024

# Python codecs that are text encodings to the registry but not charsets of
# mail: domain names (idna, punycode), Python string literals
# (unicode-escape, raw-unicode-escape), Windows' "current code page" (mbcs,
# oem; named differently on every machine), and "undefined", which fails on
# every input.
_NOT_MAIL_CHARSETS = frozenset(
    {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "mbcs", "oem"}
)
# An IANA charset name (RFC 2978): letters, digits and a little punctuation.
_CHARSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}")


@functools.lru_cache(maxsize=512)  # mail names few charsets, over and over
def text_codec(charset: str) -> str | None:
    """Python's codec name for a MIME charset that is a text encoding, else None.

    ``email.charset.ALIASES`` is applied first, as the stdlib's header
    decoding does (``latin-1`` is ``iso-8859-1``).  An RFC 2231 language
    suffix (``us-ascii*en``) is ignored.
    """
    name = charset.strip().strip('"').partition("*")[0].lower()
    if _CHARSET_NAME.fullmatch(name) is None:
        return None  # empty, NUL, spaces, non-ASCII: not a charset name
    name = email.charset.ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not info._is_text_encoding or info.name in _NOT_MAIL_CHARSETS:
        return None  # rot13, base64, zlib, hex, uu, bz2, quopri, and the above
    return info.name


def decode_text(data: bytes, charset: str | None, flags: list[str]) -> str:
    """Decode a body in its declared charset; never raise.

    An unlabelled or ``us-ascii`` body is read as UTF-8 (mail labelled
    us-ascii often carries UTF-8).  An unknown charset is read as UTF-8,
    flagged; bytes the charset cannot decode are replaced, flagged.
    """
    codec = text_codec(charset or "us-ascii")
    if codec is None:
        flags.append(FLAG_UNKNOWN_CHARSET)
        codec = "utf-8"
    elif codec == "ascii":
        codec = "utf-8"
    return _decode_bytes(data, codec, flags)


def _decode_bytes(data: bytes, codec: str, flags: list[str]) -> str:
    """Decode strictly if possible; otherwise with replacement, flagged."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        flags.append(FLAG_UNDECODABLE_BYTES)
        return data.decode(codec, errors="replace")


def decode_header_words(value: str, flags: list[str]) -> str:
    """A header value with its RFC 2047 encoded words decoded.

    Words and the space between them are handled as
    ``str(make_header(decode_header(value)))`` handles them, but each word
    is decoded with :func:`text_codec`'s codecs (unknown charsets as UTF-8,
    flagged; ``us-ascii`` as UTF-8, as bodies are), and the splitting is
    linear.  A word whose base64 is broken leaves the whole value as it
    was, flagged ``bad-header-encoding``.
    """
    try:
        words = _encoded_words(value)
    except BinasciiError:
        flags.append(FLAG_BAD_HEADER_ENCODING)
        return value
    if words is None:
        return value
    chunks: list[tuple[str, str | None]] = []
    for word, charset in words:
        if isinstance(word, str):
            chunks.append((word, None))
            continue
        codec = text_codec(charset or "")
        if codec is None:
            flags.append(FLAG_UNKNOWN_CHARSET)
            codec = "utf-8"
        text = _decode_bytes(word, "utf-8" if codec == "ascii" else codec, flags)
        chunks.append((text, None if codec == "ascii" else codec))
    return _join_chunks(chunks)


# The stdlib's own pattern for an encoded word (email.header.ecre).
_ENCODED_WORD = re.compile(r"=\?([^?]*?)\?([qQbB])\?(.*?)\?=")


def _encoded_words(value: str) -> list[tuple[str | bytes, str | None]] | None:
    """``email.header.decode_header(value)`` in linear time; None without encoded words.

    The stdlib splits each line with ``ecre.split``, whose lazy ``.*?``
    scans to the end of the line from every ``=?`` that has no ``?=`` after
    it: quadratic (a 112 KB subject took 21 s).  No word can match past a
    line's last ``?=``, so only the part before it is split; the rest is
    plain text.  The result equals decode_header's (a property test checks),
    except that plain text stays a string: decode_header turns it into
    bytes with ``raw-unicode-escape``, which garbles text that is not ASCII.
    """
    words: list[tuple[str, str | None, str | None]] = []  # (text, encoding, charset)
    for line in value.splitlines():
        end = line.rfind("?=") + 2 if "?=" in line else 0
        parts = _ENCODED_WORD.split(line[:end]) if end else [""]
        parts[-1] += line[end:]
        parts[0] = parts[0].lstrip()
        # parts: plain, then (charset, encoding, encoded text, plain) per word.
        for index in range(0, len(parts), 4):
            if parts[index]:
                words.append((parts[index], None, None))
            if index + 3 < len(parts):
                charset, encoding = parts[index + 1].lower(), parts[index + 2].lower()
                words.append((parts[index + 3], encoding, charset))
    if all(encoding is None for _, encoding, _ in words):
        return None
    # Whitespace between two encoded words is not part of the text.
    kept = [
        word
        for n, word in enumerate(words)
        if not (
            n + 1 < len(words)
            and n > 0
            and words[n + 1][1]
            and words[n - 1][1]
            and word[0].isspace()
        )
    ]
    return _collapse([(_unquote(text, encoding), charset) for text, encoding, charset in kept])


def _unquote(text: str, encoding: str | None) -> str | bytes:
    """Plain text as it is; the bytes of an encoded word's ``q`` or ``b`` text.

    Raises binascii.Error for broken base64.
    """
    if encoding == "q":
        return email.quoprimime.header_decode(text).encode("raw-unicode-escape")
    if encoding == "b":
        text += "==="[: -len(text) % 4] if len(text) % 4 else ""
        return a2b_base64(text.encode("raw-unicode-escape"))
    return text


def _collapse(words: list[tuple[str | bytes, str | None]]) -> list[tuple[str | bytes, str | None]]:
    """Join runs of words in one charset (plain words with a space), as decode_header does.

    Plain words (charset None) are strings, encoded words bytes.
    """
    collapsed: list[tuple[str | bytes, str | None]] = []
    for run, charset in _runs(words):
        if charset is None:
            collapsed.append((" ".join(str(word) for word in run), None))
        else:
            collapsed.append((b"".join(bytes(word) for word in run), charset))  # type: ignore[arg-type]
    return collapsed


_Item = TypeVar("_Item")


def _runs(items: list[tuple[_Item, str | None]]) -> list[tuple[list[_Item], str | None]]:
    """Consecutive items grouped by charset, so each run is joined once (linear)."""
    runs: list[tuple[list[_Item], str | None]] = []
    for item, charset in items:
        if runs and runs[-1][1] == charset:
            runs[-1][0].append(item)
        else:
            runs.append(([item], charset))
    return runs


def _join_chunks(chunks: list[tuple[str, str | None]]) -> str:
    """Decoded chunks to one string, spaced as ``str(email.header.Header)`` spaces them.

    ``None`` marks plain (ASCII) text.  Runs in one charset are joined with
    a space; a space is put between plain text and an encoded word where
    neither side has one.
    """
    pieces: list[str] = []
    last_charset: str | None = None
    last_space = False
    for run, charset in _runs(chunks):
        text = " ".join(run)
        if pieces:
            starts_with_space = bool(text) and _not_ctext(text[0])
            into_plain = last_charset is not None and charset is None and not starts_with_space
            out_of_plain = last_charset is None and charset is not None and not last_space
            if into_plain or out_of_plain:
                pieces.append(" ")
        last_space = bool(text) and _not_ctext(text[-1])
        last_charset = charset
        pieces.append(text)
    return "".join(pieces)


def _not_ctext(char: str) -> bool:
    return char.isspace() or char in "()\\"


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> tuple[str, bool]:
    """``text`` with lone surrogates and NUL replaced by U+FFFD; True if any was.

    ``isascii`` is answered from the string's header, so ASCII text (most
    mail) costs one search for NUL.
    """
    if "\x00" not in text:
        if text.isascii():
            return text, False
        try:
            text.encode("utf-8")
            return text, False
        except UnicodeEncodeError:
            pass
    return _UNSTORABLE.sub("\ufffd", text), True


# One token of HTML, or a character reference.  Every alternative that
# opens a construct also accepts the end of the text in place of its close,
# so a match never fails after scanning ahead: an unclosed "<!--" or "<a "
# is one match to the end, and the scan stays linear (see html_to_text).
_HTML_TOKEN = re.compile(
    r"""
    <!--.*?(?:-->|\Z)                                   # comment
    | <(?P<raw>script|style)\b.*?(?:</(?P=raw)\s*>|\Z)  # script or style, skipped
    | </?(?P<tag>[a-z][a-z0-9]*)[^>]*(?:>|\Z)          # a start or end tag
    | <[!?/][^>]*(?:>|\Z)                               # doctype, processing instruction
    | &(?:\#[0-9]+|\#x[0-9a-f]+|[a-z][a-z0-9]{0,31});?  # character reference
    """,
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
_BLOCK_TAGS = frozenset({"br", "p", "div", "tr", "li", "pre", "h1", "h2", "h3", "blockquote"})


def html_to_text(markup: str, flags: list[str] | None = None) -> str:
    """Plain text of an HTML body, for the rare HTML-only kernel mail.

    One pass of :data:`_HTML_TOKEN` over at most :data:`MAX_HTML_CHARS`
    (beyond that flagged ``html-truncated``): text between tokens is kept,
    block tags become line breaks, script and style are dropped, character
    references are decoded as ``html.unescape`` decodes them.  Linear: each
    token's match ends at its own close or at the end of the text, and the
    scan resumes after it.
    """
    if len(markup) > MAX_HTML_CHARS:
        markup = markup[:MAX_HTML_CHARS]
        if flags is not None:
            flags.append(FLAG_HTML_TRUNCATED)
    pieces: list[str] = []
    position = 0
    for token in _HTML_TOKEN.finditer(markup):
        pieces.append(markup[position : token.start()])
        position = token.end()
        text = token.group()
        if text.startswith("&"):
            pieces.append(_reference(text))
        elif token.group("tag") and token.group("tag").lower() in _BLOCK_TAGS:
            pieces.append("\n")
    pieces.append(markup[position:])
    return re.sub(r"\n{3,}", "\n\n", "".join(pieces)).strip() + "\n"


def _reference(reference: str) -> str:
    """One character reference decoded; a number too long to be a code point is U+FFFD.

    (``html.unescape`` would convert a megabyte of digits to an int first.)
    """
    if reference.startswith("&#") and len(reference.rstrip(";").lstrip("&#xX0")) > 8:
        return "\ufffd"
    return html.unescape(reference)
