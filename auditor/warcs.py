"""Read WARC files, local or remote (auditor.remote): whether a file is one, where its HTML pages start, whether
it is whole, and the pages of a run of records. A batch indexes each file once, then its chunks seek to their
first record and read on from there."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from itertools import islice
from typing import Any

import brotli
from fastwarc.warc import ArchiveIterator, HeaderMap, WarcRecord, WarcRecordType

from auditor import remote

Page = tuple[str, bytes | None, str | None, dict[str, Any]]  # url, body (None: not audited), charset, facts
# The longest WARC or HTTP header block read (FastWARC's default stops the whole file at one of 32 KB, which servers
# send: a wall of Set-Cookie or Content-Security-Policy lines, and the crawl writes them as received). It bounds the
# memory one record's headers take.
MAX_HEADER = 4 << 20


def is_warc(name: str) -> bool:
    """WARC files start with 'WARC/1.'; gzipped ones are one gzip member per record."""
    with remote.open_input(name, block_size=1 << 16) as handle:  # a peek: no need for a large first request
        head = handle.read(7)
        if head[:2] != b"\x1f\x8b":
            return head == b"WARC/1."
        handle.seek(0)
        try:
            with gzip.GzipFile(fileobj=handle) as inflated:
                return inflated.read(7) == b"WARC/1."
        except (OSError, EOFError):
            return False


def warc_index(name: str) -> tuple[list[int], str | None]:
    """Offsets of the WARC's HTML response records, and why the file is cut short if it is (None if whole).
    FastWARC reads a truncated file to its end without a word, as warcio does, so the cut is looked for here: a
    last record with fewer bytes than its Content-Length, or a last gzip member without its end."""
    offsets: list[int] = []
    last, short = -1, False
    with remote.open_input(name) as handle:
        # undecoded: the bytes consumed are the bytes stored, which the record's length is measured in
        records = ArchiveIterator(
            handle, parse_http=True, auto_decode="none", quirks_mode=True, max_header_len=MAX_HEADER
        )
        try:
            for record in records:
                if record.stream_pos <= last:
                    # FastWARC gives the gzip member's start: a file gzipped whole has one for all its records
                    raise ValueError(
                        # (whole: the batch quotes a reader's error to 120 characters)
                        "gzipped as one piece, not one gzip member a record: gunzip it or run `warcio recompress` on it"
                    )
                last = record.stream_pos
                if is_html(record):
                    offsets.append(last)
                short = record.reader.consume() < record.content_length
        except OSError as exc:
            if not offsets:
                raise
            # a record FastWARC cannot read (a damaged header, a gzip member that does not inflate) ends what can
            # be read of the file: the pages before it are kept, as in a file cut short
            return offsets, f"{name}: unreadable after byte {max(last, 0):,} ({exc})"
        if not short and _is_gzip(handle):
            short = not _gzip_members_whole(handle, max(last, 0))
    if short:
        return offsets, f"{name}: truncated (the file ends inside the record at byte {last:,})"
    return offsets, None


def _is_gzip(handle: Any) -> bool:
    handle.seek(0)
    return bool(handle.read(2) == b"\x1f\x8b")


def _gzip_members_whole(handle: Any, start: int) -> bool:
    """Whether every gzip member from byte `start` to the end of the file ends (output is read and dropped in
    bounded pieces, so a member that inflates without end costs time, not memory)."""
    import zlib

    handle.seek(start)
    inflater, pending = zlib.decompressobj(31), False
    try:
        while chunk := handle.read(1 << 20):
            while chunk:
                pending = True
                inflater.decompress(chunk, 1 << 20)
                while inflater.unconsumed_tail and not inflater.eof:
                    inflater.decompress(inflater.unconsumed_tail, 1 << 20)
                if inflater.eof:
                    chunk, pending = inflater.unused_data, False
                    inflater = zlib.decompressobj(31)
                else:
                    chunk = b""
    except zlib.error:
        return False
    return not pending


def target(record: WarcRecord) -> str:
    """The record's WARC-Target-URI, without the angle brackets some writers put around it (WARC 1.0's grammar)."""
    return (record.headers.get("WARC-Target-URI") or "").strip().removeprefix("<").removesuffix(">")


def is_html(record: WarcRecord) -> bool:
    """A response record of an HTML page of the web that was served (status 200): what a batch audits."""
    if record.record_type != WarcRecordType.response or not target(record).startswith(("http://", "https://")):
        return False
    if not record.is_http:
        # FastWARC takes a record for HTTP only by its WARC Content-Type, spelt "application/http"; writers leave
        # it out or spell it otherwise, and warcio read those as HTTP by their target's scheme, as here
        record.is_http = True
        try:
            record.parse_http(quirks_mode=True)
        except OSError:
            return False
    mime = (record.http_headers.get("Content-Type") or "").split(";")[0].strip().lower()
    return record.http_headers.status_code == 200 and mime in ("", "text/html", "application/xhtml+xml")


def pages(name: str, start: int, count: int, max_bytes: int) -> Iterator[Page]:
    """(url, body, charset, facts) for `count` HTML responses from byte `start`; body None with the error in the
    facts for a page that cannot be audited (cut short, too large, an encoding that does not decode)."""
    with remote.open_input(name) as handle:
        handle.seek(start)
        # the payload as stored: its length is the record's to check, and FastWARC's own decoding stops the
        # whole file at a payload whose Content-Encoding lies (servers that say gzip and send plain HTML)
        responses = ArchiveIterator(
            handle,
            record_types=WarcRecordType.response,
            parse_http=True,
            auto_decode="none",
            quirks_mode=True,
            max_header_len=MAX_HEADER,
        )
        # the next record is not read once the chunk's last is: it may be one FastWARC cannot read
        for record in islice((record for record in responses if is_html(record)), count):
            url = target(record)
            facts = {"status": 200, "date": record.headers.get("WARC-Date"), "warc": name}
            stored = record.reader.read(max_bytes + 1)
            if len(stored) <= max_bytes and len(stored) < record.content_length:
                # the file ends inside this record: half a page would be audited as if it were the page
                yield url, None, None, {**facts, "error": "the WARC record is truncated (the file ends inside it)"}
                continue
            try:
                body = stored if len(stored) > max_bytes else _decoded(stored, record.http_headers, max_bytes)
            except (brotli.error, OSError, ValueError) as exc:  # bytes that do not decode, a chunk size that lies
                why = f"its payload does not decode ({type(exc).__name__})"
                yield url, None, None, {**facts, "error": why}
                continue
            if len(body) > max_bytes:
                yield url, None, None, {**facts, "error": f"over the {max_bytes:,}-byte limit (max_bytes)"}
                continue
            yield url, body, record.http_charset, facts


def _decoded(stored: bytes, headers: HeaderMap, max_bytes: int) -> bytes:
    """The payload as the server meant it, at most `max_bytes` + 1 bytes of it: chunked transfer undone, then gzip
    or deflate content inflated by warcio's readers, as warcio's own record reader does (a payload that says gzip
    and is not is read as it is), or brotli content by brotli's (warcio's use of it fails on brotli 1.2)."""
    from warcio.bufferedreaders import BufferedReader, ChunkedDataReader

    if (headers.get("Transfer-Encoding") or "").strip().lower() == "chunked":
        stored = bytes(ChunkedDataReader(io.BytesIO(stored)).read(max_bytes + 1))
    encoding = (headers.get("Content-Encoding") or "").strip().lower()
    if encoding == "br":
        inflater = brotli.Decompressor()
        body = bytes(inflater.process(stored, output_buffer_limit=max_bytes + 1))
        if len(body) <= max_bytes and not inflater.is_finished():
            raise ValueError("the brotli stream is cut short")
        return body
    if encoding in ("gzip", "x-gzip", "deflate"):
        kind = "deflate" if encoding == "deflate" else "gzip"
        return bytes(BufferedReader(io.BytesIO(stored), decomp_type=kind).read(max_bytes + 1))
    return stored
