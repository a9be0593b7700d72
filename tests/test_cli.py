"""The command line: exit codes, formats, output files, rule selection, configuration, the rules command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
