"""The JSON contract (schemas auditor/page@1 and auditor/site@1): a page result as plain data. Pages, crawls,
batches and reports all speak it, so it lives beside the models, below every part that reads or writes it."""

from __future__ import annotations

import re
from typing import Any

import orjson

from auditor import __version__, native
from auditor.models import Disclosure, PageResult

PAGE_SCHEMA = "auditor/page@1"
SITE_SCHEMA = "auditor/site@1"
RESOLUTION_KEYS = ("chain", "final_url", "status", "error", "checked_at")
"""The keys of a link's `resolution`, present only on a link that was followed (--check-links): the URLs it led to
(the link first), where the chain ended and its HTTP status, or the error that stopped it (then `final_url` is
null), and when it was followed (ISO 8601, UTC). `resolution.judge` writes it after the pipeline, from a recorded
chain, with what the chain says beside it (`verdict`, `affiliate`, `network`, `evidence`, each answer in `hops`);
`to_dict` never does: the pipeline fetches nothing."""

# The userinfo of a URL (user:password@), as a browser finds it: after `scheme://` or a scheme-relative `//`,
# and for the special schemes after any run of slashes or backslashes (the WHATWG URL standard's "special
# authority ignore slashes" state). The userinfo ends at the last @ before the path, query or fragment.
_URL_USERINFO = re.compile(
    r"^([\x00-\x20]*(?:[a-z][a-z0-9+.\-]*:)?[/\\]{2}|[\x00-\x20]*(?:https?|wss?|ftp):[/\\]*)[^/\\?#]*@", re.I
)
# The same inside free text (an error, a finding's message or evidence): a scheme, then an authority with an @
_TEXT_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.\-]*:[/\\]{2})[^/\\?#\s\"'<>]*@", re.I)


def is_site(result: dict[str, Any]) -> bool:
    """Whether a result is a site's (auditor/site@1) rather than a page's."""
    return str(result.get("schema", "")).startswith("auditor/site@")


def pages_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    """A site result's pages, or a page result as the one page."""
    return list(result.get("pages") or []) if is_site(result) else [result]


def site_findings_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    """A site result's own findings (none for a page result)."""
    return list(result.get("findings") or []) if is_site(result) else []


def strip_credentials(url: str) -> str:
    """The URL less its user name and password: a result is shared and published, a password in it must not be.
    The rest stays as written, so a raw href is still the attribute as the page wrote it."""
    return _URL_USERINFO.sub(r"\1", url, count=1) if "@" in url else url


def link_key(href: str) -> str:
    """A link as a link check follows and records it (--check-links): without credentials and fragment (neither
    is sent). The check, the store and the reports group followed links by it."""
    return strip_credentials(href).split("#", 1)[0]


def _scrubbed(value: Any) -> Any:
    """Free text, or evidence made of it, with the credentials of the URLs it quotes taken out."""
    if isinstance(value, str):
        return _TEXT_USERINFO.sub(r"\1", value) if "@" in value else value
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v) for v in value]
    return value


def to_dict(result: PageResult) -> dict[str, Any]:
    """The page result as the JSON contract describes it (keys in the contract's order, extras after)."""
    disclosure = result.disclosure
    return {
        "schema": PAGE_SCHEMA,
        "url": strip_credentials(result.url),
        "error": _scrubbed(result.error),
        "language": result.language,
        "score": result.score,
        "metrics": _scrubbed(result.metrics),
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
                "href": strip_credentials(link.href),
                "raw_href": strip_credentials(link.raw_href),
                "text": link.text,
                "block": link.block,
                "affiliate": link.affiliate,
                "network": link.network,
                "evidence": _scrubbed(link.evidence),
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
                "message": _scrubbed(f.message),
                "block": f.block,
                "selector": f.selector,
                "evidence": _scrubbed(f.evidence),
                "weight": f.weight,
                "title": f.title,
            }
            for f in result.findings
        ],
        "auto_affiliate_scripts": [{"service": s.service, "evidence": _scrubbed(s.evidence)} for s in result.scripts],
        "title": result.title,
        "canonical": strip_credentials(result.canonical) if result.canonical else result.canonical,
        "notes": [_scrubbed(note) for note in result.notes],
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


def tool(audited_here: bool = True) -> dict[str, str]:
    """Which auditor made a result: its version and, for a page audited in this process, whether the compiled
    walk or the Python references ran (they give the same results; `auditor --version` says the same). A site
    result assembled from pages audited elsewhere names only the version."""
    made = {"name": "affiliate-auditor", "version": __version__}
    return {**made, "implementation": native.status()} if audited_here else made


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
