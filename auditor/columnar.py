"""A batch's results as Parquet tables that a researcher loads in one line (pandas, DuckDB, Polars, Spark).

Under OUTDIR/parquet/, three tables, one file per chunk (`part-<chunk>.parquet`, as the JSON Lines are):
`pages` one row per page (where it came from, its score, disclosure, counts and findings, flat), `links` one row
per link, and `records` each page's whole result as its JSON text, so that `auditor report` gives the same report
from the Parquet files as from the JSON Lines, and the JSON Lines may be deleted. Each file is written to a hidden
temporary name, then renamed: a reader of the folder never meets half a file.

pyarrow is an optional extra (`pip install 'affiliate-auditor[parquet]'`), imported only here and only when asked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from auditor.errors import ConfigError, InputError

FOLDER = "parquet"
PAGES, LINKS, RECORDS = "pages", "links", "records"
SEVERITIES = ("error", "warning", "info")
# metrics of the JSON contract that become columns under their own names (float: a share, rate or position)
METRICS: tuple[tuple[str, str], ...] = (
    ("words_editorial", "int64"),
    ("words_affiliate", "int64"),
    ("words_disclosure", "int64"),
    ("links", "int64"),
    ("affiliate_links", "int64"),
    ("affiliate_links_distinct", "int64"),
    ("affiliate_links_without_rel", "int64"),
    ("affiliate_links_per_1000_words", "float64"),
    ("affiliate_text_share", "float64"),
    ("first_affiliate_link_position", "float64"),
    ("first_disclosure_position", "float64"),
    ("disclosures", "int64"),
)
# Where a page came from is always filled; everything the audit says is null for a page that was not audited
# (its JSON has score 0 and no findings, which a mean or a count would take for a verdict).
PAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("url", "string"),
    ("source", "string"),  # the WARC file or the URL list
    ("status", "int64"),  # HTTP status; null when a listed URL could not be fetched
    ("warc_date", "string"),  # the record's WARC-Date (null for a fetched URL)
    ("error", "string"),  # why the page was not audited; null if it was
    ("score", "int64"),
    ("language", "string"),
    ("title", "string"),
    ("page_type", "string"),
    ("page_type_confidence", "float64"),
    ("disclosure_present", "bool"),
    ("disclosure_kind", "string"),
    ("disclosure_placement", "string"),
    *METRICS,
    ("networks", "list<string>"),
    ("auto_affiliate_scripts", "list<string>"),
    ("noindex", "bool"),
    ("max_severity", "string"),
    ("findings", "int64"),
    ("findings_error", "int64"),
    ("findings_warning", "int64"),
    ("findings_info", "int64"),
    ("rules", "list<string>"),  # the rules with a finding on the page, each once, sorted
)
LINK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("page_url", "string"),
    ("href", "string"),
    ("affiliate", "bool"),
    ("network", "string"),
    ("merchant", "string"),
    ("rel", "list<string>"),
)
RECORD_COLUMNS: tuple[tuple[str, str], ...] = (("url", "string"), ("result", "large_string"))
TABLES = {PAGES: PAGE_COLUMNS, LINKS: LINK_COLUMNS, RECORDS: RECORD_COLUMNS}


def require(what: str) -> None:
    """One clear error if pyarrow is missing, before any work starts."""
    _arrow(what)


def _arrow(what: str = "Parquet") -> tuple[Any, Any]:
    try:
        import pyarrow  # type: ignore[import-untyped]
        import pyarrow.parquet  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError(f"{what} needs pyarrow: pip install 'affiliate-auditor[parquet]'") from None
    return pyarrow, pyarrow.parquet


def page_row(page: dict[str, Any]) -> dict[str, Any]:
    """The `pages` row of a page result (the JSON contract, with the batch's `crawl` facts)."""
    crawl = page.get("crawl") or {}
    row: dict[str, Any] = dict.fromkeys(name for name, _ in PAGE_COLUMNS)
    row.update(
        url=page["url"],
        source=crawl.get("warc") or crawl.get("list"),
        status=crawl.get("status"),
        warc_date=crawl.get("date"),
        error=page.get("error"),
    )
    if page.get("error") is not None:
        return row
    metrics, disclosure = page.get("metrics") or {}, page.get("disclosure") or {}
    kinds = page.get("page_type") or {}
    severities = [f["severity"] for f in page.get("findings") or []]
    row.update({name: metrics.get(name) for name, _ in METRICS})
    row.update(
        score=page.get("score"),
        language=page.get("language"),
        title=page.get("title"),
        page_type=kinds.get("type"),
        page_type_confidence=kinds.get("confidence"),
        disclosure_present=disclosure.get("present"),
        disclosure_kind=disclosure.get("kind"),
        disclosure_placement=disclosure.get("placement"),
        networks=sorted(metrics.get("networks") or {}),
        auto_affiliate_scripts=[s["service"] for s in page.get("auto_affiliate_scripts") or []],
        noindex=(page.get("robots") or {}).get("noindex"),
        max_severity=next((s for s in SEVERITIES if s in severities), None),
        findings=len(severities),
        findings_error=severities.count("error"),
        findings_warning=severities.count("warning"),
        findings_info=severities.count("info"),
        rules=sorted({f["rule"] for f in page.get("findings") or []}),
    )
    return row


def link_rows(page: dict[str, Any]) -> list[dict[str, Any]]:
    """The `links` rows of a page result, in the page's order."""
    return [
        {
            "page_url": page["url"],
            "href": link["href"],
            "affiliate": link["affiliate"],
            "network": link.get("network"),
            "merchant": link.get("merchant"),
            "rel": list(link.get("rel") or []),
        }
        for link in page.get("links") or []
    ]


def _schema(pa: Any, columns: Sequence[tuple[str, str]]) -> Any:
    types = {
        "string": pa.string(),
        "large_string": pa.large_string(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "list<string>": pa.list_(pa.string()),
    }
    return pa.schema([(name, types[kind]) for name, kind in columns])


def path_of(outdir: Path, table: str, key: str) -> Path:
    return outdir / FOLDER / table / f"part-{key}.parquet"


def complete(outdir: Path, key: str) -> bool:
    """Whether the chunk's three tables are all written."""
    return all(path_of(outdir, table, key).exists() for table in TABLES)


def write_chunk(outdir: Path, key: str, lines: Sequence[bytes]) -> None:
    """Write a chunk's three tables from its JSON lines (one page result each), each file atomically."""
    pa, pq = _arrow("--parquet")
    records = [(line, orjson.loads(line)) for line in lines if line.strip()]
    rows = {
        PAGES: [page_row(page) for _, page in records],
        LINKS: [row for _, page in records for row in link_rows(page)],
        RECORDS: [{"url": page["url"], "result": line.decode("utf-8")} for line, page in records],
    }
    for table, columns in TABLES.items():
        path = path_of(outdir, table, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # hidden: pyarrow and DuckDB globs skip it
        # zstd: page tables of this shape come out several times smaller than with the default snappy
        pq.write_table(pa.Table.from_pylist(rows[table], schema=_schema(pa, columns)), tmp, compression="zstd")
        os.replace(tmp, path)


def holds_records(folder: Path) -> bool:
    """Whether a folder (a batch's, or its parquet/ or parquet/records/) holds the `records` table."""
    return any(_record_files(folder))


def _record_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("part-*.parquet") if p.parent.name == RECORDS)


def records(folder: Path) -> Iterator[tuple[dict[str, Any], str]]:
    """Each page result of the folder's `records` table, with where it is (file and row), in the order of the
    chunks' JSON Lines files, one row group at a time."""
    _, pq = _arrow("reading a batch's Parquet results")
    for path in _record_files(folder):
        row = 0
        try:
            batches = pq.ParquetFile(path).iter_batches(columns=["result"], batch_size=256)
            for batch in batches:
                for text in batch.column(0).to_pylist():
                    row += 1
                    yield orjson.loads(text), f"{path}: row {row}"
        except orjson.JSONDecodeError as exc:
            raise InputError(f"{path}: row {row}: not a JSON result ({exc})") from None
        except (OSError, ValueError, KeyError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise InputError(f"{path}: not a table of page results ({exc})") from None
