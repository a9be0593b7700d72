"""Crawl a site politely and resumably, auditing each page as it arrives.

The frontier lives in the crawl database (see `store`), so the crawl can be killed at any moment and resumed.
Politeness follows Scrapy's defaults where they exist: robots.txt obeyed (Protego), Crawl-delay honoured, one
delay per host, retries with back-off on 5xx and timeouts, Retry-After on 429/503 (which also slows the host
down, AutoThrottle-style), size and time caps, depth and page limits, an identifying User-Agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import io
import json
import multiprocessing
import os
import signal
import sqlite3
import ssl
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from auditor import __version__
from auditor.addresses import bind
from auditor.addresses import parse as parse_addresses
from auditor.config import MAX_RETRY_AFTER, USER_AGENT, Config
from auditor.errors import AuditError, ConfigError, InputError
from auditor.fetch import ACCEPT_ENCODING, HTML_TYPES, MAX_REDIRECTS, Body, explain, parse_retry_after
from auditor.history import history_of, previous_id, summary_job, v1_crawl_id
from auditor.linkcheck import packed_to_follow
from auditor.robots import ROBOTS_MAX_BYTES, Robots, sitemap_urls
from auditor.store import Claim, CrawlLock, CrawlRecord, Store, pack
from auditor.urls import DEFAULT_PORTS, Scope, host_key, normalize

RETRY_STATUSES = frozenset((500, 502, 503, 504, 408, 522, 524))
KNOWN_MAX = 500_000
THROTTLE_STATUSES = frozenset((429, 503))
MAX_SITEMAPS = 50
WARM_UP_PAGE = b'<html lang="en"><title>t</title><p>Warm up. <a href="https://amzn.to/x">buy</a></p></html>'


@dataclass(frozen=True)
class Settings:
    """A crawl's settings; saved in the database so that --resume continues with the same ones."""

    start_url: str
    max_pages: int = 10_000
    max_depth: int = 10
    delay: float = 0.5
    concurrency: int = 4
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    user_agent: str = USER_AGENT
    obey_robots: bool = True
    timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    retries: int = 2
    backoff: float = 1.0
    max_retry_after: float = MAX_RETRY_AFTER
    sitemaps: bool = True
    warc: str | None = None
    """Also write every HTML response to this WARC file (gzipped, appended on resume) for offline re-audits."""
    since: str | None = None
    """An earlier crawl database of the site: its pages are asked for conditionally (If-None-Match,
    If-Modified-Since), and one its server says has not changed (304) keeps that crawl's result."""
    audit_workers: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))
    check_links: bool = False
    """Follow each distinct affiliate link, cloak and short link the pages name, once, after the pages (`linkcheck`)."""
    resolve: tuple[str, ...] = ()
    """Host names mapped to addresses, HOST:PORT:ADDR (--resolve, as curl's)."""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> Settings:
        data = json.loads(raw)
        for key in ("include", "exclude", "resolve"):
            data[key] = tuple(data.get(key, ()))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class Progress:
    done: int = 0
    failed: int = 0
    queued: int = 0
    in_flight: int = 0
    started_at: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started_at
        return (self.done + self.failed) / elapsed if elapsed > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int
    final_url: str
    content_type: str
    encoding: str | None
    body: bytes
    location: str | None
    retry_after: float | None
    elapsed: float
    headers: list[tuple[str, str]] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None


def _check_new_warc(path: Path, force: bool) -> None:
    """Refuse a --warc path a new crawl cannot write, before its database is made: a folder, a file in a missing
    folder, or an existing file without --force (appending records to it would spoil it, and it may be anything);
    with --force the file is replaced, once the crawl's lock is taken (`_create`). A resumed crawl goes on appending
    to its own."""
    if path.is_dir():
        raise ConfigError(f"--warc {path}: is a folder, not a file")
    if not path.parent.is_dir():
        raise ConfigError(f"--warc {path}: the folder {path.parent} does not exist")
    if path.exists() and not force:
        raise ConfigError(f"--warc {path}: the file exists; use --force to replace it")


class Archive:
    """A WARC file the crawl appends its HTML responses to (one gzip member per record, as WARC.gz expects)."""

    def __init__(self, path: Path) -> None:
        from warcio.warcwriter import WARCWriter

        try:
            self.handle = path.open("ab")
        except OSError as exc:
            raise InputError(f"{path}: cannot write the WARC file ({exc.strerror or exc})") from None
        self.writer = WARCWriter(self.handle, gzip=True)

    def write(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        from warcio.statusandheaders import StatusAndHeaders

        # the body is stored decoded, so the stored headers must not claim an encoding or a length it no longer has
        kept = [
            (k, v) for k, v in headers if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")
        ]
        http = StatusAndHeaders(f"{status} OK", [*kept, ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        record = self.writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
        self.writer.write_record(record)
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()


def audit_job(body: bytes, url: str, encoding: str | None, config: Config, check_links: bool = False) -> dict[str, Any]:
    """Audit one fetched page (in a worker process): the page result and its main text, already serialised and
    compressed for the database, the normalised URLs it links to, and with `check_links` the links to follow.
    Everything per page that can run in a worker runs here, so the crawler's own process only fetches and records."""
    from auditor.contract import compact, to_dict
    from auditor.networks import load
    from auditor.pipeline import audit_html
    from auditor.resolution import to_follow
    from auditor.textmodel import main_text_of

    try:
        result = audit_html(body, url, config, encoding=encoding)
    except AuditError as exc:
        return {"error": str(exc)}
    hrefs = [link.href for link in result.links] if not result.nofollow else []
    if result.canonical:
        hrefs.append(result.canonical)
    links = sorted({u for u in map(normalize, dict.fromkeys(hrefs)) if u is not None})
    pairs = ((link.href, link.affiliate) for link in result.links)
    return {
        "result": pack(compact(to_dict(result))),
        "text": pack(main_text_of(result.blocks)),
        "links": links,
        "found": pack(json.dumps(links)),  # kept with the page, for a re-crawl that carries it over
        "check": to_follow(pairs, result.url, load(None, config.held_out)) if check_links else [],
    }


class Crawler:
    """One crawl: its settings, database, frontier scheduling and politeness state."""

    def __init__(
        self, store: Store, settings: Settings, config: Config, on_progress: Callable[[Progress], None] | None = None
    ) -> None:
        self.store = store
        self.settings = settings
        self.config = config
        self.scope = Scope.of(settings.start_url, settings.include, settings.exclude)
        self.site = site_of(settings.start_url)
        self.addresses = parse_addresses(settings.resolve)
        self.on_note: Callable[[str], None] | None = None
        """Told, in one line, what the progress counts do not show (a host held by Retry-After)."""
        self.robots_failed: dict[str, str] = {}
        """Hosts whose robots.txt fetch failed (no answer, or none that could be read), with the cause: their URLs
        fail with it rather than being called disallowed."""
        self.on_progress = on_progress
        self.progress = Progress()
        self.robots: dict[str, Robots] = {}
        self.next_slot: dict[str, float] = {}
        self.host_delay: dict[str, float] = {}
        self.in_flight = 0
        self.finished = 0
        self.tls: ssl.SSLContext | None = None
        self.warc: Archive | None = None
        self.known: set[str] = set()
        """URLs already queued or refused this run (a bounded shortcut past the database's own dedup)."""
        self.changed = asyncio.Condition()
        self.stopping = False
        self.pool: ProcessPoolExecutor | None = None
        self.lock: CrawlLock | None = None
        """Held from `create` or `resume` to the end of `run`: one crawler per database."""
        self.lifeline: Connection | None = None
        """The read end of a pipe this process never writes to: its audit workers hold it, and its end of file
        (this process gone, however it went) tells them to exit."""
        self.previous: Store | None = None
        """The --since crawl's database, read only; None without one."""
        self.carry = False
        """Whether pages the --since crawl audited may be carried over (it audited them as this crawl would)."""
        self.refetch: set[str] = set()
        """URLs answered 304 whose earlier record could not be read: asked for again in full."""
        self.deferred_workers = 0
        """Audit workers a re-crawl starts only when a page needs auditing (an unchanged site needs none)."""
        self.starting_pool = asyncio.Lock()

    # -- setup ------------------------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        db: Path,
        settings: Settings,
        config: Config,
        force: bool = False,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> Crawler:
        if db.is_dir():
            raise ConfigError(f"{db} is a folder, not a crawl database")
        if db.exists() and not force:
            raise ConfigError(f"{db} exists; resume it with --resume, or use --force to start over")
        if settings.warc:
            _check_new_warc(Path(settings.warc), force)
        # checked before anything is written or deleted: --force must never remove the crawl it compares with
        previous = open_since(Path(settings.since), settings.start_url, db) if settings.since else None
        try:
            # locked before --force deletes anything: a running crawl keeps its database
            lock = CrawlLock.take(db)
            try:
                crawler = cls._create(db, settings, config, on_progress, previous)
            except BaseException:
                lock.release()
                raise
        except BaseException:
            if previous is not None:
                previous.close()
            raise
        crawler.lock = lock
        crawler.previous = previous
        return crawler

    @classmethod
    def _create(
        cls,
        db: Path,
        settings: Settings,
        config: Config,
        on_progress: Callable[[Progress], None] | None,
        previous: Store | None = None,
    ) -> Crawler:
        if db.exists():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        if settings.warc:  # an existing one gets this far only with --force (`_check_new_warc`)
            Path(settings.warc).unlink(missing_ok=True)
        start = normalize(settings.start_url)
        if start is None:
            raise ConfigError(f"{settings.start_url}: not an http(s) URL")
        since = str(Path(settings.since).resolve()) if settings.since else None
        settings = Settings(**{**asdict(settings), "start_url": start, "since": since})
        # the database appears under its name only once it holds its settings: a crawl killed while starting
        # leaves nothing half-made to resume
        draft = db.with_name(f".{db.name}.new")
        store = Store.open(draft, create=True)
        store.set("settings", settings.to_json())
        store.set("state", "new")
        store.set("audit", audit_key(config))
        # the site's history so far, then this crawl's own row: a history travels from database to database
        earlier = history_of(previous, config) if previous is not None else []
        for record in earlier:
            store.record_crawl(record)
        own = CrawlRecord(uuid.uuid4().hex[:12], time.time(), None, start, previous_id(previous), None)
        store.record_crawl(own)
        store.set("crawl", own.id)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{draft}{suffix}").unlink(missing_ok=True)
        draft.replace(db)
        return cls(Store.open(db, create=False), settings, config, on_progress)

    @classmethod
    def resume(cls, db: Path, config: Config, on_progress: Callable[[Progress], None] | None = None) -> Crawler:
        lock = CrawlLock.take(db)
        try:
            store = Store.open(db, create=False, upgrade=True)
            raw = store.get("settings")
            if raw is None:
                store.close()
                raise ConfigError(f"{db}: not a crawl database (no settings)")
            crawler = cls(store, Settings.from_json(raw), config, on_progress)
            if store.get("crawl") is None:  # begun by an auditor that kept no history: its row starts now
                first, _ = store.first_and_last_fetch()
                start = crawler.settings.start_url
                own = CrawlRecord(v1_crawl_id(store), first or time.time(), None, start, None, None)
                store.record_crawl(own)
                store.set("crawl", own.id)
                store.set("audit", audit_key(config))  # its earlier pages kept no validators: none is carried
        except BaseException:
            lock.release()
            raise
        crawler.lock = lock
        return crawler

    # -- politeness -------------------------------------------------------------------------------------------

    async def _robots(self, client: httpx.AsyncClient, url: str) -> Robots:
        host = host_key(url)
        if host not in self.robots:
            ua = self.settings.user_agent
            if not self.settings.obey_robots:
                robots = Robots.everything(ua, "robots.txt ignored (--ignore-robots)")
            else:
                parts = urlsplit(url)
                try:
                    got = await self._get(
                        client, f"{parts.scheme}://{parts.netloc}/robots.txt", html=False, keep=ROBOTS_MAX_BYTES
                    )
                    if got.status >= 500 or got.status == 429:
                        robots = Robots.nothing(ua, f"robots.txt answered HTTP {got.status}: nothing is fetched")
                    elif got.status >= 400:
                        robots = Robots.everything(ua)
                    elif 300 <= got.status < 400:
                        robots = Robots.everything(ua, "robots.txt redirects; treated as absent")
                    else:
                        robots = Robots.parse(got.body, ua)
                except Exception as exc:  # any failure of this one fetch, whatever raised it
                    cause = explain(exc, self.settings.timeout)
                    robots = Robots.nothing(ua, f"robots.txt unreachable ({cause}): nothing is fetched")
                    # RFC 9309 section 2.3.1.4: disallow all; but a host that cannot be reached is reported as
                    # that, not as a robots.txt verdict
                    self.robots_failed[host] = cause
            self.robots[host] = robots
            self.host_delay[host] = self._base_delay(host)
            if robots.note:
                self.store.set(f"robots:{host}", robots.note)
        return self.robots[host]

    async def _wait_turn(self, host: str) -> None:
        """Space requests to one host by its delay (the larger of --delay and Crawl-delay)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self.next_slot.get(host, now))
        self.next_slot[host] = slot + self.host_delay.get(host, self.settings.delay)
        if slot > now:
            await asyncio.sleep(slot - now)

    def _base_delay(self, host: str) -> float:
        """The larger of --delay and the host's Crawl-delay (capped at a minute)."""
        robots = self.robots.get(host)
        return max(self.settings.delay, min(robots.delay, 60.0)) if robots is not None else self.settings.delay

    def _speed_up(self, host: str) -> None:
        """After an answer that is not 429/503, ease the host's delay back towards its base (AutoThrottle-like):
        each good answer takes a quarter off the extra delay."""
        base = self._base_delay(host)
        current = self.host_delay.get(host, base)
        if current > base:
            extra = (current - base) * 0.75
            self.host_delay[host] = base + (extra if extra > 0.01 else 0.0)

    def _slow_down(self, host: str, seconds: float) -> None:
        """After a 429/503, wait before the next request to this host and double its delay (capped)."""
        loop = asyncio.get_running_loop()
        self.host_delay[host] = min(max(self.host_delay.get(host, 0.0) * 2, 0.25), 10.0)
        self.next_slot[host] = max(self.next_slot.get(host, 0.0), loop.time() + seconds)

    async def turn(self, client: httpx.AsyncClient, url: str) -> str | None:
        """A link check's turn (`linkcheck.Politeness`): robots.txt holds on the site's own hosts, and each host is
        asked no faster than the crawl asks the site (--delay, or its Crawl-delay)."""
        host = host_key(url)
        if site_of(url) == self.site:
            robots = await self._robots(client, url)
            if host in self.robots_failed:
                return f"{self.robots_failed[host]} (fetching robots.txt)"
            if not robots.allowed(url):
                return "disallowed by the site's robots.txt"
        await self._wait_turn(host)
        return None

    def hold(self, url: str, seconds: float) -> None:
        """A host answered a link check with 429 or 503: its later requests wait (`linkcheck.Politeness`)."""
        self._slow_down(host_key(url), seconds)

    async def _check_links(self) -> None:
        """Follow the links the pages named (--check-links), once each and after the pages: --concurrency of them
        at once, every request in its host's turn, each chain committed as it ends (so --resume follows none
        twice)."""
        from auditor import linkcheck

        self.store.requeue_checks()
        left = self.store.check_counts().get("queued", 0)
        if left:
            self._say(f"following {left:,} distinct links (--check-links)")

        async def checker() -> None:
            async with self._client(1) as client:
                linkcheck.no_cookies(client)
                while (url := self.store.claim_check()) is not None:
                    settings = self.settings
                    followed = await linkcheck.follow(
                        client, url, self, settings.timeout, settings.retries, settings.max_retry_after
                    )
                    self.store.record_check(url, followed)

        await asyncio.gather(*(checker() for _ in range(self.settings.concurrency)))

    # -- fetching ---------------------------------------------------------------------------------------------

    async def _get(
        self,
        client: httpx.AsyncClient,
        url: str,
        html: bool = True,
        keep: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Fetched:
        """One GET, not following redirects, with the size cap and a deadline on the whole response. With `keep`,
        a longer body is cut to its first `keep` bytes instead of refused (robots.txt is read up to a cap)."""
        started = time.monotonic()
        limit = keep or self.settings.max_bytes
        async with asyncio.timeout(self.settings.timeout), client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            etag, last_modified = response.headers.get("etag"), response.headers.get("last-modified")
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            location = response.headers.get("location") if 300 <= status < 400 else None
            content_type = response.headers.get("content-type", "")
            mime = content_type.split(";")[0].strip().lower()
            if status >= 300 or (html and mime and mime not in HTML_TYPES):
                if status == 304 or response.headers.get("content-length") == "0":
                    # nothing to read (RFC 9110 section 15.4.5: a 304 has no content), but reading that nothing
                    # ends the response, so that its connection is kept for the next request rather than closed:
                    # a re-crawl of an unchanged site is hundreds of 304s in a row
                    await response.aread()
                return Fetched(
                    status,
                    str(response.url),
                    content_type,
                    None,
                    b"",
                    location,
                    retry_after,
                    time.monotonic() - started,
                    etag=etag,
                    last_modified=last_modified,
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit and keep is None:
                raise AuditError(f"Content-Length {int(declared):,} is over the {limit:,}-byte limit")
            body = Body(response.headers.get("content-encoding", ""), limit)
            async for chunk in response.aiter_raw():
                if not body.feed(chunk):
                    if keep is None:
                        raise AuditError(f"the response passed the {limit:,}-byte limit")
                    break
            return Fetched(
                status,
                str(response.url),
                content_type,
                response.charset_encoding,
                body.bytes(),
                None,
                retry_after,
                time.monotonic() - started,
                list(response.headers.items()),
                etag,
                last_modified,
            )

    # -- the crawl --------------------------------------------------------------------------------------------

    async def _seed(self, client: httpx.AsyncClient) -> None:
        start = self.settings.start_url
        robots = await self._robots(client, start)
        if self.store.get("state") != "new":
            self.store.resume()
            return
        if robots.allowed(start) or host_key(start) in self.robots_failed:
            self.store.enqueue([(start, 0, "start")])  # an unreachable start fails with its cause (see _visit)
        else:
            self.store.skip(start, 0, "start", "disallowed by robots.txt")
        if self.settings.sitemaps:
            await self._read_sitemaps(client, robots)
        self.store.set("state", "running")

    async def _read_sitemaps(self, client: httpx.AsyncClient, robots: Robots) -> None:
        parts = urlsplit(self.settings.start_url)
        pending = list(robots.sitemaps) or [f"{parts.scheme}://{parts.netloc}/sitemap.xml"]
        seen: set[str] = set()
        found: list[tuple[str, int, str]] = []
        while pending and len(seen) < MAX_SITEMAPS:
            sitemap = pending.pop(0)
            if sitemap in seen or self._why_not(sitemap) == "off-site" or not robots.allowed(sitemap):
                continue
            seen.add(sitemap)
            try:
                got = await self._get(client, sitemap, html=False)
            except Exception as exc:  # any failure of this one fetch, whatever raised it
                self.store.log_fetch(sitemap, None, f"sitemap: {explain(exc, self.settings.timeout)}", 0.0)
                continue
            self.store.log_fetch(sitemap, got.status, None, got.elapsed)
            if got.status != 200:
                continue
            pages, children = sitemap_urls(got.body)
            pending.extend(children)
            for page in pages:
                url = normalize(page)
                if url is None or self._why_not(url) is not None:
                    continue
                if robots.allowed(url):
                    found.append((url, 1, "sitemap"))
                else:
                    self.store.skip(url, 1, "sitemap", "disallowed by robots.txt")
        self.store.enqueue(found)

    async def _next(self) -> Claim | None:
        """The next URL to fetch, waiting for postponed ones; None when the crawl is complete."""
        async with self.changed:
            while not self.stopping:
                if self.finished + self.in_flight >= self.settings.max_pages:
                    if self.in_flight == 0:
                        return None
                    await self.changed.wait()
                    continue
                claims = self.store.claim(1, time.time())
                if claims:
                    self.in_flight += 1
                    return claims[0]
                wake = self.store.next_wake()
                if wake is None and self.in_flight == 0:
                    return None
                timeout = None if wake is None else max(0.01, wake - time.time())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.changed.wait(), timeout)
            return None

    async def _done(self, counted: bool) -> None:
        async with self.changed:
            self.in_flight -= 1
            self.finished += counted
            self.changed.notify_all()
        if self.on_progress is not None:
            tally = self.store.tally
            self.progress.done = tally["done"]
            self.progress.failed = tally["failed"]
            self.progress.queued = tally["queued"]
            self.progress.in_flight = self.in_flight
            self.on_progress(self.progress)

    def _client(self, connections: int) -> httpx.AsyncClient:
        headers = {
            "User-Agent": self.settings.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        if self.tls is None:  # one context for all clients: loading the CA bundle is slow
            import certifi

            self.tls = ssl.create_default_context(cafile=certifi.where())
        client = httpx.AsyncClient(
            follow_redirects=False, timeout=self.settings.timeout, headers=headers, limits=limits, verify=self.tls
        )
        return bind(client, self.addresses)

    async def _worker(self) -> None:
        # one client per worker: a single shared AsyncClient slows down as concurrency grows (encode/httpx#3215)
        async with self._client(1) as client:
            await self._work(client)

    async def _work(self, client: httpx.AsyncClient) -> None:
        while (claim := await self._next()) is not None:
            counted = True
            try:
                counted = await self._visit(client, claim)
            except sqlite3.Error:
                raise  # the database itself failed: the whole crawl stops, and says so (see run)
            except Exception as exc:  # any other failure while handling one URL is that URL's, never the crawl's
                error = explain(exc, self.settings.timeout)
                self.store.finish(claim.url, depth=claim.depth, state="failed", error=error)
            finally:
                await self._done(counted)

    async def _visit(self, client: httpx.AsyncClient, claim: Claim) -> bool:
        """Fetch, audit and record one URL; returns False when it was only postponed."""
        url, host = claim.url, host_key(claim.url)
        robots = await self._robots(client, url)
        if host in self.robots_failed:
            error = f"{self.robots_failed[host]} (fetching robots.txt)"
            self.store.finish(url, depth=claim.depth, state="failed", error=error)
            return True
        if not robots.allowed(url):
            self.store.finish(url, depth=claim.depth, state="skipped", error="disallowed by robots.txt")
            return True
        await self._wait_turn(host)
        conditions = self._conditions(url)
        try:
            got = await self._get(client, url, headers=conditions)
        except AuditError as exc:
            self.store.log_fetch(url, None, str(exc), 0.0)
            self.store.finish(url, depth=claim.depth, state="failed", error=str(exc))
            return True
        except (httpx.HTTPError, OSError, TimeoutError) as exc:  # may pass: tried again
            error = explain(exc, self.settings.timeout)
            self.store.log_fetch(url, None, error, 0.0)
            return self._retry(claim, error, None)
        except Exception as exc:  # anything else this URL's fetch raises (httpx's InvalidURL on a Location of
            # javascript: or data:, which is no HTTPError) is this URL's failure, never the crawl's
            error = explain(exc, self.settings.timeout)
            self.store.log_fetch(url, None, error, 0.0)
            self.store.finish(url, depth=claim.depth, state="failed", error=error)
            return True
        self.store.log_fetch(url, got.status, None, got.elapsed)
        if got.status in THROTTLE_STATUSES:
            wait = min(got.retry_after or self.settings.backoff * 2**claim.attempts, self.settings.max_retry_after)
            self._slow_down(host, wait)
            self._note_hold(host, url, got, wait)
            return self._retry(claim, f"HTTP {got.status}", wait)
        self._speed_up(host)
        if got.status in RETRY_STATUSES:
            return self._retry(claim, f"HTTP {got.status}", None)
        if got.status == 304 and conditions:  # a 304 to an unconditional request is no answer: failed below
            return self._carry(claim, got)
        if 300 <= got.status < 400:
            return self._redirect(claim, got)
        if got.status >= 400:
            self.store.finish(
                url,
                depth=claim.depth,
                state="failed",
                status=got.status,
                error=f"HTTP {got.status}",
                final_url=got.final_url,
                elapsed=got.elapsed,
            )
            return True
        if not got.body and got.content_type.split(";")[0].strip().lower() not in ("", *HTML_TYPES):
            self.store.finish(
                url,
                depth=claim.depth,
                state="done",
                status=got.status,
                content_type=got.content_type,
                error=f"not HTML ({got.content_type}); skipped",
                final_url=got.final_url,
                elapsed=got.elapsed,
            )
            return True
        if self.warc is not None:
            self.warc.write(got.final_url, got.status, got.headers, got.body)
        self._record(claim, got, await self._audit(got))
        return True

    async def _audit(self, got: Fetched) -> dict[str, Any]:
        """Audit a fetched page, in the worker pool when there is one. When a worker dies (killed, out of memory),
        every page in the pool fails with it: the pool is replaced, and each of those pages is audited again in a
        process of its own, so that only a page that kills that process too is failed, and the crawl goes on."""
        job = (got.body, got.final_url, got.encoding, self.config)
        # (with --check-links only: a crawl without it calls the job as it always did)
        work = partial(audit_job, check_links=True) if self.settings.check_links else audit_job
        await self._start_deferred_workers()
        pool = self.pool
        if pool is None:
            return work(*job)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(pool, work, *job)
        except BrokenProcessPool:
            if self.pool is pool:  # the first page to hear of it replaces the pool
                self.pool = self._pool(self.settings.audit_workers)
                pool.shutdown(wait=False)
        alone = self._pool(1, warm=False)
        try:
            return await loop.run_in_executor(alone, work, *job)
        except BrokenProcessPool:
            return {"error": "the audit worker died on this page (killed, or out of memory); it was not audited"}
        finally:
            alone.shutdown(wait=False)

    async def _start_deferred_workers(self) -> None:
        """Start the audit workers a re-crawl put off, once, for the first page that needs one."""
        if not self.deferred_workers:
            return
        async with self.starting_pool:
            if self.deferred_workers:
                pool = self._pool(self.deferred_workers)
                await asyncio.to_thread(_spawn, pool, self.deferred_workers)
                self.pool, self.deferred_workers = pool, 0

    def _pool(self, workers: int, warm: bool = True) -> ProcessPoolExecutor:
        """Audit worker processes. Forked from a fork server (a fork of this many-threaded process could inherit
        a lock held mid-fork and hang) that imports the pipeline once, so each worker starts from a copy of it
        (a setting of this process's fork server: it applies when the server starts, which is here unless it
        already runs). Warm workers audit a small page first, to load the rules and patterns before pages wait."""
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["auditor.crawl", "auditor.pipeline"])
        _start_fork_server()
        return ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self.lifeline, self.config if warm else None),
        )

    def _retry(self, claim: Claim, error: str, wait: float | None) -> bool:
        if claim.attempts >= self.settings.retries:
            self.store.finish(
                claim.url, depth=claim.depth, state="failed", error=f"{error} (after {claim.attempts + 1} attempts)"
            )
            return True
        delay = wait if wait is not None else self.settings.backoff * 2**claim.attempts
        self.store.postpone(claim.url, time.time() + delay, error)
        return False

    def _redirect(self, claim: Claim, got: Fetched) -> bool:
        """Queue a redirect's target one level deeper (a chain of redirects is a path like any other, so the depth
        limit bounds it), and end a chain at its 11th redirect, as a single-page fetch does."""
        target = normalize(urljoin(claim.url, got.location or "")) if got.location else None
        if target is not None and self._hops_to(claim.url) >= MAX_REDIRECTS:
            self.store.finish(
                claim.url,
                depth=claim.depth,
                state="failed",
                status=got.status,
                error=f"more than {MAX_REDIRECTS} redirects (a redirect loop?)",
                elapsed=got.elapsed,
            )
            return True
        if target is None:
            self.store.finish(
                claim.url,
                depth=claim.depth,
                state="failed",
                status=got.status,
                error=f"HTTP {got.status} without a usable Location",
            )
            return True
        depth = claim.depth + 1
        reason = self._why_not(target)
        # deeper than --max-depth: not recorded, as for a link (a shorter path may still reach it)
        links = [(target, depth, claim.url)] if reason is None and depth <= self.settings.max_depth else []
        skipped = [(target, depth, claim.url, reason)] if reason is not None else []
        self.store.finish(
            claim.url,
            depth=claim.depth,
            state="done",
            status=got.status,
            final_url=target,
            error=f"redirects to {target}",
            links=links,
            skipped=skipped,
            elapsed=got.elapsed,
        )
        return True

    def _hops_to(self, url: str) -> int:
        """How many redirects in a row led to this URL. A redirect's target is queued with the redirecting URL as
        its source, so the chain is walked back through the database and its count survives --resume."""
        hops = 0
        while hops < MAX_REDIRECTS:
            row = self.store.db.execute(
                "SELECT p.url FROM frontier f JOIN pages p ON p.url = f.source "
                "WHERE f.url = ? AND p.final_url = f.url AND p.status BETWEEN 300 AND 399",
                (url,),
            ).fetchone()
            if row is None:
                break
            url, hops = row[0], hops + 1
        return hops

    def _why_not(self, url: str) -> str | None:
        """The scope's verdict on a URL, with the port as part of the site: another port of the host is another
        server (an admin panel, a development server) with its own robots.txt (RFC 9309 section 2.3)."""
        return "off-site" if site_of(url) != self.site else self.scope.why_not(url)

    def _note_hold(self, host: str, url: str, got: Fetched, wait: float) -> None:
        """Say that a host is held, and for how long: a crawl that waits silently looks hung."""
        if self.on_note is None:
            return
        why = "back-off"
        if got.retry_after is not None:
            why = f"Retry-After {got.retry_after:g} s"
            if got.retry_after > wait:
                why += f", capped by --max-retry-after {self.settings.max_retry_after:g}"
        self.on_note(f"{host}: held {wait:g} s after HTTP {got.status} on {url} ({why})")

    def _conditions(self, url: str) -> dict[str, str] | None:
        """The conditional request headers for a page the --since crawl audited and recorded validators for (both
        when it has both: RFC 9110 section 13.2.2 has a server weigh If-None-Match and ignore If-Modified-Since
        then, and one that knows no ETags still has the date); None for any other page, fetched in full."""
        if self.previous is None or not self.carry or url in self.refetch:
            return None
        known = self.previous.validators(url)
        if known is None:
            return None
        etag, last_modified = known
        headers = {"If-None-Match": etag} if etag else {}
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    def _carry(self, claim: Claim, got: Fetched) -> bool:
        """The page has not changed since the --since crawl (304 Not Modified): that crawl's result, text and links
        are recorded again, without fetching or auditing the page, and its links are followed as if it had been.
        (Nor is it written to --warc: there is no body to write.)"""
        assert self.previous is not None  # a conditional request was sent
        kept = self.previous.kept(claim.url)
        if kept is None:  # the earlier database changed under this crawl (resumed meanwhile): ask again in full
            self.refetch.add(claim.url)
            self.store.postpone(claim.url, time.time(), "answered 304, but the --since crawl no longer holds it")
            return False
        page = replace(
            got,
            status=kept.status or 200,
            final_url=kept.final_url or claim.url,
            content_type=kept.content_type or "",
            # a 304 may update the validators (RFC 9110 section 15.4.5); else the earlier ones still hold
            etag=got.etag or kept.etag,
            last_modified=got.last_modified or kept.last_modified,
        )
        audited = {"result": kept.result, "text": kept.text, "links": kept.links, "found": kept.packed_links}
        if self.settings.check_links:
            audited["check"] = packed_to_follow(kept.result, self.config)
        self._record(claim, page, audited, size=kept.size, unchanged=True)
        return True

    def _record(
        self, claim: Claim, got: Fetched, audited: dict[str, Any], size: int | None = None, unchanged: bool = False
    ) -> None:
        if "error" in audited:
            self.store.finish(
                claim.url,
                depth=claim.depth,
                state="failed",
                status=got.status,
                content_type=got.content_type,
                size=len(got.body),
                error=audited["error"],
                final_url=got.final_url,
                elapsed=got.elapsed,
            )
            return
        links: list[tuple[str, int, str]] = []
        skipped: list[tuple[str, int, str, str]] = []
        depth = claim.depth + 1
        robots = self.robots.get(host_key(claim.url))
        if len(self.known) > KNOWN_MAX:
            self.known.clear()  # only a shortcut: the database refuses duplicates anyway
        for url in audited["links"]:
            if url in self.known:
                continue
            reason = self._why_not(url)
            if reason == "off-site":
                self.known.add(url)
                continue  # not ours to list
            if reason is None and depth > self.settings.max_depth:
                reason = f"deeper than --max-depth {self.settings.max_depth}"
            if reason is None and robots is not None and not robots.allowed(url):
                reason = "disallowed by robots.txt"
            if reason is None:
                links.append((url, depth, claim.url))
                self.known.add(url)
            elif reason.startswith("deeper"):
                continue  # not recorded: a shorter path may still reach it
            else:
                skipped.append((url, depth, claim.url, reason))
                self.known.add(url)
        self.store.finish(
            claim.url,
            depth=claim.depth,
            state="done",
            status=got.status,
            content_type=got.content_type,
            size=len(got.body) if size is None else size,
            elapsed=got.elapsed,
            final_url=got.final_url,
            result=audited["result"],
            text=audited["text"],
            links=links,
            skipped=skipped,
            etag=got.etag,
            last_modified=got.last_modified,
            found=audited.get("found"),
            unchanged=unchanged,
            checks=audited.get("check") or (),
        )

    async def run(self) -> Progress:
        """Crawl until the frontier is empty or a limit is reached, holding the database's lock throughout."""
        if self.lock is None or not self.lock.held:
            self.lock = CrawlLock.take(self.store.path)
        self.lifeline, keep_alive = multiprocessing.Pipe(duplex=False)
        try:
            return await self._run()
        finally:
            keep_alive.close()
            self.lifeline.close()
            self.lock.release()

    async def _run(self) -> Progress:
        self.finished = self.store.page_count()
        self._compare_with_since()
        if self.settings.warc:
            self.warc = Archive(Path(self.settings.warc))
        workers = self.settings.audit_workers
        # a re-crawl that may carry pages over starts its workers with the first page it must audit: on two cores,
        # warming two workers up (the pipeline's rules and patterns) costs more than fetching a site's 304s
        self.deferred_workers = workers if self.carry else 0
        self.pool = self._pool(workers) if workers > 0 and not self.carry else None
        try:
            async with self._client(2) as client:
                # the workers start (and load the pipeline) while robots.txt and the sitemaps are read
                starting = asyncio.to_thread(_spawn, self.pool, workers) if self.pool else asyncio.sleep(0)
                await asyncio.gather(starting, self._seed(client))
                fetchers = [asyncio.create_task(self._worker()) for _ in range(self.settings.concurrency)]
                await asyncio.gather(*fetchers)
                if self.settings.check_links:
                    await self._check_links()
            if self.store.counts().get("queued", 0) == 0:
                self.store.set("state", "finished")
            await self._end_crawl()
        except sqlite3.Error as exc:
            # a full disk, a read-only file: every page committed so far is kept, in flight pages are refetched
            raise AuditError(
                f"{self.store.path}: cannot write the crawl database ({exc}); what was committed is kept: "
                f"fix it and resume with  auditor crawl --resume {self.store.path}"
            ) from None
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
            if self.warc is not None:
                self.warc.close()
            if self.previous is not None:
                self.previous.close()
                self.previous = None
        return self.progress

    # -- re-crawl and history ---------------------------------------------------------------------------------

    def _say(self, line: str) -> None:
        if self.on_note is not None:
            self.on_note(line)

    def _compare_with_since(self) -> None:
        """Open the --since crawl (again, for a resumed crawl) and decide whether its pages may be carried over:
        only when it audited them as this crawl does (same auditor version, same rules and options)."""
        since = self.settings.since
        if since is None:
            return
        if self.previous is None:
            try:
                self.previous = open_since(Path(since), self.settings.start_url, self.store.path)
            except AuditError as exc:  # gone or changed since the crawl began: the rest is fetched in full
                self._say(f"{exc}; the pages left are fetched and audited in full")
                return
        self.carry = self.previous.get("audit") == audit_key(self.config)
        if not self.carry:
            self._say(f"{since}: audited by another auditor version or configuration; every page is audited again")

    def _summary_carried(self) -> dict[str, Any] | None:
        """The --since crawl's summary, when this crawl recorded the very same site: the same start URL, the same
        pages with the same status, depth and error, every audited one carried over unchanged. The site result is a
        function of those and of the audit (the same, or nothing was carried), so the summary is too, and the site
        checks (near-duplicates over every page's text) need not run again on an unchanged site."""
        previous = self.previous
        if previous is None or not self.carry or self.store.audited_changed() or self.settings.check_links:
            return None  # (links followed are this crawl's own: their health is what changes between crawls)
        if previous.check_counts().get("done"):
            return None  # the earlier summary counts link-health findings that this crawl, checking none, has not
        own = previous.get("crawl")
        earlier = next((r for r in previous.crawls() if r.id == own), None)
        if earlier is None or earlier.summary is None or earlier.start_url != self.settings.start_url:
            return None
        if self.store.page_states() != previous.page_states():
            return None
        return {**earlier.summary, "pages_unchanged": self.store.unchanged_count()}

    async def _end_crawl(self) -> None:
        """Close this crawl's row of the site's history: when it ended, and its summary (computed by an audit
        worker, which has the pipeline loaded, so that this process never imports it)."""
        own = self.store.get("crawl")
        record = next((r for r in self.store.crawls() if r.id == own), None)
        if record is None:
            return
        ended = time.time()
        job = (str(self.store.path), self.config)
        summary = self._summary_carried()
        try:
            if summary is None and self.pool is not None:
                with contextlib.suppress(BrokenProcessPool):  # then in this process, below
                    summary = await asyncio.get_running_loop().run_in_executor(self.pool, summary_job, *job)
            if summary is None:
                summary = summary_job(*job)
        except AuditError as exc:  # a history without this summary is still a history: `report --history` retries
            self._say(f"no summary recorded for the history ({exc})")
        self.store.record_crawl(replace(record, ended_at=ended, summary=summary))


def _spawn(executor: ProcessPoolExecutor, workers: int) -> None:
    """Start the pool's processes now (a pool starts one per job submitted while none is idle), rather than
    when the first page arrives."""
    for _ in range(workers):
        executor.submit(int)


def _start_fork_server() -> None:
    """Start the fork server (and multiprocessing's resource tracker, which it starts first) with /dev/null for
    stdout and stderr, unless it already runs. Both would otherwise hold this process's pipes open after it is
    killed, so that whoever reads them to their end (a supervisor, a shell's `$(...)`) waits for them; and the
    tracker's note about the semaphores a killed process leaves (which it then removes) is noise to a user. The
    audit workers are forked from the fork server and inherit its streams."""
    from multiprocessing import forkserver

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()  # what this process has written so far goes where it was meant to
    null = os.open(os.devnull, os.O_WRONLY)
    saved = [os.dup(fd) for fd in (1, 2)]
    try:
        for fd in (1, 2):
            os.dup2(null, fd)
        forkserver.ensure_running()
    finally:
        for fd, copy in zip((1, 2), saved, strict=True):
            os.dup2(copy, fd)
            os.close(copy)
        os.close(null)


def _start_worker(lifeline: Connection | None, warm_with: Config | None) -> None:
    """An audit worker's start: it ends with the crawl, and given a configuration it loads the pipeline's rules and
    patterns before the first page (auditing a small page), not while pages wait."""
    # Ctrl-C reaches the terminal's whole process group, workers included: the crawl alone answers it (it stops
    # its pool and says how to resume), instead of each worker dying with a traceback of its own
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if lifeline is not None:
        _exit_with_crawl(lifeline)
    if warm_with is not None:
        with contextlib.suppress(Exception):  # a real page reports whatever this would have raised
            audit_job(WARM_UP_PAGE, "http://warm-up.invalid/", "utf-8", warm_with)
    # The worker's own process, so its cycle collector is tuned here, not in the pipeline: what is loaded by now
    # (the pipeline, its rules and compiled patterns: most of the heap) is set aside for good, so a full
    # collection walks only what the pages made since, not every object of the process (measured once, corpus
    # audits with trafilatura loaded: 34.2 pages/s frozen against 28.7 not, median of 5 passes on a noisy machine).
    # Collection stays on for the cycles pages do make, and the objects set aside are no longer written to by
    # collections, so the memory pages they share with the fork server stay shared. What the warm-up left is
    # collected first, so that no garbage is set aside with them.
    gc.collect()
    gc.freeze()


def _exit_with_crawl(lifeline: Connection) -> None:
    """Audit workers end when the crawl does, even when it is killed with SIGKILL.

    A killed crawl cannot tell its pool to stop, and the workers and the fork server keep each other alive
    (each worker holds the fork server's liveness pipe), so a watchdog thread waits for the end of file of the
    crawl's lifeline: the kernel closes the crawl's end when it dies, at once and even while nobody has reaped
    it (looking for its pid would find the unreaped zombie, alive to kill(2), for as long as it stays one).
    """

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                lifeline.recv_bytes()  # nothing is ever sent: this returns only at end of file, by raising
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-crawl", daemon=True).start()


def site_of(url: str) -> tuple[str, int | None]:
    """The site a URL is on, for crawl scope: its host (www. or not) and its port, a scheme's default port counting
    as no port (http://h:80/ and https://h/ are on the site of http://h/, http://h:8080/ is not)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a port out of range: no site a crawl can reach, and so none other than its own
        return host_key(url), -1
    return host_key(url), None if port == DEFAULT_PORTS.get(parts.scheme.lower()) else port


def same_site(url: str, other: str) -> bool:
    """Whether two URLs are on one site (see `site_of`)."""
    return site_of(url) == site_of(other)


def nothing_fetched(store: Store) -> str | None:
    """When not one page of a finished crawl could be fetched, one line on why (its start URL's cause); else None.
    Such a crawl is an error: an empty report would pass the site."""
    counts = store.counts()
    if counts.get("done", 0) or counts.get("queued", 0) or counts.get("fetching", 0):
        return None
    row = store.db.execute("SELECT url, reason FROM frontier ORDER BY seq LIMIT 1").fetchone()
    if row is None:
        return "no page could be fetched"
    return f"no page could be fetched: {row[0]}: {row[1] or 'no cause recorded'}"


def open_since(old: Path, start_url: str, db: Path | None) -> Store:
    """The database a re-crawl compares with (--since), opened read only: a finished or interrupted crawl of the
    same site that recorded pages. Anything else is refused in one line."""
    if db is not None and (old.absolute() == db.absolute() or (old.exists() and db.exists() and old.samefile(db))):
        raise InputError(f"{old}: --since names the database this crawl writes (--db); name the earlier one")
    if CrawlLock.busy(old):
        raise InputError(f"{old}: a crawl is running in it; --since takes a finished or interrupted crawl")
    store = Store.read_only(old)
    try:
        try:
            theirs = Settings.from_json(store.get("settings") or "").start_url
        except (ValueError, TypeError, AttributeError):  # no settings, or settings that are not a crawl's
            raise InputError(f"{old}: not a crawl database (no settings)") from None
        if site_of(theirs) != site_of(start_url):
            raise InputError(f"{old}: a crawl of {theirs}, not of the site of {start_url}")
        if store.page_count() == 0:
            raise InputError(f"{old}: the crawl recorded no page, so there is nothing to compare with")
    except BaseException:
        store.close()
        raise
    return store


def audit_key(config: Config) -> str:
    """What a page's result depends on besides its bytes: the auditor's version, the rules chosen and their
    options, the models. A page carried over keeps the result an earlier crawl gave it, so only a crawl that
    audited the same way may be carried from."""
    parts = (
        __version__,
        config.select,
        config.ignore,
        sorted((rule, repr(override)) for rule, override in config.rules.items()),
        str(config.models or ""),
        sorted(config.held_out),
    )
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:16]
