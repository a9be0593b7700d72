"""Audit web archives (WARC) or URL lists at scale on a Dask cluster, with the same per-page pipeline.

Inputs are local files or URLs (auditor.remote). Each is surveyed on a worker (what it is, which version, where
its HTML records start), then split into chunks (a run of records of one WARC file, or a slice of a URL list).
Each chunk runs on a worker, audits its pages and writes its files atomically (write, then rename): its page
results as JSON Lines, its pages' MinHash signatures and, if asked, its Parquet tables (auditor.columnar). A
chunk whose files exist is done, so a re-run skips it, and a worker that dies mid-chunk leaves nothing behind:
the chunk runs again elsewhere and writes the same files once. An input that cannot be read, or a chunk that
fails, stops neither the others nor the batch: the run says why at its end and a re-run finishes the rest.

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
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from auditor import remote
from auditor.config import Config
from auditor.errors import AuditError, InputError
from auditor.warcs import Page

PAGES = "pages"
SIGNATURES = "signatures"
PARTITION_SIZE = 200
ATTEMPTS = 3  # times a chunk whose input fails to answer is tried
T = TypeVar("T")


@dataclass(frozen=True)
class Chunk:
    """One unit of work: `count` records of a WARC file from byte `start`, or URLs `start`.. of a list."""

    kind: str  # "warc" or "urls"
    source: str  # a local path or a URL
    start: int
    count: int
    stamp: str = ""  # the version of the source it was planned on (remote.stamp); empty: read it now

    @property
    def key(self) -> str:
        where = self.source if remote.is_remote(self.source) else os.path.abspath(self.source)
        ident = f"{self.kind}:{where}:{self.stamp or remote.stamp(self.source)}:{self.start}:{self.count}"
        return hashlib.sha1(ident.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Survey:
    """What one input is, found on a worker: a WARC file (its HTML records' offsets) or a URL list (its length),
    or why it cannot be read or is cut short."""

    source: str
    kind: str = ""  # "warc", "urls", or "" if it could not be read
    stamp: str = ""
    starts: tuple[int, ...] = ()  # a WARC's HTML records; a URL list's are its line numbers
    problem: str | None = None


def survey(source: str) -> Survey:
    """Read one input on a worker (a remote one is read here, not on the client: thousands of Common Crawl files
    are surveyed in parallel). A problem is returned, not raised, so the other inputs go on."""
    from auditor import warcs

    try:
        stamp = remote.stamp(source)
        if _read(source, warcs.is_warc, source):
            offsets, why = _read(source, warcs.warc_index, source)
            return Survey(source, "warc", stamp, tuple(offsets), why)
        return Survey(source, "urls", stamp, tuple(range(len(_url_list(source)))))
    except InputError as exc:
        return Survey(source, problem=str(exc))


def _read(source: str, read: Callable[..., T], *args: Any) -> T:
    """`read(*args)`, with what goes wrong reading the input said in one line (`_why_unreadable`)."""
    try:
        return read(*args)
    except AuditError:
        raise
    except Exception as exc:
        raise InputError(f"{source}: {_why_unreadable(source, exc)}") from None


def plan(surveys: Sequence[Survey], partition_size: int = PARTITION_SIZE) -> list[Chunk]:
    """The chunks of a batch: each readable input's HTML records or URLs, `partition_size` at a time."""
    chunks: list[Chunk] = []
    for found in surveys:
        if not found.kind:
            continue
        starts = found.starts
        for i in range(0, len(starts), partition_size):
            count = min(partition_size, len(starts) - i)
            chunks.append(Chunk(found.kind, found.source, starts[i], count, found.stamp))
    return chunks


def _url_list(source: str) -> list[str]:
    try:
        lines = remote.read_bytes(source).decode("utf-8").splitlines()
    except UnicodeDecodeError:
        hint = " (a Common Crawl warc.paths.gz goes to --paths)" if source.endswith("paths.gz") else ""
        raise InputError(f"{source}: neither a WARC file nor a UTF-8 list of URLs{hint}") from None
    urls = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    bad = next((u for u in urls if not u.startswith(("http://", "https://"))), None)
    if bad is not None:
        raise InputError(f"{source}: {bad[:80]!r} is not an http(s) URL (a URL list has one URL a line)")
    return urls


def _pages(chunk: Chunk, config: Config) -> Iterator[Page]:
    """(url, body, charset, source facts) for each page of a chunk; body None with the error in the facts."""
    if chunk.kind == "urls":
        from auditor.errors import FetchError
        from auditor.fetch import fetch

        urls = _url_list(chunk.source)[chunk.start : chunk.start + chunk.count]  # read errors: one line
        for url in urls:
            try:
                got = fetch(url, config)
            except FetchError as exc:
                yield url, None, None, {"error": str(exc), "list": chunk.source}
                continue
            yield got.final_url, got.body, got.encoding, {"status": got.status, "list": chunk.source}
        return
    from auditor import warcs

    records = warcs.pages(chunk.source, chunk.start, chunk.count, config.max_bytes)
    try:
        yield from records  # only the reading is guarded: an error of the caller's is not thrown in here
    except AuditError:
        raise
    except Exception as exc:
        raise InputError(f"{chunk.source}: {_why_unreadable(chunk.source, exc)}") from None


def _why_unreadable(source: str, exc: Exception) -> str:
    """Why an input could not be read, in a few words: a remote one's HTTP status or connection failure, or what the
    WARC reader stumbled on in a damaged file (FastWARC raises OSError on a header or a gzip member it cannot
    read), so that one bad input is one line and the others go on."""
    if remote.is_remote(source):
        return remote.reason(exc)
    return f"cannot be read as a WARC file ({type(exc).__name__}: {str(exc)[:120]})"


def run_chunk(chunk: Chunk, outdir: str, config: Config, parquet: bool = False) -> dict[str, Any]:
    """Audit one chunk on a worker; write its results and signatures (and its Parquet tables); return its counts.
    A chunk is done when its signatures and its results in either format are there."""
    try:
        return _run_chunk(chunk, outdir, config, parquet)
    except AuditError as exc:
        # returned, not raised: a task's error is logged by its Dask worker with a traceback, and this one (a remote
        # file that stopped answering, say) is the user's to read in one line from the client, which retries it
        return {"key": None, "skipped": False, "pages": 0, "errors": 0, "failed": str(exc)}


def _run_chunk(chunk: Chunk, outdir: str, config: Config, parquet: bool) -> dict[str, Any]:
    import numpy

    from auditor import columnar
    from auditor.contract import compact, error_result, to_dict
    from auditor.neardup import NUM_PERM, scheme, signatures
    from auditor.pipeline import audit_html
    from auditor.textmodel import main_text_of

    key = chunk.key
    out = Path(outdir)
    pages_file, sig_file = out / PAGES / f"part-{key}.jsonl", out / SIGNATURES / f"part-{key}.npz"
    # (signatures made another way, by an earlier version, do not compare with this run's: the chunk runs again)
    if _scheme_of(sig_file) == scheme() and (pages_file.exists() or columnar.complete(out, key)):
        if parquet and not columnar.complete(out, key):
            # done by a run without --parquet (or one that died before its tables): they are made from its JSON
            # Lines, which were written first, and nothing is audited again
            columnar.write_chunk(out, key, pages_file.read_bytes().splitlines())
        return {"key": key, "skipped": True}
    lines: list[bytes] = []
    texts: dict[str, str] = {}
    errors = 0
    for url, body, charset, facts in _pages(chunk, config):
        with _COLLECTOR.paused():
            error = facts.pop("error", None)
            if body is not None:
                try:
                    result = audit_html(body, url, config, encoding=charset)
                except AuditError as exc:
                    error = str(exc)
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
    numpy.savez(
        buffer,
        urls=numpy.array(urls, dtype=object),
        values=values.reshape(len(urls), NUM_PERM),
        scheme=numpy.array(scheme()),
    )
    _write_atomically(sig_file, buffer.getvalue())
    _write_atomically(pages_file, b"\n".join(lines) + b"\n" if lines else b"")
    if parquet:
        columnar.write_chunk(out, key, lines)
    return {"key": key, "skipped": False, "pages": len(lines), "errors": errors}


class _Collector:
    """The cycle collector waits while a page is audited and written (not while it is fetched: httpx's objects
    make cycles): each page allocates enough to start collections that walk the worker's whole heap (Dask's and
    scikit-learn's objects), and makes next to no cycles itself (the corpus: 2.26x trafilatura paused against
    2.12x not, `python -m benchmarks.audit`; a batch worker spent 0.44 ms a page in collections when it resumed
    between the audit and the writing). A worker may run several chunks at once in threads (`dask worker` runs a
    thread a core) and may be someone else's process: the first page paused notes whether the collector ran, and
    the last one done resumes it so."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages = 0
        self._resume = False

    @contextmanager
    def paused(self) -> Iterator[None]:
        with self._lock:
            if self._pages == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._pages += 1
        try:
            yield
        finally:
            with self._lock:
                self._pages -= 1
                if self._pages == 0 and self._resume:
                    gc.enable()


_COLLECTOR = _Collector()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# -- near-duplicates, distributed ----------------------------------------------------------------------------


def _scheme_of(sig_file: Path) -> str | None:
    """How the signatures of a chunk's file were made (`neardup.scheme`), or None if there is no such file or it
    does not say (written by an earlier version)."""
    import numpy

    if not sig_file.exists():
        return None
    with numpy.load(sig_file, allow_pickle=True) as data:
        return str(data["scheme"]) if "scheme" in data.files else None


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
    """Pairs of one LSH bucket whose MinHash similarity reaches the threshold: enough of them to join every group
    the bucket holds, not every pair. Pages with equal signatures (the same text under other URLs, a syndicated
    story) are chained to the first of them, then each distinct signature is compared with the later ones in one
    vectorised step: a bucket of a hundred copies of a page gave five thousand pairs, each compared on its own, in
    every band."""
    import numpy

    urls_of: dict[bytes, set[str]] = {}
    for url, raw in members:
        urls_of.setdefault(raw, set()).add(url)
    found: list[tuple[str, str, float]] = []
    firsts: list[str] = []
    for urls in urls_of.values():
        ordered = sorted(urls)
        firsts.append(ordered[0])
        found.extend((ordered[0], other, 1.0) for other in ordered[1:])
    order = sorted(range(len(firsts)), key=firsts.__getitem__)  # a pair's first URL sorts first, as `distinct` needs
    raws = list(urls_of)
    values = numpy.frombuffer(b"".join(raws[i] for i in order), dtype=numpy.uint64).reshape(len(order), -1)
    for i in range(len(order) - 1):
        similarity = (values[i + 1 :] == values[i]).mean(axis=1)
        for j in numpy.flatnonzero(similarity >= threshold):
            found.append((firsts[order[i]], firsts[order[i + 1 + j]], round(float(similarity[j]), 3)))
    return found


def near_duplicates(client: Any, outdir: Path, threshold: float) -> list[list[str]]:
    """Groups of near-duplicate pages across the batch, computed on the cluster from the signature files."""
    import dask.bag as db
    from datasketch import MinHashLSH

    from auditor.neardup import LSH_MARGIN, NUM_PERM, connected, scheme

    files = sorted(str(p) for p in (outdir / SIGNATURES).glob("part-*.npz"))
    if not files:
        return []
    # a file of signatures made another way (left in the folder by an earlier version's batch of other inputs)
    # stops the pass in one line, here rather than in a task, whose error its worker logs with a traceback
    stale = [f for f in files if _scheme_of(Path(f)) != scheme()]
    if stale:
        more = f" and {len(stale) - 1} more" if stale[1:] else ""
        raise InputError(
            f"{stale[0]}{more}: near-duplicate signatures of an earlier version; batch their inputs again into this "
            "folder (their chunks are audited again) or delete them"
        )
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


def _audited(
    client: Any,
    chunks: Sequence[Chunk],
    outdir: str,
    config: Config,
    parquet: bool,
    on_progress: Callable[[int, int], None] | None,
) -> Iterator[dict[str, Any]]:
    """Each chunk's counts as it completes. A chunk that failed (its input stopped answering) goes to the back of
    the queue up to ATTEMPTS times in all, so a passing fault (a 503 from a busy server) costs no re-run. Dask's
    `retries` stay for a task that raises (a full disk, a bug), and Dask runs again a task whose worker died."""
    from dask.distributed import as_completed

    def submit(chunk: Chunk) -> Any:
        return client.submit(run_chunk, chunk, outdir, config, parquet, retries=3, pure=False)

    attempts: dict[str, tuple[Chunk, int]] = {}
    queue = as_completed()
    for chunk in chunks:
        future = submit(chunk)
        attempts[future.key] = (chunk, 1)
        queue.add(future)
    done = 0
    for future in queue:
        counts: dict[str, Any] = future.result()
        chunk, tries = attempts.pop(future.key)
        if counts.get("failed") and tries < ATTEMPTS:
            again = submit(chunk)
            attempts[again.key] = (chunk, tries + 1)
            queue.add(again)
            continue
        done += 1
        if on_progress is not None:
            on_progress(done, len(chunks))
        yield counts


@dataclass
class Summary:
    chunks: int = 0
    skipped: int = 0
    pages: int = 0
    errors: int = 0
    seconds: float = 0.0
    near_duplicate_groups: int = 0
    damaged: list[str] = field(default_factory=list)  # why each damaged WARC file is (truncated, ...)
    unread: list[str] = field(default_factory=list)  # why each input that could not be read was not
    failed: int = 0  # chunks that could not be read to their end (a remote file that stopped answering)
    failures: list[str] = field(default_factory=list)  # why, once per distinct reason


def run(
    inputs: Sequence[str | Path],
    outdir: Path,
    config: Config,
    scheduler: str | None = None,
    workers: int | None = None,
    partition_size: int = PARTITION_SIZE,
    threshold: float = 0.9,
    on_progress: Callable[[int, int], None] | None = None,
    parquet: bool = False,
) -> Summary:
    """Run a batch: survey the inputs and audit every chunk on the cluster, then the batch-wide near-duplicates.
    Inputs are local paths or URLs (auditor.remote); `parquet` adds the Parquet tables (auditor.columnar)."""
    from dask.distributed import Client, LocalCluster

    started = time.monotonic()
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{outdir}: cannot make the results folder ({exc.strerror or exc})") from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, ValueError, TypeError) as exc:  # no scheduler there, or no address a scheduler has
            raise InputError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    else:
        import dask

        # without the workers' statistical profiler: it samples the running task's stack every 10 ms for a
        # dashboard this cluster does not have, and took 5% of a worker's CPU time beside the audit (half without);
        # and with glibc's own trimming of the heap, not Dask's 64 KiB threshold: a worker frees and takes again a
        # page's worth of buffers (the inflated record, its parse tree, the signatures' arrays) for every page, and
        # handing them back to the system at once cost a worker 9% of its pages (4,000 pages: 43.7 pages/s with it,
        # 48.2 without, which holds about 57 MB more). A MALLOC_TRIM_THRESHOLD_ set in the environment still
        # reaches the workers.
        settings = {
            "distributed.worker.profile.enabled": False,
            "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
        }
        with dask.config.set(settings):
            cluster = LocalCluster(
                n_workers=workers or max(1, os.cpu_count() or 1),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
        client = Client(cluster)
    summary = Summary()
    sources = list(dict.fromkeys(str(p) for p in inputs))  # an input named twice is audited once
    try:
        surveys = client.gather(client.map(survey, sources, pure=False))
        summary.damaged = [s.problem for s in surveys if s.kind and s.problem]
        summary.unread = [s.problem for s in surveys if not s.kind and s.problem]
        chunks = plan(surveys, partition_size)
        summary.chunks = len(chunks)
        for counts in _audited(client, chunks, str(outdir.resolve()), config, parquet, on_progress):
            if counts.get("failed"):  # the other chunks go on; what is written stays, and a re-run does the rest
                summary.failed += 1
                if counts["failed"] not in summary.failures:
                    summary.failures.append(counts["failed"])
            elif counts["skipped"]:
                summary.skipped += 1
            else:
                summary.pages += counts["pages"]
                summary.errors += counts["errors"]
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
    _write_atomically(outdir / "batch.json", json.dumps({"inputs": sources, **asdict(summary)}, indent=1).encode())
    problems = [*summary.unread, *summary.damaged, *summary.failures]
    if problems:
        # after the results are written: the pages read are kept, and the run still fails, in one line
        said = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more (batch.json)" if problems[3:] else "")
        if summary.failed:
            said += f"; {summary.failed} of {summary.chunks} chunks failed (run the batch again to finish them)"
        raise InputError(f"{said}; the {summary.pages} pages read ({summary.errors} not audited) are in {outdir}")
    return summary
