"""A hostile web server on 127.0.0.1 for tests: every way a server can lie, stall or flood a crawler.

It speaks raw HTTP over sockets (the standard library's server would refuse to misbehave). Paths:
  /                  an ordinary page linking to all the others
  /never             reads the request and never answers
  /trickle           promises 100 KB and sends one byte a second
  /endless           a chunked response that never ends
  /bomb              a few MB of gzip that inflate to 2 GB
  /no-type           HTML without a Content-Type
  /wrong-type        HTML sent as image/png
  /short-length      Content-Length says 5,000, 100 bytes come, the connection closes
  /long-length       Content-Length says 10, 1,000 bytes come
  /loop-a, /loop-b   redirect to each other
  /elsewhere         redirects to another host
  /to-ftp            redirects to an ftp: URL
  /reset             a connection reset in the middle of the body
  /busy              429 with Retry-After: 1, then 200
  /fine              an ordinary page (so the crawl has something to audit)
robots.txt and sitemap.xml behave as the server's `robots` and `sitemap` settings say.
"""

from __future__ import annotations

import gzip
import io
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from functools import cache

PAGE = (
    b"<html><body><main><p>A fine page about kettles and coffee, with enough words to audit.</p></main></body></html>"
)
PATHS = [
    "/never",
    "/trickle",
    "/endless",
    "/bomb",
    "/no-type",
    "/wrong-type",
    "/short-length",
    "/long-length",
    "/loop-a",
    "/elsewhere",
    "/to-ftp",
    "/reset",
    "/busy",
    "/fine",
]


@cache
def gzip_bomb(inflated: int = 2 * 1024**3) -> bytes:
    """gzip data of `inflated` zero bytes (about 2 MB for 2 GB), built once."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as out:
        block = bytes(1024 * 1024)
        for _ in range(inflated // len(block)):
            out.write(block)
    return buffer.getvalue()


@cache
def sitemap_bomb() -> bytes:
    """A gzipped sitemap that inflates to 512 MB of one repeated URL."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(b'<?xml version="1.0"?><urlset>')]
    chunk = b"<url><loc>http://127.0.0.1/fine</loc></url>" * 20_000
    for _ in range((512 * 1024**2) // len(chunk)):
        parts.append(compressor.compress(chunk))
    parts.append(compressor.compress(b"</urlset>") + compressor.flush())
    return b"".join(parts)


class Hostile:
    def __init__(self, robots: str = "plain", sitemap: str = "none") -> None:
        self.robots = robots
        self.sitemap = sitemap
        self.busy_left = 1
        self.hits: dict[str, int] = {}
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def home(self) -> bytes:
        links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in PATHS)
        return f"<html><body><main><h1>Hostile</h1><ul>{links}</ul></main></body></html>".encode()

    def respond(self, conn: socket.socket, path: str, base: str) -> None:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
        send = conn.sendall
        if path == "/":
            return send(_response(200, self.home()))
        if path == "/robots.txt":
            return self.robots_txt(conn, base)
        if path == "/sitemap.xml":
            if self.sitemap == "bomb":
                return send(_response(200, sitemap_bomb(), "application/gzip"))
            if self.sitemap == "many":
                children = "".join(f"<sitemap><loc>{base}/sitemap-{i}.xml</loc></sitemap>" for i in range(2000))
                return send(_response(200, f"<sitemapindex>{children}</sitemapindex>".encode(), "application/xml"))
            return send(_response(404, b"none"))
        if path.startswith("/sitemap-"):
            return send(_response(200, f"<urlset><url><loc>{base}/fine</loc></url></urlset>".encode(), "text/xml"))
        if path == "/never":
            self.stop.wait(120)
            return None
        if path == "/trickle":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<html><body>")
            while not self.stop.wait(1.0):
                send(b"x")
            return None
        if path == "/endless":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"<p>" + b"endless " * 8000 + b"</p>"
            frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            while not self.stop.is_set():
                send(frame)
            return None
        if path == "/bomb":
            return send(_response(200, gzip_bomb(), headers={"Content-Encoding": "gzip"}))
        if path == "/no-type":
            return send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(PAGE) + PAGE)
        if path == "/wrong-type":
            return send(_response(200, PAGE, "image/png"))
        if path == "/short-length":
            return send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n" + PAGE[:100])
        if path == "/long-length":
            return send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10\r\n\r\n" + PAGE * 10)
        if path == "/loop-a":
            return send(_response(302, headers={"Location": "/loop-b"}))
        if path == "/loop-b":
            return send(_response(302, headers={"Location": "/loop-a"}))
        if path == "/elsewhere":
            return send(_response(302, headers={"Location": "http://other-host.invalid/page"}))
        if path == "/to-ftp":
            return send(_response(302, headers={"Location": "ftp://127.0.0.1/file"}))
        if path == "/reset":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<html><body><p>half")
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return None
        if path == "/busy":
            with self.lock:
                busy = self.busy_left > 0
                self.busy_left -= 1
            if busy:
                return send(_response(429, b"slow down", headers={"Retry-After": "1"}))
            return send(_response(200, PAGE))
        if path == "/fine":
            return send(_response(200, PAGE))
        return send(_response(404, b"not found"))

    def robots_txt(self, conn: socket.socket, base: str) -> None:
        if self.robots == "huge":
            body = b"User-agent: *\nDisallow: /never\n" + b"# filler line for a huge robots.txt\n" * 300_000
            return conn.sendall(_response(200, body, "text/plain"))
        if self.robots == "binary":
            return conn.sendall(_response(200, bytes(range(256)) * 4000, "application/octet-stream"))
        if self.robots == "error":
            return conn.sendall(_response(503, b"unavailable", "text/plain"))
        sitemap = f"Sitemap: {base}/sitemap.xml\n" if self.sitemap != "none" else ""
        return conn.sendall(_response(200, f"User-agent: *\nDisallow: /private/\n{sitemap}".encode(), "text/plain"))


def _response(
    status: int, body: bytes = b"", content_type: str = "text/html", headers: dict[str, str] | None = None
) -> bytes:
    lines = [
        f"HTTP/1.1 {status} X",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@contextmanager
def serve_hostile(server: Hostile, ipv6: bool = False) -> Iterator[str]:
    """Serve on 127.0.0.1, or on [::1] with `ipv6` (the loopback, never any other address); one thread per
    connection; yields the base URL (an IPv6 one with its brackets)."""
    listener = socket.socket(socket.AF_INET6 if ipv6 else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("::1" if ipv6 else "127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    base = f"http://[::1]:{port}" if ipv6 else f"http://127.0.0.1:{port}"

    def handle(conn: socket.socket) -> None:
        with conn, suppress(OSError):
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request and len(request) < 65536:
                data = conn.recv(4096)
                if not data:
                    return
                request += data
            path = request.split(b" ", 2)[1].decode("latin-1").split("?")[0] if b" " in request else "/"
            server.respond(conn, path, base)

    def accept() -> None:
        while not server.stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.stop.set()
        time.sleep(0.05)
        listener.close()


class HostileRedirects(Hostile):
    """The hostile server plus redirects and holds that once broke a crawl. Paths beyond the parent's:
    /to-javascript     redirects to a javascript: URL
    /to-data           redirects to a data: URL
    /chain/N           redirects to /chain/N+1, without end
    /other-port        redirects to the same host on another port (`other_port`)
    /held              429 with Retry-After: 999999, every time
    /robots.txt        with robots="to-javascript", redirects to a javascript: URL
    """

    def __init__(self, other_port: int = 9, **kwargs: str) -> None:
        super().__init__(**kwargs)
        self.other_port = other_port

    def home(self) -> bytes:
        paths = ["/to-javascript", "/to-data", "/chain/0", "/other-port", "/held", "/fine"]
        links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in paths)
        return f"<html><body><main><h1>Redirects</h1><ul>{links}</ul></main></body></html>".encode()

    def respond(self, conn: socket.socket, path: str, base: str) -> None:
        send = conn.sendall
        if path == "/to-javascript" or (path == "/robots.txt" and self.robots == "to-javascript"):
            return send(_response(302, headers={"Location": "javascript:alert(1)"}))
        if path == "/to-data":
            return send(_response(302, headers={"Location": "data:text/html,<p>x</p>"}))
        if path.startswith("/chain/") and path[7:].isdigit():
            with self.lock:
                self.hits["/chain/*"] = self.hits.get("/chain/*", 0) + 1
            return send(_response(302, headers={"Location": f"/chain/{int(path[7:]) + 1}"}))
        if path == "/other-port":
            return send(_response(302, headers={"Location": f"http://127.0.0.1:{self.other_port}/fine"}))
        if path == "/held":
            with self.lock:
                self.hits[path] = self.hits.get(path, 0) + 1
            return send(_response(429, b"slow down", headers={"Retry-After": "999999"}))
        return super().respond(conn, path, base)


# -- fetch-side tricks (a single page, a batch URL list) -------------------------------------------------------

NUL_PAGE = (
    b"<html><body><main><p>A kettle review\x00 with a stray NUL byte, as some CMS exports leave them.</p>"
    b'<p><a href="https://www.amazon.com/dp/B000TEST?tag=kettle-20">Buy the kettle</a></p></main></body></html>'
)
FETCH_PATHS = [
    "/to-javascript",
    "/to-data",
    "/slow-headers",
    "/endless-continue",
    "/nul",
    "/png-as-html",
    "/raw-deflate",
    "/zlib-deflate",
    "/cut-gzip",
    "/cut-deflate",
]


class HostileFetch(Hostile):
    """The hostile server plus the tricks aimed at one fetch. Stalling tricks give up after `stall` seconds, so a
    client without an overall deadline is slow (and its test fails) rather than stuck forever."""

    def __init__(self, stall: float = 8.0) -> None:
        super().__init__()
        self.stall = stall

    def respond(self, conn: socket.socket, path: str, base: str) -> None:
        send = conn.sendall
        if path == "/to-javascript":
            return send(_response(302, headers={"Location": "javascript:alert(1)"}))
        if path == "/to-data":
            return send(_response(302, headers={"Location": "data:text/html,<p>hi</p>"}))
        if path == "/slow-headers":  # a header a byte at a time, each byte well within any per-read timeout
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
            return self._drip(conn, b"X-Slow: " + b"a" * 10_000)
        if path == "/endless-continue":  # informational answers, forever
            return self._drip(conn, b"HTTP/1.1 100 Continue\r\n\r\n" * 1000, step=0.05)
        if path == "/nul":
            return send(_response(200, NUL_PAGE))
        if path == "/png-as-html":
            return send(_response(200, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + PAGE))
        if path == "/raw-deflate":  # Content-Encoding: deflate without the zlib wrapper, as some servers send it
            raw = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
            return send(_response(200, raw.compress(PAGE) + raw.flush(), headers={"Content-Encoding": "deflate"}))
        if path == "/zlib-deflate":
            return send(_response(200, zlib.compress(PAGE), headers={"Content-Encoding": "deflate"}))
        if path == "/cut-gzip":  # a gzip stream that ends inside its header: nothing inflates
            return send(_response(200, gzip.compress(PAGE)[:8], headers={"Content-Encoding": "gzip"}))
        if path == "/cut-deflate":  # one byte of deflate: not even enough to tell which kind
            return send(_response(200, zlib.compress(PAGE)[:1], headers={"Content-Encoding": "deflate"}))
        return super().respond(conn, path, base)

    def _drip(self, conn: socket.socket, data: bytes, step: float = 0.1) -> None:
        until = time.monotonic() + self.stall
        for byte in data:
            if time.monotonic() > until or self.stop.wait(step):
                return
            conn.sendall(bytes([byte]))


def serve_hostile_v6(server: Hostile) -> AbstractContextManager[str]:
    """`serve_hostile` on [::1]."""
    return serve_hostile(server, ipv6=True)


class EveryHostilePath(HostileRedirects, HostileFetch):
    """One site holding every trick of the servers above, linked from its home page."""

    def home(self) -> bytes:
        paths = sorted({*PATHS, *FETCH_PATHS, "/chain/0", "/other-port", "/held"})
        links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in paths)
        return f"<html><body><main><h1>Every trick</h1><ul>{links}</ul></main></body></html>".encode()
