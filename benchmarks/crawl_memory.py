"""Peak memory of a crawl: 500 pages against 5,000 pages of the generated site (each crawl in a fresh process,
auditing in that process so that one number covers the frontier, the fetches and the audits)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, machine
from tests.sitegen import Site, serve_site


def crawl_peak(pages: int) -> tuple[float, int, float]:
    """(peak RSS in MB, pages recorded, seconds) of crawling a site of `pages` articles."""
    site = Site(articles=pages, slow=0.0)
    with tempfile.TemporaryDirectory() as folder, serve_site(site) as base:
        db = Path(folder) / "crawl.sqlite"
        code = (
            "import asyncio, sys; from pathlib import Path; from benchmarks.common import peak_rss_mb;"
            "from auditor.crawl import Crawler, Settings; from auditor.config import Config;"
            f"c = Crawler.create(Path({str(db)!r}), Settings(start_url={base + '/'!r}, delay=0, concurrency=16,"
            f" max_depth=20, max_pages={pages + 100}, timeout=10, max_bytes=2_000_000, backoff=0.2,"
            " audit_workers=0), Config());"
            "asyncio.run(c.run());"
            "print(peak_rss_mb(), c.store.page_count())"
        )
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        elapsed = time.perf_counter() - started
        peak, recorded = done.stdout.split()
        return float(peak), int(recorded), elapsed


def main() -> None:
    print(f"crawl peak memory ({machine()})")
    small = crawl_peak(500)
    print(f"  500-page site:   {small[1]} pages in {small[2]:.0f} s, peak RSS {small[0]:.0f} MB")
    large = crawl_peak(5000)
    print(f"  5,000-page site: {large[1]} pages in {large[2]:.0f} s, peak RSS {large[0]:.0f} MB")
    print(f"  ratio {large[0] / small[0]:.2f} (limit 1.5)")


if __name__ == "__main__":
    main()
