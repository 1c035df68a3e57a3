"""The seed mbox's 12 messages, parsed once for the extraction tests.

Tests name a message by its number in the seed README's table, so the file
can grow without shifting what each test means.
"""

from __future__ import annotations

import functools

from regtrack.mail import MailMessage, parse_message
from regtrack.sources import normalise_raw
from regtrack.sources.mbox import MboxSource
from tests.paths import SEED_MBOX, SEED_REGRESSION_THREAD, require, seed_msgid

CULPRIT = "828fe4085cae77acb3abf7dd3d25b3ed6c560edf"
CULPRIT_POSTING = (
    "9a02dde2f8ddaad2db31e54706a80c12d1817aaf.1689768831.git-series.apopple@nvidia.com"
)
SMATCH_REPORT = "38ed0627-1283-4da2-827a-e90484d7bd7d@moroto.mountain"


@functools.cache
def _seed() -> tuple[MailMessage, ...]:
    return tuple(parse_message(normalise_raw(mail.data)) for mail in MboxSource(SEED_MBOX))


def seed_messages() -> tuple[MailMessage, ...]:
    require(SEED_MBOX, "the seed thread")
    return _seed()


def seed_message(number: int) -> MailMessage:
    """The seed README's message ``number`` (1 to 12)."""
    msgid = seed_msgid(number)
    (found,) = (msg for msg in seed_messages() if msg.msgid == msgid)
    return found


def seed_replies() -> tuple[MailMessage, ...]:
    """The replies of the regression thread (messages 2, 3, 10 and 11)."""
    return tuple(msg for msg in seed_messages() if msg.msgid in SEED_REGRESSION_THREAD[1:])
