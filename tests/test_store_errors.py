"""A crawl database the auditor cannot use, said in one line that names it and says why: a sound one it cannot open
(a read-only folder, another process's lock) is never called damaged, and a file with the crawl's table names but
other columns, a dropped table or rows the crawl did not write is refused, not met with an internal error."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import store
from auditor.cli import main
from auditor.crawl import Settings

from .sitegen import crawled


@pytest.fixture(scope="module")
def sound_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small finished crawl, with its history."""
    return crawled(tmp_path_factory.mktemp("sound") / "site.sqlite", articles=3)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stderr


def assert_one_error_line(stderr: str, *needles: str, unwanted: tuple[str, ...] = ()) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and "internal error" not in lines[0], stderr
    for needle in needles:
        assert needle in lines[0], stderr
    for word in unwanted:
        assert word not in lines[0], stderr


def commands(db: Path, other: Path) -> dict[str, list[str]]:
    """Every command that opens a crawl database, reading it or writing to it; `other` is a sound one."""
    return {
        "report": ["report", str(db), "--format", "json"],
        "history": ["report", str(db), "--history"],
        "resume": ["crawl", "--resume", str(db), "-q"],
        "diff": ["diff", str(db), str(other)],
    }


# -- defect 4: a sound database that cannot be opened is not damaged ------------------------------------------------


def start_url_of(db: Path) -> str:
    """The site a crawl database holds (a crawl --since it must be of the same site)."""
    with closing(sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)) as sound:
        return Settings.from_json(
            sound.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()[0]
        ).start_url


@contextmanager
def immutable(folder: Path) -> Iterator[None]:
    """The folder made immutable (chattr +i): no file can be made in it, even by root, whom chmod would not stop."""
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {made.stderr.decode(errors='replace').strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.mark.skipif(shutil.which("chattr") is None, reason="makes a folder immutable with chattr")
@pytest.mark.parametrize("command", ["report", "history", "diff", "since"])
def test_a_sound_database_in_a_read_only_folder_is_not_called_damaged(
    sound_db: Path, tmp_path: Path, command: str
) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    db = folder / "c.sqlite"
    shutil.copy(sound_db, db)
    before = db.read_bytes()
    args = {
        **commands(db, sound_db),
        "since": ["crawl", start_url_of(sound_db), "--since", str(db), "--db", str(tmp_path / "new.sqlite"), "-q"],
    }[command]
    with immutable(folder):
        status, stderr = run(*args)
    assert status == 2, stderr
    assert_one_error_line(stderr, str(db), "cannot be opened", "read-only", unwanted=("damaged", "--force"))
    assert db.read_bytes() == before


@contextmanager
def locked(db: Path) -> Iterator[None]:
    """The database held under an exclusive lock by another connection, as a program that never lets go holds it."""
    with closing(sqlite3.connect(db, isolation_level=None)) as holder:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("COMMIT")  # in exclusive locking mode, the lock stays after the transaction
        yield


@pytest.mark.parametrize("command", ["report", "history", "resume", "diff"])
def test_a_database_locked_by_another_process_is_said_to_be_locked(
    sound_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setattr(store, "BUSY_TIMEOUT", 0.2)  # (the real wait outlasts a brief lock: 30 s)
    db = tmp_path / "locked.sqlite"
    shutil.copy(sound_db, db)
    with locked(db):
        status, stderr = run(*commands(db, sound_db)[command])
    assert status == 2, stderr
    assert_one_error_line(stderr, str(db), "locked by another process", unwanted=("damaged", "--force"))
    status, stderr = run("report", str(db), "--format", "json")  # once let go, it reads as it did
    assert status in (0, 1), stderr


# -- defect 11: a file with the crawl's table names but not its tables or rows --------------------------------------


def _crawl_tables_with(db: Path, columns: str) -> None:
    """The database made again as another program's: the crawl's table names, each with these columns."""
    db.unlink()
    with closing(sqlite3.connect(db)) as other:
        for table in ("meta", "pages", "frontier", "fetches"):
            other.execute(f"CREATE TABLE {table} ({columns})")
        other.commit()


def other_columns(db: Path) -> None:
    """The crawl's table names, another program's columns (meta's key and value among them)."""
    _crawl_tables_with(db, "id INTEGER, url TEXT, key TEXT, value TEXT")


def meta_of_another_program(db: Path) -> None:
    """The crawl's table names, none with the columns the crawl reads (not even meta's, which holds the version)."""
    _crawl_tables_with(db, "id INTEGER, k TEXT, v TEXT")


def history_dropped(db: Path) -> None:
    with closing(sqlite3.connect(db)) as tampered:
        tampered.execute("DROP TABLE crawls")


def settings_not_json(db: Path) -> None:
    with closing(sqlite3.connect(db)) as tampered:
        tampered.execute("UPDATE meta SET value = 'not json' WHERE key = 'settings'")
        tampered.commit()


def results_as_text(db: Path) -> None:
    """Each audited page's result a text, where the crawl writes packed bytes."""
    with closing(sqlite3.connect(db)) as tampered:
        tampered.execute("UPDATE pages SET result = 'not packed' WHERE result IS NOT NULL")
        tampered.commit()


def tampered_copy(sound_db: Path, tmp_path: Path, tamper: Callable[[Path], None]) -> tuple[Path, bytes]:
    db = tmp_path / "tampered.sqlite"
    shutil.copy(sound_db, db)
    tamper(db)
    return db, db.read_bytes()


TAMPERED: list[tuple[Callable[[Path], None], tuple[str, ...], tuple[str, ...]]] = [
    # (the change, what the error line says, the commands it is tried with)
    (other_columns, ("not a crawl database", "table frontier has no column"), ("report", "history", "resume", "diff")),
    (history_dropped, ("not a crawl database", "no table crawls"), ("report", "history", "resume", "diff")),
    (meta_of_another_program, ("not a crawl database", "table meta has no column"), ("report", "diff")),
    (settings_not_json, ("its settings are not a crawl's",), ("report", "history", "resume", "diff")),
    (results_as_text, ("damaged", "a stored result cannot be read"), ("report", "diff")),
]


@pytest.mark.parametrize(
    ("tamper", "needles", "command"),
    [(tamper, needles, command) for tamper, needles, commands in TAMPERED for command in commands],
    ids=lambda value: getattr(value, "__name__", None) if callable(value) else None,
)
def test_a_database_tampered_with_is_one_line_and_left_as_it_was(
    sound_db: Path, tmp_path: Path, tamper: Callable[[Path], None], needles: tuple[str, ...], command: str
) -> None:
    """Another program's columns, a history table dropped by hand, settings that are not JSON, a result stored as
    text: each gave an internal error."""
    db, before = tampered_copy(sound_db, tmp_path, tamper)
    status, stderr = run(*commands(db, sound_db)[command])
    assert status == 2, stderr
    assert_one_error_line(stderr, str(db), *needles)
    assert db.read_bytes() == before


def test_the_columns_wanted_follow_the_schema_of_each_version() -> None:
    """Version 1 lacks what the upgrade to 2 adds, version 2 the link checks of 3; each later one has all before."""
    by_version = store._columns_by_version()
    assert set(by_version["1"]) == {"meta", "frontier", "pages", "fetches"}
    assert "etag" not in by_version["1"]["pages"] and "etag" in by_version["2"]["pages"]
    assert set(by_version["3"]) - set(by_version["2"]) == {"link_checks"}
    assert by_version["1"]["frontier"] >= {"seq", "url", "depth", "state"}
