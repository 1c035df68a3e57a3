"""The seed thread, parsed once for the extraction tests."""

from __future__ import annotations

import functools

from regtrack.mail import MailMessage, parse_message
from regtrack.sources import normalise_raw
from regtrack.sources.mbox import MboxSource
from tests.paths import SEED_MBOX, require

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
