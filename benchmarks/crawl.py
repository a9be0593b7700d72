"""Crawl throughput: the auditor's crawler against a minimal Scrapy spider, same site, same concurrency.

The generated site (tests/sitegen.py, 1,000 articles with real-world page weight: ~130 KB and ~900 elements a
page, like the corpus's median page) is written to disk and served by nginx on 127.0.0.1
(benchmarks/static_site.py; without nginx, by the site generator's own Python server, which is slower and takes
CPU from the crawlers). Both obey robots.txt, skip sitemaps (they discover pages by links), have no delay and
stop at the same depth. The auditor also audits every page (its reason to crawl); Scrapy only parses links.
Scrapy fetches about twice the pages: the site links each next article with a tracking parameter
(`?utm_source=next`), a second spelling of a page that the auditor's URL normalisation drops, so the rates are
compared per fetched page. Median of 3 passes.
"""

from __future__ import annotations

import contextlib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks import static_site
from benchmarks.common import ROOT, free_port, machine, wait_for

CONCURRENCY = 16
DEPTH = 30
ARTICLES = 1000


def ours(base: str) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "crawl.sqlite"
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "auditor",
                "crawl",
                base + "/",
                "--db",
                str(db),
                "--delay",
                "0",
                "--concurrency",
                str(CONCURRENCY),
                "--max-depth",
                str(DEPTH),
                "--max-pages",
                "100000",
                "--no-sitemaps",
                "--workers",
                "2",
                "-q",
            ],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        elapsed = time.perf_counter() - start
        with sqlite3.connect(db) as connection:
            pages = connection.execute("SELECT COUNT(*) FROM fetches").fetchone()[0]
    return int(pages), elapsed


def scrapy(base: str) -> tuple[int, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.scrapy_spider", base + "/", str(CONCURRENCY), str(DEPTH)],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.strip().splitlines()[-1]), time.perf_counter() - start


@contextlib.contextmanager
def site(port: int) -> Iterator[str]:
    """The benchmark site on 127.0.0.1:port, served by nginx when it is installed; yields its base URL."""
    if static_site.available():
        with tempfile.TemporaryDirectory() as folder, static_site.serve(Path(folder), ARTICLES, port) as base:
            yield base
        return
    server = subprocess.Popen([sys.executable, "-m", "tests.sitegen", str(port), str(ARTICLES), "--heavy"], cwd=ROOT)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.kill()


def main(passes: int = 3) -> None:
    port = free_port()
    with site(port) as base:
        wait_for(port)
        runs: dict[str, list[tuple[int, float]]] = {"auditor": [], "scrapy": []}
        for _ in range(passes):  # interleaved, so that both see the same machine
            runs["auditor"].append(ours(base))
            runs["scrapy"].append(scrapy(base))
    server = "nginx" if static_site.available() else "the site generator's Python server (install nginx-light)"
    print(f"crawl of a {ARTICLES:,}-article generated site on 127.0.0.1, concurrency {CONCURRENCY} ({machine()})")
    print(f"  served by {server}")
    rates = {}
    for name, results in runs.items():
        rate = statistics.median(p / s for p, s in results)
        rates[name] = rate
        pages = statistics.median(p for p, _ in results)
        print(
            f"  {name:<8} {pages:,.0f} pages, median {rate:.1f} pages/s  (passes: "
            + ", ".join(f"{p / s:.1f}" for p, s in results)
            + ")"
        )
    print(f"  ratio auditor/scrapy: {rates['auditor'] / rates['scrapy']:.2f} (the auditor also audits every page)")
    print("  (Scrapy also fetches the ?utm_source= spellings of pages, which the auditor normalises away)")
    seconds = {name: statistics.median(s for _, s in results) for name, results in runs.items()}
    print(
        f"  time to crawl the whole site: auditor {seconds['auditor']:.1f} s, scrapy {seconds['scrapy']:.1f} s "
        f"(ratio scrapy/auditor {seconds['scrapy'] / seconds['auditor']:.2f})"
    )


if __name__ == "__main__":
    main()
