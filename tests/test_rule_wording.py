"""What a publisher reads of a rule: a why and a fix in plain words, and messages that read as sentences (counts
with their noun in the right number, shares as percentages, words as the page writes them, quotes cut at a word,
no item listed twice)."""

from __future__ import annotations

import re
import string
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from auditor import Config, audit_file, audit_html
from auditor.checks import disclosure_placement
from auditor.engine import word
from auditor.errors import ConfigError
from auditor.models import Finding
from auditor.pipeline import analyse
from auditor.rulefiles import Rule, load_rules, parse_rule
from auditor.site import assemble, from_results
from tests.test_rule_examples import example_result, expand

RULES = load_rules()
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
# words a publisher should not have to know: how a check measures, not what it found
JARGON = re.compile(
    r"tf-?idf|\bidf\b|cosine|jaccard|minhash|shingl|\blsh\b|smoothed|\bstems?\b|corpus|\bfloor\b|median|"
    r"deviation|z-score|vector|\bn-?grams?\b|threshold",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*(?:\s|$)")


def _sentences(text: str) -> int:
    return len(_SENTENCE_END.findall(text))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_says_why_and_what_to_do_in_plain_words(rule: Rule) -> None:
    for key, most in (("why", 3), ("fix", 2)):
        text = getattr(rule, key)
        assert text.strip(), f"{rule.id}: {key} is empty"
        assert 1 <= _sentences(text) <= most, f"{rule.id}: {key} should be 1 to {most} sentences: {text!r}"
        assert not JARGON.search(text), f"{rule.id}: {key} uses {JARGON.search(text)!r}"
        # an option is named as the configuration writes it (`max_share`): the publisher's text names none
        named = [o for o in rule.options if ("_" in o and o in text) or f"`{o}`" in text]
        assert not named and "`" not in text, f"{rule.id}: {key} names an option: {named or text}"
        assert text != rule.description


def test_why_and_fix_are_required() -> None:
    data: dict[str, Any] = {
        "kind": "disclosure_missing",
        "severity": "error",
        "title": "t",
        "failure_title": "f",
        "message": "m",
        "description": "d",
        "sources": ["s"],
        "why": "Why.",
        "fix": "Fix.",
    }
    assert parse_rule("disclosure-x", data).fix == "Fix."
    for key in ("why", "fix"):
        with pytest.raises(ConfigError, match=key):
            parse_rule("disclosure-x", {k: v for k, v in data.items() if k != key})
        with pytest.raises(ConfigError, match=key):
            parse_rule("disclosure-x", {**data, key: "  "})


def _rule(message: str) -> Rule:
    return replace(RULES[0], message=message)


def test_a_template_words_counts_shares_and_lists() -> None:
    def said(message: str, **values: Any) -> str:
        return word(_rule(message), values)

    assert said("{n:count:affiliate link}", n=1) == "1 affiliate link"
    assert said("{n:count:affiliate link}", n=3) == "3 affiliate links"
    assert said("{n:count:affiliate link}", n=0) == "no affiliate links"
    assert said("{n:count:child|children}", n=2) == "2 children"
    assert said("{n:count:word}", n=1058.0) == "1,058 words"
    assert said("{n} of {m:count:link} {n:plural:has|have} it", n=1, m=4) == "1 of 4 links has it"
    assert said("{n:plural:word for word|in {n} wordings}", n=3) == "in 3 wordings"
    assert said("{n:plural:word for word|in {n} wordings}", n=1) == "word for word"
    shares = (0, 0.004, 0.228, 0.505, 0.996, 1.0)
    # half up, so that a share just above a 50% limit does not read as "50%"
    assert [said("{s:share}", s=v) for v in shares] == ["none", "under 1%", "23%", "51%", "over 99%", "all"]
    assert said("{s:.0%}", s=0.3) == "30%"
    # a list: its distinct, non-empty items, and counted as their number
    assert said("{t:quoted}", t=["", "A", "A", " ", "B  c"]) == '"A", "B c"'
    assert said("{t}", t=list("abcdefg")) == "a, b, c, d, e and 2 more"
    assert said("{t}", t=[]) == "none"
    assert said("the {t} {t:plural:script|scripts}", t=["skimlinks"]) == "the skimlinks script"
    # one of two phrases, by whether the value is there (fields nest in either)
    assert said("{t:if:it names {t}, and |}uses {s:share}", t=["SpaceX"], s=0.4) == "it names SpaceX, and uses 40%"
    assert said("{t:if:it names {t}, and |}uses {s:share}", t=["", " "], s=0.4) == "uses 40%"
    assert said("{n:if:yes|no} {m:if:yes|no} {x:if:yes|no}", n=0, m=2) == "no yes no"
    # a missing value or a spec that does not fit prints as it is, never raises
    assert said("{n:count:link} {n:plural:has|have} {x:.0%} {x:share}", x="?") == "? links have ? ?"


def _fields(template: str) -> set[str]:
    names: set[str] = set()
    for _, name, spec, _ in string.Formatter().parse(template):
        if name:
            names.add(name)
        if spec:
            names |= _fields(spec)
    return names


def _example_findings() -> list[tuple[Rule, Finding]]:
    found = []
    for rule in RULES:
        for example in rule.examples:
            if rule.scope == "page" and example.expect == "fail" and not example.xfail:
                result = audit_html(expand(example.html), url=example.url, config=Config(select=(rule.id,)))
                found += [(rule, f) for f in result.findings if f.rule == rule.id]
    return found


FINDINGS = _example_findings()


def _read(message: str) -> None:
    own = re.sub(r'"[^"]*"', '""', message)  # the message's own words, not the page's it quotes ("0.9 litre")
    assert "(s)" not in own, message
    assert not re.search(r"(?<![\d,.])0\.\d", own), f"a raw fraction: {message}"
    assert "{" not in own, message


@pytest.mark.parametrize(("rule", "finding"), FINDINGS, ids=lambda v: v.id if isinstance(v, Rule) else "")
def test_every_failing_example_is_worded_from_its_evidence(rule: Rule, finding: Finding) -> None:
    assert _fields(rule.message) <= set(finding.evidence), f"{rule.id}: the template asks for what no check says"
    _read(finding.message)


@pytest.mark.parametrize("rule", [r for r in RULES if r.scope == "site"], ids=lambda r: r.id)
def test_every_failing_site_is_worded_from_its_evidence(rule: Rule) -> None:
    pages = [e for e in rule.examples if e.expect == "fail"]
    results = [example_result(e) for e in pages]
    hits = [f for f in assemble(from_results(results), Config(select=(rule.id,)))["findings"] if f["rule"] == rule.id]
    assert hits
    for finding in hits:
        assert _fields(rule.message) <= set(finding["evidence"]), rule.id
        _read(finding["message"])


@pytest.mark.parametrize("name", ["seed-article", "seed-like-news"])
def test_the_seed_pages_read_as_sentences(name: str) -> None:
    result = audit_file(SAMPLES / f"{name}.html")
    page_text = " ".join(" ".join(b.text.split()) for b in result.blocks)
    for finding in result.findings:
        _read(finding.message)
        for quote in _quotes(finding.evidence):
            if quote.endswith("…"):
                # cut where a word ends on the page, never inside one ("$165 at Fel…")
                cut = quote[:-1]
                at = page_text.find(cut)
                assert at >= 0 and not page_text[at + len(cut) : at + len(cut) + 1].isalnum(), quote
    off_topic = [f for f in result.findings if f.rule == "content-off-topic-plug"]
    assert off_topic
    for finding in off_topic:
        # the page's words, not their stems ("softwar", "portabl")
        for term in finding.evidence["missing_terms"]:
            assert re.search(rf"\b{re.escape(term)}\b", finding.evidence["plug"]), term
        assert re.search(r"uses (\d+%|none) of the plug's distinctive words", finding.message), finding.message


def _quotes(evidence: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for value in evidence.values():
        values = value if isinstance(value, list) else [value]
        out += [v for v in values if isinstance(v, str)]
    return out


def test_the_seed_lists_each_plug_once_without_its_buy_button() -> None:
    plugs = next(f for f in audit_file(SAMPLES / "seed-article.html").findings if f.rule == "content-plugs")
    assert plugs.message.startswith("4 affiliate plugs inside the article's running text: ")
    assert "Check price on Amazon" not in plugs.message
    assert '"AI development workstations", "AI coding software tools", "AI model performance testing kits"' in (
        plugs.message
    )


def test_repeated_and_empty_plugs_are_listed_once() -> None:
    box = '<div class="product"><a href="https://www.amazon.com/dp/B{n}?tag=s-20">{text}</a></div>'
    plugs = "".join(box.format(n=n, text=t) for n, t in enumerate(["See it now: Amazon"] * 4 + ["", "Kettle"]))
    html = f"""<html><body><main><p>The city council met on Tuesday to discuss the new tram line.</p>{plugs}
    <p>The vote is expected next month, after a public consultation.</p></main></body></html>"""
    found = audit_html(html, url="https://example.com/post/", config=Config(select=("content-plugs",))).findings
    assert found and found[0].message.endswith(': "See it now: Amazon", "Kettle"'), found[0].message


# A disclosure the reader meets after the first affiliate link has at least that link before it. It once said "after
# 0 affiliate link(s)": the check counted the links before it by block position, which is rounded (an image link's
# empty block and the label after it share one) and equal for a marker in the link's own block ("*" after it).
AFTER = [f for rule, f in FINDINGS if rule.id == "disclosure-after-link"]


def test_a_late_disclosure_always_has_a_link_before_it() -> None:
    assert len(AFTER) >= 4
    assert all(f.evidence["links_before"] >= 1 for f in AFTER)
    for name in ("seed-article", "seed-like-news"):
        late = [f for f in audit_file(SAMPLES / f"{name}.html").findings if f.rule == "disclosure-after-link"]
        assert [f.evidence["links_before"] for f in late] == [1]


def test_links_before_a_disclosure_are_counted_in_document_order_not_by_rounded_position() -> None:
    html = """<html><body><main><p>The desk lamp we keep coming back to is bright, cheap and steady.</p>
    <p>Here is the lamp we like: <a href="https://www.amazon.com/dp/B01?tag=site-20">see it</a>.</p>
    <p>We earn a commission from purchases made through the links in this article.</p></main></body></html>"""
    page = analyse(html.encode(), "https://example.com/post/")
    link, statement = page.affiliate_links[0].block, page.disclosure.statements[0].block
    assert statement == link + 1
    # as on a long page, where both blocks round to one position
    level = replace(page, blocks=tuple(b._replace(position=0.5) for b in page.blocks), memo={})
    options = {"placement": "after_first_affiliate_link"}
    (evidence,) = disclosure_placement.check(level, options)
    assert evidence.values["links_before"] == 1
    # a statement beside the link in its own block is not after it; a marker written after the link is
    beside = replace(page.disclosure.statements[0], block=link, order=link)
    trailing = replace(beside, trails_link=True)
    for statement_, before in ((beside, 0), (trailing, 1)):
        disclosure = replace(page.disclosure, statements=(statement_,))
        found = list(disclosure_placement.check(replace(page, disclosure=disclosure, memo={}), options))
        assert [e.values["links_before"] for e in found] == ([before] if before else [])
