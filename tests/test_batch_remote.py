"""Remote batch inputs, served by a real HTTP server on 127.0.0.1 (never any other address): a WARC read by range
requests gives the results of the same file read locally; a Common Crawl warc.paths.gz is sliced with --skip and
--limit; a remote URL list is fetched; bad remote inputs are one line and a non-zero exit that loses no chunk."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.batch import PAGES, run
from auditor.cli import main
from auditor.config import Config
from auditor.errors import InputError
from auditor.remote import common_crawl_paths

from .localserver import Route, closed_port, send, serve
from .sitegen import Site
from .test_batch import site_pages, write_warc

CRAWL = "/crawl-data/CC-MAIN-TEST"


def cli(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(main, list(args))
    return done.exit_code, done.stdout, done.stderr


def results(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for f in sorted((out / PAGES).glob("*.jsonl")) for line in f.read_text().splitlines()]


def ranged(data: bytes, path: str, log: list[tuple[str, str]], state: dict[str, Any]) -> Route:
    """A file served as a web server or an object store serves it: byte ranges (206) when asked, an ETag. With
    state["down"], a range that does not start at byte 0 gets a 503 (a server that stops answering mid-batch);
    with state["busy"], only the first time it is asked (a passing fault: state["refused"] holds the starts)."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        wanted = handler.headers.get("Range")
        log.append((path, wanted or ""))
        headers = {"Accept-Ranges": "bytes", "ETag": f'"{hashlib.sha1(data).hexdigest()[:12]}"'}
        if wanted is None:
            send(handler, 200, data, "application/octet-stream", headers)
            return
        first, _, last = wanted.removeprefix("bytes=").partition("-")
        start, end = int(first), min(int(last) if last else len(data) - 1, len(data) - 1)
        if start > 0 and (state["down"] or (state["busy"] and (path, start) not in state["refused"])):
            state["refused"].add((path, start))
            send(handler, 503, b"slow down", "text/plain")
        elif start >= len(data):
            send(handler, 416, b"", "text/plain", {"Content-Range": f"bytes */{len(data)}"})
        else:
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            send(handler, 206, data[start : end + 1], "application/octet-stream", headers)

    return answer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("remote")
    site = Site(articles=40)
    files: dict[str, bytes] = {}
    for name, numbers in (("zero", [31, 32]), ("one", list(range(1, 21))), ("two", [21, 22, 23]), ("three", [33])):
        write_warc(folder / f"{name}.warc.gz", site_pages(numbers))
        files[f"{CRAWL}/segments/1/warc/{name}.warc.gz"] = (folder / f"{name}.warc.gz").read_bytes()
    listed = "\n".join(f"crawl-data/CC-MAIN-TEST/segments/1/warc/{n}.warc.gz" for n in ("zero", "two", "three"))
    files[f"{CRAWL}/warc.paths.gz"] = gzip.compress(listed.encode() + b"\n")
    files["/files/flaky.warc.gz"] = files[f"{CRAWL}/segments/1/warc/one.warc.gz"]
    files["/files/picture.png"] = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8  # neither a WARC nor a list
    log: list[tuple[str, str]] = []
    state: dict[str, Any] = {"down": False, "busy": False, "refused": set()}
    routes: dict[str, Route] = {path: ranged(data, path, log, state) for path, data in files.items()}
    for n in (36, 37):
        routes[f"/articles/{n}"] = lambda handler, n=n: send(handler, 200, site.article(n))
    with serve(routes) as base:
        listing = f"{base}/articles/36\n{base}/articles/37\n".encode()
        routes["/lists/urls.txt"] = ranged(listing, "/lists/urls.txt", log, state)
        yield {"base": base, "folder": folder, "log": log, "state": state}


def test_a_remote_warc_gives_the_results_of_the_local_file(server: dict[str, Any], tmp_path: Path) -> None:
    local = server["folder"] / "one.warc.gz"
    url = f"{server['base']}{CRAWL}/segments/1/warc/one.warc.gz"
    server["log"].clear()
    summary = run([local, url], tmp_path / "out", Config(), workers=2, partition_size=6)
    by_source: dict[str, dict[str, dict[str, Any]]] = {}
    for page in results(tmp_path / "out"):
        by_source.setdefault(page["crawl"].pop("warc"), {})[page["url"]] = page
    assert set(by_source) == {str(local), url}
    assert len(by_source[url]) == 20 and summary.errors == 0 and summary.chunks == 8  # 4 chunks of each
    assert by_source[url] == by_source[str(local)]
    # read in pieces: the chunks after the first asked for the bytes from their own first record on
    ranges = [wanted for path, wanted in server["log"] if path.endswith("one.warc.gz") and wanted]
    assert any(not wanted.startswith("bytes=0-") for wanted in ranges), ranges


def test_a_common_crawl_slice_and_a_remote_url_list(server: dict[str, Any], tmp_path: Path) -> None:
    base, out = server["base"], tmp_path / "out"
    server["log"].clear()
    paths = f"{base}{CRAWL}/warc.paths.gz"
    code, stdout, err = cli(
        "batch", f"{base}/lists/urls.txt", "--paths", paths, "--base", base + "/", "--skip", "1", "--limit", "1",
        "-o", str(out), "--workers", "1", "--parquet", "-q",
    )  # fmt: skip
    assert code == 0, err
    assert "5 pages audited (0 not)" in stdout
    pages = {p["url"]: p["crawl"] for p in results(out)}
    two = f"{base}{CRAWL}/segments/1/warc/two.warc.gz"
    assert {url: crawl.get("warc") or crawl["list"] for url, crawl in pages.items()} == {
        **{f"https://kettles.example/articles/{n}": two for n in (21, 22, 23)},
        **{f"{base}/articles/{n}": f"{base}/lists/urls.txt" for n in (36, 37)},
    }
    read = {path for path, _ in server["log"]}
    assert not any(path.endswith(("zero.warc.gz", "three.warc.gz")) for path in read)  # skipped, past the limit
    import pyarrow.parquet as pq

    sources = pq.read_table(out / "parquet" / "pages", columns=["source"]).column("source").to_pylist()
    assert sorted(sources) == sorted([two] * 3 + [f"{base}/lists/urls.txt"] * 2)


def test_bad_remote_inputs_are_one_line_and_lose_no_chunk(server: dict[str, Any], tmp_path: Path) -> None:
    base, out = server["base"], tmp_path / "out"
    good = f"{base}{CRAWL}/segments/1/warc/two.warc.gz"
    assert cli("batch", good, "-o", str(out), "--workers", "1", "-q")[0] == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("part-*")}
    assert len(before) == 2  # its one chunk: pages and signatures
    missing, refused = f"{base}/files/missing.warc.gz", f"http://127.0.0.1:{closed_port()}/x.warc.gz"
    code, _, err = cli("batch", good, missing, refused, f"{base}/files/picture.png", "-o", str(out), "-q")
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith("error: ") and "Traceback" not in err and "internal error" not in err
    assert f"{missing}: HTTP 404" in err
    assert f"{refused}: cannot connect" in err
    assert f"{base}/files/picture.png: neither a WARC file nor a UTF-8 list of URLs" in err
    assert {p: p.stat().st_mtime_ns for p in out.rglob("part-*")} == before


def test_a_server_that_stops_answering_mid_batch_loses_no_finished_chunk(
    server: dict[str, Any], tmp_path: Path
) -> None:
    url, out = f"{server['base']}/files/flaky.warc.gz", tmp_path / "out"
    server["state"]["down"] = True  # the survey and the first chunk read from byte 0; the other chunks cannot
    try:
        with pytest.raises(InputError) as failed:
            run([url], out, Config(), workers=1, partition_size=6)
    finally:
        server["state"]["down"] = False
    said = str(failed.value)
    assert f"{url}: HTTP 503" in said and "3 of 4 chunks failed" in said and "\n" not in said
    done = {p: p.stat().st_mtime_ns for p in (out / PAGES).glob("*.jsonl")}
    assert len(done) == 1 and len(results(out)) == 6
    summary = run([url], out, Config(), workers=1, partition_size=6)  # the server is back: the rest, once
    assert (summary.skipped, summary.pages) == (1, 14)
    assert {p: p.stat().st_mtime_ns for p in done} == done
    urls = [p["url"] for p in results(out)]
    assert len(urls) == len(set(urls)) == 20


def test_a_passing_fault_is_tried_again(server: dict[str, Any], tmp_path: Path) -> None:
    url, out = f"{server['base']}/files/flaky.warc.gz", tmp_path / "out"
    server["log"].clear()
    server["state"]["refused"].clear()
    server["state"]["busy"] = True  # each chunk's first request after byte 0 gets a 503, the next one is answered
    try:
        summary = run([url], out, Config(), workers=1, partition_size=6)
    finally:
        server["state"]["busy"] = False
    assert (summary.failed, summary.pages, summary.chunks) == (0, 20, 4)
    asked = [wanted for path, wanted in server["log"] if path == "/files/flaky.warc.gz" and wanted]
    later = [wanted for wanted in asked if not wanted.startswith("bytes=0-")]
    assert len(later) == 2 * len(set(later)) == 6, later  # the 3 chunks after the first: each refused, then read


def test_common_crawl_paths(tmp_path: Path) -> None:
    listing = tmp_path / "warc.paths.gz"
    listing.write_bytes(gzip.compress(b"crawl-data/C/a.warc.gz\ncrawl-data/C/b.warc.gz\ncrawl-data/C/c.warc.gz\n"))
    assert common_crawl_paths(str(listing), "https://data.commoncrawl.org/", 1, 1) == [
        "https://data.commoncrawl.org/crawl-data/C/b.warc.gz"
    ]
    assert common_crawl_paths(str(listing), "/mirror", 2) == ["/mirror/crawl-data/C/c.warc.gz"]
    with pytest.raises(InputError, match="leaves none"):
        common_crawl_paths(str(listing), "/mirror", 3)
    wet = tmp_path / "wet.paths.gz"
    wet.write_bytes(gzip.compress(b"crawl-data/C/a.warc.wet.gz\n"))
    with pytest.raises(InputError, match="WET and WAT files hold no HTML"):
        common_crawl_paths(str(wet))


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--limit", "2"), "give --paths"),
        (("--base", "https://example.org/"), "give --paths"),
        ((), "nothing to audit"),
        (("--paths", "{missing}"), "no such file"),
    ],
)
def test_batch_options_misused_are_one_line(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    filled = [a.replace("{missing}", str(tmp_path / "none.paths.gz")) for a in args]
    code, _, err = cli("batch", "-o", str(tmp_path / "out"), *filled)
    assert code == 2 and len(err.splitlines()) == 1 and needle in err, err
