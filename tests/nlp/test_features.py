from __future__ import annotations

from collections import Counter

import pytest

from nlp.data.generate import SEED, generate
from nlp.features import NO_CODE, char_ngram_codes, char_ngrams, ngram_code

# Texts whose folding is easy to get wrong: digits, upper case, separators,
# a lone surrogate and padding at both ends.
AWKWARD_TEXTS = [
    "",
    "坏",
    "坏了",
    "电梯坏了",
    "3栋 12栋",
    "坏了,另外",
    "ABC def",
    "坏\ud83d了",
    "\ud83d\ude00",
    "  前后有空格  ",
    "，。！",
]


def _has_space(code: int) -> bool:
    units = [(code >> shift) & 0xFFFF for shift in (0, 16, 32)]
    return ord(" ") in units


def test_char_ngrams_of_one_piece() -> None:
    assert char_ngrams("电梯坏") == ["电", "梯", "坏", "电梯", "梯坏", "电梯坏"]


def test_char_ngrams_fold_digits_and_case() -> None:
    assert char_ngrams("3栋A") == ["0", "栋", "a", "0栋", "栋a", "0栋a"]


def test_char_ngrams_stop_at_punctuation() -> None:
    assert "了另" not in char_ngrams("坏了,另外")


def test_ngram_codes_differ_across_lengths() -> None:
    grams = ["a", "ab", "abc", "b", "ba", "\uffff", "\uffff\uffff", "\uffff\uffff\uffff", "\ud83d"]
    codes = [ngram_code(gram) for gram in grams]
    assert None not in codes
    assert len(set(codes)) == len(grams)


@pytest.mark.parametrize("gram", ["\x00", "a\x00", "\x00a", "𠀾", "a𠀾"])
def test_ngram_code_missing_for_nul_and_astral(gram: str) -> None:
    assert NO_CODE.search(gram)
    assert ngram_code(gram) is None


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "𠀾𠆿 坏", "坏𠀾"])
def test_char_ngram_codes_missing_for_nul_and_astral(text: str) -> None:
    assert char_ngram_codes(text) is None


@pytest.mark.parametrize("text", AWKWARD_TEXTS)
def test_char_ngram_codes_encode_char_ngrams(text: str) -> None:
    codes = char_ngram_codes(text)
    assert codes is not None
    codes = codes.tolist()
    expected = Counter(ngram_code(gram) for gram in char_ngrams(text))
    assert Counter(code for code in codes if not _has_space(code)) == expected


def test_char_ngram_codes_on_examples() -> None:
    texts = [example.text for example in generate(SEED)][::20]
    codable = [text for text in texts if not NO_CODE.search(text)]
    mismatched = [
        text
        for text in codable
        if Counter(code for code in char_ngram_codes(text).tolist() if not _has_space(code))
        != Counter(ngram_code(gram) for gram in char_ngrams(text))
    ]
    assert len(codable) > len(texts) / 2
    assert mismatched == []
