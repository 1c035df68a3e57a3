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
SEED_MSGIDS = (
    SEED_REPORT,
    "ef712b76-ef8a-9c01-08e3-13a1ee5b00b4@linux.intel.com",
    "87o7k0xh9u.fsf@nvdebian.thelocal",
    "SJ1PR11MB6129F7EBFA84D6CBB6D78E8DB900A@SJ1PR11MB6129.namprd11.prod.outlook.com",
    "SJ1PR11MB6129F38F4B28D24A89D3E3A3B900A@SJ1PR11MB6129.namprd11.prod.outlook.com",
)


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
