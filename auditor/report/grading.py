"""A page's grade, the colour of its score in every report: the score alone would paint a page whose one finding is
an error green (an error weighs 20, so such a page scores 80); the worst finding caps the grade."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

Grade = Literal["good", "fair", "poor"]


def grade(score: int, findings: Iterable[dict[str, Any]]) -> Grade:
    """poor: an error, or a score under 50; fair: a warning, or a score under 80; good otherwise."""
    severities = {f.get("severity") for f in findings}
    if "error" in severities or score < 50:
        return "poor"
    if "warning" in severities or score < 80:
        return "fair"
    return "good"
