"""Every way people write a message-id reduces to the same canonical id."""

from __future__ import annotations

import pytest

from regtrack.errors import InvalidMessageIdError
from regtrack.msgid import (
    msgid_from_reference,
    msgid_url_segment,
    normalise_msgid,
    parse_msgid_list,
    reference_base_url,
)

SEED = "SJ1PR11MB61296D265E3407D447188EF6B903A@SJ1PR11MB6129.namprd11.prod.outlook.com"
CULPRIT = "9a02dde2f8ddaad2db31e54706a80c12d1817aaf.1689768831.git-series.apopple@nvidia.com"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        pytest.param(SEED, SEED, id="a bare id stays as it is"),
        pytest.param(f"<{SEED}>", SEED, id="angle brackets are dropped"),
        pytest.param(f"  <{SEED}>\n", SEED, id="surrounding whitespace is dropped"),
        pytest.param(f"id:{SEED}", SEED, id="b4's id: prefix is dropped"),
        pytest.param(f"https://lore.kernel.org/r/{SEED}", SEED, id="a lore /r/ URL"),
        pytest.param(f"https://lore.kernel.org/all/{SEED}/", SEED, id="a lore /all/ URL"),
        pytest.param(
            f"https://lore.kernel.org/intel-gfx/{SEED}/T/#u", SEED, id="a list URL with T/#u"
        ),
        pytest.param(f"https://lore.kernel.org/linux-mm/{SEED}/t/", SEED, id="a list URL with t/"),
        pytest.param(f"https://lore.kernel.org/all/{SEED}/raw", SEED, id="a /raw URL"),
        pytest.param(f"https://lore.kernel.org/all/{SEED}/t.mbox.gz", SEED, id="a t.mbox.gz URL"),
        pytest.param(f"https://lore.kernel.org/all/{SEED}/#r", SEED, id="an #anchor tail"),
        pytest.param(f"https://lkml.kernel.org/r/{CULPRIT}", CULPRIT, id="an lkml.kernel.org URL"),
        pytest.param(f"https://patch.msgid.link/{CULPRIT}", CULPRIT, id="a patch.msgid.link URL"),
        pytest.param(
            "https://lore.kernel.org/all/20230725.abc%40example.org/",
            "20230725.abc@example.org",
            id="a percent-encoded @ in a URL",
        ),
        pytest.param(
            "20230725.abc%40example.org", "20230725.abc@example.org", id="a percent-encoded bare id"
        ),
        pytest.param(
            "https://lore.kernel.org/all/a%2Fb..c@example.org/",
            "a/b..c@example.org",
            id="a slash encoded as %2F stays inside the id",
        ),
        pytest.param("http://127.0.0.1:8089/all/x@y/", "x@y", id="a local public-inbox URL"),
    ],
)
def test_msgid_from_reference(written: str, expected: str) -> None:
    assert msgid_from_reference(written) == expected


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("", id="an empty string"),
        pytest.param("   ", id="only whitespace"),
        pytest.param("<>", id="empty brackets"),
        pytest.param("https://lore.kernel.org/", id="a lore URL without an id"),
        pytest.param("not a message id", id="words with spaces"),
    ],
)
def test_msgid_from_reference_rejects(written: str) -> None:
    with pytest.raises(InvalidMessageIdError):
        msgid_from_reference(written)


def test_normalise_msgid_removes_folding_whitespace() -> None:
    assert normalise_msgid("<abc\n def@example.org>") == "abcdef@example.org"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("<a@x> <b@x>\n <c@x>", ["a@x", "b@x", "c@x"], id="ids keep header order"),
        pytest.param("<a@x> <a@x> <b@x>", ["a@x", "b@x"], id="repeated ids are dropped"),
        pytest.param("a@x b@x", ["a@x", "b@x"], id="bare ids without brackets are read"),
        pytest.param("<a@x> (comment) garbage", ["a@x"], id="garbage beside ids is ignored"),
        pytest.param("no ids here", [], id="garbage alone gives nothing"),
    ],
)
def test_parse_msgid_list(header: str, expected: list[str]) -> None:
    assert parse_msgid_list(header) == expected


def test_url_segment_escapes_slash_like_public_inbox() -> None:
    assert msgid_url_segment("a/b@x") == "a%2Fb@x"
    assert (
        msgid_from_reference("https://lore.kernel.org/all/" + msgid_url_segment("a/b@x")) == "a/b@x"
    )


@pytest.mark.parametrize(
    ("written", "base"),
    [
        pytest.param(
            f"http://127.0.0.1:8080/all/{SEED}/", "http://127.0.0.1:8080/all/", id="a local server"
        ),
        pytest.param(
            f"https://lore.kernel.org/intel-gfx/{SEED}/T/#u",
            "https://lore.kernel.org/intel-gfx/",
            id="a list on lore",
        ),
        pytest.param(f"HTTPS://lore.kernel.org/r/{SEED}", None, id="lore's /r/ redirects"),
        pytest.param(
            f"http://mirror.example.org/lore/all/{SEED}/raw",
            "http://mirror.example.org/lore/all/",
            id="an inbox below a path",
        ),
        pytest.param(f"http://127.0.0.1:8080/{SEED}/", "http://127.0.0.1:8080/", id="the root"),
        pytest.param(f"https://lkml.kernel.org/r/{CULPRIT}", None, id="lkml.kernel.org redirects"),
        pytest.param(f"https://patch.msgid.link/{CULPRIT}", None, id="patch.msgid.link redirects"),
        pytest.param(SEED, None, id="a bare id names no server"),
        pytest.param(f"<{SEED}>", None, id="a bracketed id names no server"),
        pytest.param("https://lore.kernel.org/all/", None, id="a URL without an id"),
    ],
)
def test_a_url_names_its_server(written: str, base: str | None) -> None:
    assert reference_base_url(written) == base


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("a" * 5000 + "@example.org", id="a bare id"),
        pytest.param("https://lore.kernel.org/all/" + "a" * 5000 + "@x/", id="in a URL"),
    ],
)
def test_an_id_longer_than_a_mail_line_is_refused(written: str) -> None:
    with pytest.raises(InvalidMessageIdError, match=r"\.\.\.' is \d+ characters long, too long"):
        msgid_from_reference(written)
