"""The crawl database (SQLite, WAL): the frontier, each fetch, and each page's result, committed page by page so
that a crawl killed at any moment resumes where it stopped and loses nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.models import Site, SitePage

SCHEMA_VERSION = "1"
SQLITE_MAGIC = b"SQLite format 3\x00"
# SQLite's file header is 100 bytes: a shorter file (an empty one included) is no database, and opening it as one
# would write a new database over it (https://www.sqlite.org/fileformat.html#the_database_header)
SQLITE_HEADER_BYTES = 100
_TABLES = frozenset(("meta", "frontier", "pages", "fetches"))
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS frontier (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT UNIQUE NOT NULL,
    depth INTEGER NOT NULL,
    source TEXT,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS frontier_level ON frontier (state, depth, seq);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    final_url TEXT,
    status INTEGER,
    content_type TEXT,
    bytes INTEGER,
    elapsed REAL,
    fetched_at REAL NOT NULL,
    depth INTEGER,
    error TEXT,
    result BLOB,
    text BLOB
);
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    at REAL NOT NULL,
    status INTEGER,
    error TEXT,
    elapsed REAL
);
"""


@dataclass(frozen=True, slots=True)
class Claim:
    url: str
    depth: int
    attempts: int


@dataclass(frozen=True, slots=True)
class PageRow:
    url: str
    final_url: str | None
    status: int | None
    content_type: str | None
    depth: int | None
    error: str | None
    result: dict[str, Any] | None
    text: str | None


def pack(value: str | bytes) -> bytes:
    """How the database keeps results and texts: UTF-8, zlib level 1 (fast; JSON shrinks about fivefold)."""
    return zlib.compress(value.encode("utf-8") if isinstance(value, str) else value, 1)


def _unpack(value: bytes | None) -> str | None:
    return None if value is None else zlib.decompress(value).decode("utf-8")


def damaged(path: Path, exc: BaseException | str) -> InputError:
    """The one error for a crawl database damaged in place (a disk fault, a copy cut short, a stray write)."""
    # SQLite's integrity report spans lines ("*** in database main ***", then one line per fault): one line here
    detail = " ".join(str(exc).replace("*** in database main ***", "").split())
    return InputError(
        f"{path}: the crawl database is damaged ({detail}); restore a copy of it, or crawl again with --force"
    )


def _check_file(path: Path) -> None:
    """Refuse a file that cannot hold a crawl database, from its first bytes and without opening it in SQLite."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SQLITE_HEADER_BYTES)
    except FileNotFoundError:
        raise InputError(f"{path}: no such crawl database") from None
    except IsADirectoryError:
        raise InputError(f"{path}: not a crawl database (a folder)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not head:
        raise InputError(f"{path}: not a crawl database (an empty file)")
    if len(head) < SQLITE_HEADER_BYTES or not head.startswith(SQLITE_MAGIC):
        raise InputError(f"{path}: not a crawl database (not an SQLite file)")


def _check_database(path: Path, db: sqlite3.Connection) -> None:
    """Reads only: the crawl's tables are there, and every page of the file is sound. The quick check reads the
    whole file once (about what a report reads anyway) so that a damaged database is refused at once, rather than
    a resumed crawl writing on until it reaches the damage, or never reaching it and saying nothing."""
    tables = {str(row[0]) for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not _TABLES.issubset(tables):
        raise InputError(f"{path}: not a crawl database (it has no crawl tables)")
    problems = [str(row[0]) for row in db.execute("PRAGMA quick_check(1)")]
    if problems != ["ok"]:
        raise damaged(path, problems[0] if problems else "no answer to its integrity check")


class Store:
    """One crawl's database. All writes come from one thread (the crawler's event loop)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.db = connection
        self.tally: Counter[str] = Counter()
        """URLs by frontier state, kept up to date by this object's writes (cheap progress, no query)."""

    @classmethod
    def open(cls, path: Path, create: bool) -> Store:
        """Open a crawl database; `create` makes a new one (refusing to reuse a file that is not one). An existing
        file is checked before anything is written to it: a file that is not a crawl database, or one that is
        damaged, is refused as it is."""
        if not create:
            _check_file(path)
        try:
            if create:
                db = sqlite3.connect(path, isolation_level=None, timeout=30)
            else:  # never creates the file; the checks below run before any write
                db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True, isolation_level=None, timeout=30)
        except sqlite3.Error as exc:
            raise InputError(f"{path}: cannot open the crawl database ({exc})") from None
        try:
            if not create:
                _check_database(path, db)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if create:
                db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            db.close()
            if create:
                raise InputError(f"{path}: not a crawl database ({exc})") from None
            raise damaged(path, exc) from None
        except InputError:
            db.close()
            raise
        store = cls(path, db)
        store.tally.update(store.counts())
        version = store.get("schema")
        if version is None:
            store.set("schema", SCHEMA_VERSION)
        elif version != SCHEMA_VERSION:
            store.close()
            raise InputError(f"{path}: crawl database version {version}, this auditor reads {SCHEMA_VERSION}")
        return store

    def close(self) -> None:
        self.db.close()

    # -- settings ---------------------------------------------------------------------------------------------

    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def settings(self) -> dict[str, Any]:
        raw = self.get("settings")
        return {} if raw is None else dict(json.loads(raw))

    # -- frontier ---------------------------------------------------------------------------------------------

    def enqueue(self, urls: Iterable[tuple[str, int, str]]) -> int:
        """Add (url, depth, source) rows not seen before; returns how many were new."""
        before = self.db.total_changes
        self.db.executemany("INSERT OR IGNORE INTO frontier (url, depth, source) VALUES (?, ?, ?)", urls)
        added = self.db.total_changes - before
        self.tally["queued"] += added
        return added

    def skip(self, url: str, depth: int, source: str, reason: str) -> None:
        """Record a URL the crawl will not fetch (robots.txt, scope, limits), so it is counted once."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO frontier (url, depth, source, state, reason) VALUES (?, ?, ?, 'skipped', ?)",
            (url, depth, source, reason),
        )
        self.tally["skipped"] += cursor.rowcount

    def level(self) -> int | None:
        """The crawl's current depth: the smallest depth still queued or in flight (None when all is done)."""
        row = self.db.execute("SELECT MIN(depth) FROM frontier WHERE state IN ('queued', 'fetching')").fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def claim(self, limit: int, now: float) -> list[Claim]:
        """Take up to `limit` queued URLs of the current level whose wait is over, oldest first, and mark them
        in flight. Levels go in order (breadth first, one depth at a time): every page then gets its shortest
        depth whatever the concurrency, so the depth limit cuts the same pages in every run, resumed or not."""
        with self.db:
            level = self.level()
            if level is None:
                return []
            rows = self.db.execute(
                "SELECT url, depth, attempts FROM frontier WHERE state = 'queued' AND depth = ? AND not_before <= ? "
                "ORDER BY seq LIMIT ?",
                (level, now, limit),
            ).fetchall()
            self.db.executemany("UPDATE frontier SET state = 'fetching' WHERE url = ?", [(r[0],) for r in rows])
        self.tally["queued"] -= len(rows)
        self.tally["fetching"] += len(rows)
        return [Claim(r[0], r[1], r[2]) for r in rows]

    def next_wake(self) -> float | None:
        """When the earliest postponed URL of the current level may be fetched, or None when none is queued."""
        level = self.level()
        row = self.db.execute(
            "SELECT MIN(not_before) FROM frontier WHERE state = 'queued' AND depth = ?", (level,)
        ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def postpone(self, url: str, until: float, error: str | None) -> None:
        """Put a URL back in the queue for a retry after `until` (back-off, Retry-After)."""
        with self.db:
            self.db.execute(
                "UPDATE frontier SET state = 'queued', attempts = attempts + 1, not_before = ?, reason = ? "
                "WHERE url = ?",
                (until, error, url),
            )
        self.tally["fetching"] -= 1
        self.tally["queued"] += 1

    def resume(self) -> int:
        """After a crash, URLs that were in flight go back to the queue; returns how many."""
        with self.db:
            moved = self.db.execute("UPDATE frontier SET state = 'queued' WHERE state = 'fetching'").rowcount
        self.tally["fetching"] -= moved
        self.tally["queued"] += moved
        return moved

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) FROM frontier GROUP BY state").fetchall()
        return {str(state): int(n) for state, n in rows}

    # -- results ----------------------------------------------------------------------------------------------

    def log_fetch(self, url: str, status: int | None, error: str | None, elapsed: float) -> None:
        self.db.execute(
            "INSERT INTO fetches (url, at, status, error, elapsed) VALUES (?, ?, ?, ?, ?)",
            (url, time.time(), status, error, elapsed),
        )

    def finish(
        self,
        url: str,
        *,
        depth: int,
        state: str,
        final_url: str | None = None,
        status: int | None = None,
        content_type: str | None = None,
        size: int | None = None,
        elapsed: float | None = None,
        error: str | None = None,
        result: bytes | None = None,
        text: bytes | None = None,
        links: Iterable[tuple[str, int, str]] = (),
        skipped: Iterable[tuple[str, int, str, str]] = (),
    ) -> None:
        """Record a page and what it links to, in one transaction: after a crash either all of it is there or
        none, and the page is fetched again. `result` and `text` come packed (see `pack`)."""
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO pages (url, final_url, status, content_type, bytes, elapsed, fetched_at, "
                "depth, error, result, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    url,
                    final_url,
                    status,
                    content_type,
                    size,
                    elapsed,
                    time.time(),
                    depth,
                    error,
                    result,
                    text,
                ),
            )
            self.db.execute("UPDATE frontier SET state = ?, reason = ? WHERE url = ?", (state, error, url))
            self.tally["fetching"] -= 1
            self.tally[state] += 1
            self.enqueue(links)
            for row in skipped:
                self.skip(*row)

    def pages(self) -> Iterator[PageRow]:
        """Every recorded page, in the order the crawl found them."""
        query = (
            "SELECT p.url, p.final_url, p.status, p.content_type, p.depth, p.error, p.result, p.text "
            "FROM pages p LEFT JOIN frontier f ON f.url = p.url ORDER BY f.seq, p.url"
        )
        for url, final_url, status, content_type, depth, error, result, text in self.db.execute(query):
            raw = _unpack(result)
            yield PageRow(
                url,
                final_url,
                status,
                content_type,
                depth,
                error,
                json.loads(raw) if raw is not None else None,
                _unpack(text),
            )

    def site(self) -> Site:
        """The site this database holds, for the site checks: every URL it recorded, audited or not."""
        pages = tuple(
            SitePage(row.url, row.status, row.depth, row.error, row.result, row.text or "") for row in self.pages()
        )
        return Site(self.settings().get("start_url", ""), pages)

    def not_audited(self) -> tuple[int, list[str]]:
        """How many recorded pages were audited, and the error of each one that was not (the crawl's summary
        counts them with the reports' words, without reading a single result)."""
        audited = int(self.db.execute("SELECT COUNT(*) FROM pages WHERE result IS NOT NULL").fetchone()[0])
        errors = [str(e or "") for (e,) in self.db.execute("SELECT error FROM pages WHERE result IS NULL")]
        return audited, errors

    def page_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM pages").fetchone()[0])


class CrawlLock:
    """An exclusive lock on a crawl database for as long as a crawl writes to it, so that two crawlers never share
    one; reading it (a report) needs no lock. The lock is flock(2) on a file beside the database, never on the
    database itself: closing any other descriptor of the database file would drop SQLite's own POSIX locks on it
    (https://www.sqlite.org/howtocorrupt.html#_posix_advisory_locks_canceled_by_a_separate_thread_doing_close_).
    The kernel lets the lock go when its holder dies, even by SIGKILL, so a killed crawl never blocks its resume."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd: int | None = fd

    @classmethod
    def take(cls, database: Path) -> CrawlLock:
        """Take the lock, or refuse at once with one line when another crawl holds it."""
        import fcntl

        path = Path(f"{database}-lock")
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise InputError(f"{database}: cannot lock the crawl database ({exc.strerror or exc})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise InputError(
                    f"{database}: another crawl holds this database (it is locked while a crawl runs); "
                    "wait for that crawl to end, or stop it"
                ) from None
            except OSError as exc:
                os.close(fd)
                raise InputError(f"{database}: cannot lock the crawl database ({exc.strerror or exc})") from None
            # the holder before us removes the file as it lets go: if it did so between our open and our lock,
            # we hold a lock on a file no one else can see, so take the lock again on the file now there
            try:
                current = os.stat(path)
            except FileNotFoundError:
                current = None
            mine = os.fstat(fd)
            if current is not None and (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
                return cls(path, fd)
            os.close(fd)

    @property
    def held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        """Let the lock go (removing its file first, while it is still held); a second release does nothing."""
        if self.fd is None:
            return
        self.path.unlink(missing_ok=True)
        os.close(self.fd)
        self.fd = None
