"""mbox/mboxrd files in every compression, Maildirs, and damaged files."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
from pathlib import Path

import pytest

from regtrack.errors import SourceError
from regtrack.sources import normalise_raw
from regtrack.sources.mbox import MaildirSource, MboxSource, StdinSource, split_mbox
from tests.paths import SEED_MSGIDS

MBOXRD = (
    b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
    b"Message-ID: <one@x>\nSubject: one\n\nbody one\n>From the start\n>>From deeper\n\n"
    b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
    b"Message-ID: <two@x>\nSubject: two\n\nbody two\n"
)


def _datas(source) -> list[bytes]:
    return [mail.data for mail in source]


def test_mboxrd_quoting_is_undone_one_level() -> None:
    first, second = _datas(split_mbox(io.BytesIO(MBOXRD), "t"))
    assert b"\nFrom the start\n>From deeper\n" in first
    assert second.endswith(b"body two\n")


def test_where_names_file_and_line() -> None:
    wheres = [mail.where for mail in split_mbox(io.BytesIO(MBOXRD), "t.mbox")]
    assert wheres == ["t.mbox:2", "t.mbox:10"]  # the first header line of each


@pytest.mark.parametrize("block_size", [7, 64, 1 << 20], ids=lambda n: f"blocks of {n} bytes")
def test_block_size_does_not_change_the_split(block_size: int) -> None:
    assert _datas(split_mbox(io.BytesIO(MBOXRD), "t", block_size)) == _datas(
        split_mbox(io.BytesIO(MBOXRD), "t")
    )


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [
        pytest.param(".mbox", lambda b: b, id="plain"),
        pytest.param(".mbox.gz", gzip.compress, id="gzip"),
        pytest.param(".mbox.xz", lzma.compress, id="xz"),
        pytest.param(".mbox.bz2", bz2.compress, id="bzip2"),
        pytest.param(".unnamed", gzip.compress, id="gzip detected by content, not name"),
    ],
)
def test_compressed_seed_reads_the_same(tmp_path: Path, seed_mbox: Path, suffix, compress) -> None:
    path = tmp_path / f"seed{suffix}"
    path.write_bytes(compress(seed_mbox.read_bytes()))
    mails = list(MboxSource(path))
    assert len(mails) == len(SEED_MSGIDS)
    assert _datas(mails) == _datas(MboxSource(seed_mbox))


@pytest.mark.parametrize(
    ("compress", "kind"),
    [pytest.param(gzip.compress, "gzip", id="gzip"), pytest.param(lzma.compress, "xz", id="xz")],
)
def test_truncated_compressed_file_keeps_what_came_before(
    tmp_path: Path, compress, kind: str
) -> None:
    # Random bodies compress like real mail does; repeated text would not.
    mbox = b"".join(
        b"From mboxrd@z Thu Jan  1 00:00:00 1970\nMessage-ID: <%d@x>\n\n%s\n\n"
        % (n, os.urandom(3000).hex().encode())
        for n in range(100)
    )
    data = compress(mbox)
    path = tmp_path / "cut.mbox.z"
    path.write_bytes(data[: len(data) // 2])
    got = []
    with pytest.raises(SourceError, match=rf"{path}: truncated or corrupt {kind} data"):
        got.extend(MboxSource(path))
    # Every message kept is complete and in order; the cut one is not kept.
    originals = _datas(split_mbox(io.BytesIO(mbox), "original"))
    assert 30 < len(got) < len(originals)
    assert _datas(got) == originals[: len(got)]


def test_mbox_cut_mid_line_reports_the_last_message(tmp_path: Path) -> None:
    path = tmp_path / "cut.mbox"
    path.write_bytes(MBOXRD[:-4])
    got = []
    with pytest.raises(SourceError, match=r"cut.mbox:10: the file ends mid-line"):
        got.extend(MboxSource(path))
    assert [b"<one@x>" in mail.data for mail in got] == [True]


def test_not_an_mbox_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"just some notes\nnothing else\n")
    with pytest.raises(SourceError, match=r"notes.txt: not an mbox"):
        list(MboxSource(path))


def test_single_raw_message_file_is_one_message(tmp_path: Path) -> None:
    path = tmp_path / "one.eml"
    path.write_bytes(b"Message-ID: <solo@x>\nSubject: solo\n\nbody without final newline")
    (mail,) = MboxSource(path)
    assert mail.data.endswith(b"without final newline")


def test_empty_file_gives_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.mbox"
    path.write_bytes(b"")
    assert list(MboxSource(path)) == []


def test_unchanged_file_is_not_read_again(tmp_path: Path) -> None:
    path = tmp_path / "m.mbox"
    path.write_bytes(MBOXRD)
    first = list(MboxSource(path))
    assert first[-1].cursor is not None and first[0].cursor is None
    assert list(MboxSource(path, cursor=first[-1].cursor[1])) == []
    path.write_bytes(MBOXRD + MBOXRD.replace(b"one@x", b"three@x"))
    assert len(list(MboxSource(path, cursor=first[-1].cursor[1]))) == 4


def test_maildir_reads_cur_and_new_with_crlf(tmp_path: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "cur" / "1:2,S").write_bytes(b"Message-ID: <a@x>\r\nSubject: a\r\n\r\nbody\r\n")
    (tmp_path / "new" / "2").write_bytes(b"Message-ID: <b@x>\nSubject: b\n\nbody\n")
    (tmp_path / "tmp" / "3").write_bytes(b"Message-ID: <c@x>\n\nnot delivered yet\n")
    mails = list(MaildirSource(tmp_path))
    assert len(mails) == 2
    assert normalise_raw(mails[0].data) == b"Message-ID: <a@x>\nSubject: a\n\nbody\n"


class _Pipe(io.RawIOBase):
    """A stream that cannot seek back, as standard input from a pipe cannot."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize(
    "compress",
    [
        pytest.param(lambda b: b, id="plain"),
        pytest.param(gzip.compress, id="gzip"),
        pytest.param(lzma.compress, id="xz"),
        pytest.param(bz2.compress, id="bzip2"),
    ],
)
def test_compressed_mail_on_a_pipe_is_read(compress) -> None:
    """``xz -c archive | regtrack ingest -``: detected from the content, not by seeking."""
    piped = io.BufferedReader(_Pipe(compress(MBOXRD)))
    assert _datas(StdinSource(piped)) == _datas(split_mbox(io.BytesIO(MBOXRD), "t"))


def test_a_corrupt_compressed_pipe_is_one_error() -> None:
    piped = io.BufferedReader(_Pipe(gzip.compress(MBOXRD)[:-12]))
    with pytest.raises(SourceError, match=r"<stdin>: truncated or corrupt gzip data"):
        list(StdinSource(piped))
