"""The compiled module (auditor/_walk.pyx) gives what its Python references give, on every sample page and every
real page of the corpus: the walk and the role search, the reading of class and id strings, the scan of scripts
for words, sentence keys and disclosure keyword starts.

The references are what the package runs without the compiled module: `native.compiled` made to answer None
(as AUDITOR_PURE_PYTHON=1 does), and `textmodel`'s sentence key unbound. Where the compiled module is not in
use there is nothing to compare, and these tests say why they are skipped."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from auditor import layout, native, networks, textmodel
from auditor.disclosures import Keywords
from auditor.document import parse
from auditor.rulefiles import rules_dir

from .conftest import CORPUS, SAMPLES

COMPILED = native.compiled()
pytestmark = pytest.mark.skipif(COMPILED is None, reason=f"the compiled module is not in use: {native.status()}")

CORPUS_PAGES = sorted((CORPUS / "pages").rglob("*.html"))
KEYWORDS = tuple(tomllib.loads((rules_dir() / "disclosures.toml").read_text(encoding="utf-8"))["keywords"])
BOX_WORDS = networks.load().box_words
# the auto-affiliate services' words, and words most pages' scripts hold, so that the scan is not only of absences
SCRIPT_WORDS = (
    *(word for script in networks.load().scripts for word in script.contains),
    "function",
    "google",
    "window.",
    "jquery",
    ".js",
)


@dataclass(frozen=True)
class Implementation:
    """The helpers as the pipeline builds them, compiled or from the Python references."""

    names: layout.Names
    scripts: Callable[[list[etree._Element]], list[frozenset[str]]]
    keywords: Keywords
    first_with_role: Callable[[etree._Element, str], etree._Element | None]
    key_of: Callable[[str], str]

    @classmethod
    def build(cls) -> Implementation:
        return cls(
            layout.Names(BOX_WORDS),
            layout.script_words(SCRIPT_WORDS),
            Keywords.of(KEYWORDS),
            layout.first_with_role,
            textmodel.key_of,
        )


@contextmanager
def references() -> Iterator[None]:
    """Within it, the package chooses its Python references, as it does where the compiled module is not in use."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(native, "compiled", lambda: None)
        patch.setattr(textmodel, "_ascii_key", None)
        yield


def assert_same_results(path: Path) -> None:
    assert COMPILED is not None
    root = parse(path.read_bytes()).root
    compiled = Implementation.build()
    with references():
        reference = Implementation.build()
    assert reference.keywords.compiled is None and compiled.keywords.compiled is not None

    # the walk: the same pieces and anchors, field for field, with the same reader of class strings
    body = root.find("body")
    start = body if body is not None else root
    main = layout._Head.of(root).main
    expected = layout.walk(start, main, layout.Names(BOX_WORDS, use_compiled=False))
    got = COMPILED.walk(start, main, layout.Names(BOX_WORDS, use_compiled=False))
    assert got[2] == expected[2], "whether the page has a main element"
    assert got[1] == expected[1], "anchors"
    assert got[0] == expected[0], "pieces"

    roles = {"main", "navigation", "banner", *(el.get("role") or "" for el in root.iter())}
    found = {role: compiled.first_with_role(root, role) for role in roles}
    with references():
        for role in roles:
            assert found[role] is reference.first_with_role(root, role), role

    # class and id strings: the compiled reader answers for every ASCII string, as the patterns do
    strings = {el.get(attr) or "" for el in root.iter() for attr in ("class", "id")}
    for names in strings:
        answer = compiled.names.ascii(names)
        assert (answer is not None) == names.isascii(), names
        assert (answer or compiled.names.read(names)) == reference.names.read(names), names

    # scripts: the words each holds (the scan answers None only where it cannot tell, and the texts are read)
    scripts = layout.read(root, layout.Names(BOX_WORDS, use_compiled=False)).scripts
    scanned = COMPILED.ScriptWords(SCRIPT_WORDS)(scripts)
    assert scanned is None or scanned == reference.scripts(scripts)
    assert compiled.scripts(scripts) == reference.scripts(scripts)

    # sentence keys and disclosure keywords, in every piece's text and sentence
    texts = [piece.text for piece in expected[0]]
    texts += [sentence for text in texts for sentence in textmodel.split_sentences(text)]
    for text in texts:
        key, chosen = COMPILED.ascii_key(text), compiled.key_of(text)
        with references():
            assert key is None or key == reference.key_of(text), text
            assert chosen == reference.key_of(text), text
        lowered = text.lower()
        assert compiled.keywords.starts(lowered) == reference.keywords.starts(lowered), lowered


def test_the_references_are_what_the_package_runs_without_the_compiled_module() -> None:
    """The comparison below is between two implementations, not one compared with itself."""
    with references():
        assert Keywords.of(KEYWORDS).compiled is None
        assert layout.Names(BOX_WORDS).ascii("sidebar") is None
        assert textmodel.key_of("Plain text.") == "plain text"
    assert Keywords.of(KEYWORDS).compiled is not None
    assert layout.Names(BOX_WORDS).ascii("sidebar") is not None


@pytest.mark.parametrize("page", sorted(SAMPLES.glob("*.html")), ids=lambda p: p.name)
def test_the_same_results_on_the_samples(page: Path) -> None:
    assert_same_results(page)


@pytest.mark.parametrize(
    "page",
    CORPUS_PAGES
    or [pytest.param(None, marks=pytest.mark.skip(reason=f"no real pages under {CORPUS / 'pages'} (AUDITOR_CORPUS)"))],
    ids=lambda p: str(p.relative_to(CORPUS / "pages")) if p else "corpus",
)
def test_the_same_results_on_the_corpus(page: Path) -> None:
    assert_same_results(page)
