"""A fitted linear classifier as plain data: feature weights, an intercept, the verdict's threshold and a card of
its data and out-of-sample figures. Shipped as JSON (never a pickle) and scored with a dot product, so that an
audit needs no scikit-learn; `training` fits it with scikit-learn's logistic regression."""

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


def load(source: Path, kind: str, required: bool = True) -> LinearModel | None:
    """The model of this kind in `source`; None when it is not `required` and there is no such file. Read once
    per version of the file: a model retrained in place is read again."""
    try:
        stamp: int | None = source.stat().st_mtime_ns
    except OSError:
        if not required:
            return None
        stamp = None
    return _load(source, kind, stamp)


@cache
def _load(source: Path, kind: str, stamp: int | None) -> LinearModel:
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("kind") != kind:
            raise ValueError(f"not a {FORMAT} file of {kind}")
        return LinearModel(
            kind=kind,
            weights={str(k): float(v) for k, v in data["weights"].items()},
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            card=data.get("card", {}),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"cannot read the {kind} model {source}: {exc}") from None
