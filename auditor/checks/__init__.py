"""Check kinds: each module measures one thing on a page and yields evidence; rules (data) say when it fails.

A check module has `DEFAULTS` (its options and their default values) and `check(page, options)`, a generator
of `Evidence`; a site check (`SCOPE = "site"`) gets the whole `Site` instead of a page and names pages in its
evidence. A site check that reads followed links (`NEEDS_CHECKED_LINKS = True`) runs only on a site some of whose
links were followed (--check-links). The engine, not the check, stamps rule id, severity and wording on each finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import Any


@dataclass(frozen=True, slots=True)
class Evidence:
    """One failure a check found: the block it points at and the numbers behind the verdict."""

    block: int | None
    values: dict[str, Any] = field(default_factory=dict)


_PAGE_KINDS = (
    "affiliate_share",
    "auto_affiliate",
    "disclosure_distance",
    "disclosure_form",
    "disclosure_missing",
    "disclosure_placement",
    "disclosure_vague",
    "link_density",
    "link_rel",
    "off_topic",
    "plugs",
    "repeated_disclosure",
    "repeated_text",
    "restatement",
    "single_seller",
)
_SITE_KINDS = (
    "link_health",
    "site_density_outliers",
    "site_disclosure_coverage",
    "site_footer_disclosure",
    "site_near_duplicates",
    "site_repeated_blocks",
)


def _kinds() -> dict[str, ModuleType]:
    """The registry: every check kind by name (the names rule files use in `kind`)."""
    return {name: import_module(f"auditor.checks.{name}") for name in (*_PAGE_KINDS, *_SITE_KINDS)}


KINDS: dict[str, ModuleType] = _kinds()
