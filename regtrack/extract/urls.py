"""The web links a message gives as evidence: CI results, logs, commits, bugs.

Reports point at their evidence: a CI results page and the machine's dmesg
(the seed report links intel-gfx-ci.01.org), KernelCI's and LKFT's logs,
syzbot's dashboard, git.kernel.org commits, bugzilla entries.  Each URL in
the author's own text is kept with a category; for Intel's and KernelCI's
CI the tree, tag and machine are read from the path.  (URLs that name a
message are :mod:`regtrack.extract.links`' business.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regtrack.extract.quoting import LabelledBody, Origin

MAX_URLS = 40
_URL = re.compile(r"https?://[^\s<>\"')\]]{1,2000}")
_CATEGORIES = (
    (
        "ci",
        (
            "intel-gfx-ci.01.org",
            "kernelci.org",
            "storage.kernelci.org",
            "syzkaller.appspot.com",
            "qa-reports.linaro.org",
            "lkft.validation.linaro.org",
            "tuxapi.tuxsuite.com",
            "storage.tuxsuite.com",
            "gitlab.freedesktop.org/drm/ci",
        ),
    ),
    ("git", ("git.kernel.org", "github.com", "gitlab.com", "gitlab.freedesktop.org")),
    (
        "bug",
        (
            "bugzilla.kernel.org",
            "bugzilla.redhat.com",
            "bugs.launchpad.net",
            "bugzilla.suse.com",
            "gitlab.freedesktop.org/drm/intel/-/issues",
        ),
    ),
    ("lore", ("lore.kernel.org", "lkml.kernel.org", "patch.msgid.link", "msgid.link")),
)
# https://intel-gfx-ci.01.org/tree/linux-next/next-20230720/bat-mtlp-6/dmesg0.txt
_INTEL_CI = re.compile(r"intel-gfx-ci\.01\.org/tree/([\w.-]+)/([\w.-]+)/([\w.-]+)/")
# https://storage.kernelci.org/next/master/next-20230110/arm64/defconfig/clang-16/lab-x/...
_KERNELCI = re.compile(r"storage\.kernelci\.org/([\w.-]+)/([\w.-]+)/([\w.-]+)/([\w.-]+)/")


@dataclass(frozen=True, slots=True)
class WebLink:
    """A URL of the author's own text; ``tree``/``tag``/``machine`` when a CI path tells."""

    url: str
    category: str  # ci, git, bug, lore, other
    line: int
    tree: str | None = None
    tag: str | None = None
    machine: str | None = None


def extract_web_links(body: LabelledBody) -> tuple[WebLink, ...]:
    """The first :data:`MAX_URLS` distinct URLs of the author's own text."""
    if "://" not in body.text:
        return ()
    found: dict[str, WebLink] = {}
    for match in _URL.finditer(body.text):
        url = match.group(0).rstrip(".,;:")
        if url in found or body.span_at(match.start()).origin is not Origin.OWN:
            continue
        found[url] = _link(url, body.line_number(match.start()))
        if len(found) >= MAX_URLS:
            break
    return tuple(found.values())


def _link(url: str, line: int) -> WebLink:
    place = url.split("://", 1)[1].lower()
    category = next(
        (name for name, hosts in _CATEGORIES if any(place.startswith(h) for h in hosts)), "other"
    )
    if match := _INTEL_CI.search(url):
        return WebLink(url, category, line, match.group(1), match.group(2), match.group(3))
    if match := _KERNELCI.search(url):
        return WebLink(url, category, line, match.group(1), match.group(3), None)
    return WebLink(url, category, line)
