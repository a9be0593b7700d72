"""Crawling a generated site on 127.0.0.1: every politeness rule, every failure recorded, kill and resume."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.config import Config
from auditor.crawl import Crawler, Settings
from auditor.site import assemble
from auditor.store import Store

from .sitegen import DISALLOWED, PLANTED, Site, serve_site

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {
    "delay": 0.0,
    "concurrency": 8,
    "max_depth": 8,
    "timeout": 5.0,
    "max_bytes": 2_000_000,
    "backoff": 0.2,
    "audit_workers": 2,
}


def crawl(base: str, db: Path, **overrides: Any) -> Crawler:
    crawler = Crawler.create(db, Settings(start_url=base + "/", **{**SETTINGS, **overrides}), Config(), force=True)
    asyncio.run(crawler.run())
    return crawler


def crawl_command(base: str, db: Path, workers: int) -> list[str]:
    """`auditor crawl` of the site into db, as a process: the concurrency, depth, timeout and size cap of SETTINGS."""
    return [
        *(sys.executable, "-m", "auditor", "crawl", base + "/", "--db", str(db), "--delay", "0"),
        *("--concurrency", "8", "--max-depth", "8", "--timeout", "5", "--max-bytes", "2000000"),
        *("--workers", str(workers), "-q"),
    ]


def paths(store: Store) -> set[str]:
    return {row.url.split("/", 3)[3] for row in store.pages()}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    site = Site()
    db = tmp_path_factory.mktemp("crawl") / "site.sqlite"
    with serve_site(site) as base:
        crawler = crawl(base, db)
    rows = {row.url: row for row in crawler.store.pages()}
    result = assemble(crawler.store.site())
    return {"site": site, "base": base, "db": db, "store": crawler.store, "rows": rows, "result": result}


def test_crawl_finishes_and_records_every_url(crawled: dict[str, Any]) -> None:
    store, rows, base = crawled["store"], crawled["rows"], crawled["base"]
    assert store.get("state") == "finished"
    assert store.counts().get("queued", 0) == 0 and store.counts().get("fetching", 0) == 0
    assert len(rows) >= 520
    for url in (f"{base}/articles/{n}" for n in range(1, 501)):
        assert rows[url].result is not None, url
    for row in rows.values():
        assert row.result is not None or row.error, row.url  # every URL has a result or says why not


def test_robots_txt_is_obeyed(crawled: dict[str, Any]) -> None:
    site, store = crawled["site"], crawled["store"]
    assert site.hits["/robots.txt"] == 1
    assert not [p for p in site.hits if p.startswith(DISALLOWED)]
    skipped = store.db.execute("SELECT url, reason FROM frontier WHERE state = 'skipped'").fetchall()
    private = {url.split("/", 3)[3]: reason for url, reason in skipped if "/private/" in url}
    assert set(private) == {"private/admin", "private/secret", "private/from-sitemap"}  # a sitemap lists one
    assert all("robots" in reason for reason in private.values())


def test_sitemaps_and_identity(crawled: dict[str, Any]) -> None:
    site, rows, base = crawled["site"], crawled["rows"], crawled["base"]
    for n in range(1, 6):  # only the sitemaps (one of them gzipped) list these
        assert rows[f"{base}/orphan/{n}"].result is not None
    assert site.agents == {Config().user_agent}
    assert "affiliate-auditor" in next(iter(site.agents))


def test_urls_are_normalised_and_deduplicated(crawled: dict[str, Any]) -> None:
    rows, site = crawled["rows"], crawled["site"]
    assert not [u for u in rows if "utm_" in u or "#" in u]
    assert site.hits["/articles/1"] == 1 and site.hits["/"] == 1


def test_redirects_depth_and_traps(crawled: dict[str, Any]) -> None:
    rows, base, site = crawled["rows"], crawled["base"], crawled["site"]
    assert rows[f"{base}/old/1"].status == 301
    assert rows[f"{base}/old/1"].final_url == f"{base}/articles/1"
    calendar = [p for p in site.hits if p.startswith("/calendar/")]
    assert 1 <= len(calendar) <= SETTINGS["max_depth"]  # the endless calendar stops at the depth limit


def test_failures_are_recorded_per_page(crawled: dict[str, Any]) -> None:
    rows, base, site = crawled["rows"], crawled["base"], crawled["site"]
    assert rows[f"{base}/missing/1"].status == 404 and rows[f"{base}/missing/1"].error == "HTTP 404"
    assert site.hits["/broken-500"] == 3  # one try and two retries with back-off
    assert "HTTP 500" in str(rows[f"{base}/broken-500"].error)
    assert site.hits["/busy"] == 3 and rows[f"{base}/busy"].result is not None  # 429 + Retry-After, twice
    assert "limit" in str(rows[f"{base}/huge"].error)
    assert "not HTML" in str(rows[f"{base}/files/guide.pdf"].error)
    assert "not HTML" in str(rows[f"{base}/img/photo.png"].error)
    assert rows[f"{base}/broken-html/1"].result is not None
    for n in (1, 2, 3):
        assert rows[f"{base}/slow/{n}"].result is not None


def test_site_result_and_planted_near_duplicates(crawled: dict[str, Any]) -> None:
    result, base = crawled["result"], crawled["base"]
    assert result["schema"] == "auditor/site@1"
    groups = [set(f["evidence"]["pages"]) for f in result["findings"] if f["rule"] == "site-near-duplicates"]
    planted = [{f"{base}/articles/{n}" for n in (original, *copies)} for original, copies in PLANTED.items()]
    assert sorted(map(sorted, groups)) == sorted(map(sorted, planted))
    metrics = result["metrics"]
    assert metrics["pages_with_affiliate_links"] > 100
    assert 0 < metrics["disclosure_coverage"] <= 1


def test_report_from_the_database(crawled: dict[str, Any], tmp_path: Path) -> None:
    db = str(crawled["db"])
    for fmt in ("json", "jsonl", "csv", "html", "text"):
        out = tmp_path / f"report.{fmt}"
        result = CliRunner().invoke(main, ["report", db, "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.stderr
        assert out.stat().st_size > 1000
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["schema"] == "auditor/site@1"
    lines = (tmp_path / "report.jsonl").read_text().splitlines()
    assert len(lines) == len(data["pages"]) and json.loads(lines[0])["schema"] == "auditor/page@1"


def test_crawl_delay_spaces_requests(tmp_path: Path) -> None:
    site = Site(articles=6)
    original = site.answer

    def answer(handler: Any, base: str) -> None:
        if handler.path == "/robots.txt":
            body = b"User-agent: *\nCrawl-delay: 0.3\n"
            handler.send_response(200)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        original(handler, base)

    site.answer = answer  # type: ignore[method-assign]
    with serve_site(site) as base:
        crawl(base, tmp_path / "slow.sqlite", concurrency=4, max_pages=6, audit_workers=0, sitemaps=False)
    times = sorted(t for t, path in site.times if path != "/robots.txt")
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) >= 5
    assert min(gaps) >= 0.25, gaps


def tagged_processes(tag: str) -> dict[int, int]:
    """The live processes started by a crawl tagged in its environment (crawl, fork server, audit workers), each
    with its parent."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or f"CRAWL_TEST_TAG={tag}".encode() not in (entry / "environ").read_bytes():
                continue
            state, parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            if state != "Z":
                found[int(entry.name)] = int(parent)
        except (OSError, ValueError):  # the process ended while we looked
            continue
    return found


def assert_no_process_left(tag: str, within: float = 10.0) -> None:
    """No process started by a killed crawl (tagged in its environment) outlives it: audit workers, fork server."""
    deadline = time.monotonic() + within
    while tagged_processes(tag) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not tagged_processes(tag), f"processes outlived their killed crawl: {tagged_processes(tag)}"


def test_kill_and_resume_ends_with_the_same_pages(crawled: dict[str, Any], tmp_path: Path) -> None:
    site = Site()
    db = tmp_path / "killed.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with serve_site(site) as base:
        args = crawl_command(base, db, workers=2)
        process = subprocess.Popen(
            args, env={**env, "CRAWL_TEST_TAG": str(db)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if db.exists():
                try:
                    done = Store.open(db, create=False).page_count()
                except Exception:  # the crawler may be creating its tables
                    continue
                if done >= 250:
                    break
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert_no_process_left(str(db))
        killed_at = Store.open(db, create=False).page_count()
        assert 0 < killed_at < 500, killed_at
        resumed = subprocess.run(
            [sys.executable, "-m", "auditor", "crawl", "--resume", str(db), "-q"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert resumed.returncode == 0, resumed.stderr
    store = Store.open(db, create=False)
    assert store.get("state") == "finished"
    assert paths(store) == paths(crawled["store"]), paths(store) ^ paths(crawled["store"])
    # nothing fetched twice except what was in flight when the crawler died, and the planned retries
    repeated = {p: n for p, n in site.hits.items() if n > 1 and p not in ("/broken-500", "/busy", "/robots.txt")}
    assert len(repeated) <= 16, repeated


def test_audit_workers_killed_midway_are_replaced_and_no_page_is_lost(crawled: dict[str, Any], tmp_path: Path) -> None:
    """A worker killed mid-crawl (the out-of-memory killer, a crash) breaks the pool and every page in it: the pool is
    replaced, those pages are audited again each in a process of its own, and the crawl ends as an undisturbed
    one does."""
    db = tmp_path / "workers-killed.sqlite"
    tag = str(db)
    with serve_site(Site()) as base:
        process = subprocess.Popen(
            crawl_command(base, db, workers=2),
            env={**os.environ, "PYTHONPATH": str(ROOT), "CRAWL_TEST_TAG": tag},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        killed = 0
        deadline = time.monotonic() + 60
        while killed < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.3)
            try:
                done = Store.open(db, create=False).page_count() if db.exists() else 0
            except Exception:  # the crawler holds the database for a moment
                continue
            if done >= 100 * (killed + 1):
                workers = audit_workers(tag, process.pid)
                if workers:
                    os.kill(workers[0], signal.SIGKILL)
                    killed += 1
        _, stderr = process.communicate(timeout=300)
    assert killed == 2, "the crawl ended before its workers could be killed"
    assert process.returncode == 0, stderr
    store = Store.open(db, create=False)
    assert store.get("state") == "finished"
    assert paths(store) == paths(crawled["store"]), paths(store) ^ paths(crawled["store"])
    assert not [row.url for row in store.pages() if row.error and "worker died" in row.error]


def audit_workers(tag: str, crawl: int) -> list[int]:
    """The audit workers of a tagged crawl: its processes that are neither the crawl nor the fork server."""
    return [pid for pid, parent in tagged_processes(tag).items() if crawl not in (pid, parent)]


def test_crawl_command_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["crawl"])
    assert result.exit_code == 2 and result.stderr.startswith("error: ")
    result = runner.invoke(main, ["crawl", "--resume", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 2 and "no such crawl database" in result.stderr
    existing = tmp_path / "exists.sqlite"
    existing.write_bytes(b"")
    result = runner.invoke(main, ["crawl", "http://127.0.0.1:9/", "--db", str(existing)])
    assert result.exit_code == 2 and "--force" in result.stderr
    notdb = tmp_path / "notdb.sqlite"
    notdb.write_bytes(b"this is not sqlite at all" * 100)
    result = runner.invoke(main, ["crawl", "--resume", str(notdb)])
    assert result.exit_code == 2 and "not a crawl database" in result.stderr


def test_a_full_disk_is_a_clear_error_and_the_crawl_resumes(tmp_path: Path) -> None:
    from auditor.errors import AuditError

    site = Site(articles=60, slow=0.0)
    db = tmp_path / "full.sqlite"
    with serve_site(site) as base:
        crawler = Crawler.create(db, Settings(start_url=base + "/", **{**SETTINGS, "audit_workers": 0}), Config())
        pages = crawler.store.db.execute("PRAGMA page_count").fetchone()[0]
        crawler.store.db.execute(f"PRAGMA max_page_count = {pages + 30}")  # the disk fills up a little later
        with pytest.raises(AuditError, match="full") as failure:
            asyncio.run(crawler.run())
        assert "--resume" in str(failure.value)
        kept = Store.open(db, create=False).page_count()
        assert kept > 0
        resumed = Crawler.resume(db, Config())  # more room now: a new connection has no such cap
        asyncio.run(resumed.run())
    assert resumed.store.get("state") == "finished"
    assert {f"articles/{n}" for n in range(1, 61)} <= paths(resumed.store)


def test_sigkill_at_ten_random_moments_always_resumes_to_the_same_pages(tmp_path: Path) -> None:
    import random

    rng = random.Random(2026)
    site = Site(articles=150, slow=0.0)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with serve_site(site) as base:
        reference = crawl(base, tmp_path / "reference.sqlite", audit_workers=0)
        db = tmp_path / "killed.sqlite"
        first = crawl_command(base, db, workers=0)
        resume = [sys.executable, "-m", "auditor", "crawl", "--resume", str(db), "-q"]
        for _ in range(10):
            process = subprocess.Popen(
                resume if db.exists() else first, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(0.3, 1.6))  # from start-up to mid-crawl
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        done = subprocess.run(resume, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
    store = Store.open(db, create=False)
    assert store.get("state") == "finished"
    assert paths(store) == paths(reference.store)


def test_the_crawl_summary_and_the_report_count_pages_alike(tmp_path: Path) -> None:
    # the crawl once said "311 done, 2 failed, 1 skipped" and its report "313 pages, 309 audited, 4 not"
    db = tmp_path / "small.sqlite"
    with serve_site(Site(articles=12, slow=0.0)) as base:
        crawled = CliRunner().invoke(main, ["crawl", base + "/", "--db", str(db), "--delay", "0", "-q"])
    assert crawled.exit_code == 0, crawled.output
    summary = crawled.output.strip().splitlines()[-1]
    reported = CliRunner().invoke(main, ["report", str(db), "--format", "text"])
    assert reported.exit_code == 0, reported.output
    pages = summary.split(": ", 1)[1].split(";")[0]
    assert pages in reported.output
    # the generated site has redirects, a PDF, an image and 404s: each named by its reason
    for reason in ("2 redirects", "2 not HTML", "HTTP errors"):
        assert reason in pages, pages
    listed = CliRunner().invoke(main, ["report", str(db), "--format", "csv"]).output
    rows = list(csv.DictReader(io.StringIO(listed)))
    assert [r for r in rows if r["error"]] and all(r["score"] == "" for r in rows if r["error"])


@pytest.mark.parametrize(
    ("config", "option", "expected"),
    [("", [], 20.0), ("timeout = 7\n", [], 7.0), ("timeout = 7\n", ["--timeout", "3"], 3.0)],
)
def test_the_crawl_timeout_comes_from_the_configuration_unless_given(
    tmp_path: Path, config: str, option: list[str], expected: float
) -> None:
    (tmp_path / "auditor.toml").write_text(config, encoding="utf-8")
    db = tmp_path / "site.sqlite"
    with serve_site(Site(articles=2)) as base:
        args = ["crawl", f"{base}/", "--db", str(db), "--config", str(tmp_path / "auditor.toml"), "--workers", "0"]
        result = CliRunner().invoke(main, [*args, "--max-pages", "2", "-q", *option])
    assert result.exit_code in (0, 1), result.output
    store = Store.read_only(db)
    try:
        assert store.settings()["timeout"] == expected
    finally:
        store.close()


def test_a_warc_path_a_new_crawl_cannot_write_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    precious = tmp_path / "precious.warc.gz"
    precious.write_bytes(b"a file of the user's")
    start = "http://127.0.0.1:1/"
    for warc, words in [
        (tmp_path / "folder", "is a folder"),
        (tmp_path / "missing" / "x.warc.gz", "does not exist"),
        (precious, "use --force"),  # records appended to it would spoil it
    ]:
        result = CliRunner().invoke(main, ["crawl", start, "--db", str(tmp_path / "c.sqlite"), "--warc", str(warc)])
        assert result.exit_code == 2 and words in result.output, result.output
        assert "internal error" not in result.output
        assert not (tmp_path / "c.sqlite").exists()  # no empty database left behind, that a re-run would refuse
    assert precious.read_bytes() == b"a file of the user's"
    result = CliRunner().invoke(main, ["crawl", start, "--db", str(tmp_path / "folder"), "--force"])
    assert result.exit_code == 2 and "is a folder" in result.output, result.output


def test_force_replaces_a_warc_file_only_once_the_crawl_may_start(tmp_path: Path) -> None:
    from auditor.store import CrawlLock

    warc, db = tmp_path / "site.warc.gz", tmp_path / "site.sqlite"
    warc.write_bytes(b"the records of a running crawl")
    start = ["crawl", "http://127.0.0.1:1/", "--db", str(db), "--warc", str(warc), "--force"]
    lock = CrawlLock.take(db)  # another crawl of this database is running
    try:
        result = CliRunner().invoke(main, start)
    finally:
        lock.release()
    assert result.exit_code == 2 and "another crawl" in result.output, result.output
    result = CliRunner().invoke(main, [*start, "--since", str(tmp_path / "no-such.sqlite")])
    assert result.exit_code == 2, result.output
    assert warc.read_bytes() == b"the records of a running crawl"
