"""Read WARC files, local or remote (auditor.remote): whether a file is one, where its HTML pages start, whether
it is whole, and the pages of a run of records. A batch indexes each file once, then its chunks seek to their
first record and read on from there."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

from auditor import remote

Page = tuple[str, bytes | None, str | None, dict[str, Any]]  # url, body (None: not audited), charset, facts


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
    warcio reads a truncated file to its end without a word, so the cut is looked for here: a last record with
    fewer bytes than its Content-Length, or a last gzip member without its end."""
    from warcio.archiveiterator import ArchiveIterator

    offsets: list[int] = []
    last, short = 0, False
    with remote.open_input(name) as handle:
        records = ArchiveIterator(handle)
        for record in records:
            if record.rec_type == "response" and is_html(record):
                offsets.append(records.get_record_offset())
            last = records.get_record_offset()  # reads the record to its end
            short = record.raw_stream.limit > 0
        if not short and _is_gzip(handle):
            short = not _gzip_members_whole(handle, last)
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


def is_html(record: Any) -> bool:
    """A response record of an HTML page that was served (status 200): what a batch audits."""
    headers = record.http_headers
    if headers is None:
        return False
    status = (headers.get_statuscode() or "").strip()
    mime = (headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    return status == "200" and mime in ("", "text/html", "application/xhtml+xml")


def pages(name: str, start: int, count: int, max_bytes: int) -> Iterator[Page]:
    """(url, body, charset, facts) for `count` HTML responses from byte `start`; body None with the error in the
    facts for a page that cannot be audited (cut short, too large)."""
    from warcio.archiveiterator import ArchiveIterator

    with remote.open_input(name) as handle:
        handle.seek(start)
        taken = 0
        for record in ArchiveIterator(handle):
            if taken >= count:
                break
            if record.rec_type != "response" or not is_html(record):
                continue
            taken += 1
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            mime = record.http_headers.get_header("Content-Type") or ""
            charset = mime.split("charset=", 1)[1].split(";")[0].strip(" \"'") if "charset=" in mime else None
            body = record.content_stream().read(max_bytes + 1)
            facts = {"status": 200, "date": record.rec_headers.get_header("WARC-Date"), "warc": name}
            if len(body) <= max_bytes and record.raw_stream.limit > 0:
                # the file ends inside this record: half a page would be audited as if it were the page
                yield url, None, None, {**facts, "error": "the WARC record is truncated (the file ends inside it)"}
                continue
            if len(body) > max_bytes:
                yield url, None, None, {**facts, "error": f"over the {max_bytes:,}-byte limit (max_bytes)"}
                continue
            yield url, body, charset, facts
