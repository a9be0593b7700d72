"""Reading WARC records as a batch does: the payload as the server meant it (chunked transfer and gzip or brotli
content decoded, as warcio's reader did before FastWARC), the charset of the header, and a record cut short
named as such rather than audited as half a page."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import brotli
import pytest

from auditor import warcs

PAGE = b"<html><head><title>Kettles</title></head><body><p>" + b"A kettle worth its price. " * 400 + b"</p></body>"


def _chunked(body: bytes, size: int = 3000) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def _write(path: Path, records: list[tuple[str, list[tuple[str, str]], bytes]], gzipped: bool = True) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzipped)
        for url, headers, payload in records:
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=http)
            writer.write_record(record)


ENCODED = [
    ("https://a.example/plain", [("Content-Type", "text/html; charset=iso-8859-1")], PAGE),
    ("https://a.example/gzip", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], gzip.compress(PAGE)),
    ("https://a.example/br", [("Content-Type", "text/html"), ("Content-Encoding", "br")], brotli.compress(PAGE)),
    ("https://a.example/chunked", [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")], _chunked(PAGE)),
]


@pytest.mark.parametrize("gzipped", [True, False])
def test_encoded_payloads_are_read_as_the_page(tmp_path: Path, gzipped: bool) -> None:
    path = tmp_path / ("encoded.warc.gz" if gzipped else "encoded.warc")
    _write(path, ENCODED, gzipped)
    offsets, problem = warcs.warc_index(str(path))
    assert problem is None and len(offsets) == len(ENCODED)
    read = list(warcs.pages(str(path), offsets[1], 3, max_bytes=1_000_000))
    assert [url for url, *_ in read] == [url for url, *_ in ENCODED[1:]]
    assert all(body == PAGE and facts.get("error") is None for _, body, _, facts in read)
    first = next(warcs.pages(str(path), offsets[0], 1, max_bytes=1_000_000))
    assert first[1] == PAGE and first[2] == "iso-8859-1"


@pytest.mark.parametrize("last", [0, 3])  # a plain payload, a chunked one
def test_a_record_cut_short_is_named_not_audited(tmp_path: Path, last: int) -> None:
    whole = tmp_path / "whole.warc"
    _write(whole, [ENCODED[1], ENCODED[last]], gzipped=False)
    cut = tmp_path / "cut.warc"
    cut.write_bytes(whole.read_bytes()[:-2000])
    offsets, problem = warcs.warc_index(str(cut))
    assert problem is not None and "truncated" in problem and len(offsets) == 2
    kept, broken = warcs.pages(str(cut), offsets[0], 2, max_bytes=1_000_000)
    assert kept[1] == PAGE
    assert broken[1] is None and broken[3]["error"]


def test_a_page_over_the_limit_is_named_not_audited(tmp_path: Path) -> None:
    path = tmp_path / "big.warc.gz"
    _write(path, ENCODED[:1])
    (_, body, _, facts), *_ = warcs.pages(str(path), 0, 1, max_bytes=1_000)
    assert body is None and "limit" in facts["error"]


def test_an_encoding_that_lies_costs_that_page_at_most(tmp_path: Path) -> None:
    """Servers say gzip and send plain HTML, or send brotli that does not decode: the page is read as it is or
    named as not decoding, and the records after it are read as usual."""
    path = tmp_path / "lies.warc.gz"
    plain_as_gzip = ("https://a.example/says-gzip", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], PAGE)
    bad_brotli = ("https://a.example/bad-br", [("Content-Type", "text/html"), ("Content-Encoding", "br")], PAGE[:500])
    _write(path, [plain_as_gzip, bad_brotli, ENCODED[0]])
    offsets, problem = warcs.warc_index(str(path))
    assert problem is None and len(offsets) == 3
    said_gzip, said_br, after = warcs.pages(str(path), offsets[0], 3, max_bytes=1_000_000)
    assert said_gzip[1] == PAGE and after[1] == PAGE
    assert said_br[1] is None and "does not decode" in said_br[3]["error"]


def _raw(
    uri: str, http: bytes, content_type: str | None = "application/http; msgtype=response", short: int = 0
) -> bytes:
    """One response record written by hand, as writers other than warcio get it wrong."""
    head = f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Record-ID: <urn:uuid:{uri}>\r\n"
    head += "WARC-Date: 2024-01-01T00:00:00Z\r\n" + (f"Content-Type: {content_type}\r\n" if content_type else "")
    return f"{head}Content-Length: {len(http) - short}\r\n\r\n".encode() + http + b"\r\n\r\n"


HTTP = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + PAGE


def test_records_other_writers_get_wrong_are_read_as_warcio_read_them(tmp_path: Path) -> None:
    """No WARC Content-Type or another spelling of it (HTTP by the target's scheme), a target URI in angle
    brackets, HTTP headers ending in bare line feeds, a Content-Length two bytes short: each page is read, and so
    are the records after it; a response to a dns: lookup is not a page."""
    path = tmp_path / "odd.warc"
    odd = [
        _raw("https://a.example/untyped", HTTP, content_type=None),
        _raw("https://a.example/capitals", HTTP, content_type="Application/HTTP"),
        _raw("<https://a.example/bracketed>", HTTP),
        _raw("https://a.example/bare-lf", HTTP.replace(b"\r\n", b"\n", 3)),
        _raw("dns:a.example", HTTP),
        _raw("https://a.example/short", HTTP, short=2),
        _raw("https://a.example/after", HTTP),
    ]
    path.write_bytes(b"".join(odd))
    offsets, _ = warcs.warc_index(str(path))
    read = list(warcs.pages(str(path), offsets[0], len(offsets), max_bytes=1_000_000))
    urls = [url for url, *_ in read]
    assert urls == [f"https://a.example/{n}" for n in ("untyped", "capitals", "bracketed", "bare-lf", "short", "after")]
    assert all(body is not None and body.startswith(PAGE[:200]) for _, body, _, _ in read if body is not None)
    assert [url for url, body, *_ in read if body != PAGE] == ["https://a.example/short"]  # two bytes less of it


def test_a_warc_gzipped_as_one_piece_is_one_line(tmp_path: Path) -> None:
    """`gzip file.warc` makes one gzip member of all the records: no record has an offset to seek to."""
    plain = tmp_path / "plain.warc"
    _write(plain, ENCODED, gzipped=False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    with pytest.raises(ValueError, match="gzipped as one piece"):
        warcs.warc_index(str(whole))


def test_a_brotli_payload_cut_short_is_named_not_audited(tmp_path: Path) -> None:
    path = tmp_path / "cut-br.warc.gz"
    squeezed = brotli.compress(PAGE * 20)
    _write(path, [("https://a.example/cut-br", [("Content-Encoding", "br")], squeezed[: len(squeezed) // 2])])
    ((_, body, _, facts),) = warcs.pages(str(path), 0, 1, max_bytes=1_000_000)
    assert body is None and "does not decode" in facts["error"]


def test_the_collector_resumes_when_the_last_of_overlapping_pages_is_done() -> None:
    """A worker of several threads audits several chunks at once, so pages overlap without nesting: the collector
    is paused while any page is, runs again after the last one if it ran before the first, and stays off if the
    worker's owner had turned it off."""
    import gc

    from auditor.batch import _COLLECTOR

    for running in (True, False):
        (gc.enable if running else gc.disable)()
        first, second = _COLLECTOR.paused(), _COLLECTOR.paused()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)  # the first page ends while the second is still being audited
        assert not gc.isenabled()
        second.__exit__(None, None, None)
        assert gc.isenabled() is running
        with _COLLECTOR.paused():
            assert not gc.isenabled()
        assert gc.isenabled() is running
    gc.enable()


def test_a_long_header_costs_no_page_and_an_unreadable_record_only_those_after_it(tmp_path: Path) -> None:
    # a server's 70 KB of Set-Cookie lines made FastWARC stop the whole file (its default reads 32 KB of header),
    # and the batch lost every page of it, before and after
    cookies = [("Set-Cookie", f"c{i}={'x' * 1000}") for i in range(70)]
    long_header = ("https://a.example/cookies", [("Content-Type", "text/html"), *cookies], PAGE)
    path = tmp_path / "long.warc.gz"
    _write(path, [ENCODED[0], long_header, ENCODED[1]])
    offsets, problem = warcs.warc_index(str(path))
    assert problem is None and len(offsets) == 3
    assert [body for _, body, *_ in warcs.pages(str(path), offsets[0], 3, max_bytes=1_000_000)] == [PAGE] * 3
    # past the longest header read: the pages before it are kept, and the file is named as unreadable after them
    huge = ("https://a.example/huge", [("Content-Type", "text/html"), ("X-Pad", "x" * (warcs.MAX_HEADER + 1))], PAGE)
    _write(path, [ENCODED[0], ENCODED[1], huge, ENCODED[2]])
    offsets, problem = warcs.warc_index(str(path))
    assert len(offsets) == 2 and problem is not None and "unreadable after byte" in problem
    assert [body for _, body, *_ in warcs.pages(str(path), offsets[0], 2, max_bytes=1_000_000)] == [PAGE] * 2
