"""Turn a normalised message into the sparse feature strings the model scores.

Three kinds of feature go in. jieba words have their digits folded to 0,
so 3栋 and 12栋 share a weight. Character unigrams and bigrams survive typos
such as 包函 for 包含 and words that jieba splits badly. The hand-written cue
families come from nlp.cues.
"""

from __future__ import annotations

import re

from nlp.cues import Cues

_DIGITS = re.compile(r"\d+")
# Characters that carry no meaning for the category: spaces and punctuation.
_NOISE = re.compile(r"[\s,.!?:;~'\"()\[\]<>{}@#$%^&*+=|\\/，。！？：；、…·—【】《》“”‘’（）-]+")


def message_features(text: str, tokens: list[str], cues: Cues) -> list[str]:
    """Return the feature strings of one message.

    Args:
        text: Normalised text.
        tokens: The segmenter's tokens of the same text.
        cues: The cue families found in the same text.
    """
    features = ["bias"]
    for token in tokens:
        if token.strip():
            features.append("w:" + _DIGITS.sub("0", token.lower()))

    chars = _NOISE.sub("", _DIGITS.sub("0", text.lower()))
    features.extend("c:" + char for char in chars)
    features.extend("b:" + chars[index : index + 2] for index in range(len(chars) - 1))

    if cues.hazard:
        features.append("cue:hazard")
        if cues.urgent:
            features.append("cue:urgent")
    if cues.chronic:
        features.append("cue:chronic")
    if cues.defuse:
        features.append("cue:defuse")
    if cues.external:
        features.append("cue:external")
    if cues.notice:
        features.append("cue:notice")
    if cues.complaint:
        features.append("cue:complaint")
    if len(chars) <= 6:
        features.append("len:short")
    elif len(chars) >= 40:
        features.append("len:long")
    return features
