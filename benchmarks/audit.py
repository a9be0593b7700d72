"""Single-page audit throughput over the corpus, next to trafilatura.extract and raw lxml.html parsing; the audit
both as a library call runs it (the cycle collector as the caller left it, here on) and as the crawl and batch
workers run it (the collector paused around the audit), so that the figure shows whether that pause still pays.

All three read the same bytes in the same process; the passes are interleaved so that each tool sees the same
machine, and the median of the passes is quoted. Peak memory of auditing the whole corpus in one process is
measured in a fresh child process, so that trafilatura's caches do not count against the auditor.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from benchmarks.common import ROOT, corpus_pages, machine, peak_rss_mb


def _tools() -> dict[str, Callable[[bytes, str], object]]:
    import lxml.html
    import trafilatura

    from auditor import audit_html

    def paused(body: bytes, url: str) -> object:
        with _collector_paused():
            return audit_html(body, url=url)

    return {
        "auditor": lambda body, url: audit_html(body, url=url),
        "auditor, gc paused": paused,
        "trafilatura": lambda body, url: trafilatura.extract(body, url=url),
        "lxml.html": lambda body, url: lxml.html.fromstring(body),
    }


@contextmanager
def _collector_paused() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def throughput(passes: int = 7) -> dict[str, list[float]]:
    """Seconds for the whole corpus, per tool and pass. A first, untimed pass loads what each tool loads once
    (imports, rules, compiled patterns); before each timed pass the auditor forgets what it memoised of the pages
    (class strings, hosts, word stems), so that every timed pass reads each page as if for the first time, as an
    audit of a new site would."""
    from auditor.pipeline import forget_memos

    pages = corpus_pages()
    tools = _tools()
    for tool in tools.values():
        for body, url in pages:
            tool(body, url)
    seconds: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(passes):
        for name, tool in tools.items():
            if name.startswith("auditor"):
                forget_memos()
            start = time.perf_counter()
            for body, url in pages:
                tool(body, url)
            seconds[name].append(time.perf_counter() - start)
    return seconds


def whole_corpus_peak() -> tuple[int, float]:
    """Audit every corpus page in this process, keeping every result; the peak RSS in MB."""
    from auditor import audit_html

    results = [audit_html(body, url=url) for body, url in corpus_pages()]
    return len(results), peak_rss_mb()


def main(passes: int = 7) -> None:
    if sys.argv[1:] == ["--peak"]:
        print(json.dumps(whole_corpus_peak()))
        return
    count = len(corpus_pages())
    seconds = throughput(passes)
    print(f"single-page audit over {count} corpus pages, median of {passes} interleaved passes ({machine()})")
    rate = {name: count / statistics.median(runs) for name, runs in seconds.items()}
    for name, runs in seconds.items():
        print(
            f"  {name:<20} {rate[name]:7.1f} pages/s  {1000 / rate[name]:6.1f} ms/page  (passes: "
            + ", ".join(f"{count / s:.1f}" for s in runs)
            + ")"
        )
    print(f"  auditor / trafilatura.extract: {rate['auditor'] / rate['trafilatura']:.2f}x the throughput")
    paused = rate["auditor, gc paused"]
    print(f"  the same, gc paused (workers): {paused / rate['trafilatura']:.2f}x the throughput")
    print(f"  lxml.html parse / auditor:     {rate['lxml.html'] / rate['auditor']:.1f}x slower than parsing alone")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.audit", "--peak"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    audited, peak = json.loads(done.stdout)
    print(f"  peak RSS auditing all {audited} pages in one process, results kept: {peak:.0f} MB")


if __name__ == "__main__":
    main()
