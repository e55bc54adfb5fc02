from __future__ import annotations

from collections import Counter

import pytest

from nlp.data.generate import SEED, generate
from nlp.features import CODE_BITS, char_ngram_codes, char_ngrams, ngram_code

# Texts whose folding is easy to get wrong: digits, upper case, separators,
# NUL, a lone surrogate and characters above U+FFFF.
AWKWARD_TEXTS = [
    "",
    "坏",
    "坏了",
    "电梯坏了",
    "3栋 12栋",
    "坏了,另外",
    "ABC def",
    "a\x00b",
    "\x00\x00坏",
    "坏\ud83d了",
    "𠀾𠆿 坏𠀾",
    "  前后有空格  ",
    "，。！",
]


def _has_space(code: int) -> bool:
    while code:
        if code & ((1 << CODE_BITS) - 1) == ord(" ") + 1:
            return True
        code >>= CODE_BITS
    return False


def test_char_ngrams_of_one_piece() -> None:
    assert char_ngrams("电梯坏") == ["电", "梯", "坏", "电梯", "梯坏", "电梯坏"]


def test_char_ngrams_fold_digits_and_case() -> None:
    assert char_ngrams("3栋A") == ["0", "栋", "a", "0栋", "栋a", "0栋a"]


def test_char_ngrams_stop_at_punctuation() -> None:
    assert "了另" not in char_ngrams("坏了,另外")


def test_ngram_codes_differ_across_lengths() -> None:
    grams = ["a", "\x00a", "\x00\x00a", "\x00", "\x00\x00", "\x00\x00\x00", "ab", "b", "\U0010ffff"]
    codes = [ngram_code(gram) for gram in grams]
    assert len(set(codes)) == len(grams)


@pytest.mark.parametrize("text", AWKWARD_TEXTS)
def test_char_ngram_codes_encode_char_ngrams(text: str) -> None:
    codes = char_ngram_codes(text).tolist()
    expected = Counter(ngram_code(gram) for gram in char_ngrams(text))
    assert Counter(code for code in codes if not _has_space(code)) == expected


def test_char_ngram_codes_on_examples() -> None:
    texts = [example.text for example in generate(SEED)][::20]
    mismatched = [
        text
        for text in texts
        if Counter(code for code in char_ngram_codes(text).tolist() if not _has_space(code))
        != Counter(ngram_code(gram) for gram in char_ngrams(text))
    ]
    assert mismatched == []
