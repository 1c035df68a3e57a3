"""Any bytes in: the decompressor, the answer check and the thread filter end in a result
or their own error, never another exception."""

from __future__ import annotations

import gzip

from hypothesis import given, settings
from hypothesis import strategies as st

from regtrack.errors import FetchError
from regtrack.sources import RawMail
from regtrack.sources.inflate import CorruptData, gunzip_if_gzip, inflate
from regtrack.sources.lore import check_mbox
from regtrack.sources.threadfilter import connected_to, header_ids

_HEADER_LINES = st.sampled_from(
    [
        "Message-ID: <a@x>\n",
        "Message-ID: <b@x>\n",
        "Message-Id: c@x\n",
        "In-Reply-To: <a@x>\n",
        "References: <ghost@x> <b@x>\n",
        "References: <ghost@x>\n\t<c@x>\n",
        "References: (comment) a@x garbage <>\n",
        "In-Reply-To: =?utf-8?q?=3Ca@x=3E?=\n",
        "Subject: same\n",
        "\n",
        "body\n",
        ">From x\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.integers(min_value=1, max_value=64))
def test_inflate_gives_bytes_or_corrupt_data(data: bytes, cut: int) -> None:
    for candidate in (data, gzip.compress(data)[:-cut], b"\x1f\x8b" + data):
        try:
            out = b"".join(gunzip_if_gzip([candidate[:cut], candidate[cut:]]))
        except CorruptData:
            continue
        assert isinstance(out, bytes)
    assert b"".join(inflate([gzip.compress(data)])) == data


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_check_mbox_accepts_or_names_the_url(data: bytes) -> None:
    try:
        check_mbox(data, "http://127.0.0.1/all/x/t.mbox.gz")
    except FetchError as exc:
        assert str(exc).startswith("http://127.0.0.1/all/x/t.mbox.gz: ")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_HEADER_LINES, max_size=8), max_size=8), st.sampled_from("abcz"))
def test_connected_to_is_one_component_whichever_member_is_asked(
    messages: list[list[str]], asked: str
) -> None:
    """Asking for any kept message brings back exactly the same messages, in input order."""
    mails = [RawMail("".join(lines).encode(), f"m:{n}") for n, lines in enumerate(messages)]
    kept = connected_to(mails, f"{asked}@x")
    assert [m.where for m in kept] == [m.where for m in mails if m in kept]
    for mail in kept:
        assert connected_to(mails, header_ids(mail.data)[0]) == kept
