"""Gradient-boosted trees as plain data (`auditor/trees.py`): scored without scikit-learn, equal to it, and a
damaged file refused with one clear error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from auditor import trees
from auditor.errors import ConfigError
from auditor.training import _baseline, _trees
from auditor.trees import TreeModel


def fitted(leaves: int) -> tuple[HistGradientBoostingClassifier, numpy.ndarray]:
    """A model of an interaction no single feature shows (x0 > 0.5 and x1 < 0.3), with noise features."""
    rows = numpy.random.default_rng(7).random((2000, 5))
    labels = (rows[:, 0] > 0.5) & (rows[:, 1] < 0.3)
    model = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=leaves, early_stopping=False, random_state=0)
    return model.fit(rows, labels), rows


@pytest.mark.parametrize("leaves", [2, 5, 8])  # a leaf is a bit of a byte
def test_the_exported_trees_score_as_scikit_learn_does(tmp_path: Path, leaves: int) -> None:
    model, rows = fitted(leaves)
    exported = TreeModel("demo", ("a", "b", "c", "d", "e"), _trees(model), _baseline(model), 0.5)
    (tmp_path / "model.json").write_text(json.dumps(exported.to_json()), encoding="utf-8")
    read = trees.load(tmp_path / "model.json", "demo")
    assert read is not None and read == exported
    probabilities = 1 / (1 + numpy.exp(-read.log_odds(rows)))
    assert numpy.allclose(probabilities, model.predict_proba(rows)[:, 1], atol=1e-9)
    assert read.log_odds(rows[:0]).shape == (0,)
    stump = TreeModel(
        "demo", ("a",), ({"feature": [0], "threshold": [0.0], "left": [-1], "right": [-1], "value": [2]},), 1, 0.5
    )
    assert stump.log_odds(rows[:3, :1]).tolist() == [3.0, 3.0, 3.0]  # a tree that is one leaf


TREE: dict[str, list[Any]] = {
    "feature": [0, 0, 0],
    "threshold": [0.5, 0, 0],
    "left": [1, -1, -1],
    "right": [2, -1, -1],
    "value": [0.0, -1.0, 1.0],
}
MODEL: dict[str, Any] = {"format": trees.FORMAT, "kind": "demo", "baseline": 0, "threshold": 0.5, "features": ["x"]}


def write(path: Path, model: dict[str, Any]) -> None:
    path.write_text(json.dumps(model), encoding="utf-8")  # NaN and Infinity as Python writes them


def nine_leaves() -> dict[str, list[float]]:
    """A chain of 8 splits (nodes 0-7), each with a leaf on its left, the last with one on its right too."""
    left = [8 + n for n in range(8)] + [-1] * 9
    right = [n + 1 for n in range(7)] + [16] + [-1] * 9
    return {"left": left, "right": right, "feature": [0] * 17, "threshold": [0.5] * 17, "value": [0.0] * 17}


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        ({"left": [1, -1]}, "differ in length"),
        ({"feature": [9, 0, 0]}, "points outside"),
        ({"left": [0, -1, -1]}, "points outside"),  # a node that is its own child would never end a walk
        ({"right": [7, -1, -1]}, "points outside"),
        ({"right": [1, -1, -1]}, "not each the child"),  # a graph, not a tree: its paths multiply
        (nine_leaves(), "more than 8 leaves"),
        (  # a split no path reaches (nodes 3-5) would be scored as if it were one
            {name: [*values, 0, 0, 0] for name, values in TREE.items()}
            | {"left": [1, -1, -1, 4, -1, -1], "right": [2, -1, -1, 5, -1, -1]},
            "not each the child",
        ),
        ({"left": [1.0, -1, -1]}, "not a whole number"),
        ({"left": [True, -1, -1]}, "not a whole number"),
        ({"value": [0.0, float("nan"), 1.0]}, "not a finite number"),
        ({"threshold": [float("inf"), 0, 0]}, "not a finite number"),
    ],
)
def test_a_damaged_tree_is_refused_not_walked(tmp_path: Path, damage: dict[str, list[Any]], says: str) -> None:
    write(tmp_path / "model.json", MODEL | {"trees": [TREE | damage]})
    with pytest.raises(ConfigError, match=says):
        trees.load(tmp_path / "model.json", "demo")


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        ({"threshold": 1}, "between 0 and 1"),
        ({"threshold": 0}, "between 0 and 1"),
        ({"baseline": float("inf")}, "not a finite number"),
        ({"baseline": "1"}, "not a finite number"),
        ({"card": []}, "card a table"),
        ({"trees": {"a": 1}}, "cannot read"),
    ],
)
def test_a_damaged_model_is_refused(tmp_path: Path, damage: dict[str, Any], says: str) -> None:
    write(tmp_path / "model.json", MODEL | {"trees": [TREE]} | damage)
    with pytest.raises(ConfigError, match=says):
        trees.load(tmp_path / "model.json", "demo")


def test_a_file_nested_past_the_parser_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "model.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read the demo model"):
        trees.load(tmp_path / "model.json", "demo")


def test_a_model_of_another_format_asks_to_be_retrained(tmp_path: Path) -> None:
    linear = {"format": "auditor/linear-model@1", "kind": "demo", "intercept": 0, "threshold": 0.5, "weights": {}}
    write(tmp_path / "model.json", linear)
    with pytest.raises(ConfigError, match="retrain it with `auditor train`"):
        trees.load(tmp_path / "model.json", "demo")


def test_a_model_this_module_cannot_score_is_refused_when_fitted() -> None:
    """Not only a file: a model fitted with trees of more leaves than a byte holds fails at once."""
    model, _ = fitted(12)
    with pytest.raises(ValueError, match="more than 8 leaves"):
        TreeModel("demo", ("a", "b", "c", "d", "e"), _trees(model), _baseline(model), 0.5)


def test_a_page_of_many_blocks_is_scored_a_part_at_a_time() -> None:
    model, rows = fitted(8)
    exported = TreeModel("demo", ("a", "b", "c", "d", "e"), _trees(model), _baseline(model), 0.5)
    many = numpy.tile(rows, (3, 1))  # 6,000 rows: three parts
    assert len(many) > 2 * trees.ROWS_AT_ONCE
    assert numpy.allclose(exported.log_odds(many), numpy.tile(exported.log_odds(rows), 3))


def test_a_missing_model_is_none_unless_required(tmp_path: Path) -> None:
    assert trees.load(tmp_path / "none.json", "demo", required=False) is None
    with pytest.raises(ConfigError, match="cannot read the demo model"):
        trees.load(tmp_path / "none.json", "demo")
