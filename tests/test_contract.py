"""The JSON output follows the contract in docs/architecture.md: keys, types and vocabularies."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from auditor.cli import main
from auditor.models import BLOCK_KINDS, DISCLOSURE_KINDS, PLACEMENTS, REGIONS, SEVERITIES

from .conftest import SAMPLES

PAGE_KEYS = {"schema", "url", "error", "language", "score", "metrics", "blocks", "links", "disclosure", "findings"}
METRIC_KEYS = {
    "words_editorial": int,
    "words_affiliate": int,
    "affiliate_links": int,
    "affiliate_links_per_1000_words": float,
}
BLOCK_KEYS = {
    "id": int,
    "kind": str,
    "region": str,
    "selector": str,
    "position": (int, float),
    "words": int,
    "text": str,
}
LINK_KEYS = {
    "href": str,
    "raw_href": str,
    "text": str,
    "block": int,
    "affiliate": bool,
    "network": (str, type(None)),
    "evidence": str,
    "rel": list,
}
FINDING_KEYS = {
    "rule": str,
    "severity": str,
    "message": str,
    "block": (int, type(None)),
    "selector": (str, type(None)),
    "evidence": dict,
}


def audit_json(name: str, url: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["audit", str(SAMPLES / name), "--url", url, "--format", "json"])
    assert result.exit_code in (0, 1), result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def check_page(page: dict[str, Any]) -> None:
    assert set(page) >= PAGE_KEYS
    assert page["schema"] == "auditor/page@1"
    assert isinstance(page["url"], str)
    assert page["error"] is None
    assert page["language"] is None or isinstance(page["language"], str)
    assert isinstance(page["score"], int) and 0 <= page["score"] <= 100
    for key, kind in METRIC_KEYS.items():
        assert isinstance(page["metrics"][key], kind), key
    blocks = page["blocks"]
    assert [b["id"] for b in blocks] == list(range(len(blocks)))
    for block in blocks:
        for key, kind in BLOCK_KEYS.items():
            assert isinstance(block[key], kind), key
        assert block["kind"] in BLOCK_KINDS
        assert block["region"] in REGIONS
        assert 0 <= block["position"] <= 1
        assert block["selector"]
    positions = [b["position"] for b in blocks]
    assert positions == sorted(positions)
    for link in page["links"]:
        for key, kind in LINK_KEYS.items():
            assert isinstance(link[key], kind), key
        assert link["href"].startswith(("http://", "https://"))
        assert 0 <= link["block"] < len(blocks)
        assert (link["network"] is not None) == link["affiliate"] or not link["affiliate"]
    disclosure = page["disclosure"]
    assert set(disclosure) >= {"present", "kind", "placement", "texts"}
    assert isinstance(disclosure["present"], bool)
    assert disclosure["kind"] in DISCLOSURE_KINDS
    assert disclosure["placement"] in PLACEMENTS
    assert all(isinstance(t, str) for t in disclosure["texts"])
    assert disclosure["present"] == bool(disclosure["texts"]) == (disclosure["kind"] != "none")
    for finding in page["findings"]:
        for key, kind in FINDING_KEYS.items():
            assert isinstance(finding[key], kind), key
        assert finding["severity"] in SEVERITIES
        if finding["block"] is not None:
            assert finding["selector"] == blocks[finding["block"]]["selector"]
    assert page["score"] == max(0, 100 - sum(f["weight"] for f in page["findings"]))


def test_seed_like_sample_follows_the_contract() -> None:
    page = audit_json("seed-like-news.html", "https://railledger.example/news/x/")
    check_page(page)
    assert page["metrics"]["affiliate_links"] == sum(link["affiliate"] for link in page["links"])
    kinds = {b["kind"] for b in page["blocks"]}
    assert {"editorial", "affiliate", "disclosure", "navigation"} <= kinds


def test_clean_sample_follows_the_contract() -> None:
    check_page(audit_json("clean-review.html", "https://counterandkettle.example/reviews/kettles/"))


def test_raw_href_is_the_attribute_and_href_is_absolute() -> None:
    page = audit_json("clean-review.html", "https://counterandkettle.example/reviews/kettles/")
    links = {link["raw_href"]: link for link in page["links"]}
    assert links["/reviews/"]["href"] == "https://counterandkettle.example/reviews/"
    awin = next(link for link in page["links"] if "awin1.com" in link["href"])
    assert "&amp;" not in awin["raw_href"]  # entities decoded, as the label files write hrefs
    assert awin["network"] == "awin" and awin["affiliate"]


def test_compact_records_are_the_contract() -> None:
    """The crawl and the batch write results with `compact` (orjson); it must write what the standard library
    writes, keys that are not strings included."""
    from auditor import audit_file
    from auditor.contract import compact, to_dict

    for sample in sorted(SAMPLES.glob("*.html")):
        result = audit_file(sample, url=f"https://example.com/{sample.stem}/")
        assert result.findings and result.blocks and result.links
        page = to_dict(result)
        assert json.loads(compact(page)) == json.loads(json.dumps(page))
    odd = {"counts": {3: "three", 1.5: "a half"}, "text": "é \u2028 <script>"}
    assert json.loads(compact(odd)) == json.loads(json.dumps(odd))
