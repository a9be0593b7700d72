"""What a person reads: findings worst first, quotes cut at a word, counts in plain words."""

from __future__ import annotations

from pathlib import Path

from auditor import audit_file
from auditor.models import SEVERITY_RANK
from auditor.wording import clip, count

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_findings_come_worst_first_and_a_rule_keeps_its_findings_together() -> None:
    # the seed page has one error, several warnings and infos; by rule id the error sat between info lines
    findings = audit_file(SAMPLES / "seed-article.html").findings
    ranks = [SEVERITY_RANK[f.severity] for f in findings]
    assert ranks == sorted(ranks, reverse=True) and ranks[0] == SEVERITY_RANK["error"]
    places: dict[str, list[int]] = {}
    for i, finding in enumerate(findings):
        places.setdefault(finding.rule, []).append(i)
    assert all(p == list(range(p[0], p[-1] + 1)) for p in places.values())


def test_a_quote_is_cut_at_a_word_and_says_so() -> None:
    assert clip("Kettle A costs $165 at Fellows and boils fast", 24) == "Kettle A costs $165 at…"
    assert clip("short enough", 24) == "short enough"
    assert clip("  spaced \n out  ", 24) == "spaced out"
    # one word longer than the room has nowhere better to be cut
    assert clip("https://example.com/" + "a" * 50, 20) == "https://example.com…"
    assert len(clip("x" * 100, 20)) == 20


def test_counts_read_as_plain_words() -> None:
    assert count(1, "affiliate link") == "1 affiliate link"
    assert count(3, "affiliate link") == "3 affiliate links"
    assert count(0, "affiliate link") == "no affiliate links"
    assert count(2, "FAQ answer sentence") == "2 FAQ answer sentences"
    assert count(1200, "page") == "1,200 pages"
