"""Get page bytes from a URL, a file or stdin, with size and time caps, and one-line errors for each failure."""

from __future__ import annotations

import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

from auditor.config import Config
from auditor.errors import FetchError, InputError
from auditor.models import PageResult

HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")
MAX_REDIRECTS = 10


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    final_url: str
    status: int
    content_type: str
    encoding: str | None
    body: bytes


ACCEPT_ENCODING = "gzip, deflate"
INFLATE_STEP = 64 * 1024


class Body:
    """A response body read within a size cap. Compressed bodies are inflated here in steps of at most
    INFLATE_STEP bytes, so a gzip bomb costs at most the cap in memory (a 64 KB chunk of gzip can hold 64 MB)."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        encoding = content_encoding.strip().lower()
        self.inflater = (
            zlib.decompressobj(16 + zlib.MAX_WBITS)
            if encoding in ("gzip", "x-gzip")
            else (zlib.decompressobj() if encoding == "deflate" else None)
        )
        self.limit = limit
        self.size = 0
        self.chunks: list[bytes] = []

    def feed(self, raw: bytes) -> bool:
        """Take a raw chunk; False once the body passed the limit (the caller stops reading)."""
        if self.inflater is None:
            return self._keep(raw)
        try:
            data = self.inflater.decompress(raw, INFLATE_STEP)
            while True:
                if not self._keep(data):
                    return False
                if not self.inflater.unconsumed_tail:
                    return True
                data = self.inflater.decompress(self.inflater.unconsumed_tail, INFLATE_STEP)
        except zlib.error as exc:
            raise InputError(f"broken {'gzip' if self.inflater else ''} data ({exc})") from None

    def _keep(self, data: bytes) -> bool:
        self.size += len(data)
        if self.size > self.limit:
            return False
        self.chunks.append(data)
        return True

    def bytes(self) -> bytes:
        return b"".join(self.chunks)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _gunzip(data: bytes, limit: int, name: str) -> bytes:
    """Saved pages are often gzipped; inflate them, but never past the size limit (a gzip bomb stays small)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise InputError(f"{name}: broken gzip data ({exc})") from None
    if len(out) > limit:
        raise InputError(f"{name}: inflates to more than the {_mb(limit)} limit (max_bytes)")
    return out


def read_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a local page; gzip files are inflated."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not an HTML file")
        if size > max_bytes:
            raise InputError(f"{path}: {_mb(size)} is over the {_mb(max_bytes)} limit (max_bytes)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, max_bytes, str(path))
    return data


def read_stream(stream: BinaryIO, max_bytes: int, name: str = "stdin") -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"{name}: more than the {_mb(max_bytes)} limit (max_bytes)")
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, max_bytes, name)
    return data


def explain(exc: BaseException, timeout: float) -> str:
    """One line on why a fetch failed (shared by the single-page fetch and the crawler)."""
    if isinstance(exc, httpx.TooManyRedirects):
        return f"more than {MAX_REDIRECTS} redirects (a redirect loop?)"
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return f"no complete answer within {timeout:g} s (timeout)"
    if isinstance(exc, httpx.ConnectError):
        reason = str(exc).lower() or "connection failed"
        if "refused" in reason:
            reason = "connection refused"
        elif "name or service" in reason or "nodename" in reason or "resolve" in reason:
            reason = "unknown host"
        return f"cannot connect ({reason})"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "not a fetchable http(s) URL"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the HTTP protocol ({exc or 'incomplete response'})"
    if isinstance(exc, httpx.ReadError | httpx.WriteError | ConnectionError):
        return "the connection broke in the middle of the response"
    return f"{type(exc).__name__} ({exc})"


def fetch(url: str, config: Config, client: httpx.Client | None = None) -> Fetched:
    """GET one page: redirects followed, time and size capped, charset taken from the headers if given."""
    deadline = time.monotonic() + config.timeout
    own = client is None
    client = client or httpx.Client(
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=config.timeout,
        headers={
            "User-Agent": config.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": ACCEPT_ENCODING,
        },
    )
    try:
        with client.stream("GET", url) as response:
            status = response.status_code
            if status >= 400:
                raise FetchError(f"{url}: HTTP {status} {response.reason_phrase}".rstrip())
            content_type = response.headers.get("content-type", "")
            mime = content_type.split(";")[0].strip().lower()
            if mime and mime not in HTML_TYPES:
                raise FetchError(f"{url}: not an HTML page (Content-Type {mime})")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > config.max_bytes:
                raise FetchError(f"{url}: {_mb(int(declared))} is over the {_mb(config.max_bytes)} limit (max_bytes)")
            body = Body(response.headers.get("content-encoding", ""), config.max_bytes)
            for chunk in response.iter_raw():
                if not body.feed(chunk):
                    raise FetchError(f"{url}: the response passed the {_mb(config.max_bytes)} limit (max_bytes)")
                if time.monotonic() > deadline:
                    raise FetchError(f"{url}: the response took longer than {config.timeout:g} s (timeout)")
            return Fetched(url, str(response.url), status, content_type, response.charset_encoding, body.bytes())
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {explain(exc, config.timeout)}") from None
    except InputError as exc:
        raise FetchError(f"{url}: {exc}") from None
    finally:
        if own:
            client.close()


def _audit_html(data: bytes, url: str, config: Config, encoding: str | None) -> PageResult:
    """The pipeline, imported on first use: the crawler's own process fetches with this module but never audits."""
    from auditor.pipeline import audit_html

    return audit_html(data, url, config, encoding=encoding)


def audit_url(url: str, config: Config | None = None, encoding: str | None = None) -> PageResult:
    """Fetch a page and audit it; relative links resolve against the URL after redirects. `encoding` overrides
    the charset the server declares."""
    config = config or Config()
    fetched = fetch(url, config)
    return _audit_html(fetched.body, fetched.final_url, config, encoding or fetched.encoding)


def audit_file(
    path: str | Path, url: str = "", config: Config | None = None, encoding: str | None = None
) -> PageResult:
    """Audit a saved page; `url` is where it was served from (to resolve relative links), or '-' for stdin.
    `encoding` is the page's charset when the file does not say (a saved page loses its server's header)."""
    config = config or Config()
    if str(path) == "-":
        data = read_stream(sys.stdin.buffer, config.max_bytes)
        return _audit_html(data, url, config, encoding)
    data = read_file(Path(path), config.max_bytes)
    try:
        return _audit_html(data, url or Path(path).resolve().as_uri(), config, encoding)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
