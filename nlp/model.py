"""The linear model's weights: stored as gzipped JSON, scored with numpy.

The model is logistic regression over binary TF-IDF features with L2
normalisation, the same transform as scikit-learn's
`TfidfVectorizer(binary=True)`. One weight matrix contains every output: a
column per category (a softmax over them gives the category probabilities),
one column for the urgent logit and one for the external logit.

For a message with the set of known features S, the logits are
`sum(idf[j] * W[j] for j in S) / sqrt(sum(idf[j] ** 2 for j in S)) + b`.
Both sums are row gathers, so no machine-learning library is needed at run
time.

The file stores the feature keys as a JSON list and the weights as
base64-encoded little-endian int16 in thousandths. Parsing a list of strings
and one byte string is far faster than parsing a JSON number per weight,
which keeps `Classifier.load()` short.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT_VERSION = 2
URGENT_COLUMN = "__urgent__"
EXTERNAL_COLUMN = "__external__"
# Weights and idf values are stored as integers in units of this size.
QUANTUM = 1e-3
_INT16_MAX = 32767


@dataclass(frozen=True)
class Scores:
    """The model's raw outputs for one message."""

    category_probabilities: np.ndarray
    urgent_probability: float
    external_probability: float


def _encode(values: np.ndarray) -> str:
    quantized = np.clip(np.rint(values / QUANTUM), -_INT16_MAX, _INT16_MAX).astype("<i2")
    return base64.b64encode(quantized.tobytes()).decode("ascii")


def _decode(text: str, shape: tuple[int, ...]) -> np.ndarray:
    quantized = np.frombuffer(base64.b64decode(text), dtype="<i2")
    return (quantized.astype(np.float64) * QUANTUM).reshape(shape)


class LinearModel:
    """A TF-IDF linear model with a softmax head and two binary heads.

    Attributes:
        categories: Category keys in column order.
        features: Feature keys in row order.
        vocabulary: Feature key to row index.
        idf: Inverse document frequency of each feature, shape (features,).
        weights: Array of shape (features, categories + 2).
        intercepts: Array of shape (categories + 2,).
        thresholds: Decision thresholds saved with the model, such as
            "urgent" and "external".
    """

    def __init__(
        self,
        categories: list[str],
        features: list[str],
        idf: np.ndarray,
        weights: np.ndarray,
        intercepts: np.ndarray,
        thresholds: dict[str, float],
        metadata: dict[str, object] | None = None,
    ) -> None:
        """Build a model from its parts.

        Args:
            categories: Category keys in column order.
            features: Feature keys in row order.
            idf: Inverse document frequency per feature.
            weights: Array of shape (len(features), len(categories) + 2).
            intercepts: One intercept per column.
            thresholds: Decision thresholds by name.
            metadata: Anything worth keeping with the weights (training counts).

        Raises:
            ValueError: An array does not match the names.
        """
        columns = len(categories) + 2
        if weights.shape != (len(features), columns):
            msg = f"weights have shape {weights.shape}, expected {(len(features), columns)}"
            raise ValueError(msg)
        if idf.shape != (len(features),):
            msg = f"idf has shape {idf.shape}, expected {(len(features),)}"
            raise ValueError(msg)
        if intercepts.shape != (columns,):
            msg = f"intercepts have shape {intercepts.shape}, expected {(columns,)}"
            raise ValueError(msg)
        self.categories = list(categories)
        self.features = list(features)
        self.vocabulary = {feature: index for index, feature in enumerate(self.features)}
        self.idf = idf.astype(np.float64)
        self.weights = weights.astype(np.float64)
        self.intercepts = intercepts.astype(np.float64)
        self.thresholds = dict(thresholds)
        self.metadata = dict(metadata or {})
        self._n_categories = len(categories)
        # The scoring table: feature i is row i + 1, so that row number 0 can
        # mark an unknown key. Each row contains idf * weights followed by
        # idf ** 2, so one gather and one sum give both the logits and the
        # squared norm.
        self._rows = {feature: index + 1 for index, feature in enumerate(self.features)}
        table = np.hstack([self.weights * self.idf[:, None], (self.idf**2)[:, None]])
        self._table = np.vstack([np.zeros((1, columns + 1)), table])

    def score(self, features: list[str]) -> Scores:
        """Score one message's features.

        Args:
            features: Feature keys; repeats count once and unknown keys are
                ignored.
        """
        rows = list(filter(None, map(self._rows.get, set(features))))
        logits = self.intercepts
        if rows:
            total = self._table[rows].sum(axis=0)
            logits = logits + total[:-1] / math.sqrt(total[-1])
        n = self._n_categories
        category_logits = logits[:n]
        exp = np.exp(category_logits - category_logits.max())
        probabilities = exp / exp.sum()
        urgent = 1.0 / (1.0 + math.exp(-logits[n]))
        external = 1.0 / (1.0 + math.exp(-logits[n + 1]))
        return Scores(probabilities, urgent, external)

    def to_json(self) -> str:
        """Serialise the model to JSON text with sorted keys and quantised weights."""
        payload = {
            "format": FORMAT_VERSION,
            "categories": self.categories,
            "columns": [*self.categories, URGENT_COLUMN, EXTERNAL_COLUMN],
            "quantum": QUANTUM,
            "thresholds": self.thresholds,
            "metadata": self.metadata,
            "features": self.features,
            "idf": _encode(self.idf),
            "weights": _encode(self.weights),
            "intercepts": [round(float(value), 4) for value in self.intercepts],
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
        if payload.get("quantum") != QUANTUM:
            msg = f"unsupported weight quantum {payload.get('quantum')!r}, expected {QUANTUM}"
            raise ValueError(msg)
        categories = payload["categories"]
        features = payload["features"]
        columns = len(categories) + 2
        return cls(
            categories,
            features,
            _decode(payload["idf"], (len(features),)),
            _decode(payload["weights"], (len(features), columns)),
            np.array(payload["intercepts"], dtype=np.float64),
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
