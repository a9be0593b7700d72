"""Accuracy floors on the real-page corpus (issue: accuracy on real pages). A regression below a floor fails CI.

The floors are the project's promises, in sample (every page scored with all the knowledge, including what was
met on it; see `auditor eval`), and out of sample (`auditor eval --cv 5`, pinned at what it reaches):
affiliate links precision >= 0.98 and recall >= 0.95 per distinct href, overall and for each source; no
affiliate link claimed on lookalike or editorial pages; disclosure presence precision and recall >= 0.95;
placement right on >= 90% of pages; every labelled auto-affiliate script found.
"""

from __future__ import annotations

from typing import Any

import pytest

from auditor.evaluation import WEAK_TEXT_F1, evaluate, render_text

from .conftest import CORPUS, needs_corpus


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    return evaluate(CORPUS).summary()


@needs_corpus
def test_affiliate_links_overall_and_per_source(summary: dict[str, Any]) -> None:
    for name, tallies in [("overall", summary["overall"]), *summary["by_source"].items()]:
        links = tallies["links_distinct"]
        assert links["precision"] >= 0.98, (name, links)
        assert links["recall"] >= 0.95, (name, links)
    assert len(summary["by_source"]) == 4


@needs_corpus
def test_no_affiliate_links_claimed_on_negative_pages(summary: dict[str, Any]) -> None:
    assert summary["negative_pages"]["pages"] >= 40
    assert summary["negative_pages"]["claimed"] == []


@needs_corpus
def test_disclosure_presence_and_placement(summary: dict[str, Any]) -> None:
    overall = summary["overall"]
    assert overall["disclosure_presence"]["precision"] >= 0.95, overall["disclosure_presence"]
    assert overall["disclosure_presence"]["recall"] >= 0.95, overall["disclosure_presence"]
    assert overall["placement_accuracy"] >= 0.90, overall["placement_accuracy"]


@needs_corpus
def test_auto_affiliate_scripts_found(summary: dict[str, Any]) -> None:
    scripts = summary["auto_affiliate_scripts"]
    assert scripts["pages"] >= 15
    assert scripts["missed"] == []


@needs_corpus
def test_no_page_fails_to_audit(summary: dict[str, Any]) -> None:
    assert summary["errors"] == []
    assert summary["overall"]["pages"] >= 100


@pytest.fixture(scope="module")
def out_of_sample() -> dict[str, Any]:
    return evaluate(CORPUS, folds=5).summary()


@needs_corpus
def test_out_of_sample_floors(out_of_sample: dict[str, Any]) -> None:
    """Site-grouped 5-fold figures: each site scored without the knowledge first met on its own pages. Pinned at
    what the auditor reaches (raised as it improves); the goals are the in-sample floors above."""
    overall = out_of_sample["overall"]
    assert out_of_sample["validation"]["out_of_sample"]
    assert overall["links_distinct"]["precision"] >= 0.99, overall["links_distinct"]
    assert overall["links_distinct"]["recall"] >= 0.96, overall["links_distinct"]
    assert overall["disclosure_presence"]["precision"] >= 0.99, overall["disclosure_presence"]
    # the patterns, and the disclosure model where they find nothing (its threshold chosen inside each fold)
    assert overall["disclosure_presence"]["recall"] >= 0.97, overall["disclosure_presence"]
    assert overall["placement_accuracy"] >= 0.96, overall["placement_accuracy"]
    # every one, Booking.com's widget by its container (its loader's host is no programme's), found by a rule
    # written with that page in view: see the README
    assert out_of_sample["auto_affiliate_scripts"]["missed"] == []
    assert out_of_sample["negative_pages"]["claimed"] == []
    # 8 types, news 32% of pages; the mean of 5 shuffled site-grouped splits (one split moves by several points)
    assert overall["page_type_accuracy"] >= 0.55, out_of_sample["page_type_splits"]
    # the editorial blocks' text against the 37 human article bodies, with the ScrapingHub benchmark's measure, and
    # the article text (with the product boxes and disclosures of the main content), as extractors are measured
    assert overall["editorial_text"]["pages"] == overall["article_text"]["pages"] == 37
    assert overall["editorial_text"]["f1"] >= 0.95, overall["editorial_text"]
    assert overall["article_text"]["f1"] >= 0.955, overall["article_text"]


@needs_corpus
def test_the_editorial_text_of_each_page_is_listed_worst_first(out_of_sample: dict[str, Any]) -> None:
    """The per-page figures behind the averaged one, so that a user sees which pages the split reads wrong."""
    pages = out_of_sample["editorial_text_pages"]
    overall = out_of_sample["overall"]["editorial_text"]
    assert len(pages) == overall["pages"]
    assert [p["f1"] for p in pages] == sorted(p["f1"] for p in pages)
    assert sum(p["precision"] for p in pages) / len(pages) == pytest.approx(overall["precision"], abs=1e-3)
    report = render_text(out_of_sample)
    weak = [p for p in pages if p["f1"] < WEAK_TEXT_F1]
    assert f"editorial text under F1 {WEAK_TEXT_F1} ({len(weak)} of {len(pages)} pages" in report
    assert all(f"  {p['page']}: F1 {p['f1']:.3f}" in report for p in weak)
    assert all(f"  {p['page']}: F1" not in report for p in pages if p not in weak)
