"""Audit web archives (WARC) or URL lists at scale on a Dask cluster, with the same per-page pipeline.

Work is split into chunks (a run of records of one WARC file, or a slice of a URL list). Each chunk runs on a
worker, audits its pages and writes two files atomically (write, then rename): its page results as JSON Lines and
its pages' MinHash signatures. A chunk whose files exist is done, so a re-run skips it, and a worker that dies
mid-chunk leaves nothing behind: the chunk runs again elsewhere and writes the same files once.

Near-duplicates across the whole batch are found where the signatures are: workers cut them into LSH bands,
Dask groups equal bands (a shuffle, no gathering of texts), workers confirm the candidate pairs, and only the
confirmed pairs come back to the client.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from auditor.config import Config
from auditor.errors import AuditError, InputError

PAGES = "pages"
SIGNATURES = "signatures"
PARTITION_SIZE = 200


@dataclass(frozen=True)
class Chunk:
    """One unit of work: `count` records of a WARC file from byte `start`, or URLs `start`.. of a list."""

    kind: str  # "warc" or "urls"
    source: str
    start: int
    count: int

    @property
    def key(self) -> str:
        stat = os.stat(self.source)
        ident = (
            f"{self.kind}:{os.path.abspath(self.source)}:{stat.st_size}:{int(stat.st_mtime)}:{self.start}:{self.count}"
        )
        return hashlib.sha1(ident.encode()).hexdigest()[:16]


def is_warc(path: Path) -> bool:
    """WARC files start with 'WARC/1.'; gzipped ones are one gzip member per record."""
    import gzip

    with path.open("rb") as handle:
        head = handle.read(2)
    if head == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as inflated:
                return inflated.read(7) == b"WARC/1."
        except OSError:
            return False
    with path.open("rb") as handle:
        return handle.read(7) == b"WARC/1."


def html_offsets(path: str) -> list[int]:
    """Offsets of the WARC's HTML response records (runs on a worker: it reads the file once)."""
    return warc_index(path)[0]


def warc_index(path: str) -> tuple[list[int], str | None]:
    """Offsets of the WARC's HTML response records, and why the file is cut short if it is (None if whole).
    warcio reads a truncated file to its end without a word, so the cut is looked for here: a last record with
    fewer bytes than its Content-Length, or a last gzip member without its end."""
    from warcio.archiveiterator import ArchiveIterator

    offsets: list[int] = []
    last, short = 0, False
    with open(path, "rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            if record.rec_type == "response" and _is_html(record):
                offsets.append(records.get_record_offset())
            last = records.get_record_offset()  # reads the record to its end
            short = record.raw_stream.limit > 0
        if not short and _is_gzip(handle):
            short = not _gzip_members_whole(handle, last)
    if short:
        return offsets, f"{path}: truncated (the file ends inside the record at byte {last:,})"
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


def _is_html(record: Any) -> bool:
    headers = record.http_headers
    if headers is None:
        return False
    status = (headers.get_statuscode() or "").strip()
    mime = (headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    return status == "200" and mime in ("", "text/html", "application/xhtml+xml")


def plan(
    inputs: Sequence[Path], index: Callable[[list[str]], list[list[int]]], partition_size: int = PARTITION_SIZE
) -> list[Chunk]:
    """The chunks of a batch; `index` maps WARC paths to their HTML record offsets (on the cluster)."""
    warcs: list[str] = []
    chunks: list[Chunk] = []
    for path in inputs:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        if is_warc(path):
            warcs.append(str(path))
            continue
        urls = _url_list(path)
        chunks.extend(
            Chunk("urls", str(path), i, min(partition_size, len(urls) - i)) for i in range(0, len(urls), partition_size)
        )
    for warc, offsets in zip(warcs, index(warcs), strict=True):
        chunks.extend(
            Chunk("warc", warc, offsets[i], min(partition_size, len(offsets) - i))
            for i in range(0, len(offsets), partition_size)
        )
    return chunks


def _url_list(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{path}: neither a WARC file nor a UTF-8 list of URLs") from None
    urls = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    bad = next((u for u in urls if not u.startswith(("http://", "https://"))), None)
    if bad is not None:
        raise InputError(f"{path}: {bad[:80]!r} is not an http(s) URL (a URL list has one URL a line)")
    return urls


def _pages(chunk: Chunk, config: Config) -> Iterator[tuple[str, bytes | None, str | None, dict[str, Any]]]:
    """(url, body, charset, source facts) for each page of a chunk; body None with the error in the facts."""
    if chunk.kind == "urls":
        from auditor.errors import FetchError
        from auditor.fetch import fetch

        urls = _url_list(Path(chunk.source))[chunk.start : chunk.start + chunk.count]
        for url in urls:
            try:
                got = fetch(url, config)
            except FetchError as exc:
                yield url, None, None, {"error": str(exc)}
                continue
            yield got.final_url, got.body, got.encoding, {"status": got.status}
        return
    from warcio.archiveiterator import ArchiveIterator

    with open(chunk.source, "rb") as handle:
        handle.seek(chunk.start)
        taken = 0
        for record in ArchiveIterator(handle):
            if taken >= chunk.count:
                break
            if record.rec_type != "response" or not _is_html(record):
                continue
            taken += 1
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            mime = record.http_headers.get_header("Content-Type") or ""
            charset = mime.split("charset=", 1)[1].split(";")[0].strip(" \"'") if "charset=" in mime else None
            body = record.content_stream().read(config.max_bytes + 1)
            facts = {"status": 200, "date": record.rec_headers.get_header("WARC-Date"), "warc": chunk.source}
            if len(body) <= config.max_bytes and record.raw_stream.limit > 0:
                # the file ends inside this record: half a page would be audited as if it were the page
                yield url, None, None, {**facts, "error": "the WARC record is truncated (the file ends inside it)"}
                continue
            if len(body) > config.max_bytes:
                yield url, None, None, {**facts, "error": f"over the {config.max_bytes:,}-byte limit (max_bytes)"}
                continue
            yield url, body, charset, facts


def run_chunk(chunk: Chunk, outdir: str, config: Config) -> dict[str, Any]:
    """Audit one chunk on a worker; write its results and signatures; return its counts."""
    import numpy

    from auditor.contract import compact, error_result, to_dict
    from auditor.neardup import NUM_PERM, signatures
    from auditor.pipeline import audit_html
    from auditor.textmodel import main_text_of

    key = chunk.key
    out = Path(outdir)
    pages_file, sig_file = out / PAGES / f"part-{key}.jsonl", out / SIGNATURES / f"part-{key}.npz"
    if pages_file.exists() and sig_file.exists():
        return {"key": key, "skipped": True}
    lines: list[bytes] = []
    texts: dict[str, str] = {}
    errors = 0
    collecting = gc.isenabled()
    for url, body, charset, facts in _pages(chunk, config):
        error = facts.pop("error", None)
        if body is not None:
            # The cycle collector waits while a page is audited (not while it is fetched: httpx's objects make
            # cycles): each page allocates enough to start collections that walk the worker's whole heap (Dask's
            # and scikit-learn's objects), and makes next to no cycles itself (the corpus: 2.26x trafilatura
            # paused against 2.12x not, `python -m benchmarks.audit`). It resumes as it was after each page: a
            # cluster's worker may be someone else's process.
            gc.disable()
            try:
                result = audit_html(body, url, config, encoding=charset)
            except AuditError as exc:
                error = str(exc)
            finally:
                if collecting:
                    gc.enable()
        if error is not None or body is None:
            result = error_result(url, error or "not audited")
            errors += 1
        else:
            texts[url] = main_text_of(result.blocks)
        page = to_dict(result)
        page["crawl"] = facts
        lines.append(compact(page))
    urls = sorted(u for u, t in texts.items() if len(t.split()) >= 30)
    values = numpy.array([s.hashvalues for s in signatures(texts[u] for u in urls)], dtype=numpy.uint64)
    buffer = io.BytesIO()
    # (a chunk with no page long enough to compare, all its URLs failed for instance, has no rows to shape)
    numpy.savez(buffer, urls=numpy.array(urls, dtype=object), values=values.reshape(len(urls), NUM_PERM))
    _write_atomically(sig_file, buffer.getvalue())
    _write_atomically(pages_file, b"\n".join(lines) + b"\n" if lines else b"")
    return {"key": key, "skipped": False, "pages": len(lines), "errors": errors}


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# -- near-duplicates, distributed ----------------------------------------------------------------------------


def bands(sig_file: str, b: int, r: int) -> list[tuple[tuple[int, bytes], tuple[str, bytes]]]:
    """((band number, band digest), (url, signature bytes)) for each page of one signature file."""
    import numpy

    with numpy.load(sig_file, allow_pickle=True) as data:
        urls, values = list(data["urls"]), data["values"]
    out = []
    for url, row in zip(urls, values, strict=True):
        raw = row.tobytes()
        for band in range(b):
            digest = hashlib.blake2b(row[band * r : (band + 1) * r].tobytes(), digest_size=8).digest()
            out.append(((band, digest), (str(url), raw)))
    return out


def confirm(members: Sequence[tuple[str, bytes]], threshold: float) -> list[tuple[str, str, float]]:
    """The pairs of one LSH bucket whose MinHash similarity reaches the threshold."""
    import numpy

    found = []
    unique = sorted(set(members))
    arrays = [numpy.frombuffer(raw, dtype=numpy.uint64) for _, raw in unique]
    for i in range(len(unique)):
        for j in range(i + 1, len(unique)):
            similarity = float(numpy.mean(arrays[i] == arrays[j]))
            if similarity >= threshold:
                found.append((unique[i][0], unique[j][0], round(similarity, 3)))
    return found


def near_duplicates(client: Any, outdir: Path, threshold: float) -> list[list[str]]:
    """Groups of near-duplicate pages across the batch, computed on the cluster from the signature files."""
    import dask.bag as db
    from datasketch import MinHashLSH

    from auditor.neardup import LSH_MARGIN, NUM_PERM, connected

    files = sorted(str(p) for p in (outdir / SIGNATURES).glob("part-*.npz"))
    if not files:
        return []
    lsh = MinHashLSH(threshold=max(0.5, threshold - LSH_MARGIN), num_perm=NUM_PERM)  # its banding parameters
    b, r = lsh.b, lsh.r
    buckets = (
        db.from_sequence(files, npartitions=min(len(files), 64))
        .map(bands, b, r)
        .flatten()
        .foldby(lambda item: item[0], lambda acc, item: [*acc, item[1]], [], lambda x, y: x + y, [])
    )
    pairs = buckets.filter(lambda kv: len(kv[1]) > 1).map(lambda kv: confirm(kv[1], threshold)).flatten()
    confirmed = set(client.compute(pairs.distinct(key=lambda p: (p[0], p[1]))).result())
    return connected((a, b) for a, b, _ in confirmed)


# -- the whole batch -----------------------------------------------------------------------------------------


@dataclass
class Summary:
    chunks: int = 0
    skipped: int = 0
    pages: int = 0
    errors: int = 0
    seconds: float = 0.0
    near_duplicate_groups: int = 0
    damaged: list[str] = field(default_factory=list)  # why each damaged WARC file is (truncated, ...)


def run(
    inputs: Sequence[Path],
    outdir: Path,
    config: Config,
    scheduler: str | None = None,
    workers: int | None = None,
    partition_size: int = PARTITION_SIZE,
    threshold: float = 0.9,
    on_progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """Run a batch: plan, audit every chunk on the cluster, then the batch-wide near-duplicates."""
    from dask.distributed import Client, LocalCluster, as_completed

    started = time.monotonic()
    outdir.mkdir(parents=True, exist_ok=True)
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=workers or max(1, os.cpu_count() or 1),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    summary = Summary()
    try:
        damaged: list[str] = []

        def index(paths: list[str]) -> list[list[int]]:
            found = client.gather(client.map(warc_index, paths, pure=False))
            damaged.extend(why for _, why in found if why is not None)
            return [offsets for offsets, _ in found]

        chunks = plan(inputs, index, partition_size)
        summary.chunks = len(chunks)
        futures = client.map(run_chunk, chunks, outdir=str(outdir.resolve()), config=config, retries=3, pure=False)
        for done, future in enumerate(as_completed(futures), 1):
            counts = future.result()
            if counts["skipped"]:
                summary.skipped += 1
            else:
                summary.pages += counts["pages"]
                summary.errors += counts["errors"]
            if on_progress is not None:
                on_progress(done, len(chunks))
        groups = near_duplicates(client, outdir, threshold)
        summary.near_duplicate_groups = len(groups)
        _write_atomically(
            outdir / "near_duplicates.json", json.dumps({"threshold": threshold, "groups": groups}, indent=1).encode()
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    summary.seconds = round(time.monotonic() - started, 2)
    summary.damaged = damaged
    _write_atomically(
        outdir / "batch.json", json.dumps({"inputs": [str(p) for p in inputs], **asdict(summary)}, indent=1).encode()
    )
    if damaged:
        # after the results are written: the pages before the cut are kept, and the run still fails
        raise InputError(
            f"{'; '.join(damaged)}; the {summary.pages} pages read ({summary.errors} not audited) are in {outdir}"
        )
    return summary
