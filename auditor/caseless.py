"""Literal words found in text whatever its case, fast.

Python's case-insensitive patterns try every case variant at every position; a case-sensitive pattern of
lowercase words over the lowercased text finds the same matches several times faster. That holds exactly when
words and text are ASCII (lowercasing other text may change its length or its letters: "İ" becomes two
characters), so other text takes the case-insensitive pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caseless:
    ascii: re.Pattern[str] | None
    """The lowercase words, case-sensitive, for ASCII text (None when a word is not ASCII)."""
    unicode: re.Pattern[str]

    @classmethod
    def of(cls, words: Iterable[str]) -> Caseless:
        words = sorted(set(words), key=lambda w: (-len(w), w))
        if not words:
            return cls(None, re.compile("(?!)"))
        alternatives = "|".join(map(re.escape, words))
        fast = re.compile("|".join(re.escape(w.lower()) for w in words)) if all(w.isascii() for w in words) else None
        return cls(fast, re.compile(alternatives, re.I))

    def search(self, text: str) -> re.Match[str] | None:
        if self.ascii is not None and text.isascii():
            return self.ascii.search(text.lower())
        return self.unicode.search(text)
