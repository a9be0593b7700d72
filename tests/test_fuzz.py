"""Property-based tests: no input crashes or hangs the per-page pipeline, the URL and link classifiers, the
configuration loader or the result readers; each gives a result or one clear error.

CI runs a bounded number of examples; `AUDITOR_FUZZ_EXAMPLES=100000 pytest tests/test_fuzz.py` is the long run.
"""

from __future__ import annotations

import codecs
import json
import os
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from auditor import AuditError, audit_html, to_dict
from auditor.config import from_mapping
from auditor.errors import ConfigError, InputError
from auditor.layout import Anchor
from auditor.links import absolute, classify
from auditor.networks import load, site_of
from auditor.saved import load_result
from auditor.urls import Scope, normalize

from .test_contract import check_page

EXAMPLES = int(os.environ.get("AUDITOR_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
CATALOGUE = load()
PER_EXAMPLE_SECONDS = 10.0

TAGS = [
    "div",
    "p",
    "a",
    "span",
    "main",
    "article",
    "nav",
    "footer",
    "header",
    "aside",
    "li",
    "ul",
    "table",
    "tr",
    "td",
    "script",
    "style",
    "template",
    "h2",
    "b",
    "img",
    "br",
    "iframe",
    "svg",
    "noscript",
    "section",
]
ATTRS = ["href", "class", "id", "rel", "style", "hidden", "data-affiliate", "role", "src", "title", "alt"]
VALUES = [
    "https://www.amazon.com/dp/B1?tag=x-20",
    "/go/shop/",
    "javascript:alert(1)",
    "sponsored",
    "nofollow",
    "display:none",
    "product-box",
    "footer",
    "main",
    "ad",
    "http://[::1",
    "https://xn--bcher-kva.example/ä",
    "//cdn.example/x",
    "#top",
    "mailto:a@b",
    "?q=1&utm_source=x",
    "%zz%00",
    "\x00",
    "x" * 300,
]
TEXTS = [
    "We earn a commission when you buy through links.",
    "Anzeige",
    "* Affiliate-Link",
    "TL;DR",
    "FAQ",
    "As an Amazon Associate I earn from qualifying purchases.",
    "Check price",
    "&amp;&lt;&#0;&#x110000;",
    "\u202e\ufeff\u0000",
    "{{ 7*7 }}",
    "<![CDATA[x]]>",
    "word " * 20,
]


@st.composite
def tag_soup(draw: Any) -> bytes:
    """HTML-like bytes: random tags, attributes and texts, unclosed, misnested, with odd bytes mixed in."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 60))):
        choice = draw(st.integers(0, 4))
        if choice == 0:
            tag = draw(st.sampled_from(TAGS))
            attrs = "".join(
                f' {draw(st.sampled_from(ATTRS))}="{draw(st.sampled_from(VALUES))}"'
                for _ in range(draw(st.integers(0, 3)))
            )
            parts.append(f"<{tag}{attrs}>")
        elif choice == 1:
            parts.append(f"</{draw(st.sampled_from(TAGS))}>")
        elif choice == 2:
            parts.append(draw(st.sampled_from(TEXTS)))
        elif choice == 3:
            parts.append(draw(st.text(max_size=40)))
        else:
            parts.append(draw(st.sampled_from(["<", ">", "&", "<!--", "-->", "<!DOCTYPE html>", "<?xml?>", "\r\n"])))
    data = "".join(parts).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=20)) + data[cut:]
    return data


def audit_or_refuse(data: bytes, url: str = "https://fuzz.example/page") -> None:
    started = time.monotonic()
    try:
        result = audit_html(data, url)
    except AuditError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    check_page(to_dict(result))
    assert time.monotonic() - started < PER_EXAMPLE_SECONDS


@FUZZ
@given(st.binary(max_size=4000))
def test_arbitrary_bytes(data: bytes) -> None:
    audit_or_refuse(data)


@FUZZ
@given(tag_soup())
def test_tag_soup(data: bytes) -> None:
    audit_or_refuse(data)


@FUZZ
@given(
    tag_soup(),
    st.sampled_from(
        sorted(
            {e.replace("_", "-") for e in codecs.__dict__.get("_cache", {})}
            | {
                "utf-8",
                "utf-16",
                "shift_jis",
                "koi8-r",
                "windows-1251",
                "x-bogus",
                "iso-8859-1",
                "utf-7",
                "hz",
                "cp037",
                "big5",
                "gb18030",
                "",
                "utf-32",
            }
        )
    ),
)
def test_declared_encodings(data: bytes, label: str) -> None:
    audit_or_refuse(f'<meta charset="{label}">'.encode() + data)
    try:
        codec = codecs.lookup(label).name
        audit_or_refuse(("<p>ünïcödé</p>" + data.decode("utf-8", "replace")).encode(codec, "replace"))
    except LookupError:
        pass


def test_deep_nesting_and_giant_nodes() -> None:
    """Documented caps: libxml2 reads 2,048 levels (deeper content is noted as unread); giant attributes and
    text nodes stay within the page size cap and are read in time."""
    started = time.monotonic()
    deep = audit_html(b"<html><body>" + b"<div>" * 100_000 + b"<p>deep</p>" + b"</div>" * 100_000, "https://x.example/")
    assert deep.notes and "2,048" in deep.notes[0]
    giant_attribute = (
        b'<p><a href="https://www.amazon.com/dp/B1?tag=x-20" title="' + b"x" * 5_000_000 + b'">buy</a></p>'
    )
    assert audit_html(giant_attribute, "https://x.example/").metrics["affiliate_links"] == 1
    giant_text = b"<main><p>" + b"word " * 1_000_000 + b"</p></main>"
    assert audit_html(giant_text, "https://x.example/").metrics["words_editorial"] == 1_000_000
    nul = b"<p>a\x00b</p>" * 10
    audit_or_refuse(nul)
    assert time.monotonic() - started < 60


URL_PARTS = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTPS://",
        "ftp://",
        "javascript:",
        "data:",
        "//",
        "/",
        "?",
        "#",
        "[",
        "]",
        ":",
        "@",
        "%",
        "%2",
        "%zz",
        "xn--",
        "ä",
        "例え",
        "\x00",
        "\t",
        " ",
        "..",
        ".",
        "www.",
        "amazon.de",
        "go",
        "127.0.0.1",
        ":65536",
        ":0",
        "tag=x-20",
        "&",
        "=",
        "\\",
    ]
)


@st.composite
def urls(draw: Any) -> str:
    return "".join(draw(st.lists(st.one_of(URL_PARTS, st.text(max_size=6)), max_size=12)))


@FUZZ
@given(urls(), urls())
@example("", "http://..")  # found by a 100,000-example run: a host of dots only
@example("http://..", "")
def test_url_and_link_classifiers(raw: str, base: str) -> None:
    target = absolute(raw, base)
    if target is not None:
        assert target.href and target.host
        anchor = Anchor(
            raw_href=raw,
            text="Check price",
            rel=("sponsored",),
            classes=("thirstylink",),
            data={"data-affiliate": "true"},
            piece=0,
            in_box=True,
            hidden=False,
            marked=True,
        )
        verdict = classify(anchor, target, site_of(target.host), CATALOGUE)
        assert isinstance(verdict.affiliate, bool)
    spelled = normalize(raw)
    if spelled is not None:
        assert normalize(spelled) == spelled  # one spelling per page
        Scope.of(spelled).why_not(spelled)


TOML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=10,
)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["select", "ignore", "fail_on", "max_bytes", "timeout", "user_agent", "rules", "rule", "x"]),
        TOML_VALUES,
        max_size=4,
    )
)
def test_config_loader(data: dict[str, Any]) -> None:
    try:
        from_mapping({k: v for k, v in data.items() if v is not None}, "fuzz.toml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.toml")


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.lists(TOML_VALUES, max_size=4).map(lambda v: json.dumps(v).encode()),
        st.dictionaries(st.sampled_from(["schema", "url", "error", "pages", "blocks", "metrics"]), TOML_VALUES).map(
            lambda d: json.dumps({"schema": "auditor/page@1", **d}).encode()
        ),
    ),
    st.sampled_from(["r.json", "r.jsonl"]),
)
@example(b'{"schema": "auditor/page@1", "url": "", "error": ""}', "r.jsonl")  # found by a 100,000-example run
@example(b'{"schema": "auditor/page@1", "blocks": [null], "url": "", "error": ""}', "r.jsonl")
def test_result_readers(data: bytes, name: str) -> None:
    import tempfile

    from auditor.config import Config

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            load_result(path, Config())
        except InputError as exc:
            assert "\n" not in str(exc)
