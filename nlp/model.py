"""The linear model's weights: stored as gzipped JSON, scored with numpy.

One weight matrix holds every output: a column per category (a softmax over
them gives the category probabilities), one column for the urgent logit and
one for the external logit. Scoring a message is a single row gather and sum,
so no machine-learning library is needed at run time.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1
URGENT_COLUMN = "__urgent__"
EXTERNAL_COLUMN = "__external__"


@dataclass(frozen=True)
class Scores:
    """The model's raw outputs for one message."""

    category_probabilities: np.ndarray
    urgent_probability: float
    external_probability: float


class LinearModel:
    """A bag-of-features linear model with a softmax head and two binary heads.

    Attributes:
        categories: Category keys in column order.
        vocabulary: Feature string to row index.
        weights: Array of shape (features, categories + 2).
        thresholds: Decision thresholds saved with the model, such as
            "urgent" and "external".
    """

    def __init__(
        self,
        categories: list[str],
        features: list[str],
        weights: np.ndarray,
        thresholds: dict[str, float],
        metadata: dict[str, object] | None = None,
    ) -> None:
        """Build a model from its parts.

        Args:
            categories: Category keys in column order.
            features: Feature strings in row order; "bias" must be one of them.
            weights: Array of shape (len(features), len(categories) + 2).
            thresholds: Decision thresholds by name.
            metadata: Anything worth keeping with the weights (training counts).

        Raises:
            ValueError: The weight matrix does not match the names.
        """
        expected = (len(features), len(categories) + 2)
        if weights.shape != expected:
            msg = f"weights have shape {weights.shape}, expected {expected}"
            raise ValueError(msg)
        if "bias" not in features:
            msg = "the feature list has no 'bias' row"
            raise ValueError(msg)
        self.categories = list(categories)
        self.features = list(features)
        self.vocabulary = {feature: index for index, feature in enumerate(features)}
        self.weights = weights.astype(np.float64)
        self.thresholds = dict(thresholds)
        self.metadata = dict(metadata or {})
        self._n_categories = len(categories)

    def score(self, features: list[str]) -> Scores:
        """Score one message's features.

        Args:
            features: Feature strings; unknown ones are ignored.
        """
        vocabulary = self.vocabulary
        rows = [vocabulary[feature] for feature in features if feature in vocabulary]
        logits = self.weights[rows].sum(axis=0)
        category_logits = logits[: self._n_categories]
        exp = np.exp(category_logits - category_logits.max())
        probabilities = exp / exp.sum()
        urgent = 1.0 / (1.0 + np.exp(-logits[self._n_categories]))
        external = 1.0 / (1.0 + np.exp(-logits[self._n_categories + 1]))
        return Scores(probabilities, float(urgent), float(external))

    def to_json(self) -> str:
        """Serialise the model to JSON text with sorted keys and rounded weights."""
        rows = {
            feature: [round(float(value), 4) for value in row]
            for feature, row in zip(self.features, self.weights, strict=True)
        }
        payload = {
            "format": FORMAT_VERSION,
            "categories": self.categories,
            "columns": [*self.categories, URGENT_COLUMN, EXTERNAL_COLUMN],
            "thresholds": self.thresholds,
            "metadata": self.metadata,
            "weights": rows,
        }
        return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def save(self, path: Path) -> None:
        """Write the model as gzipped JSON with a zero timestamp.

        gzip stores the modification time and file name in its header;
        fixing both makes two trainings on the same data byte-identical.
        """
        data = self.to_json().encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as raw, gzip.GzipFile(
            filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9
        ) as compressed:
            compressed.write(data)

    @classmethod
    def from_json(cls, text: str) -> LinearModel:
        """Rebuild a model from the text written by to_json.

        Raises:
            ValueError: The text is not a model of a known format.
        """
        payload = json.loads(text)
        if payload.get("format") != FORMAT_VERSION:
            msg = f"unsupported model format {payload.get('format')!r}, expected {FORMAT_VERSION}"
            raise ValueError(msg)
        features = sorted(payload["weights"])
        weights = np.array([payload["weights"][feature] for feature in features], dtype=np.float64)
        return cls(
            payload["categories"],
            features,
            weights,
            payload["thresholds"],
            payload.get("metadata"),
        )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Read a model saved by save.

        Raises:
            FileNotFoundError: No file at path.
            ValueError: The file is not a model of a known format.
        """
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return cls.from_json(handle.read())
