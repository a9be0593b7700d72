"""Batch inputs that live elsewhere: WARC files and URL lists at http(s):// URLs (or s3://, gs://, ... where
fsspec's backend for them is installed), and Common Crawl's `warc.paths.gz` lists of WARC files.

Everything is read through fsspec, whose files seek by HTTP range requests: a worker reads the records of its
chunk, not the whole gigabyte. Every failure becomes one InputError naming the input and what went wrong (the
HTTP status, the refused connection, the missing backend), never a traceback.
"""

from __future__ import annotations

import gzip
import os
import re
import socket
from typing import IO, Any

from auditor.config import USER_AGENT
from auditor.errors import InputError

COMMON_CRAWL = "https://data.commoncrawl.org/"
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]+)://", re.I)  # two letters at least: C:\ is a Windows drive
# fsspec's default is 5 MB a request; a Common Crawl WARC is ~1 GB read front to back, so fewer, larger requests
BLOCK = 8 << 20


def is_remote(name: str) -> bool:
    """Whether the input is a URL that fsspec reads (anything with a scheme), not a local path."""
    return _SCHEME.match(name) is not None


def _filesystem(name: str) -> tuple[Any, str]:
    import fsspec  # type: ignore[import-untyped]

    scheme = _SCHEME.match(name)
    options: dict[str, Any] = {}
    if scheme is not None and scheme.group(1).lower() in ("http", "https"):
        options["headers"] = {"User-Agent": USER_AGENT}  # the server sees who reads it, as with every fetch
    try:
        fs, path = fsspec.core.url_to_fs(name, **options)
    except ImportError as exc:  # fsspec knows the scheme, its backend is not installed; its message names it
        web = "headers" in options  # http(s)
        install = "pip install 'affiliate-auditor[remote]'" if web else "install fsspec's backend for it"
        raise InputError(f"{name}: cannot read this scheme ({install}; {exc})") from None
    except Exception as exc:
        raise InputError(f"{name}: {reason(exc)}") from None
    return fs, str(path)


def open_input(name: str, block_size: int = BLOCK) -> IO[bytes]:
    """A seekable binary file for a local path or a URL; one InputError if it cannot be opened."""
    if not is_remote(name):
        try:
            return open(name, "rb")
        except OSError as exc:
            raise InputError(f"{name}: {'no such file' if isinstance(exc, FileNotFoundError) else exc}") from None
    fs, path = _filesystem(name)
    try:
        handle: IO[bytes] = fs.open(path, "rb", block_size=block_size)
    except Exception as exc:
        raise InputError(f"{name}: {reason(exc)}") from None
    return handle


def read_bytes(name: str) -> bytes:
    """The whole input, inflated if it is gzipped (a URL list or a paths list, not a WARC)."""
    with open_input(name) as handle:
        try:
            data = handle.read()
        except Exception as exc:
            raise InputError(f"{name}: {reason(exc)}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(f"{name}: not a whole gzip file ({exc})") from None
    return data


def stamp(name: str) -> str:
    """What identifies this version of the input (size and modification time, or size and ETag): a chunk of it is
    done only if it was done on the same version."""
    if not is_remote(name):
        try:
            stat = os.stat(name)
        except OSError:
            raise InputError(f"{name}: no such file") from None
        if not os.path.isfile(name):
            raise InputError(f"{name}: not a file")
        return f"{stat.st_size}:{int(stat.st_mtime)}"
    fs, path = _filesystem(name)
    try:
        info = fs.info(path)
    except Exception as exc:
        raise InputError(f"{name}: {reason(exc)}") from None
    if info.get("type") == "directory":
        raise InputError(f"{name}: a folder, not a file")
    version = next(
        (str(info[k]) for k in ("ETag", "etag", "Last-Modified", "LastModified", "mtime") if info.get(k)), ""
    )
    return f"{info.get('size')}:{version}"


def reason(exc: BaseException) -> str:
    """One line on what went wrong reading a remote input, from the exception and the ones it was raised from
    (fsspec reports a 404 and a refused connection alike as FileNotFoundError, from aiohttp's own error)."""
    seen: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in seen:
        seen.append(cause)
        cause = cause.__cause__ or cause.__context__ or getattr(cause, "os_error", None)  # aiohttp's holds the OS's
    for error in seen:
        status = getattr(error, "status", None)
        if isinstance(status, int) and status >= 400:
            message = getattr(error, "message", "") or ""
            return f"HTTP {status}{' ' + message if isinstance(message, str) and message else ''}"
    for error in seen:
        if isinstance(error, socket.gaierror):
            return "unknown host"
        if isinstance(error, ConnectionRefusedError):
            return "cannot connect (connection refused)"
        if isinstance(error, TimeoutError) or type(error).__name__ == "FSTimeoutError":
            return "timed out"
    for error in seen:  # aiohttp's own, which say the host and why
        if type(error).__name__ == "ClientConnectorError":
            return f"cannot connect ({error})"
        if type(error).__name__ in ("ServerDisconnectedError", "ClientPayloadError"):
            return f"connection lost ({error})"
    if isinstance(exc, ValueError) and "range requests" in str(exc):
        return "the server does not answer range requests, which a batch needs to read a WARC in chunks"
    if isinstance(exc, FileNotFoundError):
        return "not found"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def common_crawl_paths(paths: str, base: str = COMMON_CRAWL, skip: int = 0, limit: int | None = None) -> list[str]:
    """The WARC files a Common Crawl `warc.paths.gz` lists (local or a URL; gzipped or not), each joined to `base`
    (a URL, or a local folder holding a copy), lines `skip`.. `skip + limit`."""
    try:
        text = read_bytes(paths).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{paths}: not a list of WARC paths (not UTF-8 text)") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError(f"{paths}: lists no WARC file")
    for number, line in enumerate(lines, 1):
        if any(c.isspace() or ord(c) < 32 for c in line) or not line.endswith((".warc", ".warc.gz")):
            why = (
                " (WET and WAT files hold no HTML: use warc.paths.gz)" if line.endswith((".wet.gz", ".wat.gz")) else ""
            )
            raise InputError(f"{paths}:{number}: {line[:80]!r} is not the path of a WARC file{why}")
    chosen = lines[skip : None if limit is None else skip + limit]
    if not chosen:
        raise InputError(f"{paths}: lists {len(lines)} WARC files; --skip {skip} leaves none")
    return [line if is_remote(line) else base.rstrip("/") + "/" + line.lstrip("/") for line in chosen]
