"""The classifier: one message in, one or more findings out."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import numpy as np

from nlp.clauses import clause_spans, has_connective
from nlp.cues import Cues, find_cues
from nlp.features import message_features
from nlp.findings import Finding
from nlp.labels import CHAT
from nlp.locate import extract_location
from nlp.model import LinearModel, Scores
from nlp.normalize import normalize
from nlp.segment import Segmenter

logger = logging.getLogger("nlp")

MODEL_FILE = "model/classifier.json.gz"

# Default decision thresholds, used when the model file does not set them.
DEFAULT_THRESHOLDS = {
    # Above this, the learned urgent head alone marks a message urgent.
    "urgent": 0.7,
    "external": 0.5,
    # A message is only split into clauses when it has a connective such as
    # 另外, or its second-best actionable category has at least this
    # probability: cheap signs of two topics.
    "second_topic": 0.12,
    # A clause becomes its own finding only at this confidence or above.
    "clause": 0.55,
    # Below this chat probability a chat argmax is treated as uncertain and
    # the best actionable category is taken instead.
    "chat": 0.4,
    # The chat probability needed when the text uses complaint wording.
    "chat_complaint": 0.9,
}


@dataclass(frozen=True)
class _Analysis:
    """The cues and model scores of one piece of text."""

    text: str
    cues: Cues
    scores: Scores


class Classifier:
    """Classifier of residents' messages into findings.

    Build one with Classifier.load(). It keeps the jieba tokenizer and the
    model weights and does no I/O after that, so one instance can serve the
    whole process.
    """

    def __init__(self, model: LinearModel, segmenter: Segmenter) -> None:
        """Wrap a loaded model and segmenter; prefer Classifier.load().

        Args:
            model: The trained weights.
            segmenter: A ready jieba segmenter with the domain dictionary.
        """
        self.model = model
        self.segmenter = segmenter
        self.thresholds = {**DEFAULT_THRESHOLDS, **model.thresholds}
        self._chat_index = model.categories.index(CHAT)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Classifier:
        """Load a trained model and the segmenter.

        Args:
            path: A model file written by `python -m nlp train`; None loads the
                model shipped in the package.

        Raises:
            FileNotFoundError: No model file at path.
            ValueError: The file is not a model of a known format.
        """
        if path is None:
            with resources.as_file(resources.files("nlp").joinpath(MODEL_FILE)) as shipped:
                model = LinearModel.load(shipped)
        else:
            model = LinearModel.load(Path(path))
        logger.info("classifier loaded: %d features", len(model.features))
        return cls(model, Segmenter())

    def normalize(self, text: str) -> str:
        """Return the normalised text that the classifier segments and scores."""
        return normalize(text)

    def classify(self, text: str) -> list[Finding]:
        """Classify one message.

        Args:
            text: The message as received.

        Returns:
            At least one finding. Chit-chat gives a single finding with
            category "chat"; a message about two problems gives two findings,
            the main one first.
        """
        normalized = normalize(text)
        if not normalized:
            return [Finding(category=CHAT, confidence=1.0, text=text)]

        spans = self.segmenter.cut_spans(normalized)
        whole = self._analyse(normalized, [token for _, token in spans])
        probabilities = whole.scores.category_probabilities
        urgent = self._is_urgent(whole)
        index = int(probabilities.argmax())
        if index == self._chat_index and not self._is_chat(whole, urgent):
            index = self._best_actionable(probabilities)

        secondary = self._secondary_topics(normalized, spans, index, probabilities)
        if not secondary:
            return [self._finding(whole, index, urgent, normalized)]

        claimed = {clause for clauses in secondary.values() for clause in clauses}
        rest = [c for c in clause_spans(normalized) if c not in claimed]
        main = self._analyse_clauses(normalized, spans, rest) if rest else whole
        findings = [self._finding(main, index, self._is_urgent(main), normalized)]
        findings[0] = replace(findings[0], confidence=round(float(probabilities[index]), 4))
        for category_index, clauses in secondary.items():
            part = self._analyse_clauses(normalized, spans, clauses)
            findings.append(self._finding(part, category_index, self._is_urgent(part), normalized))
        if urgent and not any(finding.urgent for finding in findings):
            findings[0] = replace(findings[0], urgent=True)
        return findings

    def _analyse(self, text: str, tokens: list[str]) -> _Analysis:
        cues = find_cues(text)
        scores = self.model.score(message_features(text, tokens, cues))
        return _Analysis(text, cues, scores)

    def _analyse_clauses(
        self, text: str, spans: list[tuple[int, str]], clauses: list[tuple[int, int]]
    ) -> _Analysis:
        """Analyse some clauses of a message, reusing the message's tokens."""
        part = " ".join(text[start:end] for start, end in clauses)
        tokens = [
            token
            for offset, token in spans
            if any(start <= offset < end for start, end in clauses)
        ]
        return self._analyse(part, tokens)

    def _is_urgent(self, analysis: _Analysis) -> bool:
        if analysis.cues.urgent:
            return True
        if analysis.cues.defuse:
            return False
        return analysis.scores.urgent_probability >= self.thresholds["urgent"]

    def _is_chat(self, analysis: _Analysis, urgent: bool) -> bool:
        """Confirm a chat argmax: danger now is never chatter, and complaint
        wording needs a confident chat score to be dismissed."""
        if urgent:
            return False
        p_chat = float(analysis.scores.category_probabilities[self._chat_index])
        if p_chat < self.thresholds["chat"]:
            return False
        return not analysis.cues.complaint or p_chat >= self.thresholds["chat_complaint"]

    def _best_actionable(self, probabilities: np.ndarray) -> int:
        masked = probabilities.copy()
        masked[self._chat_index] = -1.0
        return int(masked.argmax())

    def _secondary_topics(
        self,
        text: str,
        spans: list[tuple[int, str]],
        main_index: int,
        probabilities: np.ndarray,
    ) -> dict[int, list[tuple[int, int]]]:
        """Find clauses about another actionable category than the main one.

        Returns:
            Category index to the (start, end) spans of the clauses about
            it, in order of appearance.
        """
        if main_index == self._chat_index:
            return {}
        runner_up = probabilities.copy()
        runner_up[[main_index, self._chat_index]] = 0.0
        if runner_up.max() < self.thresholds["second_topic"] and not has_connective(text):
            return {}
        clauses = clause_spans(text)
        if len(clauses) < 2:
            return {}

        topics: dict[int, list[tuple[int, int]]] = {}
        for clause in clauses:
            analysis = self._analyse_clauses(text, spans, [clause])
            clause_probabilities = analysis.scores.category_probabilities
            clause_index = int(clause_probabilities.argmax())
            if clause_index in (main_index, self._chat_index):
                continue
            if clause_probabilities[clause_index] < self.thresholds["clause"]:
                continue
            topics.setdefault(clause_index, []).append(clause)
        return topics

    def _finding(self, analysis: _Analysis, index: int, urgent: bool, whole_text: str) -> Finding:
        location = extract_location(analysis.text)
        if location.is_empty and analysis.text != whole_text:
            location = extract_location(whole_text)
        return Finding(
            category=self.model.categories[index],
            urgent=urgent,
            confidence=round(float(analysis.scores.category_probabilities[index]), 4),
            location=location,
            external=analysis.scores.external_probability >= self.thresholds["external"],
            text=analysis.text,
        )

