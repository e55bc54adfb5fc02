from __future__ import annotations

import re

import pytest

from nlp import cues
from nlp.cues import find_cues, first_characters, split_alternatives
from nlp.data.generate import SEED, generate

FAMILIES = ["HAZARD", "CALL", "ADVICE", "HYPOTHETICAL", "NOW", "CHRONIC", "DEFUSE", "EXTERNAL"]
FAMILIES += ["COMPLAINT", "NOTICE"]


def test_split_alternatives_keeps_groups_and_classes() -> None:
    assert split_alternatives(r"a|(?:b|c)|[|]|\||d") == ["a", "(?:b|c)", "[|]", r"\|", "d"]


@pytest.mark.parametrize(
    ("alternative", "expected"),
    [
        ("着火", "着"),
        ("(?:起火|冒烟)", "起冒"),
        (r"(?<!\d)119(?!\d)", "1"),
        (".{0,4}煤气", None),
        ("[甲乙]方", None),
    ],
)
def test_first_characters(alternative: str, expected: str | None) -> None:
    assert first_characters(alternative) == expected


@pytest.mark.parametrize("name", FAMILIES)
def test_prefilter_matches_plain_alternation(name: str) -> None:
    compiled = getattr(cues, name)
    body = compiled.pattern
    if body.startswith("(?=["):
        body = body[body.index("])(?:") + 5 : -1]
    plain = re.compile(body)
    texts = [example.text for example in generate(SEED)][::3]
    texts += ["3栋着火了 快打119", "不要开灯", "(?<!", "119", "2119", "【通知】明天停水"]
    mismatched = [t for t in texts if bool(compiled.search(t)) != bool(plain.search(t))]
    assert mismatched == []


def test_call_with_advice_is_not_urgent() -> None:
    assert not find_cues("赶紧打119 别坐电梯").urgent


def test_call_alone_is_urgent() -> None:
    assert find_cues("快打119 快来人").urgent


def test_past_call_is_not_urgent() -> None:
    assert not find_cues("昨天晚上那辆救护车是来接谁的").urgent
