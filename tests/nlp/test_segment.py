from __future__ import annotations

import pytest

from nlp.segment import Segmenter, domain_words


def test_domain_dictionary_not_empty() -> None:
    words = domain_words()
    assert len(words) > 100
    assert "物业费" in words


def test_domain_words_survive_segmentation(segmenter: Segmenter) -> None:
    broken = [word for word in domain_words() if segmenter.cut(word) != [word]]
    assert broken == []


@pytest.mark.parametrize("word", ["物业费", "维修基金", "业委会", "飞线充电", "高空抛物", "消防通道"])
def test_domain_word_intact_in_sentence(segmenter: Segmenter, word: str) -> None:
    assert word in segmenter.cut(f"我想问一下{word}的事情")


@pytest.mark.parametrize("token", ["3栋", "2单元", "1002室", "13楼", "90方", "5-2-301", "三栋"])
def test_numbers_with_units_stay_whole(segmenter: Segmenter, token: str) -> None:
    assert token in segmenter.cut(f"我家在{token}这边")


def test_segmenter_drops_spaces(segmenter: Segmenter) -> None:
    assert " " not in segmenter.cut("电梯 坏了")
