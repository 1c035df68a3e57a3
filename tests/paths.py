"""Where the tests find the shared corpus, and how they react when it is absent.

A developer's own clone may lack ``../shared``: tests that need it skip with
the reason.  Under CI (``CI=true``) the corpus must be there, so they fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
SEED_MBOX = CORPUS / "seed" / "regression-in-linux-next-2023-07.mbox"
CORPUS_2023 = CORPUS / "linux-next-2023.mbox.xz"
EXAMPLE_THREAD = REPO / "data" / "example-thread.mbox"
TEST_DATA = REPO / "tests" / "data"

SEED_REPORT = "SJ1PR11MB61296D265E3407D447188EF6B903A@SJ1PR11MB6129.namprd11.prod.outlook.com"
# The seed mbox's 12 messages in file (Date:) order, numbered as in its README's table.
SEED_MSGIDS = (
    SEED_REPORT,  # 1 the report
    "ef712b76-ef8a-9c01-08e3-13a1ee5b00b4@linux.intel.com",  # 2 root cause
    "87o7k0xh9u.fsf@nvdebian.thelocal",  # 3 the inline fix
    "cover.1eca029b8603ef4eebe5b41eae51facfc5920c41.1690292440.git-series.apopple@nvidia.com",
    "ba5f0ec5fbc2ab188797524d3687e075e2412a2b.1690292440.git-series.apopple@nvidia.com",
    "e7a09081b3ac82a03c189409f1262fc2df91071e.1690292440.git-series.apopple@nvidia.com",
    "0287ae32d91393a582897d6c4db6f7456b1001f2.1690292440.git-series.apopple@nvidia.com",
    "90d749d03cbab256ca0edeb5287069599566d783.1690292440.git-series.apopple@nvidia.com",
    "6f77248cd25545c8020a54b4e567e8b72be4dca1.1690292440.git-series.apopple@nvidia.com",
    "SJ1PR11MB6129F7EBFA84D6CBB6D78E8DB900A@SJ1PR11MB6129.namprd11.prod.outlook.com",  # 10
    "SJ1PR11MB6129F38F4B28D24A89D3E3A3B900A@SJ1PR11MB6129.namprd11.prod.outlook.com",  # 11
    "169038781171.23469.1876193619740108366@emeril.freedesktop.org",  # 12 CI mail, no report
)
# The two threads the file holds (README: "Threading").
SEED_REGRESSION_THREAD = tuple(SEED_MSGIDS[n - 1] for n in (1, 2, 3, 10, 11))
SEED_SERIES_THREAD = tuple(SEED_MSGIDS[n - 1] for n in (4, 5, 6, 7, 8, 9, 12))


def seed_msgid(number: int) -> str:
    """The Message-ID of the seed README's message ``number`` (1 to 12)."""
    return SEED_MSGIDS[number - 1]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(path: Path, what: str) -> Path:
    """Return ``path``; skip (or under CI=true, fail) when it is missing."""
    if path.exists():
        return path
    message = f"{what} not found at {path} (clone with ../shared beside the repository)"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)
