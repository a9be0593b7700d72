"""Helpers shared by the benchmarks: timing with medians, peak memory, the corpus location."""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = Path(os.environ.get("AUDITOR_CORPUS", ROOT.parent / "shared" / "corpus"))


def median_time(fn: Callable[[], object], passes: int = 3) -> float:
    """Median wall time of `passes` runs of fn (machines here are noisy: quote medians)."""
    times = []
    for _ in range(passes):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory of this process (or of its waited-for children) in MB (Linux reports KiB)."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def corpus_pages() -> list[tuple[bytes, str]]:
    import csv

    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        raise SystemExit(f"the corpus is not at {CORPUS} (set AUDITOR_CORPUS)")
    with manifest.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [((CORPUS / r["local_file"]).read_bytes(), r["page_url"]) for r in rows]


def machine() -> str:
    import platform

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
