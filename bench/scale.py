"""Ingest time and memory as the archive grows: 10k, 50k and 100k messages.

Run: ``.venv/bin/python bench/scale.py [--corpus PATH] [--dir DIR] [--sizes 10000,50000,100000]``

Builds a public-inbox v2 repository of 100,000 messages from the 2023
linux-next corpus (5,005 messages): copy ``k`` of every message gets its
message-ids rewritten (``<id>`` becomes ``<id.copyK>``, in Message-ID,
In-Reply-To and References alike, so threads stay threads) and its dates
moved ``k`` years on, so every copy is a distinct message.  The commits are
written with one ``git fast-import``.  Smaller sizes are epochs of their own
that borrow the big one's objects (``objects/info/alternates``) and point
at its 10,000th or 50,000th commit, so all sizes share one build.

Then ``regtrack ingest`` runs into a fresh database for each size, and the
wall time and the peak memory are printed: proportional set size (PSS, from
``/proc/<pid>/smaps_rollup``, so pages shared between the ingest process,
its fork server and its workers count once), summed over every process of
the run, sampled every 20 ms.  The repository goes to a temporary directory
unless ``--dir`` names one to keep (and reuse) between runs.

Figures, not assertions: they are read against the targets in bench/README.md.
"""

from __future__ import annotations

import argparse
import email.utils
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from common import DEFAULT_CORPUS, REPO, machine, run_ingest

sys.path.insert(0, str(REPO))
from regtrack.sources.mbox import MboxSource

_ID_HEADER = re.compile(rb"^(message-id|in-reply-to|references):", re.IGNORECASE)
_ANGLE_ID = re.compile(rb"<([^<>\s]+)>")
_DATE_HEADER = re.compile(rb"^date:[ \t]*(.*)$", re.IGNORECASE)
_YEAR = timedelta(days=365)


def rewrite(data: bytes, copy: int) -> tuple[bytes, int]:
    """Copy ``copy`` of a message: its ids renamed, its date moved on; (bytes, epoch seconds)."""
    head, sep, body = data.partition(b"\n\n")
    lines = head.split(b"\n")
    in_id_header = False
    stamp = 0
    for number, line in enumerate(lines):
        if line[:1] not in (b" ", b"\t"):
            in_id_header = _ID_HEADER.match(line) is not None
            date = _DATE_HEADER.match(line)
            if date:
                lines[number], stamp = _moved_date(date.group(1), copy)
                continue
        if in_id_header:
            lines[number] = _ANGLE_ID.sub(rb"<\1.copy%d>" % copy, line)
    return b"\n".join(lines) + sep + body, stamp


def _moved_date(value: bytes, copy: int) -> tuple[bytes, int]:
    try:
        when = email.utils.parsedate_to_datetime(value.decode("ascii", "replace"))
    except (TypeError, ValueError, IndexError):
        return b"Date: " + value, 0
    if when.tzinfo is None:
        return b"Date: " + value, 0
    moved = when + copy * _YEAR
    return b"Date: " + email.utils.format_datetime(moved).encode(), int(moved.timestamp())


def fast_import_stream(corpus: Path, count: int) -> Iterator[bytes]:
    """A ``git fast-import`` stream of ``count`` commits, one message each, in file ``m``."""
    originals = [mail.data for mail in MboxSource(corpus)]
    for number in range(count):
        copy, index = divmod(number, len(originals))
        data, stamp = rewrite(originals[index], copy)
        stamp = stamp or 1_690_000_000 + number
        yield (
            b"commit refs/heads/master\nmark :%d\n"
            b"committer bench <bench@example.invalid> %d +0000\n"
            b"data 2\nm\n" % (number + 1, stamp)
        )
        if number:
            yield b"from :%d\n" % number
        yield b"M 100644 inline m\ndata %d\n%s\n" % (len(data), data)


def build_inboxes(corpus: Path, root: Path, sizes: list[int]) -> dict[int, Path]:
    """One v2 inbox per size under ``root``; the largest holds the objects."""
    largest = max(sizes)
    big = root / f"inbox-{largest}"
    big_epoch = big / "git" / "0.git"
    marks = root / "marks"
    if not (big_epoch / "refs" / "heads" / "master").exists() and not _has_head(big_epoch):
        subprocess.run(["git", "init", "-q", "--bare", str(big_epoch)], check=True)
        proc = subprocess.Popen(
            ["git", f"--git-dir={big_epoch}", "fast-import", "--quiet", f"--export-marks={marks}"],
            stdin=subprocess.PIPE,
        )
        assert proc.stdin is not None
        for chunk in fast_import_stream(corpus, largest):
            proc.stdin.write(chunk)
        proc.stdin.close()
        if proc.wait() != 0:
            sys.exit("git fast-import failed")
        subprocess.run(
            ["git", f"--git-dir={big_epoch}", "symbolic-ref", "HEAD", "refs/heads/master"],
            check=True,
        )
    commit_of = dict(line.split() for line in marks.read_text().splitlines())
    inboxes = {largest: big}
    for size in sizes:
        if size == largest:
            continue
        epoch = root / f"inbox-{size}" / "git" / "0.git"
        if not _has_head(epoch):
            subprocess.run(["git", "init", "-q", "--bare", str(epoch)], check=True)
            (epoch / "objects" / "info" / "alternates").write_text(
                str((big_epoch / "objects").resolve()) + "\n"
            )
            subprocess.run(
                [
                    "git",
                    f"--git-dir={epoch}",
                    "update-ref",
                    "refs/heads/master",
                    commit_of[f":{size}"],
                ],
                check=True,
            )
            subprocess.run(
                ["git", f"--git-dir={epoch}", "symbolic-ref", "HEAD", "refs/heads/master"],
                check=True,
            )
        inboxes[size] = epoch.parent.parent
    return inboxes


def _has_head(epoch: Path) -> bool:
    done = subprocess.run(
        ["git", f"--git-dir={epoch}", "rev-parse", "--verify", "--quiet", "HEAD"],
        capture_output=True,
    )
    return done.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--dir", type=Path, help="keep the built repositories here")
    parser.add_argument("--sizes", default="10000,50000,100000")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus}")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.dir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        inboxes = build_inboxes(args.corpus, root, sizes)
        print(f"machine: {machine()}")
        for size in sizes:
            db = Path(tmp) / f"scale-{size}.db"
            seconds, summary, peak_kb = run_ingest(inboxes[size], db)
            print(
                f"{size:>7} messages: {seconds:7.1f} s  {summary['read'] / seconds:6.0f} msg/s  "
                f"peak PSS {peak_kb / 1024:5.0f} MB (all processes)  "
                f"{summary['new']} new, {sum(summary['skipped'].values())} skipped"
            )


if __name__ == "__main__":
    main()
