"""A generated affiliate site for crawl tests and benchmarks, served on 127.0.0.1.

It has what real sites throw at a crawler: robots.txt rules, a sitemap index (one part gzipped), redirects,
tracking-parameter and fragment spellings of the same page, canonical links, planted near-duplicate pages, an
endless calendar (a crawl trap), slow pages, 404/500/429 answers, a page over the size cap, non-HTML files and
broken HTML. Every page is a pure function of its path, so two crawls see the same site.
"""

from __future__ import annotations

import gzip
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from .localserver import QuietServer, send, serve_with

WORDS = (
    "kettle coffee grinder filter brew water temperature spout handle pour bloom roast bean acidity body aroma "
    "kitchen morning review tested weeks steady stream gooseneck electric stove induction gas price budget pick "
    "quiet heavy light compact travel durable warranty descale scale timer carafe glass steel copper ceramic "
    "espresso milk foam latte cup mug tea leaf green black oolong herbal sweet bitter balanced clean finish"
).split()
PLANTED = {400: range(401, 405), 450: range(451, 454)}  # original -> near copies
DISALLOWED = "/private/"
HUGE_BYTES = 3 * 1024 * 1024


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 16))]
    return " ".join(words).capitalize() + "."


def article_body(n: int) -> list[str]:
    rng = random.Random(n)
    return [" ".join(sentence(rng) for _ in range(rng.randint(3, 5))) for _ in range(rng.randint(4, 7))]


def copy_of(n: int) -> int | None:
    return next((original for original, copies in PLANTED.items() if n in copies), None)


class Site:
    """The site's pages; `articles` is how many article pages it has."""

    def __init__(self, articles: int = 500, slow: float = 0.4, heavy: bool = False) -> None:
        self.articles = articles
        self.slow = slow
        self.heavy = heavy
        """Pages of real-world weight (a ~100 KB page: mega menu, sidebar, footer, inline JSON), for benchmarks."""
        self.hits: Counter[str] = Counter()
        self.agents: set[str] = set()
        self.times: list[tuple[float, str]] = []
        self.busy_left = 2  # the first requests to /busy get 429 with Retry-After
        self.lock = threading.Lock()

    # -- the page set a complete, polite crawl must end with ---------------------------------------------------

    def expected_pages(self, base: str) -> set[str]:
        pages = {f"{base}/"} | {f"{base}/articles/{n}" for n in range(1, self.articles + 1)}
        pages |= {f"{base}/orphan/{n}" for n in range(1, 6)}
        pages |= {f"{base}/slow/{n}" for n in range(1, 4)}
        pages |= {f"{base}/busy", f"{base}/broken-html/1", f"{base}/old/1", f"{base}/old/2"}
        return pages

    # -- pages ------------------------------------------------------------------------------------------------

    def article(self, n: int) -> bytes:
        source = copy_of(n) or n
        paragraphs = article_body(source)
        if copy_of(n):  # a templated near-copy: one word swapped
            paragraphs[-1] = paragraphs[-1].replace(" ", f" variant{n} ", 1)
        rng = random.Random(source * 7919)
        others = [rng.randint(1, self.articles) for _ in range(3)]
        links = "".join(f'<li><a href="/articles/{o}">Article {o}</a></li>' for o in others)
        nav = []
        if 1 < n <= self.articles:
            nav.append(f'<a href="/articles/{n - 1}">previous</a>')
        if n < self.articles and not copy_of(n) and n not in PLANTED:
            nav.append(f'<a href="/articles/{n + 1}?utm_source=next">next</a>')
        if n <= self.articles:
            nav.append(f'<a href="/articles/{n}#comments">comments</a>')
        affiliate = ""
        disclosure_top = disclosure_bottom = ""
        if source % 3 == 0:
            affiliate = (
                f'<div class="product-box"><h4>Gooseneck kettle model {source}</h4>'
                f'<a rel="sponsored" href="https://www.amazon.com/dp/B{source:09d}?tag=kettleblog-20">Check price'
                f"</a></div>"
            )
            if source % 2 == 0:
                disclosure_top = "<p>We earn a commission when you buy through the links on this page.</p>"
            else:
                disclosure_bottom = "<p>As an Amazon Associate we earn from qualifying purchases.</p>"
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        canonical = f'<link rel="canonical" href="/articles/{n}">' if n <= self.articles else ""
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Article {n}</title>'
            f'{canonical}</head><body><header><nav><a href="/">Home</a> '
            f'<a href="/calendar/2026/1">Calendar</a></nav></header><main><article><h1>Article {n}</h1>'
            f"{disclosure_top}{body}{affiliate}{disclosure_bottom}<ul>{links}</ul>"
            f"<p>{' '.join(nav)}</p></article></main>{self.chrome(n) if self.heavy else ''}"
            f'<footer><a href="/private/admin">admin</a> <a href="/files/guide.pdf">guide</a></footer></body></html>'
        ).encode()

    def chrome(self, n: int) -> str:
        """What real templates wrap an article in: a mega menu, a sidebar of teasers, a link-heavy footer and an
        inline JSON state blob (the corpus's median page is 169 KB and ~900 elements)."""
        rng = random.Random(n)
        menu = "".join(
            f'<li class="menu-item"><a class="menu-link" href="/articles/{rng.randint(1, self.articles)}">'
            f"{rng.choice(WORDS).title()} {rng.choice(WORDS)}</a></li>"
            for _ in range(200)
        )
        teasers = "".join(
            f'<div class="teaser"><a href="/articles/{rng.randint(1, self.articles)}"><span class="kicker">'
            f"{rng.choice(WORDS)}</span><h3>{sentence(rng)}</h3></a><p>{sentence(rng)}</p></div>"
            for _ in range(50)
        )
        footer = "".join(
            f'<li><a href="/articles/{rng.randint(1, self.articles)}">{rng.choice(WORDS)}</a></li>' for _ in range(100)
        )
        state = ",".join(f'"{rng.choice(WORDS)}{i}": "{sentence(rng)}"' for i in range(900))
        return (
            f'<nav class="mega-menu"><ul>{menu}</ul></nav><aside class="sidebar">{teasers}</aside>'
            f'<div class="site-footer"><ul>{footer}</ul></div><script type="application/json">{{{state}}}</script>'
        )

    def home(self) -> bytes:
        items = "".join(f'<li><a href="/articles/{n}">Article {n}</a></li>' for n in range(1, 21))
        extras = (
            "/old/1",
            "/old/2",
            "/missing/1",
            "/broken-500",
            "/busy",
            "/slow/1",
            "/slow/2",
            "/slow/3",
            "/huge",
            "/files/guide.pdf",
            "/img/photo.png",
            "/broken-html/1",
            "/private/secret",
            "/calendar/2026/1",
            "/?utm_source=newsletter",
            "/articles/1#top",
        )
        links = "".join(f'<li><a href="{e}">{e}</a></li>' for e in extras)
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Kettle blog</title></head>'
            f"<body><main><h1>Kettle blog</h1><ul>{items}</ul><ul>{links}</ul></main></body></html>"
        ).encode()

    def calendar(self, year: int, month: int) -> bytes:
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
        return (
            f"<html><body><main><h1>Events</h1><p>No events this month.</p>"
            f'<a href="/calendar/{year}/{month}">next month</a></main></body></html>'
        ).encode()

    def sitemap_index(self, base: str) -> bytes:
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base}/sitemap-articles.xml</loc></sitemap>"
            f"<sitemap><loc>{base}/sitemap-extra.xml.gz</loc></sitemap></sitemapindex>"
        ).encode()

    def sitemap(self, base: str, paths: list[str]) -> bytes:
        urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>"
        ).encode()

    # -- serving ----------------------------------------------------------------------------------------------

    def answer(self, handler: BaseHTTPRequestHandler, base: str) -> None:
        path = urlsplit(handler.path).path
        with self.lock:
            self.hits[path] += 1
            self.agents.add(handler.headers.get("User-Agent", ""))
            self.times.append((time.monotonic(), path))
        parts = [p for p in path.split("/") if p]
        if path == "/robots.txt":
            body = f"User-agent: *\nDisallow: {DISALLOWED}\nSitemap: {base}/sitemap.xml\n".encode()
            return send(handler, 200, body, "text/plain")
        if path == "/sitemap.xml":
            return send(handler, 200, self.sitemap_index(base), "application/xml")
        if path == "/sitemap-articles.xml":
            paths = [f"/articles/{n}" for n in range(1, self.articles + 1)] + [f"/orphan/{n}" for n in range(1, 4)]
            return send(handler, 200, self.sitemap(base, paths), "application/xml")
        if path == "/sitemap-extra.xml.gz":
            body = gzip.compress(self.sitemap(base, ["/orphan/4", "/orphan/5", "/private/from-sitemap"]))
            return send(handler, 200, body, "application/gzip")
        if path == "/":
            return send(handler, 200, self.home())
        if len(parts) == 2 and parts[0] in ("articles", "orphan") and parts[1].isdigit():
            n = int(parts[1])
            if parts[0] == "orphan" and 1 <= n <= 5:
                return send(handler, 200, self.article(self.articles + n))
            if 1 <= n <= self.articles:
                return send(handler, 200, self.article(n))
        if len(parts) == 2 and parts[0] == "old":
            return send(handler, 301, headers={"Location": f"/articles/{parts[1]}"})
        if len(parts) == 3 and parts[0] == "calendar":
            return send(handler, 200, self.calendar(int(parts[1]), int(parts[2])))
        if path == "/broken-500":
            return send(handler, 500, b"<h1>oops</h1>")
        if path == "/busy":
            with self.lock:
                busy = self.busy_left > 0
                self.busy_left -= 1
            if busy:
                return send(handler, 429, b"slow down", headers={"Retry-After": "1"})
            return send(handler, 200, b"<html><body><main><p>Not busy any more.</p></main></body></html>")
        if len(parts) == 2 and parts[0] == "slow":
            time.sleep(self.slow)
            return send(handler, 200, self.article(self.articles + 10 + int(parts[1])))
        if path == "/huge":
            return send(handler, 200, b"<html><body><p>" + b"x" * HUGE_BYTES + b"</p></body></html>")
        if path.startswith("/files/"):
            return send(handler, 200, b"%PDF-1.4 not really", "application/pdf")
        if path.startswith("/img/"):
            return send(handler, 200, b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")
        if len(parts) == 2 and parts[0] == "broken-html":
            return send(
                handler,
                200,
                b"<html><body><main><p>Unclosed <b>tags <div><p>and <a href='/articles/2'>"
                b"a link<table><tr><td>cell</main></span></html></html><<<>>>",
            )
        return send(handler, 404, b"<h1>not found</h1>")


@contextmanager
def serve_site(site: Site) -> Iterator[str]:
    """Serve the site on 127.0.0.1 (never any other address); yields its base URL."""
    base_holder: list[str] = []  # the pages link to the base, known once the server has its port
    with serve_with(lambda handler: site.answer(handler, base_holder[0])) as base:
        base_holder.append(base)
        yield base


def crawled(db: Path, articles: int) -> Path:
    """A finished crawl of a site of `articles` articles into the database `db`, audited in the crawler's own
    process (fast)."""
    import asyncio

    from auditor.config import Config
    from auditor.crawl import Crawler, Settings

    with serve_site(Site(articles=articles, slow=0.0)) as base:
        settings = Settings(start_url=base + "/", delay=0.0, concurrency=8, timeout=5.0, backoff=0.05, audit_workers=0)
        crawler = Crawler.create(db, settings, Config())
        asyncio.run(crawler.run())
        crawler.store.close()
    return db


def main() -> None:
    """`python -m tests.sitegen PORT ARTICLES`: serve the site on 127.0.0.1:PORT until killed (for benchmarks)."""
    import sys

    port, articles = int(sys.argv[1]), int(sys.argv[2])
    site = Site(articles=articles, slow=0.0, heavy="--heavy" in sys.argv)
    base = f"http://127.0.0.1:{port}"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            site.answer(self, base)

        def log_message(self, format: str, *args: object) -> None:
            pass

    QuietServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
