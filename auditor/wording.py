"""How the auditor words what it shows a person: quotes cut at a word, counts with their noun in the right number.

Checks word their evidence with these and every report shows it with them, so a quote reads the same in the text,
JSON, CSV and HTML outputs. Plain functions of plain values: the lowest layer, importing nothing of the package."""

from __future__ import annotations

import math

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """The text whole if it fits in `limit` characters, else cut at the last word boundary before the limit and
    ended with an ellipsis (a quote cut mid-word, "$165 at Fel", reads as a typo). A single word longer than the
    limit (a URL, a run of CJK text without spaces) is cut where the limit falls, as there is no better place."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—(") + ELLIPSIS


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """The noun in the number `n` asks for: ("link", 1) -> "link", ("link", 3) -> "links"."""
    if n == 1:
        return singular
    return plural_form if plural_form is not None else singular + "s"


def count(n: int, singular: str, plural_form: str | None = None) -> str:
    """A count and its noun: count(1, "affiliate link") -> "1 affiliate link"; count(0, ...) -> "no affiliate
    links"."""
    noun = plural(n, singular, plural_form)
    return f"no {plural(0, singular, plural_form)}" if n == 0 else f"{n:,} {noun}"


def share(value: float) -> str:
    """A fraction as a reader says it: "none", "23%", "all"; never "0%" for a little, or "100%" for almost all."""
    if value <= 0:
        return "none"
    if value >= 1:
        return "all"
    # half up, as people round (Python's round takes 50.5 to 50: "50%" of a text above a 50% limit)
    percent = math.floor(round(value * 100, 6) + 0.5)
    if percent == 0:
        return "under 1%"
    if percent == 100:
        return "over 99%"
    return f"{percent}%"
