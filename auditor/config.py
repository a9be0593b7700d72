"""User configuration: `auditor.toml` or `[tool.auditor]` in `pyproject.toml`, validated key by key."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.errors import ConfigError
from auditor.models import BLOCK_KINDS, DISCLOSURE_KINDS, PLACEMENTS, SEVERITIES, Severity
from auditor.rulefiles import GROUPS, check_option, closest, heading_pattern, load_rules

USER_AGENT = f"affiliate-auditor/{__version__} (+https://github.com/affiliate-auditor/affiliate-auditor)"
# The longest a 429 or 503 answer's Retry-After is waited for (seconds), unless --max-retry-after says otherwise
MAX_RETRY_AFTER = 120.0
_TOP_KEYS = ("select", "ignore", "fail_on", "max_bytes", "timeout", "user_agent", "models", "rules")
_RULE_KEYS = ("severity", "weight", "options")
# What a rule option may hold beyond the type of its default (rulefiles.check_option), checked when the
# configuration loads, so that a bad value is one line naming the file and never an error in the middle of a crawl.
# Every number must be finite and not below 0 (a count, a number of words, a density, a factor of the spread).

# The values an option may take where the check compares it with a vocabulary of the page result. The link
# verdicts and page types are written out: their modules load the page pipeline, which reading a configuration
# does not (tests/test_input_validation.py holds them equal to resolution.VERDICTS and pagetype.TYPES).
_CHOICES: dict[str, tuple[str, ...]] = {
    "extent": ("paragraph", "section"),  # restatement: the summary's paragraph, or its heading's whole section
    "placement": PLACEMENTS,
    "kind": DISCLOSURE_KINDS,
    "kinds": BLOCK_KINDS,
    "verdict": ("broken", "tag_lost", "loop", "unverified", "healthy"),
    "story_types": ("news", "review", "roundup", "howto", "deals", "recipe", "listing", "other"),
}
# A float option named for a share of words or pages, a similarity or a coverage is a fraction: 0 to 1
_FRACTIONS = ("similarity", "share", "coverage", "threshold")
# Options whose items the check compiles as regular expressions (restatement joins `headings` into one)
_PATTERNS = ("headings",)


@dataclass(frozen=True, slots=True)
class RuleOverride:
    severity: Severity | None = None
    weight: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Config:
    select: tuple[str, ...] = ()
    """Rule id prefixes to run (empty: all rules)."""
    ignore: tuple[str, ...] = ()
    fail_on: Severity = "error"
    max_bytes: int = 10 * 1024 * 1024
    """Pages larger than this are refused (a guard against endless or hostile responses)."""
    timeout: float = 20.0
    user_agent: str = USER_AGENT
    rules: Mapping[str, RuleOverride] = field(default_factory=dict)
    source: str | None = None
    models: Path | None = None
    """A folder of models retrained on the user's own labelled pages (`auditor train`); None: the shipped ones."""
    held_out: frozenset[str] = frozenset()
    """Sites scored out of sample (`auditor eval --cv`; no configuration file sets it): knowledge first met on
    their own pages (`seen_on` in the rule data) is left out, so that the score says what a new site would get."""

    def with_cli(self, **values: Any) -> Config:
        """This configuration with the command-line values that were given (None means not given)."""
        given = {k: v for k, v in values.items() if v not in (None, ())}
        if "select" in given or "ignore" in given:
            check_prefixes(tuple(given.get("select", ())) + tuple(given.get("ignore", ())), "command line")
        return replace(self, **given)


def check_prefixes(prefixes: tuple[str, ...], where: str) -> None:
    """Every --select/--ignore value must be a group or the prefix of at least one rule id."""
    ids = [r.id for r in load_rules()]
    for prefix in prefixes:
        if not any(i.startswith(prefix) for i in ids):
            raise ConfigError(f"{where}: no rule matches {prefix!r}{closest(prefix, [*GROUPS, *ids])}")


def _rule_override(rule_id: str, raw: Any, where: str) -> RuleOverride:
    rules = {r.id: r for r in load_rules()}
    if rule_id not in rules:
        raise ConfigError(f"{where}: unknown rule {rule_id!r}{closest(rule_id, sorted(rules))}")
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [rules.{rule_id}] must be a table")
    rule = rules[rule_id]
    severity = raw.get("severity")
    if severity is not None and severity not in SEVERITIES:
        raise ConfigError(f"{where}: rules.{rule_id}.severity must be one of {', '.join(SEVERITIES)}")
    nested = raw.get("options", {})  # the options may also stand in a table of their own: [rules.X.options]
    if not isinstance(nested, dict):
        raise ConfigError(f"{where}: rules.{rule_id}.options must be a table")
    options: dict[str, Any] = {}
    for key, value in [*((k, v) for k, v in raw.items() if k not in _RULE_KEYS), *nested.items()]:
        if key not in rule.options:
            known = sorted([*_RULE_KEYS, *rule.options])
            raise ConfigError(f"{where}: rule {rule_id} has no option {key!r}{closest(key, known)}")
        options[key] = _option(rule_id, key, value, rule.options[key], where)
    weight = raw.get("weight")
    if weight is not None and (not isinstance(weight, int) or isinstance(weight, bool) or weight < 0):
        raise ConfigError(f"{where}: rules.{rule_id}.weight must be a whole number >= 0")
    return RuleOverride(severity=severity, weight=weight, options=options)


def _option(rule_id: str, key: str, value: Any, default: Any, where: str) -> Any:
    """The option's value as its check will read it; else one error naming the file, the rule and the option."""
    try:
        value = check_option(rule_id, key, value, default)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    wrong = _wrong_option(key, value, default)
    if wrong:
        raise ConfigError(f"{where}: rule {rule_id}: option {key!r} {wrong}")
    return value


def _wrong_option(key: str, value: Any, default: Any) -> str | None:
    """What is wrong with an option's value of the right type, in words; None when nothing is."""
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and default:  # a list's items keep the type of its default's items
        kind = type(default[0])
        for number, item in enumerate(value, 1):
            if not isinstance(item, kind) or isinstance(item, bool):
                return f"must be a list of {kind.__name__} (item {number}: {item!r})"
    if key in _CHOICES and any(item not in _CHOICES[key] for item in items):
        bad = next(item for item in items if item not in _CHOICES[key])
        return f"must be one of: {', '.join(_CHOICES[key])} (not {bad!r})"
    if key in _PATTERNS:
        for pattern in items:  # each pattern, then all of them as the check compiles them
            try:
                heading_pattern((pattern,))
            except re.error as exc:
                return f"has {pattern!r}, not a valid pattern here: {exc}"
        try:
            heading_pattern(tuple(items))
        except re.error as exc:
            return f"holds patterns that do not compile together: {exc}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(default, float) and any(word in key for word in _FRACTIONS):
            return None if 0 <= value <= 1 else f"must be between 0 and 1, not {value!r}"
        if not 0 <= value < math.inf:  # NaN is neither
            return f"must be a finite number of 0 or more, not {value!r}"
    return None


def from_mapping(data: Mapping[str, Any], where: str, folder: Path | None = None) -> Config:
    """Build a Config from parsed TOML, naming the first bad key and the closest good one. `folder`: where a
    relative `models` path starts (the configuration file's folder)."""
    for key in data:
        if key not in _TOP_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}{closest(key, _TOP_KEYS)}")
    values: dict[str, Any] = {"source": where}
    for key in ("select", "ignore"):
        if key in data:
            raw = data[key]
            if isinstance(raw, str):
                raw = [raw]
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                raise ConfigError(f"{where}: {key} must be a list of rule id prefixes")
            check_prefixes(tuple(raw), where)
            values[key] = tuple(raw)
    if "fail_on" in data:
        if data["fail_on"] not in SEVERITIES:
            raise ConfigError(f"{where}: fail_on must be one of {', '.join(SEVERITIES)}")
        values["fail_on"] = data["fail_on"]
    for key, kind in (("max_bytes", int), ("timeout", (int, float))):
        if key in data:
            value = data[key]
            if not isinstance(value, kind) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{where}: {key} must be a number above 0, not {value!r}")
            values[key] = value
    if "user_agent" in data:
        if not isinstance(data["user_agent"], str) or not data["user_agent"].strip():
            raise ConfigError(f"{where}: user_agent must be a non-empty string")
        values["user_agent"] = data["user_agent"]
    if "models" in data:
        raw = data["models"]
        if not isinstance(raw, str) or not raw.strip():
            raise ConfigError(f"{where}: models must be the path of a folder written by `auditor train`")
        models = ((folder or Path.cwd()) / raw).resolve()
        if not (models / "link-model.json").is_file():
            raise ConfigError(f"{where}: models {raw!r}: no link-model.json in {models}")
        values["models"] = models
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError(f"{where}: [rules] must be a table of rule ids")
    values["rules"] = {rule_id: _rule_override(rule_id, raw, where) for rule_id, raw in rules.items()}
    return Config(**values)


def load(path: Path | None = None, directory: Path | None = None) -> Config:
    """The configuration at `path`, else `auditor.toml` or `pyproject.toml [tool.auditor]` in `directory`."""
    if path is None:
        folder = directory or Path.cwd()
        candidate = folder / "auditor.toml"
        if candidate.is_file():
            path = candidate
        else:
            pyproject = folder / "pyproject.toml"
            if pyproject.is_file():
                data = _read(pyproject)
                section = data.get("tool", {}).get("auditor")
                if isinstance(section, dict):
                    return from_mapping(section, f"{pyproject} [tool.auditor]", folder)
            return Config()
    data = _read(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("auditor", {})
    return from_mapping(data, str(path), path.parent)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
