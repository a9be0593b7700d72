"""Check kinds: each module measures one thing on a page and yields evidence; rules (data) say when it fails.

A check module has `DEFAULTS` (its options and their default values) and `check(page, options)`, a generator
of `Evidence`. The engine, not the check, stamps rule id, severity and wording on each finding.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

from auditor.models import Page


@dataclass(frozen=True, slots=True)
class Evidence:
    """One failure a check found: the block it points at and the numbers behind the verdict."""

    block: int | None
    values: dict[str, Any] = field(default_factory=dict)


class CheckKind(Protocol):
    DEFAULTS: Mapping[str, Any]

    def check(self, page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]: ...


def _kinds() -> dict[str, ModuleType]:
    from auditor.checks import (
        affiliate_share,
        auto_affiliate,
        disclosure_distance,
        disclosure_form,
        disclosure_missing,
        disclosure_placement,
        disclosure_vague,
        link_density,
        link_rel,
        off_topic,
        plugs,
        repeated_disclosure,
        repeated_text,
        restatement,
        single_seller,
    )

    modules = (
        affiliate_share,
        auto_affiliate,
        disclosure_distance,
        disclosure_form,
        disclosure_missing,
        disclosure_placement,
        disclosure_vague,
        link_density,
        link_rel,
        off_topic,
        plugs,
        repeated_disclosure,
        repeated_text,
        restatement,
        single_seller,
    )
    return {m.__name__.rsplit(".", 1)[1]: m for m in modules}


KINDS: dict[str, ModuleType] = _kinds()
