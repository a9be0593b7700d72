"""Read a saved result for `auditor report`: a crawl database, a page or site JSON, JSON Lines, or a folder.

An interface-level step: it opens the store and runs the site checks, so that the reports receive plain results
and depend on neither."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn, get_args, get_origin

from auditor.config import Config
from auditor.contract import is_site
from auditor.errors import InputError
from auditor.models import Finding, Site

SQLITE_MAGIC = b"SQLite format 3\x00"


class _Absent:
    """The mark of a field that may be left out: results saved before it was added do not have it."""


# What a page result must hold for the reports to read it (the contract in docs/architecture.md, checked by type):
# every field a report or the site checks read, so that a hand-edited file fails here, naming the field, and
# never inside a renderer. In a tuple of types, None: the field may be null; _ABSENT: it may be left out.
# `list[str]`, `dict[str, int]`: each item is checked too. A number must be finite (NaN, Infinity, or 1e400,
# which json reads as Infinity: no report can round, count or compare it).
_ABSENT = _Absent()
_NUMBER = (int, float)
_PAGE_FIELDS: dict[str, Any] = {
    "url": str,
    "error": (None,),  # present and null: a failed page is checked apart
    "score": _NUMBER,
    "language": (str, None),
    "title": (str, None),
    "metrics": dict,
    "blocks": list,
    "links": list,
    "disclosure": dict,
    "findings": list,
    "notes": list[str],
    "rules_passed": list[str],
    "crawl": (dict, None, _ABSENT),  # how a crawl got the page: a site result's pages carry it
}
_METRICS_FIELDS: dict[str, Any] = {
    "words_editorial": _NUMBER,
    "affiliate_links": _NUMBER,
    "affiliate_links_per_1000_words": _NUMBER,
    "networks": (dict[str, int], _ABSENT),  # affiliate links by network, summed over the site
    "auto_affiliate_scripts": (list[str], _ABSENT),
}
_DISCLOSURE_FIELDS: dict[str, Any] = {
    "present": bool,
    "kind": str,
    "placement": str,
    "texts": list[str],
    "statements": list,
}
_PARTS: dict[str, tuple[str, dict[str, Any]]] = {
    "blocks": (
        "block",
        {"id": int, "kind": str, "region": str, "words": _NUMBER, "text": str, "selector": (str, None)},
    ),
    "links": (
        "link",
        {
            "href": str,
            "text": str,
            "block": (int, None),
            "affiliate": bool,
            "network": (str, None),
            "evidence": str,
            "rel": list[str],
        },
    ),
    "findings": (
        "finding",
        {
            "rule": str,
            "severity": ("error", "warning", "info"),
            "message": str,
            "block": (int, None),
            "selector": (str, None),
            "evidence": dict,
            "weight": (int, float, None),
            "title": (str, None),
        },
    ),
    "statements": (
        "disclosure statement",
        {"text": str, "kind": str, "block": int, "region": str, "hidden": bool},
    ),
}
# A followed link's `resolution` (--check-links), as the link-health checks and the reports read it
_RESOLUTION_FIELDS: dict[str, Any] = {
    "chain": list[str],
    "final_url": (str, None),
    "status": (int, None),
    "error": (str, None),
    "verdict": str,
}


def _kinds(kind: Any) -> tuple[Any, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _fits(value: Any, kind: Any) -> bool:
    if isinstance(kind, tuple) and kind and all(isinstance(k, str) for k in kind):
        return value in kind  # a small vocabulary (severity)
    kinds = _kinds(kind)
    if value is None:
        return None in kinds
    if isinstance(value, bool):  # a bool is an int to isinstance; in the contract it is only a bool
        return bool in kinds
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return any(
        isinstance(value, k) if isinstance(k, type) else _items_fit(value, k) for k in kinds if k not in (None, _ABSENT)
    )


def _items_fit(value: Any, container: Any) -> bool:
    return isinstance(value, get_origin(container)) and _bad_item(value, get_args(container)[-1]) is None


def _bad_item(value: list[Any] | dict[str, Any], kind: Any) -> str | None:
    """The first item of a list, or of a table (JSON keys are always strings), that does not fit, shown."""
    entries = value.items() if isinstance(value, dict) else enumerate(value, 1)
    for at, item in entries:
        if not _fits(item, kind):
            return f"{_shown(at) if isinstance(at, str) else f'item {at}'}: {_shown(item)}"
    return None


def _misfit(value: Any, kind: Any) -> str | None:
    """What in a value does not fit its kind, shown (the first bad item of a list or a table), or None."""
    if _fits(value, kind):
        return None
    for container in (k for k in _kinds(kind) if get_origin(k) is not None):
        if isinstance(value, get_origin(container)):
            return _bad_item(value, get_args(container)[-1]) or _shown(value)
    return _shown(value)


def _check_fields(data: dict[str, Any], fields: dict[str, Any], what: str) -> None:
    for key, kind in fields.items():
        if key not in data:
            if _ABSENT in _kinds(kind):
                continue
            raise InputError(f"{what} has no {key!r}")
        wrong = _misfit(data[key], kind)
        if wrong is not None:
            raise InputError(f"{what} has an invalid {key!r} ({wrong})")


def _shown(value: Any) -> str:
    # repr escapes control characters, so a hostile value cannot act on the terminal the error is shown in
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_resolution(resolution: Any, what: str) -> None:
    if not isinstance(resolution, dict):
        raise InputError(f"{what} is not an object")
    _check_fields(resolution, _RESOLUTION_FIELDS, what)


def check_page(record: Any, where: str) -> dict[str, Any]:
    """The record if it is a page result the reports can read; else one clear error naming the file, the page
    and the field."""
    if not isinstance(record, dict) or not str(record.get("schema", "")).startswith("auditor/page@"):
        raise InputError(f"{where}: not a page result (schema auditor/page@1)")
    if record.get("error") is not None:
        if not isinstance(record.get("url"), str) or not isinstance(record["error"], str) or not record["error"]:
            raise InputError(f"{where}: a failed page needs a url and an error text")
        return record
    page = f"{where}: page {_shown(record['url'])}" if isinstance(record.get("url"), str) else f"{where}: page"
    try:
        _check_fields(record, _PAGE_FIELDS, "the page")
        _check_fields(record["metrics"], _METRICS_FIELDS, "its 'metrics'")
        _check_fields(record["disclosure"], _DISCLOSURE_FIELDS, "its 'disclosure'")
        if record["disclosure"]["present"] and record["disclosure"]["placement"] == "none":
            raise InputError("its 'disclosure' is present but placed 'none'")
        for key, (name, fields) in _PARTS.items():
            items = record["disclosure"][key] if key == "statements" else record[key]
            for number, item in enumerate(items, 1):
                if not isinstance(item, dict):
                    raise InputError(f"{name} {number} is not an object")
                _check_fields(item, fields, f"{name} {number}")
        for number, link in enumerate(record["links"], 1):
            if "resolution" in link:
                _check_resolution(link["resolution"], f"link {number}'s 'resolution'")
    except InputError as exc:
        raise InputError(f"{page}: {exc}") from None
    return record


class _Constant(ValueError):
    """NaN or Infinity, which json.loads reads but JSON does not have (nor can a report round or count them)."""


def _refused(name: str) -> NoReturn:
    raise _Constant(name)


# A JSON string or one of those constants: strings are matched first, so that a constant inside one is passed over
_STRING_OR_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')
_KEY_BEFORE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*$')


def _loads(text: str) -> Any:
    """The JSON text's value; NaN or Infinity is a JSONDecodeError that says where it stands and as which key."""
    try:
        return json.loads(text, parse_constant=_refused)
    except _Constant as exc:
        at = next((m.start() for m in _STRING_OR_CONSTANT.finditer(text) if m.group(1)), 0)
        key = _KEY_BEFORE.search(text, max(0, at - 200), at)
        named = f" for {_shown(key.group(1))}" if key else ""
        raise json.JSONDecodeError(f"{exc}{named}", text, at) from None


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = _loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not a JSON line ({exc.msg})") from None
            yield check_page(record, f"{path}:{number}")


def load_result(source: Path, config: Config) -> dict[str, Any]:
    """A page result or a site result (schema auditor/page@1 or auditor/site@1)."""
    from auditor import site

    if source.is_dir():
        return _assembled(site.from_results(folder_results(source)), config, source)
    try:
        with source.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    if head == SQLITE_MAGIC:
        import sqlite3
        import zlib

        from auditor.store import Store, damaged

        store = Store.open(source, create=False)
        try:
            pages = store.site()
        except (sqlite3.DatabaseError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
            # the file checked sound as SQLite, but a row in it is not what the crawl wrote
            raise damaged(source, exc) from None
        finally:
            store.close()
        return _assembled(pages, config, source)
    if source.suffix == ".jsonl":
        return _assembled(site.from_results(_json_lines(source)), config, source)
    try:
        data = _loads(source.read_text(encoding="utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(data, list):
        items = [check_page(d, f"{source}: item {i}") for i, d in enumerate(data, 1)]
        return _assembled(site.from_results(items), config, source)
    if isinstance(data, dict) and is_site(data):
        listed = data.get("pages")
        if not isinstance(listed, list):
            raise InputError(f"{source}: site result without a list of pages")
        checked = [check_page(p, f"{source}: page {i}") for i, p in enumerate(listed, 1)]
        return _assembled(site.from_results(checked, str(data.get("start_url", ""))), config, source)
    if isinstance(data, dict):
        return selected(check_page(data, str(source)), config)
    raise InputError(f"{source}: not an auditor result (no auditor/page@1 or auditor/site@1 schema)")


def _assembled(found: Site, config: Config, source: Path) -> dict[str, Any]:
    """The site result; a site none of whose pages was audited has nothing to score (a perfect score would say
    the opposite), so it is one line naming the first page's failure instead."""
    from auditor import site

    if not found.audited:
        first = next((p for p in found.pages if p.error), None)
        why = f"; the first: {first.url}: {first.error}" if first is not None else ""
        raise InputError(f"{source}: no page was audited ({len(found.pages)} recorded){why}")
    if config.select or config.ignore:  # the pages as --select/--ignore leave them, before the site is scored
        chosen = (replace(p, result=selected(p.result, config)) if p.result is not None else p for p in found.pages)
        found = replace(found, pages=tuple(chosen))
    return site.assemble(found, config)


def folder_results(folder: Path) -> Iterator[dict[str, Any]]:
    """The page results of a folder, one at a time, each checked: its JSON Lines files (a batch's, or its pages/),
    or, when it holds none, a batch's Parquet `records` table (the same results, kept when the JSON Lines were
    deleted)."""
    from auditor import columnar

    if any(folder.rglob("*.jsonl")):
        return page_results(folder)
    if columnar.holds_records(folder):
        return (check_page(page, where) for page, where in columnar.records(folder))
    if any(folder.rglob("*.parquet")):  # the flat tables alone: the reports need each page's whole result
        raise InputError(f"{folder}: no {columnar.RECORDS}/ table of whole results here; give the batch folder")
    raise InputError(f"{folder}: no .jsonl result files in this folder")


def page_results(folder: Path) -> Iterator[dict[str, Any]]:
    """The page results of a folder of JSON Lines files (a batch's pages/), one at a time, each checked."""
    for path in sorted(folder.rglob("*.jsonl")):
        yield from _json_lines(path)


def selected(page: dict[str, Any], config: Config) -> dict[str, Any]:
    """The page as an audit with the configuration's --select/--ignore would have left it: only the findings and
    passed rules they keep, and the score the engine gives those findings (a rule's weights were capped rule by
    rule, so what is kept of them stands as it was)."""
    if not (config.select or config.ignore) or page.get("error") is not None:
        return page
    from auditor.engine import score

    def kept(rule: str) -> bool:  # the prefixes as engine.active_rules reads them
        chosen = not config.select or any(rule.startswith(p) for p in config.select)
        return chosen and not any(rule.startswith(p) for p in config.ignore)

    findings = [f for f in page["findings"] if kept(str(f.get("rule", "")))]
    weighed = (
        Finding(f["rule"], f["severity"], f["message"], None, None, weight=f.get("weight") or 0) for f in findings
    )
    return {
        **page,
        "findings": findings,
        "rules_passed": [r for r in page.get("rules_passed") or [] if kept(str(r))],
        "score": score(weighed),
    }
