"""Byte counts in skip reasons and option help: enough precision to tell them apart."""

from __future__ import annotations

import pytest

from regtrack.sizes import format_size, format_sizes_apart


@pytest.mark.parametrize(
    ("nbytes", "shown"),
    [
        pytest.param(0, "0 bytes", id="nothing is 0 bytes"),
        pytest.param(1, "1 byte", id="one byte is singular"),
        pytest.param(999, "999 bytes", id="under a KB stays in bytes"),
        pytest.param(3_010, "3.0 KB", id="a few thousand bytes are KB"),
        pytest.param(999_949, "999.9 KB", id="just under a MB stays in KB"),
        pytest.param(999_950, "1.0 MB", id="what would round to 1000.0 KB is 1.0 MB"),
        pytest.param(32 * 1024 * 1024, "33.6 MB", id="the default limit, 32 MiB, is 33.6 MB"),
        pytest.param(52_428_800, "52.4 MB", id="a 50 MiB message is 52.4 MB"),
    ],
)
def test_format_size(nbytes: int, shown: str) -> None:
    assert format_size(nbytes) == shown


@pytest.mark.parametrize(
    ("size", "limit", "shown"),
    [
        pytest.param(3_010, 2_000, ("3.0 KB", "2.0 KB"), id="sizes that differ when rounded"),
        pytest.param(
            2_001, 2_000, ("2,001 bytes", "2,000 bytes"), id="sizes that round alike are in bytes"
        ),
        pytest.param(
            52_428_800, 32 * 1024 * 1024, ("52.4 MB", "33.6 MB"), id="over the default limit"
        ),
        pytest.param(10, 5, ("10 bytes", "5 bytes"), id="tiny sizes"),
    ],
)
def test_sizes_over_a_limit_never_read_alike(size: int, limit: int, shown: tuple) -> None:
    assert format_sizes_apart(size, limit) == shown
