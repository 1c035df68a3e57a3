"""Any text in, facts out: no extractor raises, whatever the mail holds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from regtrack.extract.facts import extract_facts
from regtrack.extract.patches import patch_id

# Text made of the pieces extractors look for, so the search reaches them.
_PIECES = st.sampled_from(
    [
        "\n",
        "> ",
        ">",
        "commit 0123456789abcdef0123456789abcdef01234567\n",
        "Author: A <a@x>\n",
        "Date:   Mon\n",
        "    ",
        'Fixes: 0123456789ab ("',
        '")',
        "Link: ",
        "Closes: ",
        "https://lore.kernel.org/all/",
        "@",
        "x@y",
        "/T/#u",
        "Call Trace:\n",
        " ? ",
        "+0x1a/0x60",
        "[i915]",
        "RIP: 0010:",
        "pc : ",
        "BUG: KASAN: ",
        "WARNING: CPU: 0 PID: 1 at ",
        "CR2: 0010\n",
        "<4>[   76.1] ",
        "---[ end trace ]---\n",
        "Caused by commit\n\n  ",
        "is the first bad commit",
        "bisected it to ",
        "Reverting this fixes it",
        "#regzbot introduced: ",
        "#regzbot ",
        "^",
        "v6.5",
        "..",
        "next-20230720",
        "diff --git a/x b/x\n",
        "--- a/x\n",
        "+++ b/x\n",
        "@@ -1,2 +1,2 @@\n",
        "-a\n",
        "+b\n",
        " c\n",
        "x.c:1:2: error: ",
        "undefined reference to `",
        'ERROR: modpost: "',
        "-----Original Message-----\n",
        "From: A\nSent: B\n",
        "(",
        ")",
        "[PATCH v2 1/3] ",
        "Re: ",
        "linux-next: build failure after merge of the x tree",
    ]
)
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(subject=_TEXT, body=_TEXT)
def test_extract_facts_never_raises(subject: str, body: str) -> None:
    facts = extract_facts(subject, body)
    assert facts.classification is not None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_arbitrary_unicode_bodies(body: str) -> None:
    extract_facts("", body)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_patch_id_never_raises(text: str) -> None:
    result = patch_id(text)
    assert result is None or len(result) == 40
