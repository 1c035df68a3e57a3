"""A message over the size limit is read past, not held: linear time, bounded memory.

One 2 GiB message in a 4 MB gzip once ran for minutes and took gigabytes
before ``--max-size`` was checked, because the splitter joined every new
block to the whole message read so far and the limit applied only to the
finished message.
"""

from __future__ import annotations

import gzip
import io
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from regtrack.cli import cli
from regtrack.sources.mbox import KEPT_OF_OVERSIZE, split_mbox

SEPARATOR = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"


def message(name: str, body_lines: int = 2) -> bytes:
    body = b"".join(b"line %d of %s\n" % (n, name.encode()) for n in range(body_lines))
    return b"Message-ID: <%s@x>\nSubject: %s\n\n" % (name.encode(), name.encode()) + body


def mbox(*messages: bytes) -> bytes:
    return b"".join(SEPARATOR + m + b"\n" for m in messages)


BIG = message("big", 5_000)  # about 88 KB
SAMPLE = mbox(message("a"), BIG, message("c"), BIG, message("e"))


@pytest.mark.parametrize("block_size", [7, 64, 4096, 1 << 20], ids=lambda n: f"blocks of {n}")
def test_an_oversize_message_is_named_and_sized_and_the_rest_split_as_before(
    block_size: int,
) -> None:
    uncapped = list(split_mbox(io.BytesIO(SAMPLE), "t", block_size))
    capped = list(split_mbox(io.BytesIO(SAMPLE), "t", block_size, max_record=20_000))
    assert [m.where for m in capped] == [m.where for m in uncapped]
    for whole, kept in zip(uncapped, capped, strict=True):
        assert kept.length == len(whole.data)  # the real size, for the skip reason
        if len(whole.data) <= 20_000:
            assert (kept.data, kept.size) == (whole.data, None)
        elif block_size < 20_000:  # the message outgrew what was read: it is not held
            assert kept.size is not None and len(kept.data) <= KEPT_OF_OVERSIZE
            assert whole.data.startswith(kept.data) and kept.data.startswith(b"Message-ID: <big@x>")
        else:  # it came whole in one block: kept as read, and ingest skips it by length
            assert kept.data == whole.data


def test_a_message_within_the_limit_is_kept_whole() -> None:
    (kept,) = split_mbox(io.BytesIO(mbox(BIG)), "t", 4096, max_record=len(BIG) + 1)
    assert kept.data == BIG + b"\n" and kept.size is None


def test_an_oversize_last_message_cut_mid_line_is_still_an_error() -> None:
    data = mbox(message("a"), BIG)[:-3]
    with pytest.raises(Exception, match="ends mid-line"):
        list(split_mbox(io.BytesIO(data), "t", 4096, max_record=1000))


def test_a_single_raw_message_over_the_limit_is_sized_not_kept() -> None:
    (kept,) = split_mbox(io.BytesIO(BIG), "t", 4096, max_record=1000)
    assert kept.size == len(BIG) and len(kept.data) <= KEPT_OF_OVERSIZE


def test_a_huge_message_is_read_in_bounded_memory_and_linear_time() -> None:
    huge = SEPARATOR + b"Message-ID: <huge@x>\n\n" + b"x" * 79 + b"\n"
    huge += b"y" * 79 * 1 + (b"z" * 79 + b"\n") * 600_000  # about 48 MB
    data = huge + b"\n" + mbox(message("after"))
    tracemalloc.start()
    started = time.monotonic()
    records = list(split_mbox(io.BytesIO(data), "t", 1 << 20, max_record=1 << 20))
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [r.size is not None for r in records] == [True, False]
    assert records[0].size == len(huge) - len(SEPARATOR) + 1
    assert peak < 8 << 20  # a few blocks, not the 48 MB message
    assert elapsed < 5


def test_ingest_skips_an_oversize_message_with_its_real_size(tmp_path: Path) -> None:
    path = tmp_path / "big.mbox.gz"
    path.write_bytes(gzip.compress(SAMPLE))
    db = tmp_path / "d.db"
    result = CliRunner().invoke(cli, ["ingest", str(path), "--db", str(db), "--max-size", "0.02"])
    assert result.exit_code == 3, result.output
    assert result.stderr.count("skipped, too-large: 83.9 KB, over the 20.0 KB limit") == 2
    assert "3 new" in result.stdout
