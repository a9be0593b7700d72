"""Re-crawl: `auditor crawl --since` of an unchanged site against the first crawl of the same site.

A generated 500-article site of real-world page weight (~100 KB and ~800 elements a page: a menu, a sidebar of
teasers, a link-heavy footer, an inline JSON blob; the corpus's median page is 169 KB) is served on 127.0.0.1 by a
small server in its own process that sends an ETag and a Last-Modified with every page and answers 304 Not
Modified to a request whose validators still hold, as a web server does for static files. Each pass crawls the
site into a fresh database, then crawls it again with `--since` that database; both are `auditor crawl`
processes with the same options (no delay, concurrency 16, two audit workers, no sitemaps), timed from start to
exit. Median of 3 interleaved passes. The site generator is this file's own: benchmarks do not import the tests.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from benchmarks.common import ROOT, free_port, machine, wait_for

ARTICLES = 500
SECTIONS = 25  # the home page links 25 section pages, each links 20 articles: every article is 2 clicks deep
CONCURRENCY = 16
WORDS = (
    "kettle coffee grinder filter brew water temperature spout handle pour bloom roast bean acidity body aroma "
    "kitchen morning review tested weeks steady stream gooseneck electric stove induction gas price budget pick "
    "quiet heavy light compact travel durable warranty descale scale timer carafe glass steel copper ceramic"
).split()


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(9, 16))).capitalize() + "."


def article(n: int) -> bytes:
    """An article: its text, a product box with an affiliate link on every third page (half of those disclosed
    first), and the chrome real templates wrap it in."""
    rng = random.Random(n)
    body = "".join(f"<p>{' '.join(sentence(rng) for _ in range(rng.randint(3, 5)))}</p>" for _ in range(6))
    box = disclosure = ""
    if n % 3 == 0:
        box = (
            f'<div class="product-box"><h4>Kettle model {n}</h4><a rel="sponsored" '
            f'href="https://www.amazon.com/dp/B{n:09d}?tag=kettleblog-20">Check price</a></div>'
        )
        disclosure = "<p>We earn a commission when you buy through the links on this page.</p>" if n % 2 else ""
    menu = "".join(
        f'<li><a href="/articles/{rng.randint(1, ARTICLES)}">{rng.choice(WORDS).title()}</a></li>' for _ in range(150)
    )
    teasers = "".join(
        f'<div class="teaser"><a href="/articles/{rng.randint(1, ARTICLES)}"><h3>{sentence(rng)}</h3></a>'
        f"<p>{sentence(rng)}</p></div>"
        for _ in range(40)
    )
    footer = "".join(
        f'<li><a href="/articles/{rng.randint(1, ARTICLES)}">{rng.choice(WORDS)}</a></li>' for _ in range(80)
    )
    state = ",".join(f'"{rng.choice(WORDS)}{i}": "{sentence(rng)}"' for i in range(700))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Article {n}</title></head><body>'
        f'<nav class="mega-menu"><ul>{menu}</ul></nav><main><article><h1>Article {n}</h1>{disclosure}{body}{box}'
        f'<p><a href="/articles/{n % ARTICLES + 1}">next</a></p></article></main><aside>{teasers}</aside>'
        f'<footer><ul>{footer}</ul></footer><script type="application/json">{{{state}}}</script></body></html>'
    ).encode()


def listing(title: str, links: list[str]) -> bytes:
    items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body><main>'
        f"<h1>{title}</h1><ul>{items}</ul></main></body></html>"
    ).encode()


def site() -> dict[str, bytes]:
    """Every page of the site by path."""
    per = ARTICLES // SECTIONS
    pages = {"/": listing("Kettle blog", [f"/section/{s}" for s in range(1, SECTIONS + 1)])}
    for s in range(1, SECTIONS + 1):
        pages[f"/section/{s}"] = listing(
            f"Section {s}", [f"/articles/{n}" for n in range((s - 1) * per + 1, s * per + 1)]
        )
    for n in range(1, ARTICLES + 1):
        pages[f"/articles/{n}"] = article(n)
    return pages


def serve(port: int) -> None:
    """Serve the site on 127.0.0.1:port until killed, honouring If-None-Match and If-Modified-Since."""
    pages = site()
    modified = formatdate(time.time() - 86400, usegmt=True)  # one Last-Modified for the whole (static) site
    etags = {path: f'"{hashlib.sha256(body).hexdigest()[:20]}"' for path, body in pages.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/robots.txt":
                return self.answer(200, b"User-agent: *\nAllow: /\n", "text/plain", {})
            body = pages.get(path)
            if body is None:
                return self.answer(404, b"not found", "text/plain", {})
            headers = {"ETag": etags[path], "Last-Modified": modified}
            match = self.headers.get("If-None-Match")
            # RFC 9110 section 13.2.2: If-None-Match decides when it is sent, If-Modified-Since otherwise
            fresh = etags[path] in match if match else self.headers.get("If-Modified-Since") == modified
            if fresh:
                return self.answer(304, b"", None, headers)
            return self.answer(200, body, "text/html; charset=utf-8", headers)

        def answer(self, status: int, body: bytes, kind: str | None, headers: dict[str, str]) -> None:
            self.send_response(status)
            if kind is not None:
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


def crawl(base: str, db: Path, since: Path | None = None) -> float:
    """Seconds for one `auditor crawl` process, start to exit."""
    command = [
        *(sys.executable, "-m", "auditor", "crawl", base + "/", "--db", str(db), "--delay", "0"),
        *("--concurrency", str(CONCURRENCY), "--no-sitemaps", "--workers", "2", "-q"),
        *(("--since", str(since)) if since else ()),
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


def counts(db: Path) -> tuple[int, int]:
    """(pages audited, of them carried over unchanged) in a crawl database."""
    with sqlite3.connect(db) as connection:
        audited, unchanged = connection.execute(
            "SELECT COUNT(*), COALESCE(SUM(unchanged), 0) FROM pages WHERE result IS NOT NULL"
        ).fetchone()
    return int(audited), int(unchanged)


def main(passes: int = 3) -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "benchmarks.recrawl", "serve", str(port)], cwd=ROOT)
    runs: dict[str, list[float]] = {"first": [], "again": []}
    try:
        wait_for(port, 30.0)
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as folder:
            for i in range(passes):  # interleaved, so that both see the same machine
                first, again = Path(folder) / f"first-{i}.sqlite", Path(folder) / f"again-{i}.sqlite"
                runs["first"].append(crawl(base, first))
                runs["again"].append(crawl(base, again, since=first))
            audited, _ = counts(first)
            recrawled, unchanged = counts(again)
    finally:
        server.kill()
        server.wait()
    first_s, again_s = statistics.median(runs["first"]), statistics.median(runs["again"])
    print(f"re-crawl of an unchanged {ARTICLES:,}-article site on 127.0.0.1, concurrency {CONCURRENCY} ({machine()})")
    print(f"  first crawl     {first_s:.2f} s, {audited:,} pages audited  (passes: {_list(runs['first'])})")
    print(f"  crawl --since   {again_s:.2f} s, {unchanged:,} of {recrawled:,} pages unchanged, none audited again")
    print(f"                  (passes: {_list(runs['again'])})")
    print(f"  ratio re-crawl/first crawl: {again_s / first_s:.2f} (target: well under 0.5)")


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(int(sys.argv[2]))
    else:
        main()
