"""What a person reads: findings worst first, quotes cut at a word, counts in plain words."""

from __future__ import annotations

from pathlib import Path

from auditor import audit_file, audit_html, to_dict
from auditor.models import SEVERITY_RANK
from auditor.report.render import render
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


def test_a_wrapper_named_like_a_footer_does_not_make_the_article_boilerplate() -> None:
    # a real page's `above-footer` wrapper once turned a 704-word article into footer boilerplate (37 words left)
    sentence = "The kettle boils water in three minutes, keeps it warm, and pours a steady, thin stream for coffee."
    body = "".join(f"<p>{sentence * 6} Paragraph {k}.</p>" for k in range(6))
    html = (
        '<html><body><header><nav><a href="/">Home</a> <a href="/about">About</a></nav></header>'
        f'<div class="above-footer" id="main-above-footer"><article><h1>Best kettles</h1>{body}</article></div>'
        "<footer><p>Copyright 2026 Example Media. All rights reserved.</p></footer></body></html>"
    )
    result = audit_html(html, url="https://example.com/kettles")
    article = sum(b.words for b in result.blocks if "Paragraph" in b.text)
    assert article > 600 and result.metrics["words_editorial"] >= article
    assert {b.region for b in result.blocks if "Paragraph" in b.text} == {"main"}


def text_report(name: str) -> str:
    return render(to_dict(audit_file(SAMPLES / f"{name}.html")), "text")


def test_the_text_report_says_where_each_finding_is_and_what_it_costs() -> None:
    shown = text_report("seed-article")
    lines = shown.splitlines()
    # the facts do not wrap mid-phrase when piped (100 columns), and counts read as words
    assert lines[1].strip().startswith("language en") and lines[1].rstrip().endswith("per 1,000 words)")
    assert lines[2].strip() == "disclosure: explains the earnings, after the first affiliate link"
    assert "affiliate link(s)" not in lines[1] and "4 affiliate links" in lines[1]
    # every finding names its element by selector and quotes it, cut at a word
    flat = " ".join(shown.split())
    assert "(block " not in flat
    assert flat.count("at #post-48213 > div:nth-of-type(1) >") >= 5
    assert "“As an affiliate, we earn on qualifying purchases.”" in flat
    # but not twice in one finding: the message of repetition-disclosure quotes the sentence itself
    assert flat.count("As an affiliate, we earn on qualifying purchases.") == 2
    # what a finding takes off the score is named, and one that takes nothing off shows nothing rather than 0
    assert "disclosure-after-link, −20 points" in flat
    assert "−0 " not in flat and "content-plugs, " not in flat
    assert not [line for line in lines if line != line.rstrip()]


def test_a_page_with_an_error_is_never_coloured_good() -> None:
    from auditor.report.grading import grade

    assert grade(80, [{"severity": "error"}]) == "poor"
    assert grade(92, [{"severity": "warning"}]) == "fair"
    assert grade(98, [{"severity": "info"}]) == "good"
    assert grade(40, []) == "poor"
