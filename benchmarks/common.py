"""Helpers shared by the benchmarks: timing with medians, peak memory, the corpus location."""

from __future__ import annotations

import os
import socket
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


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB: VmHWM, the high-water mark of its own address space.
    (getrusage's ru_maxrss would do on most systems, but Linux carries the parent's peak into a child across
    fork and exec, so a child started by a large process would report the parent's size.)"""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


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


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now, for a benchmark's own server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, seconds: float = 10.0) -> None:
    """Wait until a server on 127.0.0.1 accepts connections on the port."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit("the site server did not start")
