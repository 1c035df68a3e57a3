"""Charsets, RFC 2047 words, storable text and HTML, against the stdlib where it is right."""

from __future__ import annotations

import binascii
import email.errors
import email.header
import encodings.aliases

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regtrack import mailtext
from regtrack.mailtext import (
    FLAG_BAD_HEADER_ENCODING,
    FLAG_UNKNOWN_CHARSET,
    decode_header_words,
    html_to_text,
    storable,
    text_codec,
)


@pytest.mark.parametrize(
    ("charset", "codec"),
    [
        pytest.param("UTF-8", "utf-8", id="UTF-8 in capitals"),
        pytest.param('"iso-8859-1"', "iso8859-1", id="a quoted name"),
        pytest.param("latin-1", "iso8859-1", id="an alias the email package knows"),
        pytest.param("us-ascii*en", "ascii", id="an RFC 2231 language suffix"),
        pytest.param("utf-7", "utf-7", id="utf-7, a real charset whose surrogates are repaired"),
        pytest.param("rot13", None, id="rot13 is a transform, not a text encoding"),
        pytest.param("base64", None, id="base64 neither"),
        pytest.param("zlib", None, id="zlib neither"),
        pytest.param("idna", None, id="idna is for host names"),
        pytest.param("unicode-escape", None, id="unicode-escape is for Python literals"),
        pytest.param("undefined", None, id="undefined fails on every input"),
        pytest.param("utf\x00-8", None, id="a NUL in the name"),
        pytest.param("utf 8", None, id="a space in the name"),
        pytest.param("", None, id="an empty name"),
        pytest.param("x-no-such-charset", None, id="an unknown name"),
    ],
)
def test_text_codec(charset: str, codec: str | None) -> None:
    assert text_codec(charset) == codec


@pytest.mark.parametrize("name", sorted(set(encodings.aliases.aliases) | {"rot13", "mbcs", "oem"}))
def test_every_codec_python_knows_decodes_to_storable_text_or_is_refused(name: str) -> None:
    flags: list[str] = []
    data = bytes(range(256)) + b"+2AA-\\ud800\\N{x}"
    text = mailtext.decode_text(data, name, flags)
    assert storable(text)[0].encode("utf-8")
    header = decode_header_words(f"=?{name}?b?{'K2QyQUEtXHVkODAw'}?= x", flags)
    assert storable(header)[0].encode("utf-8")


_HEADERS = st.lists(
    st.one_of(
        st.text(alphabet="abc =?_-\t", max_size=12),
        st.builds(
            "=?{}?{}?{}?=".format,
            st.sampled_from(["utf-8", "iso-8859-1", "us-ascii", "UTF-8", "latin-1", "koi8-r"]),
            st.sampled_from(["q", "Q", "b", "B"]),
            st.text(alphabet="abcdefgh_=3F ?+/", max_size=12),
        ),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=2000, deadline=None)
@given(_HEADERS.map(lambda value: value.replace("\t", "\n ")))
def test_words_split_as_the_stdlib_splits_them(value: str) -> None:
    try:
        expected = email.header.decode_header(value)
    except email.errors.HeaderParseError:
        with pytest.raises(binascii.Error):
            mailtext._encoded_words(value)
        return
    words = mailtext._encoded_words(value)
    if words is None:
        assert expected == [(value, None)]
    else:
        assert [
            (w.encode("raw-unicode-escape") if isinstance(w, str) else w, c) for w, c in words
        ] == expected


@settings(max_examples=2000, deadline=None)
@given(_HEADERS)
def test_words_join_as_the_stdlib_joins_them(value: str) -> None:
    try:
        expected = str(email.header.make_header(email.header.decode_header(value)))
    except (UnicodeError, LookupError, email.errors.HeaderParseError):
        return  # the stdlib gives up on these; decode_header_words flags and goes on
    flags: list[str] = []
    assert decode_header_words(value, flags) == expected
    assert flags == []


@pytest.mark.parametrize(
    ("value", "text", "flag"),
    [
        pytest.param("=?utf-8?q?a?= =?utf-8?q?b?=", "ab", None, id="space between words goes"),
        pytest.param("x =?utf-8?q?a?= y", "x a y", None, id="space around plain text stays"),
        pytest.param("=?x-nope?q?caf=C3=A9?=", "café", FLAG_UNKNOWN_CHARSET, id="unknown as UTF-8"),
        pytest.param(
            "=?utf-8?b?A?= x", "=?utf-8?b?A?= x", FLAG_BAD_HEADER_ENCODING, id="bad base64"
        ),
        pytest.param("=? no word", "=? no word", None, id="no encoded word at all"),
    ],
)
def test_decode_header_words(value: str, text: str, flag: str | None) -> None:
    flags: list[str] = []
    assert decode_header_words(value, flags) == text
    assert flags == ([flag] if flag else [])


@pytest.mark.parametrize(
    ("text", "repaired", "changed"),
    [
        pytest.param("plain", "plain", False, id="plain text is kept"),
        pytest.param("a\ud800b", "a\ufffdb", True, id="a lone surrogate becomes U+FFFD"),
        pytest.param("a\x00b", "a\ufffdb", True, id="a NUL becomes U+FFFD"),
        pytest.param("\udcff\udc00", "\ufffd\ufffd", True, id="escaped bytes become U+FFFD"),
    ],
)
def test_storable(text: str, repaired: str, changed: bool) -> None:
    assert storable(text) == (repaired, changed)


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        pytest.param(
            "<html><body><p>It <b>broke</b></p><script>x()</script><p>again</p></body></html>",
            "It broke\n\nagain\n",
            id="block tags break lines and scripts go",
        ),
        pytest.param(
            "a &lt; b &amp;&amp; c&gt;d &#65;&#x42;", "a < b && c>d AB\n", id="references"
        ),
        pytest.param("x<!-- hidden -->y<style>p {}</style>z", "xyz\n", id="comments and styles go"),
        pytest.param("a<br>b<BR/>c", "a\nb\nc\n", id="line breaks in any case"),
        pytest.param("&#99999999999; &#0;", "\ufffd \ufffd\n", id="impossible code points"),
        pytest.param("ok <!-- never closed", "ok\n", id="an unclosed comment ends the text"),
        pytest.param("if a < b then", "if a < b then\n", id="a lone < is text"),
    ],
)
def test_html_to_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text
