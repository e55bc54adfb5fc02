from __future__ import annotations

import random

import numpy as np
import pytest

from nlp.bootstrap import _resampled_scores, intervals, paired_wins
from nlp.dataset import LabelledExample
from nlp.evaluate import HEADLINE, format_report
from nlp.labels import CATEGORIES, default_route
from nlp.metrics import Prediction, score


def _example(category: str) -> LabelledExample:
    route = "none" if category == "chat" else default_route(category, external=False)
    return LabelledExample(text="x", category=category, urgency="normal", route=route)


def _guess(category: str, route: str | None = None) -> Prediction:
    if route is None:
        route = "none" if category == "chat" else default_route(category, external=False)
    return Prediction(category=category, route=route, urgent=False, opens_case=category != "chat")


def _mixed(count: int, wrong_share: float, seed: int) -> tuple[list[LabelledExample], list[Prediction]]:
    rng = random.Random(seed)
    examples = [_example(rng.choice(CATEGORIES)) for _ in range(count)]
    guesses = []
    for example in examples:
        category = rng.choice(CATEGORIES) if rng.random() < wrong_share else example.category
        route = rng.choice(["property", "committee", "party", "none"]) if rng.random() < wrong_share else None
        guesses.append(_guess(category, route))
    return examples, guesses


def test_unresampled_scores_match_the_reported_metrics() -> None:
    examples, guesses = _mixed(400, 0.3, seed=1)
    identity = np.arange(len(examples))[None, :]

    scores = _resampled_scores(examples, guesses, identity)
    reported = score(examples, guesses)

    assert scores["macro_f1"][0] == pytest.approx(reported["macro_f1"])
    assert scores["route_accuracy"][0] == pytest.approx(reported["route_accuracy"])


def test_interval_narrows_with_rows() -> None:
    small = _mixed(100, 0.2, seed=2)
    large = _mixed(3000, 0.2, seed=2)

    small_low, small_high = intervals(*small)["macro_f1"]
    large_low, large_high = intervals(*large)["macro_f1"]

    assert small_low <= score(*small)["macro_f1"] <= small_high
    assert large_low <= score(*large)["macro_f1"] <= large_high
    assert large_high - large_low < (small_high - small_low) / 2


def test_perfect_predictions_have_no_spread() -> None:
    examples = [_example(category) for category in CATEGORIES for _ in range(5)]
    guesses = [_guess(e.category) for e in examples]

    assert intervals(examples, guesses) == {"macro_f1": (1.0, 1.0), "route_accuracy": (1.0, 1.0)}


def test_intervals_repeat_exactly() -> None:
    examples, guesses = _mixed(200, 0.25, seed=3)

    assert intervals(examples, guesses) == intervals(examples, guesses)


def test_paired_wins_lead_and_tie() -> None:
    examples, good = _mixed(500, 0.1, seed=4)
    _, poor = _mixed(500, 0.5, seed=4)

    assert paired_wins(examples, good, poor) == {"macro_f1": 1.0, "route_accuracy": 1.0}
    assert paired_wins(examples, poor, good)["macro_f1"] == 0.0
    assert paired_wins(examples, good, good) == {"macro_f1": 1.0, "route_accuracy": 1.0}


def test_mismatched_lengths_are_refused() -> None:
    examples, guesses = _mixed(10, 0.1, seed=5)

    with pytest.raises(ValueError):
        intervals(examples, guesses[:-1])
    with pytest.raises(ValueError):
        paired_wins(examples, guesses, guesses[:-1])


def test_report_gives_the_intervals_and_wins_in_chinese() -> None:
    report = {
        "n": 2,
        "urgent_n": 0,
        "macro_f1": 0.8,
        "route_accuracy": 0.9,
        "urgent_recall": None,
        "urgent_precision": None,
        "chat_case_rate": None,
        "per_category": {},
        "worst_confusions": [],
        "confusion": {},
        "intervals": {"macro_f1": (0.75, 0.85), "route_accuracy": (0.875, 0.925)},
        "baselines": {"tfidf_lr": dict.fromkeys(HEADLINE, 0.5)},
        "ratios": {"tfidf_lr": dict.fromkeys(HEADLINE, 1.0)},
        "wins": {"tfidf_lr": {"macro_f1": 0.987, "route_accuracy": 1.0}},
    }

    lines = format_report(report).splitlines()

    assert "重抽样区间（自助法 1000 次，95%）：宏平均F1 0.750～0.850，承办方准确率 0.875～0.925" in lines
    assert "本模型不低于TF-IDF基线的重抽样占比：宏平均F1 98.7%，承办方准确率 100.0%" in lines
