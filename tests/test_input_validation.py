"""Hostile input the user hands the auditor: a hand-edited saved result, a wrong configuration value. Each is one
line on stderr naming the file and what is wrong, and exit status 2; never a traceback or an internal error."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor import config
from auditor.cli import main
from auditor.rulefiles import load_rules

from .conftest import SAMPLES

SEED = str(SAMPLES / "seed-like-news.html")
CLEAN = str(SAMPLES / "clean-review.html")
URL = ["--url", "https://railledger.example/news/x/"]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def assert_one_line(code: int, err: str, *needles: str) -> None:
    """Exit status 2 and a single stderr line holding every needle (the file first), no internal error."""
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "internal error" not in err and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err


@pytest.fixture(scope="module")
def page() -> dict[str, Any]:
    """A page result as `auditor audit` saves it: affiliate links, networks, passed rules."""
    code, out, err = invoke("audit", SEED, *URL, "--format", "json")
    assert code in (0, 1), err
    result: dict[str, Any] = json.loads(out)
    assert result["metrics"]["networks"] and result["rules_passed"]
    return result


def edited(page: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """The page with one field set as a hand edit would leave it."""
    result = copy.deepcopy(page)
    inner = result
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = value
    return result


# --- saved results (auditor report, auditor diff) -------------------------------------------------------------


def test_saved_scripts_that_are_not_a_list_are_one_line(tmp_path: Path, page: dict[str, Any]) -> None:
    saved = tmp_path / "bad-scripts.json"
    saved.write_text(json.dumps(edited(page, ("metrics", "auto_affiliate_scripts"), 1)))
    code, _, err = invoke("report", str(saved))
    assert_one_line(code, err, str(saved), "'auto_affiliate_scripts'")


def test_saved_rules_passed_holding_a_list_is_one_line(tmp_path: Path, page: dict[str, Any]) -> None:
    saved = tmp_path / "bad-rules-passed.json"
    saved.write_text(json.dumps(edited(page, ("rules_passed",), [[]])))
    code, _, err = invoke("report", str(saved), "--format", "html", "-o", str(tmp_path / "r.html"))
    assert_one_line(code, err, str(saved), "'rules_passed'", "item 1")
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("path", [("score",), ("metrics", "words_editorial"), ("metrics", "affiliate_links")])
@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_saved_numbers_json_has_not_are_one_line(
    tmp_path: Path, page: dict[str, Any], path: tuple[str, ...], number: str
) -> None:
    saved = tmp_path / "nan-score.json"
    text = json.dumps(edited(page, path, "@@"), indent=2).replace('"@@"', number)
    saved.write_text(text)
    line = text[: text.index(number)].count("\n") + 1
    code, _, err = invoke("report", str(saved), "--format", "html", "-o", str(tmp_path / "r.html"))
    assert_one_line(code, err, str(saved), f"{number} for '{path[-1]}' at line {line}")


@pytest.mark.parametrize("path", [("score",), ("metrics", "words_editorial"), ("metrics", "affiliate_links")])
def test_saved_numbers_too_large_for_a_float_are_one_line(
    tmp_path: Path, page: dict[str, Any], path: tuple[str, ...]
) -> None:
    saved = tmp_path / "huge.json"
    saved.write_text(json.dumps(edited(page, path, "@@")).replace('"@@"', "1e400"))  # json reads it as Infinity
    code, _, err = invoke("report", str(saved), "--format", "html", "-o", str(tmp_path / "r.html"))
    assert_one_line(code, err, str(saved), f"invalid '{path[-1]}' (inf)")


def test_saved_network_count_that_is_null_is_one_line_naming_the_line(tmp_path: Path, page: dict[str, Any]) -> None:
    saved = tmp_path / "bad-networks.jsonl"
    bad = edited(page, ("metrics", "networks"), {"amazon": None})
    saved.write_text(json.dumps(page) + "\n" + json.dumps(bad) + "\n")
    code, _, err = invoke("report", str(saved))
    assert_one_line(code, err, f"{saved}:2:", "'networks'", "'amazon': None")


def test_saved_nan_in_a_json_line_names_the_line(tmp_path: Path, page: dict[str, Any]) -> None:
    saved = tmp_path / "nan.jsonl"
    saved.write_text(json.dumps(page) + "\n" + json.dumps(edited(page, ("score",), float("nan"))) + "\n")
    code, _, err = invoke("report", str(saved))
    assert_one_line(code, err, f"{saved}:2:", "NaN for 'score'")


def test_diff_of_a_nan_score_is_one_line_not_a_nan_change(tmp_path: Path, page: dict[str, Any]) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "case-1.json"
    good.write_text(json.dumps(page))
    bad.write_text(json.dumps(edited(page, ("score",), float("nan"))))
    code, out, err = invoke("diff", str(bad), str(good))
    assert_one_line(code, err, str(bad), "NaN for 'score'")
    assert "nan" not in out


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("metrics", "networks"), ["amazon"], "'networks'"),
        (("metrics", "networks"), {"amazon": "3"}, "'networks'"),
        (("metrics", "auto_affiliate_scripts"), [{"service": "x"}], "'auto_affiliate_scripts'"),
        (("notes",), [None], "'notes'"),
        (("disclosure", "texts"), [1], "'texts'"),
        (("crawl",), 5, "'crawl'"),
    ],
)
def test_saved_fields_the_reports_read_are_checked_by_type(
    tmp_path: Path, page: dict[str, Any], path: tuple[str, ...], value: Any, field: str
) -> None:
    saved = tmp_path / "page.jsonl"
    saved.write_text(json.dumps(edited(page, path, value)) + "\n")
    for args in ((), ("--format", "html", "-o", str(tmp_path / "r.html"))):
        code, _, err = invoke("report", str(saved), *args)
        assert_one_line(code, err, f"{saved}:1:", field)


def test_saved_results_without_the_newer_metrics_still_read(tmp_path: Path, page: dict[str, Any]) -> None:
    """`networks` and `auto_affiliate_scripts` may be left out (results saved before they were added)."""
    older = copy.deepcopy(page)
    del older["metrics"]["networks"], older["metrics"]["auto_affiliate_scripts"]
    older["blocks"][0]["text"] = 'NaN, Infinity and "-Infinity" as words'  # in a string they are only text
    saved = tmp_path / "older.jsonl"
    saved.write_text(json.dumps(older) + "\n")
    code, out, err = invoke("report", str(saved), "--format", "json")
    assert code in (0, 1), err
    assert json.loads(out)["pages"][0]["url"] == page["url"]


# --- configuration ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "option", "value", "needle"),
    [
        ("repetition-faq", "headings", '["("]', "not a valid pattern here: missing )"),
        ("repetition-faq", "headings", '["faq", "(?i)x"]', "not a valid pattern here: global flags"),
        ("repetition-faq", "headings", '["(?i)faq"]', "not a valid pattern here: global flags"),  # fine alone
        ("repetition-faq", "headings", "[5]", "must be a list of str (item 1: 5)"),
        ("repetition-faq", "extent", '"bogus"', "must be one of: paragraph, section"),
        ("repetition-sentence", "near_similarity", "5.0", "must be between 0 and 1"),
        ("repetition-sentence", "near_similarity", "-1.0", "must be between 0 and 1"),
        ("repetition-sentence", "min_words", "-3", "must be a finite number of 0 or more"),
        ("links-density", "max_per_1000_words", "nan", "must be a finite number of 0 or more, not nan"),
        ("links-density", "max_per_1000_words", "inf", "must be a finite number of 0 or more, not inf"),
        ("links-broken", "verdict", '"nonsense"', "must be one of: broken, tag_lost, loop, unverified, healthy"),
        ("content-affiliate-share", "max_share", "nan", "must be between 0 and 1"),
        ("content-off-topic-plug", "ignore", "[1, 2]", "must be a list of str"),
        ("content-off-topic-plug", "story_types", '["gossip"]', "must be one of: news, review"),
        ("site-near-duplicates", "threshold", "5", "must be between 0 and 1"),
        ("site-density-outliers", "k", "-1", "must be a finite number of 0 or more"),
        ("site-repeated-blocks", "kinds", '["adverts"]', "must be one of: editorial, affiliate"),
        ("disclosure-after-link", "placement", '"after"', "must be one of: before_first_affiliate_link"),
        ("links-density", "min_links", "1e3", "must be int"),
    ],
)
def test_bad_rule_option_is_one_line_naming_file_rule_and_option(
    tmp_path: Path, rule: str, option: str, value: str, needle: str
) -> None:
    path = tmp_path / "auditor.toml"
    path.write_text(f"[rules.{rule}]\n{option} = {value}\n", encoding="utf-8")
    code, _, err = invoke("audit", CLEAN, "--config", str(path))
    assert_one_line(code, err, f"{path}: rule {rule}: option '{option}'", needle)


def test_options_given_as_a_table_of_their_own_are_checked_too(tmp_path: Path) -> None:
    # `[rules.links-density.options]` was skipped without a word: its values neither applied nor checked
    path = tmp_path / "auditor.toml"
    path.write_text('[rules.links-density.options]\nmax_per_1000_words = "bogus"\n', encoding="utf-8")
    code, _, err = invoke("audit", CLEAN, "--config", str(path))
    assert_one_line(code, err, str(path), "max_per_1000_words")
    path.write_text("[rules.links-density]\noptions = 5\n", encoding="utf-8")
    code, _, err = invoke("audit", CLEAN, "--config", str(path))
    assert_one_line(code, err, str(path), "rules.links-density.options must be a table")


def test_every_shipped_rule_option_passes_its_own_validation() -> None:
    """The rule files' own values, and values at the edges of what is allowed, load as a configuration."""
    rules = {rule.id: dict(rule.options) for rule in load_rules() if rule.options}
    edges = {
        "repetition-faq": {"extent": "paragraph", "min_coverage": 1, "headings": ["faq|q&a", r"\w+ questions"]},
        "repetition-sentence": {"near_similarity": 0.0, "min_count": 0},
        "links-density": {"max_per_1000_words": 0},
        "links-broken": {"verdict": "healthy"},
        "links-no-sponsored-rel": {"accepted": []},
        "site-near-duplicates": {"threshold": 1},
    }
    for table in (rules, edges):
        loaded = config.from_mapping({"rules": table}, "auditor.toml")
        assert set(loaded.rules) == set(table)


def test_written_out_vocabularies_match_their_sources() -> None:
    from auditor.pagetype import TYPES
    from auditor.resolution import VERDICTS

    assert set(config._CHOICES["verdict"]) == set(VERDICTS)
    assert set(config._CHOICES["story_types"]) == set(TYPES)
