"""Run b4's thread fetch in a child interpreter, so b4's globals stay out of regtrack.

b4 keeps its configuration in module globals (``b4.MAIN_CONFIG``,
``b4.LORENODE``); pointing it at a lore base means writing them.  This
script is run by :mod:`regtrack.sources.b4_thread` as its own process
(``python -P b4_child.py BASE MSGID REFRESH SINGLE``) and imports nothing
from regtrack.  It writes each message as ``<length>\\n<bytes>`` on stdout.

Exit status: 0 found; 2 the server has no such message; 3 the server could
not be reached or failed; 1 anything else.  The reason is the last line on
stderr.
"""

from __future__ import annotations

import errno
import logging
import resource
import signal
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

FOUND, FAILED, NOT_FOUND, UNREACHABLE = 0, 1, 2, 3
# liblore inflates whole answers in memory and b4 caches them on disk with no
# bound of its own: a few KB of gzip bomb once took 4 GB of memory and left a
# 2 GiB cache file.  The child's address space and file sizes are capped
# instead (the HTTP client's own ceilings are 64 MiB compressed and 512 MiB
# inflated; these leave room for Python and b4 themselves).
MAX_ADDRESS_SPACE = 2 * 1024**3
MAX_FILE_SIZE = 512 * 1024**2


def _limit_resources() -> None:
    """Cap memory and file sizes; an over-large write is an error, not a kill."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    for limit, value in (
        (resource.RLIMIT_AS, MAX_ADDRESS_SPACE),
        (resource.RLIMIT_FSIZE, MAX_FILE_SIZE),
    ):
        soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        if soft == resource.RLIM_INFINITY or soft > value:
            resource.setrlimit(limit, (value, hard))


def _same_server_only(base_url: str) -> Callable[..., None]:
    """A requests response hook refusing redirects to another scheme, host or port.

    The HTTP client follows redirects only within the lore base; b4's
    session would follow them anywhere, so the two ways could store mail
    from different servers.
    """
    import requests

    origin = urlsplit(base_url)[:2]

    def check(response: Any, *args: Any, **kwargs: Any) -> None:
        if response.is_redirect:
            target = urljoin(response.url, response.headers["location"])
            if urlsplit(target)[:2] != origin:
                raise requests.exceptions.InvalidURL(
                    f"{response.url} redirects to {target}, outside {base_url}; not followed"
                )

    return check


def main(argv: list[str]) -> int:
    base_url = argv[1]
    _limit_resources()
    try:
        return _fetch(argv)
    except MemoryError:
        print(
            f"{base_url}: the answer is too large (over {MAX_ADDRESS_SPACE >> 30} GiB in memory)",
            file=sys.stderr,
        )
    except OSError as exc:
        if exc.errno != errno.EFBIG:
            raise
        print(
            f"{base_url}: the answer is too large for b4's cache (over {MAX_FILE_SIZE >> 20} MiB)",
            file=sys.stderr,
        )
    return FAILED


def _fetch(argv: list[str]) -> int:
    base_url, msgid, refresh, single = argv[1], argv[2], argv[3] == "1", argv[4] == "1"
    try:
        import b4
        import liblore
        import requests
    except ImportError as exc:  # b4 is a dependency; a broken install says so
        print(f"--via b4 needs the b4 package: {exc}", file=sys.stderr)
        return FAILED
    logging.getLogger("b4").setLevel(logging.CRITICAL + 1)
    logging.getLogger("liblore").setLevel(logging.CRITICAL + 1)
    b4._setup_main_config()
    b4.MAIN_CONFIG["midmask"] = f"{base_url}%s"
    b4.MAIN_CONFIG["linkmask"] = f"{base_url}%s"
    # b4.get_pi_thread_by_msgid turns every failure into None; asking its
    # lore node first tells an absent message from an unreachable server,
    # and leaves the answer in b4's cache for the call that follows.
    session = requests.Session()
    session.headers["User-Agent"] = f"b4/{b4.__VERSION__}"  # as b4's own session says
    session.hooks["response"].append(_same_server_only(base_url))
    node = b4.get_lore_node()
    node.set_requests_session(session)
    try:
        node.get_mbox_by_msgid(msgid, nocache=refresh)
    except (requests.RequestException, liblore.RemoteError) as exc:
        if getattr(exc, "status_code", None) == 404:
            print(f"no such message {msgid!r} on {base_url}", file=sys.stderr)
            return NOT_FOUND
        print(f"{base_url}: b4 could not fetch {msgid!r}: {exc}", file=sys.stderr)
        return UNREACHABLE
    messages = b4.get_pi_thread_by_msgid(
        msgid,
        onlymsgids={msgid} if single else None,
        with_thread=not single,
        quiet=True,
    )
    if not messages:
        print(f"b4 found no thread for {msgid!r} on {base_url}", file=sys.stderr)
        return NOT_FOUND
    out = sys.stdout.buffer
    for message in messages:
        data = message.as_bytes(policy=liblore.emlpolicy)
        out.write(b"%d\n" % len(data))
        out.write(data)
    out.flush()
    return FOUND


if __name__ == "__main__":
    sys.exit(main(sys.argv))
