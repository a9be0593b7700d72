"""The HTML report's words and numbers, without a browser: findings grouped under their rule with its plain why
and fix, plain labels for every raw value, the grade that an error caps, titles that say what was audited, and
pages that were not audited shown without a score."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from typing import Any

import pytest

from auditor import audit_file, to_dict
from auditor.contract import failed_page
from auditor.report import charts, html
from auditor.report.html import render, rule_groups
from auditor.report.labels import evidence_rows, points, site_heading
from auditor.rulefiles import load_rules
from auditor.site import assemble, from_results

from .conftest import SAMPLES

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
FRACTION = re.compile(r"\b0\.\d{2,}")


def sample(name: str) -> dict[str, Any]:
    expected = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return to_dict(audit_file(SAMPLES / f"{name}.html", url=expected["url"]))


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    return sample("seed-article")


def test_each_rule_once_with_its_plain_why_and_fix_never_its_description(
    seed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = {r.id: dataclasses.replace(r, why=f"WHY-{r.id} plainly.", fix=f"FIX-{r.id} plainly.") for r in load_rules()}
    monkeypatch.setattr(html, "_rules", lambda: rules)
    report = render(seed)
    ids = [f["rule"] for f in seed["findings"]]
    assert len(ids) > len(set(ids))  # the seed has rules with several findings
    for rule_id in set(ids):
        assert report.count(f"WHY-{rule_id} plainly.") == 1, rule_id
        assert report.count(f"FIX-{rule_id} plainly.") == 1, rule_id
        assert rules[rule_id].sources[0].replace("'", "&#39;") in report
    for rule in load_rules():
        assert rule.description[:60] not in report, rule.id


def test_a_rule_without_why_or_fix_shows_nothing_in_their_place(
    seed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = {r.id: dataclasses.replace(r, why="", fix="") for r in load_rules()}
    monkeypatch.setattr(html, "_rules", lambda: rules)
    report = render(seed)
    assert "Why it matters" not in report and "How to fix" not in report
    for rule in rules.values():
        assert rule.description[:60] not in report


def test_groups_keep_the_order_findings_come_in(seed: dict[str, Any]) -> None:
    groups = rule_groups(seed["findings"])
    assert [g["rule"] for g in groups] == list(dict.fromkeys(f["rule"] for f in seed["findings"]))
    assert sum(len(g["findings"]) for g in groups) == len(seed["findings"])


def test_weights_read_as_points_and_zero_as_none() -> None:
    assert points(0) == "no points" and points(None) == "no points"
    assert points(8) == "−8 points" and points(1) == "−1 point"


@pytest.mark.parametrize("name", ["seed-article", "seed-like-news", "clean-review", "hostile"])
def test_evidence_reads_in_words_and_percentages(name: str) -> None:
    for finding in sample(name)["findings"]:
        for row in evidence_rows(finding["rule"], finding["evidence"]):
            assert not SNAKE.search(row["label"]), row
            if row.get("form") in ("pct", "position", "int", "num", "words", "placement", "kind", "scripts"):
                assert not FRACTION.search(row["value"]) and not SNAKE.search(row["value"]), row


def test_evidence_of_any_shape_renders() -> None:
    rows = evidence_rows("x-rule", {"odd_key": {"a": 1}, "mixed": [1, "b", None], "flag": True, "share": 0.4236})
    shown = {r["label"]: r["value"] for r in rows if r["kind"] == "text"}
    assert shown == {"Odd key": "a", "Mixed": "1, b, None", "Flag": "yes", "Share": "42%"}
    assert evidence_rows("x-rule", "not a mapping") == []


def test_a_page_whose_one_finding_is_an_error_is_never_green(seed: dict[str, Any]) -> None:
    page = copy.deepcopy(seed)
    page["findings"] = [f for f in page["findings"] if f["severity"] == "error"][:1]
    page["score"] = 80
    assert 'class="score poor"' in render(page)
    site = assemble(from_results([page, sample("clean-review")]))
    report = render(site)
    assert 'class="pill poor"' in report and 'class="score poor"' in report  # the site holds an error


def test_titles_say_what_was_audited(seed: dict[str, Any]) -> None:
    def page(url: str, crawl: dict[str, Any]) -> dict[str, Any]:
        return {**seed, "url": url, "crawl": crawl}

    crawl = {
        "start_url": "https://www.kettles.example/",
        "pages": [page("https://www.kettles.example/a", {"depth": 1})],
    }
    assert site_heading(crawl)["title"] == "kettles.example"
    one = {"start_url": "", "pages": [page(f"https://kettles.example/{n}", {}) for n in range(3)]}
    assert site_heading(one)["title"] == "kettles.example"
    many = {"start_url": "https://a0.example/", "pages": [page(f"https://a{n}.example/", {}) for n in range(12)]}
    assert site_heading(many)["title"] == "12 sites"
    assert "and 9 more" in site_heading(many)["subtitle"]
    warcs = {"pages": [page(f"https://a{n}.example/", {"warc": f"part-{n % 4}.warc.gz"}) for n in range(12)]}
    assert site_heading(warcs)["title"] == "12 sites, 4 WARC files"
    files = {"pages": [page(f"file:///tmp/{n}.html", {}) for n in range(2)]}
    assert site_heading(files)["title"] == "2 files"


def test_pages_not_audited_have_no_score_and_a_reason(seed: dict[str, Any]) -> None:
    pdf = {**failed_page("https://kettles.example/guide.pdf", "not HTML (application/pdf); skipped"), "crawl": {}}
    site = assemble(from_results([seed, pdf]))
    report = render(site)
    row = report[report.index('data-status="not_audited"') :]
    row = row[: row.index("</tr>")]
    assert "not audited: not HTML (application/pdf); skipped" in row
    assert "pill" not in row and 'data-value="0"' not in row


def test_disclosure_breakdown_tells_no_links_from_undisclosed_links(seed: dict[str, Any]) -> None:
    no_links = {**seed, "metrics": {**seed["metrics"], "affiliate_links": 0}}
    no_links["disclosure"] = {**seed["disclosure"], "present": False, "placement": "none", "kind": "none"}
    undisclosed = {**seed, "disclosure": {**no_links["disclosure"]}}
    assert charts.disclosure_status(no_links) == "no_affiliate_links"
    assert charts.disclosure_status(undisclosed) == "undisclosed"
    assert charts.disclosure_status(seed) == "after_first_affiliate_link"
    found = charts.status_counts([no_links, undisclosed, seed])
    assert found["no_affiliate_links"] == found["undisclosed"] == found["after_first_affiliate_link"] == 1


def test_density_histogram_puts_every_page_in_one_bin() -> None:
    values = [0.0, 0.0, 0.5, 1.0, 1.5, 3.0, 7.0, 15.0, 20.0, 94.9]
    bars = charts.density_bars(values)
    assert sum(n for _, n, _ in bars) == len(values)
    assert [label for label, _, _ in bars] == ["0", "0–1", "1–2", "2–5", "5–10", "10–20", "20+"]
    assert [n for _, n, _ in bars] == [2, 2, 1, 1, 1, 2, 1]


def test_the_words_a_finding_is_about_are_marked_in_its_quote() -> None:
    page = to_dict(audit_file(SAMPLES / "seed-article.html"))
    shown = render(page)
    assert "<mark>software</mark>" in shown and "<mark>testing</mark>" in shown  # the off-topic plug's words
    assert "<mark>As an affiliate, we earn on qualifying purchases.</mark>" in shown


def test_marking_escapes_the_page_text_around_and_inside_the_mark() -> None:
    marked = html.highlight("<img src=x onerror=alert(1)> a <b>bold</b> claim", {"terms": ["<b>bold</b>"]})
    assert str(marked) == "&lt;img src=x onerror=alert(1)&gt; a <mark>&lt;b&gt;bold&lt;/b&gt;</mark> claim"
    assert str(html.highlight("no <i>mark</i>", {})) == "no &lt;i&gt;mark&lt;/i&gt;"
