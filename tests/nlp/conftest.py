"""Shared fixtures: one classifier for the whole session, since loading takes jieba's time."""

from __future__ import annotations

import pytest

from nlp import Classifier
from nlp.segment import Segmenter


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.load()


@pytest.fixture(scope="session")
def segmenter(classifier: Classifier) -> Segmenter:
    return classifier.segmenter
