"""The web report in a real browser: Debian's Chromium, headless, driven by Playwright.

The site is written by ``regtrack report`` from the database of
tests/sitedata.py and opened on ``file://``, as a user opens it.  Chromium is
the system's (``/usr/bin/chromium``, Debian's ``chromium`` package);
Playwright's own browsers are never downloaded.  Where Chromium or
Playwright is missing these tests skip, saying so; under ``CI=true`` they
fail instead.  Screenshots go to ``$REGTRACK_ARTIFACTS`` when it is set,
else to the test's ``tmp_path``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from regtrack.cli import main
from tests import sitedata
from tests.paths import in_ci
from tests.sitedata import FROB, IMG, NOW, OLD, SCRIPT

ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    # Belt and braces: no name resolves, so nothing could leave the machine anyway.
    "--host-resolver-rules=MAP * ~NOTFOUND",
]  # fmt: skip


def _missing(what: str) -> None:
    message = f"{what}; the browser tests need it (apt-get install chromium, and the test extra)"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def chromium_path() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )
    if found is None:
        _missing("Debian's chromium is not installed (no chromium on PATH)")
    return str(found)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = sitedata.build_isolated(tmp_path_factory.mktemp("browserdb"))
    directory = tmp_path_factory.mktemp("browsersite") / "report"
    assert main(["report", "--html", str(directory), "--db", str(db), "--now", NOW]) == 0
    return directory


class Visit:
    """A page of the site in a fresh browser context, with everything it did recorded:
    each request, each dialog (dismissed), each console error."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        # Anything not on file:// is stopped before it leaves (and recorded above).
        self.context.route(
            "**/*", lambda route: route.continue_()
            if route.request.url.startswith("file://") else route.abort()
        )  # fmt: skip

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: Path) -> Any:
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[Visit]:
    opened = Visit(browser)
    yield opened
    opened.close()


@pytest.fixture
def artifacts(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """Where screenshots go: ``$REGTRACK_ARTIFACTS/<test>`` or the test's tmp_path."""
    root = os.environ.get("REGTRACK_ARTIFACTS")
    if not root:
        return tmp_path
    folder = Path(root) / re.sub(r"[^\w.-]+", "_", request.node.name)  # ids hold "<script>"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def visible_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "#regressions tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.id.slice(2))"
    )


def column(page: Any, number: int) -> list[str]:
    return page.eval_on_selector_all(
        "#regressions tbody tr",
        f"rows => rows.filter(r => !r.hidden).map(r => r.cells[{number}].textContent.trim())",
    )


def test_clicking_a_header_sorts_the_rows_both_ways(site: Path, visit: Visit, artifacts) -> None:
    page = visit.open(site / "index.html")
    titles = column(page, 5)
    assert len(titles) == 4
    page.click("#regressions th:nth-child(6) button")  # title
    assert column(page, 5) == sorted(titles, key=str.lower)
    assert page.get_attribute("#regressions th:nth-child(6)", "aria-sort") == "ascending"
    page.screenshot(path=str(artifacts / "index-by-title.png"), full_page=True)
    page.click("#regressions th:nth-child(6) button")
    assert column(page, 5) == sorted(titles, key=str.lower, reverse=True)
    assert page.get_attribute("#regressions th:nth-child(6)", "aria-sort") == "descending"
    # Ages sort as numbers of days (6d before 11d), not as text.
    page.click("#regressions th:nth-child(3) button")
    assert column(page, 2) == ["6d", "11d", "16d", "30d"]
    page.click("#regressions th:nth-child(3) button")
    assert column(page, 2) == ["30d", "16d", "11d", "6d"]
    assert visible_ids(page)[0] == OLD
    assert visit.errors == [] and visit.dialogs == []


def test_the_filters_hide_rows(site: Path, visit: Visit, artifacts) -> None:
    page = visit.open(site / "index.html")
    assert page.text_content("#shown") == "4 of 4 shown"
    page.fill("#filter", "alpha")
    assert visible_ids(page) == [OLD]
    assert page.text_content("#shown") == "1 of 4 shown"
    page.screenshot(path=str(artifacts / "index-filtered.png"), full_page=True)
    page.fill("#filter", "NULL pointer")  # every word, any case
    assert sorted(visible_ids(page)) == sorted([FROB, IMG, OLD, SCRIPT])
    page.fill("#filter", "")
    page.select_option("#status-filter", "fixed")
    assert visible_ids(page) == [FROB]
    page.select_option("#status-filter", "unresolved")
    assert sorted(visible_ids(page)) == sorted([IMG, OLD, SCRIPT])
    page.select_option("#tree-filter", "mainline")
    assert visible_ids(page) == []
    assert page.text_content("#shown") == "0 of 4 shown"


def test_a_regression_page_shows_its_history(site: Path, visit: Visit, artifacts) -> None:
    page = visit.open(site / "index.html")
    page.click(f"#r-{FROB} a")
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/regressions/{FROB}.html")
    events = page.eval_on_selector_all(
        "#history tbody tr", "rows => rows.map(r => r.cells[1].textContent)"
    )
    assert events == ["reported", "culprit", "fixed"]
    assert page.is_visible("#history")
    page.screenshot(path=str(artifacts / "regression.png"), full_page=True)
    if shutil.which("dot"):
        assert page.is_visible("#graph svg")
    assert visit.errors == [] and visit.dialogs == []


@pytest.mark.parametrize(
    "name",
    ["index.html", f"regressions/{SCRIPT}.html", f"regressions/{IMG}.html"],
    ids=["the index", "the page of the <script> subject", "the page of the <img> subject"],
)
def test_hostile_subjects_render_as_text_and_run_nothing(
    site: Path, visit: Visit, artifacts, name: str
) -> None:
    page = visit.open(site / name)
    page.wait_for_timeout(200)  # time for an injected handler, had there been one
    assert page.evaluate("window.pwned") is None
    assert visit.dialogs == []
    text = page.inner_text("body")
    if name == "index.html" or SCRIPT in name:
        assert "<script>window.pwned=1;alert(1)</script> NULL pointer" in text
    if name == "index.html" or IMG in name:
        assert '"><img src=x onerror="window.pwned=2;alert(2)"> NULL pointer' in text
        assert "Eve <b onmouseover=alert(3)>Evil" in text
    if IMG in name:
        assert "<script>window.pwned=5</script> the same bug" in text
    assert page.locator("img").count() == 0
    page.screenshot(path=str(artifacts / "hostile.png"), full_page=True)
    assert visit.errors == []


def test_the_chart_is_drawn_on_the_index_and_in_the_digests(
    site: Path, visit: Visit, artifacts
) -> None:
    page = visit.open(site / "index.html")
    box = page.locator("#chart svg").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    page.locator("#chart").screenshot(path=str(artifacts / "chart.png"))
    page.click("text=2023-W30")
    page.wait_for_load_state("load")
    assert page.url.endswith("/digest/2023-W30.html")
    assert page.locator("svg").count() == 1 and page.locator("svg").is_visible()
    text = page.inner_text("body")
    assert '"><img src=x onerror="window.pwned=2;alert(2)"> NULL pointer' in text
    assert page.evaluate("window.pwned") is None
    page.screenshot(path=str(artifacts / "digest.png"), full_page=True)
    assert visit.errors == [] and visit.dialogs == []


def test_no_request_leaves_file_urls(site: Path, visit: Visit) -> None:
    pages = [site / "index.html", *sorted((site / "regressions").iterdir())]
    for path in [*pages, *sorted((site / "digest").iterdir())]:
        visit.open(path)
    assert visit.requests, "the pages made no request at all, not even for themselves"
    assert [url for url in visit.requests if not url.startswith("file://")] == []
    assert any(url.endswith("/assets/site.js") for url in visit.requests)
    assert any(url.endswith("/assets/site.css") for url in visit.requests)
