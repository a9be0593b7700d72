"""Fitted linear classifiers as plain data: feature weights, intercepts, a verdict's threshold and a card of
their data and out-of-sample figures; two-class (`LinearModel`) or one model per class (`SoftmaxModel`). Shipped
as JSON (never a pickle) and scored with dot products, so that an audit needs no scikit-learn; `training` fits
them with scikit-learn's logistic regression."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError

FORMAT = "auditor/linear-model@1"


@dataclass(frozen=True, slots=True)
class LinearModel:
    kind: str
    """What it judges: "links" or "disclosures"."""
    weights: Mapping[str, float]
    intercept: float
    threshold: float
    card: Mapping[str, Any] = field(default_factory=dict)

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def why(self, features: Mapping[str, float], most: int = 3) -> str:
        """The features that moved the verdict most, as "name +weight"."""
        moved = sorted(((self.weights.get(name, 0.0) * value, name) for name, value in features.items()), reverse=True)
        return ", ".join(f"{name} {weight:+.1f}" for weight, name in moved[:most] if weight > 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "intercept": self.intercept,
            "threshold": self.threshold,
            "weights": dict(sorted(self.weights.items())),
            "card": dict(self.card),
        }


@dataclass(frozen=True, slots=True)
class SoftmaxModel:
    """A linear model per class, read as one: the class whose model scores highest, with its softmax probability."""

    kind: str
    intercepts: Mapping[str, float]
    weights: Mapping[str, Mapping[str, float]]
    """Per class, its feature weights."""
    card: Mapping[str, Any] = field(default_factory=dict)
    by_feature: Mapping[str, tuple[tuple[str, float], ...]] = field(init=False, repr=False, compare=False)
    """The same weights by feature: a page has few of the model's features, so they are looked up once each."""

    def __post_init__(self) -> None:
        table: dict[str, list[tuple[str, float]]] = {}
        for name_of_class, weights in self.weights.items():
            for name, weight in weights.items():
                table.setdefault(name, []).append((name_of_class, weight))
        object.__setattr__(self, "by_feature", {name: tuple(pairs) for name, pairs in table.items()})

    def scores(self, features: Mapping[str, float]) -> dict[str, float]:
        """The probability of each class (softmax of the classes' linear scores)."""
        z = dict(self.intercepts)
        for name, value in features.items():
            for name_of_class, weight in self.by_feature.get(name, ()):
                z[name_of_class] += weight * value
        top = max(z.values())
        exp = {c: math.exp(v - top) for c, v in z.items()}
        total = sum(exp.values())
        return {c: v / total for c, v in exp.items()}

    def predict(self, features: Mapping[str, float]) -> tuple[str, float]:
        scores = self.scores(features)
        best = max(scores, key=scores.__getitem__)
        return best, scores[best]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "intercepts": dict(self.intercepts),
            "weights": {c: dict(sorted(w.items())) for c, w in self.weights.items()},
            "card": dict(self.card),
        }


def stamp(source: Path) -> int | None:
    """The file's version (its modification time), or None where there is no such file: a model retrained in
    place is read again."""
    try:
        return source.stat().st_mtime_ns
    except OSError:
        return None


def load(source: Path, kind: str, required: bool = True) -> LinearModel | None:
    """The two-class model of this kind in `source`; None when it is not `required` and there is no such file.
    Read once per version of the file."""
    version = stamp(source)
    if version is None and not required:
        return None
    return _linear(source, kind, version)


def load_softmax(source: Path, kind: str) -> SoftmaxModel | None:
    """The many-class model of this kind in `source`, or None where there is no such file."""
    version = stamp(source)
    return None if version is None else _softmax(source, kind, version)


def _read(source: Path, kind: str) -> dict[str, Any]:
    data = json.loads(source.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("kind") != kind:
        raise ValueError(f"not a {FORMAT} file of {kind}")
    return data


@cache
def _linear(source: Path, kind: str, stamp: int | None) -> LinearModel:
    try:
        data = _read(source, kind)
        return LinearModel(
            kind=kind,
            weights={str(k): float(v) for k, v in data["weights"].items()},
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            card=data.get("card", {}),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"cannot read the {kind} model {source}: {exc}") from None


@cache
def _softmax(source: Path, kind: str, stamp: int) -> SoftmaxModel:
    try:
        data = _read(source, kind)
        weights = {str(c): {str(k): float(v) for k, v in w.items()} for c, w in data["weights"].items()}
        intercepts = {str(c): float(v) for c, v in data["intercepts"].items()}
        if set(weights) != set(intercepts) or len(weights) < 2:
            raise ValueError("two classes or more, each with weights and an intercept")
        return SoftmaxModel(kind, intercepts, weights, data.get("card", {}))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"cannot read the {kind} model {source}: {exc}") from None
