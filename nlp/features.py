"""Turn a normalised message into the sparse features the model scores.

The features are character 1-, 2- and 3-grams plus the hand-written cue
families of nlp.cues. Character n-grams survive typos such as 包函 for 包含
and words that a segmenter would split badly, and they need no word
segmentation, which is what makes the classifier faster than jieba itself.

Digits are folded to 0 so that 3栋 and 12栋 share their weights. N-grams do
not cross punctuation or spaces, so "坏了,另外" gives no 了另 gram. An n-gram
key is the n-gram itself: unigrams, bigrams and trigrams differ by length,
and cue keys start with "#", a character that never survives the clean-up.

At run time the n-grams are not built as strings: char_ngram_codes encodes
each one as an integer with numpy, which the model looks up in a sorted
array (see LinearModel.score_text). ngram_code gives the same integer for
an n-gram string.
"""

from __future__ import annotations

import re
from operator import add

import numpy as np

from nlp.cues import Cues

_DIGITS = re.compile(r"\d+")
# Characters that carry no meaning for the category: spaces and punctuation.
_SEPARATORS = re.compile(r"[\s,.!?:;~'\"()\[\]<>{}@#$%^&*+=|\\/，。！？：；、…·—【】《》“”‘’（）_-]+")

# An n-gram code gives each character CODE_BITS bits, which store its code point
# plus one. Every code point is below 2 ** 21, so a 3-gram fits in 63 bits,
# and because no character encodes as 0, n-grams of different lengths never
# share a code.
CODE_BITS = 21


def _fold(text: str) -> str:
    """Lower-case, fold digit runs to 0 and turn separator runs into one space."""
    return _SEPARATORS.sub(" ", _DIGITS.sub("0", text.lower()))


def char_ngrams(text: str) -> list[str]:
    """Return the character 1- to 3-grams of normalised text, repeats included.

    Args:
        text: Normalised text, see nlp.normalize.normalize.
    """
    grams: list[str] = []
    for piece in _fold(text).split():
        grams.extend(piece)
        bigrams = list(map(add, piece, piece[1:]))
        grams.extend(bigrams)
        grams.extend(map(add, bigrams, piece[2:]))
    return grams


def ngram_code(gram: str) -> int:
    """Return the integer code of a 1- to 3-character n-gram; see char_ngram_codes."""
    code = 0
    for char in gram:
        code = (code << CODE_BITS) | (ord(char) + 1)
    return code


def char_ngram_codes(text: str) -> np.ndarray:
    """Return the codes of the n-grams of char_ngrams(text), in no particular order, repeats included.

    The codes also include the n-grams that span the space left between two
    pieces of the folded text. No key that char_ngrams can return contains a
    space, so these codes match nothing in a table without such keys, and
    LinearModel keeps keys with a space out of its code table.

    Args:
        text: Normalised text, see nlp.normalize.normalize.

    Returns:
        A uint64 array of n-gram codes.
    """
    # "surrogatepass" keeps a lone surrogate as its own code unit, as str does.
    points = np.frombuffer(_fold(text).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    unigrams = np.add(points, 1, dtype=np.uint64)
    bigrams = unigrams[:-1] << CODE_BITS
    bigrams |= unigrams[1:]
    trigrams = bigrams[:-1] << CODE_BITS
    trigrams |= unigrams[2:]
    return np.concatenate((unigrams, bigrams, trigrams))


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
