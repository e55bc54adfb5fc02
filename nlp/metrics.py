"""Scoring predictions against labels: the numbers `python -m nlp evaluate` reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from nlp.dataset import LabelledExample
from nlp.labels import CATEGORIES, CHAT


@dataclass(frozen=True, slots=True)
class Prediction:
    """What a classifier says about one message, reduced to the scored fields.

    Attributes:
        category: The primary finding's category.
        route: The primary finding's route ("none" for chat).
        urgent: Whether any finding is urgent.
        opens_case: Whether any finding is actionable.
    """

    category: str
    route: str
    urgent: bool
    opens_case: bool


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def score(examples: list[LabelledExample], predictions: list[Prediction]) -> dict[str, object]:
    """Compute every reported metric for one set of predictions.

    Macro-F1 averages the F1 of the categories that occur in the labels.
    Urgent precision is None when nothing was predicted urgent, and
    chat_case_rate is None when the file has no chat line.

    Args:
        examples: The labelled messages.
        predictions: One prediction per example, in the same order.

    Raises:
        ValueError: The two lists differ in length.
    """
    if len(examples) != len(predictions):
        msg = f"{len(examples)} examples but {len(predictions)} predictions"
        raise ValueError(msg)

    confusion: dict[str, Counter[str]] = {}
    for example, prediction in zip(examples, predictions, strict=True):
        confusion.setdefault(example.category, Counter())[prediction.category] += 1

    per_category: dict[str, dict[str, float | int]] = {}
    for category in CATEGORIES:
        support = sum(confusion.get(category, Counter()).values())
        predicted = sum(row[category] for row in confusion.values())
        correct = confusion.get(category, Counter())[category]
        if not support and not predicted:
            continue
        precision = correct / predicted if predicted else 0.0
        recall = correct / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_category[category] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": support,
        }
    labelled = [c for c in per_category if per_category[c]["support"]]
    macro_f1 = sum(per_category[c]["f1"] for c in labelled) / len(labelled) if labelled else 0.0

    pairs = list(zip(examples, predictions, strict=True))
    urgent_true = sum(e.urgent and p.urgent for e, p in pairs)
    chat_lines = [p for e, p in pairs if e.category == CHAT]
    return {
        "n": len(examples),
        "macro_f1": macro_f1,
        "category_accuracy": _ratio(sum(e.category == p.category for e, p in pairs), len(pairs)),
        "route_accuracy": _ratio(sum(e.route == p.route for e, p in pairs), len(pairs)),
        "urgent_recall": _ratio(urgent_true, sum(e.urgent for e in examples)),
        "urgent_precision": _ratio(urgent_true, sum(p.urgent for p in predictions)),
        "urgent_n": sum(e.urgent for e in examples),
        "chat_case_rate": _ratio(sum(p.opens_case for p in chat_lines), len(chat_lines)),
        "per_category": per_category,
        "confusion": {gold: dict(sorted(row.items())) for gold, row in sorted(confusion.items())},
    }


def worst_confusions(confusion: dict[str, dict[str, int]], top: int = 10) -> list[tuple[str, str, int]]:
    """Return the most frequent (label, prediction, count) mistakes, largest first."""
    mistakes = [
        (gold, predicted, count)
        for gold, row in confusion.items()
        for predicted, count in row.items()
        if gold != predicted
    ]
    return sorted(mistakes, key=lambda item: (-item[2], item[0], item[1]))[:top]
