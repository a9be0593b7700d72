"""Re-crawling a site with --since (conditional requests, results carried over on 304) and its history of crawls,
on a small site served on 127.0.0.1 whose server honours If-None-Match and If-Modified-Since, or ignores them."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sqlite3
import threading
from collections import Counter
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import auditor.crawl
from auditor.cli import main
from auditor.config import Config
from auditor.crawl import Crawler, Settings
from auditor.history import history, summary_of
from auditor.store import CrawlLock, Store

from .localserver import send, serve_with
from .sitegen import article_body

ARTICLES = 8
SETTINGS: dict[str, Any] = {
    "delay": 0.0,
    "concurrency": 4,
    "max_depth": 5,
    "timeout": 5.0,
    "audit_workers": 0,
    "sitemaps": False,
}
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Pages:
    """A small affiliate site whose every page is a function of its path and its version. Articles send an ETag
    and a Last-Modified, the home page an ETag only, the leaf pages (reached only through articles' links) a
    Last-Modified only; `ignoring` lists paths whose server sends validators but never answers 304."""

    def __init__(self) -> None:
        self.version: Counter[str] = Counter()
        self.ignoring: set[str] = set()
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.conditional: Counter[str] = Counter()
        self.lock = threading.Lock()

    def body(self, path: str) -> bytes | None:
        version = self.version[path]
        if path == "/":
            items = "".join(f'<li><a href="/articles/{n}">Article {n}</a></li>' for n in range(1, ARTICLES + 1))
            return (
                f'<!DOCTYPE html><html lang="en"><head><title>Kettles</title></head><body><main><h1>Kettles</h1>'
                f"<ul>{items}</ul></main></body></html>".encode()
            )
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not parts[1].isdigit() or not 1 <= int(parts[1]) <= ARTICLES:
            return None
        n = int(parts[1])
        paragraphs = "".join(f"<p>{p}</p>" for p in article_body(n if parts[0] == "articles" else 100 + n))
        if parts[0] == "leaf":
            return (
                f'<!DOCTYPE html><html lang="en"><head><title>Leaf {n}</title></head><body><main><h1>Leaf {n}</h1>'
                f"{paragraphs}</main></body></html>".encode()
            )
        if parts[0] != "articles":
            return None
        # odd articles disclose, until a new version drops the disclosure and adds plugs: its findings change
        disclosure = "<p>We earn a commission when you buy through links on this page.</p>" if n % 2 else ""
        disclosure = "" if version else disclosure
        plugs = "".join(
            f'<p>Buy it: <a href="https://www.amazon.com/dp/B{n:04d}{k}?tag=kettles-20">Check price</a></p>'
            for k in range(1 + version * 3)
        )
        return (
            f'<!DOCTYPE html><html lang="en"><head><title>Article {n}</title></head><body><main><article>'
            f"<h1>Article {n}</h1>{disclosure}"
            f'{paragraphs}{plugs}<p><a href="/leaf/{n}">More on this</a></p></article></main></body></html>'
        ).encode()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        with self.lock:
            self.hits[path] += 1
        if path == "/robots.txt":
            return send(handler, 200, b"User-agent: *\nAllow: /\n", "text/plain")
        body = self.body(path)
        if body is None:
            return send(handler, 404, b"<h1>not found</h1>")
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        modified = format_datetime(EPOCH.replace(day=5 + self.version[path]), usegmt=True)
        headers = {} if path.startswith("/leaf/") else {"ETag": etag}
        if path != "/":
            headers["Last-Modified"] = modified
        match, since = handler.headers.get("If-None-Match"), handler.headers.get("If-Modified-Since")
        if match or since:
            with self.lock:
                self.conditional[path] += 1
        # RFC 9110 section 13.2.2: If-None-Match first; If-Modified-Since only without it
        if match is not None:
            fresh = "ETag" in headers and etag in [t.strip() for t in match.split(",")]
        else:
            fresh = (
                since is not None
                and "Last-Modified" in headers
                and parsedate_to_datetime(since) >= EPOCH.replace(day=5 + self.version[path])
            )
        if fresh and path not in self.ignoring:
            with self.lock:
                self.not_modified[path] += 1
            handler.send_response(304)
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            return None
        return send(handler, 200, body, "text/html; charset=utf-8", headers)

    def reset(self) -> None:
        self.hits.clear()
        self.not_modified.clear()
        self.conditional.clear()


def serve(pages: Pages) -> AbstractContextManager[str]:
    return serve_with(pages.answer)


def crawl(base: str, db: Path, since: Path | None = None) -> Crawler:
    settings = Settings(start_url=base + "/", since=str(since) if since else None, **SETTINGS)
    crawler = Crawler.create(db, settings, Config(), force=True)
    asyncio.run(crawler.run())
    return crawler


@pytest.fixture
def audits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs audited (the crawl audits in its own process with audit_workers 0)."""
    seen: list[str] = []
    real = auditor.crawl.audit_job

    def counted(body: bytes, url: str, encoding: str | None, config: Config) -> dict[str, Any]:
        seen.append(url)
        return real(body, url, encoding, config)

    monkeypatch.setattr(auditor.crawl, "audit_job", counted)
    return seen


def results(db: Path) -> dict[str, tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT url, result, etag, last_modified, unchanged FROM pages").fetchall()
    return {str(r[0]): r[1:] for r in rows}


def test_unchanged_site_is_not_audited_again(
    tmp_path: Path, audits: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = Pages()
    with serve(pages) as base:
        crawl(base, tmp_path / "old.sqlite").store.close()
        first = len(audits)
        pages.reset()
        # the same pages, all unchanged: the earlier summary holds, and the site checks need not run again
        monkeypatch.setattr(auditor.crawl, "summary_job", lambda *_: pytest.fail("the summary was computed again"))
        crawler = crawl(base, tmp_path / "new.sqlite", since=tmp_path / "old.sqlite")
    old, new = results(tmp_path / "old.sqlite"), results(tmp_path / "new.sqlite")
    assert first == 1 + 2 * ARTICLES  # the home page, the articles and their leaves
    assert len(audits) == first  # the re-crawl audited nothing
    assert set(new) == set(old)  # the leaves, linked only from carried pages, were still reached
    assert all(row[3] == 1 for row in new.values())
    assert {url: row[0] for url, row in new.items()} == {url: row[0] for url, row in old.items()}
    assert all(row[1] or row[2] for row in old.values())  # every page's validators were kept
    assert sum(pages.not_modified.values()) == len(new) and sum(pages.hits.values()) == len(new) + 1  # + robots
    assert crawler.store.unchanged_count() == len(new)
    crawler.store.close()
    # what was recorded is what the site checks would have given
    first_crawl, second_crawl = history(tmp_path / "new.sqlite", Config())["crawls"]
    store = Store.read_only(tmp_path / "new.sqlite")
    recomputed = summary_of(store, Config())
    store.close()
    assert {**second_crawl, "pages_unchanged": 0} == {**second_crawl, **recomputed, "pages_unchanged": 0}
    assert second_crawl["pages_unchanged"] == len(new) and second_crawl["score"] == first_crawl["score"]


def test_a_changed_page_and_a_server_ignoring_validators_are_audited(tmp_path: Path, audits: list[str]) -> None:
    pages = Pages()
    with serve(pages) as base:
        crawl(base, tmp_path / "old.sqlite").store.close()
        audits.clear()
        pages.version["/articles/2"] += 1
        pages.ignoring.add("/articles/3")
        crawl(base, tmp_path / "new.sqlite", since=tmp_path / "old.sqlite").store.close()
    assert sorted(audits) == [f"{base}/articles/2", f"{base}/articles/3"]
    assert pages.conditional["/articles/2"] == 1 and pages.not_modified["/articles/2"] == 0
    assert pages.conditional["/articles/3"] == 1 and pages.not_modified["/articles/3"] == 0
    old, new = results(tmp_path / "old.sqlite"), results(tmp_path / "new.sqlite")
    changed = f"{base}/articles/2"
    assert new[changed][3] == 0 and new[changed][0] != old[changed][0]
    assert new[changed][1] != old[changed][1]  # its new ETag is kept for the next re-crawl
    assert new[f"{base}/articles/3"][3] == 0
    assert sum(row[3] for row in new.values()) == len(new) - 2


def test_history_holds_both_crawls_and_reports_render(tmp_path: Path) -> None:
    pages = Pages()
    old, new = tmp_path / "old.sqlite", tmp_path / "new.sqlite"
    runner = CliRunner()
    with serve(pages) as base:
        crawl(base, old).store.close()
        pages.version["/articles/3"] += 1  # its disclosure gone, three more plugs: the findings grow
        done = runner.invoke(
            main, ["crawl", base + "/", "--db", str(new), "--since", str(old), "--delay", "0", "--workers", "0", "-q"]
        )
    assert done.exit_code == 0, done.output
    assert f"{2 * ARTICLES:,} unchanged since {old}" in done.output  # all but the changed article

    data = history(new, Config())
    first, second = data["crawls"]
    assert data["schema"] == "auditor/history@1" and second["since"] == first["id"]
    assert first["ended"] and second["ended"] and first["started"] <= second["started"]
    assert first["pages_audited"] == second["pages_audited"] == 1 + 2 * ARTICLES
    assert first["pages_unchanged"] == 0 and second["pages_unchanged"] == 2 * ARTICLES
    assert sum(second["findings"].values()) > sum(first["findings"].values())
    assert history(old, Config())["crawls"] == [first]  # the old database's own history, unchanged

    shown = runner.invoke(main, ["report", str(new), "--history", "--format", "json"])
    assert shown.exit_code == 0 and json.loads(shown.output) == data
    text = runner.invoke(main, ["report", str(new), "--history"])
    assert text.exit_code == 0 and "2 crawls" in text.output
    assert first["id"] in text.output and second["id"] in text.output
    assert text.output.index(first["id"]) < text.output.index(second["id"])  # oldest first
    html = runner.invoke(main, ["report", str(new), "--history", "--format", "html"])
    assert html.exit_code == 0
    page = html.output
    assert page.count("<svg") == 3 and "Site score per crawl" in page and "Disclosure coverage per crawl" in page
    assert not re.search(r"""(src|href)=["']?https?://""", page)  # nothing is fetched when it is opened
    sizes = [float(s) for s in re.findall(r"font-size:\s*([\d.]+)px", page)]
    assert sizes and min(sizes) >= 12
    assert "font-size=" not in page  # the charts' text takes its size from the stylesheet
    refused = runner.invoke(main, ["report", str(new), "--history", "--format", "csv"])
    assert refused.exit_code == 2 and "--history" in refused.output


def test_since_refuses_what_is_no_earlier_crawl_of_the_site(tmp_path: Path) -> None:
    pages = Pages()
    old = tmp_path / "old.sqlite"
    runner = CliRunner()
    (tmp_path / "notes.txt").write_text("not a database\n")
    with serve(pages) as base, serve(Pages()) as other:
        crawl(base, old).store.close()
        before = old.read_bytes()
        cases = {
            tmp_path / "notes.txt": "not a crawl database",
            tmp_path / "missing.sqlite": "no such crawl database",
            old: "not of the site of",
        }
        for since, expected in cases.items():
            start = other if since == old else base
            done = runner.invoke(
                main, ["crawl", start + "/", "--db", str(tmp_path / "new.sqlite"), "--since", str(since), "-q"]
            )
            assert done.exit_code == 2, done.output
            assert expected in done.output and len(done.output.strip().splitlines()) == 1
        same = runner.invoke(main, ["crawl", base + "/", "--db", str(old), "--since", str(old), "--force", "-q"])
        assert same.exit_code == 2 and "--since names the database this crawl writes" in same.output
        lock = CrawlLock.take(old)  # a crawl still running in it
        try:
            running = runner.invoke(
                main, ["crawl", base + "/", "--db", str(tmp_path / "new.sqlite"), "--since", str(old)]
            )
        finally:
            lock.release()
        assert running.exit_code == 2 and "a crawl is running in it" in running.output
    history_of_text = runner.invoke(main, ["report", str(tmp_path / "notes.txt"), "--history"])
    assert history_of_text.exit_code == 2 and "not a crawl database" in history_of_text.output
    assert old.read_bytes() == before  # --force removed nothing
    assert not (tmp_path / "new.sqlite").exists()


def test_a_database_from_before_the_history_stays_readable(tmp_path: Path, audits: list[str]) -> None:
    """A version 1 database (no validators, no history): reported on as it is, never changed by a report, and
    a re-crawl since it fetches every page in full and starts its history with it."""
    pages = Pages()
    old = tmp_path / "old.sqlite"
    with serve(pages) as base:
        crawl(base, old).store.close()
        with sqlite3.connect(old) as connection:  # back to version 1, as an earlier auditor made it
            for column in ("etag", "last_modified", "links", "unchanged"):
                connection.execute(f"ALTER TABLE pages DROP COLUMN {column}")
            connection.execute("DROP TABLE crawls")
            connection.execute("DELETE FROM meta WHERE key IN ('crawl', 'audit')")
            connection.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
        runner = CliRunner()
        report = runner.invoke(main, ["report", str(old), "--format", "json"])
        assert report.exit_code == 0, report.output
        shown = history(old, Config())["crawls"]
        assert len(shown) == 1 and shown[0]["pages_audited"] == 1 + 2 * ARTICLES and shown[0]["ended"]
        store = Store.read_only(old)
        assert store.version == "1"  # reading changed nothing
        store.close()
        audits.clear()
        crawl(base, tmp_path / "new.sqlite", since=old).store.close()
    assert len(audits) == 1 + 2 * ARTICLES and sum(pages.conditional.values()) == 0
    crawls = history(tmp_path / "new.sqlite", Config())["crawls"]
    assert [c["id"] for c in crawls][:1] == [shown[0]["id"]] and crawls[1]["since"] == shown[0]["id"]


def test_a_resumed_re_crawl_still_carries_pages_over(tmp_path: Path, audits: list[str]) -> None:
    """A re-crawl stopped before its first page (as a kill would leave it) and resumed opens the earlier database
    again from its settings; until it ends, its history row has no end and a summary of what it holds so far."""
    pages = Pages()
    old, new = tmp_path / "old.sqlite", tmp_path / "new.sqlite"
    with serve(pages) as base:
        crawl(base, old).store.close()
        audits.clear()
        started = Crawler.create(new, Settings(start_url=base + "/", since=str(old), **SETTINGS), Config())
        for handle in (started.store, started.previous):
            assert handle is not None
            handle.close()
        assert started.lock is not None
        started.lock.release()
        so_far = history(new, Config())["crawls"]
        assert len(so_far) == 2 and so_far[1]["ended"] is None and so_far[1]["score"] is None
        resumed = Crawler.resume(new, Config())
        asyncio.run(resumed.run())
    assert audits == [] and resumed.store.unchanged_count() == 1 + 2 * ARTICLES
    assert history(new, Config())["crawls"][1]["ended"] is not None
    resumed.store.close()
