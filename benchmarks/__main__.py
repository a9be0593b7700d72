"""Run every benchmark in one go: python -m benchmarks  (or one of them: python -m benchmarks.audit)."""

from __future__ import annotations

from benchmarks import audit, batch, crawl, crawl_memory, neardup, recrawl, report_size, stages

for name, module in [
    ("audit", audit),
    ("stages", stages),
    ("crawl", crawl),
    ("crawl_memory", crawl_memory),
    ("recrawl", recrawl),
    ("neardup", neardup),
    ("report_size", report_size),
    ("batch", batch),
]:
    print(f"== {name}", flush=True)
    module.main()
    print(flush=True)
