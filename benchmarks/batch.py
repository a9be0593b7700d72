"""Batch throughput at Common Crawl's grain, against the bare audit in the same run.

The input: PAGES records (20,000 by default) made from the corpus's real pages, each page under many URLs of many
hosts, in WARC files of RECORDS_PER_FILE records gzipped one member per record, as Common Crawl writes them. The
figures:
- the bare rate: `audit_html` in this process over the set's first records (whole passes over the corpus), the
  cycle collector paused around each page as the batch workers run it: what a worker could do if it did nothing
  else. It is measured before the batches and after them, and their mean is the rate the batches are held to: a
  shared machine's speed drifts by 10% and more over the half hour they take;
- the batch rate on a local Dask cluster of 1 and of 2 single-threaded workers, wall time from the call to the
  summary (cluster start-up, the survey of the files, reading, auditing, writing results and signatures, and the
  batch-wide near-duplicate pass all count), per worker: its efficiency is that over the bare rate;
- scaling: 2 workers over 1;
- reading the records alone (HTTP body and headers of every response), warcio against FastWARC, if installed.

`python -m benchmarks.batch [PAGES]`: 20,000 pages take about 25 minutes on 2 cores.
"""

from __future__ import annotations

import gc
import io
import itertools
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.common import corpus_pages, machine

PAGES = 20_000
RECORDS_PER_FILE = 1_000
SAMPLE = 1_000  # records the bare rate is measured on: whole passes over the corpus (at least one, at most the set)


def records(pages: int) -> Iterator[tuple[str, bytes]]:
    """(url, body) for `pages` records: the corpus's pages in turn, each time under another host and path, so that
    no memo of hosts or links sees a repeat it would not see in a crawl of many sites."""
    corpus = corpus_pages()
    for n in range(pages):
        body, url = corpus[n % len(corpus)]
        scheme, _, rest = url.partition("://")
        host, _, path = rest.partition("/")
        yield f"{scheme or 'https'}://s{n // len(corpus)}.{host or 'site.example'}/{path}", body


def write_warcs(folder: Path, pages: int) -> list[Path]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    files: list[Path] = []
    writer = None
    handle = None
    for n, (url, body) in enumerate(records(pages)):
        if n % RECORDS_PER_FILE == 0:
            if handle is not None:
                handle.close()
            files.append(folder / f"part-{len(files):05d}.warc.gz")
            handle = files[-1].open("wb")
            writer = WARCWriter(handle, gzip=True)
        assert writer is not None
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    if handle is not None:
        handle.close()
    return files


def bare_rate(files: list[Path], pages: int) -> float:
    """Pages per second of `audit_html` alone, over the set's first records (read before the clock starts)."""
    from auditor import audit_html
    from auditor.pipeline import forget_memos

    # whole passes over the corpus, so that every page weighs as much as in the batch (every 20th record would
    # visit only the 39 pages whose index is a multiple of gcd(20, 195) = 5)
    corpus = len(corpus_pages())
    size = min(pages, max(1, SAMPLE // corpus) * corpus)
    sample = list(itertools.islice(records(pages), size))
    for url, body in sample[:50]:  # what loads once: rules, models, compiled patterns
        audit_html(body, url=url)
    forget_memos()
    started = time.perf_counter()
    for url, body in sample:
        gc.disable()
        try:
            audit_html(body, url=url)
        finally:
            gc.enable()
    return len(sample) / (time.perf_counter() - started)


def batch_rate(files: list[Path], out: Path, workers: int) -> tuple[float, int]:
    from auditor.batch import run
    from auditor.config import Config

    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    summary = run([str(f) for f in files], out, Config(), workers=workers)
    return summary.pages / (time.perf_counter() - started), summary.pages


def read_rates(files: list[Path]) -> dict[str, float]:
    """Records per second read (headers and whole body of each response) by warcio and by FastWARC."""
    rates: dict[str, float] = {}
    from warcio.archiveiterator import ArchiveIterator

    started, count = time.perf_counter(), 0
    for path in files:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "response":
                    record.http_headers.get_header("Content-Type")
                    record.content_stream().read()
                    count += 1
    rates["warcio"] = count / (time.perf_counter() - started)
    try:
        from fastwarc.warc import ArchiveIterator as FastIterator
        from fastwarc.warc import WarcRecordType
    except ImportError:
        return rates
    started, count = time.perf_counter(), 0
    for path in files:
        with path.open("rb") as handle:
            for fast in FastIterator(handle, record_types=WarcRecordType.response, parse_http=True):
                fast.http_headers.get("Content-Type")
                fast.reader.read()
                count += 1
    rates["fastwarc"] = count / (time.perf_counter() - started)
    return rates


def main(pages: int = PAGES) -> None:
    with tempfile.TemporaryDirectory(prefix="auditor-batch-bench-") as scratch:
        folder = Path(scratch)
        files = write_warcs(folder, pages)
        size = sum(f.stat().st_size for f in files) / 1e9
        reading = read_rates(files[: max(1, len(files) // 10)])
        before = bare_rate(files, pages)
        one, audited = batch_rate(files, folder / "out-1", 1)
        two, _ = batch_rate(files, folder / "out-2", 2)
        after = bare_rate(files, pages)
        bare = (before + after) / 2
    print(f"batch over {audited:,} pages in {len(files)} WARC files ({size:.1f} GB gzipped), local Dask ({machine()})")
    print(f"  bare audit_html, this process:   {bare:6.1f} pages/s  (collector paused per page, as the workers run it)")
    print(f"    before the batches {before:.1f}, after them {after:.1f}")
    print(f"  batch, 1 worker:                 {one:6.1f} pages/s  efficiency {one / bare:.0%} of the bare rate")
    print(f"  batch, 2 workers:                {two:6.1f} pages/s  per worker {two / 2:.1f}: {two / 2 / bare:.0%}")
    print(f"  scaling 2 vs 1 worker:           {two / one:.2f}x")
    shown = ", ".join(f"{name} {rate:,.0f} records/s" for name, rate in reading.items())
    if "fastwarc" in reading:
        shown += f" (FastWARC {reading['fastwarc'] / reading['warcio']:.1f}x)"
    print(f"  reading the records alone:       {shown}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else PAGES)
