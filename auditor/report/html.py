"""The HTML report: one self-contained file rendered with jinja2 from the JSON result only.

Page text is hostile: autoescape is on, nothing from a page is marked safe, only http(s) URLs become links,
and a Content-Security-Policy allows no request to any host and no script but the report's own (by hash).
What a person reads is in plain words: each raw value of the result (a placement, a kind, an evidence key and
its number) goes through auditor/report/labels.py, never shown as the JSON spells it. A rule's findings sit
together under it, with the rule's plain `why` and `fix` once (never its technical `description`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import chain
from typing import Any
from urllib.parse import urlsplit

import jinja2
import markupsafe

from auditor import __version__
from auditor.contract import is_site
from auditor.report import charts, labels
from auditor.report.grading import grade
from auditor.report.labels import (
    REGIONS,
    crawl_of,
    disclosure_line,
    evidence_rows,
    network_name,
    number,
    pages_line,
    percent,
    plain,
    points,
    site_heading,
)
from auditor.report.linkhealth import link_health
from auditor.rulefiles import Rule, load_rules
from auditor.wording import ELLIPSIS, clip, count

SEVERITIES = ("error", "warning", "info")
KIND_ORDER = ("editorial", "affiliate", "disclosure", "navigation", "boilerplate")
# A page map shows at most this many segments; longer pages merge neighbouring blocks of one kind.
MAP_SEGMENTS = 160
SITE_MAP_SEGMENTS = 40
GRADE_WORDS = {"good": "good", "fair": "needs work", "poor": "poor"}


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
                "region": REGIONS.get(block["region"], block["region"]),
                "words": block["words"],
                "blocks": 1,
                "marks": marks,
                "text": clip(block["text"], 140),
            }
        )
    total = sum(max(s["words"], 3) for s in segments) or 1
    for segment in segments:
        segment["share"] = round(100 * max(segment["words"], 3) / total, 3)
    return segments


KIND_COLOURS = {"editorial": "#0072B2", "affiliate": "#D55E00", "disclosure": "#009E73", "navigation": "#999999",
                "boilerplate": "#CCCCCC"}  # fmt: skip


def map_gradient(page: dict[str, Any], limit: int = SITE_MAP_SEGMENTS) -> str:
    """The small page map of a site report's row as one CSS gradient: one element a page, not one a block (300
    pages of 40 segments each made a document too heavy to check). Only the report's own colours and numbers
    reach the style attribute."""
    stops, start = [], 0.0
    for segment in block_map(page, limit):
        end = start + float(segment["share"])
        colour = KIND_COLOURS.get(segment["kind"], KIND_COLOURS["boilerplate"])
        stops.append(f"{colour} {start:.2f}% {min(end, 100):.2f}%")
        start = end
    return f"linear-gradient(to right, {', '.join(stops)})" if stops else "none"


def map_summary(page: dict[str, Any]) -> str:
    """What the small map shows, in words: its blocks and the words of each kind."""
    words: Counter[str] = Counter()
    for block in page.get("blocks", []):
        words[str(block.get("kind"))] += block.get("words", 0) if isinstance(block.get("words"), int) else 0
    kinds = ", ".join(f"{count(words[k], 'word')} {k}" for k in KIND_ORDER if words[k])
    return f"Page map: {count(len(page.get('blocks', [])), 'block')} in reading order" + (f"; {kinds}" if kinds else "")


@cache
def _rules() -> dict[str, Rule]:
    return {rule.id: rule for rule in load_rules()}


def rule_groups(findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings under their rule, in the order they come (worst first, a rule's findings together): each group
    has the rule's plain `why` and `fix` once (empty when the rule file has none; never its technical
    description, which `auditor rules ID` shows)."""
    groups: dict[str, dict[str, Any]] = {}
    order = SEVERITIES
    for f in findings:
        rule_id = str(f.get("rule"))
        group = groups.get(rule_id)
        if group is None:
            rule = _rules().get(rule_id)
            group = groups[rule_id] = {
                "rule": rule_id,
                "severity": f.get("severity"),
                "title": f.get("title") or (rule.failure_title if rule else rule_id),
                "why": rule.why if rule else "",
                "fix": rule.fix if rule else "",
                "source": rule.sources[0] if rule and rule.sources else "",
                "findings": [],
                "weight": 0,
            }
        group["findings"].append(f)
        weight = f.get("weight")
        if isinstance(weight, int | float) and not isinstance(weight, bool):
            group["weight"] += weight
        if f.get("severity") in order and order.index(f["severity"]) < order.index(group["severity"]):
            group["severity"] = f["severity"]
    return list(groups.values())


def severity_counts(findings: Sequence[dict[str, Any]]) -> str:
    tally = Counter(f.get("severity") for f in findings)
    return ", ".join(count(tally[s], s, "info" if s == "info" else None) for s in SEVERITIES if tally[s]) or "none"


def page_grade(page: dict[str, Any]) -> str:
    score = page.get("score")
    return grade(round(score) if isinstance(score, int | float) else 0, page.get("findings") or [])


def site_grade(site: dict[str, Any]) -> str:
    """A site's grade: its score, capped by the worst finding of the site or of any page it holds (a site with
    an error anywhere is never green), by the same rule as a page's (auditor/report/grading.py)."""
    pages = (p.get("findings") or [] for p in site.get("pages", []) if not p.get("error"))
    score = site.get("score")
    return grade(round(score) if isinstance(score, int | float) else 0, chain(site.get("findings", []), *pages))


def site_rows(site: dict[str, Any]) -> list[dict[str, Any]]:
    """The pages for the table, worst first, audited ones before those that were not."""

    def key(p: dict[str, Any]) -> tuple[bool, float]:
        score = p.get("score")
        return p.get("error") is not None, score if isinstance(score, int | float) else 0

    return [
        {
            "page": p,
            "status": charts.disclosure_status(p),
            "grade": None if p.get("error") else page_grade(p),
            "http": crawl_of(p).get("status"),
        }
        for p in sorted(site.get("pages", []), key=key)
    ]


# The evidence keys that name the words a finding is about, highlighted where the report quotes the page
HIGHLIGHTED = ("terms", "missing_terms", "sentence", "text")


def highlight(text: str, evidence: Any) -> markupsafe.Markup:
    """The quoted text, escaped, with the words the finding is about (a vague term, a plug's words the article
    lacks, the sentence pasted again) marked. Every piece of page text is escaped before it joins the markup."""
    phrases: set[str] = set()
    for key in HIGHLIGHTED:
        value = evidence.get(key) if isinstance(evidence, dict) else None
        for phrase in value if isinstance(value, list) else [value]:
            if isinstance(phrase, str) and len(phrase.strip()) > 1:
                phrases.add(phrase.strip().removesuffix(ELLIPSIS))
    if not phrases:
        return markupsafe.escape(text)
    words = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.I)
    parts: list[str] = []
    at = 0
    for match in pattern.finditer(text):
        parts += [markupsafe.escape(text[at : match.start()]), f"<mark>{markupsafe.escape(match.group(0))}</mark>"]
        at = match.end()
    return markupsafe.Markup("".join([*parts, markupsafe.escape(text[at:])]))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("auditor.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        safe_href=safe_href,
        plain=plain,
        points=points,
        number=number,
        percent=percent,
        clip=lambda v, n: clip(str(v), n),
        highlight=highlight,
        network=network_name,
        region=lambda v: REGIONS.get(str(v), str(v)),
        language=lambda v: labels.LANGUAGES.get(str(v), str(v)) if v else "unknown",
    )
    env.globals.update(
        kinds=KIND_ORDER,
        rules=_rules(),
        rule_groups=rule_groups,
        evidence_rows=evidence_rows,
        severity_counts=severity_counts,
        disclosure_line=disclosure_line,
        pages_line=pages_line,
        page_grade=page_grade,
        grade_words=GRADE_WORDS,
        statuses=charts.STATUSES,
        block_map=block_map,
        map_gradient=map_gradient,
        map_summary=map_summary,
        count=count,
        link_health=link_health,
        version=__version__,
        MAP_SEGMENTS=MAP_SEGMENTS,
        SITE_MAP_SEGMENTS=SITE_MAP_SEGMENTS,
    )
    return env


def _script_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def render_template(name: str, context: dict[str, Any]) -> str:
    """A report of this environment: its template with the report's script and the script's hash for the CSP
    (the page, site, diff and history reports all render with it)."""
    env = _environment()
    script = env.get_template("report.js").render()
    return env.get_template(name).render({**context, "script": script, "script_hash": _script_hash(script)})


def render(result: dict[str, Any]) -> str:
    """The report for a page result or a site result (schema auditor/page@1 or auditor/site@1)."""
    if is_site(result):
        rows = site_rows(result)
        return render_template(
            "site.html.j2",
            {
                "site": result,
                "rows": rows,
                "heading": site_heading(result),
                "grade": site_grade(result),
                "charts": charts.site_charts(result),
                "anchors": {r["page"].get("url"): f"p{i}" for i, r in enumerate(rows, 1)},
            },
        )
    return render_template("page.html.j2", {"page": result})
