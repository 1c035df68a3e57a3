"""lore.kernel.org and any other public-inbox server, over HTTP with requests.

A whole thread comes from ``<base><msgid>/t.mbox.gz`` and a single message
from ``<base><msgid>/raw``, the endpoints public-inbox serves.  The client
is polite (a descriptive User-Agent, Retry-After honoured) and careful with
what comes back:

- it retries connection errors, 5xx, 429 and cut-off downloads with
  exponential backoff, within one deadline for the whole fetch (every
  attempt, wait and redirect), so a server trickling bytes cannot hang a run;
- it follows redirects only within the base URL's scheme and host, a
  bounded number of times, and says where any other redirect pointed;
- it decompresses in bounded steps under ceilings (:mod:`.inflate`);
- it caches a thread only once the answer parsed as mail, and checks a
  cached answer again before using it.

Any failure is one :class:`FetchError` line naming the URL.  liblore (the
client b4 builds on) was considered and not used here: it inflates whole
answers in memory and follows redirects to any host.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import io
import os
import time
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import requests
import urllib3

from regtrack import __version__
from regtrack.errors import ConfigError, FetchError, NotFoundError, SourceError
from regtrack.msgid import msgid_url_segment
from regtrack.sources import RawMail, SourceInfo, starts_with_header
from regtrack.sources.inflate import (
    MAX_COMPRESSED,
    MAX_INFLATED,
    CorruptData,
    UnknownEncoding,
    decode_content,
    gunzip_if_gzip,
    inflate,
)
from regtrack.sources.mbox import split_mbox
from regtrack.sources.threadfilter import connected_to

USER_AGENT = f"regtrack/{__version__} (Linux kernel regression tracker; python-requests)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
READ_SIZE = 64 * 1024


def normalise_base_url(url: str) -> str:
    """A public-inbox base URL with exactly one trailing slash, checked to be http(s).

    Every URL regtrack builds is ``<base><msgid>/<tail>``, so the slash
    matters; this is the one place that adds it.
    """
    try:
        parts = urllib.parse.urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ConfigError(f"{url!r} is not a valid lore base URL: {exc}") from exc
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise ConfigError(
            f"{url!r} is not a lore base URL: it must be http:// or https:// with a host, "
            "e.g. https://lore.kernel.org/all/"
        )
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc, path, "", ""))


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port (default ports filled in): what a redirect may not change."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return ("", url, None)
    return (parts.scheme.lower(), (parts.hostname or "").lower(), port)


class _ManualRedirectSession(requests.Session):
    """A session that leaves every redirect to :class:`LoreClient`.

    Even with ``allow_redirects=False`` requests parses a Location header
    (to offer the next request), and a malformed one raises there; here
    requests sees no redirect target at all.
    """

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None


class _Retryable(Exception):
    """An attempt failed in a way that another attempt may fix."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


class LoreClient:
    """Fetches threads and messages from one public-inbox base URL.

    ``timeout`` is (connect, read) seconds for each socket operation;
    ``deadline`` bounds a whole fetch, retries and redirects included.
    ``max_compressed`` and ``max_inflated`` bound one answer's size on the
    wire and after decompression.  ``sleep`` is injectable so tests can
    count waits rather than spend them.
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
        max_compressed: int = MAX_COMPRESSED,
        max_inflated: int = MAX_INFLATED,
        sleep: Callable[[float], None] = time.sleep,
        warn: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.deadline = deadline
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.max_compressed = max_compressed
        self.max_inflated = max_inflated
        self.sleep = sleep
        self.warn = warn
        self.session = _ManualRedirectSession()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept-Encoding"] = "gzip"  # the only coding decoded here

    def message_url(self, msgid: str, tail: str = "") -> str:
        return f"{self.base_url}{msgid_url_segment(msgid)}/{tail}"

    def thread_mbox(self, msgid: str, refresh: bool = False) -> bytes:
        """Everything the server calls the thread of ``msgid``, as mbox bytes (cached).

        That is more than the reply thread (see :mod:`.threadfilter`);
        :class:`LoreThreadSource` keeps only the messages connected to ``msgid``.
        """
        url = self.message_url(msgid, "t.mbox.gz")
        cached = self._cache_path(msgid)
        if cached is not None and not refresh:
            mbox = self._read_cache(cached)
            if mbox is not None:
                return mbox
        mbox = self._fetch(url, msgid, gunzip=True)
        check_mbox(mbox, url)
        if cached is not None:
            try:
                _write_atomically(cached, gzip.compress(mbox, compresslevel=6))
            except OSError as exc:  # a full disk loses the cache entry, not the thread
                self.warn(f"{cached.parent}: cannot cache {url}: {exc.strerror or exc}")
        return mbox

    def forget_thread(self, msgid: str) -> None:
        """Drop the cached thread of ``msgid``: an answer found wanting is not kept."""
        cached = self._cache_path(msgid)
        if cached is not None:
            cached.unlink(missing_ok=True)

    def raw_message(self, msgid: str) -> bytes:
        """One message as public-inbox serves it from ``/raw``.

        That is an mboxrd, not a bare message: an archive holding several
        copies of one Message-ID returns them all.
        """
        url = self.message_url(msgid, "raw")
        mbox = self._fetch(url, msgid, gunzip=False)
        check_mbox(mbox, url)
        return mbox

    def _cache_path(self, msgid: str) -> Path | None:
        """Cache file names are hashes: nothing from mail becomes a path."""
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.base_url}\0{msgid}".encode()).hexdigest()
        return self.cache_dir / "threads" / f"{key}.mbox.gz"

    def _read_cache(self, path: Path) -> bytes | None:
        """A cached thread, checked as a fresh answer would be; None (and gone) if bad.

        Older versions cached error pages; those are dropped here and fetched anew.
        """
        try:
            with open(path, "rb") as handle:
                mbox = self._collect(inflate(iter(lambda: handle.read(READ_SIZE), b"")), str(path))
            check_mbox(mbox, str(path))
        except FileNotFoundError:
            return None
        except (OSError, CorruptData, FetchError):
            path.unlink(missing_ok=True)
            return None
        return mbox

    def _fetch(self, url: str, msgid: str, gunzip: bool) -> bytes:
        """GET with retries within one deadline; returns the decompressed body."""
        started = time.monotonic()
        reasons: list[str] = []
        for attempt in range(self.retries + 1):
            try:
                return self._attempt(url, msgid, gunzip, started)
            except _Retryable as exc:
                reasons.append(str(exc))
                wait = exc.wait if exc.wait is not None else self.backoff * 2**attempt
            if wait > self.max_wait:
                raise FetchError(
                    f"{url}: server asks to wait {wait:.0f}s, over the {self.max_wait:.0f}s "
                    "limit; try again later"
                )
            if attempt == self.retries:
                break
            if time.monotonic() - started + wait >= self.deadline:
                raise FetchError(
                    f"{url}: gave up after {_attempts(attempt + 1)} within the {self.deadline:g}s "
                    f"deadline for one fetch ({reasons[-1]})"
                )
            self.sleep(wait)
        raise FetchError(f"{url}: gave up after {_attempts(self.retries + 1)} ({reasons[-1]})")

    def _attempt(self, url: str, msgid: str, gunzip: bool, started: float) -> bytes:
        try:
            with self._get_following_redirects(url, started) as resp:
                if resp.status_code == 404:
                    raise NotFoundError(f"no such message {msgid!r} on {self.base_url}")
                if resp.status_code in RETRY_STATUSES:
                    raise _Retryable(
                        f"HTTP {resp.status_code}", _retry_after(resp.headers.get("Retry-After"))
                    )
                if resp.status_code != 200:
                    raise FetchError(f"{url}: HTTP {resp.status_code} {resp.reason}")
                return self._read_body(resp, url, gunzip, started)
        except (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError) as exc:
            raise _Retryable(f"timed out ({type(exc).__name__})") from exc
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            raise _Retryable(f"connection failed ({type(exc).__name__})") from exc
        except urllib3.exceptions.ProtocolError as exc:  # cut off mid-body
            raise _Retryable(f"download failed ({type(exc).__name__})") from exc
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
            # Not worth another attempt: a bad URL or scheme, a malformed answer.
            raise FetchError(f"{url}: {type(exc).__name__}: {_one_line(exc)}") from exc
        except (ValueError, UnicodeError) as exc:  # what requests raises for some bad URLs
            raise FetchError(f"{url}: not a URL that can be fetched ({_one_line(exc)})") from exc

    def _get_following_redirects(self, url: str, started: float) -> requests.Response:
        """GET ``url``, following at most MAX_REDIRECTS redirects within the base's origin."""
        allowed = _origin(self.base_url)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            resp = self.session.get(
                current, timeout=self._timeout(started), stream=True, allow_redirects=False
            )
            location = resp.headers.get("Location")
            if resp.status_code not in REDIRECT_STATUSES or not location:
                return resp
            resp.close()
            try:
                target = urllib.parse.urljoin(current, location)
            except ValueError as exc:
                raise FetchError(
                    f"{url}: the server redirects to {location}, not a valid URL; not followed"
                ) from exc
            if _origin(target) != allowed:
                raise FetchError(
                    f"{url}: the server redirects to {target}, outside "
                    f"{self.base_url}; not followed (use --lore to fetch from that server)"
                )
            current = target
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects (the last to {current})")

    def _timeout(self, started: float) -> tuple[float, float]:
        """The socket timeouts, shortened to what is left of the fetch's deadline."""
        left = self.deadline - (time.monotonic() - started)
        if left <= 0:
            raise _Retryable(f"no answer within the {self.deadline:g}s deadline")
        connect, read = self.timeout
        return (min(connect, left), min(read, left))

    def _read_body(self, resp: requests.Response, url: str, gunzip: bool, started: float) -> bytes:
        """Read and decompress the body as it arrives, under the deadline and the ceilings.

        ``read1`` returns whatever has arrived, so a server sending one byte
        at a time (each within the read timeout) still meets the deadline.
        """
        length = resp.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.max_compressed:
            raise FetchError(
                f"{url}: answer of {length} bytes is over the {_mib(self.max_compressed)} limit"
            )
        received = 0

        def wire() -> Iterator[bytes]:
            nonlocal received
            while chunk := resp.raw.read1(READ_SIZE, decode_content=False):
                received += len(chunk)
                if received > self.max_compressed:
                    raise FetchError(
                        f"{url}: answer is over the {_mib(self.max_compressed)} download limit"
                    )
                if time.monotonic() - started > self.deadline:
                    raise _Retryable(f"download slower than the {self.deadline:g}s deadline")
                yield chunk

        try:
            body = decode_content(wire(), resp.headers.get("Content-Encoding", ""))
            if gunzip:
                body = gunzip_if_gzip(body)
            return self._collect(body, url)
        except CorruptData as exc:
            raise _Retryable(f"truncated or corrupt gzip from {url}: {exc}") from exc
        except UnknownEncoding as exc:
            raise FetchError(
                f"{url}: the server used Content-Encoding {exc}, never asked for"
            ) from exc

    def _collect(self, pieces: Iterator[bytes], url: str) -> bytes:
        """Join decompressed pieces, stopping at the inflated-size ceiling."""
        chunks = []
        size = 0
        for piece in pieces:
            size += len(piece)
            if size > self.max_inflated:
                raise FetchError(
                    f"{url}: answer inflates past the {_mib(self.max_inflated)} limit "
                    "(a compression bomb?); not stored"
                )
            chunks.append(piece)
        return b"".join(chunks)


def check_mbox(data: bytes, url: str) -> None:
    """Raise unless ``data`` is an mbox whose every record starts like a mail.

    public-inbox always answers with an mboxrd; an error page sent with
    status 200, an empty answer or a bare ``Status: 503`` text is not mail
    and must be neither stored nor cached.
    """
    if not data.strip():
        raise FetchError(f"{url}: the server sent an empty answer, not an mbox")
    if not data.startswith(b"From "):
        raise FetchError(f"{url}: the answer is not an mbox (it starts {_preview(data)})")
    try:
        for mail in split_mbox(io.BytesIO(data), url):
            if not starts_with_header(mail.data):
                raise FetchError(
                    f"{url}: the answer is not mail ({mail.where} starts {_preview(mail.data)})"
                )
    except SourceError as exc:  # split_mbox's only complaint: the last line is cut off
        if isinstance(exc, FetchError):
            raise
        raise FetchError(f"{url}: the answer is cut off mid-line; not stored") from exc


def _preview(data: bytes) -> str:
    return repr(data[:40].decode("utf-8", "replace").split("\n")[0])


def _attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


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
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


class LoreThreadSource:
    """The reply thread of one message-id, fetched from a public-inbox server."""

    def __init__(self, client: LoreClient, msgid: str, refresh: bool = False) -> None:
        self.client = client
        self.msgid = msgid
        self.refresh = refresh
        self.info = SourceInfo.for_url("lore", client.message_url(msgid))
        self.total: int | None = None

    def __iter__(self) -> Iterator[RawMail]:
        mbox = self.client.thread_mbox(self.msgid, refresh=self.refresh)
        thread = connected_to(split_mbox(io.BytesIO(mbox), self.info.label), self.msgid)
        if not thread:
            self.client.forget_thread(self.msgid)
            raise FetchError(
                f"{self.info.label}: the server's thread names no message {self.msgid!r}; "
                "nothing stored"
            )
        return iter(thread)


class LoreMessageSource:
    """One message alone (every copy the archive has), from ``<base><msgid>/raw``."""

    def __init__(self, client: LoreClient, msgid: str) -> None:
        self.client = client
        self.msgid = msgid
        self.info = SourceInfo.for_url("lore", client.message_url(msgid, "raw"))
        self.total: int | None = 1

    def __iter__(self) -> Iterator[RawMail]:
        return split_mbox(io.BytesIO(self.client.raw_message(self.msgid)), self.info.label)
