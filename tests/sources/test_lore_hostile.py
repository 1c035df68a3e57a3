"""The lore client against a hostile server on 127.0.0.1: bombs, lies and redirects.

Every answer here once got past the client: a gzip bomb that filled
memory and was cached, error pages cached and stored as mail, redirects
followed to any host or ending in a traceback.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from regtrack.errors import ConfigError, FetchError
from regtrack.sources.inflate import CorruptData, inflate
from regtrack.sources.lore import LoreClient
from tests.paths import SEED_REPORT
from tests.servers import Answer, FaultServer, gzipped_mbox

MiB = 1024 * 1024


def client(server_url: str, cache: Path | None = None, **options) -> LoreClient:
    options = {"timeout": (2.0, 2.0), "retries": 1, "backoff": 0.01, **options}
    return LoreClient(server_url, cache, sleep=lambda _: None, **options)


def cached_entries(cache: Path) -> list[Path]:
    threads = cache / "threads"
    return sorted(threads.iterdir()) if threads.exists() else []


def gzip_bomb(inflated: int) -> bytes:
    """``Content-Encoding: gzip`` over a ``.gz`` of zeros: a few KB that inflate to ``inflated``.

    The inner layer is many copies of one gzip member of 16 MiB of zeros;
    the outer layer squeezes those identical members again.
    """
    member = gzip.compress(bytes(16 * MiB), compresslevel=9)
    return gzip.compress(member * (inflated // (16 * MiB)), compresslevel=9)


def test_gzip_bomb_is_stopped_at_the_ceiling_and_not_cached(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    bomb = gzip_bomb(256 * MiB)
    assert len(bomb) < 64 * 1024
    fault_server.script = [Answer(200, bomb, headers={"Content-Encoding": "gzip"})] * 2
    lore = client(fault_server.base_url, tmp_path, max_inflated=8 * MiB)
    for _ in range(2):
        with pytest.raises(FetchError, match=r"t\.mbox\.gz: answer inflates past the 8 MiB limit"):
            lore.thread_mbox(SEED_REPORT)
    assert cached_entries(tmp_path) == []
    assert len(fault_server.requests) == 2  # a bomb is not retried, and asked for again


def test_download_over_the_compressed_ceiling_is_refused(fault_server: FaultServer) -> None:
    fault_server.script = [Answer(200, gzip.compress(bytes(range(256)) * 400, compresslevel=0))]
    lore = client(fault_server.base_url, max_compressed=4096)
    with pytest.raises(
        FetchError, match=r"t\.mbox\.gz: answer of \d+ bytes is over the 0\.00390625 MiB"
    ):
        lore.thread_mbox(SEED_REPORT)


def test_gzip_content_encoding_over_a_gz_is_decoded_twice(
    fault_server: FaultServer, seed_mbox: Path
) -> None:
    twice = gzip.compress(gzipped_mbox(seed_mbox))
    fault_server.script = [Answer(200, twice, headers={"Content-Encoding": "gzip"})]
    assert client(fault_server.base_url).thread_mbox(SEED_REPORT) == seed_mbox.read_bytes()


def test_concatenated_gzip_members_inflate_whole() -> None:
    data = gzip.compress(b"From a\n") + gzip.compress(b"Subject: b\n")
    assert b"".join(inflate([data[:7], data[7:]])) == b"From a\nSubject: b\n"


def test_cut_off_compressed_data_is_reported() -> None:
    with pytest.raises(CorruptData):
        list(inflate([zlib.compress(b"x" * 1000)[:-4]]))


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        pytest.param(
            b"<!DOCTYPE html><html><body>Service unavailable</body></html>",
            r"not an mbox \(it starts '<!DOCTYPE html>",
            id="an HTML error page sent with status 200",
        ),
        pytest.param(
            b"Status: 503 Service Unavailable\n\nbusy, try later\n",
            r"not an mbox \(it starts 'Status: 503",
            id="a Status: 503 text page sent with status 200",
        ),
        pytest.param(b"", r"empty answer", id="an empty 200"),
        pytest.param(
            b"From mboxrd@z Thu Jan  1 00:00:00 1970\n<html>oops</html>\n",
            r"not mail",
            id="an mbox whose record is not a mail",
        ),
        pytest.param(
            b"From mboxrd@z Thu Jan  1 00:00:00 1970\nSubject: cut\n\nthe last li",
            r"the answer is cut off mid-line",
            id="an mbox cut off mid-line",
        ),
    ],
)
@pytest.mark.parametrize("compressed", [True, False], ids=["gzip", "plain"])
def test_an_answer_that_is_not_mail_is_an_error_and_not_cached(
    fault_server: FaultServer, tmp_path: Path, body: bytes, complaint: str, compressed: bool
) -> None:
    fault_server.script = [Answer(200, gzip.compress(body) if compressed else body)] * 2
    lore = client(fault_server.base_url, tmp_path)
    for _ in range(2):
        with pytest.raises(
            FetchError, match=rf"{fault_server.base_url}.*t\.mbox\.gz: .*{complaint}"
        ):
            lore.thread_mbox(SEED_REPORT)
    assert cached_entries(tmp_path) == []
    assert len(fault_server.requests) == 2


def test_a_cached_error_page_is_dropped_and_fetched_again(
    fault_server: FaultServer, seed_mbox: Path, tmp_path: Path
) -> None:
    """Caches written by earlier versions may hold error pages: they are checked too."""
    fault_server.script = [Answer(200, gzipped_mbox(seed_mbox))]
    lore = client(fault_server.base_url, tmp_path)
    entry = lore._cache_path(SEED_REPORT)
    assert entry is not None
    entry.parent.mkdir(parents=True)
    entry.write_bytes(gzip.compress(b"<html>502 Bad Gateway</html>"))
    assert lore.thread_mbox(SEED_REPORT) == seed_mbox.read_bytes()
    assert len(fault_server.requests) == 1


def test_redirect_within_the_base_is_followed(fault_server: FaultServer, seed_mbox) -> None:
    fault_server.script = [
        Answer(302, headers={"Location": "/all/elsewhere/t.mbox.gz"}),
        Answer(301, headers={"Location": f"{fault_server.base_url}again/t.mbox.gz"}),
        Answer(200, gzipped_mbox(seed_mbox)),
    ]
    assert client(fault_server.base_url).thread_mbox(SEED_REPORT) == seed_mbox.read_bytes()
    assert [path for path, _ in fault_server.requests][1:] == [
        "/all/elsewhere/t.mbox.gz",
        "/all/again/t.mbox.gz",
    ]


@pytest.mark.parametrize(
    ("location", "why"),
    [
        pytest.param("file:///etc/passwd", "outside {base}", id="to a local file"),
        pytest.param("ftp://127.0.0.1/pub/t.mbox.gz", "outside {base}", id="to ftp"),
        pytest.param(
            "https://{host}/all/x/t.mbox.gz", "outside {base}", id="to https on the same host"
        ),
        pytest.param("http://{other}/all/x/t.mbox.gz", "outside {base}", id="to another server"),
        pytest.param("http://[::1/all/x", "not a valid URL", id="to an invalid URL"),
    ],
)
def test_redirect_outside_the_base_is_refused_saying_where(
    fault_server: FaultServer, location: str, why: str
) -> None:
    other = FaultServer()
    try:
        target = location.format(
            host=fault_server.base_url.split("/")[2], other=other.base_url.split("/")[2]
        )
        fault_server.script = [Answer(302, headers={"Location": target})]
        with pytest.raises(FetchError) as caught:
            client(fault_server.base_url).thread_mbox(SEED_REPORT)
        reason = why.format(base=fault_server.base_url)
        assert f"redirects to {target}, {reason}; not followed" in str(caught.value)
        assert other.requests == []
    finally:
        other.stop()


def test_redirect_loop_is_a_one_line_error(fault_server: FaultServer) -> None:
    fault_server.script = [Answer(302, headers={"Location": "/all/loop/t.mbox.gz"})] * 10
    with pytest.raises(FetchError, match=r"t\.mbox\.gz: more than 5 redirects \(the last to "):
        client(fault_server.base_url).thread_mbox(SEED_REPORT)
    assert len(fault_server.requests) == 6


@pytest.mark.parametrize(
    "base",
    [
        pytest.param("ftp://127.0.0.1/all/", id="ftp"),
        pytest.param("file:///srv/lore/", id="a file URL"),
        pytest.param("127.0.0.1:8080/all/", id="no scheme"),
        pytest.param("http://127.0.0.1:99999/all/", id="a port out of range"),
        pytest.param("http://[::1/all/", id="a broken IPv6 host"),
    ],
)
def test_a_base_that_cannot_be_fetched_is_refused(base: str) -> None:
    with pytest.raises(ConfigError, match=r"is not a (valid )?lore base URL"):
        LoreClient(base)


def test_a_url_requests_rejects_is_an_error_not_a_traceback() -> None:
    """A host label over 63 characters passes urlsplit; requests raises InvalidURL."""
    lore = client(f"http://{'a' * 64}.invalid/all/")
    with pytest.raises(
        FetchError, match=r"t\.mbox\.gz: LocationParseError: .*label empty or too long"
    ):
        lore.thread_mbox(SEED_REPORT)
