"""A site's history: one line per crawl that ran into a database or that it continues from (--since), each with
its id, its dates and its summary (site score, disclosure coverage, pages, findings by severity), for
`auditor report DB --history`. Kept beside the crawl, which writes a line when it ends, not in it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from auditor.config import Config
from auditor.errors import InputError
from auditor.models import SEVERITIES
from auditor.store import CrawlRecord, Store, damaged

HISTORY_SCHEMA = "auditor/history@1"


def v1_crawl_id(store: Store) -> str:
    """The id of the crawl in a database from before histories were kept: made from the crawl itself (its start
    URL and first fetch), so that every reading of the database gives it the same one."""
    first, _ = store.first_and_last_fetch()
    key = f"{store.settings().get('start_url', '')}\n{first}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def previous_id(previous: Store | None) -> str | None:
    """The id of the crawl in the --since database: the crawl a re-crawl continues from."""
    if previous is None:
        return None
    return previous.get("crawl") or v1_crawl_id(previous)


def history_of(store: Store, config: Config) -> list[CrawlRecord]:
    """The site's history in a database, oldest first, its own crawl always in it: from its fetches when it was
    made before histories were kept, and summarised now when it has no summary yet (it was interrupted, or is
    still running)."""
    records = store.crawls()
    own_id = store.get("crawl") or v1_crawl_id(store)
    own = next((r for r in records if r.id == own_id), None)
    if own is None:
        first, last = store.first_and_last_fetch()
        ended = last if store.get("state") == "finished" else None
        own = CrawlRecord(own_id, first or 0.0, ended, str(store.settings().get("start_url", "")), None, None)
        records.append(own)
    if own.summary is None:
        records[records.index(own)] = replace(own, summary=summary_of(store, config))
    return records


def summary_of(store: Store, config: Config) -> dict[str, Any]:
    """A crawl's line of its site's history: the site score, disclosure coverage, pages, and findings (the
    pages' and the site's) by severity, from the site result a report would show."""
    from auditor.site import assemble

    try:
        result = assemble(store.site(), config)
    except (sqlite3.DatabaseError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise damaged(store.path, exc) from None
    metrics = result["metrics"]
    tally = Counter(str(f.get("severity")) for f in result["findings"])
    for page in result["pages"]:
        tally.update(str(f.get("severity")) for f in page.get("findings") or [])
    return {
        "score": result["score"] if metrics["pages_audited"] else None,  # no page audited: nothing was scored
        "disclosure_coverage": metrics["disclosure_coverage"],
        "pages": metrics["pages"],
        "pages_audited": metrics["pages_audited"],
        "pages_unchanged": store.unchanged_count(),
        "findings": {severity: tally[severity] for severity in SEVERITIES},
    }


def summary_job(path: str, config: Config) -> dict[str, Any]:
    """`summary_of` a crawl database, in an audit worker: it opens the database itself, read only."""
    store = Store.read_only(Path(path))
    try:
        return summary_of(store, config)
    finally:
        store.close()


def history(path: Path, config: Config) -> dict[str, Any]:
    """The site's history a crawl database holds (schema auditor/history@1): one entry per crawl, oldest first,
    with its dates in UTC (ISO 8601) and its summary."""
    store = Store.read_only(path)
    try:
        start_url = str(store.settings().get("start_url", "")) if store.get("settings") else None
        if start_url is None:
            raise InputError(f"{path}: not a crawl database (no settings)")
        records = history_of(store, config)
    except json.JSONDecodeError:
        raise InputError(f"{path}: not a crawl database (its settings are not a crawl's)") from None
    finally:
        store.close()
    empty: dict[str, Any] = {"score": None, "disclosure_coverage": None, "pages": 0, "pages_audited": 0}
    return {
        "schema": HISTORY_SCHEMA,
        "start_url": start_url,
        "crawls": [
            {
                "id": r.id,
                "started": _iso(r.started_at),
                "ended": _iso(r.ended_at),
                "start_url": r.start_url,
                "since": r.since,
                **empty,
                "pages_unchanged": 0,
                "findings": dict.fromkeys(SEVERITIES, 0),
                **(r.summary or {}),
            }
            for r in records
        ],
    }


def _iso(moment: float | None) -> str | None:
    from datetime import UTC, datetime

    return None if moment is None else datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
