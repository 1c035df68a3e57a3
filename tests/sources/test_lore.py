"""The lore HTTP client against a scripted server on 127.0.0.1: faults and cache."""

from __future__ import annotations

import email
import gzip
import os
import time
from pathlib import Path

import pytest

from regtrack.errors import FetchError, NotFoundError
from regtrack.sources.lore import USER_AGENT, LoreClient, LoreThreadSource
from tests.paths import (
    SEED_REGRESSION_THREAD,
    SEED_REPORT,
    SEED_SERIES_THREAD,
    seed_msgid,
)
from tests.servers import Answer, FaultServer, free_port, gzipped_mbox

SERIES_COVER = (
    "cover.1eca029b8603ef4eebe5b41eae51facfc5920c41.1690292440.git-series.apopple@nvidia.com"
)


class Waits(list):
    """Records the waits the client asks for instead of sleeping through them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(server_url: str, tmp_path: Path | None = None, **options) -> tuple[LoreClient, Waits]:
    waits = Waits()
    options = {"timeout": (2.0, 2.0), "retries": 3, "backoff": 0.5, **options}
    return LoreClient(server_url, tmp_path, sleep=waits, **options), waits


def test_thread_is_fetched_from_t_mbox_gz(fault_server: FaultServer, seed_mbox: Path) -> None:
    fault_server.script = [Answer(200, gzipped_mbox(seed_mbox))]
    lore, waits = client(fault_server.base_url)
    mails = list(LoreThreadSource(lore, SEED_REPORT))
    # The answer holds the whole seed mbox; only the report's own thread is kept.
    assert len(mails) == len(SEED_REGRESSION_THREAD)
    path, headers = fault_server.requests[0]
    assert path == f"/all/{SEED_REPORT}/t.mbox.gz"
    assert headers["User-Agent"] == USER_AGENT
    assert waits == []


def test_ids_with_slashes_are_escaped_in_the_url(fault_server: FaultServer) -> None:
    fault_server.script = [Answer(200, b"From mboxrd@z\nMessage-ID: <a/../b@x>\n\nbody\n")]
    lore, _ = client(fault_server.base_url)
    lore.raw_message("a/../b@x")
    assert fault_server.requests[0][0] == "/all/a%2F..%2Fb@x/raw"


def test_500_then_200_retries_with_backoff(fault_server: FaultServer, seed_mbox: Path) -> None:
    fault_server.script = [Answer(500), Answer(502), Answer(200, gzipped_mbox(seed_mbox))]
    lore, waits = client(fault_server.base_url)
    assert lore.thread_mbox(SEED_REPORT).startswith(b"From mboxrd@z")
    assert waits == [0.5, 1.0]
    assert len(fault_server.requests) == 3


def test_429_honours_retry_after(fault_server: FaultServer, seed_mbox: Path) -> None:
    fault_server.script = [
        Answer(429, headers={"Retry-After": "7"}),
        Answer(200, gzipped_mbox(seed_mbox)),
    ]
    lore, waits = client(fault_server.base_url)
    lore.thread_mbox(SEED_REPORT)
    assert waits == [7.0]


def test_retry_after_over_the_limit_is_a_clear_error(fault_server: FaultServer) -> None:
    fault_server.script = [Answer(429, headers={"Retry-After": "3600"})]
    lore, waits = client(fault_server.base_url, max_wait=60)
    with pytest.raises(FetchError, match=r"server asks to wait 3600s, over the 60s limit"):
        lore.thread_mbox(SEED_REPORT)
    assert waits == []


def test_persistent_5xx_gives_up_with_the_url(fault_server: FaultServer) -> None:
    fault_server.script = [Answer(503)] * 4
    lore, waits = client(fault_server.base_url)
    with pytest.raises(FetchError, match=r"t.mbox.gz: gave up after 4 attempts \(HTTP 503\)"):
        lore.thread_mbox(SEED_REPORT)
    assert waits == [0.5, 1.0, 2.0]


def test_404_says_no_such_message(fault_server: FaultServer) -> None:
    fault_server.script = [Answer(404)]
    lore, _ = client(fault_server.base_url)
    with pytest.raises(
        NotFoundError, match=rf"no such message 'nobody@x' on {fault_server.base_url}"
    ):
        lore.thread_mbox("nobody@x")
    assert len(fault_server.requests) == 1  # a 404 is final


def test_truncated_gzip_is_retried_then_reported(fault_server: FaultServer, seed_mbox) -> None:
    cut = gzipped_mbox(seed_mbox)[:-40]
    fault_server.script = [Answer(200, cut), Answer(200, cut)]
    lore, _ = client(fault_server.base_url, retries=1)
    with pytest.raises(FetchError, match=r"truncated or corrupt gzip from http://127.0.0.1"):
        lore.thread_mbox(SEED_REPORT)


def test_truncated_gzip_then_good_answer_succeeds(fault_server: FaultServer, seed_mbox) -> None:
    good = gzipped_mbox(seed_mbox)
    fault_server.script = [Answer(200, good[:-40]), Answer(200, good)]
    lore, _ = client(fault_server.base_url)
    assert lore.thread_mbox(SEED_REPORT) == seed_mbox.read_bytes()


def test_stalled_response_times_out_and_retries(fault_server: FaultServer, seed_mbox) -> None:
    good = gzipped_mbox(seed_mbox)
    fault_server.script = [Answer(200, good, stall=3.0), Answer(200, good)]
    lore, waits = client(fault_server.base_url, timeout=(1.0, 0.5))
    assert lore.thread_mbox(SEED_REPORT) == seed_mbox.read_bytes()
    assert waits == [0.5]


def test_trickling_server_hits_the_total_deadline(fault_server: FaultServer) -> None:
    body = gzip.compress(b"x" * 200)
    fault_server.script = [Answer(200, body, trickle=0.05)] * 2
    lore, _ = client(fault_server.base_url, retries=1, deadline=0.5)
    with pytest.raises(
        FetchError,
        match=r"gave up after 1 attempt within the 0.5s deadline for one fetch "
        r"\(download slower than the 0.5s deadline\)",
    ):
        lore.thread_mbox(SEED_REPORT)


def test_one_deadline_covers_every_attempt(fault_server: FaultServer) -> None:
    """Attempts that each end within the deadline still add up to one deadline.

    Each answer drips for 0.6 s and is then cut off; five attempts would take
    3 s, but the fetch's one 1 s deadline ends it after the second.
    """
    cut = gzip.compress(b"x" * 200)[:-8]
    fault_server.script = [Answer(200, cut, trickle=0.6 / len(cut))] * 5
    lore, _ = client(fault_server.base_url, retries=4, deadline=1.0, backoff=0.1)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"within the 1s deadline for one fetch"):
        lore.thread_mbox(SEED_REPORT)
    assert time.monotonic() - started < 2.0
    assert len(fault_server.requests) == 2


def test_dead_server_is_a_clear_error() -> None:
    lore, waits = client(f"http://127.0.0.1:{free_port()}/all/", retries=2)
    with pytest.raises(FetchError, match=r"gave up after 3 attempts \(connection failed"):
        lore.thread_mbox(SEED_REPORT)
    assert len(waits) == 2


def test_fetched_threads_are_cached(fault_server, seed_mbox, tmp_path: Path) -> None:
    fault_server.script = [Answer(200, gzipped_mbox(seed_mbox))] * 2
    lore, _ = client(fault_server.base_url, tmp_path)
    first = lore.thread_mbox(SEED_REPORT)
    assert lore.thread_mbox(SEED_REPORT) == first
    assert len(fault_server.requests) == 1
    lore.thread_mbox(SEED_REPORT, refresh=True)
    assert len(fault_server.requests) == 2
    cached = list((tmp_path / "threads").iterdir())
    assert len(cached) == 1 and SEED_REPORT not in cached[0].name


def test_damaged_cache_entry_is_fetched_again(fault_server, seed_mbox, tmp_path: Path) -> None:
    fault_server.script = [Answer(200, gzipped_mbox(seed_mbox))] * 2
    lore, _ = client(fault_server.base_url, tmp_path)
    lore.thread_mbox(SEED_REPORT)
    (entry,) = (tmp_path / "threads").iterdir()
    entry.write_bytes(entry.read_bytes()[:30])
    assert lore.thread_mbox(SEED_REPORT) == seed_mbox.read_bytes()
    assert len(fault_server.requests) == 2


def test_a_thread_without_the_asked_message_is_an_error(
    fault_server, seed_mbox, tmp_path: Path
) -> None:
    fault_server.script = [Answer(200, gzipped_mbox(seed_mbox))] * 2
    lore, _ = client(fault_server.base_url, tmp_path)
    for _ in range(2):  # not cached: asked again, the server is asked again
        with pytest.raises(FetchError, match=r"the server's thread names no message 'other@x'"):
            list(LoreThreadSource(lore, "other@x"))
    assert list((tmp_path / "threads").iterdir()) == []
    assert len(fault_server.requests) == 2


def test_the_thread_is_the_reply_graph_around_the_asked_message(
    fault_server: FaultServer, seed_mbox: Path
) -> None:
    """The seed holds two threads; each id brings only its own, through ghost parents too."""
    fault_server.script = [Answer(200, gzipped_mbox(seed_mbox))] * 2
    lore, _ = client(fault_server.base_url)
    report_thread = [_msgid(m.data) for m in LoreThreadSource(lore, seed_msgid(11))]
    assert sorted(report_thread) == sorted(SEED_REGRESSION_THREAD)
    series = [_msgid(m.data) for m in LoreThreadSource(lore, SERIES_COVER)]
    assert sorted(series) == sorted(SEED_SERIES_THREAD)


def _msgid(data: bytes) -> str:
    return email.message_from_bytes(data)["Message-ID"].strip("<>")


def test_a_full_disk_loses_the_cache_entry_not_the_thread(
    fault_server: FaultServer, seed_mbox: Path, tmp_path: Path
) -> None:
    """Writing the cache hits ENOSPC (/dev/full): a warning, the thread, no .tmp left."""
    fault_server.script = [Answer(200, gzipped_mbox(seed_mbox))]
    warnings: list[str] = []
    lore = LoreClient(fault_server.base_url, tmp_path, warn=warnings.append)
    entry = lore._cache_path(SEED_REPORT)
    assert entry is not None
    entry.parent.mkdir(parents=True)
    entry.with_suffix(f".tmp{os.getpid()}").symlink_to("/dev/full")
    assert lore.thread_mbox(SEED_REPORT) == seed_mbox.read_bytes()
    url = lore.message_url(SEED_REPORT, "t.mbox.gz")
    assert warnings == [f"{entry.parent}: cannot cache {url}: No space left on device"]
    assert list(entry.parent.iterdir()) == []
