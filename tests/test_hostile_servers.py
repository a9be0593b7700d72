"""Hostile servers on 127.0.0.1: each trick is bounded by a time or size cap, recorded as that page's error, and
the crawl finishes; a single-page audit of each says what went wrong in one line."""

from __future__ import annotations

import asyncio
import os
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
from auditor.store import PageRow

from .hostile import Hostile, gzip_bomb, serve_hostile, sitemap_bomb

ROOT = Path(__file__).resolve().parent.parent
FAST = {
    "delay": 0.0,
    "concurrency": 8,
    "timeout": 2.0,
    "max_bytes": 1_000_000,
    "backoff": 0.1,
    "retries": 1,
    "audit_workers": 0,
    "max_depth": 3,
}


@pytest.fixture(scope="module", autouse=True)
def bombs() -> None:
    """Build the gzip bombs before any server serves them (a few seconds of deflate, once)."""
    gzip_bomb()
    sitemap_bomb()


def crawl(base: str, db: Path, **overrides: Any) -> tuple[Crawler, dict[str, PageRow], float]:
    started = time.monotonic()
    crawler = Crawler.create(db, Settings(start_url=base + "/", **{**FAST, **overrides}), Config(), force=True)
    asyncio.run(crawler.run())
    rows = {row.url.split("/", 3)[3]: row for row in crawler.store.pages()}
    return crawler, rows, time.monotonic() - started


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    server = Hostile()
    with serve_hostile(server) as base:
        crawler, rows, elapsed = crawl(base, tmp_path_factory.mktemp("hostile") / "h.sqlite")
    return {"server": server, "crawler": crawler, "rows": rows, "elapsed": elapsed}


def test_the_crawl_finishes_in_bounded_time(hostile_crawl: dict[str, Any]) -> None:
    assert hostile_crawl["crawler"].store.get("state") == "finished"
    # the stalling pages cost at most (retries + 1) x timeout each, in parallel
    assert hostile_crawl["elapsed"] < 30, hostile_crawl["elapsed"]
    assert hostile_crawl["rows"]["fine"].result is not None


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("never", "no complete answer within 2 s (timeout)"),
        ("trickle", "no complete answer within 2 s (timeout)"),
        ("endless", "limit"),
        ("bomb", "limit"),
        ("short-length", "broke"),
        ("reset", "broke"),
        ("wrong-type", "not HTML (image/png)"),
        ("to-ftp", "without a usable Location"),
    ],
)
def test_each_trick_is_recorded_as_that_pages_error(hostile_crawl: dict[str, Any], path: str, needle: str) -> None:
    row = hostile_crawl["rows"][path]
    assert row.error and needle in row.error, row.error


def test_lies_that_still_carry_a_page_are_audited(hostile_crawl: dict[str, Any]) -> None:
    rows = hostile_crawl["rows"]
    assert rows["no-type"].result is not None  # a missing Content-Type is read as HTML
    assert rows["long-length"].result is not None or rows["long-length"].error  # 10 bytes of a page, or refused
    assert rows["busy"].result is not None and hostile_crawl["server"].hits["/busy"] == 2  # Retry-After honoured


def test_redirect_loops_and_escapes(hostile_crawl: dict[str, Any]) -> None:
    rows, hits = hostile_crawl["rows"], hostile_crawl["server"].hits
    assert rows["loop-a"].status == 302 and rows["loop-b"].status == 302
    assert hits["/loop-a"] == 1 and hits["/loop-b"] == 1  # each fetched once: the loop ends at the frontier
    assert rows["elsewhere"].status == 302
    skipped = (
        hostile_crawl["crawler"]
        .store.db.execute("SELECT reason FROM frontier WHERE url LIKE '%other-host.invalid%'")
        .fetchone()
    )
    assert skipped == ("off-site",)


@pytest.mark.parametrize("robots", ["huge", "binary", "error"])
def test_hostile_robots_txt(robots: str, tmp_path: Path) -> None:
    server = Hostile(robots=robots)
    with serve_hostile(server) as base:
        crawler, rows, elapsed = crawl(base, tmp_path / "r.sqlite", max_depth=1)
    assert crawler.store.get("state") == "finished" and elapsed < 30
    if robots == "huge":  # read up to its cap: the rules at the top still apply
        assert server.hits.get("/never", 0) == 0 and rows["fine"].result is not None
    elif robots == "binary":  # unreadable: treated as absent, and the database says so
        assert rows["fine"].result is not None
        assert "binary" in str(crawler.store.get("robots:127.0.0.1"))
    else:  # 5xx: RFC 9309 says assume a complete disallow
        assert set(server.hits) == {"/robots.txt"}
        assert "503" in str(crawler.store.get("robots:127.0.0.1"))


@pytest.mark.parametrize("sitemap", ["bomb", "many"])
def test_sitemap_bombs_are_capped(sitemap: str, tmp_path: Path) -> None:
    server = Hostile(sitemap=sitemap)
    with serve_hostile(server) as base:
        crawler, rows, elapsed = crawl(base, tmp_path / "s.sqlite", max_depth=1)
    assert crawler.store.get("state") == "finished" and elapsed < 60
    sitemaps = sum(n for path, n in server.hits.items() if path.startswith("/sitemap"))
    assert sitemaps <= 50
    assert rows["fine"].result is not None


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("never", "timeout"),
        ("trickle", "timeout"),
        ("endless", "limit"),
        ("bomb", "limit"),
        ("reset", "broke"),
        ("loop-a", "redirect"),
        ("short-length", "broke"),
    ],
)
def test_single_page_audit_of_each_trick(path: str, needle: str) -> None:
    server = Hostile()
    with serve_hostile(server) as base:
        result = CliRunner().invoke(main, ["audit", f"{base}/{path}", "--timeout", "2", "--max-bytes", "1000000"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr


def test_memory_stays_bounded_under_the_bomb_and_the_endless_response(tmp_path: Path) -> None:
    server = Hostile()
    with serve_hostile(server) as base:
        code = (
            "import asyncio; from pathlib import Path; from auditor.crawl import Crawler, Settings;"
            "from auditor.config import Config;"
            f"c = Crawler.create(Path({str(tmp_path / 'm.sqlite')!r}), Settings(start_url={base + '/'!r}, delay=0,"
            " concurrency=4, timeout=5, max_bytes=10_000_000, retries=0, audit_workers=0, max_depth=1,"
            " include=('/$', 'bomb', 'endless')), Config());"
            "asyncio.run(c.run());"
            # VmHWM, not ru_maxrss: Linux carries this test process's own peak into the child's ru_maxrss
            "print([line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')][0])"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert done.returncode == 0, done.stderr
    peak_mb = int(done.stdout.split()[-1]) / 1024
    assert peak_mb < 300, peak_mb
    assert server.hits.get("/bomb") and server.hits.get("/endless")
