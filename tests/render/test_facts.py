"""What `regtrack show` prints of one message's facts."""

from __future__ import annotations

from regtrack.extract.facts import facts_of_message
from regtrack.render.facts import format_facts
from tests.extract.corpus import corpus_message


def test_a_build_failure_whose_log_was_lost_says_so() -> None:
    # "today's linux-next build (x86_64 allmodconfig) failed like this:" and no log after it
    facts = facts_of_message(corpus_message("20230116110811.4d361c15@canb.auug.org.au"))
    lines = format_facts(facts)
    at = next(i for i, line in enumerate(lines) if line.startswith("build failure"))
    assert lines[at].startswith("build failure (x86_64 allmodconfig) [signature ")
    assert lines[at + 1] == "  (the mail says so; it shows no diagnostic regtrack reads)"


def test_a_build_failure_lists_its_first_diagnostics() -> None:
    facts = facts_of_message(corpus_message("20230412123636.2358949-1-tmricht@linux.ibm.com"))
    lines = format_facts(facts)
    at = next(i for i, line in enumerate(lines) if line.startswith("build failure"))
    assert lines[at + 1] == "  error: btf_dumper.c:838 '__fallthrough' undeclared"
