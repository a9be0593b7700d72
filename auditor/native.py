"""Whether the compiled module (auditor/_walk.pyx) is in use: the one place that imports it, and says why not.

The compiled module repeats, faster, what Python references do (auditor/layout.py's `walk`, `Names.read`,
`first_with_role` and the script reader, `textmodel.key_of`, `disclosures.Keywords.starts`), and
tests/test_compiled_reference.py holds the two equal. Where it cannot be used, the references serve:

- ``AUDITOR_PURE_PYTHON=1`` asks for them (read once, when this module is imported);
- a failed import of any kind falls back to them with one RuntimeWarning that names the cause. Not only
  ImportError: a module built against another lxml raises ValueError at import (the size of lxml's `_Element`
  is checked), and an audit must not stop for what only makes it slower.

The import waits for the first call, because the compiled module reads auditor/layout.py's tables when it is
imported, and layout asks this module which walk to use: imported early, they would import each other.
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from lxml import etree

    from auditor.layout import Anchor, Names, Piece
    from auditor.models import Region

SWITCH = "AUDITOR_PURE_PYTHON"
PURE_PYTHON = os.environ.get(SWITCH, "").strip().lower() not in ("", "0", "false", "no")
"""The references were asked for: no import is tried, and no warning given."""


class Compiled(Protocol):
    """What auditor/_walk.pyx defines, each the same as its Python reference (named beside it)."""

    def walk(
        self, start: etree._Element, main: etree._Element | None, classify_names: Names
    ) -> tuple[list[Piece], list[Anchor], bool]:
        """layout.walk."""

    def first_with_role(self, root: etree._Element, role: str) -> etree._Element | None:
        """layout.first_with_role's search."""

    def ScriptWords(self, words: tuple[str, ...]) -> Callable[[list[etree._Element]], list[frozenset[str]] | None]:
        """layout.script_words' reading of the texts; None where it cannot tell."""

    def ClassWords(
        self, hints: list[tuple[str, Region]], boxes: list[str], ads: tuple[str, ...], local: frozenset[str]
    ) -> Callable[[str], tuple[Region | None, bool, bool, bool] | None]:
        """layout.Names.read, for ASCII strings (None for others)."""

    def KeywordStarts(self, words: tuple[str, ...], symbols: tuple[str, ...]) -> KeywordSearch:
        """disclosures.Keywords.starts for the words and symbols."""

    def ascii_key(self, text: str) -> str | None:
        """textmodel.key_of, for text whose letters and digits are ASCII (None for other text)."""


class KeywordSearch(Protocol):
    usable: bool
    """False where the words and symbols are more than the one-pass search takes."""

    def __call__(self, text: str) -> list[int]: ...


def compiled() -> Compiled | None:
    """The compiled module, or None where the Python references serve (see `status`)."""
    return _load()[0]


def status() -> str:
    """One line that says which implementation runs: "compiled (auditor._walk)", "pure Python
    (AUDITOR_PURE_PYTHON=1)" or "pure Python (import failed: <error>)"."""
    return _load()[1]


@cache
def _load() -> tuple[Compiled | None, str]:
    if PURE_PYTHON:
        return None, f"pure Python ({SWITCH}={os.environ[SWITCH]})"
    try:
        # by name: there is no stub, `Compiled` tells mypy what the module defines
        module = importlib.import_module("auditor._walk")
    except Exception as exc:  # any error: see the module's docstring
        cause = f"{type(exc).__name__}: {' '.join(str(exc).split())}"  # on one line, for `auditor --version`
        warnings.warn(
            f"auditor: the compiled module auditor._walk could not be imported ({cause}); the Python "
            f"implementation runs instead, with the same results, more slowly. Reinstall the package with a C "
            f"compiler to build it, or set {SWITCH}=1 to choose the Python implementation without this warning.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None, f"pure Python (import failed: {cause})"
    return cast(Compiled, module), "compiled (auditor._walk)"
