"""lore.kernel.org and any other public-inbox server, over HTTP with requests.

A whole thread comes from ``<base><msgid>/t.mbox.gz`` and a single message
from ``<base><msgid>/raw``, the endpoints public-inbox serves.  The client
is polite (a descriptive User-Agent, Retry-After honoured) and robust: it
retries connection errors, 5xx, 429 and cut-off downloads with exponential
backoff, bounds every download by a total deadline so a server trickling
bytes cannot hang a run, and caches fetched threads on disk.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import io
import os
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import requests
import urllib3

from regtrack import __version__
from regtrack.errors import FetchError, NotFoundError
from regtrack.msgid import msgid_url_segment
from regtrack.sources import RawMail
from regtrack.sources.mbox import split_mbox

USER_AGENT = f"regtrack/{__version__} (Linux kernel regression tracker; python-requests)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class _Retryable(Exception):
    """An attempt failed in a way that another attempt may fix."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


class LoreClient:
    """Fetches threads and messages from one public-inbox base URL.

    ``timeout`` is (connect, read) seconds for each socket operation;
    ``deadline`` bounds a whole download.  ``sleep`` is injectable so tests
    can count waits rather than spend them.
    """

    def __init__(
        self,
        base_url: str,
        cache_dir: Path | None = None,
        *,
        timeout: tuple[float, float] = (10.0, 30.0),
        deadline: float = 300.0,
        retries: int = 4,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.deadline = deadline
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def message_url(self, msgid: str, tail: str = "") -> str:
        return f"{self.base_url}{msgid_url_segment(msgid)}/{tail}"

    def thread_mbox(self, msgid: str, refresh: bool = False) -> bytes:
        """The whole thread holding ``msgid``, as mbox bytes (cached)."""
        cached = self._cache_path(msgid)
        if cached is not None and cached.is_file() and not refresh:
            try:
                return gzip.decompress(cached.read_bytes())
            except (OSError, EOFError, zlib.error):
                cached.unlink(missing_ok=True)  # a damaged cache entry: fetch anew
        url = self.message_url(msgid, "t.mbox.gz")
        compressed, mbox = self._fetch(url, msgid, gunzip=True)
        if cached is not None:
            if compressed is mbox:  # a proxy decoded it already; the cache holds gzip
                compressed = gzip.compress(mbox, compresslevel=6)
            _write_atomically(cached, compressed)
        return mbox

    def raw_message(self, msgid: str) -> bytes:
        """One message as public-inbox serves it from ``/raw``.

        That is an mboxrd, not a bare message: an archive holding several
        copies of one Message-ID returns them all.
        """
        return self._fetch(self.message_url(msgid, "raw"), msgid, gunzip=False)[1]

    def _cache_path(self, msgid: str) -> Path | None:
        """Cache file names are hashes: nothing from mail becomes a path."""
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.base_url}\0{msgid}".encode()).hexdigest()
        return self.cache_dir / "threads" / f"{key}.mbox.gz"

    def _fetch(self, url: str, msgid: str, gunzip: bool) -> tuple[bytes, bytes]:
        """GET with retries; returns (bytes as sent, decompressed bytes)."""
        reasons = []
        wait = 0.0
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(wait)
            try:
                body = self._attempt(url, msgid)
                return body, _gunzip(body, url) if gunzip else body
            except _Retryable as exc:
                reasons.append(str(exc))
                wait = exc.wait if exc.wait is not None else self.backoff * 2**attempt
                if wait > self.max_wait:
                    raise FetchError(
                        f"{url}: server asks to wait {wait:.0f}s, over the {self.max_wait:.0f}s "
                        "limit; try again later"
                    ) from exc
        raise FetchError(f"{url}: gave up after {self.retries + 1} attempts ({reasons[-1]})")

    def _attempt(self, url: str, msgid: str) -> bytes:
        started = time.monotonic()
        try:
            with self.session.get(url, timeout=self.timeout, stream=True) as resp:
                if resp.status_code == 404:
                    raise NotFoundError(f"no such message {msgid!r} on {self.base_url}")
                if resp.status_code in RETRY_STATUSES:
                    raise _Retryable(
                        f"HTTP {resp.status_code}", _retry_after(resp.headers.get("Retry-After"))
                    )
                if resp.status_code != 200:
                    raise FetchError(f"{url}: HTTP {resp.status_code} {resp.reason}")
                return self._read_body(resp, started)
        except (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError) as exc:
            raise _Retryable(f"timed out ({type(exc).__name__})") from exc
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            raise _Retryable(f"connection failed ({type(exc).__name__})") from exc
        except urllib3.exceptions.HTTPError as exc:  # cut off mid-body, protocol errors
            raise _Retryable(f"download failed ({type(exc).__name__})") from exc

    def _read_body(self, resp: requests.Response, started: float) -> bytes:
        """Read the body as it arrives, checking the total deadline after each piece.

        ``read1`` returns whatever has arrived, so a server sending one byte
        at a time (each within the read timeout) still meets the deadline.
        """
        chunks = []
        while chunk := resp.raw.read1(64 * 1024, decode_content=True):
            chunks.append(chunk)
            if time.monotonic() - started > self.deadline:
                raise _Retryable(f"download slower than the {self.deadline:g}s deadline")
        return b"".join(chunks)


def _gunzip(body: bytes, url: str) -> bytes:
    """Decompress a ``.gz`` answer; a cut-off one is worth another attempt."""
    if not body.startswith(b"\x1f\x8b"):
        return body  # the server (or a proxy) already decoded it
    try:
        return gzip.decompress(body)
    except (EOFError, OSError, zlib.error) as exc:
        raise _Retryable(f"truncated or corrupt gzip from {url}") from exc


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class LoreThreadSource:
    """The thread of one message-id, fetched from a public-inbox server."""

    kind = "lore"

    def __init__(self, client: LoreClient, msgid: str, refresh: bool = False) -> None:
        self.client = client
        self.msgid = msgid
        self.refresh = refresh
        self.label = client.message_url(msgid)
        self.key = f"lore:{self.label}"
        self.total: int | None = None

    def __iter__(self) -> Iterator[RawMail]:
        mbox = self.client.thread_mbox(self.msgid, refresh=self.refresh)
        return split_mbox(io.BytesIO(mbox), self.label)


class LoreMessageSource:
    """One message alone (every copy the archive has), from ``<base><msgid>/raw``."""

    kind = "lore"

    def __init__(self, client: LoreClient, msgid: str) -> None:
        self.client = client
        self.msgid = msgid
        self.label = client.message_url(msgid, "raw")
        self.key = f"lore:{self.label}"
        self.total: int | None = 1

    def __iter__(self) -> Iterator[RawMail]:
        return split_mbox(io.BytesIO(self.client.raw_message(self.msgid)), self.label)
