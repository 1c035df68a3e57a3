"""The compiled reader of git's output (regtrack._gitparse) against the Python one.

Both turn `git log -z` records into the same rows: compared here on
generated messages built from the forms trailers take (and the near misses
around each rule), on every message body of the 2023 corpus used as a
commit message, and on a real repository scanned both ways.  The compiled
reader is built when a C compiler is at hand at install time; where it is
missing the tests skip, except under CI (``CI=true``), where it must be.
"""

from __future__ import annotations

import lzma
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regtrack import gitscan
from regtrack.errors import GitError
from regtrack.gitscan import CommitBatch, _parse, _parse_compiled
from regtrack.gitsync import scan_branch
from regtrack.store import Store
from tests.gitrepo import build_trees
from tests.paths import CORPUS_2023, in_ci, require


@pytest.fixture(autouse=True)
def compiled() -> None:
    if gitscan.COMPILED is None:
        message = "regtrack._gitparse is not built (no C compiler at install time)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


def records(messages: list[bytes], seed: int = 0) -> bytes:
    """`git log -z` output for commits with these raw messages."""
    rng = random.Random(seed)
    out = []
    for number, message in enumerate(messages):
        sha = f"{rng.getrandbits(160):040x}".encode()
        parent = f"{rng.getrandbits(160):040x}".encode()
        fields = [sha, parent, f"Dév {number}".encode(), b"dev@example.org", b"1690000000"]
        out.append(b"\0".join([*fields, b"1690000100", message.replace(b"\0", b"")]) + b"\0")
    return b"".join(out)


def both(data: bytes, size: int = 1_000_000) -> tuple[CommitBatch, CommitBatch]:
    """The batches the Python and the compiled reader make of ``data``."""
    python, compiled = CommitBatch(), CommitBatch()
    fields = data[:-1].decode(errors="replace").split("\0") if data else []
    start = 0
    while start < len(fields):
        start = _parse(Path("repo"), fields, start, python, size)
    start = 0
    while start < len(data):
        start = _parse_compiled(Path("repo"), memoryview(data), start, compiled, size)
    return python, compiled


def assert_same(data: bytes) -> CommitBatch:
    python, compiled = both(data)
    assert compiled.commits == python.commits
    assert compiled.refs == python.refs
    return compiled


# The pieces messages are made of: each rule's forms and the near misses around it.
KEYS = ["Link", "link", "LINK", "Closes", "closes", "Fixes", "FIXES", "fixes", "Reported-by",
        "reported-BY", "Reported-and-tested-by", "Reported-and-Tested-By", "Linx", "Fixes-by",
        "Signed-off-by", "Reported-by-x", "Cc"]  # fmt: skip
SEPARATORS = [": ", ":", ":\t", ":  \t ", " : ", ":\r", ": \x0b", ":\x1f"]
VALUES = [
    "https://patch.msgid.link/20230720.1-1-dev@example.org",
    "https://patch.msgid.link/20230720.1-1-dev@example.org/",
    "https://patch.msgid.link/20230720.1-1-dev@example.org//",
    "http://msgid.link/a@b",
    "https://msgid.link/@b",
    "https://msgid.link/a@",
    "https://msgid.link/a@b@c",
    "https://lore.kernel.org/all/87o7k0xh9u.fsf@nvdebian.thelocal/",
    "https://lore.kernel.org/linux-next/CA+abc%3Dx@mail.gmail.com/",
    "https://lore.kernel.org/r/20230101.abc@x.org).",
    "https://lore.kernel.org//x@y/",
    "https://lore.kernel.org/lkml/x@y/T/#u",
    "HTTPS://LORE.KERNEL.ORG/all/x@y/",
    "https://lore.kernel.org/all/<x@y>/",
    "https://bugzilla.kernel.org/show_bug.cgi?id=217000",
    "https://syzkaller.appspot.com/bug?extid=abc",
    "https://",
    "https:// x",
    "http:/x@y",
    "<https://lore.kernel.org/all/x@y/>",
    "https://lore.kernel.org/all/x@y/.,;:>)",
    "https://lore.kernel.org/all/x@y/ (the report)",
    '828fe4085cae ("mm: fix x")',
    '828FE4085CAE77AC ("mm: \\"quoted\\" x") and more',
    '828fe4085cae("a")',
    '828fe4085cae ( "a" ) "b" )',
    "828fe408",
    "828fe40",
    "828fe4085cae_",
    "828fe4085caeg",
    "a" * 40,
    "a" * 41,
    "828fe4085cae (mm: no quotes)",
    '828fe4085cae ("unterminated',
    "Reporter Name <reporter@example.org>",
    "Reporter Name <reporter@example.org>  \t",
    "Reporter Name <reporter@example.org>\r",
    "syzbot+0123456789abcdef@syzkaller.appspotmail.com",
    "Kleine-König <u@example.org>",
    "x\u00a0y",
    "",
]
LINES = [
    "",
    " ",
    "Some text about the change.",
    "This is commit 828fe4085cae upstream.",
    "commit 828fe4085cae77ac0123456789abcdef01234567 upstream.",
    "[ Upstream commit 828fe4085cae77ac0123456789abcdef01234567 ]",
    "This reverts commit 828fe4085cae77ac0123456789abcdef01234567.",
    "UPSTREAM is mentioned",
    "it REVERTS nothing",
    "   indented text",
    "\tLink: https://patch.msgid.link/t@x",
    "\r",
    "caf\u00e9",
    "\u2028",
    "> Link: https://lore.kernel.org/all/quoted@x/",
]


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    subject = draw(st.lists(st.sampled_from(["mm: fix x", "  lead", "tail\t", "a\rb", "caf\u00e9",
                                             "\x0cff", "x\x1fy", "", "two  words"]),
                            min_size=1, max_size=3))  # fmt: skip
    lines = ["\n".join(subject)]
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.booleans()):
            lead = draw(st.sampled_from(["", " ", "\t", "  \t"]))
            key, sep, value = (draw(st.sampled_from(part)) for part in (KEYS, SEPARATORS, VALUES))
            lines.append(f"{lead}{key}{sep}{value}")
        else:
            lines.append(draw(st.sampled_from(LINES)))
    lead = draw(st.sampled_from(["", "\n", "\n\n\n"]))
    blank = draw(st.sampled_from(["\n\n", "\n", "\n\n\n"]))
    tail = draw(st.sampled_from(["", "\n", "\n\n"]))
    text = lead + lines[0] + (blank + "\n".join(lines[1:]) if len(lines) > 1 else "") + tail
    encoding = draw(st.sampled_from(["utf-8", "latin-1"]))
    return text.encode(encoding, errors="replace")


def test_every_trailer_form_gives_the_same_rows() -> None:
    """Each key, separator and value above, in every combination, indented or not."""
    combinations = [
        f"mm: x\n\nText.\n{lead}{key}{sep}{value}\n".encode()
        for lead in ("", " \t")
        for key in KEYS
        for sep in SEPARATORS
        for value in VALUES
    ]
    batch = assert_same(records(combinations))
    assert len({kind for _, _, kind, _, _ in batch.refs}) == 4


def test_every_line_form_gives_the_same_rows() -> None:
    lines = [f"mm: x\n\n{line}\nLink: https://patch.msgid.link/a@b\n".encode() for line in LINES]
    assert_same(records(lines))


@given(st.lists(messages(), min_size=1, max_size=6))
@settings(max_examples=400, deadline=None)
def test_generated_messages_give_the_same_rows(batch: list[bytes]) -> None:
    assert_same(records(batch))


@pytest.mark.parametrize(
    "message",
    [
        pytest.param(
            b"mm: x\n\nLink: https://patch.msgid.link/a@b\nLink: https://patch.msgid.link/a@b\n",
            id="a trailer twice is one reference",
        ),
        pytest.param(b'mm: x\n\nFixes: 828fe4085cae ("a") ("b")\n', id="the last quote"),
        pytest.param(b"mm: x\n\nLink: https://lore.kernel.org/all/a%40b/\n", id="encoded id"),
        pytest.param(b"\n\n\nmm: x\n\n\nReported-by: R <r@x>\n", id="leading blank lines"),
        pytest.param(b"mm: x\nsecond\n\nCloses: https://msgid.link/a@b\n", id="two-line subject"),
        pytest.param(b"mm: x", id="subject only"),
        pytest.param(b"", id="empty message"),
        pytest.param(b"mm: x\n\nLink: https://patch.msgid.link/a@b\xff\n", id="not UTF-8"),
    ],
)
def test_each_rule_gives_the_same_rows(message: bytes) -> None:
    assert_same(records([message]))


def test_rows_are_the_same_for_every_corpus_message_as_a_commit_message() -> None:
    """All 5,005 real bodies: every trailer form, language and mail client seen in 2023."""
    corpus = require(CORPUS_2023, "the 2023 linux-next corpus")
    with lzma.open(corpus) as mbox:
        mails = mbox.read().split(b"\nFrom ")
    bodies = [mail.partition(b"\n\n")[2] for mail in mails]
    batch = assert_same(records(bodies))
    assert len(batch.commits) == len(bodies) == 5_005
    kinds = {kind for _, _, kind, _, _ in batch.refs}
    assert kinds == {"link", "closes", "fixes", "reported-by", "reverts"}


def test_the_batch_size_is_kept_and_rows_are_numbered_on() -> None:
    data = records([b"s\n\nLink: https://patch.msgid.link/%d@x\n" % n for n in range(5)])
    batch = CommitBatch()
    start = _parse_compiled(Path("repo"), memoryview(data), 0, batch, 3)
    assert len(batch) == 3
    assert _parse_compiled(Path("repo"), memoryview(data), start, batch, 10) == len(data)
    assert [index for index, *_ in batch.refs] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("sha", [b"not-a-sha", b"828FE4085CAE77AC0123456789ABCDEF01234567", b""])
def test_a_record_that_does_not_start_with_a_commit_id_is_a_git_error(sha: bytes) -> None:
    data = records([b"s"]).replace(records([b"s"])[:40], sha, 1)
    with pytest.raises(GitError, match="unexpected git log output near"):
        _parse_compiled(Path("repo"), memoryview(data), 0, CommitBatch(), 10)


def test_a_record_cut_short_is_a_git_error() -> None:
    data = records([b"s"])[:-3]
    with pytest.raises(GitError, match="unexpected git log output"):
        _parse_compiled(Path("repo"), memoryview(data), 0, CommitBatch(), 10)


def test_a_scan_stores_the_same_rows_either_way(
    tmp_path: Path, git_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    trees = build_trees(tmp_path / "repos", git_env)
    tables = []
    for compiled in (gitscan.COMPILED, None):
        monkeypatch.setattr(gitscan, "COMPILED", compiled)
        store = Store(tmp_path / f"{compiled is None}.db")
        for tree, branch in (("mainline", "master"), ("next", "next"), ("stable", "linux-6.4.y")):
            scan_branch(store, trees.repo.path, tree, branch)
        tables.append(
            [
                store.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("commits", "commit_refs")
            ]
        )
        store.close()
    assert tables[0] == tables[1]
    assert len(tables[0][0]) > 5
