"""The command line: exit codes, formats, output files, rule selection, configuration, the rules command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from auditor.cli import main

from .conftest import SAMPLES

SEED = str(SAMPLES / "seed-like-news.html")
CLEAN = str(SAMPLES / "clean-review.html")
URL = ["--url", "https://railledger.example/news/x/"]


def invoke(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_exit_codes_follow_fail_on() -> None:
    assert invoke("audit", SEED, *URL)[0] == 1
    assert invoke("audit", CLEAN, *URL)[0] == 0
    assert invoke("audit", CLEAN, *URL, "--fail-on", "info")[0] == 1
    assert invoke("audit", SEED, *URL, "--ignore", "disclosure")[0] == 0
    assert invoke("audit", SEED, *URL, "--ignore", "disclosure", "--fail-on", "warning")[0] == 1


def test_text_output_names_the_findings() -> None:
    code, out, _ = invoke("audit", SEED, *URL)
    assert code == 1
    for rule in ("disclosure-after-link", "repetition-disclosure", "content-off-topic-plug"):
        assert rule in out
    assert "score" in out


def test_select_limits_the_rules() -> None:
    code, out, _ = invoke("audit", SEED, *URL, "--format", "json", "--select", "repetition")
    page = json.loads(out)
    assert {f["rule"].split("-")[0] for f in page["findings"]} == {"repetition"}
    assert code == 0  # repetition findings are warnings and info


def test_unknown_select_prefix_suggests_a_rule() -> None:
    code, _, err = invoke("audit", SEED, "--select", "disclosure-misisng")
    assert code == 2
    assert "disclosure-missing" in err


def test_stdin_with_url() -> None:
    data = Path(SEED).read_bytes()
    code, out, _ = invoke("audit", "-", *URL, "--format", "json", input=data)
    assert code == 1
    assert json.loads(out)["metrics"]["affiliate_links"] == 4


def test_output_file_is_not_overwritten_without_force(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    assert invoke("audit", CLEAN, *URL, "--format", "json", "-o", str(target))[0] == 0
    first = target.read_text()
    assert json.loads(first)["schema"] == "auditor/page@1"
    code, _, err = invoke("audit", SEED, *URL, "--format", "json", "-o", str(target))
    assert code == 2 and "--force" in err
    assert target.read_text() == first
    assert invoke("audit", SEED, *URL, "--format", "json", "-o", str(target), "--force")[0] == 1
    assert json.loads(target.read_text())["metrics"]["affiliate_links"] == 4


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = invoke("audit", CLEAN, "-o", str(tmp_path / "no" / "such" / "dir" / "r.json"))
    assert code == 2
    assert err.startswith("error: cannot write")


def test_csv_output_has_a_row_per_finding() -> None:
    _, out, _ = invoke("audit", SEED, *URL, "--format", "csv")
    rows = out.strip().splitlines()
    assert rows[0].startswith("url,score")
    page = json.loads(invoke("audit", SEED, *URL, "--format", "json")[1])
    assert len(rows) == 1 + len(page["findings"])


def test_config_file_changes_severity_and_options(tmp_path: Path) -> None:
    config = tmp_path / "auditor.toml"
    config.write_text(
        'fail_on = "warning"\n[rules.disclosure-after-link]\nseverity = "warning"\n'
        "[rules.repetition-disclosure]\nmin_count = 20\n"
    )
    code, out, _ = invoke("audit", SEED, *URL, "--format", "json", "--config", str(config))
    page = json.loads(out)
    after = [f for f in page["findings"] if f["rule"] == "disclosure-after-link"]
    assert after and after[0]["severity"] == "warning"
    assert not [f for f in page["findings"] if f["rule"] == "repetition-disclosure"]
    assert code == 1


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('fail_onn = "error"\n', "did you mean 'fail_on'"),
        ('fail_on = "fatal"\n', "fail_on must be one of"),
        ("[rules.disclosure-mising]\nseverity = 'info'\n", "did you mean 'disclosure-missing'"),
        ("[rules.links-density]\nmax_per_1000_word = 5\n", "did you mean 'max_per_1000_words'"),
        ("[rules.links-density]\nmax_per_1000_words = 'many'\n", "must be float"),
        ("select = ['nope']\n", "no rule matches 'nope'"),
        ("this is not toml", "invalid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, needle: str) -> None:
    config = tmp_path / "auditor.toml"
    config.write_text(text)
    code, _, err = invoke("audit", CLEAN, "--config", str(config))
    assert code == 2
    assert needle in err, err
    assert len(err.strip().splitlines()) == 1


def test_pyproject_tool_section_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.auditor]\nignore = ["disclosure", "links"]\n')
    monkeypatch.chdir(tmp_path)
    assert invoke("audit", SEED, *URL)[0] == 0


def test_rules_lists_and_explains() -> None:
    code, out, _ = invoke("rules")
    assert code == 0
    assert "disclosure-after-link" in out and "repetition-faq" in out
    code, out, _ = invoke("rules", "disclosure-after-link")
    assert code == 0
    assert "Example 21" in out and "Sources:" in out
    code, out, _ = invoke("rules", "--format", "json")
    assert {r["id"] for r in json.loads(out)} >= {"disclosure-missing", "links-density"}
    assert invoke("rules", "discloser")[0] == 2


def test_python_dash_m_and_version() -> None:
    done = subprocess.run([sys.executable, "-m", "auditor", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "auditor" in done.stdout


# Several targets: one result each, the worst exit status, failures reported without stopping the others.

SAMPLE_FILES = sorted(str(p) for p in SAMPLES.glob("*.html"))


def as_url(path: str) -> str:
    return Path(path).resolve().as_uri()


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_many_files_give_one_result_each_and_the_worst_status() -> None:
    assert invoke("audit", CLEAN)[0] == 0 and invoke("audit", SEED)[0] == 1
    code, out, err = invoke("audit", CLEAN, SEED)
    assert code == 1 and not err
    assert out.index(as_url(CLEAN)) < out.index(as_url(SEED))
    assert out.count("rules passed") == 2
    assert invoke("audit", CLEAN, CLEAN)[0] == 0


def test_a_quoted_glob_is_expanded_to_every_match() -> None:
    code, out, _ = invoke("audit", str(SAMPLES / "*.html"), "--format", "json")
    assert [page["url"] for page in json_lines(out)] == [as_url(f) for f in SAMPLE_FILES]
    assert code == max(invoke("audit", f)[0] for f in SAMPLE_FILES)


def test_a_double_star_glob_reaches_into_subfolders(tmp_path: Path) -> None:
    nested = tmp_path / "site" / "reviews" / "kettles"
    nested.mkdir(parents=True)
    (tmp_path / "site" / "index.html").write_bytes(Path(CLEAN).read_bytes())
    (nested / "best.html").write_bytes(Path(SEED).read_bytes())
    (nested / "notes.txt").write_text("not a page")
    code, out, _ = invoke("audit", str(tmp_path / "site" / "**" / "*.html"), "--format", "json")
    assert sorted(page["url"] for page in json_lines(out)) == sorted(
        (tmp_path / "site" / name).as_uri() for name in ("index.html", "reviews/kettles/best.html")
    )
    assert code == 1


def test_a_file_whose_name_looks_like_a_glob_is_one_target(tmp_path: Path) -> None:
    page = tmp_path / "page[1].html"
    page.write_bytes(Path(CLEAN).read_bytes())
    code, out, _ = invoke("audit", str(page), "--format", "json")
    assert code == 0
    assert json.loads(out)["url"] == page.as_uri()  # one page: one JSON document, as before


def test_json_for_many_is_json_lines_and_for_one_unchanged() -> None:
    _, out, _ = invoke("audit", CLEAN, SEED, "--format", "json")
    lines = out.splitlines()
    assert len(lines) == 2
    assert [page["schema"] for page in json_lines(out)] == ["auditor/page@1"] * 2
    _, one, _ = invoke("audit", CLEAN, "--format", "json")
    assert one.startswith("{\n") and json.loads(one) == json_lines(out)[0]
    assert "JSON Lines" in invoke("audit", "--help")[1]


def test_a_missing_file_among_good_ones_is_reported_and_exits_2(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.html")
    code, out, err = invoke("audit", CLEAN, missing, SEED, "--format", "json")
    assert code == 2
    pages = json_lines(out)
    assert [page["url"] for page in pages] == [as_url(CLEAN), missing, as_url(SEED)]
    assert [page["error"] for page in pages] == [None, "no such file", None]
    assert err.splitlines() == [f"error: {missing}: no such file"]
    code, out, _ = invoke("audit", CLEAN, missing, SEED)
    assert code == 2
    assert as_url(CLEAN) in out and as_url(SEED) in out and missing in out


def test_a_glob_matching_nothing_is_one_error_line(tmp_path: Path) -> None:
    pattern = str(tmp_path / "*.html")
    code, out, err = invoke("audit", CLEAN, pattern)
    assert code == 2 and not out
    assert err.splitlines() == [f"error: {pattern}: no file matches this pattern"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [((CLEAN, SEED, *URL), "--url"), ((CLEAN, "-"), "stdin"), ((str(SAMPLES / "*.html"), *URL), "--url")],
)
def test_what_only_one_target_can_take_is_refused_with_several(args: tuple[str, ...], needle: str) -> None:
    code, out, err = invoke("audit", *args, input=b"<p>x</p>")
    assert code == 2 and not out
    assert len(err.splitlines()) == 1 and needle in err


def test_csv_for_many_has_every_pages_rows() -> None:
    _, out, _ = invoke("audit", CLEAN, SEED, "--format", "csv")
    rows = out.strip().splitlines()
    assert rows[0].startswith("url,score")
    singles = [invoke("audit", f, "--format", "csv")[1].strip().splitlines()[1:] for f in (CLEAN, SEED)]
    assert rows[1:] == singles[0] + singles[1]


def test_html_for_many_is_one_report_over_the_pages(tmp_path: Path) -> None:
    report = tmp_path / "pages.html"
    code, _, err = invoke("audit", CLEAN, SEED, "--format", "html", "-o", str(report))
    assert code == 1 and not err
    html = report.read_text(encoding="utf-8")
    assert as_url(CLEAN) in html and as_url(SEED) in html
    code, _, err = invoke("audit", str(tmp_path / "a.html"), str(tmp_path / "b.html"), "--format", "html")
    assert code == 2 and err.splitlines()[-1] == "error: no page could be audited, so there is no report to write"


def test_an_existing_output_file_is_refused_before_auditing(tmp_path: Path) -> None:
    target = tmp_path / "results.jsonl"
    target.write_text("keep")
    code, _, err = invoke("audit", CLEAN, SEED, "--format", "json", "-o", str(target))
    assert code == 2 and "--force" in err
    assert target.read_text() == "keep"
    assert invoke("audit", CLEAN, SEED, "--format", "json", "-o", str(target), "--force")[0] == 1
    assert len(target.read_text().splitlines()) == 2


# Help: every command shows an example and its exit codes, every option says what it does, no summary is cut.

COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_help_has_an_example_and_the_exit_codes(command: str) -> None:
    code, out, _ = invoke(*([command] if command else []), "--help")
    assert code == 0
    assert "Example" in out and "Exit" in out
    exits = out[out.index("Exit") :]
    assert re.search(r"^\s+0\s+\S", exits, re.M) and re.search(r"^\s+2\s+\S", exits, re.M)


def test_every_option_has_help() -> None:
    missing = [
        f"{name or 'auditor'} {param.opts[0]}"
        for name, command in [("", main), *main.commands.items()]
        for param in command.params
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    assert not missing


def test_no_command_summary_is_cut_off() -> None:
    _, out, _ = invoke("--help")
    listing = out[out.index("Commands:") :].split("\n\n")[0].splitlines()[1:]
    assert len(listing) == len(COMMANDS)
    assert not [line for line in listing if line.rstrip().endswith("...")]
