"""Crawl progress: a rich progress bar on a terminal, plain log lines otherwise (CI logs, pipes)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from auditor.crawl import Progress

LOG_EVERY = 10.0  # seconds between plain log lines


def reporter(quiet: bool) -> Callable[[Progress | None], None]:
    """A callback for the crawler; call it with None at the end to close the display."""
    if quiet:
        return lambda progress: None
    if sys.stderr.isatty():
        return _bar()
    return _lines()


def _line(p: Progress) -> str:
    return f"{p.done} done, {p.failed} failed, {p.queued} queued, {p.in_flight} in flight, {p.rate:.1f} pages/s"


def _lines() -> Callable[[Progress | None], None]:
    last = [0.0]
    latest: list[Progress | None] = [None]

    def show(progress: Progress | None) -> None:
        if progress is None:
            if latest[0] is not None:
                print(f"crawl: {_line(latest[0])}", file=sys.stderr, flush=True)
            return
        latest[0] = progress
        now = time.monotonic()
        if now - last[0] >= LOG_EVERY:
            last[0] = now
            print(f"crawl: {_line(progress)}", file=sys.stderr, flush=True)

    return show


def _bar() -> Callable[[Progress | None], None]:
    from rich.console import Console
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    bar = Bar(
        TextColumn("crawl"),
        BarColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    task = bar.add_task("", total=None)
    bar.start()

    def show(progress: Progress | None) -> None:
        if progress is None:
            bar.stop()
            return
        total = progress.done + progress.failed + progress.queued + progress.in_flight
        bar.update(task, completed=progress.done + progress.failed, total=total or None, description=_line(progress))

    return show
