"""Fitted gradient-boosted trees as plain data: for each tree its split features, thresholds, children and leaf
values, with a baseline, a verdict's threshold and a card of their data and out-of-sample figures. Shipped as JSON
(never a pickle) and scored with numpy, all trees and all of a page's rows at once, so that an audit needs no
scikit-learn; `training` fits them with scikit-learn's histogram gradient boosting."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from auditor.errors import ConfigError
from auditor.linear import stamp

if TYPE_CHECKING:
    import numpy

FORMAT = "auditor/tree-model@1"
ROWS_AT_ONCE = 2048
"""Rows scored together: each costs a test per split (700 for the block model), so a page of 100,000 paragraphs
is scored a part at a time, in tens of megabytes, not gigabytes."""
NODE_FIELDS = ("feature", "threshold", "left", "right", "value")
"""Per tree, one list of each, one entry per node; a leaf has `left` -1 and its score in `value`. A row goes left
where its feature is at most the threshold. At most 8 leaves a tree."""


@dataclass(frozen=True, slots=True)
class TreeModel:
    kind: str
    features: tuple[str, ...]
    """The columns, in the order the trees' `feature` indexes."""
    trees: tuple[Mapping[str, Sequence[float]], ...]
    baseline: float
    """The log-odds every row starts from; each tree adds its leaf's value."""
    threshold: float
    card: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Every model is checked, read from a file or fitted: a tree this module cannot score, or a number that
        is not one, is refused here (ValueError), not misread on every page."""
        if not (0 < self.threshold < 1) or not math.isfinite(self.baseline) or not isinstance(self.card, Mapping):
            raise ValueError("the threshold lies between 0 and 1, the baseline is a number, the card a table")
        object.__setattr__(self, "trees", tuple(_tree(tree, len(self.features)) for tree in self.trees))

    def log_odds(self, rows: numpy.ndarray) -> numpy.ndarray:
        """Each row's log-odds (rows: one per sample, one column per feature of `features`)."""
        import numpy

        if not self.trees or not len(rows):
            return numpy.full(len(rows), self.baseline)
        splits = _splits(self)
        scores = []
        for start in range(0, len(rows), ROWS_AT_ONCE):
            part = rows[start : start + ROWS_AT_ONCE]
            # every split of every tree tested on every row at once; a failed test (the row goes right) rules out
            # the leaves left of the split, and the leaf a row reaches is the leftmost none of its tests ruled out
            passed = part[:, splits.feature] <= splits.threshold
            kept = numpy.where(passed, numpy.uint8(255), splits.mask).reshape(len(part), len(self.trees), -1)
            reached = numpy.bitwise_and.reduce(kept, axis=2)
            scores.append(self.baseline + splits.exits.take(splits.offsets + reached).sum(axis=1))
        return numpy.concatenate(scores)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "baseline": self.baseline,
            "threshold": self.threshold,
            "features": list(self.features),
            "trees": [{name: list(tree[name]) for name in NODE_FIELDS} for tree in self.trees],
            "card": dict(self.card),
        }


class _Splits(NamedTuple):
    """A model's trees as the arrays `log_odds` reads (QuickScorer's layout: Lucchese et al., SIGIR 2015), each
    tree's splits padded to the same number with tests every row passes."""

    feature: numpy.ndarray
    """Per split, tree after tree, its feature's column."""
    threshold: numpy.ndarray
    mask: numpy.ndarray
    """Per split, a bit per leaf of its tree, left to right (a byte: at most 8 leaves), clear for the leaves left
    of it."""
    exits: numpy.ndarray
    """Per tree, for each of the 256 bytes a row's tests can leave, the value of the leaf its lowest bit names."""
    offsets: numpy.ndarray
    """Where each tree's 256 exits start."""


_SPLITS: dict[int, tuple[TreeModel, _Splits]] = {}


def _splits(model: TreeModel) -> _Splits:
    """The model's splits, once per model (the entry holds the model, so that its id is not reused)."""
    import numpy

    held = _SPLITS.get(id(model))
    if held is not None:
        return held[1]
    widest = max((sum(left >= 0 for left in tree["left"]) for tree in model.trees), default=0) or 1
    feature = numpy.zeros((len(model.trees), widest), dtype=numpy.intp)
    threshold = numpy.full((len(model.trees), widest), numpy.inf)
    mask = numpy.full((len(model.trees), widest), 255, dtype=numpy.uint8)
    exits = numpy.zeros((len(model.trees), 256))
    lowest = [(byte & -byte).bit_length() - 1 for byte in range(256)]  # the leaf each byte names (-1: none, never left)
    for t, tree in enumerate(model.trees):
        order = _leaves(tree)
        place = {node: i for i, node in enumerate(order)}
        exits[t] = [tree["value"][order[bit]] if 0 <= bit < len(order) else 0.0 for bit in lowest]
        at = 0
        for node, left in enumerate(tree["left"]):
            if left >= 0:
                feature[t, at], threshold[t, at] = tree["feature"][node], tree["threshold"][node]
                mask[t, at] = 255 & ~sum(1 << place[leaf] for leaf in _leaves(tree, int(left)))
                at += 1
    splits = _Splits(
        feature.ravel(), threshold.ravel(), mask.ravel(), exits.ravel(), numpy.arange(len(model.trees)) * 256
    )
    if len(_SPLITS) > 8:
        _SPLITS.clear()
    _SPLITS[id(model)] = (model, splits)
    return splits


def _leaves(tree: Mapping[str, Sequence[float]], node: int = 0) -> list[int]:
    """The leaves under a node, left to right (no recursion: a damaged file must not exhaust the stack)."""
    found, pending = [], [node]
    while pending:
        at = pending.pop()
        if tree["left"][at] < 0:
            found.append(at)
        else:
            pending += [int(tree["right"][at]), int(tree["left"][at])]
    return found


def load(source: Path, kind: str, required: bool = True) -> TreeModel | None:
    """The model of this kind in `source`; None when it is not `required` and there is no such file. Read once
    per version of the file (its modification time): a model retrained in place is read again."""
    version = stamp(source)
    if version is None and not required:
        return None
    return _read(source, kind, version)


@cache
def _read(source: Path, kind: str, stamp: int | None) -> TreeModel:
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("format") != FORMAT and data.get("kind") == kind:
            raise ValueError("written by another version of the auditor: retrain it with `auditor train`")
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("kind") != kind:
            raise ValueError(f"not a {FORMAT} file of {kind}")
        features = tuple(str(name) for name in data["features"])
        trees = tuple(data["trees"])
        return TreeModel(
            kind, features, trees, _number(data["baseline"]), _number(data["threshold"]), data.get("card", {})
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise ConfigError(f"cannot read the {kind} model {source}: {exc}") from None


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{str(value)[:20]!r} is not a finite number")
    return float(value)


def _index(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{str(value)[:20]!r} is not a whole number")
    return value


def _tree(data: Mapping[str, Any], features: int) -> dict[str, list[float]]:
    """One tree, checked: lists of one length, whole numbers where they index, finite ones elsewhere, features
    that exist, every node but the root the child of exactly one node further up (so that every node is reached,
    and no walk can loop or leave the tree), at most 8 leaves (a leaf is a bit of a split's byte)."""
    tree = {name: list(data[name]) for name in NODE_FIELDS}
    size = len(tree["left"])
    if not size or any(len(column) != size for column in tree.values()):
        raise ValueError("a tree's node lists differ in length")
    for name in ("feature", "left", "right"):
        tree[name] = [_index(n) for n in tree[name]]
    tree["threshold"], tree["value"] = [_number(x) for x in tree["threshold"]], [_number(x) for x in tree["value"]]
    children: list[int] = []
    for node, (feature, left, right) in enumerate(zip(tree["feature"], tree["left"], tree["right"], strict=True)):
        if left < 0 and right < 0:
            continue
        if not (0 <= feature < features and node < left < size and node < right < size):
            raise ValueError(f"node {node} of a tree points outside it")
        children += [left, right]
    if sorted(children) != list(range(1, size)):
        raise ValueError("a tree's nodes are not each the child of one node above it")
    if len(_leaves(tree)) > 8:
        raise ValueError("a tree has more than 8 leaves")
    return tree
