"""A 1,000-page site report: its size, and how long headless chromium takes to open it (median of 3)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from auditor import audit_html, to_dict
from auditor.report.html import render
from auditor.site import assemble, from_results
from benchmarks.common import machine
from tests.sitegen import Site

CHROMIUM = "/usr/bin/chromium"


def build(pages: int) -> str:
    site = Site(articles=pages)
    results = [
        to_dict(audit_html(site.article(n), f"https://kettles.example/articles/{n}")) for n in range(1, pages + 1)
    ]
    return render(assemble(from_results(results, "https://kettles.example/")))


def open_times(path: Path, passes: int = 3) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        for _ in range(passes):
            page = browser.new_page()
            page.goto(path.as_uri(), wait_until="load")
            ms = page.evaluate(
                "() => { const t = performance.getEntriesByType('navigation')[0];"
                " return t.loadEventEnd - t.startTime; }"
            )
            times.append(ms / 1000)
            page.close()
        browser.close()
    return times


def main() -> None:
    html = build(1000)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "site.html"
        path.write_text(html, encoding="utf-8")
        size = path.stat().st_size
        times = sorted(open_times(path))
    print(f"site report, 1,000 pages ({machine()})")
    print(f"  size: {size / 1024 / 1024:.2f} MB (limit 10 MB)")
    print(f"  open in headless chromium (navigation to load event): median {times[1]:.2f} s of {times} (limit 3 s)")


if __name__ == "__main__":
    main()
