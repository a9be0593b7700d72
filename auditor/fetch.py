"""Get page bytes from a URL, a file or stdin, with size and time caps, and one-line errors for each failure."""

from __future__ import annotations

import socket
import ssl
import sys
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO

import httpcore
import httpx
from httpcore import SOCKET_OPTION

from auditor.addresses import Addresses, address_of
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
        self.encoding = content_encoding.strip().lower()
        gzipped = self.encoding in ("gzip", "x-gzip")
        self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
        self.head = b""  # the first bytes of a deflate body, until they say whether it has a zlib header
        self.limit = limit
        self.size = 0
        self.fed = 0  # raw bytes taken
        self.chunks: list[bytes] = []

    def feed(self, raw: bytes) -> bool:
        """Take a raw chunk; False once the body passed the limit (the caller stops reading)."""
        self.fed += len(raw)
        if self.encoding == "deflate" and self.inflater is None:
            self.head += raw
            if len(self.head) < 2:
                return True
            raw, self.head = self.head, b""
            self.inflater = zlib.decompressobj(zlib.MAX_WBITS if _zlib_header(raw) else -zlib.MAX_WBITS)
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
            raise InputError(f"broken {self.encoding} data ({exc})") from None

    def _keep(self, data: bytes) -> bool:
        self.size += len(data)
        if self.size > self.limit:
            return False
        self.chunks.append(data)
        return True

    def bytes(self) -> bytes:
        """The body. A compressed one that stopped before giving any text is broken, not empty (a page whose
        stream is cut short further on keeps what was inflated, as a browser shows it)."""
        cut = self.head or (self.inflater is not None and not self.inflater.eof)  # (head: a deflate byte, alone)
        if self.fed and not self.size and cut:
            raise InputError(f"broken {self.encoding} data (it ends before any text)")
        return b"".join(self.chunks)


def _zlib_header(head: bytes) -> bool:
    """Whether a deflate body starts with the zlib wrapper (RFC 1950, 2.2: method 8, a check sum of 31). Servers
    also send raw deflate (RFC 1951) under this name, and browsers read both, so the auditor does too."""
    return head[0] & 0x0F == 8 and head[0] >> 4 <= 7 and (head[0] << 8 | head[1]) % 31 == 0


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
    if isinstance(exc, TimeoutError | httpx.TimeoutException | httpcore.TimeoutException):
        return f"no complete answer within {timeout:g} s (timeout)"
    if isinstance(exc, httpx.ConnectError):
        reason = str(exc).lower() or "connection failed"
        if "refused" in reason or _caused_by(exc, ConnectionRefusedError):
            reason = "connection refused"
        elif any(w in reason for w in ("name or service", "nodename", "resolve")) or _caused_by(exc, socket.gaierror):
            reason = "unknown host"
        return f"cannot connect ({reason})"
    if isinstance(exc, httpx.InvalidURL):
        return f"not a valid URL ({exc})"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "not a fetchable http(s) URL"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the HTTP protocol ({exc or 'incomplete response'})"
    if isinstance(exc, httpx.ReadError | httpx.WriteError | ConnectionError):
        return "the connection broke in the middle of the response"
    return f"{type(exc).__name__} ({exc})"


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether the exception or one of its causes is of this kind: the async client reports a refused connection
    or an unknown host as "All connection attempts failed", with the real cause only in the chain."""
    cause: BaseException | None = exc
    for _ in range(8):  # a chain is a few links long; the bound only guards against a cycle
        if cause is None:
            return False
        if isinstance(cause, kind):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # (str.isdigit takes "²", which float() refuses)
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class Deadline(httpcore.NetworkBackend):
    """Connects, writes and reads within what is left of one overall time allowance. httpx's timeouts bound each
    read alone, so headers sent a byte at a time, or `100 Continue` after `100 Continue`, would never time out."""

    def __init__(self, seconds: float, addresses: Addresses | None = None) -> None:
        self.at = time.monotonic() + seconds
        self.backend = httpcore.SyncBackend()
        self.addresses: Addresses = addresses or {}
        """Host names mapped to addresses (--resolve)."""

    def left(self, timeout: float | None, error: type[httpcore.TimeoutException]) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise error("the overall deadline passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        left = self.left(timeout, httpcore.ConnectTimeout)
        target = address_of(self.addresses, host, port)
        return _Stream(self.backend.connect_tcp(target, port, left, local_address, socket_options), self)

    def sleep(self, seconds: float) -> None:
        self.backend.sleep(seconds)

    def bind(self, client: httpx.Client) -> None:
        """Put every connection of the client under this deadline, proxied ones too. httpx builds its httpcore
        pools with no way to pass a network backend, though each pool takes one."""
        for transport in (client._transport, *client._mounts.values()):
            pool = getattr(transport, "_pool", None)
            if hasattr(pool, "_network_backend"):
                pool._network_backend = self  # type: ignore[union-attr]


class _Stream(httpcore.NetworkStream):
    """A connection whose every wait ends at its Deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self.stream = stream
        self.deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, self.deadline.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, self.deadline.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        left = self.deadline.left(timeout, httpcore.ConnectTimeout)
        return _Stream(self.stream.start_tls(ssl_context, server_hostname, left), self.deadline)

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)


def fetch(url: str, config: Config, addresses: Addresses | None = None) -> Fetched:
    """GET one page: redirects followed, size capped, and the whole exchange (connect, headers, body) within
    config.timeout; charset taken from the headers if given. Any failure is a FetchError naming the URL.
    `addresses`: host names mapped to addresses (--resolve)."""
    deadline = Deadline(config.timeout, addresses)
    locations: list[str] = []

    def seen(response: httpx.Response) -> None:
        if response.is_redirect:
            locations.append(response.headers.get("location", ""))

    client = httpx.Client(
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=config.timeout,
        headers={
            "User-Agent": config.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": ACCEPT_ENCODING,
        },
        event_hooks={"response": [seen]},
    )
    deadline.bind(client)
    try:
        with client.stream("GET", url) as response:
            return _read(url, response, config, deadline)
    except FetchError:
        raise
    except InputError as exc:
        raise FetchError(f"{url}: {exc}") from None
    except Exception as exc:  # whatever goes wrong while fetching this URL fails this URL, never the whole run
        unfetchable = isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol)
        why = (
            f"redirected to {locations[-1][:100]!r}, which is not a fetchable http(s) URL"
            if unfetchable and locations
            else explain(exc, config.timeout)
        )
        raise FetchError(f"{url}: {why}") from None
    finally:
        client.close()


def _read(url: str, response: httpx.Response, config: Config, deadline: Deadline) -> Fetched:
    """Check the answer's status, type and size, and read its body within the caps."""
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
        deadline.left(None, httpcore.ReadTimeout)  # inflating counts too
    return Fetched(url, str(response.url), status, content_type, response.charset_encoding, body.bytes())


def _audit_html(data: bytes, url: str, config: Config, encoding: str | None) -> PageResult:
    """The pipeline, imported on first use: the crawler's own process fetches with this module but never audits."""
    from auditor.pipeline import audit_html

    return audit_html(data, url, config, encoding=encoding)


def audit_url(
    url: str, config: Config | None = None, encoding: str | None = None, addresses: Addresses | None = None
) -> PageResult:
    """Fetch a page and audit it; relative links resolve against the URL after redirects. `encoding` overrides
    the charset the server declares; `addresses` maps host names to addresses (--resolve)."""
    config = config or Config()
    try:
        fetched = fetch(url, config, addresses)
        return _audit_html(fetched.body, fetched.final_url, config, encoding or fetched.encoding)
    except InputError as exc:  # what is wrong with the page, named by its address as a file's are by its name
        raise InputError(f"{url}: {exc}") from None


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
