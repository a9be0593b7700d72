"""Auditing WARC files on a real local Dask cluster (2 workers): the same results as the single-process path,
page for page; re-runs skip what is done; a worker killed mid-task loses and duplicates nothing."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor import audit_html, to_dict
from auditor.batch import PAGES, SIGNATURES, run
from auditor.cli import main
from auditor.config import Config
from auditor.crawl import Crawler, Settings
from auditor.errors import InputError

from .sitegen import PLANTED, Site, serve_site

BASE = "https://kettles.example"


def write_warc(path: Path, pages: list[tuple[str, bytes]], extras: bool = True) -> None:
    """A gzipped WARC with one response record per page, plus records a batch must skip."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)

        def record(url: str, status: str, mime: str, body: bytes) -> None:
            http = StatusAndHeaders(status, [("Content-Type", mime)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))

        for i, (url, body) in enumerate(pages):
            record(url, "200 OK", "text/html; charset=utf-8", body)
            if extras and i % 7 == 0:  # noise: an image, a 404, a request record
                record(url + ".png", "200 OK", "image/png", b"\x89PNG\r\n")
                record(url + "/gone", "404 Not Found", "text/html", b"<h1>gone</h1>")
                writer.write_record(
                    writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
                )


def site_pages(numbers: list[int]) -> list[tuple[str, bytes]]:
    site = Site(articles=500)
    return [(f"{BASE}/articles/{n}", site.article(n)) for n in numbers]


@pytest.fixture(scope="module")
def warcs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("warcs")
    first = site_pages([*range(1, 31), *range(398, 406)])
    second = site_pages([*range(31, 51), *range(448, 456)])
    write_warc(folder / "one.warc.gz", first)
    write_warc(folder / "two.warc.gz", second)
    return {"files": [folder / "one.warc.gz", folder / "two.warc.gz"], "pages": dict(first + second)}


@pytest.fixture(scope="module")
def batch_run(warcs: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("out")
    summary = run(warcs["files"], out, Config(), workers=2, partition_size=8)
    return {"out": out, "summary": summary}


def results(out: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for f in sorted((out / PAGES).glob("*.jsonl"))
        for line in f.read_text().splitlines()
        if line.strip()
    ]


def test_batch_equals_the_single_process_path(warcs: dict[str, Any], batch_run: dict[str, Any]) -> None:
    pages = results(batch_run["out"])
    assert sorted(p["url"] for p in pages) == sorted(warcs["pages"])  # every HTML response once, nothing else
    for page in pages:
        expected = to_dict(audit_html(warcs["pages"][page["url"]], page["url"], encoding="utf-8"))
        crawl = page.pop("crawl")
        assert crawl["status"] == 200 and crawl["warc"].endswith(".warc.gz")
        assert page == expected, page["url"]
    assert batch_run["summary"].pages == len(warcs["pages"]) and batch_run["summary"].errors == 0


def test_near_duplicates_across_the_whole_batch(batch_run: dict[str, Any]) -> None:
    groups = json.loads((batch_run["out"] / "near_duplicates.json").read_text())["groups"]
    planted = [sorted(f"{BASE}/articles/{n}" for n in (original, *copies)) for original, copies in PLANTED.items()]
    assert sorted(groups) == sorted(planted)


def test_a_rerun_skips_what_is_done(warcs: dict[str, Any], batch_run: dict[str, Any]) -> None:
    before = {f.name: f.stat().st_mtime_ns for f in (batch_run["out"] / PAGES).glob("*.jsonl")}
    summary = run(warcs["files"], batch_run["out"], Config(), workers=2, partition_size=8)
    assert summary.skipped == summary.chunks and summary.pages == 0
    after = {f.name: f.stat().st_mtime_ns for f in (batch_run["out"] / PAGES).glob("*.jsonl")}
    assert before == after


def test_signatures_of_an_earlier_version_are_made_again(
    warcs: dict[str, Any], batch_run: dict[str, Any], tmp_path: Path
) -> None:
    """A chunk whose signature file does not say how it was made (an earlier version's) is audited again, so a
    resumed batch never compares signatures of two hashings; a foreign file of them stops the pass in one line."""
    import shutil

    import numpy

    out = tmp_path / "out"
    shutil.copytree(batch_run["out"], out)
    old = sorted((out / SIGNATURES).glob("*.npz"))[0]
    with numpy.load(old, allow_pickle=True) as data:
        numpy.savez(old, urls=data["urls"], values=data["values"])  # as written before the scheme was
    summary = run(warcs["files"], out, Config(), workers=2, partition_size=8)
    assert summary.skipped == summary.chunks - 1 and summary.pages > 0
    assert sorted(p["url"] for p in results(out)) == sorted(warcs["pages"])  # audited again, written once
    assert (
        json.loads((out / "near_duplicates.json").read_text())["groups"]
        == json.loads((batch_run["out"] / "near_duplicates.json").read_text())["groups"]
    )
    foreign = out / SIGNATURES / "part-0000000000000000.npz"
    with numpy.load(old, allow_pickle=True) as data:
        numpy.savez(foreign, urls=data["urls"], values=data["values"])
    with pytest.raises(InputError, match="earlier version"):
        run(warcs["files"], out, Config(), workers=2, partition_size=8)


def test_report_reads_the_batch(batch_run: dict[str, Any], tmp_path: Path) -> None:
    for fmt in ("text", "html", "json"):
        target = tmp_path / f"batch.{fmt}"
        done = CliRunner().invoke(main, ["report", str(batch_run["out"] / PAGES), "--format", fmt, "-o", str(target)])
        assert done.exit_code == 0, done.stderr
    data = json.loads((tmp_path / "batch.json").read_text())
    assert data["schema"] == "auditor/site@1" and len(data["pages"]) == 66


def test_a_killed_worker_loses_and_duplicates_nothing(warcs: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "killed"
    killed: list[int] = []

    def kill_a_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            done = list((out / PAGES).glob("*.jsonl")) if (out / PAGES).exists() else []
            if done:
                for pid in _children(os.getpid()):
                    command = _cmdline(pid)
                    if b"spawn_main" in command and b"resource_tracker" not in command:  # a Dask worker process
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        break
            time.sleep(0.05)

    watcher = threading.Thread(target=kill_a_worker, daemon=True)
    watcher.start()
    summary = run(warcs["files"], out, Config(), workers=2, partition_size=4)
    watcher.join(timeout=5)
    assert killed, "no worker was killed"
    pages = results(out)
    urls = [p["url"] for p in pages]
    assert len(urls) == len(set(urls)) == len(warcs["pages"])
    assert summary.chunks == len(list((out / PAGES).glob("*.jsonl")))


def test_crawl_writes_a_warc_that_batch_reaudits(tmp_path: Path) -> None:
    site = Site(articles=20, slow=0.0)
    warc = tmp_path / "crawl.warc.gz"
    with serve_site(site) as base:
        settings = Settings(
            start_url=base + "/",
            delay=0,
            concurrency=4,
            max_depth=3,
            timeout=5,
            max_bytes=2_000_000,
            audit_workers=0,
            warc=str(warc),
            backoff=0.1,
        )
        crawler = Crawler.create(tmp_path / "c.sqlite", settings, Config())
        asyncio.run(crawler.run())
    audited = {row.url for row in crawler.store.pages() if row.result is not None}
    summary = run([warc], tmp_path / "out", Config(), workers=1, partition_size=50)
    assert summary.pages == len(audited) and summary.errors == 0
    assert {p["url"] for p in results(tmp_path / "out")} == {
        row.final_url for row in crawler.store.pages() if row.result is not None
    }


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_scheduler_or_a_results_folder_that_cannot_be_used_is_one_line(warcs: dict[str, Any], tmp_path: Path) -> None:
    warc = str(warcs["files"][0])
    (tmp_path / "a-file").write_text("")
    for args, words in [
        (["-o", str(tmp_path / "out"), "--scheduler", "not an address"], "cannot connect"),
        (["-o", str(tmp_path / "a-file" / "out")], "cannot make the results folder"),
    ]:
        result = CliRunner().invoke(main, ["batch", warc, "--workers", "1", "-q", *args])
        assert result.exit_code == 2 and words in result.output, result.output
        assert "internal error" not in result.output and len(result.output.strip().splitlines()) == 1
