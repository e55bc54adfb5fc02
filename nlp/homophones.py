"""Undo pinyin input-method typos of subject words, such as 店题 typed for 电梯.

A pinyin input method offers every word with the typed syllables, and a
resident in a hurry picks 店题, 电体 or 垫梯 for dian ti. Comparing two
reports, fold_typos rewrites such a misspelling in one text into the subject
word the other text names. It folds only towards words the other text
names, so an ordinary word that sounds like some subject (话题 and 滑梯)
changes nothing unless the other report is about that subject. The
readings come from nlp/homophone_table.py, built with pypinyin.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlp.homophone_table import SYLLABLE_CHARACTERS, WORD_SYLLABLES
from nlp.subjects import subject_spans, words_of


@lru_cache(maxsize=512)
def _sound_alike(word: str) -> re.Pattern[str] | None:
    """Return a pattern for every spelling of a word with common characters of the same readings."""
    syllables = WORD_SYLLABLES.get(word)
    if syllables is None:
        return None
    return re.compile("".join(f"[{SYLLABLE_CHARACTERS[syllable]}]" for syllable in syllables.split()))


@lru_cache(maxsize=4096)
def fold_typos(text: str, names: frozenset[str]) -> str:
    """Rewrite sound-alike misspellings of the named subjects' words as the words themselves.

    A stretch of text counts as a misspelling when every character has a
    word's reading in turn and the stretch overlaps no subject word the
    text spells right, so the 电梯 of "电梯题目" stays as it is. Words of one
    character are never folded, because 等 for 灯 is an ordinary word.

    Args:
        text: Normalised text.
        names: Subject names, as nlp.subjects.subjects returns them, usually
            those of the report the text is compared with.
    """
    # NOTE: an ordinary word that sounds like a named subject (话题 when the
    # other report names 滑梯) is folded too.
    if not names:
        return text
    # A one-character word such as the 灯 of 楼到灯 may be part of the misspelling.
    spelled_right = [(start, end) for start, end in subject_spans(text) if end - start >= 2]
    replacements: list[tuple[int, int, str]] = []
    # Longest words first, so 楼到灯 becomes 楼道灯 before anything shorter is tried.
    for word in sorted(words_of(names), key=len, reverse=True):
        pattern = _sound_alike(word)
        if pattern is None:
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            if match.group(0) == word or _overlaps(start, end, spelled_right):
                continue
            if _overlaps(start, end, [(first, last) for first, last, _ in replacements]):
                continue
            replacements.append((start, end, word))
    for start, end, word in sorted(replacements, reverse=True):
        text = text[:start] + word + text[end:]
    return text


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)
