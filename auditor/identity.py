"""Which finding of one run is which finding of another: the identity a baseline remembers and a diff compares.

A finding's identity must survive edits of the page that do not touch it, so it is not the block's number (a new
paragraph above shifts every number) nor the message (a count in it changes). It is the rule, the page and a stable
locator of the block the finding points at: a hash of the block's normalised text first, and its CSS selector for
a block whose text was edited (an element inserted before it renumbers its `nth-of-type`, so the selector alone
would not do). A site finding is known by its rule and the text it is about, if any (the repeated block, the
footer disclosure, the followed link). Plain functions of result dicts: the lowest layer."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_SPACE = re.compile(r"\s+")


def text_hash(text: str) -> str:
    """A short hash of the text as a reader sees it: case and spacing do not count."""
    normalised = _SPACE.sub(" ", text).strip().casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Identity:
    rule: str
    page: str
    """The page's URL, "(site)" for a site finding."""
    text: str
    """The hash of the normalised text the finding points at ("" when it points at none)."""
    selector: str
    nth: int = 1
    """Findings of one rule on blocks of the same text are numbered in page order."""
    # a baseline file stores it as the dict of these fields (dataclasses.asdict)


def identities(
    pages: Iterable[dict[str, Any]], site_findings: Iterable[dict[str, Any]] = ()
) -> list[tuple[Identity, dict[str, Any], dict[str, Any] | None]]:
    """Every finding of the pages and of the site, with its identity and its page (None for a site finding)."""
    out: list[tuple[Identity, dict[str, Any], dict[str, Any] | None]] = []
    for page in pages:
        seen: dict[tuple[str, str], int] = {}
        for finding in page.get("findings") or []:
            text, selector = _locator(finding, page)
            rule = str(finding.get("rule", ""))
            seen[rule, text] = seen.get((rule, text), 0) + 1
            out.append((Identity(rule, str(page.get("url", "")), text, selector, seen[rule, text]), finding, page))
    seen_site: dict[tuple[str, str], int] = {}
    for finding in site_findings:
        evidence = finding.get("evidence")
        # the text it is about, or for a link-health finding the link (--check-links)
        about = (evidence.get("text") or evidence.get("href")) if isinstance(evidence, dict) else None
        text = text_hash(about) if isinstance(about, str) else ""
        rule = str(finding.get("rule", ""))
        seen_site[rule, text] = seen_site.get((rule, text), 0) + 1
        out.append((Identity(rule, "(site)", text, "", seen_site[rule, text]), finding, None))
    return out


def _locator(finding: dict[str, Any], page: dict[str, Any]) -> tuple[str, str]:
    block = finding.get("block")
    blocks = page.get("blocks") or []
    selector = str(finding.get("selector") or "")
    if isinstance(block, int) and not isinstance(block, bool) and 0 <= block < len(blocks):
        return text_hash(str(blocks[block].get("text", ""))), selector
    return "", selector


def match(
    old: Iterable[Identity], new: Iterable[Identity]
) -> tuple[list[tuple[Identity, Identity]], list[Identity], list[Identity]]:
    """Pair the findings of two runs: (persisting pairs, new, fixed). A finding persists when the other run has
    one of its rule on its page pointing at the same text; failing that, at the same element (its text edited)."""
    left, right = list(old), list(new)
    pairs: list[tuple[Identity, Identity]] = []
    for same in (lambda i: (i.rule, i.page, i.text, i.nth), lambda i: (i.rule, i.page, i.selector)):
        waiting: dict[Any, list[Identity]] = {}
        for identity in left:
            waiting.setdefault(same(identity), []).append(identity)
        unmatched = []
        for identity in right:
            candidates = waiting.get(same(identity))
            if candidates:
                pairs.append((candidates.pop(0), identity))
            else:
                unmatched.append(identity)
        paired = {id(a) for a, _ in pairs}
        left = [i for i in left if id(i) not in paired]
        right = unmatched
    return pairs, right, left
