"""Fetch a thread through b4, for users whose b4 is already set up.

b4 (PyPI) reads its lore address from ``b4.midmask``; regtrack points it
at the same base URL its own HTTP client uses, so ``--via b4`` and the
default path store identical messages.  b4 keeps that setting in module
globals, so it runs in a child interpreter (:mod:`.b4_child`) and
regtrack's own process never imports b4.  b4 hands back parsed
``EmailMessage`` objects, serialised with b4's own policy (8-bit, no
refolding), which reproduces the bytes b4 parsed.  b4 caches in its own
place (``$XDG_CACHE_HOME/b4``), as b4 users expect; ``--refresh``
bypasses it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from regtrack.errors import FetchError, NotFoundError
from regtrack.msgid import msgid_url_segment
from regtrack.sources import RawMail, SourceInfo
from regtrack.sources.b4_child import NOT_FOUND
from regtrack.sources.lore import normalise_base_url

CHILD = Path(__file__).with_name("b4_child.py")
B4_TIMEOUT = 300.0  # seconds for b4's whole fetch, as for regtrack's own client


class B4ThreadSource:
    """The thread of one message-id, as ``b4.get_pi_thread_by_msgid`` returns it."""

    def __init__(
        self, base_url: str, msgid: str, refresh: bool = False, single: bool = False
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.msgid = msgid
        self.refresh = refresh
        self.single = single
        self.info = SourceInfo.for_url("b4", f"{self.base_url}{msgid_url_segment(msgid)}/")
        self.total: int | None = None

    def __iter__(self) -> Iterator[RawMail]:
        for index, raw in enumerate(self._fetch(), start=1):
            yield RawMail(raw, f"{self.info.label}#{index}")

    def _fetch(self) -> list[bytes]:
        # -P: the child's own directory (regtrack/sources) must not shadow modules.
        command = [sys.executable, "-P", str(CHILD), self.base_url, self.msgid]
        command += ["1" if self.refresh else "0", "1" if self.single else "0"]
        try:
            done = subprocess.run(command, capture_output=True, timeout=B4_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise FetchError(
                f"{self.info.label}: b4 did not finish within {B4_TIMEOUT:g}s"
            ) from exc
        if done.returncode != 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = lines[-1] if lines else f"b4 exited with status {done.returncode}"
            if done.returncode == NOT_FOUND:
                raise NotFoundError(reason)
            raise FetchError(reason if self.base_url in reason else f"{self.info.label}: {reason}")
        return _unframe(done.stdout, self.info.label)


def _unframe(data: bytes, label: str) -> list[bytes]:
    """Split the child's ``<length>\\n<bytes>`` records."""
    messages = []
    pos = 0
    while pos < len(data):
        newline = data.find(b"\n", pos)
        length = data[pos:newline]
        if newline < 0 or not length.isdigit():
            raise FetchError(f"{label}: b4's child process wrote something unexpected")
        start = newline + 1
        messages.append(data[start : start + int(length)])
        pos = start + int(length)
    return messages
