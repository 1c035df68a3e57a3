"""Fetch a thread through b4, for users whose b4 is already set up.

b4 (PyPI) reads its lore address from ``b4.midmask``; regtrack sets that to
the same base URL its own HTTP client uses, so ``--via b4`` and the default
path store identical messages.  b4 hands back parsed ``EmailMessage``
objects; they are serialised with b4's own policy (8-bit, no refolding),
which reproduces the bytes b4 parsed.  b4 caches in its own place
(``$XDG_CACHE_HOME/b4``), as b4 users expect; ``--refresh`` bypasses it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from regtrack.errors import FetchError
from regtrack.msgid import msgid_url_segment
from regtrack.sources import RawMail


class B4ThreadSource:
    """The thread of one message-id, as ``b4.get_pi_thread_by_msgid`` returns it."""

    kind = "b4"

    def __init__(
        self, base_url: str, msgid: str, refresh: bool = False, single: bool = False
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.msgid = msgid
        self.refresh = refresh
        self.single = single
        self.label = f"b4:{self.base_url}{msgid_url_segment(msgid)}/"
        self.key = self.label
        self.total: int | None = None

    def __iter__(self) -> Iterator[RawMail]:
        for index, raw in enumerate(self._fetch(), start=1):
            yield RawMail(raw, f"{self.label}#{index}")

    def _fetch(self) -> list[bytes]:
        try:
            import b4
            import liblore
        except ImportError as exc:  # b4 is a dependency; a broken install says so
            raise FetchError(f"--via b4 needs the b4 package: {exc}") from exc
        b4._setup_main_config()
        b4.MAIN_CONFIG["midmask"] = f"{self.base_url}%s"
        b4.MAIN_CONFIG["linkmask"] = f"{self.base_url}%s"
        b4.LORENODE = None  # rebuilt from midmask on the next call
        logging.getLogger("b4").setLevel(logging.ERROR)
        messages = b4.get_pi_thread_by_msgid(
            self.msgid,
            nocache=self.refresh,
            onlymsgids={self.msgid} if self.single else None,
            with_thread=not self.single,
            quiet=True,
        )
        if not messages:
            raise FetchError(f"b4 found no thread for {self.msgid!r} on {self.base_url}")
        return [msg.as_bytes(policy=liblore.emlpolicy) for msg in messages]
