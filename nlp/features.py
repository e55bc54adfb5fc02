"""Turn a normalised message into the sparse features the model scores.

The features are character 1-, 2- and 3-grams plus the hand-written cue
families of nlp.cues. Character n-grams survive typos such as 包函 for 包含
and words that a segmenter would split badly, and they need no word
segmentation, which is what makes the classifier faster than jieba itself.

Digits are folded to 0 so that 3栋 and 12栋 share their weights. N-grams do
not cross punctuation or spaces, so "坏了,另外" gives no 了另 gram. An n-gram
key is the n-gram itself: unigrams, bigrams and trigrams differ by length,
and cue keys start with "#", a character that never survives the clean-up.
"""

from __future__ import annotations

import re

from nlp.cues import Cues

_DIGITS = re.compile(r"\d+")
# Characters that carry no meaning for the category: spaces and punctuation.
_SEPARATORS = re.compile(r"[\s,.!?:;~'\"()\[\]<>{}@#$%^&*+=|\\/，。！？：；、…·—【】《》“”‘’（）_-]+")



def char_ngrams(text: str) -> list[str]:
    """Return the character 1- to 3-grams of normalised text, repeats included.

    Args:
        text: Normalised text, see nlp.normalize.normalize.
    """
    grams: list[str] = []
    folded = _SEPARATORS.sub(" ", _DIGITS.sub("0", text.lower()))
    for piece in folded.split():
        grams.extend(piece)
        grams.extend([piece[i : i + 2] for i in range(len(piece) - 1)])
        grams.extend([piece[i : i + 3] for i in range(len(piece) - 2)])
    return grams


def cue_features(cues: Cues) -> list[str]:
    """Return the cue feature keys of one text."""
    keys = []
    if cues.hazard or cues.structural or cues.call:
        keys.append("#hazard")
    if cues.urgent:
        keys.append("#urgent")
    if cues.advice:
        keys.append("#advice")
    if cues.chronic:
        keys.append("#chronic")
    if cues.defuse:
        keys.append("#defuse")
    if cues.external:
        keys.append("#external")
    if cues.notice:
        keys.append("#notice")
    if cues.complaint:
        keys.append("#complaint")
    return keys


def message_features(text: str, cues: Cues) -> list[str]:
    """Return every feature key of one message: its n-grams and its cues.

    Args:
        text: Normalised text.
        cues: The cue families found in the same text.
    """
    return char_ngrams(text) + cue_features(cues)
