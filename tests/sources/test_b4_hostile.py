"""``--via b4`` against a hostile server on 127.0.0.1.

b4 fetches through liblore, which inflates whole answers in memory, caches
them with no size bound and follows redirects to any host.  regtrack runs it
in a child process with its memory and file sizes capped and redirects kept
on the lore base's own server, as the HTTP client does.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from regtrack.errors import FetchError
from regtrack.sources.b4_child import MAX_FILE_SIZE
from regtrack.sources.b4_thread import B4ThreadSource
from tests.paths import SEED_REPORT
from tests.servers import Answer, FaultServer, free_port
from tests.sources.test_lore_hostile import gzip_bomb

GiB = 1024**3


def test_b4_refuses_a_redirect_to_another_server(fault_server: FaultServer) -> None:
    elsewhere = f"http://127.0.0.1:{free_port()}/all/{SEED_REPORT}/t.mbox.gz"
    fault_server.script = [Answer(302, headers={"Location": elsewhere})] * 10
    with pytest.raises(FetchError, match=r"redirects to .*outside .*not followed"):
        list(B4ThreadSource(fault_server.base_url, SEED_REPORT))


def test_b4_is_stopped_by_a_gzip_bomb_with_bounded_memory_and_cache(
    fault_server: FaultServer, isolated_home: Path
) -> None:
    bomb = gzip_bomb(3 * GiB)
    assert len(bomb) < 64 * 1024
    fault_server.script = [Answer(200, bomb, headers={"Content-Encoding": "gzip"})] * 10
    started = time.monotonic()
    with pytest.raises(FetchError, match="too large"):
        list(B4ThreadSource(fault_server.base_url, SEED_REPORT))
    assert time.monotonic() - started < 120
    cached = [p for p in (isolated_home / "cache").rglob("*") if p.is_file()]
    assert all(os.path.getsize(p) <= MAX_FILE_SIZE for p in cached)
