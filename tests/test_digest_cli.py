"""``regtrack digest`` on the command line: the formats against the expected files, the mail
parsed with the stdlib ``email`` package, files, and one-line errors with exit 2."""

from __future__ import annotations

import email
import email.policy
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from regtrack.cli import main
from tests.digest_world import rid, world_db_fixture  # noqa: F401 (a fixture)
from tests.paths import TEST_DATA

GOLDEN = TEST_DATA / "digest"
W30 = ("--week", "2023-W30", "--now", "2023-07-31T06:00")


def run(*args: str) -> tuple[int, str, str]:
    """``regtrack ARGS`` as the console script runs it."""
    with CliRunner().isolation() as (stdout, stderr, _):
        code = main(list(args))
    return code, stdout.getvalue().decode(), stderr.getvalue().decode()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param((), "world-2023-W30.txt", id="text by default"),
        pytest.param(("--format", "markdown"), "world-2023-W30.md", id="markdown"),
        pytest.param(("--format", "json"), "world-2023-W30.json", id="json"),
        pytest.param(("--json",), "world-2023-W30.json", id="--json is --format json"),
    ],
)
def test_the_formats_print_the_expected_digest(
    world_db: Path, options: tuple[str, ...], expected: str
) -> None:
    code, out, err = run("digest", "--db", str(world_db), *W30, *options)
    assert (code, err) == (0, "")
    assert out == (GOLDEN / expected).read_text(encoding="utf-8")


def test_the_default_week_is_the_last_whole_one(world_db: Path) -> None:
    code, out, _ = run("digest", "--db", str(world_db), "--now", "2023-07-31T06:00")
    assert code == 0
    assert out == (GOLDEN / "world-2023-W30.txt").read_text(encoding="utf-8")


def test_since_and_until_and_trees(world_db: Path) -> None:
    code, out, _ = run(
        "digest", "--db", str(world_db), "--since", "2023-07-24", "--until", "2023-07-31",
        "--tree", "next", "--tree", "stable", "--now", "2023-08-01", "--json",
    )  # fmt: skip
    assert code == 0
    assert '"label": "2023-07-24..2023-07-31"' in out
    assert '"trees": [\n    "next",\n    "stable"\n  ]' in out
    assert rid("next") in out and rid("stable") in out and rid("fixed") not in out


def test_mail_is_a_complete_message(world_db: Path, tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'digest_from = "Regression Tracker <tracker@example.org>"\n'
        'digest_to = "regressions@lists.linux.dev, Linus Torvalds <torvalds@example.org>"\n'
        'digest_cc = "linux-kernel@vger.kernel.org"\n'
    )
    monkeypatch.setenv("REGTRACK_CONFIG", str(config))
    code, out, err = run("digest", "--db", str(world_db), *W30, "--mail")
    assert (code, err) == (0, "")
    message = email.message_from_string(out, policy=email.policy.default)
    assert message["From"] == "Regression Tracker <tracker@example.org>"
    assert message["To"] == "regressions@lists.linux.dev, Linus Torvalds <torvalds@example.org>"
    assert message["Cc"] == "linux-kernel@vger.kernel.org"
    assert message["Subject"] == "[regtrack] weekly regression report: 2023-W30"
    assert parsedate_to_datetime(message["Date"]).isoformat() == "2023-07-31T06:00:00+00:00"
    assert message["Message-ID"].endswith("@example.org>")
    assert message["MIME-Version"] == "1.0"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == (GOLDEN / "world-2023-W30.txt").read_text(encoding="utf-8")
    assert not message.defects
    again = run("digest", "--db", str(world_db), *W30, "--mail")[1]
    assert again == out  # the same mail, Message-ID included


def test_mail_without_config_has_the_defaults(world_db: Path) -> None:
    code, out, _ = run("digest", "--db", str(world_db), *W30, "--mail")
    message = email.message_from_string(out, policy=email.policy.default)
    assert (code, message["From"], message["To"], message["Cc"]) == (
        0, "regtrack <regtrack@localhost>", "regressions@lists.linux.dev", None,
    )  # fmt: skip


def test_html_to_a_file_has_the_chart_and_escapes_subjects(world_db: Path, tmp_path: Path) -> None:
    page = tmp_path / "digest.html"
    code, out, err = run(
        "digest", "--db", str(world_db), *W30, "--format", "html", "--output", str(page)
    )
    assert (code, out) == (0, "")
    assert err == f"digest of 2023-W30 written to {page}\n"
    html = page.read_text(encoding="utf-8")
    assert '<figure class="chart" id="weekly-chart"><svg' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html and "<img" not in html


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(("--week", "2023-W54"), "regtrack: error: --week '2023-W54': 2023 has no "
                     "ISO week 54\n", id="a week the year lacks"),
        pytest.param(("--week", "W30"), "regtrack: error: --week 'W30' is not an ISO week such "
                     "as 2023-W30\n", id="a week without its year"),
        pytest.param(("--now", "soon"), "regtrack: error: --now 'soon' is not a date "
                     "(2023-07-24 or 2023-07-24T12:00)\n", id="a now that is no date"),
        pytest.param(("--week", "2023-W30", "--until", "2023-08-01"), "regtrack: error: give "
                     "--week or --since/--until, not both\n", id="a week and an until"),
    ],
)  # fmt: skip
def test_bad_values_are_one_line_and_exit_2(
    world_db: Path, options: tuple[str, ...], message: str
) -> None:
    code, out, err = run("digest", "--db", str(world_db), *options)
    assert (code, out, err) == (2, "", message)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(("--tree", "mainlin"), id="a misspelt tree"),
        pytest.param(("--mail", "--format", "markdown"), id="a mail in markdown"),
        pytest.param(("--format", "pdf"), id="an unknown format"),
    ],
)
def test_bad_usage_exits_2(world_db: Path, options: tuple[str, ...]) -> None:
    code, out, err = run("digest", "--db", str(world_db), "--now", "2023-07-31", *options)
    assert (code, out) == (2, "")
    assert err.startswith("regtrack: error: regtrack digest: ") and err.count("\n") == 1
    assert err.endswith(" (see regtrack digest --help)\n")


def test_a_missing_database_is_an_error(tmp_path: Path) -> None:
    code, _, err = run("digest", "--db", str(tmp_path / "none.db"), *W30)
    assert code == 1
    assert err.startswith("regtrack: error: ") and err.count("\n") == 1
