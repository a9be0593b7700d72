"""Read a saved result for `auditor report`: a crawl database, a page or site JSON, JSON Lines, or a folder.

An interface-level step: it opens the store and runs the site checks, so that the reports receive plain results
and depend on neither."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from auditor.config import Config
from auditor.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"
# What a page result must hold for the reports to read it (the contract in docs/architecture.md, checked by type)
_PAGE_FIELDS: dict[str, type | tuple[type, ...]] = {
    "url": str,
    "score": int,
    "metrics": dict,
    "blocks": list,
    "links": list,
    "disclosure": dict,
    "findings": list,
}
_DISCLOSURE_FIELDS = ("present", "kind", "placement", "texts")


def check_page(record: Any, where: str) -> dict[str, Any]:
    """The record if it is a page result the reports can read; else one clear error naming where it is."""
    if not isinstance(record, dict) or not str(record.get("schema", "")).startswith("auditor/page@"):
        raise InputError(f"{where}: not a page result (schema auditor/page@1)")
    if record.get("error") is not None:
        if not isinstance(record.get("url"), str) or not isinstance(record["error"], str) or not record["error"]:
            raise InputError(f"{where}: a failed page needs a url and an error text")
        return record
    for key, kind in _PAGE_FIELDS.items():
        if not isinstance(record.get(key), kind) or isinstance(record.get(key), bool):
            raise InputError(f"{where}: page result without a valid {key!r}")
    if any(key not in record["disclosure"] for key in _DISCLOSURE_FIELDS):
        raise InputError(f"{where}: page result with an incomplete 'disclosure'")
    for item in (*record["blocks"], *record["links"], *record["findings"]):
        if not isinstance(item, dict):
            raise InputError(f"{where}: blocks, links and findings must be objects")
    return record


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not a JSON line ({exc.msg})") from None
            yield check_page(record, f"{path}:{number}")


def load_result(source: Path, config: Config) -> dict[str, Any]:
    """A page result or a site result (schema auditor/page@1 or auditor/site@1)."""
    from auditor import site

    if source.is_dir():
        files = sorted(source.rglob("*.jsonl"))
        if not files:
            raise InputError(f"{source}: no .jsonl result files in this folder")
        return site.assemble(site.from_results(r for f in files for r in _json_lines(f)), config)
    try:
        with source.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    if head == SQLITE_MAGIC:
        from auditor.store import Store

        store = Store.open(source, create=False)
        try:
            return site.assemble(store.site(), config)
        finally:
            store.close()
    if source.suffix == ".jsonl":
        return site.assemble(site.from_results(_json_lines(source)), config)
    try:
        data = json.loads(source.read_text(encoding="utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(data, list):
        items = [check_page(d, f"{source}: item {i}") for i, d in enumerate(data, 1)]
        return site.assemble(site.from_results(items), config)
    if isinstance(data, dict) and str(data.get("schema", "")).startswith("auditor/site@"):
        listed = data.get("pages")
        if not isinstance(listed, list):
            raise InputError(f"{source}: site result without a list of pages")
        checked = [check_page(p, f"{source}: page {i}") for i, p in enumerate(listed, 1)]
        return site.assemble(site.from_results(checked, str(data.get("start_url", ""))), config)
    if isinstance(data, dict):
        return check_page(data, str(source))
    raise InputError(f"{source}: not an auditor result (no auditor/page@1 or auditor/site@1 schema)")
