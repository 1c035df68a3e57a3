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

import logging
import sys

FOUND, FAILED, NOT_FOUND, UNREACHABLE = 0, 1, 2, 3


def main(argv: list[str]) -> int:
    base_url, msgid, refresh, single = argv[1], argv[2], argv[3] == "1", argv[4] == "1"
    try:
        import b4
        import liblore
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
    try:
        b4.get_lore_node().get_mbox_by_msgid(msgid, nocache=refresh)
    except liblore.RemoteError as exc:
        if exc.status_code == 404:
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
