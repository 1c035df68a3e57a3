"""Threads of real RFC 822 mail written in a test, ingested into a real SQLite file.

A test builds its messages with :func:`mail` (a reply names its parent, and
gets In-Reply-To and References the way a mail client writes them), writes
them as an mbox with :func:`write_mbox` and stores them with :func:`ingest_mails`,
which runs the real ingest: parsing, extraction and the tracking update.
:func:`run` runs the CLI as the console script does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from regtrack.cli import main
from regtrack.ingest import ingest
from regtrack.sources.mbox import MboxSource
from regtrack.state import regression_id
from regtrack.store import Store
from regtrack.store.regressions import Regression

REPORTER = "Ada Reporter <ada@example.org>"
DEVELOPER = "Dave Developer <dave@example.org>"
MAINTAINER = "Mia Maintainer <mia@example.org>"
TRACKER = "Thorsten Tracker <tracker@example.org>"
START = datetime(2023, 7, 10, 8, 0, tzinfo=UTC)

# A report the classifier scores well above the threshold: a "[REGRESSION]"
# subject, an oops with its call trace, and a bisect result.
CRASH_BODY = """\
Hi,

since next-20230710 my machine crashes at boot:

BUG: kernel NULL pointer dereference, address: 0000000000000008
#PF: supervisor read access in kernel mode
Oops: 0000 [#1] PREEMPT SMP NOPTI
CPU: 2 PID: 1 Comm: swapper/0 Not tainted 6.5.0-rc1-next-20230710 #1
RIP: 0010:{function}+0x1c/0x80
Call Trace:
 <TASK>
 {function}+0x1c/0x80
 foo_probe+0x4a/0x120
 really_probe+0x19b/0x3e0
 driver_probe_device+0x1e/0x90
 </TASK>

It worked with next-20230707.

Thanks,
Ada
"""


@dataclass(frozen=True, slots=True)
class Mail:
    """One message of a test thread; ``references`` are its ancestors, oldest first."""

    msgid: str
    subject: str
    body: str
    sender: str
    date: datetime
    references: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def url(self) -> str:
        return f"https://lore.kernel.org/all/{self.msgid}/"

    @property
    def id(self) -> str:
        """The id of the regression this mail would be the report of."""
        return regression_id(self.msgid)

    def as_bytes(self) -> bytes:
        lines = [
            f"From: {self.sender}",
            "To: linux-kernel@vger.kernel.org",
            "Cc: regressions@lists.linux.dev",
            f"Subject: {self.subject}",
            f"Date: {self.date.strftime('%a, %d %b %Y %H:%M:%S +0000')}",
            f"Message-ID: <{self.msgid}>",
        ]
        if self.references:
            lines.append(f"In-Reply-To: <{self.references[-1]}>")
            lines.append("References: " + " ".join(f"<{r}>" for r in self.references))
        lines += [f"{name}: {value}" for name, value in self.headers]
        lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
        return ("\n".join(lines) + "\n\n" + self.body.rstrip("\n") + "\n").encode()


def mail(
    msgid: str,
    body: str,
    *,
    subject: str | None = None,
    reply_to: Mail | None = None,
    sender: str = DEVELOPER,
    hours: float = 0,
    headers: Iterable[tuple[str, str]] = (),
) -> Mail:
    """A message ``hours`` after :data:`START`; a reply takes ``Re:`` and its parent's
    subject unless ``subject`` is given, and its parent's References plus the parent."""
    if reply_to is not None:
        references = (*reply_to.references, reply_to.msgid)
        if subject is None:
            subject = reply_to.subject
            subject = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    else:
        references = ()
    return Mail(
        msgid=msgid,
        subject=subject or "(no subject)",
        body=body,
        sender=sender,
        date=START + timedelta(hours=hours),
        references=references,
        headers=tuple(headers),
    )


def crash_report(
    msgid: str = "report-1@example.org",
    *,
    function: str = "bar_init",
    subject: str | None = None,
    hours: float = 0,
    extra: str = "",
    sender: str = REPORTER,
) -> Mail:
    """A report the classifier tracks by itself."""
    return mail(
        msgid,
        CRASH_BODY.format(function=function) + extra,
        subject=subject or f"[REGRESSION] foo: NULL pointer dereference in {function}",
        sender=sender,
        hours=hours,
    )


def write_mbox(path: Path, mails: Iterable[Mail]) -> Path:
    """The mails as an mboxrd file ("From " lines in bodies escaped)."""
    chunks = []
    for one in mails:
        raw = one.as_bytes()
        escaped = b"\n".join(
            b">" + line if line.lstrip(b">").startswith(b"From ") else line
            for line in raw.split(b"\n")
        )
        chunks.append(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + escaped + b"\n")
    path.write_bytes(b"".join(chunks))
    return path


@contextmanager
def opened(path: Path) -> Iterator[Store]:
    """A store on ``path``, closed afterwards."""
    store = Store(path)
    try:
        yield store
    finally:
        store.close()


_counter = iter(range(1_000_000))


def ingest_mails(store: Store, folder: Path, *mails: Mail) -> None:
    """Store ``mails`` with the real ingest (one mbox), which updates their records."""
    path = write_mbox(folder / f"mails-{next(_counter)}.mbox", mails)
    summary = ingest(store, [MboxSource(path)])
    assert not summary.errors and not summary.skipped, (summary.errors, summary.skipped)


def record(store: Store, report: Mail) -> Regression:
    """The regression ``report`` is the report of (failing when there is none)."""
    found = store.regression(report.id)
    assert found is not None, f"no regression for {report.msgid}: {_reports(store)}"
    return found


def _reports(store: Store) -> list[str]:
    return [r.report for r in store.regressions()]


def unhandled(store: Store) -> dict[str, list[tuple[str, str]]]:
    """The unhandled commands by message-id: (command as written, reason)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for entry in store.unhandled_commands():
        found.setdefault(entry.msgid, []).append((entry.command, entry.reason))
    return found


def snapshot(store: Store) -> str:
    """Every record and unhandled command as one JSON text, to compare two databases."""
    data: dict[str, Any] = {
        "regressions": sorted(
            (r.to_json() for r in store.regressions()), key=lambda r: str(r["id"])
        ),
        "unhandled": sorted(
            (
                [u.msgid, u.position, u.command, u.reason, u.at, u.regression_id]
                for u in store.unhandled_commands()
            ),
            key=lambda u: (str(u[0]), int(u[1] or 0)),
        ),
    }
    return json.dumps(data, sort_keys=True, indent=1)


def patch_body(path: str = "mm/foo.c", guard: str = "f") -> str:
    """A patch's body: a commit message, a Signed-off-by and a real diff of ``path``."""
    lines = [
        "The pointer may be NULL when the device has no bar, so check it before use.",
        "",
        "Signed-off-by: Dave Developer <dave@example.org>",
        "---",
        f" {path} | 2 ++",
        " 1 file changed, 2 insertions(+)",
        "",
        f"diff --git a/{path} b/{path}",
        "index 1111111..2222222 100644",
        f"--- a/{path}",
        f"+++ b/{path}",
        "@@ -10,6 +10,8 @@ int foo_init(void)",
        " {",
        f" \tstruct foo *{guard} = get_foo();",
        " ",
        f"+\tif (!{guard})",
        "+\t\treturn -ENODEV;",
        f" \treturn {guard}->bar;",
        " }",
        " ",
        "-- ",
        "2.41.0",
    ]
    return "\n".join(lines) + "\n"


# A fix proposed as a diff in a reply, as the seed's message 3 does.
INLINE_FIX = "\n".join(
    [
        "Does this help?",
        "",
        "diff --git a/drivers/foo/foo.c b/drivers/foo/foo.c",
        "index 3333333..4444444 100644",
        "--- a/drivers/foo/foo.c",
        "+++ b/drivers/foo/foo.c",
        "@@ -20,6 +20,8 @@ static int foo_probe(struct device *dev)",
        " {",
        " \tstruct bar *bar = dev_get_drvdata(dev);",
        " ",
        "+\tif (!bar)",
        "+\t\treturn -ENODEV;",
        " \treturn bar_init(bar);",
        " }",
        " ",
        "",
    ]
)


def run(*args: str) -> tuple[int, str, str]:
    """``regtrack ARGS`` as the console script runs it: (exit code, stdout, stderr)."""
    with CliRunner().isolation() as (stdout, stderr, _):
        code = main(list(args))
    return code, stdout.getvalue().decode(), stderr.getvalue().decode()


CULPRIT = "1f2e3d4c5b6a"
NOT_TRACKED = "a regzbot command in a thread not associated with a regression"


def plain_root(msgid: str = "hang@example.org", hours: float = 0) -> Mail:
    """A first mail the classifier does not take for a report: only a command can."""
    return mail(
        msgid,
        "Hi,\n\nmy laptop hangs on resume since the last update. Any idea?\n\nAda\n",
        subject="laptop hangs on resume",
        sender=REPORTER,
        hours=hours,
    )


def other_thread(hours: float = 0.5) -> tuple[Mail, Mail]:
    """A thread of two mails elsewhere, for monitor, link and unlink."""
    root = mail(
        "elsewhere@example.org",
        "Hi,\n\nthe same machine also loses its network after resume.\n",
        subject="network lost after resume",
        sender=REPORTER,
        hours=hours,
    )
    return root, mail(
        "elsewhere-reply@example.org", "Same here.\n", reply_to=root, hours=hours + 0.1
    )


def commands_in_replies(store: Store, folder: Path, report: Mail, *bodies: str) -> list[Mail]:
    """Ingest ``report`` and one reply to it per body, an hour apart; the replies."""
    replies = [
        mail(f"cmd-{n}@example.org", body, reply_to=report, sender=TRACKER, hours=n)
        for n, body in enumerate(bodies, start=1)
    ]
    ingest_mails(store, folder, report, *replies)
    return replies
