"""The linear model's weights: stored as gzipped JSON, scored with numpy.

The model is linear over binary TF-IDF features with L2 normalisation,
the same transform as scikit-learn's `TfidfVectorizer(binary=True)`. Its
weights are those of logistic regression plus a naive Bayes term (see
nlp.train). One weight matrix contains every output: a
column per category (a softmax over them gives the category probabilities),
one column for the urgent logit and one for the external logit.

For a message with the set of known features S, the logits are
`sum(idf[j] * W[j] for j in S) / sqrt(sum(idf[j] ** 2 for j in S)) + b`.
Both sums are row gathers, so no machine-learning library is needed at run
time. score_text looks the character n-grams up as integer codes (see
nlp.features.char_ngram_codes) in a sorted array, with one numpy search
instead of a dict lookup per n-gram.

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
import re
from collections.abc import Iterable
from itertools import repeat
from operator import add, sub, truediv
from pathlib import Path
from typing import NamedTuple

import numpy as np

from nlp.features import NO_CODE, char_ngram_codes, char_ngrams

FORMAT_VERSION = 2
URGENT_COLUMN = "__urgent__"
EXTERNAL_COLUMN = "__external__"
# Weights and idf values are stored as integers in units of this size.
QUANTUM = 1e-3
_INT16_MAX = 32767
# Characters that keep a key out of the n-gram codes.
_NOT_IN_GRAM_KEYS = re.compile(f"{NO_CODE.pattern}| ")
# Keys without an n-gram code get codes from here up, above every n-gram code.
_OTHER_CODES = 2**63
# Larger than any code, so a search for a code never runs off the end.
_END_CODE = np.iinfo(np.uint64).max


class Scores(NamedTuple):
    """The model's raw outputs for one message.

    A named tuple rather than a frozen dataclass, which costs about a
    microsecond more to build on every message.
    """

    category_probabilities: np.ndarray
    urgent_probability: float
    external_probability: float


def _encode(values: np.ndarray) -> str:
    quantized = np.clip(np.rint(values / QUANTUM), -_INT16_MAX, _INT16_MAX).astype("<i2")
    return base64.b64encode(quantized.tobytes()).decode("ascii")


def _ngram_codes(keys: list[str]) -> np.ndarray:
    """Return the code of each key, as nlp.features.ngram_code computes it.

    Args:
        keys: Keys of 1 to 3 characters that NO_CODE does not match.
    """
    # Each key padded with NULs to four code units gives one 8-byte code.
    padded = "".join(map(str.ljust, keys, repeat(4), repeat("\x00")))
    return np.frombuffer(padded.encode("utf-16-le", "surrogatepass"), dtype="<u8").astype(np.uint64)


def _gram_key_mask(keys: list[str]) -> np.ndarray:
    """Tell for each key whether it gets an n-gram code: 1 to 3 characters, no space, no NO_CODE match."""
    lengths = np.fromiter(map(len, keys), dtype=np.intp, count=len(keys))
    usable = (lengths >= 1) & (lengths <= 3)

    # One scan of all keys joined finds the few excluded characters, and
    # the offsets of the keys in the joined text tell whose they are.
    joined = "\x01".join(keys)
    starts = np.cumsum(lengths + 1) - (lengths + 1)
    positions = [match.start() for match in _NOT_IN_GRAM_KEYS.finditer(joined)]
    usable[starts.searchsorted(positions, side="right") - 1] = False
    return usable


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
        self._intercepts = self.intercepts.tolist()

        # The scoring table: each row contains idf * weights followed by
        # idf ** 2, so one gather and one sum give both the logits and the
        # squared norm. Its rows are in the order of the keys' codes, so that
        # the position of a code in _codes is its row. The keys that can be
        # n-grams come first. Keys with a space get no n-gram code, because
        # char_ngram_codes returns the codes of n-grams across spaces, and
        # neither do keys that NO_CODE matches. These keys and the other
        # keys get codes above every n-gram code.
        keys = list(self.vocabulary)
        source_rows = np.fromiter(self.vocabulary.values(), dtype=np.intp, count=len(keys))
        is_gram = _gram_key_mask(keys)
        gram_indices = np.flatnonzero(is_gram)
        other_indices = np.flatnonzero(~is_gram)
        gram_codes = _ngram_codes([keys[index] for index in gram_indices.tolist()])
        order = np.argsort(gram_codes, kind="stable")
        key_order = np.concatenate((gram_indices[order], other_indices))
        other_codes = np.arange(len(other_indices), dtype=np.uint64) + np.uint64(_OTHER_CODES)
        self._codes = np.concatenate((gram_codes[order], other_codes, [np.uint64(_END_CODE)]))
        table = np.hstack([self.weights * self.idf[:, None], (self.idf**2)[:, None]])
        self._table = table[source_rows[key_order]]
        # The table row and the code of each feature index that vocabulary
        # gives, so that no second dict of all keys is needed.
        self._row_of = np.zeros(len(self.features), dtype=np.intp)
        self._row_of[source_rows[key_order]] = np.arange(len(keys))
        self._code_of = np.zeros(len(self.features), dtype=np.uint64)
        self._code_of[source_rows[key_order]] = self._codes[:-1]
        self._ones = np.ones(1024)

    def score(self, features: Iterable[str]) -> Scores:
        """Score one message's features.

        Args:
            features: Feature keys; repeats count once and unknown keys are
                ignored.
        """
        indices = set(map(self.vocabulary.get, features))
        indices.discard(None)
        return self._score_rows(self._row_of[np.fromiter(indices, dtype=np.intp, count=len(indices))])

    def score_text(self, text: str, features: Iterable[str] = ()) -> Scores:
        """Score normalised text by its character n-grams, plus other feature keys.

        The result equals score(char_ngrams(text) + list(features)) up to the
        order in which floating-point sums are taken. The n-grams are looked
        up as integer codes in one numpy search, which is much faster than a
        dict lookup per n-gram string. Text that has a character without a
        code (see nlp.features.NO_CODE) is scored by score() instead.

        Args:
            text: Normalised text, see nlp.normalize.normalize.
            features: Other feature keys, such as the cue keys. Repeats count
                once and unknown keys are ignored.
        """
        codes = char_ngram_codes(text)
        if codes is None:
            return self.score([*char_ngrams(text), *features])

        # The feature keys join the search as their codes, so that one sort
        # and search handle them with the n-grams.
        arrays = [codes]
        for key in features:
            index = self.vocabulary.get(key)
            if index is not None:
                arrays.append(self._code_of[index : index + 1])
        if len(arrays) > 1:
            codes = np.concatenate(arrays, dtype=np.uint64)

        # Sorting puts repeats side by side, so a repeated code is dropped by
        # comparing it with its neighbour.
        codes.sort()
        positions = self._codes.searchsorted(codes)
        known = self._codes.take(positions) == codes
        known[1:] &= codes[1:] != codes[:-1]
        return self._score_rows(positions[known])

    def _score_rows(self, rows: np.ndarray) -> Scores:
        """Turn the table rows of one message's distinct features into probabilities.

        After the row sum there is one number per column, and plain float
        arithmetic on so few costs less than a numpy call per step.
        """
        logits = self._intercepts
        count = len(rows)
        if count:
            # A product with a vector of ones sums the rows through BLAS,
            # which took half the time of np.add.reduce on one message.
            ones = self._ones[:count] if count <= len(self._ones) else np.ones(count)
            total = np.dot(ones, self._table.take(rows, axis=0)).tolist()
            norm = math.sqrt(total.pop())
            logits = list(map(add, self._intercepts, map(truediv, total, repeat(norm))))

        n = self._n_categories
        category_logits = logits[:n]
        top = max(category_logits)
        # map over C functions costs less than a comprehension, and dividing
        # the array in place gives the same quotients as dividing each float.
        exps = list(map(math.exp, map(sub, category_logits, repeat(top))))
        probabilities = np.array(exps)
        probabilities /= sum(exps)
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
