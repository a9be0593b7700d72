"""A site holding every hostile path at once: its crawl ends, resumes to the same results after SIGKILL at ten
random moments, and its report renders."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from auditor.store import Store

from .hostile import EveryHostilePath, gzip_bomb, serve_hostile, sitemap_bomb

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
OPTIONS = [
    *("--delay", "0", "--concurrency", "8", "--timeout", "2", "--max-bytes", "1000000", "--workers", "0"),
    *("--max-depth", "3", "--max-retry-after", "0.5", "-q"),
]


def outcome(db: Path, base: str) -> dict[str, tuple[str | None, str | None]]:
    """Each recorded page's path with whether it was audited and, if not, the first words of why (the server's
    address, which differs between the two runs, left out)."""
    store = Store.open(db, create=False)
    try:
        return {
            row.url.split("/", 3)[3]: (
                "audited" if row.result is not None else None,
                (row.error or "").replace(base, "BASE").split("(")[0].strip() or None,
            )
            for row in store.pages()
        }
    finally:
        store.close()


def test_every_hostile_path_at_once_survives_ten_kills(tmp_path: Path) -> None:
    rng = random.Random(2126)
    gzip_bomb(), sitemap_bomb()  # built before any server serves them (seconds of deflate, once)
    with serve_hostile(EveryHostilePath(stall=3.0)) as base:
        reference_base = base
        reference = tmp_path / "reference.sqlite"
        whole = subprocess.run(
            [sys.executable, "-m", "auditor", "crawl", base + "/", "--db", str(reference), *OPTIONS],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert whole.returncode == 0, whole.stderr
    with serve_hostile(EveryHostilePath(stall=3.0)) as base:  # a fresh server: its one-time tricks again
        db = tmp_path / "killed.sqlite"
        first = [sys.executable, "-m", "auditor", "crawl", base + "/", "--db", str(db), *OPTIONS]
        resume = [sys.executable, "-m", "auditor", "crawl", "--resume", str(db), "-q"]
        for _ in range(10):
            process = subprocess.Popen(
                resume if db.exists() else first, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(0.3, 2.5))
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        done = subprocess.run(resume, env=ENV, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
    assert outcome(db, base) == outcome(reference, reference_base)
    report = subprocess.run(
        [sys.executable, "-m", "auditor", "report", str(db), "--format", "html", "-o", str(tmp_path / "site.html")],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "site.html").stat().st_size > 1000
