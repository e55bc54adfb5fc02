"""The classifier: one message in, one or more findings out."""

from __future__ import annotations

import logging
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from nlp.clauses import topic_spans
from nlp.cues import COURTESY, ME_TOO, Cues, find_cues, find_danger
from nlp.features import cue_features
from nlp.findings import Finding
from nlp.labels import CHAT, EXTERNAL_SENSITIVE
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
    # A part of a message after a connective such as 另外 becomes its own
    # finding only at this confidence or above.
    "clause": 0.5,
    # Below this chat probability a chat argmax is overruled and the best
    # actionable category is taken instead. "chat_complaint" replaces it
    # when the text uses complaint wording. Raising them dismisses fewer
    # complaints as chat but lets more chatter open cases. At 0 the model's
    # argmax decides, except that an urgent message is never chat.
    "chat": 0.0,
    "chat_complaint": 0.0,
}


class _Analysis(NamedTuple):
    """The cues and model scores of one piece of text.

    A named tuple rather than a frozen dataclass, which costs about a
    microsecond more to build on every message.
    """

    text: str
    cues: Cues
    scores: Scores


class Classifier:
    """Classifier of residents' messages into findings.

    Build one with Classifier.load(). It keeps the model weights and does no
    I/O after that, so one instance can serve the whole process.
    """

    def __init__(self, model: LinearModel, segmenter: Segmenter | None = None) -> None:
        """Wrap a loaded model; prefer Classifier.load().

        Args:
            model: The trained weights.
            segmenter: A jieba segmenter to hand out through `segmenter`;
                None builds one on first use. Classification never uses it.
        """
        self.model = model
        self._segmenter = segmenter
        self.thresholds = {**DEFAULT_THRESHOLDS, **model.thresholds}
        self._chat_index = model.categories.index(CHAT)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Classifier:
        """Load a trained model.

        Args:
            path: A model file written by `python -m nlp train`; None loads the
                model shipped in the package.

        Raises:
            FileNotFoundError: No file at path.
            ValueError: The file is not a model of a known format.
        """
        if path is None:
            with resources.as_file(resources.files("nlp").joinpath(MODEL_FILE)) as shipped:
                model = LinearModel.load(shipped)
        else:
            model = LinearModel.load(Path(path))
        logger.info("classifier loaded: %d features", len(model.features))
        return cls(model)

    @property
    def segmenter(self) -> Segmenter:
        """The jieba segmenter with the domain dictionary, built on first access.

        The model scores character n-grams and needs no word segmentation,
        so jieba's dictionary is only loaded for callers that want words.
        """
        if self._segmenter is None:
            self._segmenter = Segmenter()
        return self._segmenter

    def normalize(self, text: str) -> str:
        """Return the normalised text that the classifier scores."""
        return normalize(text)

    def classify(self, text: str) -> list[Finding]:
        """Classify one message.

        Args:
            text: The message as received.

        Returns:
            At least one finding. Chit-chat gives a single finding with
            category "chat". A message that raises a second problem after a
            connective (另外, 还有, 顺便...), of another category or at
            another named place, gives one finding per problem in text
            order.
        """
        normalized = normalize(text)
        # A bare "+1" joins the case under discussion, and bare thanks close a
        # conversation, so neither raises anything new.
        if not normalized or ME_TOO.match(normalized) or COURTESY.match(normalized):
            return [Finding(category=CHAT, confidence=1.0, text=text)]

        whole = self._analyse(normalized)
        index = self._decide_category(whole)
        parts = topic_spans(normalized) if index != self._chat_index else []
        if len(parts) < 2:
            return [self._finding(whole, index, self._is_urgent(whole), normalized)]
        return self._split_findings(normalized, whole, index, parts)

    def _split_findings(
        self, text: str, whole: _Analysis, index: int, parts: list[tuple[int, int]]
    ) -> list[Finding]:
        """Give each part that raises another problem its own finding, in text order.

        A part after a connective starts a new topic when the model is
        confident it is actionable and it is either of another category than
        every topic so far, or of the same category at another named place
        ("电梯坏了, 还有东门路灯也不亮"). Any other part continues the topic
        before it.
        """
        topics: list[tuple[int, list[str]]] = []
        for start, end in parts:
            piece = text[start:end]
            analysis = self._analyse(piece)
            probabilities = analysis.scores.category_probabilities
            piece_index = int(probabilities.argmax())
            confident = (
                piece_index != self._chat_index
                and probabilities[piece_index] >= self.thresholds["clause"]
            )
            if not topics:
                topics.append((piece_index if confident else index, [piece]))
            elif confident and self._is_new_topic(piece_index, piece, topics):
                topics.append((piece_index, [piece]))
            else:
                topics[-1][1].append(piece)
        if len(topics) < 2:
            return [self._finding(whole, index, self._is_urgent(whole), text)]

        findings = []
        for category_index, pieces in topics:
            part = self._analyse(" ".join(pieces))
            findings.append(self._finding(part, category_index, self._is_urgent(part), text))
        if self._is_urgent(whole) and not any(finding.urgent for finding in findings):
            findings[0] = replace(findings[0], urgent=True, danger=find_danger(whole.text))
        return findings

    @staticmethod
    def _is_new_topic(index: int, piece: str, topics: list[tuple[int, list[str]]]) -> bool:
        if all(index != topic_index for topic_index, _ in topics):
            return True
        place = extract_location(piece)
        if place.is_empty:
            return False
        return all(
            not place.overlaps(extract_location(" ".join(pieces)))
            and place != extract_location(" ".join(pieces))
            for topic_index, pieces in topics
            if topic_index == index
        )

    def _analyse(self, text: str) -> _Analysis:
        cues = find_cues(text)
        # The same features as message_features(text, cues), with the
        # n-grams scored from the text directly, which is much faster.
        scores = self.model.score_text(text, cue_features(cues))
        return _Analysis(text, cues, scores)

    def _decide_category(self, analysis: _Analysis) -> int:
        """Return the category index, overruling an unconfident chat argmax."""
        probabilities = analysis.scores.category_probabilities
        index = int(probabilities.argmax())
        if index == self._chat_index and not self._is_chat(analysis, self._is_urgent(analysis)):
            masked = probabilities.copy()
            masked[self._chat_index] = -1.0
            index = int(masked.argmax())
        return index

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

    def _finding(self, analysis: _Analysis, index: int, urgent: bool, whole_text: str) -> Finding:
        location = extract_location(analysis.text)
        if location.is_empty and analysis.text != whole_text:
            location = extract_location(whole_text)
        category = self.model.categories[index]
        # The external head learns only from the categories whose route an
        # outside cause changes; on the others its output means nothing.
        external = (
            category in EXTERNAL_SENSITIVE
            and analysis.scores.external_probability >= self.thresholds["external"]
        )
        return Finding(
            category=category,
            urgent=urgent,
            confidence=round(float(analysis.scores.category_probabilities[index]), 4),
            location=location,
            external=external,
            text=analysis.text,
            # A part of a message may say "还有人被困" while the danger's name is in another part.
            danger=(find_danger(analysis.text) or find_danger(whole_text)) if urgent else None,
        )

