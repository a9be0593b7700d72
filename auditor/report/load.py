"""Read a saved result for `auditor report`: a crawl database, a page or site JSON, JSON Lines, or a folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from auditor.config import Config
from auditor.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not a JSON line ({exc.msg})") from None
            if not isinstance(record, dict):
                raise InputError(f"{path}:{number}: expected a page result object")
            yield record


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
            return site.assemble(site.from_store(store), config)
        finally:
            store.close()
    if source.suffix == ".jsonl":
        return site.assemble(site.from_results(_json_lines(source)), config)
    try:
        data = json.loads(source.read_text(encoding="utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(data, list):
        return site.assemble(site.from_results(d for d in data if isinstance(d, dict)), config)
    if isinstance(data, dict) and str(data.get("schema", "")).startswith(("auditor/page@", "auditor/site@")):
        return data
    raise InputError(f"{source}: not an auditor result (no auditor/page@1 or auditor/site@1 schema)")
