"""The compiled layout walk (auditor/_walk.pyx) reads every tree exactly as the Python walk it was written from
(auditor/layout.py's `walk`): the same pieces and the same anchors, field for field, on generated tag soup and on
what real pages rarely hold; and the compiled script scan finds the words the Python search finds.
tests/test_compiled_reference.py compares every helper of the module on the sample and corpus pages."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from typing import Any

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from auditor import layout, native
from auditor.document import parse
from auditor.pipeline import _names

from .test_fuzz import FUZZ, tag_soup

module = native.compiled()
compiled = module.walk if module is not None else None
needscompiled = pytest.mark.skipif(module is None, reason=f"the compiled module is not in use: {native.status()}")


@pytest.mark.skipif(not os.environ.get("AUDITOR_REQUIRE_COMPILED"), reason="only where the build must compile it")
def test_thecompiled_module_is_built_where_it_must_be() -> None:
    """It imports, whether or not AUDITOR_PURE_PYTHON=1 keeps it out of use, and is used unless that says not."""
    importlib.import_module("auditor._walk")
    assert (module is None) == native.PURE_PYTHON, native.status()


FAILING_IMPORT = """
import importlib.abc, sys, warnings
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "auditor._walk":  # as a module built against another lxml fails
            raise ValueError("lxml.etree._Element size changed, may indicate binary incompatibility")
sys.meta_path.insert(0, Refuse())
warnings.simplefilter("default")
from auditor import audit_html, native
from auditor.cli import main
result = audit_html(b"<p>A page <a href='https://www.amazon.com/dp/B1?tag=x-20'>with a link</a></p>", "https://x.example/")
print(result.metrics["affiliate_links"])
main(["--version"])
"""


def test_a_compiled_module_that_fails_to_import_leaves_the_python_walk_with_one_warning() -> None:
    """Any error at import (not only ImportError) falls back to the references, warns once and names the cause,
    and `auditor --version` says which implementation runs."""
    env = {**os.environ, "AUDITOR_PURE_PYTHON": ""}
    done = subprocess.run([sys.executable, "-c", FAILING_IMPORT], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "1"
    assert "pure Python (import failed: ValueError: lxml.etree._Element size changed" in done.stdout
    assert done.stderr.count("RuntimeWarning") == 1
    assert "auditor._walk could not be imported (ValueError" in done.stderr


def assert_walks_agree(root: etree._Element) -> None:
    body = root.find("body")
    start = body if body is not None else root
    main = layout._Head.of(root).main
    assert compiled is not None
    expected = layout.walk(start, main, _names())
    got = compiled(start, main, _names())
    assert got[2] == expected[2]
    assert got[1] == expected[1]
    assert got[0] == expected[0]


@needscompiled
@FUZZ
@given(tag_soup())
def test_walks_agree_on_tag_soup(data: bytes) -> None:
    try:
        root = parse(data).root
    except Exception:  # input the pipeline refuses (tests/test_fuzz.py holds it to one clear error)
        return
    assert_walks_agree(root)


@needscompiled
@FUZZ
@given(tag_soup())
def test_walks_agree_on_trees_with_comments(data: bytes) -> None:
    """Trees from other parsers keep comments and processing instructions, which both walks skip with their tails."""
    try:
        root = lxml.html.fromstring(data.decode("utf-8", "replace") or "<p></p>")
    except (etree.ParserError, ValueError):
        return
    if isinstance(root.tag, str):  # (not a lone comment, which lxml.html may return for a page of nothing else)
        assert_walks_agree(root)


@needscompiled
@FUZZ
@given(tag_soup(), st.booleans())
def test_the_role_search_finds_the_element_iter_finds(data: bytes, comments: bool) -> None:
    """The compiled search for the first role=main element finds the one lxml's iter finds first, in trees with
    and without comments."""
    assert module is not None
    try:
        root = lxml.html.fromstring(data.decode("utf-8", "replace") or "<p></p>") if comments else parse(data).root
    except Exception:
        return
    if isinstance(root.tag, str):
        expected = next((el for el in root.iter() if el.get("role") == "main"), None)
        assert module.first_with_role(root, "main") is expected


RARE = """<html><body>
<div role="main"><p>Intro <!-- a comment --> after the comment</p></div>
<div class="product-box"><h3>Widget</h3><a href="https://www.amazon.com/dp/B1?tag=x-20">Check price</a></div>
<p><a href="/go/a"><div>a link around a block</div></a> and <a href="/go/b"><img alt="an image link"></a></p>
<p><a href="/go/c" title="titled"></a><a href="/go/d">starred</a>* and <a href="/go/e">next</a><em>!*</em></p>
<p style="display: none">hidden <a href="/go/f" data-Shop="x" data-id="">f</a></p>
<ul id="sidebar"><li><a href="/go/g" rel="Sponsored NoFollow" class="Btn Buy">g</a></li></ul>
<span hidden>hidden span</span><span style="color:red">styled</span><b>bold</b> tail
<script src="https://x.example/a.js"></script><iframe src="https://ads.example/"></iframe><p>after embeds</p>
<footer><p>Footer text <a href="/disclosure">Disclosure</a></p></footer>
</body></html>"""


@needscompiled
def test_walks_agree_on_rare_branches() -> None:
    """Product boxes, links around blocks, image and empty links, "*" markers, hidden elements, data attributes,
    landmarks, embeds and a comment's tail, in one page (parsed keeping its comment)."""
    assert_walks_agree(lxml.html.fromstring(RARE))
    assert_walks_agree(parse(RARE.encode()).root)


@needscompiled
def test_walks_agree_on_cdata_and_split_text_nodes() -> None:
    root = lxml.html.fromstring("<html><body><p>x</p></body></html>")
    p = root.find(".//p")
    p.text = etree.CDATA("in a CDATA section")  # a CDATA node: text to both walks
    b = etree.SubElement(p, "b")
    b.tail = "tail"
    assert_walks_agree(root)


@needscompiled
def test_walks_agree_on_a_tree_deeper_than_the_parser_makes() -> None:
    """A tree built in code may nest deeper than the parser's 2,048 levels; both walks keep their open elements
    on a heap stack, not the C stack. (Each element has an id, so that the innermost CSS path stays short.)"""
    root = etree.Element("html")
    node = etree.SubElement(root, "body")
    for level in range(20_000):
        node = etree.SubElement(node, "div", id=f"d{level}")
    node.text = "deep"
    assert_walks_agree(root)
    assert compiled is not None
    pieces, _, _ = compiled(root[0], None, _names())
    assert [(p.text, p.selector) for p in pieces] == [("deep", "#d19999")]


SCRIPT_WORDS = ("skimlinks", "geni.us", "amzn_assoc_", "lasso")


def page_scripts(root: etree._Element) -> list[etree._Element]:
    """The script elements the pipeline reads: those the layout's head pass found."""
    return layout.read(root, _names()).scripts


def words_python_finds(root: etree._Element, words: tuple[str, ...] = SCRIPT_WORDS) -> list[frozenset[str]]:
    lowered = [layout.script_text(script).lower() for script in page_scripts(root)]
    return [frozenset(word for word in words if word in text) for text in lowered]


def scan(words: tuple[str, ...] = SCRIPT_WORDS) -> Any:
    assert module is not None
    return module.ScriptWords(words)


@st.composite
def scripts_page(draw: Any) -> bytes:
    """Pages whose scripts hold parts of the words, whole words in any case, and the characters whose lowercase
    is ASCII (U+0130, U+212A), in their text and in their src."""
    bits = st.sampled_from(
        [
            "skim",
            "links",
            "SKIMLINKS",
            "s\u212aimlinks",
            "geni",
            ".us",
            "GENI.US",
            "amzn_",
            "assoc_",
            "lass",
            "o",
            "LASSO",
            "\u0130",
            "x",
            " ",
            "\n",
            "é",
            "<",
            "&amp;",
            "'",
        ]
    )
    scripts = []
    for _ in range(draw(st.integers(0, 4))):
        src = "".join(draw(st.lists(bits, max_size=4))).replace('"', "")
        text = "".join(draw(st.lists(bits, max_size=8))).replace("</", "")
        scripts.append(f'<script src="{src}">{text}</script>' if draw(st.booleans()) else f"<script>{text}</script>")
    return f"<html><head>{''.join(scripts)}</head><body><p>text</p></body></html>".encode()


@needscompiled
@FUZZ
@given(scripts_page())
def test_the_script_scan_finds_the_words_python_finds(data: bytes) -> None:
    """For each script, the scan names the words the Python search of its lowercased text finds, or says it
    cannot tell, which it does only for the two characters whose lowercase is ASCII. The reader the pipeline
    uses then reads the texts."""
    root = parse(data).root
    found = scan()(page_scripts(root))
    if found is None:
        assert "\u0130" in data.decode() or "\u212a" in data.decode()
    else:
        assert found == words_python_finds(root)
    assert layout.script_words(SCRIPT_WORDS)(page_scripts(root)) == words_python_finds(root)


@needscompiled
def test_the_script_scan_reads_what_the_pipeline_reads() -> None:
    page = "<html><head>{}</head><body><p>Skimlinks in the text is no script</p></body></html>"

    def words(html: str, reader: Any = None) -> list[frozenset[str]] | None:
        return (reader or scan())(page_scripts(parse(page.format(html).encode()).root))  # type: ignore[no-any-return]

    assert words("<script>var a = 1;</script>") == [frozenset()]
    assert words('<script>a</script><script src="https://s.SkimLinks.js"></script>') == [set(), {"skimlinks"}]
    assert words("</p><p><script>x = 'lasso'</script>") == [{"lasso"}]  # a script in the body
    assert words("<script>x = 'S\u212aIMLINKS'</script>") is None  # the Kelvin sign: the scan cannot tell
    assert words("<script>x = 'S\u212aIMLINKS'</script>", layout.script_words(SCRIPT_WORDS)) == [{"skimlinks"}]
    assert words("<script>a</script>", scan(("a",))) is None  # one letter: always look
    root = parse(page.format("<script>geni.us</script>").encode()).root
    root.find(".//script").append(etree.Element("b"))  # a script with a child element (built in code)
    assert scan()(page_scripts(root)) is None
    assert layout.script_words(SCRIPT_WORDS)(page_scripts(root)) == [{"geni.us"}]


def test_content_left_in_head_by_the_parser_is_read_as_the_body() -> None:
    # libxml2 knows no <main>: without <head> and <body> tags it kept the article in <head>, and the page had no links
    from auditor import audit_html

    html = (
        b'<html><title>Kettles</title><meta charset="utf-8"><main><p>The kettle boils in three minutes.</p>'
        b'<a href="https://www.amazon.com/dp/B000TEST?tag=site-20">Buy it on Amazon</a></main></html>'
    )
    result = audit_html(html, url="https://example.com/kettles")
    assert [link.href for link in result.links] == ["https://www.amazon.com/dp/B000TEST?tag=site-20"]
    assert result.title == "Kettles"
    assert "The kettle boils in three minutes." in [b.text for b in result.blocks]


@pytest.mark.parametrize(
    "end",
    [
        "</body></html>{after}",  # libxml2 dropped what follows the document's end
        "</body>{after}</html>",  # and made what follows the body's end its sibling, unread
        "</body></HTML >\n{after}\n",
        "</body>{after}",
        "</body></html>\n{after}</body></html>",  # closed twice: by the template, and again by a plugin
    ],
)
def test_what_follows_the_end_of_the_page_is_read_into_its_body(end: str) -> None:
    # a browser shows it at the end of the body (WHATWG HTML, "after body"): a plugin's late links and disclosures
    from auditor import audit_html

    after = (
        "<p>As an Amazon Associate I earn from qualifying purchases. "
        '<a href="https://www.amazon.com/dp/B000TEST?tag=site-20">The kettle</a></p>'
    )
    html = "<html><head><title>Kettles</title></head><body><main><p>The kettle boils in three minutes.</p></main>"
    result = audit_html((html + end.format(after=after)).encode(), url="https://example.com/kettles")
    assert [link.href for link in result.links] == ["https://www.amazon.com/dp/B000TEST?tag=site-20"]
    assert result.disclosure.kind == "explanatory"
    assert [b.text for b in result.blocks][-1] == "As an Amazon Associate I earn from qualifying purchases. The kettle"


def test_a_comment_or_text_after_the_end_of_the_page() -> None:
    from auditor.document import parse

    root = parse(b"<html><body><p>Text</p></body></html>\n<!-- cached 12:00 -->\n").root
    assert [child.tag for child in root] == ["body"]  # the comment stays out of the text
    root = parse(b"<html><body><p>Text</p></body>\nand more text</html>").root
    assert root.find("body")[-1].tail == "\nand more text"
