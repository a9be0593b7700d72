"""The crawl database (SQLite, WAL): the frontier, each fetch, and each page's result, committed page by page so
that a crawl killed at any moment resumes where it stopped and loses nothing."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from auditor.errors import InputError
from auditor.models import Site, SitePage

SCHEMA_VERSION = "3"
# Version 2 (re-crawls, a site's history): each page keeps its validators (ETag, Last-Modified), the links found on
# it (a page carried over on 304 Not Modified still leads the crawl to them), and whether it was carried over; the
# database keeps one row per crawl. A version 1 database is read as it is (the new columns read as absent), and is
# upgraded only when a crawl writes to it again (--resume): a report never changes a file, so an older auditor can
# still read whatever was only reported on.
# Version 3 (--check-links): the link checks, one row per distinct link a page named, queued with the page and
# followed once, with each hop of its redirect chain. Versions 1 and 2 are read as they are (no link was checked),
# and upgraded by --resume as above.
READABLE_VERSIONS = ("1", "2", "3")
SQLITE_MAGIC = b"SQLite format 3\x00"
# SQLite's file header is 100 bytes: a shorter file (an empty one included) is no database, and opening it as one
# would write a new database over it (https://www.sqlite.org/fileformat.html#the_database_header)
SQLITE_HEADER_BYTES = 100
# How long to wait for another process's lock on the database before giving up (SQLite's busy timeout, seconds): a
# checkpoint or a commit holds one for a moment, and the wait outlasts it; a lock held longer is another program's
BUSY_TIMEOUT = 30.0
# SQLite's primary result codes (https://www.sqlite.org/rescode.html), by what they say of a file it refused: held
# by another process, out of this process's reach, or damaged. Only the last is the file's fault.
_LOCKED_CODES = frozenset((sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED))
_DENIED_CODES = frozenset((sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH))
_DAMAGED_CODES = frozenset((sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_FORMAT))
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
    text BLOB,
    etag TEXT,
    last_modified TEXT,
    links BLOB,
    unchanged INTEGER NOT NULL DEFAULT 0
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
# The site's history: one row per crawl that ran into the database or that it continues from (--since)
_CRAWLS = """
CREATE TABLE IF NOT EXISTS crawls (
    id TEXT PRIMARY KEY,
    started_at REAL NOT NULL,
    ended_at REAL,
    start_url TEXT NOT NULL,
    since TEXT,
    summary TEXT
);
"""
# The links to follow (--check-links): queued with the page that names them, in the same transaction, so that a
# crawl killed at any moment neither loses one nor follows one twice. `chain` is the URLs the link led to, in order
# (JSON), `hops` each answer on the way (JSON, one {url, method, status, location} a request)
_CHECKS = """
CREATE TABLE IF NOT EXISTS link_checks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT UNIQUE NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    chain TEXT,
    hops TEXT,
    final_url TEXT,
    status INTEGER,
    error TEXT,
    checked_at REAL
);
"""
# One transaction each: a crawl killed while upgrading leaves the version it had, never half of the next
_UPGRADE_1_TO_2 = f"""
BEGIN;
ALTER TABLE pages ADD COLUMN etag TEXT;
ALTER TABLE pages ADD COLUMN last_modified TEXT;
ALTER TABLE pages ADD COLUMN links BLOB;
ALTER TABLE pages ADD COLUMN unchanged INTEGER NOT NULL DEFAULT 0;
{_CRAWLS}
INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '2');
COMMIT;
"""
_UPGRADE_2_TO_3 = f"""
BEGIN;
{_CHECKS}
INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '3');
COMMIT;
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


@dataclass(frozen=True, slots=True)
class Kept:
    """A page as an earlier crawl recorded it, to carry over when its server answers 304 Not Modified: its result
    and text still packed as the database keeps them, and the links found on it."""

    final_url: str | None
    status: int | None
    content_type: str | None
    size: int | None
    etag: str | None
    last_modified: str | None
    result: bytes
    text: bytes | None
    links: list[str]
    packed_links: bytes


@dataclass(frozen=True, slots=True)
class CrawlRecord:
    """One crawl of a site's history: when it ran, from where, which crawl it continued from (--since), and its
    summary (None until it ends)."""

    id: str
    started_at: float
    ended_at: float | None
    start_url: str
    since: str | None
    summary: dict[str, Any] | None


def pack(value: str | bytes) -> bytes:
    """How the database keeps results and texts: UTF-8, zlib level 1 (fast; JSON shrinks about fivefold)."""
    return zlib.compress(value.encode("utf-8") if isinstance(value, str) else value, 1)


def _unpack(value: bytes | None) -> str | None:
    return None if value is None else zlib.decompress(value).decode("utf-8")


# What decoding a value the crawl did not write raises: zlib.error for bytes that are not zlib's, TypeError for a
# value of another type (text where the crawl wrote bytes), ValueError for bytes that are not UTF-8 or not JSON
# (json's and orjson's errors are ValueErrors). The store turns each into its one-line error (`Store._decoding`).
_UNDECODABLE = (zlib.error, TypeError, ValueError)


def _unpack_result(value: bytes | None) -> dict[str, Any] | None:
    """A page's result as the database keeps it (see `pack`)."""
    if value is None:
        return None
    # orjson reads the UTF-8 bytes as they are, without decoding them to a str first, and parses faster (526 heavy
    # pages' results: 0.71 s against json's 0.96): a report or a crawl's summary reads every page's result
    result = orjson.loads(zlib.decompress(value))
    if not isinstance(result, dict):
        raise TypeError("a page's result is a JSON object")
    return result


def _json_list(raw: str | None) -> list[Any]:
    """A list the database keeps as JSON (absent: empty)."""
    found = json.loads(raw or "[]")
    if not isinstance(found, list):
        raise TypeError("a JSON list was expected")
    return found


def _json_object(raw: str) -> dict[str, Any]:
    """An object the database keeps as JSON."""
    found = json.loads(raw)
    if not isinstance(found, dict):
        raise TypeError("a JSON object was expected")
    return found


def damaged(path: Path, exc: BaseException | str) -> InputError:
    """The one error for a crawl database damaged in place (a disk fault, a copy cut short, a stray write)."""
    # SQLite's integrity report spans lines ("*** in database main ***", then one line per fault): one line here
    detail = " ".join(str(exc).replace("*** in database main ***", "").split())
    return InputError(
        f"{path}: the crawl database is damaged ({detail}); restore a copy of it, or crawl again with --force"
    )


def _refusal(path: Path, exc: sqlite3.Error) -> InputError:
    """The error for a crawl database SQLite would not read. Damaged only when SQLite says so of its content: a
    database that is locked, or that this process cannot open, is sound, and nothing should be done to it."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF  # the primary code, without the extended detail
    if code in _DAMAGED_CODES:
        return damaged(path, exc)
    if code in _LOCKED_CODES:
        return InputError(
            f"{path}: the crawl database is locked by another process (a crawl still running?), and still was "
            f"after {BUSY_TIMEOUT:g} s; try again when that process ends"
        )
    if code in _DENIED_CODES and not os.access(path.absolute().parent, os.W_OK):
        # even to read a WAL database, SQLite makes its -shm (and -wal) file beside it
        return InputError(
            f"{path}: the crawl database cannot be opened (its folder is read-only, and SQLite keeps its -wal and "
            "-shm files beside it); open it from a folder you can write to"
        )
    if code in _DENIED_CODES:
        return InputError(f"{path}: the crawl database cannot be opened ({exc})")
    return InputError(f"{path}: the crawl database cannot be read ({exc})")  # a disk error, a full disk, ...


def _alien(path: Path, detail: str) -> InputError:
    """The error for an SQLite file with the crawl's table names whose tables are not the ones the crawl makes."""
    return InputError(f"{path}: not a crawl database of this auditor (its tables are not the ones it writes: {detail})")


def _columns_of(db: sqlite3.Connection, table: str) -> frozenset[str]:
    """A table's columns (none when the database has no such table)."""
    return frozenset(str(name) for (name,) in db.execute("SELECT name FROM pragma_table_info(?)", (table,)))


def _columns_made_by(script: str) -> dict[str, frozenset[str]]:
    """Each table a schema script makes, with its columns, as SQLite itself makes them."""
    with closing(sqlite3.connect(":memory:")) as db:
        db.executescript(script)
        names = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        return {str(name): _columns_of(db, str(name)) for (name,) in names.fetchall()}


@cache
def _columns_by_version() -> dict[str, dict[str, frozenset[str]]]:
    """What the queries of each readable version read: its tables and their columns, taken from the scripts above
    so that they follow them. Version 1 is the first script without the columns the upgrade to 2 adds."""
    added = re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", _UPGRADE_1_TO_2)
    first = {
        table: columns - {column for owner, column in added if owner == table}
        for table, columns in _columns_made_by(_SCHEMA).items()
    }
    return {"1": first, "2": _columns_made_by(_SCHEMA + _CRAWLS), "3": _columns_made_by(_SCHEMA + _CRAWLS + _CHECKS)}


def _stored_version(db: sqlite3.Connection) -> str:
    """The schema version a database records. One without it is of version 1 (the version was recorded from the
    start, so only a hand-made file lacks it)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    return (None if row is None else str(row[0])) or "1"


def _settings_of(path: Path, raw: str) -> dict[str, Any]:
    """A crawl's settings as its database keeps them (a JSON object), or the store's error when they are not."""
    try:
        return _json_object(raw)
    except _UNDECODABLE:
        raise InputError(f"{path}: not a crawl database (its settings are not a crawl's)") from None


def _check_tables(path: Path, db: sqlite3.Connection) -> None:
    """Every table the queries of the database's version read is there with every column they read, so that a
    file with the crawl's table names but another program's columns, or a table dropped by hand, is refused at
    once rather than by the first query that misses one. Extra tables and columns are left alone."""
    by_version = _columns_by_version()
    _check_columns(path, db, by_version["1"])  # every version has these, the table that records the version too
    _check_columns(path, db, by_version.get(_stored_version(db), {}))  # (an unknown version is refused by name later)


def _check_columns(path: Path, db: sqlite3.Connection, tables: dict[str, frozenset[str]]) -> None:
    for table, columns in tables.items():
        present = _columns_of(db, table)
        if not present:
            raise _alien(path, f"no table {table}")
        if not columns <= present:
            raise _alien(path, f"table {table} has no column {', '.join(sorted(columns - present))}")


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
    """Reads only: the crawl's tables are there with their columns, its settings are a crawl's, and every page of
    the file is sound. The quick check reads the whole file once (about what a report reads anyway) so that a
    damaged database is refused at once, rather than a resumed crawl writing on until it reaches the damage, or
    never reaching it and saying nothing."""
    tables = {str(row[0]) for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not _TABLES.issubset(tables):
        raise InputError(f"{path}: not a crawl database (it has no crawl tables)")
    _check_tables(path, db)
    settings = db.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
    if settings is not None:  # (read now: a crawl resumes from them, and a report names their start URL)
        _settings_of(path, str(settings[0]))
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
        self.version = SCHEMA_VERSION
        """The schema version of the file: what its queries may read (see READABLE_VERSIONS)."""

    @classmethod
    def open(cls, path: Path, create: bool, upgrade: bool = False) -> Store:
        """Open a crawl database; `create` makes a new one (refusing to reuse a file that is not one). An existing
        file is checked before anything is written to it: a file that is not a crawl database, or one that is
        damaged, is refused as it is. `upgrade` brings an older version up to this one, for a crawl that will
        write to it; a reader leaves it as it is."""
        if not create:
            _check_file(path)
        try:
            if create:
                db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT)
            else:  # never creates the file; the checks below run before any write
                uri = f"{path.absolute().as_uri()}?mode=rw"
                db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT)
        except sqlite3.Error as exc:
            raise _refusal(path, exc) from None
        try:
            if not create:
                _check_database(path, db)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if create:
                db.executescript(_SCHEMA + _CRAWLS + _CHECKS)
        except sqlite3.DatabaseError as exc:
            db.close()
            if create:
                raise InputError(f"{path}: not a crawl database ({exc})") from None
            raise _refusal(path, exc) from None
        except InputError:
            db.close()
            raise
        store = cls(path, db)
        store.tally.update(store.counts())
        if create:
            store.set("schema", SCHEMA_VERSION)
        store.version = store._readable_version()
        for version, script in (("1", _UPGRADE_1_TO_2), ("2", _UPGRADE_2_TO_3)):
            if not upgrade or store.version != version:
                continue
            following = str(int(version) + 1)
            try:
                db.executescript(script)
            except sqlite3.Error as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                store.close()
                raise InputError(f"{path}: cannot upgrade the crawl database to version {following} ({exc})") from None
            store.version = following
        return store

    @classmethod
    def read_only(cls, path: Path) -> Store:
        """Open a crawl database only to read it (the database a re-crawl compares with, a history): checked as
        `open` checks it, and never written to, whatever its version."""
        _check_file(path)
        try:
            uri = f"{path.absolute().as_uri()}?mode=ro"
            db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT)
        except sqlite3.Error as exc:
            raise _refusal(path, exc) from None
        try:
            _check_database(path, db)
        except sqlite3.Error as exc:
            db.close()
            raise _refusal(path, exc) from None
        except InputError:
            db.close()
            raise
        store = cls(path, db)
        try:
            store.tally.update(store.counts())
            store.version = store._readable_version()
        except BaseException:
            store.close()
            raise
        return store

    def _readable_version(self) -> str:
        """The database's schema version (see `_stored_version`), refused when this auditor cannot read it."""
        version = _stored_version(self.db)
        if version not in READABLE_VERSIONS:
            self.close()
            raise InputError(
                f"{self.path}: crawl database version {version}, this auditor reads versions "
                f"{' and '.join(READABLE_VERSIONS)}"
            )
        return version

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _decoding(self, what: str) -> Iterator[None]:
        """Rows are read back as the crawl wrote them; one it did not write so (a stray write, a hand edit) is the
        store's one-line error rather than whatever its decoder raised."""
        try:
            yield
        except _UNDECODABLE:
            raise damaged(self.path, f"{what} cannot be read") from None

    # -- settings ---------------------------------------------------------------------------------------------

    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def settings(self) -> dict[str, Any]:
        raw = self.get("settings")
        return {} if raw is None else _settings_of(self.path, raw)

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
        etag: str | None = None,
        last_modified: str | None = None,
        found: bytes | None = None,
        unchanged: bool = False,
        checks: Iterable[str] = (),
    ) -> None:
        """Record a page and what it links to, in one transaction: after a crash either all of it is there or
        none, and the page is fetched again. `result`, `text` and `found` (every link found on the page, in scope
        or not, as a JSON list) come packed (see `pack`); `unchanged`: carried over from an earlier crawl;
        `checks`: the links on it to follow (--check-links), each queued once however many pages name it."""
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO pages (url, final_url, status, content_type, bytes, elapsed, fetched_at, "
                "depth, error, result, text, etag, last_modified, links, unchanged) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    etag,
                    last_modified,
                    found,
                    int(unchanged),
                ),
            )
            self.db.execute("UPDATE frontier SET state = ?, reason = ? WHERE url = ?", (state, error, url))
            self.tally["fetching"] -= 1
            self.tally[state] += 1
            self.enqueue(links)
            for row in skipped:
                self.skip(*row)
            follow = [(u,) for u in checks]
            if follow:  # (most pages name none)
                self.db.executemany("INSERT OR IGNORE INTO link_checks (url) VALUES (?)", follow)

    def pages(self) -> Iterator[PageRow]:
        """Every recorded page, in the order the crawl found them."""
        query = (
            "SELECT p.url, p.final_url, p.status, p.content_type, p.depth, p.error, p.result, p.text "
            "FROM pages p LEFT JOIN frontier f ON f.url = p.url ORDER BY f.seq, p.url"
        )
        for url, final_url, status, content_type, depth, error, result, text in self.db.execute(query):
            with self._decoding("a stored result"):
                decoded, page_text = _unpack_result(result), _unpack(text)
            yield PageRow(url, final_url, status, content_type, depth, error, decoded, page_text)

    def site(self) -> Site:
        """The site this database holds, for the site checks: every URL it recorded, audited or not, each link it
        followed (--check-links) with its redirect chain and what the chain says (`resolution.apply`)."""
        chains = self.chains()
        if chains:
            from auditor.resolution import apply  # (only then: a report of a crawl without link checks needs none)
        pages = tuple(
            SitePage(
                row.url,
                row.status,
                row.depth,
                row.error,
                apply(row.result, chains) if chains and row.result is not None else row.result,
                row.text or "",
            )
            for row in self.pages()
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

    # -- re-crawls --------------------------------------------------------------------------------------------

    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        """The ETag and Last-Modified this crawl recorded for an audited page, when it recorded either and what a
        304 would need to carry the page over (its result and its links); else None."""
        if self.version == "1":
            return None  # no validators then
        row = self.db.execute(
            "SELECT etag, last_modified FROM pages WHERE url = ? AND result IS NOT NULL AND links IS NOT NULL "
            "AND (etag IS NOT NULL OR last_modified IS NOT NULL)",
            (url,),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def kept(self, url: str) -> Kept | None:
        """An audited page as this crawl recorded it, to carry over into a re-crawl (see `validators`)."""
        if self.version == "1":
            return None
        row = self.db.execute(
            "SELECT final_url, status, content_type, bytes, etag, last_modified, result, text, links FROM pages "
            "WHERE url = ? AND result IS NOT NULL AND links IS NOT NULL",
            (url,),
        ).fetchone()
        if row is None:
            return None
        final_url, status, content_type, size, etag, last_modified, result, text, packed = row
        with self._decoding("a stored page"):
            found = _json_list(_unpack(packed))
            if not isinstance(result, bytes) or not isinstance(text, bytes | None):  # carried over as they are
                raise TypeError("a page's result and text are kept packed")
        return Kept(
            final_url, status, content_type, size, etag, last_modified, result, text, [str(u) for u in found], packed
        )

    def unchanged_count(self) -> int:
        """How many pages were carried over from an earlier crawl, their server saying they had not changed."""
        if self.version == "1":
            return 0
        return int(self.db.execute("SELECT COUNT(*) FROM pages WHERE unchanged = 1").fetchone()[0])

    def audited_changed(self) -> int:
        """How many pages this crawl audited itself (not carried over from an earlier one)."""
        if self.version == "1":
            return int(self.db.execute("SELECT COUNT(*) FROM pages WHERE result IS NOT NULL").fetchone()[0])
        return int(
            self.db.execute("SELECT COUNT(*) FROM pages WHERE result IS NOT NULL AND unchanged = 0").fetchone()[0]
        )

    def page_states(self) -> frozenset[tuple[str, int | None, int | None, str | None]]:
        """Every recorded page's URL, status, depth and error: what, with the results, makes the site result."""
        rows = self.db.execute("SELECT url, status, depth, error FROM pages")
        return frozenset((str(url), status, depth, error) for url, status, depth, error in rows)

    def first_and_last_fetch(self) -> tuple[float | None, float | None]:
        """When the crawl fetched first and last (a version 1 database's only record of when it ran)."""
        row = self.db.execute("SELECT MIN(at), MAX(at) FROM fetches").fetchone()
        return row[0], row[1]

    # -- link checks (--check-links) --------------------------------------------------------------------------

    def claim_check(self) -> str | None:
        """The oldest link still to follow, marked in flight; None when none is left."""
        with self.db:
            row = self.db.execute("SELECT url FROM link_checks WHERE state = 'queued' ORDER BY seq LIMIT 1").fetchone()
            if row is None:
                return None
            self.db.execute("UPDATE link_checks SET state = 'checking' WHERE url = ?", (row[0],))
        return str(row[0])

    def requeue_checks(self) -> int:
        """Links a stopped crawl left in flight go back to the queue (the crawl follows links one run at a time, so
        any still in flight when it starts were cut off); returns how many."""
        with self.db:
            return int(self.db.execute("UPDATE link_checks SET state = 'queued' WHERE state = 'checking'").rowcount)

    def record_check(self, url: str, followed: dict[str, Any]) -> None:
        """A link followed (`linkcheck.follow`): its chain, each answer on the way, where it ended and how."""
        with self.db:
            self.db.execute(
                "UPDATE link_checks SET state = 'done', chain = ?, hops = ?, final_url = ?, status = ?, error = ?, "
                "checked_at = ? WHERE url = ?",
                (
                    json.dumps(followed["chain"]),
                    json.dumps(followed["hops"]),
                    followed["final_url"],
                    followed["status"],
                    followed["error"],
                    followed["checked_at"],
                    url,
                ),
            )

    def check_counts(self) -> dict[str, int]:
        """Links to follow by state (queued, checking, done); none in a database from before version 3."""
        if self.version in ("1", "2"):
            return {}
        rows = self.db.execute("SELECT state, COUNT(*) FROM link_checks GROUP BY state").fetchall()
        return {str(state): int(n) for state, n in rows}

    def chains(self) -> dict[str, dict[str, Any]]:
        """Every link followed, by its URL as the pages name it, as `linkcheck.follow` recorded it: its chain, each
        answer on the way, where it ended (`final_url`, `status`, or the `error` that stopped it) and when
        (`checked_at`, seconds since the epoch)."""
        if self.version in ("1", "2"):
            return {}
        rows = self.db.execute(
            "SELECT url, chain, hops, final_url, status, error, checked_at FROM link_checks WHERE state = 'done' "
            "ORDER BY seq"
        )
        with self._decoding("a stored link check"):
            return {
                str(url): {
                    "chain": _json_list(chain) or [str(url)],
                    "hops": _json_list(hops),
                    "final_url": final_url,
                    "status": status,
                    "error": error,
                    "checked_at": checked_at,
                }
                for url, chain, hops, final_url, status, error, checked_at in rows
            }

    # -- history ----------------------------------------------------------------------------------------------

    def crawls(self) -> list[CrawlRecord]:
        """The site's history this database holds, oldest first (none in a version 1 database)."""
        if self.version == "1":
            return []
        rows = self.db.execute(
            "SELECT id, started_at, ended_at, start_url, since, summary FROM crawls ORDER BY started_at, rowid"
        ).fetchall()
        with self._decoding("a stored crawl of the history"):
            return [
                CrawlRecord(str(i), float(started), ended, str(url), since, _json_object(summary) if summary else None)
                for i, started, ended, url, since, summary in rows
            ]

    def record_crawl(self, crawl: CrawlRecord) -> None:
        """Add a crawl to the history, or replace the row of the same id."""
        summary = json.dumps(crawl.summary) if crawl.summary is not None else None
        self.db.execute(
            "INSERT OR REPLACE INTO crawls (id, started_at, ended_at, start_url, since, summary) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (crawl.id, crawl.started_at, crawl.ended_at, crawl.start_url, crawl.since, summary),
        )


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

    @staticmethod
    def busy(database: Path) -> bool:
        """Whether a crawl holds the database now; asked without creating the lock file (a database only read may
        sit in a folder this user cannot write to)."""
        import fcntl

        try:
            fd = os.open(f"{database}-lock", os.O_RDONLY)
        except OSError:
            return False  # no lock file: no crawl holds it
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        finally:
            os.close(fd)  # closing the descriptor lets go of a lock taken here
        return False

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
