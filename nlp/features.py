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

# Runs are written "xx*" rather than "x+": re skips in C to a pattern's
# first character only when the pattern opens with a class, not a repeat.
_DIGITS = re.compile(r"\d\d*")
# Characters that carry no meaning for the category: spaces and punctuation.
_SEPARATOR = r"[\s,.!?:;~'\"()\[\]<>{}@#$%^&*+=|\\/，。！？：；、…·—【】《》“”‘’（）_-]"
_SEPARATORS = re.compile(f"{_SEPARATOR}{_SEPARATOR}*")

# An n-gram code packs the UTF-16 code units of a 1- to 3-character n-gram
# into one integer, the first character in the lowest 16 bits. An 8-byte view
# of the encoded text at every character, masked to its low 2, 4 and 6 bytes,
# then gives the codes of all its n-grams at once. Two kinds of n-gram get no
# code: one with a NUL, whose code could equal that of a shorter n-gram, and
# one with a character above U+FFFF, which takes two code units.
NO_CODE = re.compile("[\x00\U00010000-\U0010ffff]")
# The masks that keep the first one, two and three code units of a 64-bit window.
_GRAM_MASKS = np.array([[2**16 - 1], [2**32 - 1], [2**48 - 1]], dtype=np.uint64)
# Appended to the folded text so that the views of its last positions stay
# inside the buffer. The n-grams they read contain a space, like those that
# span two pieces of the text.
_PADDING = "   "


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


def ngram_code(gram: str) -> int | None:
    """Return the integer code of a 1- to 3-character n-gram, or None if it has none.

    See char_ngram_codes; NO_CODE matches the characters that leave an
    n-gram without a code.
    """
    if NO_CODE.search(gram):
        return None
    return int.from_bytes(gram.encode("utf-16-le", "surrogatepass"), "little")


def char_ngram_codes(text: str) -> np.ndarray | None:
    """Return the codes of the n-grams of char_ngrams(text), in no particular order, repeats included.

    The codes also include the n-grams that contain a space: those that span
    two pieces of the folded text and those that run into its padding. No
    key that char_ngrams can return contains a space, so these codes match
    nothing in a table without such keys, and LinearModel keeps keys with a
    space out of its n-gram codes.

    One 64-bit view of the encoded text, starting at every character, reads
    four code units there. Masking it to its low 16, 32 and 48 bits gives the
    1-, 2- and 3-gram codes in one broadcast operation, which costs less than
    building one view per n-gram length and joining them.

    Args:
        text: Normalised text, see nlp.normalize.normalize.

    Returns:
        A uint64 array of n-gram codes, or None when the text contains a
        character that NO_CODE matches.
    """
    folded = _fold(text)
    size = len(folded)
    # "surrogatepass" keeps a lone surrogate as one code unit, as str does.
    data = (folded + _PADDING).encode("utf-16-le", "surrogatepass")
    if len(data) != 2 * (size + len(_PADDING)) or "\x00" in folded:
        return None
    windows = np.ndarray((size,), dtype="<u8", buffer=data, strides=(2,))
    return (windows & _GRAM_MASKS).reshape(-1)


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
