"""A small HTTP server on 127.0.0.1 for tests: routes are functions of the request path."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], None]


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    content_type: str = "text/html",
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    if handler.command != "HEAD":
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(body)


class QuietServer(ThreadingHTTPServer):
    """A threaded server on which a client that hangs up mid-answer (a crawler at its end, a size cap, a test of
    exactly that) is no error worth a traceback."""

    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@contextmanager
def serve_with(answer: Route) -> Iterator[str]:
    """Serve every GET with `answer` on 127.0.0.1 (never any other address); yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            answer(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[str]:
    """Serve the routes on 127.0.0.1 (never any other address); yields the base URL."""

    def dispatch(handler: BaseHTTPRequestHandler) -> None:
        route = routes.get(handler.path.split("?", 1)[0])
        if route is None:
            send(handler, 404, b"<h1>not found</h1>")
        else:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                route(handler)

    with serve_with(dispatch) as base:
        yield base


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
