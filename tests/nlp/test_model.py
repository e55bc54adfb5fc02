from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from nlp import Classifier
from nlp.cues import find_cues
from nlp.data.generate import SEED, generate
from nlp.features import char_ngrams, cue_features, message_features
from nlp.model import QUANTUM, LinearModel
from nlp.normalize import normalize

CATEGORIES = ["repair", "chat"]


def _model() -> LinearModel:
    features = ["坏", "坏了", "#hazard"]
    idf = np.array([1.5, 2.0, 3.0])
    weights = np.array(
        [[1.0, -1.0, 0.5, 0.0], [2.0, -2.0, 0.0, 0.25], [0.0, 0.0, 3.0, 0.0]]
    )
    intercepts = np.array([0.1, -0.1, -2.0, 0.0])
    return LinearModel(CATEGORIES, features, idf, weights, intercepts, {"urgent": 0.7})


def test_score_is_normalised_tfidf_dot_product() -> None:
    model = _model()
    scores = model.score(["坏", "坏了", "坏", "unknown"])
    norm = np.sqrt(1.5**2 + 2.0**2)
    logits = np.array([1.5 * 1.0 + 2.0 * 2.0, -(1.5 + 4.0)]) / norm + [0.1, -0.1]
    expected = np.exp(logits) / np.exp(logits).sum()
    assert np.allclose(scores.category_probabilities, expected)
    assert scores.urgent_probability == pytest.approx(1 / (1 + np.exp(-(0.75 / norm - 2.0))))


def test_score_without_known_features_uses_intercepts() -> None:
    scores = _model().score(["nothing", "known"])
    expected = np.exp([0.1, -0.1]) / np.exp([0.1, -0.1]).sum()
    assert np.allclose(scores.category_probabilities, expected)
    assert scores.external_probability == pytest.approx(0.5)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = _model()
    path = tmp_path / "model.json.gz"
    model.save(path)
    loaded = LinearModel.load(path)
    assert loaded.features == model.features
    assert loaded.thresholds == {"urgent": 0.7}
    assert np.allclose(loaded.weights, model.weights, atol=QUANTUM)
    assert np.allclose(loaded.idf, model.idf, atol=QUANTUM)


def test_load_rejects_other_format(tmp_path: Path) -> None:
    path = tmp_path / "model.json.gz"
    payload = json.loads(_model().to_json())
    payload["format"] = 1
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(payload))
    with pytest.raises(ValueError, match="unsupported model format 1"):
        LinearModel.load(path)


def test_weights_must_match_features() -> None:
    with pytest.raises(ValueError, match="weights have shape"):
        LinearModel(CATEGORIES, ["a"], np.ones(1), np.ones((2, 4)), np.zeros(4), {})


def _model_with_awkward_keys() -> LinearModel:
    # Keys that char_ngrams never returns ("a b", "A", "longer key") or that
    # only NUL or astral characters produce, each with its own weights.
    features = ["坏", "坏了", "了", "#hazard", "a b", "A", "a", "\x00坏", "𠀾", "longer key"]
    rng = np.random.default_rng(7)
    weights = rng.normal(0.0, 2.0, (len(features), len(CATEGORIES) + 2))
    idf = rng.uniform(1.0, 3.0, len(features))
    intercepts = np.array([0.1, -0.1, -2.0, 0.5])
    return LinearModel(CATEGORIES, features, idf, weights, intercepts, {})


@pytest.mark.parametrize(
    ("text", "features"),
    [
        ("坏了", []),
        ("坏了坏了", ["#hazard"]),
        ("坏了", ["坏了", "#hazard", "#hazard", "unknown"]),
        ("a b", []),
        ("A", []),
        ("\x00坏", []),
        ("𠀾 坏", ["longer key"]),
        ("", []),
        ("", ["#hazard"]),
    ],
)
def test_score_text_matches_score(text: str, features: list[str]) -> None:
    model = _model_with_awkward_keys()
    expected = model.score(char_ngrams(text) + features)
    scores = model.score_text(text, features)
    assert np.allclose(scores.category_probabilities, expected.category_probabilities, rtol=0, atol=1e-12)
    assert scores.urgent_probability == pytest.approx(expected.urgent_probability, abs=1e-12)
    assert scores.external_probability == pytest.approx(expected.external_probability, abs=1e-12)


def test_score_text_matches_score_on_shipped_model(classifier: Classifier) -> None:
    model = classifier.model
    for example in list(generate(SEED))[::50]:
        text = normalize(example.text)
        cues = find_cues(text)
        expected = model.score(message_features(text, cues))
        scores = model.score_text(text, cue_features(cues))
        assert np.allclose(scores.category_probabilities, expected.category_probabilities, rtol=0, atol=1e-12)
        assert scores.urgent_probability == pytest.approx(expected.urgent_probability, abs=1e-12)
        assert scores.external_probability == pytest.approx(expected.external_probability, abs=1e-12)


def test_score_text_long_message(classifier: Classifier) -> None:
    model = classifier.model
    # Every CJK unigram of the model once, which gathers more rows than
    # the preallocated vector of ones covers.
    text = "".join(key for key in model.features if len(key) == 1 and "\u4e00" <= key <= "\u9fff")
    expected = model.score(char_ngrams(text))
    scores = model.score_text(text)
    assert len(text) > 1024
    assert np.allclose(scores.category_probabilities, expected.category_probabilities, rtol=0, atol=1e-12)
    assert scores.urgent_probability == pytest.approx(expected.urgent_probability, abs=1e-12)
