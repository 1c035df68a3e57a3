"""Messages of the 2023 corpus, looked up by message-id for table tests.

The tests name messages by id and read them from ../shared/corpus; no
corpus mail is copied into the repository.
"""

from __future__ import annotations

import functools

from regtrack.mail import MailMessage, parse_message
from regtrack.sources import normalise_raw
from regtrack.sources.mbox import MboxSource
from tests.paths import CORPUS_2023, require


@functools.cache
def _corpus() -> dict[str, MailMessage]:
    messages: dict[str, MailMessage] = {}
    for mail in MboxSource(CORPUS_2023):
        parsed = parse_message(normalise_raw(mail.data))
        messages.setdefault(parsed.msgid, parsed)  # the first copy, as the store keeps
    return messages


def corpus_message(msgid: str) -> MailMessage:
    require(CORPUS_2023, "the 2023 linux-next corpus")
    return _corpus()[msgid]


def all_corpus_messages() -> list[MailMessage]:
    """Every message of the corpus, the first copy of each message-id."""
    require(CORPUS_2023, "the 2023 linux-next corpus")
    return list(_corpus().values())
