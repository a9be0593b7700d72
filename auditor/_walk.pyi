from typing import Any

from lxml import etree

from auditor.layout import Anchor, Names, Piece

def walk(
    start: etree._Element, main: etree._Element | None, classify_names: Names
) -> tuple[list[Piece], list[Anchor], bool]: ...
def first_with_role(root: etree._Element, role: str) -> etree._Element | None: ...

class ScriptWords:
    def __init__(self, words: tuple[str, ...]) -> None: ...
    def __call__(self, scripts: list[etree._Element]) -> list[frozenset[str]] | None: ...

class ClassWords:
    def __init__(
        self,
        hints: list[tuple[str, str]],
        boxes: list[str],
        ads: tuple[str, ...],
        local: frozenset[str],
    ) -> None: ...
    def __call__(self, names: str) -> tuple[Any, bool, bool, bool] | None: ...

class KeywordStarts:
    usable: bool
    def __init__(self, words: tuple[str, ...], symbols: tuple[str, ...]) -> None: ...
    def __call__(self, text: str) -> list[int]: ...

def ascii_key(text: str) -> str | None: ...
