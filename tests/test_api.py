"""The public Python API: audit_html, audit_file, audit_url, to_dict, and what __all__ promises."""

from __future__ import annotations

import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

import auditor
from auditor import Config, FetchError, InputError, audit_html, audit_url, to_dict

from .conftest import SAMPLES
from .localserver import send, serve


def test_all_names_exist() -> None:
    for name in auditor.__all__:
        assert hasattr(auditor, name), name
    assert set(dir(auditor)) >= set(auditor.__all__)
    with pytest.raises(AttributeError):
        auditor.nothing_by_this_name  # noqa: B018


def test_the_crawler_process_does_not_load_the_pipeline() -> None:
    """The public names load on first use: the crawler's own process (which fetches and records; its workers
    audit) starts without importing the pipeline and its parsers."""
    code = "import sys, auditor.crawl, auditor.cli; print(sorted(m for m in sys.modules if m in WATCHED))"
    watched = "WATCHED = {'auditor.pipeline', 'auditor.layout', 'bs4', 'sklearn'}; "
    done = subprocess.run([sys.executable, "-c", watched + code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_audit_html_accepts_text_and_bytes() -> None:
    html = (SAMPLES / "seed-like-news.html").read_text(encoding="utf-8")
    from_text = audit_html(html, url="https://railledger.example/news/x/")
    from_bytes = audit_html(html.encode("utf-8"), url="https://railledger.example/news/x/")
    assert to_dict(from_text) == to_dict(from_bytes)
    assert from_text.disclosure.placement == "after_first_affiliate_link"


def test_pipeline_is_pure() -> None:
    html = (SAMPLES / "clean-review.html").read_bytes()
    first = to_dict(audit_html(html, url="https://example.com/r/"))
    second = to_dict(audit_html(html, url="https://example.com/r/"))
    assert first == second


def test_audit_html_rejects_bad_bytes() -> None:
    with pytest.raises(InputError):
        audit_html(b"")
    with pytest.raises(InputError):
        audit_html(b"\x00\x01\x02" * 1000)


def test_audit_url_fetches_from_a_local_server() -> None:
    body = (SAMPLES / "seed-like-news.html").read_bytes()

    def page(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, body, content_type="text/html; charset=utf-8")

    def moved(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 301, headers={"Location": "/news/page"})

    with serve({"/news/page": page, "/old": moved}) as base:
        result = audit_url(base + "/old", Config(timeout=5))
        assert result.url == base + "/news/page"  # redirects followed; links resolve against the final URL
        assert result.metrics["affiliate_links"] == 4
        nav = next(link for link in result.links if link.raw_href == "/news/")
        assert nav.href == base + "/news/"
        with pytest.raises(FetchError):
            audit_url(base + "/missing", Config(timeout=5))


def test_a_server_declared_wide_charset_is_read() -> None:
    """A server may declare UTF-16 for a page without a byte-order mark; a UTF-16 declaration on a page whose bytes
    are not UTF-16 is not believed (browsers ignore it too)."""
    text = "<html><body><main><p>Wir verdienen eine Provision, Grüße</p></main></body></html>"

    def wide(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, text.encode("utf-16-le"), content_type="text/html; charset=utf-16")

    def lying(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, text.encode("utf-8"), content_type="text/html; charset=utf-16")

    with serve({"/wide": wide, "/lying": lying}) as base:
        for path in ("/wide", "/lying"):
            result = audit_url(base + path, Config(timeout=5))
            assert "Grüße" in result.blocks[0].text, path


def test_an_audit_leaves_the_cycle_collector_as_it_found_it() -> None:
    """A library call changes nothing of its host process: the collector stays on for a host that keeps it on,
    with pages audited in threads too, and off for a host that keeps it off."""
    import gc
    from concurrent.futures import ThreadPoolExecutor

    body = (SAMPLES / "seed-like-news.html").read_bytes()
    assert gc.isenabled()
    with ThreadPoolExecutor(4) as pool:
        for score in pool.map(lambda _: audit_html(body, url="https://railledger.example/").score, range(12)):
            assert gc.isenabled() and score == audit_html(body, url="https://railledger.example/").score
    gc.disable()
    try:
        audit_html(body)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_memory_held_after_auditing_distinct_pages_stops_growing() -> None:
    """What the pipeline remembers between pages has a fixed size: auditing 2,000 pages that share no class
    string, host, link or word (some of them very long) holds no more memory after the last than after the
    thousandth (unbounded memos would hold several megabytes more)."""
    import tracemalloc

    def page(n: int) -> bytes:
        long = "x" * 5_000
        links = "".join(
            f'<a class="c{n}-{i} {long}{n}" href="https://h{n}-{i}.example/p/{n}?q={long}{i}">w{n}x{i}</a> '
            for i in range(8)
        )
        words = " ".join(f"term{n}t{i}ings" for i in range(20)) + f" {long}{n}ing"
        return f"<html><body><main><p>{words}. {words}.</p><p>{links}</p></main></body></html>".encode()

    held = []
    tracemalloc.start()
    try:
        for n in range(2_000):
            audit_html(page(n), url=f"https://site{n}.example/a")
            if n in (999, 1_999):
                held.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert held[1] - held[0] < 1_000_000, held


def test_a_configuration_loads_without_the_pipeline(tmp_path: Path) -> None:
    """Validating rule ids and options reads the rule files as data: no check, layout walk or compiled module."""
    config = tmp_path / "auditor.toml"
    config.write_text('ignore = ["content"]\n[rules.links-density]\nmax_per_1000_words = 12\n', encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from auditor.config import load; "
        f"load(Path({str(config)!r})); print(sorted(m for m in sys.modules if m.startswith('auditor')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "auditor.checks" not in loaded and "auditor.layout" not in loaded and "auditor._walk" not in loaded, loaded
