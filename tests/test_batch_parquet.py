"""A batch's Parquet tables: loaded in one line by pandas and DuckDB, equal to the JSON Lines field by field, read
back by `auditor report` as the same report, written per chunk atomically, made from earlier JSON Lines without
auditing again, and refused in one line without pyarrow."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor import columnar
from auditor.batch import PAGES, Chunk, run, run_chunk
from auditor.cli import main
from auditor.config import Config
from auditor.warcs import warc_index

from .localserver import closed_port
from .test_batch import site_pages, write_warc

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def cli(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(main, list(args))
    return done.exit_code, done.stdout, done.stderr


def json_lines(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for f in sorted((out / PAGES).glob("*.jsonl")) for line in f.read_text().splitlines()]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("parquet")
    warc = folder / "pages.warc.gz"
    write_warc(warc, site_pages([*range(1, 21), *range(398, 406)]))
    listing = folder / "urls.txt"  # a URL that cannot be fetched: a row with an error and nothing claimed
    listing.write_text(f"http://127.0.0.1:{closed_port()}/gone\n", encoding="utf-8")
    out = folder / "out"
    summary = run([warc, listing], out, Config(), workers=2, partition_size=8, parquet=True)
    return {"out": out, "warc": warc, "summary": summary, "pages": json_lines(out)}


def test_pandas_and_duckdb_load_the_tables_in_one_line(batch: dict[str, Any]) -> None:
    import duckdb
    import pandas

    out, pages = batch["out"], batch["pages"]
    audited = [p for p in pages if p["error"] is None]
    assert len(pages) == 29 and len(audited) == 28  # the WARC's 28 pages and the URL that failed

    frame = pandas.read_parquet(out / "parquet" / "pages")
    assert sorted(frame["url"]) == sorted(p["url"] for p in pages)
    links = pandas.read_parquet(out / "parquet" / "links")
    assert len(links) == sum(len(p["links"]) for p in pages)

    query = f"select count(*), count(score), avg(score) from '{out}/parquet/pages/*.parquet'"
    [(rows, scored, mean)] = duckdb.sql(query).fetchall()
    assert (rows, scored) == (29, 28)
    assert mean == pytest.approx(sum(p["score"] for p in audited) / 28)  # the failed page's 0 is no score
    [(affiliate,)] = duckdb.sql(f"select count(*) from '{out}/parquet/links/*.parquet' where affiliate").fetchall()
    assert affiliate == sum(link["affiliate"] for p in pages for link in p["links"]) > 0


def expected_row(page: dict[str, Any]) -> dict[str, Any]:
    """What the `pages` table must hold for a JSON line, column by column."""
    crawl = page["crawl"]
    row: dict[str, Any] = {name: None for name, _ in columnar.PAGE_COLUMNS}
    row |= {
        "url": page["url"],
        "source": crawl.get("warc") or crawl.get("list"),
        "status": crawl.get("status"),
        "warc_date": crawl.get("date"),
        "error": page["error"],
    }
    if page["error"] is not None:
        return row
    metrics, findings = page["metrics"], page["findings"]
    severities = [f["severity"] for f in findings]
    return row | {
        "score": page["score"],
        "language": page["language"],
        "title": page["title"],
        "page_type": page["page_type"]["type"],
        "page_type_confidence": page["page_type"]["confidence"],
        "disclosure_present": page["disclosure"]["present"],
        "disclosure_kind": page["disclosure"]["kind"],
        "disclosure_placement": page["disclosure"]["placement"],
        **{name: metrics[name] for name, _ in columnar.METRICS},
        "networks": sorted(metrics["networks"]),
        "auto_affiliate_scripts": [s["service"] for s in page["auto_affiliate_scripts"]],
        "noindex": page["robots"]["noindex"],
        "max_severity": max(severities, key=["info", "warning", "error"].index) if severities else None,
        "findings": len(findings),
        "findings_error": severities.count("error"),
        "findings_warning": severities.count("warning"),
        "findings_info": severities.count("info"),
        "rules": sorted({f["rule"] for f in findings}),
    }


def test_the_tables_equal_the_json_lines_field_by_field(batch: dict[str, Any]) -> None:
    out, pages = batch["out"], batch["pages"]
    rows = {row["url"]: row for row in pq.read_table(out / "parquet" / "pages").to_pylist()}
    links: dict[str, list[dict[str, Any]]] = {}
    for link in pq.read_table(out / "parquet" / "links").to_pylist():
        links.setdefault(link.pop("page_url"), []).append(link)
    records = {r["url"]: json.loads(r["result"]) for r in pq.read_table(out / "parquet" / "records").to_pylist()}
    assert len(rows) == len(records) == len(pages)
    for page in pages:
        url = page["url"]
        assert rows[url] == expected_row(page), url
        assert links.get(url, []) == [
            {k: link[k] for k in ("href", "affiliate", "network", "merchant", "rel")} for link in page["links"]
        ], url
        assert records[url] == page, url
    failed = next(p for p in pages if p["error"] is not None)
    assert rows[failed["url"]]["source"].endswith("urls.txt") and rows[failed["url"]]["score"] is None
    assert any(rows[p["url"]]["findings_error"] for p in pages)  # the pages have findings to compare


def test_report_reads_the_parquet_when_the_json_lines_are_gone(batch: dict[str, Any], tmp_path: Path) -> None:
    parquet_only = tmp_path / "batch"
    shutil.copytree(batch["out"], parquet_only)
    shutil.rmtree(parquet_only / PAGES)
    reports = {}
    for fmt in ("json", "text", "csv", "html"):
        (code, lines_report, err), (code_parquet, parquet_report, _) = (
            cli("report", str(folder), "--format", fmt) for folder in (batch["out"], parquet_only)
        )
        assert code == code_parquet == 0, err
        assert parquet_report == lines_report, fmt
        reports[fmt] = parquet_report
    assert len(json.loads(reports["json"])["pages"]) == 29
    # the gate of a re-run reads the Parquet results too: a finding at error fails it
    code, _, err = cli("report", str(parquet_only), "--fail-on", "error")
    assert code == 1, err
    # the flat tables alone are not a result the reports can read: one line says where the results are
    code, _, err = cli("report", str(parquet_only / "parquet" / "pages"))
    assert code == 2 and len(err.splitlines()) == 1 and "records/" in err


def first_chunk(warc: Path, count: int = 5) -> Chunk:
    offsets, _ = warc_index(str(warc))
    return Chunk("warc", str(warc), offsets[0], count)


def test_tables_are_made_from_earlier_json_lines_without_auditing(
    batch: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunk, out = first_chunk(batch["warc"]), tmp_path / "out"
    assert run_chunk(chunk, str(out), Config())["skipped"] is False  # JSON Lines only
    lines = (out / PAGES / f"part-{chunk.key}.jsonl").read_bytes().splitlines()
    assert not columnar.complete(out, chunk.key)

    import auditor.pipeline

    def no_audit(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a done chunk was audited again")

    monkeypatch.setattr(auditor.pipeline, "audit_html", no_audit)
    assert run_chunk(chunk, str(out), Config(), parquet=True)["skipped"] is True
    assert columnar.complete(out, chunk.key)
    results = pq.read_table(columnar.path_of(out, columnar.RECORDS, chunk.key)).column("result").to_pylist()
    assert [json.loads(r) for r in results] == [json.loads(line) for line in lines]

    # done in Parquet, its JSON Lines deleted: a run with or without --parquet leaves it as it is
    written = {p: p.stat().st_mtime_ns for p in (out / "parquet").rglob("*.parquet")}
    (out / PAGES / f"part-{chunk.key}.jsonl").unlink()
    for parquet in (False, True):
        assert run_chunk(chunk, str(out), Config(), parquet=parquet)["skipped"] is True
    assert not (out / PAGES / f"part-{chunk.key}.jsonl").exists()
    assert {p: p.stat().st_mtime_ns for p in (out / "parquet").rglob("*.parquet")} == written


def test_a_write_cut_short_leaves_no_parquet_file(
    batch: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunk, out = first_chunk(batch["warc"]), tmp_path / "out"
    real = pq.write_table

    def dies_halfway(table: Any, where: Any, **kwargs: Any) -> None:
        real(table, where, **kwargs)
        Path(where).write_bytes(Path(where).read_bytes()[:100])  # a worker killed mid-write
        raise SystemExit("killed")

    monkeypatch.setattr(pq, "write_table", dies_halfway)
    with pytest.raises(SystemExit):
        run_chunk(chunk, str(out), Config(), parquet=True)
    assert not list((out / "parquet").rglob("*.parquet"))  # only a hidden temporary file, which readers skip
    monkeypatch.setattr(pq, "write_table", real)
    assert run_chunk(chunk, str(out), Config(), parquet=True)["skipped"] is True  # JSON done: tables made
    assert columnar.complete(out, chunk.key)
    assert len(pq.read_table(out / "parquet" / "pages")) == 5


def test_parquet_without_pyarrow_is_one_line_and_exit_2(
    batch: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor import batch as batches

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed: importing it fails
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    monkeypatch.setattr(batches, "run", lambda *args: pytest.fail("a cluster started"))
    code, _, err = cli("batch", str(batch["warc"]), "-o", str(tmp_path / "out"), "--parquet", "-q")
    assert code == 2, err
    assert err.splitlines() == ["error: --parquet needs pyarrow: pip install 'affiliate-auditor[parquet]'"]
    parquet_only = tmp_path / "batch"
    shutil.copytree(batch["out"] / "parquet", parquet_only / "parquet")
    code, _, err = cli("report", str(parquet_only))
    assert code == 2 and len(err.splitlines()) == 1 and "pip install 'affiliate-auditor[parquet]'" in err
