"""Words and patterns found in text whatever its case, fast.

Python's case-insensitive patterns try every case variant at every position; the same pattern lowercased,
case-sensitive, over the lowercased text finds the same matches several times faster. That holds exactly when
the only letters of the text that have a case are ASCII letters. Punctuation, spaces and symbols beyond ASCII
(typographic quotes and dashes, the ellipsis, the no-break space) have none: they lowercase to themselves and
match only themselves. Other letters may change length or meet the pattern's letters in other ways: "İ"
lowercases to two characters, the Kelvin sign (U+212A) to "k", and a case-insensitive "s" matches the long s
(U+017F). Text holding any of them takes the case-insensitive pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# the escapes a lowercased pattern keeps as they are: classes and anchors, which mean the same on lowered text
_CLASS_ESCAPES = frozenset("bBdDsSwWAZ")
_TOKEN = re.compile(r"\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\.|.", re.S)


def lowers_exactly(text: str) -> bool:
    """Whether a lowercased pattern finds in `text.lower()` what the case-insensitive one finds in `text`: the
    text's letters beyond ASCII, if any, have no case."""
    if text.isascii():
        return True
    rest = "".join(_NON_ASCII.findall(text))
    return rest.lower() == rest == rest.upper()


def lowercased(source: str) -> str | None:
    """The pattern for lowercased text: its letters lowercased, its escapes kept (\\S stays \\S). None where
    that could change what it finds: an escape that names a letter (\\x41, \\u0130, \\N{...}, or a group
    number), a letter that does not lowercase to one character, a letter beyond ASCII that matches an ASCII one
    without case (the long s matches "s"), and a "-" beside an uppercase or non-ASCII character (a range such
    as [A-z] or [Ā-ž] holds other letters than its lowercase)."""
    tokens = _TOKEN.findall(source)
    out = []
    for i, token in enumerate(tokens):
        if token[0] == "\\":
            named = chr(int(token[2:], 16)) if len(token) > 2 else ""
            if named and not named.lower() == named == named.upper():
                return None  # it names a letter (a character without case matches only itself)
            if not named and token[1].isalnum() and token[1] not in _CLASS_ESCAPES:
                return None
            out.append(token)
            continue
        lowered = token.lower()
        if len(lowered) != 1 or (not token.isascii() and _meets_ascii(token)):
            return None
        if token == "-" and any(0 <= j < len(tokens) and _uncertain(tokens[j]) for j in (i - 1, i + 1)):
            return None
        out.append(lowered)
    return "".join(out)


def _uncertain(token: str) -> bool:
    return not token.isascii() or token.isupper()


@cache
def _meets_ascii(char: str) -> bool:
    """Whether a case-insensitive `char` matches an ASCII character."""
    pattern = re.compile(re.escape(char), re.I)
    return any(pattern.fullmatch(chr(code)) for code in range(128))


@dataclass(frozen=True, slots=True)
class Caseless:
    ascii: re.Pattern[str] | None
    """The pattern lowercased, case-sensitive, for text that `lowers_exactly` (None: it cannot be lowercased)."""
    unicode: re.Pattern[str]
    """The pattern, case-insensitive, for any text."""

    @classmethod
    def of(cls, words: Iterable[str]) -> Caseless:
        """Literal words, longest first."""
        ordered = sorted(set(words), key=lambda w: (-len(w), w))
        return cls.pattern("|".join(map(re.escape, ordered)) or "(?!)")

    @classmethod
    def pattern(cls, source: str) -> Caseless:
        unicode = re.compile(source, re.I)
        fast = lowercased(source)
        return cls(re.compile(fast) if fast is not None else None, unicode)

    def search(self, text: str) -> re.Match[str] | None:
        """The first match; its positions are the text's own (lowercasing keeps them), its group the lowercase."""
        if self.ascii is not None and lowers_exactly(text):
            return self.ascii.search(text.lower())
        return self.unicode.search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.ascii is not None and lowers_exactly(text):
            return self.ascii.finditer(text.lower())
        return self.unicode.finditer(text)
