"""The crawl database and the crawl's processes under attack: a file corrupted in place, an empty file, two
crawlers on one database, a crawl killed or interrupted while its audit workers run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.store import Store

from .sitegen import Site, crawled, serve_site

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def finished_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small finished crawl."""
    return crawled(tmp_path_factory.mktemp("store") / "site.sqlite", articles=40)


def one_error_line(stderr: str, *needles: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and "internal error" not in lines[0], stderr
    for needle in needles:
        assert needle in lines[0], stderr


# -- case 7: a database corrupted in place --------------------------------------------------------------------------


def test_a_database_corrupted_in_place_is_one_clear_error(finished_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "corrupted.sqlite"
    shutil.copy(finished_db, db)
    size = db.stat().st_size
    assert size > 64 * 1024
    with db.open("r+b") as handle:  # the header stays, so the file still looks like SQLite; its pages do not
        handle.seek(8192)
        handle.write(b"\x5a" * (size - 16384))
    runner = CliRunner()
    report = runner.invoke(main, ["report", str(db), "--format", "json"])
    assert report.exit_code == 2, report.output
    one_error_line(report.stderr, str(db), "damaged")
    resumed = runner.invoke(main, ["crawl", "--resume", str(db), "-q"])
    assert resumed.exit_code == 2, resumed.output
    one_error_line(resumed.stderr, str(db), "damaged")


# -- case 11: an empty file is refused before anything is written ---------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"SQLite format 3\x00"], ids=["empty", "header-only"])
def test_resume_of_an_empty_file_refuses_it_and_leaves_it_unchanged(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "empty.sqlite"
    db.write_bytes(content)
    result = CliRunner().invoke(main, ["crawl", "--resume", str(db), "-q"])
    assert result.exit_code == 2, result.output
    one_error_line(result.stderr, str(db), "not a crawl database")
    assert db.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite"]  # no -wal, -shm or lock left behind


def test_an_sqlite_file_that_is_no_crawl_database_is_not_written_to(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as other:
        other.execute("CREATE TABLE notes (body TEXT)")
    other.close()
    before = db.read_bytes()
    result = CliRunner().invoke(main, ["crawl", "--resume", str(db), "-q"])
    assert result.exit_code == 2, result.output
    one_error_line(result.stderr, str(db), "not a crawl database")
    assert db.read_bytes() == before


# -- case 17: one crawler per database ------------------------------------------------------------------------------


def slow_crawl(base: str, db: Path, tag: str, workers: int = 0, **popen: object) -> subprocess.Popen[str]:
    """A crawl that runs for many seconds (a page every 0.2 s), as a process tagged in its environment."""
    args = [
        *(sys.executable, "-m", "auditor", "crawl", base + "/", "--db", str(db), "--delay", "0.2"),
        *("--concurrency", "2", "--workers", str(workers), "--no-sitemaps", "-q"),
    ]
    env = {**ENV, "CRAWL_TEST_TAG": tag}
    return subprocess.Popen(args, env=env, text=True, **popen)  # type: ignore[call-overload,no-any-return]


def wait_for_pages(db: Path, pages: int, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if db.exists():
            try:
                store = Store.open(db, create=False)
                try:
                    if store.page_count() >= pages:
                        return
                finally:
                    store.close()
            except Exception:  # the crawler is still making the file
                pass
        time.sleep(0.1)
    raise AssertionError(f"{db}: fewer than {pages} pages after {within} s")


def test_a_second_crawl_on_a_running_database_is_refused_and_report_still_reads_it(tmp_path: Path) -> None:
    db = tmp_path / "busy.sqlite"
    with serve_site(Site(articles=500, slow=0.0)) as base:
        first = slow_crawl(base, db, str(db), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_pages(db, 3)
            before = Store.open(db, create=False)
            counts = before.counts()
            before.close()
            for second in (["--resume", str(db)], [base + "/", "--db", str(db), "--force"]):
                run = subprocess.run(
                    [sys.executable, "-m", "auditor", "crawl", *second, "-q"],
                    env=ENV,
                    capture_output=True,
                    text=True,
                    timeout=20,
                    check=False,
                )
                assert run.returncode == 2, run.stderr
                one_error_line(run.stderr, str(db), "another crawl")
            assert db.exists() and first.poll() is None  # --force did not delete the database under the crawl
            report = subprocess.run(
                [sys.executable, "-m", "auditor", "report", str(db), "--format", "json"],
                env=ENV,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert report.returncode == 0, report.stderr
            assert '"pages"' in report.stdout
            after = Store.open(db, create=False)
            assert after.counts().get("done", 0) >= counts.get("done", 0)  # the first crawl went on
            after.close()
        finally:
            first.send_signal(signal.SIGINT)
            first.communicate(timeout=30)
    # the lock went with the crawl that held it
    from auditor.store import CrawlLock

    CrawlLock.take(db).release()


# -- case 10: audit workers die with the crawl ----------------------------------------------------------------------


def tagged(tag: str) -> dict[int, str]:
    """Live processes started under a tagged crawl, each with its state (zombies included, marked Z)."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or f"CRAWL_TEST_TAG={tag}".encode() not in (entry / "environ").read_bytes():
                continue
            found[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, ValueError):  # it ended while we looked
            continue
    return found


def assert_none_tagged(tag: str, what: str, within: float = 5.0) -> None:
    """No process started under the tagged crawl is left, zombies included, once `within` seconds have passed."""
    deadline = time.monotonic() + within
    while tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tagged(tag), f"processes outlived {what}: {tagged(tag)}"


def wait_for_workers(tag: str, crawl: int, workers: int, within: float = 30.0) -> None:
    """Until the crawl, its fork server and its audit workers all run."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if len([pid for pid, state in tagged(tag).items() if pid != crawl and state != "Z"]) >= workers + 1:
            return
        time.sleep(0.1)
    raise AssertionError(f"the crawl did not start {workers} audit workers: {tagged(tag)}")


@pytest.fixture
def site_base() -> Iterator[str]:
    with serve_site(Site(articles=500, slow=0.0)) as base:
        yield base


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds processes through /proc")
def test_a_killed_crawl_takes_its_workers_along_and_frees_its_pipes(site_base: str, tmp_path: Path) -> None:
    """A supervisor kills the crawl and reads its pipes to the end before it reaps it: while the crawl is an
    unreaped zombie, nothing it started may keep the pipes open, and nothing complains about leaks."""
    db = tmp_path / "killed.sqlite"
    tag = str(db)
    crawl = slow_crawl(site_base, db, tag, workers=2, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_workers(tag, crawl.pid, 2)
        wait_for_pages(db, 2)
        os.kill(crawl.pid, signal.SIGKILL)
        time.sleep(0.2)
        # not reaped: communicate reads the pipes to their end first (a zombie's environment is gone: read its stat)
        assert Path(f"/proc/{crawl.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
        try:
            _, stderr = crawl.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the pipes stayed open after the crawl was killed: {tagged(tag)}") from None
        assert "leaked" not in stderr and "Traceback" not in stderr, stderr
        assert_none_tagged(tag, "their killed crawl")
    finally:
        for pid in tagged(tag):
            os.kill(pid, signal.SIGKILL)
        crawl.kill()
        crawl.wait()


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds processes through /proc")
def test_ctrl_c_on_a_crawl_with_workers_is_one_clean_line(site_base: str, tmp_path: Path) -> None:
    """Ctrl-C in a terminal sends SIGINT to the whole foreground process group: the crawl, its fork server and its
    workers. The user sees one line saying how to resume, no worker's traceback, and no process stays behind."""
    db = tmp_path / "interrupted.sqlite"
    tag = str(db)
    crawl = slow_crawl(
        site_base, db, tag, workers=2, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        wait_for_workers(tag, crawl.pid, 2)
        wait_for_pages(db, 2)
        os.killpg(crawl.pid, signal.SIGINT)
        _, stderr = crawl.communicate(timeout=30)
        assert crawl.returncode == 130, stderr
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert lines == [f"interrupted: resume with  auditor crawl --resume {db}"], stderr
        assert_none_tagged(tag, "the interrupted crawl")
    finally:
        for pid in tagged(tag):
            os.kill(pid, signal.SIGKILL)
        crawl.kill()
        crawl.wait()
