"""Rules x checks -> findings: run each active rule's check kind on a page and word what it found."""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

from auditor.checks import KINDS
from auditor.config import Config
from auditor.errors import ConfigError
from auditor.models import SEVERITY_RANK, Finding, Page, Site
from auditor.rulefiles import Rule, check_option, closest, load_rules
from auditor.wording import count, plural, share

# A rule that fires many times on one page costs at most this many times its weight: the score says how
# many kinds of problem a page has more than how often one of them recurs.
MAX_WEIGHT_MULTIPLE = 2
# A message names at most this many items of a list (pages, terms); the evidence keeps them all.
MAX_LISTED = 5


@cache
def runnable_rules() -> tuple[Rule, ...]:
    """The rule files, each checked against its check kind: a known kind of the rule's scope, and exactly that
    kind's options, each of the type of the kind's default."""
    for rule in load_rules():
        if rule.kind not in KINDS:
            raise ConfigError(f"rule {rule.id}: unknown check kind {rule.kind!r}{closest(rule.kind, sorted(KINDS))}")
        check = KINDS[rule.kind]
        kind_scope = getattr(check, "SCOPE", "page")
        if rule.scope != kind_scope:
            raise ConfigError(
                f"rule {rule.id}: check kind {rule.kind} is a {kind_scope} check; set scope = {kind_scope!r}"
            )
        for key in rule.options:
            if key not in check.DEFAULTS:
                raise ConfigError(f"rule {rule.id}: unknown option {key!r}{closest(key, sorted(check.DEFAULTS))}")
            check_option(rule.id, key, rule.options[key], check.DEFAULTS[key])
            if type(rule.options[key]) is not type(check.DEFAULTS[key]):
                # the file's value is what a configuration's override is checked against: same type as the kind's
                raise ConfigError(
                    f"rule {rule.id}: option {key!r} must be written as a {type(check.DEFAULTS[key]).__name__}"
                )
        missing = sorted(set(check.DEFAULTS) - set(rule.options))
        if missing:
            raise ConfigError(f"rule {rule.id}: option {missing[0]!r} of check kind {rule.kind} is not declared")
    return load_rules()


def active_rules(config: Config, scope: str = "page") -> tuple[Rule, ...]:
    """The rules that run under this configuration, with its severity, weight and option overrides."""
    rules: list[Rule] = []
    for rule in runnable_rules():
        if rule.scope != scope:
            continue
        if config.select and not any(rule.id.startswith(p) for p in config.select):
            continue
        if any(rule.id.startswith(p) for p in config.ignore):
            continue
        override = config.rules.get(rule.id)
        if override is not None:
            rule = replace(
                rule,
                severity=override.severity or rule.severity,
                weight=override.weight if override.weight is not None else rule.weight,
                options={**rule.options, **override.options},
            )
        rules.append(rule)
    return tuple(rules)


class _Quiet(string.Formatter):
    """Words a rule's message from a finding's evidence. The evidence stays plain numbers and lists (other programs
    read them in the JSON); how a count or a share reads is the message template's, written as a format spec
    (see "Messages" in `auditor.rulefiles`): `count` and `plural` word a count with `wording`, `share` words a
    fraction, `quoted` quotes a list's items, `if` picks one of two phrases by whether a value is there, and
    Python's own specs (`,`, `.0%`) work as usual. A list shows its distinct, non-empty items, at most MAX_LISTED
    of them, and counts as their number. A missing value prints "?" rather than raising, and a spec that does not
    fit its value prints the value as it is."""

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        return kwargs.get(str(key), "?")

    def format_field(self, value: Any, format_spec: str) -> str:
        spec, _, words = format_spec.partition(":")
        if spec in ("count", "plural") and words:
            return _counted(value, spec == "count", *words.partition("|")[::2])
        if spec == "if":
            present = _distinct(value) if isinstance(value, list | tuple) else value not in (None, "?", 0, "")
            return words.partition("|")[0 if present else 2]
        if isinstance(value, list | tuple):
            return _listed(value, quoted=spec == "quoted")
        if spec == "share" and isinstance(value, int | float) and not isinstance(value, bool):
            return share(value)
        try:
            return str(super().format_field(value, format_spec))
        except (ValueError, TypeError):
            return str(value)


def _counted(value: Any, with_number: bool, singular: str, plural_form: str) -> str:
    """`count` ("3 affiliate links") or `plural` ("sit"); a list counts its distinct items, and a missing count
    ("?") reads as more than one."""
    n = len(_distinct(value)) if isinstance(value, list | tuple) else _whole(value)
    if not with_number:
        return plural(2 if n is None else n, singular, plural_form or None)
    if n is None:
        return f"{value} {plural(2, singular, plural_form or None)}"
    return count(n, singular, plural_form or None)


def _whole(value: Any) -> int | None:
    """The value as a count, if it is one (evidence read back from JSON may hold 3.0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _listed(items: Sequence[Any], quoted: bool) -> str:
    """The distinct, non-empty items, at most MAX_LISTED and a count of the rest: a list that repeats an item or
    holds an empty one (", , These…") reads as a fault of the report."""
    distinct = _distinct(items)
    if not distinct:
        return "none"
    shown = ", ".join(f'"{t}"' if quoted else t for t in distinct[:MAX_LISTED])
    rest = len(distinct) - MAX_LISTED
    return shown + (f" and {rest} more" if rest > 0 else "")


def _distinct(items: Sequence[Any]) -> list[str]:
    return [t for t in dict.fromkeys(" ".join(str(v).split()) for v in items) if t]


_FORMATTER = _Quiet()


def word(rule: Rule, values: Mapping[str, Any]) -> str:
    """The rule's message, its fields filled from the evidence (the whole template if it cannot be filled)."""
    try:
        return _FORMATTER.format(rule.message, **values)
    except (ValueError, IndexError, AttributeError):
        return rule.message


def run(page: Page, rules: Iterable[Rule]) -> tuple[list[Finding], list[str]]:
    """All findings on the page, worst first (see `_ordered`), and the ids of the rules that passed."""

    def selector(block: int) -> str | None:
        return page.block(block).selector

    return _run(page, rules, selector)


def run_site(site: Site, rules: Iterable[Rule]) -> tuple[list[Finding], list[str]]:
    """The site-wide findings (each names its pages in `evidence["pages"]`), and the site rules that passed."""
    return _run(site, rules, None)


def _run(
    subject: Page | Site, rules: Iterable[Rule], selector: Callable[[int], str | None] | None
) -> tuple[list[Finding], list[str]]:
    """Each rule's check on the page or site, its evidence worded as findings; `selector` locates a page's
    blocks (a site's findings point at pages, not blocks)."""
    findings: list[Finding] = []
    passed: list[str] = []
    for rule in rules:
        found = False
        for evidence in KINDS[rule.kind].check(subject, rule.options):
            found = True
            block = evidence.block if selector is not None else None
            findings.append(
                Finding(
                    rule=rule.id,
                    severity=rule.severity,
                    message=word(rule, evidence.values),
                    block=block,
                    selector=selector(block) if selector is not None and block is not None else None,
                    evidence=evidence.values,
                    weight=rule.weight,
                    title=rule.failure_title,
                )
            )
        if not found:
            passed.append(rule.id)
    return _ordered(_cap(findings)), passed


def _ordered(findings: list[Finding]) -> list[Finding]:
    """Worst first: by severity, then by what the rule's findings take off the score together; a rule's findings
    stay together in page order. Every output reads findings in this order, so an error never sits between info
    lines."""
    taken: dict[str, int] = {}
    for finding in findings:
        taken[finding.rule] = taken.get(finding.rule, 0) + finding.weight
    return sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], -taken[f.rule], f.rule))


def _cap(findings: list[Finding]) -> list[Finding]:
    """Give each finding the weight it takes off the score, capping a rule's total (MAX_WEIGHT_MULTIPLE)."""
    spent: dict[str, int] = {}
    out: list[Finding] = []
    for finding in findings:
        budget = finding.weight * MAX_WEIGHT_MULTIPLE - spent.get(finding.rule, 0)
        weight = max(0, min(finding.weight, budget))
        spent[finding.rule] = spent.get(finding.rule, 0) + weight
        out.append(replace(finding, weight=weight))
    return out


def score(findings: Iterable[Finding]) -> int:
    """100 minus the weight of every finding, not below 0."""
    return max(0, 100 - sum(f.weight for f in findings))
