"""Hostile servers against one fetch (`audit URL`, a batch URL list): whatever a server does while one URL is
fetched, that URL fails with one clear line within the configured timeout, and the rest of the run goes on."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from auditor.batch import PAGES, Chunk, run_chunk
from auditor.cli import main
from auditor.config import Config
from auditor.urls import normalize

from .hostile import HostileFetch, serve_hostile, serve_hostile_v6


def audit(url: str, *options: str) -> tuple[Result, float]:
    started = time.monotonic()
    result = CliRunner().invoke(main, ["audit", url, "--format", "json", "--max-bytes", "1000000", *options])
    return result, time.monotonic() - started


def one_line_error(result: Result) -> str:
    """The single stderr line of a failed audit (exit 2), never an internal error."""
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, (result.exit_code, result.stderr, result.exception)
    assert "internal error" not in lines[0], lines[0]
    return lines[0]


def audited(result: Result) -> dict[str, Any]:
    """The JSON report of an audit that worked (exit 0 clean, 1 findings)."""
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    page: dict[str, Any] = json.loads(result.stdout)
    assert page["error"] is None
    return page


def batch(tmp_path: Path, base: str, paths: list[str], config: Config) -> tuple[list[dict[str, Any]], float]:
    """Run one chunk of a URL list (what a batch worker runs) and read back its page results."""
    listing = tmp_path / "urls.txt"
    listing.write_text("".join(f"{base}{p}\n" for p in paths), encoding="utf-8")
    started = time.monotonic()
    counts = run_chunk(Chunk("urls", str(listing), 0, len(paths)), str(tmp_path / "out"), config)
    elapsed = time.monotonic() - started
    lines = next((tmp_path / "out" / PAGES).glob("part-*.jsonl")).read_text(encoding="utf-8").splitlines()
    assert counts["pages"] == len(lines) == len(paths)
    return [json.loads(line) for line in lines], elapsed


# -- case 1: a redirect to a URL httpx cannot even build -------------------------------------------------------


@pytest.mark.parametrize("path", ["/to-javascript", "/to-data"])
def test_audit_of_a_redirect_to_a_script_or_data_url_is_one_line(path: str) -> None:
    with serve_hostile(HostileFetch()) as base:
        result, _ = audit(base + path)
    assert "redirect" in one_line_error(result)


def test_batch_url_list_goes_on_past_a_redirect_to_a_script_or_data_url(tmp_path: Path) -> None:
    with serve_hostile(HostileFetch()) as base:
        pages, _ = batch(tmp_path, base, ["/to-javascript", "/to-data", "/fine"], Config())
    assert ["redirect" in (p["error"] or "") for p in pages] == [True, True, False]
    assert pages[2]["metrics"]["words_editorial"] > 0


# -- case 2: one overall deadline per fetch ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/slow-headers", "/endless-continue"])
def test_audit_ends_at_the_timeout_however_the_headers_stall(path: str) -> None:
    with serve_hostile(HostileFetch()) as base:
        result, elapsed = audit(base + path, "--timeout", "1")
    assert "within 1 s (timeout)" in one_line_error(result)
    assert elapsed < 4, elapsed  # the server gives up after 8 s: a per-read timeout alone waits for that


def test_batch_url_list_ends_each_fetch_at_the_timeout(tmp_path: Path) -> None:
    with serve_hostile(HostileFetch()) as base:
        pages, elapsed = batch(tmp_path, base, ["/slow-headers", "/endless-continue", "/fine"], Config(timeout=1.0))
    assert ["timeout" in (p["error"] or "") for p in pages] == [True, True, False]
    assert elapsed < 6, elapsed


# -- case 3: a NUL byte is not binary data -----------------------------------------------------------------------


def test_a_page_with_a_nul_byte_is_audited_with_its_links() -> None:
    with serve_hostile(HostileFetch()) as base:
        result, _ = audit(base + "/nul")
    page = audited(result)
    assert page["metrics"]["affiliate_links"] == 1
    assert all("\x00" not in block["text"] for block in page["blocks"])


def test_binary_content_sent_as_html_is_still_refused() -> None:
    with serve_hostile(HostileFetch()) as base:
        result, _ = audit(base + "/png-as-html")
    assert "binary" in one_line_error(result)


# -- case 5: IPv6 URLs ---------------------------------------------------------------------------------------------


def test_a_malformed_ipv6_url_is_one_clear_line() -> None:
    result, _ = audit("http://[::1")
    assert "not a valid URL" in one_line_error(result)


def test_an_ipv6_url_keeps_its_brackets_through_normalisation_and_is_fetched() -> None:
    with serve_hostile_v6(HostileFetch()) as base:
        url = normalize(base.upper().replace("HTTP", "http") + "/fine#top")
        assert url == base + "/fine"
        assert audited(audit(url)[0])["metrics"]["words_editorial"] > 0
    assert normalize("http://[2001:DB8::1]:80/") == "http://[2001:db8::1]/"


# -- case 13: Content-Encoding: deflate, with or without the zlib wrapper ---------------------------------------


@pytest.mark.parametrize("path", ["/raw-deflate", "/zlib-deflate"])
def test_deflate_bodies_are_read_as_browsers_read_them(path: str) -> None:
    with serve_hostile(HostileFetch()) as base:
        result, _ = audit(base + path)
    assert audited(result)["metrics"]["words_editorial"] > 0


@pytest.mark.parametrize("kind", ["gzip", "deflate"])
def test_a_compressed_body_that_stops_before_any_text_is_broken_not_empty(kind: str) -> None:
    # it was "the page is empty", without the address: a fault of the server's, named as one, and where
    with serve_hostile(HostileFetch()) as base:
        result, _ = audit(f"{base}/cut-{kind}")
    line = one_line_error(result)
    assert f"broken {kind} data" in line and f"{base}/cut-{kind}" in line, line
