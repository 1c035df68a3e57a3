"""The mail model, over the seed thread's real messages and crafted edge cases."""

from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regtrack import mail
from regtrack.errors import RegtrackError
from regtrack.mail import (
    FLAG_DATE_FROM_ARCHIVE,
    FLAG_DATE_FROM_RECEIVED,
    FLAG_DATE_MISSING,
    FLAG_HTML_ONLY,
    FLAG_SYNTHETIC_MSGID,
    FLAG_UNKNOWN_CHARSET,
    clean_subject,
    parse_message,
)
from regtrack.sources import normalise_raw
from regtrack.sources.mbox import MboxSource
from tests.paths import SEED_MSGIDS
from tests.servers import mbox_messages


@pytest.fixture
def seed(seed_mbox):
    return [parse_message(normalise_raw(raw)) for raw in mbox_messages(seed_mbox)]


def test_seed_has_twelve_messages_in_order(seed) -> None:
    assert tuple(m.msgid for m in seed) == SEED_MSGIDS


def test_seed_report_headers(seed) -> None:
    report = seed[0]
    assert report.subject_raw == "[Intel-gfx] Regression in linux-next"
    assert report.subject == "Regression in linux-next"
    assert report.from_name == "Borah, Chaitanya Kumar"
    assert report.from_addr == "chaitanya.kumar.borah@intel.com"
    assert report.date_utc == datetime(2023, 7, 25, 6, 42, 54, tzinfo=UTC)
    assert report.list_id == "intel-gfx.lists.freedesktop.org"
    assert (
        report.in_reply_to
        == "SJ1PR11MB612980562220A376CA90E105B97E9@SJ1PR11MB6129.namprd11.prod.outlook.com"
    )
    assert len(report.references) == 3  # three earlier mails that are not in the file
    assert not report.has_patch
    assert report.flags == ()


def test_seed_quoted_printable_soft_breaks_are_joined(seed) -> None:
    body = seed[0].body
    assert "I am Chaitanya from the linux graphics team in Intel.\n" in body
    assert (
        "<4>[   76.189375] Hardware name: Intel Corporation Meteor Lake Client Platform/MTL-P "
        "DDR5 SODIMM SBS RVP, BIOS MTLPFWI1.R00.3271.D81.2307101805 07/10/2023\n"
    ) in body
    assert "<4>[   76.202534] RIP: 0010:__mmu_notifier_register+0x40/0x210\n" in body
    assert (
        "    Link: https://lkml.kernel.org/r/9a02dde2f8ddaad2db31e54706a80c12d1817aaf"
        ".1689768831.git-series.apopple@nvidia.com\n"
    ) in body
    assert "commit/?h=next-20230720 \n" in body  # "=20" decodes to a trailing space
    assert "=\n" not in body


def test_seed_base64_crlf_body_decodes_to_exact_text(seed) -> None:
    body = seed[10].body  # message 11: base64, UTF-8, CRLF inside the encoded text
    assert body.startswith(
        "Hello Tvrtko,\n\nYour analysis is correct. Alistair has sent a new patch set "
        "with a fix.\n\nThank you.\n\nRegards\n\nChaitanya\n\n> -----Original Message-----\n"
    )
    assert "\r" not in body
    assert body.endswith(
        "> > https://intel-gfx-ci.01.org/tree/linux-next/next-20230720/bat-mtlp-6/d\n"
        "> > mesg0.txt\n"
    )


def test_seed_inline_fix_is_a_patch(seed) -> None:
    fix = seed[2]
    assert fix.msgid == "87o7k0xh9u.fsf@nvdebian.thelocal"
    assert fix.has_patch
    assert fix.date_utc == datetime(2023, 7, 25, 13, 15, 25, tzinfo=UTC)
    assert fix.subject == "Re: Regression in linux-next"


def _mail(headers: str, body: bytes = b"body\n") -> bytes:
    return headers.strip().encode() + b"\n\n" + body


def test_missing_message_id_gets_a_deterministic_synthetic_id() -> None:
    raw = _mail("From: a@example.org\nSubject: no id\nDate: Tue, 25 Jul 2023 06:42:54 +0000")
    first, second = parse_message(raw), parse_message(raw)
    assert first.msgid == second.msgid
    assert first.msgid.endswith("@synthetic.invalid")
    assert FLAG_SYNTHETIC_MSGID in first.flags and first.msgid_synthetic
    other = parse_message(raw.replace(b"no id", b"other"))
    assert other.msgid != first.msgid


@pytest.mark.parametrize(
    ("headers", "expected", "flag"),
    [
        pytest.param(
            "Message-ID: <d@x>\nDate: Tue, 25 Jul 2023 08:42:54 +0200",
            datetime(2023, 7, 25, 6, 42, 54, tzinfo=UTC),
            None,
            id="a zoned Date becomes UTC",
        ),
        pytest.param(
            "Message-ID: <d@x>\nDate: yesterday-ish\n"
            "Received: from a by b; Wed, 26 Jul 2023 01:02:03 +0000",
            datetime(2023, 7, 26, 1, 2, 3, tzinfo=UTC),
            FLAG_DATE_FROM_RECEIVED,
            id="a broken Date falls back to Received",
        ),
        pytest.param(
            "Message-ID: <d@x>\nDate: Thu, 01 Jan 1970 00:00:00 +0000",
            datetime(2023, 1, 2, tzinfo=UTC),
            FLAG_DATE_FROM_ARCHIVE,
            id="an epoch Date falls back to the archive date",
        ),
        pytest.param(
            "Message-ID: <d@x>\nDate: Sat, 01 Jan 0001 00:00:00 +0000",
            datetime(2023, 1, 2, tzinfo=UTC),
            FLAG_DATE_FROM_ARCHIVE,
            id="year 0001 is not read as 2001 and falls back to the archive date",
        ),
        pytest.param(
            "Message-ID: <d@x>\nDate: Sat, 01 Jan 99 00:00:00 +0000",
            datetime(1999, 1, 1, tzinfo=UTC),
            None,
            id="a two-digit year is read as the stdlib reads it",
        ),
        pytest.param(
            "Message-ID: <d@x>",
            datetime(2023, 1, 2, tzinfo=UTC),
            FLAG_DATE_FROM_ARCHIVE,
            id="a missing Date falls back to the archive date",
        ),
    ],
)
def test_dates(headers: str, expected: datetime, flag: str | None) -> None:
    parsed = parse_message(_mail(headers), archive_date=datetime(2023, 1, 2, tzinfo=UTC))
    assert parsed.date_utc == expected
    assert (flag in parsed.flags) if flag else parsed.flags == ()


def test_no_date_anywhere_is_flagged_missing() -> None:
    parsed = parse_message(_mail("Message-ID: <d@x>"))
    assert parsed.date_utc is None and FLAG_DATE_MISSING in parsed.flags


def test_rfc2047_headers_are_decoded() -> None:
    parsed = parse_message(
        _mail(
            "Message-ID: <e@x>\nFrom: =?UTF-8?Q?Jos=C3=A9_Reviewer?= <Jose@Example.org>\n"
            "Subject: =?ISO-8859-1?Q?R=E9gression?= in =?UTF-8?B?bmV4dA==?="
        )
    )
    assert parsed.from_name == "José Reviewer"
    assert parsed.from_addr == "jose@example.org"
    assert parsed.subject == "Régression in next"


def test_raw_eight_bit_headers_are_read_as_utf8() -> None:
    raw = (
        "Message-ID: <e@x>\nDate: Tue, 25 Jul 2023 06:42:54 +0000\n"
        "From: Zoë <z@x>\nSubject: naïve\n\nbody\n"
    ).encode()
    parsed = parse_message(raw)
    assert parsed.from_name == "Zoë" and parsed.subject == "naïve"
    assert parsed.flags == ()


def test_unknown_charset_decodes_with_replacement_and_is_flagged() -> None:
    parsed = parse_message(
        _mail(
            "Message-ID: <c@x>\nContent-Type: text/plain; charset=x-no-such-charset",
            "caf\xe9 ok\n".encode("latin-1"),
        )
    )
    assert FLAG_UNKNOWN_CHARSET in parsed.flags
    assert parsed.body == "caf\ufffd ok\n"


def test_latin1_body_decodes() -> None:
    parsed = parse_message(
        _mail(
            "Message-ID: <l@x>\nContent-Type: text/plain; charset=iso-8859-1",
            "caf\xe9\n".encode("latin-1"),
        )
    )
    assert parsed.body == "café\n" and FLAG_UNKNOWN_CHARSET not in parsed.flags


def test_html_only_mail_falls_back_to_text() -> None:
    parsed = parse_message(
        _mail(
            "Message-ID: <h@x>\nContent-Type: text/html; charset=utf-8",
            b"<html><body><p>It <b>broke</b></p><script>x()</script><p>again</p></body></html>",
        )
    )
    assert FLAG_HTML_ONLY in parsed.flags
    assert parsed.body == "It broke\n\nagain\n"


def test_multipart_prefers_plain_text_and_sees_attached_patch() -> None:
    raw = _mail(
        'Message-ID: <m@x>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"',
        b"--B\nContent-Type: text/html\n\n<p>html</p>\n"
        b"--B\nContent-Type: text/plain; charset=utf-8\n\nplain words\n"
        b'--B\nContent-Type: text/x-patch; name="fix.patch"\n'
        b'Content-Disposition: attachment; filename="fix.patch"\n\n'
        b"--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n--B--\n",
    )
    parsed = parse_message(raw)
    assert parsed.body.startswith("plain words\n")
    assert parsed.has_patch and "+++ b/x.c" in parsed.body


@pytest.mark.parametrize(
    ("ctype", "filename", "read"),
    [
        ("text/plain", "dmesg.txt", True),
        ("text/x-log", "linux-next-20230720-kernel-crash.log", True),
        ("text/plain", "console-boot", True),
        ("text/plain", "config-r1234", False),
        ("text/plain", "kernel.config.txt", False),
        ("text/plain", "p.diff.txt", True),
    ],
)
def test_an_attached_log_is_read_with_the_text(ctype: str, filename: str, read: bool) -> None:
    """A report whose trace is only in the attached log; a kernel config is no log."""
    raw = _mail(
        'Message-ID: <l@x>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"',
        b"--B\nContent-Type: text/plain; charset=utf-8\n\n"
        b"next-20230720 crashes at boot, log attached.\n"
        + f'--B\nContent-Type: {ctype}; name="{filename}"\n'.encode()
        + f'Content-Disposition: attachment; filename="{filename}"\n\n'.encode()
        + b"[    1.234567] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
        + b"--B--\n",
    )
    body = parse_message(raw).body
    assert body.startswith("next-20230720 crashes at boot")
    assert ("BUG: kernel NULL pointer dereference" in body) is read


@pytest.mark.parametrize(
    ("content_type", "filename", "read"),
    [
        pytest.param("text/x-log", "next-20230110-kernel-crash.log", True, id="a .log"),
        pytest.param("text/plain", "dmesg", True, id="a dmesg file"),
        pytest.param("application/octet-stream", "boot.txt", True, id="a .txt as bytes"),
        pytest.param("text/plain", "config-6.2.0-rc6", False, id="a kernel config is not"),
        pytest.param("application/x-xz", "dmesg.xz", False, id="a compressed log is not"),
    ],
)
def test_an_attached_log_is_read_with_the_body(
    content_type: str, filename: str, read: bool
) -> None:
    # A report whose only trace is in the log it attaches (issue 11).
    raw = _mail(
        'Message-ID: <m@x>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"',
        b"--B\nContent-Type: text/plain; charset=utf-8\n\n"
        b"The board crashes at boot, log attached.\n"
        + f'--B\nContent-Type: {content_type}; name="{filename}"\n'.encode()
        + f'Content-Disposition: attachment; filename="{filename}"\n\n'.encode()
        + b"[    4.2] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
        b"[    4.2] RIP: 0010:foo_probe+0x2c/0x90\n[    4.2] Call Trace:\n"
        b"[    4.2]  platform_probe+0x68/0xd8\n--B--\n",
    )
    parsed = parse_message(raw)
    assert parsed.body.startswith("The board crashes at boot, log attached.")
    assert ("RIP: 0010:foo_probe" in parsed.body) == read
    assert not parsed.has_patch


def test_an_attached_log_without_a_crash_is_not_read() -> None:
    # 0-day's test log: its "++ rm -f x" shell trace would read as a diff.
    raw = _mail(
        'Message-ID: <m@x>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"',
        b"--B\nContent-Type: text/plain\n\nThe test fails.\n"
        b'--B\nContent-Type: text/plain; name="03r5assem-failed.log"\n'
        b'Content-Disposition: attachment; filename="03r5assem-failed.log"\n\n'
        b"++ rm -f /var/tmp/stderr\n++ case $* in\n--B--\n",
    )
    assert "rm -f" not in parse_message(raw).body


def _stdlib_parse(raw: bytes):
    """parse_message with every message parsed by the stdlib's feed parser alone."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            mail,
            "_parse_bytes",
            lambda data: email.message_from_bytes(data, policy=email.policy.compat32),
        )
        return parse_message(raw)


def _fast_path_taken(raw: bytes) -> bool:
    """True when parse_message parses ``raw`` without the stdlib's body parser."""
    calls = []
    stdlib_parse = email.message_from_bytes
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            mail.email,
            "message_from_bytes",
            lambda *a, **k: calls.append(a) or stdlib_parse(*a, **k),
        )
        mail._parse_bytes(raw)
    return not calls


MULTIPART_HEAD = 'Message-ID: <m@x>\nContent-Type: multipart/mixed; boundary="B"'


@pytest.mark.parametrize(
    ("body", "fast"),
    [
        pytest.param(
            b"preamble\n--B\nContent-Type: text/plain\n\none\n--B  \n\nno headers\n\n"
            b"--B\t\nContent-Type: text/x-patch\n\n+b\n--B--\nepilogue\n--B\nafter\n",
            True,
            id="preamble, boundary lines with blanks after, a part without headers, epilogue",
        ),
        pytest.param(
            b"--B\nContent-Type: multipart/alternative; boundary=C\n\n--C\n"
            b"Content-Type: text/html\n\n<p>x</p>\n--C\nContent-Type: text/plain\n\ninner\n"
            b"--C--\n\n--B\nContent-Type: text/plain\n\nouter\n--B--\n",
            True,
            id="nested multipart",
        ),
        pytest.param(
            b"--B\nContent-Type: text/plain\n\n--Bx is no boundary\n--B-- x neither\n--B--\n",
            True,
            id="lines that start like a boundary",
        ),
        pytest.param(b"--B\n\none\n--B\n--B\n\ntwo\n--B--\n", False, id="doubled boundary"),
        pytest.param(b"--B\n\nnever closed\n", False, id="no closing boundary"),
        pytest.param(b"--B--\n--B\n\nx\n--B--\n", False, id="closed before opened"),
        pytest.param(b"--B\r\n\r\ncrlf\r\n--B--\r\n", False, id="carriage returns"),
        pytest.param(
            b"--B\nContent-Type: message/rfc822\n\nSubject: inner\n\nforwarded\n--B--\n",
            False,
            id="message part",
        ),
        pytest.param(b"--B\nnot a header line\n\nx\n--B--\n", False, id="part header defect"),
    ],
)
def test_multipart_fast_path_equals_the_stdlib(body: bytes, fast: bool) -> None:
    raw = _mail(MULTIPART_HEAD, body)
    assert _fast_path_taken(raw) is fast
    assert parse_message(raw) == _stdlib_parse(raw)


_LINES = st.sampled_from(
    [
        "--B",
        "--B--",
        "--B ",
        "--Bx",
        "--C",
        "--C--",
        "text",
        "",
        " ",
        "Content-Type: text/plain",
        "Content-Type: multipart/alternative; boundary=C",
        "Content-Type: message/rfc822",
        "Content-Type: text/x-patch",
        "Subject: s",
        "+++ b/x.c",
        "\r",
        "x: y",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINES, max_size=40))
def test_any_multipart_body_parses_as_the_stdlib_does(lines: list[str]) -> None:
    raw = _mail(MULTIPART_HEAD, "\n".join(lines).encode())
    assert parse_message(raw) == _stdlib_parse(raw)


@pytest.mark.parametrize(
    ("raw_subject", "list_id", "expected"),
    [
        pytest.param(
            "[Intel-gfx] Regression",
            "intel-gfx.lists.freedesktop.org",
            "Regression",
            id="the list's own tag is dropped",
        ),
        pytest.param(
            "Re: [Intel-gfx] Regression",
            "intel-gfx.lists.freedesktop.org",
            "Re: Regression",
            id="a reply keeps one Re:",
        ),
        pytest.param(
            "[Intel-gfx] [PATCH v2 1/3] drm: fix",
            "intel-gfx.lists.freedesktop.org",
            "[PATCH v2 1/3] drm: fix",
            id="patch tags stay",
        ),
        pytest.param("[PATCH] mm: fix", None, "[PATCH] mm: fix", id="no List-Id keeps every tag"),
        pytest.param("RE: Re: Fwd: hello", None, "Re: hello", id="reply prefixes collapse"),
        pytest.param(
            "[syzbot] boot error",
            "linux-next.vger.kernel.org",
            "[syzbot] boot error",
            id="bot tags stay",
        ),
    ],
)
def test_clean_subject(raw_subject: str, list_id: str | None, expected: str) -> None:
    assert clean_subject(raw_subject, list_id) == expected


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000))
def test_any_bytes_parse_without_raising(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert parsed.msgid and parsed.raw_size == len(raw)
    assert_storable(parsed)


@settings(max_examples=200, deadline=None)
@given(
    headers=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "Subject",
                    "From",
                    "Date",
                    "Message-ID",
                    "References",
                    "In-Reply-To",
                    "Content-Type",
                    "Content-Transfer-Encoding",
                    "List-Id",
                    "Received",
                ]
            ),
            st.text(max_size=80),
        ),
        max_size=10,
    ),
    body=st.binary(max_size=2000),
)
def test_any_headers_parse_without_raising(headers, body) -> None:
    head = "".join(f"{name}: {value}\n" for name, value in headers)
    parsed = parse_message(head.encode("utf-8", "surrogatepass") + b"\n" + body)
    assert isinstance(parsed.body, str)
    assert_storable(parsed)


@pytest.mark.corpus
def test_every_corpus_message_parses_as_the_stdlib_parses_it(corpus_2023) -> None:
    """The fast paths change nothing: 5,005 real messages, 2,110 of them multipart."""
    multipart = 0
    for record in MboxSource(corpus_2023):
        raw = normalise_raw(record.data)
        multipart += b"multipart/" in raw[: raw.find(b"\n\n")].lower()
        assert parse_message(raw) == _stdlib_parse(raw), record.where
    assert multipart > 2000


def test_seed_folded_patch_subject_is_unfolded(seed) -> None:
    patch = seed[4]  # message 5: the Subject: header is folded onto two lines
    assert (
        patch.subject == "[PATCH v4 1/5] arm64/smmu: Use TLBI ASID when invalidating entire range"
    )
    assert patch.in_reply_to == SEED_MSGIDS[3]
    assert patch.has_patch


def test_seed_ci_mail_encoded_subject_and_minus_zero_zone(seed) -> None:
    ci = seed[11]  # message 12: RFC 2047 UTF-8 subject, "-0000" time zone
    assert ci.from_name == "Patchwork"
    assert ci.subject.startswith("\u2717 Fi.CI.BUILD: failure for Invalidate secondary IOMMU TLB")
    assert ci.date_utc == datetime(2023, 7, 26, 16, 10, 11, tzinfo=UTC)
    assert ci.in_reply_to == SEED_MSGIDS[3]
    assert not ci.has_patch


def _encoded_word(charset: str, encoding: str, data: bytes) -> str:
    """An RFC 2047 word carrying ``data`` (q or b encoded) in ``charset``."""
    if encoding == "b":
        return f"=?{charset}?b?{base64.b64encode(data).decode()}?="
    return f"=?{charset}?q?{''.join(f'={byte:02X}' for byte in data)}?="


_CHARSET_NAMES = st.one_of(
    st.sampled_from(
        [
            "utf-8",
            "utf-7",
            "utf-16",
            "utf-32",
            "latin-1",
            "koi8-r",
            "us-ascii",
            "rot13",
            "base64",
            "hex",
            "zlib",
            "bz2",
            "uu",
            "quopri",
            "idna",
            "punycode",
            "mbcs",
            "undefined",
            "unicode-escape",
            "raw-unicode-escape",
            "utf\x00-8",
            "x-unknown",
        ]
    ),
    st.text(max_size=12),
)
_HEADER_PIECES = st.one_of(
    st.builds(_encoded_word, _CHARSET_NAMES, st.sampled_from(["q", "b"]), st.binary(max_size=30)),
    st.text(max_size=30),
    st.binary(max_size=30).map(lambda data: data.decode("latin-1")),
)
_HEADER_VALUES = st.lists(_HEADER_PIECES, max_size=5).map(" ".join)
_HEADER_NAMES = st.sampled_from(
    [
        "Subject",
        "From",
        "Date",
        "Message-ID",
        "References",
        "In-Reply-To",
        "List-Id",
        "Received",
        "Content-Disposition",
    ]
)


def _header_bytes(name: str, value: str) -> bytes:
    """One header line; latin-1 text stands for raw bytes, anything else is UTF-8."""
    line = f"{name}: {value}".replace("\r", " ").replace("\n", " ")
    try:
        return line.encode("latin-1") + b"\n"
    except UnicodeEncodeError:
        return line.encode("utf-8", "surrogatepass") + b"\n"


def assert_storable(parsed: mail.MailMessage) -> None:
    """Every text field encodes to UTF-8 and holds no NUL: SQLite can store it."""
    for field in dataclasses.fields(parsed):
        value = getattr(parsed, field.name)
        for text in value if isinstance(value, tuple) else (value,):
            if isinstance(text, str):
                assert "\x00" not in text, field.name
                text.encode("utf-8")


@settings(max_examples=400, deadline=None)
@given(
    headers=st.lists(st.tuples(_HEADER_NAMES, _HEADER_VALUES), max_size=8),
    content_type=st.builds(
        "Content-Type: text/{}; charset={}\n".format,
        st.sampled_from(["plain", "html"]),
        _CHARSET_NAMES,
    ),
    body=st.binary(max_size=1000),
)
def test_any_encoded_words_and_charsets_parse_to_storable_text(headers, content_type, body) -> None:
    raw = b"".join(_header_bytes(name, value) for name, value in headers)
    raw += _header_bytes(*content_type.rstrip("\n").split(": ", 1)) + b"\n" + body
    try:
        parsed = parse_message(raw)
    except RegtrackError:
        return  # the one kind of failure parse_message may report
    assert_storable(parsed)
