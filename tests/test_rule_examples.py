"""Every rule documents a failing and a passing example, and both behave as documented.

A page rule's examples may go further and sit on both sides of each of its thresholds. An example may carry a
`redirects` list (the chains a link check would have recorded for its links, applied to its result), a
`name` (the test id, saying which boundary it tests) and an `xfail` reason: the example shows what the rule's
description promises, and the check does not do it yet (the test fails strictly once the check does). A failing
example may also carry `message`: words its finding's message must contain.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from auditor import Config, audit_html, to_dict
from auditor.resolution import apply
from auditor.rulefiles import Example, Rule, load_rules
from auditor.site import assemble, from_results

RULES = load_rules()
_FILLER = (
    "the weather stayed mild all week and the river rose a little after the rain on the hills "
    "while people walked their dogs along the path by the old mill"
).split()


def expand(html: str) -> str:
    """Rule examples may write {{LOREM_N}} for N words of neutral filler text."""

    def words(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return " ".join(_FILLER[i % len(_FILLER)] for i in range(n)) + "."

    return re.sub(r"\{\{LOREM_(\d+)\}\}", words, html)


def example_result(example: Example) -> dict[str, Any]:
    """An example page's result (the JSON contract), with the redirect chains the example gives its links applied
    as a link check (--check-links) would have recorded them."""
    result = to_dict(audit_html(expand(example.html), url=example.url))
    chains = {
        str(r["href"]): {
            "chain": list(r["chain"]),
            "final_url": None if "error" in r else r["chain"][-1],
            "status": r.get("status"),
            "error": r.get("error"),
        }
        for r in example.redirects
    }
    return apply(result, chains)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_a_failing_and_a_passing_example(rule: Rule) -> None:
    """An example marked `xfail` documents a gap, not the rule: each rule needs a failing and a passing example
    that hold."""
    expects = {e.expect for e in rule.examples if not e.xfail}
    assert "fail" in expects, f"{rule.id} needs a failing example (not marked xfail)"
    assert "pass" in expects, f"{rule.id} needs a passing example (not marked xfail)"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_example_names_are_unique(rule: Rule) -> None:
    names = [e.name for e in rule.examples if e.name]
    assert len(names) == len(set(names)), f"{rule.id}: two examples share a name"
    if rule.scope == "site":
        assert not any(e.xfail for e in rule.examples), f"{rule.id}: a site rule's examples form one site"


def _cases() -> list[Any]:
    cases = []
    for rule in RULES:
        if rule.scope != "page":
            continue
        for index, example in enumerate(rule.examples):
            marks = [pytest.mark.xfail(reason=example.xfail, strict=True)] if example.xfail else []
            label = f"{rule.id}[{example.name or index}]"
            cases.append(pytest.param(rule, index, id=label, marks=marks))
    return cases


def _site_cases() -> list[tuple[Rule, str]]:
    return [(rule, expect) for rule in RULES if rule.scope == "site" for expect in ("fail", "pass")]


@pytest.mark.parametrize(("rule", "expect"), _site_cases(), ids=lambda v: v.id if isinstance(v, Rule) else str(v))
def test_site_rule_examples(rule: Rule, expect: str) -> None:
    """A site rule's examples of one kind form one site: its failing pages together, its passing pages together."""
    pages = [e for e in rule.examples if e.expect == expect]
    results = [example_result(e) for e in pages]
    site = assemble(from_results(results), Config(select=(rule.id,)))
    hits = [f for f in site["findings"] if f["rule"] == rule.id]
    if expect == "fail":
        assert hits, f"{rule.id}: the failing site raised nothing"
        assert all(url in {p.url for p in pages} for f in hits for url in f["evidence"].get("pages", []))
        for said in (e.message for e in pages if e.message):
            assert any(said in f["message"] for f in hits), f"{rule.id}: no message says {said!r}"
    else:
        assert not hits, f"{rule.id}: the passing site raised {[f['message'] for f in hits]}"


@pytest.mark.parametrize(("rule", "index"), _cases())
def test_rule_example(rule: Rule, index: int) -> None:
    example = rule.examples[index]
    about = example.name or example.note
    result = audit_html(expand(example.html), url=example.url, config=Config(select=(rule.id,)))
    hits = [f for f in result.findings if f.rule == rule.id]
    if example.expect == "fail":
        assert hits, f"{rule.id}: the failing example raised nothing ({about})"
        assert all(f.severity == rule.severity for f in hits)
        if example.message:
            assert any(example.message in f.message for f in hits), (
                f"{rule.id}: no message of the failing example ({about}) says {example.message!r}: "
                f"{[f.message for f in hits]}"
            )
    else:
        assert not hits, f"{rule.id}: the passing example ({about}) raised {[f.message for f in hits]}"


def test_every_rule_cites_a_source_and_says_why() -> None:
    for rule in RULES:
        assert rule.sources and all(len(s) > 10 for s in rule.sources), rule.id
        assert len(rule.description) > 80, rule.id
        assert rule.title != rule.failure_title, rule.id
