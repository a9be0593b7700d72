"""Batch throughput on a local Dask cluster: pages/s for 1 and 2 workers over the same WARC input (generated
pages of real-world weight), and the scaling ratio. Median of 3 runs each."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from auditor.batch import run
from auditor.config import Config
from benchmarks.common import machine
from tests.sitegen import Site
from tests.test_batch import write_warc

PAGES = 800


def main(passes: int = 3) -> None:
    site = Site(articles=PAGES, heavy=True)
    with tempfile.TemporaryDirectory() as folder:
        warcs = []
        for part in range(4):
            path = Path(folder) / f"part-{part}.warc.gz"
            numbers = range(part * PAGES // 4 + 1, (part + 1) * PAGES // 4 + 1)
            write_warc(path, [(f"https://kettles.example/articles/{n}", site.article(n)) for n in numbers], False)
            warcs.append(path)
        rates: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(passes):
            for workers in (1, 2):
                out = Path(folder) / f"out-{workers}"
                shutil.rmtree(out, ignore_errors=True)
                started = time.perf_counter()
                summary = run(warcs, out, Config(), workers=workers, partition_size=50)
                rates[workers].append(summary.pages / (time.perf_counter() - started))
    print(f"batch over {PAGES} pages in 4 WARC files, local Dask cluster ({machine()})")
    for workers, values in rates.items():
        print(
            f"  {workers} worker(s): median {statistics.median(values):.1f} pages/s "
            f"({', '.join(f'{v:.1f}' for v in values)}; includes cluster start-up and near-duplicates)"
        )
    print(f"  scaling 2 vs 1 worker: {statistics.median(rates[2]) / statistics.median(rates[1]):.2f}x")


if __name__ == "__main__":
    main()
