"""A baseline: the findings a team has accepted for now, so that a run fails only on new ones.

As ESLint's suppressions file and ruff's `--add-noqa` let a project adopt a linter without fixing everything
first, `--write-baseline FILE` records every finding of a run and `--baseline FILE` marks the findings it knows
(`"baseline": true`) so the exit status ignores them. A finding is known by its identity (`auditor.identity`), which
survives edits of the page that do not touch it. Plain functions of result dicts: the lowest layer."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.files import write_whole
from auditor.identity import Identity, identities, match

SCHEMA = "auditor/baseline@1"
_FIELDS = tuple(f.name for f in fields(Identity))

Known = Mapping[str, Sequence[Identity]]
"""The baseline's findings by page URL ("(site)" for site findings): identities only ever match on their page."""


def entries(pages: Iterable[dict[str, Any]], site_findings: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The baseline's records of these findings: each identity, plus the severity and message a reviewer of the
    file reads (matching never looks at them: a message holds counts that change)."""
    return [
        {**asdict(identity), "severity": finding.get("severity"), "message": finding.get("message")}
        for identity, finding, _ in identities(pages, site_findings)
    ]


def write(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write the baseline file whole (a temporary file, then a rename): a crash leaves the old baseline or the new
    one, never half of one. It replaces the file, as ESLint's --suppress-all does: re-baselining is the point.
    Records are sorted so that the file, kept under version control, changes only where findings do."""
    listed = sorted(records, key=lambda r: (r["page"], r["rule"], r["text"], r["selector"], r["nth"]))
    text = json.dumps({"schema": SCHEMA, "findings": listed}, ensure_ascii=False, indent=1) + "\n"
    write_whole(path, text, "the baseline")
    return len(listed)


def read(path: Path) -> Known:
    """The findings a baseline file knows; one clear InputError naming the file and what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such baseline file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a baseline file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the baseline ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a baseline file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not a baseline file (not JSON: {exc.msg} at line {exc.lineno})") from None
    except (ValueError, RecursionError) as exc:  # an integer of thousands of digits, arrays nested without end
        raise InputError(f"{path}: not a baseline file ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputError(f"{path}: not a baseline file (schema {SCHEMA}; write one with --write-baseline)")
    records = data.get("findings")
    if not isinstance(records, list):
        raise InputError(f"{path}: baseline without a list of findings")
    known: dict[str, list[Identity]] = {}
    for number, record in enumerate(records, 1):
        identity = _identity(record)
        if identity is None:
            raise InputError(f"{path}: baseline finding {number} is not a finding identity ({', '.join(_FIELDS)})")
        known.setdefault(identity.page, []).append(identity)
    return known


def _identity(record: Any) -> Identity | None:
    if not isinstance(record, dict):
        return None
    values: dict[str, Any] = {name: record.get(name) for name in _FIELDS}
    nth = values["nth"]
    if not isinstance(nth, int) or isinstance(nth, bool) or nth < 1:
        return None
    if not all(isinstance(values[name], str) for name in _FIELDS if name != "nth"):
        return None
    return Identity(**values)


def mark(known: Known, pages: Iterable[dict[str, Any]], site_findings: Iterable[dict[str, Any]] = ()) -> int:
    """Set `"baseline": true` on each finding the baseline knows, in place, and drop the mark from the others (a
    saved result may carry marks of another baseline). Returns how many are known. Matching runs page by page,
    which is what `identity.match` does anyway (both its keys hold the page), so a batch can mark one page at a
    time against a baseline of millions."""
    by_page: dict[str, list[tuple[Identity, dict[str, Any]]]] = {}
    for identity, finding, _ in identities(pages, site_findings):
        by_page.setdefault(identity.page, []).append((identity, finding))
    marked = 0
    for page, found in by_page.items():
        pairs, _, _ = match(known.get(page, ()), (identity for identity, _ in found))
        paired = {id(new) for _, new in pairs}
        for identity, finding in found:
            if id(identity) in paired:
                finding["baseline"] = True
                marked += 1
            else:
                finding.pop("baseline", None)
    return marked
