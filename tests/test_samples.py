"""The project's own sample pages raise exactly the findings their expected files list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor import audit_file
from auditor.models import SEVERITY_RANK

from .conftest import SAMPLES

EXPECTED = sorted(SAMPLES.glob("*.expected.json"))


def test_every_sample_has_an_expected_file() -> None:
    pages = sorted(p for p in SAMPLES.glob("*.html"))
    assert pages
    for page in pages:
        assert page.with_name(page.stem + ".expected.json").is_file(), f"{page.name} has no expected findings"


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_sample_findings(expected_path: Path) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    page = expected_path.with_name(expected_path.name.replace(".expected.json", ".html"))
    result = audit_file(page, url=expected["url"])
    assert result.error is None
    assert sorted({f.rule for f in result.findings}) == sorted(expected["findings"])
    assert result.metrics["affiliate_links"] == expected["affiliate_links"]
    disclosure = expected["disclosure"]
    assert result.disclosure.present == disclosure["present"]
    assert result.disclosure.kind == disclosure["kind"]
    assert result.disclosure.placement == disclosure["placement"]
    worst = max((SEVERITY_RANK[f.severity] for f in result.findings), default=0)
    assert worst == SEVERITY_RANK[expected["max_severity"]]


def test_seed_like_sample_points_at_the_plugs_and_copies() -> None:
    expected = json.loads((SAMPLES / "seed-like-news.expected.json").read_text(encoding="utf-8"))
    result = audit_file(SAMPLES / "seed-like-news.html", url=expected["url"])
    off_topic = [f for f in result.findings if f.rule == "content-off-topic-plug"]
    flagged = {result.blocks[f.block].text for f in off_topic if f.block is not None}
    for plug in expected["off_topic_plugs"]:
        assert any(text.startswith(plug) for text in flagged), plug
    for finding in off_topic:
        assert finding.block is not None
        assert result.blocks[finding.block].kind == "affiliate"
        assert finding.selector and finding.selector == result.blocks[finding.block].selector
    [copies] = [f for f in result.findings if f.rule == "repetition-disclosure"]
    assert copies.evidence["count"] == expected["repeated_disclosure_count"]
    assert copies.severity == "info"
    [late] = [f for f in result.findings if f.rule == "disclosure-after-link"]
    assert late.evidence["links_before"] >= 1
    first_link = next(link for link in result.links if link.affiliate)
    first_disclosure = result.disclosure.statements[0]
    assert result.blocks[first_link.block].position < result.blocks[first_disclosure.block].position


def test_clean_sample_has_no_error_or_warning() -> None:
    expected = json.loads((SAMPLES / "clean-review.expected.json").read_text(encoding="utf-8"))
    result = audit_file(SAMPLES / "clean-review.html", url=expected["url"])
    assert not [f for f in result.findings if f.severity in ("error", "warning")]
    assert result.score == 100
