"""Hostile redirects, ports, unreachable sites and Retry-After against a crawl: each fails only its own URL, is
bounded, and is reported with its real cause and the right exit status."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from auditor.cli import main
from auditor.config import Config
from auditor.crawl import Crawler, Settings
from auditor.store import PageRow

from .hostile import Hostile, HostileRedirects, serve_hostile, serve_hostile_v6
from .localserver import closed_port, send, serve

FAST = {
    "delay": 0.0,
    "concurrency": 4,
    "timeout": 2.0,
    "backoff": 0.05,
    "retries": 1,
    "audit_workers": 0,
    "sitemaps": False,
}
QUICK_CLI = ["--delay", "0", "--workers", "0", "--no-sitemaps", "--timeout", "2"]


def crawl(base: str, db: Path, **overrides: Any) -> tuple[Crawler, dict[str, PageRow]]:
    crawler = Crawler.create(db, Settings(start_url=base + "/", **{**FAST, **overrides}), Config(), force=True)
    asyncio.run(crawler.run())
    return crawler, {row.url.split("/", 3)[3]: row for row in crawler.store.pages()}


def frontier(db: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT url, state, reason FROM frontier").fetchall()
    return {url: (state, reason) for url, state, reason in rows}


# -- case 1: a redirect to a javascript: or data: URL fails that URL, not the crawl ------------------------------


def test_a_redirect_to_javascript_or_data_fails_only_that_url(tmp_path: Path) -> None:
    server = HostileRedirects()
    with serve_hostile(server) as base:
        crawler, rows = crawl(base, tmp_path / "js.sqlite", include=("/$", "to-javascript", "to-data", "fine"))
    assert crawler.store.get("state") == "finished"
    assert rows["fine"].result is not None  # the rest of the crawl went on
    for path in ("to-javascript", "to-data"):  # failed, with the fetch's own one-line cause
        assert rows[path].status is None and "URL" in str(rows[path].error), rows[path].error
    assert "fetching" not in crawler.store.counts()  # nothing left half-done for --resume to trip on again


def test_a_robots_txt_redirect_to_javascript_fails_the_site_with_that_cause(tmp_path: Path) -> None:
    server = HostileRedirects(robots="to-javascript")
    with serve_hostile(server) as base:
        crawler, rows = crawl(base, tmp_path / "robots.sqlite")
    assert crawler.store.get("state") == "finished"
    error = str(rows[""].error)
    assert "URL" in error and error.endswith("(fetching robots.txt)") and "disallowed" not in error, error
    assert "/" not in server.hits  # RFC 9309: no readable robots.txt, nothing is fetched


# -- case 6: a redirect chain is capped at 10 hops, and each hop is one level deeper ------------------------------


def test_a_redirect_chain_stops_after_ten_hops(tmp_path: Path) -> None:
    server = HostileRedirects()
    with serve_hostile(server) as base:
        crawler, rows = crawl(base, tmp_path / "chain.sqlite", include=("/$", "chain"), max_depth=50, max_pages=100)
    assert crawler.store.get("state") == "finished"
    assert server.hits["/chain/*"] == 11  # /chain/0 is reached by a link, then 10 redirects are followed
    assert "more than 10 redirects" in str(rows["chain/10"].error)
    assert "chain/11" not in rows


def test_each_redirect_hop_counts_toward_the_depth(tmp_path: Path) -> None:
    server = HostileRedirects()
    with serve_hostile(server) as base:
        _, rows = crawl(base, tmp_path / "deep.sqlite", include=("/$", "chain"), max_depth=3, max_pages=100)
    assert server.hits["/chain/*"] == 3  # depths 1, 2 and 3; /chain/3 would be at depth 4
    assert [rows[f"chain/{i}"].depth for i in range(3)] == [1, 2, 3]


# -- case 14: another port of the same host is another site ---------------------------------------------------------


def test_a_redirect_to_another_port_is_off_site(tmp_path: Path) -> None:
    asked: list[str] = []

    def note(handler: BaseHTTPRequestHandler) -> None:
        asked.append(handler.path)
        send(handler, 200, b"<html><body><p>another site</p></body></html>")

    with serve({"/fine": note, "/robots.txt": note}) as other:
        server = HostileRedirects(other_port=int(other.rsplit(":", 1)[1]))
        with serve_hostile(server) as base:
            crawler, rows = crawl(base, tmp_path / "port.sqlite", include=("/$", "other-port", "fine"))
    assert crawler.store.get("state") == "finished"
    assert asked == []  # not one request to the other port
    assert rows["other-port"].status == 302
    assert frontier(tmp_path / "port.sqlite")[f"{other}/fine"] == ("skipped", "off-site")


def test_default_ports_are_the_same_site_as_no_port(tmp_path: Path) -> None:
    from auditor.crawl import same_site

    assert same_site("http://example.com/", "http://example.com:80/a")
    assert same_site("http://example.com/", "https://www.example.com:443/a")
    assert not same_site("http://example.com/", "http://example.com:8080/a")
    assert not same_site("http://example.com:8080/", "http://example.com/a")


# -- case 15: an unreachable site is an error with its real cause ---------------------------------------------------


def test_an_unreachable_site_exits_2_with_its_cause(tmp_path: Path) -> None:
    db = tmp_path / "down.sqlite"
    start = f"http://127.0.0.1:{closed_port()}/"
    result = CliRunner().invoke(main, ["crawl", start, "--db", str(db), "-q", *QUICK_CLI])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "connection refused" in lines[0] and "no page" in lines[0], result.stderr
    state, reason = frontier(db)[start]
    assert state == "failed" and "connection refused" in str(reason) and "disallowed" not in str(reason)
    # and its report scores nothing (no 100/100 for a site never read): one line with the cause
    report = CliRunner().invoke(main, ["report", str(db)])
    assert report.exit_code == 2, report.output
    assert "no page was audited" in report.stderr and "connection refused" in report.stderr, report.stderr


def test_a_crawl_that_fetched_a_page_still_exits_0(tmp_path: Path) -> None:
    server = HostileRedirects()
    with serve_hostile(server) as base:
        args = ["crawl", base + "/", "--db", str(tmp_path / "ok.sqlite"), "--include", "/$", "-q", *QUICK_CLI]
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output + result.stderr


# -- case 16: Retry-After is bounded by --max-retry-after, and the hold is said ----------------------------------------


def test_max_retry_after_bounds_a_huge_retry_after_and_says_so(tmp_path: Path) -> None:
    server = HostileRedirects()
    started = time.monotonic()
    with serve_hostile(server) as base:
        args = ["crawl", base + "/", "--db", str(tmp_path / "held.sqlite"), "--include", "/$", "--include", "held"]
        result = CliRunner().invoke(main, [*args, "--max-retry-after", "0.3", *QUICK_CLI])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output + result.stderr
    # 3 attempts (2 retries), each 429 holding the host for 0.3 s rather than 999,999 s
    assert server.hits["/held"] == 3 and 0.6 <= elapsed < 10, (server.hits, elapsed)
    held = [line for line in result.stderr.splitlines() if "held" in line]
    assert len(held) == 3, result.stderr
    assert "127.0.0.1" in held[0] and "held 0.3 s" in held[0] and "Retry-After 999999 s" in held[0], held[0]


# -- case 5, crawl side: an IPv6 start URL is crawled (normalisation used to drop its brackets) ----------------------


def test_a_crawl_from_an_ipv6_start_url_reads_the_site(tmp_path: Path) -> None:
    with serve_hostile_v6(Hostile()) as base:
        _, pages = crawl(base, tmp_path / "v6.sqlite", max_depth=1)
    assert pages[""].result is not None and pages["fine"].result is not None, pages
