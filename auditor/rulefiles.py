"""Load the rule files in `rules/` (one TOML file per rule) and check that each one is complete.

Rules are plain data: reading them imports no check. Each file declares every option of its check kind, so that
the configuration can validate overrides and the reports can print a rule's texts from the file alone; the engine
checks, when it runs them, that each names a known kind and declares exactly that kind's options.

A rule speaks to two readers. `why` (why it matters) and `fix` (what to do) are for the publisher, in plain
words: no option names, no statistics. `description` and `sources` are the full technical account, with the
source of each threshold (`auditor rules ID` prints all four).

Messages: `message` is a `str.format` template filled from the evidence of a finding (`engine.word`). The
evidence keeps plain numbers, which other programs read in the JSON; the template words them:
- `{links:count:affiliate link}`: "1 affiliate link", "3 affiliate links", "no affiliate links"
  (`{n:count:child|children}` for an irregular plural);
- `{links:plural:sits|sit}`: the form the count asks for (a verb, or any phrase: fields may nest in it);
- `{coverage:share}`: a fraction as "none", "23%" or "all";
- `{names:if:names {names}|says nothing}`: the first phrase when the value is there (a non-empty list, a
  non-zero number), the second when not;
- a list shows its distinct, non-empty items ("a, b and 3 more"); `{texts:quoted}` quotes each;
- Python's own specs work as usual: `{words:,}`, `{similarity:.0%}`.
Quotes in evidence are cut at a word by the checks (`wording.clip`), and words are shown as the page writes them.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Any, Literal

from auditor.errors import ConfigError
from auditor.models import SEVERITIES, Severity

GROUPS = ("disclosure", "links", "repetition", "content", "site")
DEFAULT_WEIGHTS: dict[str, int] = {"error": 20, "warning": 8, "info": 2}
_REQUIRED = ("kind", "severity", "title", "failure_title", "message", "why", "fix", "description", "sources")
_ALLOWED = frozenset((*_REQUIRED, "weight", "options", "examples", "scope"))


@dataclass(frozen=True, slots=True)
class Example:
    expect: Literal["fail", "pass"]
    html: str
    url: str
    note: str
    name: str = ""
    """Which boundary of the rule it sits on (the test's id)."""
    xfail: str = ""
    """Why the check does not yet do what this example shows the rule promises (empty: it does)."""
    message: str = ""
    """Words a failing example's message must contain: the wording is tested where it is written."""
    redirects: tuple[Mapping[str, Any], ...] = ()
    """Chains as a link check (--check-links) would have recorded them for the page's links: each a table of the
    link's `href` (absolute), its `chain` (the URLs it led to, the link first), and the final `status` or the
    `error` that stopped it."""


_EXAMPLE_KEYS = frozenset(("expect", "html", "url", "note", "name", "xfail", "message", "redirects"))


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str
    severity: Severity
    title: str
    failure_title: str
    message: str
    why: str
    """Why the rule matters, in plain words a publisher reads in a report (the details are in `description`)."""
    fix: str
    """What the publisher does about a failure: one or two plain sentences."""
    description: str
    sources: tuple[str, ...]
    options: Mapping[str, Any]
    weight: int
    examples: tuple[Example, ...]
    scope: Literal["page", "site"] = "page"

    @property
    def group(self) -> str:
        return self.id.split("-", 1)[0]


def held_out_only(seen_on: Iterable[str], held_out: frozenset[str]) -> bool:
    """Whether every site a piece of rule data was first met on (`seen_on`) is held out of what scoring may know
    (`auditor eval --cv`): then it is left out. Met on another site as well, it would have been written all the
    same, and stays."""
    sites = frozenset(seen_on)
    return bool(sites) and held_out.issuperset(sites)


def patterns(entries: Iterable[str | Mapping[str, Any]], held_out: frozenset[str] = frozenset()) -> list[str]:
    """The regular expressions of a rule-data list: strings, or {pattern, seen_on} tables for those first met on
    labelled pages, less the ones met only on held-out sites."""
    return [
        e if isinstance(e, str) else str(e["pattern"])
        for e in entries
        if isinstance(e, str) or not held_out_only(e.get("seen_on", ()), held_out)
    ]


def any_word(words: Iterable[str]) -> re.Pattern[str]:
    """A pattern that tells whether a text holds any of these literal words, whatever their case (it finds nothing
    when there are none): for a yes or no, not for which word it finds. Python's re tries every alternative at
    every character of a text, so a word that holds another is left out (it adds nothing), the words are grouped
    by their first letter (re tests a letter they share once) and a lookahead passes over a character that no
    word starts with in one test: on the corpus, link texts and link targets are searched over twice as fast."""
    words = set(words)
    if "" in words:
        return re.compile("")
    kept = sorted(w for w in words if not any(other != w and other in w for other in words))
    if not kept:
        return re.compile("(?!)")
    firsts = "".join(sorted({re.escape(w[0]) for w in kept}))
    groups = ("|".join(map(re.escape, group)) for _, group in groupby(kept, key=lambda w: w[0]))
    return re.compile(f"(?=[{firsts}])(?:{'|'.join(f'(?:{g})' for g in groups)})", re.I)


@cache
def rules_dir() -> Path:
    """Where the shipped rule files are: inside the installed package, or beside it in a source checkout (found
    once: every page asks, for its models)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent / "rules"):
        if (candidate / "networks.toml").is_file():
            return candidate
    raise ConfigError("the rules directory is missing from this installation of the auditor")


def closest(name: str, choices: list[str] | tuple[str, ...]) -> str:
    """' (did you mean X?)' when a close name exists, else ''."""
    match = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _example(rule_id: str, raw: Any) -> Example:
    if not isinstance(raw, dict) or raw.get("expect") not in ("fail", "pass") or not isinstance(raw.get("html"), str):
        raise ConfigError(f'rule {rule_id}: each example needs expect = "fail"|"pass" and html')
    unknown = sorted(set(raw) - _EXAMPLE_KEYS)
    if unknown:
        raise ConfigError(
            f"rule {rule_id}: unknown example key {unknown[0]!r}{closest(unknown[0], sorted(_EXAMPLE_KEYS))}"
        )
    if "xfail" in raw and not str(raw["xfail"]).strip():
        raise ConfigError(f"rule {rule_id}: an example's xfail must say why")
    if "message" in raw and raw["expect"] != "fail":
        raise ConfigError(f"rule {rule_id}: only a failing example has a message to check")
    redirects = raw.get("redirects", [])
    for entry in redirects if isinstance(redirects, list) else [None]:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("href"), str)
            and isinstance(entry.get("chain"), list)
            and (isinstance(entry.get("status"), int) or isinstance(entry.get("error"), str))
        ):
            raise ConfigError(f"rule {rule_id}: each of an example's redirects needs href, chain, and status or error")
    return Example(
        expect=raw["expect"],
        html=raw["html"],
        url=raw.get("url", "https://example.com/post/"),
        note=raw.get("note", ""),
        name=str(raw.get("name", "")),
        xfail=str(raw.get("xfail", "")),
        message=str(raw.get("message", "")),
        redirects=tuple(redirects),
    )


def parse_rule(rule_id: str, data: dict[str, Any]) -> Rule:
    """Validate one rule's data: its keys, group, severity, options and examples."""
    unknown = sorted(set(data) - _ALLOWED)
    if unknown:
        raise ConfigError(f"rule {rule_id}: unknown key {unknown[0]!r}{closest(unknown[0], sorted(_ALLOWED))}")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ConfigError(f"rule {rule_id}: missing key {missing[0]!r}")
    if rule_id.split("-", 1)[0] not in GROUPS:
        raise ConfigError(f"rule {rule_id}: the id must start with a group: {', '.join(GROUPS)}")
    kind = data["kind"]
    if not isinstance(kind, str) or not kind:
        raise ConfigError(f"rule {rule_id}: kind must name a check kind")
    severity = data["severity"]
    if severity not in SEVERITIES:
        raise ConfigError(f"rule {rule_id}: severity must be one of {', '.join(SEVERITIES)}")
    for key in ("why", "fix"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise ConfigError(f"rule {rule_id}: {key} must be one to three plain sentences for the publisher")
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise ConfigError(f"rule {rule_id}: [options] must be a table")
    if data.get("scope", "page") not in ("page", "site"):
        raise ConfigError(f"rule {rule_id}: scope must be 'page' or 'site'")
    examples = tuple(_example(rule_id, e) for e in data.get("examples", ()))
    return Rule(
        id=rule_id,
        kind=kind,
        severity=severity,
        title=data["title"],
        failure_title=data["failure_title"],
        message=data["message"],
        why=" ".join(str(data["why"]).split()),
        fix=" ".join(str(data["fix"]).split()),
        description=data["description"].strip(),
        sources=tuple(data["sources"]),
        options=options,
        weight=int(data.get("weight", DEFAULT_WEIGHTS[severity])),
        examples=examples,
        scope=data.get("scope", "page"),
    )


def check_option(rule_id: str, key: str, value: Any, default: Any) -> Any:
    """An option keeps the type of its default (an int is accepted where a float is expected)."""
    if isinstance(default, bool) != isinstance(value, bool):
        raise ConfigError(f"rule {rule_id}: option {key!r} must be {type(default).__name__}, not {value!r}")
    if isinstance(default, float) and isinstance(value, int):
        return float(value)
    if not isinstance(value, type(default)):
        raise ConfigError(f"rule {rule_id}: option {key!r} must be {type(default).__name__}, not {value!r}")
    return value


@cache
def load_rules(directory: Path | None = None) -> tuple[Rule, ...]:
    """Every rule file in the rules directory, sorted by id; the file name (without .toml) is the id."""
    folder = directory or rules_dir()
    rules: list[Rule] = []
    for path in sorted(folder.glob("*.toml")):
        if path.stem in ("networks", "disclosures"):
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read rule file {path.name}: {exc}") from None
        rule = parse_rule(path.stem, data)
        rules.append(rule)
    return tuple(rules)


@cache
def heading_pattern(headings: tuple[str, ...]) -> re.Pattern[str]:
    """The pattern of a section's heading words ("tl;dr", "faq"): one of them opening a block's text, whatever the
    case. The restatement check finds summaries and FAQs by it; a configuration's `headings` are compiled by it when
    they are read, so that one it cannot compile is refused there (an inline flag such as "(?i)" compiles alone
    and in a list, and not inside it)."""
    return re.compile(r"^\W*(?:" + "|".join(headings) + r")\b\W*", re.I)
