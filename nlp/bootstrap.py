"""Bootstrap intervals: how far a headline number could move on another sample.

An evaluation file is one sample of messages. Macro-F1 averages every
category alike, so on a file where a category has four rows, one row read
the other way moves the average by nearly a point. Resampling the rows
with replacement, many times, shows that spread: the interval is the range
of the middle 95% of resampled scores. The paired form resamples the same
rows for two classifiers and counts how often the first scores at least as
high, which shows whether a lead over a baseline is more than luck.

The resampling seed is fixed, so a report is the same on every run.
"""

from __future__ import annotations

import numpy as np

from nlp.dataset import LabelledExample
from nlp.labels import CATEGORIES
from nlp.metrics import Prediction

ROUNDS = 1000
SEED = 20261205
LEVEL = 0.95
# Resampled metrics, the two that average over many rows. Urgent
# recall on a file with a handful of urgent rows has no useful interval.
METRICS = ("macro_f1", "route_accuracy")

_ROUTES = ("property", "committee", "party", "none")


def _codes(values: list[str], keys: tuple[str, ...]) -> np.ndarray:
    index = {key: position for position, key in enumerate(keys)}
    # An unknown key gets its own code, so it is never counted as a match.
    return np.array([index.get(value, len(keys)) for value in values], dtype=np.int64)


def _resampled_scores(
    examples: list[LabelledExample], predictions: list[Prediction], samples: np.ndarray
) -> dict[str, np.ndarray]:
    """Return each metric's score on every resample (one row of `samples` each)."""
    size = len(CATEGORIES) + 1
    gold = _codes([e.category for e in examples], CATEGORIES)[samples]
    guess = _codes([p.category for p in predictions], CATEGORIES)[samples]
    routes_right = (_codes([e.route for e in examples], _ROUTES) == _codes([p.route for p in predictions], _ROUTES))[
        samples
    ]

    rounds = samples.shape[0]
    offsets = (np.arange(rounds) * size * size)[:, None]
    cells = np.bincount((offsets + gold * size + guess).ravel(), minlength=rounds * size * size)
    confusion = cells.reshape(rounds, size, size)
    correct = np.einsum("rii->ri", confusion).astype(np.float64)
    support = confusion.sum(axis=2).astype(np.float64)
    predicted = confusion.sum(axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(support + predicted > 0, 2 * correct / (support + predicted), 0.0)
    # As in nlp.metrics.score: the average runs over the categories that
    # occur in the (resampled) labels.
    present = support > 0
    macro = (f1 * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1)
    return {"macro_f1": macro, "route_accuracy": routes_right.mean(axis=1)}


def _samples(count: int, rounds: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, count, size=(rounds, count))


def intervals(
    examples: list[LabelledExample],
    predictions: list[Prediction],
    rounds: int = ROUNDS,
    seed: int = SEED,
) -> dict[str, tuple[float, float]]:
    """Return a 95% bootstrap interval (low, high) for each metric in METRICS.

    Raises:
        ValueError: No examples, or the two lists differ in length.
    """
    if not examples or len(examples) != len(predictions):
        msg = f"{len(examples)} examples but {len(predictions)} predictions"
        raise ValueError(msg)
    scores = _resampled_scores(examples, predictions, _samples(len(examples), rounds, seed))
    tail = (1 - LEVEL) / 2 * 100
    return {
        key: (float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail)))
        for key, values in scores.items()
    }


def paired_wins(
    examples: list[LabelledExample],
    ours: list[Prediction],
    theirs: list[Prediction],
    rounds: int = ROUNDS,
    seed: int = SEED,
) -> dict[str, float]:
    """Return, for each metric, the share of resamples where `ours` scores at least as high as `theirs`.

    Both are scored on the same resampled rows in each round.
    """
    if not examples or not len(examples) == len(ours) == len(theirs):
        msg = f"{len(examples)} examples but {len(ours)} and {len(theirs)} predictions"
        raise ValueError(msg)
    samples = _samples(len(examples), rounds, seed)
    mine = _resampled_scores(examples, ours, samples)
    other = _resampled_scores(examples, theirs, samples)
    return {key: float((mine[key] >= other[key]).mean()) for key in METRICS}
