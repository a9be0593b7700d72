"""The HTML report: one self-contained file rendered with jinja2 from the JSON result only.

Page text is hostile: autoescape is on, nothing from a page is marked safe, only http(s) URLs become links,
and a Content-Security-Policy allows no request to any host and no script but the report's own (by hash).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jinja2

from auditor import __version__
from auditor.report import charts
from auditor.rulefiles import Rule, load_rules

KIND_ORDER = ("editorial", "affiliate", "disclosure", "navigation", "boilerplate")
SEVERITY_ORDER = ("error", "warning", "info")
# A page map shows at most this many segments; longer pages merge neighbouring blocks of one kind.
MAP_SEGMENTS = 160
SITE_MAP_SEGMENTS = 40


def safe_href(url: Any) -> str | None:
    """The URL if a browser may follow it from the report (http or https), else None (shown as text only)."""
    if not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def block_map(page: dict[str, Any], limit: int = MAP_SEGMENTS) -> list[dict[str, Any]]:
    """The page's blocks as map segments: kind, share of the page's words, and marks for the first affiliate
    link and the disclosures. Neighbouring blocks of one kind merge when the page has more than `limit`."""
    blocks = page.get("blocks", [])
    if not blocks:
        return []
    first_link = next((link["block"] for link in page.get("links", []) if link.get("affiliate")), None)
    disclosed = {s["block"] for s in page.get("disclosure", {}).get("statements", [])}
    segments: list[dict[str, Any]] = []
    merge = len(blocks) > limit
    for block in blocks:
        marks = []
        if block["id"] == first_link:
            marks.append("first-link")
        if block["id"] in disclosed:
            marks.append("disclosure")
        last = segments[-1] if segments else None
        if merge and last is not None and last["kind"] == block["kind"] and not marks and not last["marks"]:
            last["words"] += block["words"]
            last["blocks"] += 1
            continue
        segments.append(
            {
                "id": block["id"],
                "kind": block["kind"],
                "region": block["region"],
                "words": block["words"],
                "blocks": 1,
                "marks": marks,
                "text": block["text"][:140],
            }
        )
    total = sum(max(s["words"], 3) for s in segments) or 1
    for segment in segments:
        segment["share"] = round(100 * max(segment["words"], 3) / total, 3)
    return segments


@cache
def _rules() -> dict[str, Rule]:
    return {rule.id: rule for rule in load_rules()}


def _grouped(findings: Sequence[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    return [
        (s, [f for f in findings if f["severity"] == s])
        for s in SEVERITY_ORDER
        if any(f["severity"] == s for f in findings)
    ]


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("auditor.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_href"] = safe_href
    env.filters["pct"] = lambda v: "-" if v is None else f"{float(v):.0%}"
    env.filters["label"] = lambda v: str(v).replace("_", " ")
    env.globals.update(
        kinds=KIND_ORDER,
        rules=_rules(),
        grouped=_grouped,
        block_map=block_map,
        version=__version__,
        MAP_SEGMENTS=MAP_SEGMENTS,
        SITE_MAP_SEGMENTS=SITE_MAP_SEGMENTS,
    )
    return env


def _script_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def render(result: dict[str, Any]) -> str:
    """The report for a page result or a site result (schema auditor/page@1 or auditor/site@1)."""
    env = _environment()
    script = env.get_template("report.js").render()
    context: dict[str, Any] = {"script": script, "script_hash": _script_hash(script)}
    if str(result.get("schema", "")).startswith("auditor/site@"):
        pages = sorted(result["pages"], key=lambda p: (p.get("error") is not None, p.get("score", 0)))
        context.update(site=result, pages=pages, charts=charts.site_charts(result))
        return env.get_template("site.html.j2").render(context)
    context.update(page=result)
    return env.get_template("page.html.j2").render(context)
