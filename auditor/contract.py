"""The JSON contract (schemas auditor/page@1 and auditor/site@1): a page result as plain data. Pages, crawls,
batches and reports all speak it, so it lives beside the models, below every part that reads or writes it."""

from __future__ import annotations

from typing import Any

import orjson

from auditor import __version__, native
from auditor.models import Disclosure, PageResult

PAGE_SCHEMA = "auditor/page@1"
SITE_SCHEMA = "auditor/site@1"


def to_dict(result: PageResult) -> dict[str, Any]:
    """The page result as the JSON contract describes it (keys in the contract's order, extras after)."""
    disclosure = result.disclosure
    return {
        "schema": PAGE_SCHEMA,
        "url": result.url,
        "error": result.error,
        "language": result.language,
        "score": result.score,
        "metrics": result.metrics,
        "blocks": [
            {
                "id": b.id,
                "kind": b.kind,
                "region": b.region,
                "selector": b.selector,
                "position": b.position,
                "words": b.words,
                "text": b.text,
                "tag": b.tag,
                "heading": b.heading,
                "hidden": b.hidden,
            }
            for b in result.blocks
        ],
        "links": [
            {
                "href": link.href,
                "raw_href": link.raw_href,
                "text": link.text,
                "block": link.block,
                "affiliate": link.affiliate,
                "network": link.network,
                "evidence": link.evidence,
                "rel": list(link.rel),
                "merchant": link.merchant,
            }
            for link in result.links
        ],
        "disclosure": {
            "present": disclosure.present,
            "kind": disclosure.kind,
            "placement": disclosure.placement,
            "texts": list(disclosure.texts),
            "statements": [
                {
                    "text": s.text,
                    "kind": s.kind,
                    "block": s.block,
                    "region": s.region,
                    "vague_terms": list(s.vague_terms),
                    "hidden": s.hidden,
                    "trails_link": s.trails_link,
                }
                for s in disclosure.statements
            ],
        },
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
                "block": f.block,
                "selector": f.selector,
                "evidence": f.evidence,
                "weight": f.weight,
                "title": f.title,
            }
            for f in result.findings
        ],
        "auto_affiliate_scripts": [{"service": s.service, "evidence": s.evidence} for s in result.scripts],
        "title": result.title,
        "canonical": result.canonical,
        "notes": list(result.notes),
        "robots": {"noindex": result.noindex, "nofollow": result.nofollow},
        "page_type": (
            {"type": result.page_type.type, "confidence": round(result.page_type.confidence, 3)}
            if result.page_type
            else None
        ),
        "rules_passed": list(result.rules_passed),
        "tool": tool(),
    }


def compact(data: dict[str, Any]) -> bytes:
    """A JSON record without spaces, as UTF-8 (orjson: several times faster than the standard library's encoder on
    page results, which the crawl and the batch write by the million). A key that is not a string is written
    as the standard library writes it (as a string); orjson's option for that halves its speed, so it is used only
    for a record that needs it."""
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)


def tool() -> dict[str, str]:
    """Which auditor made a result: its version, and whether the compiled walk or the Python references ran
    (they give the same results; `auditor --version` says the same)."""
    return {"name": "affiliate-auditor", "version": __version__, "implementation": native.status()}


def error_result(url: str, error: str) -> PageResult:
    """The result of a page that could not be audited: the error says why, nothing else is claimed."""
    return PageResult(
        url=url,
        error=error,
        language=None,
        score=0,
        metrics={},
        blocks=(),
        links=(),
        disclosure=Disclosure(False, "none", "none", ()),
        findings=(),
    )


def failed_page(url: str, error: str) -> dict[str, Any]:
    """A page that could not be audited, in the contract: every key an audited page has, nothing claimed."""
    return to_dict(error_result(url, error))
