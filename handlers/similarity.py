"""Cheap text similarity for spotting two reports of the same problem."""

from __future__ import annotations

import re

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> set[str]:
    """Return the set of character bigrams of a text, ignoring spaces and punctuation."""
    compact = _NOISE.sub("", text.lower())
    if len(compact) < 2:
        return {compact} if compact else set()
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


# One or two shared bigrams (楼上, 每天) are common to unrelated fragments.
MIN_SHARED_BIGRAMS = 3


def similar(a: str, b: str, *, threshold: float) -> bool:
    """Tell whether two texts share enough bigrams, measured against the shorter one.

    The overlap coefficient suits chat, where one report is a short line and
    the other a long complaint about the same thing.
    """
    first, second = bigrams(a), bigrams(b)
    if not first or not second:
        return False
    shared = len(first & second)
    if shared < MIN_SHARED_BIGRAMS:
        return False
    return shared / min(len(first), len(second)) >= threshold


# Bigrams with these characters are grammar or an address, not the thing a
# report is about: "坏了", "的电", "单元".
_FUNCTION_CHARS = frozenset("了的又也是在很都还就吗呢吧啊呀着过和跟给把被让有没不栋单元室号幢层")


# Characters of comments that point at a report without naming a thing:
# "这个要管管了", "能不能快点处理一下".
_COMMENT_CHARS = frozenset(
    "这那个些种要管能可以快点赶紧请下处理解决问题情况事怎么什么谁吗呢吧啊呀啦哦嘛太真好多久还再"
    "第次月年一二三四五六七八九十两几"
)


def _content_bigrams(text: str) -> set[str]:
    return {
        gram
        for gram in bigrams(text)
        if len(gram) == 2 and not any(char.isdigit() or char in _FUNCTION_CHARS for char in gram)
    }


def has_topic(text: str) -> bool:
    """Tell whether a report names a thing of its own, such as 电梯 or 小广告.

    "这个要管管了" names nothing: it is a comment on whatever was reported
    just before, while "电梯坏了" is a problem of its own.
    """
    return any(not any(char in _COMMENT_CHARS for char in gram) for gram in _content_bigrams(text))


def same_topic(a: str, b: str) -> bool:
    """Tell whether two reports share at least one content bigram, such as 电梯 or 漏水.

    "电梯坏了" and "3栋的电梯一直停着" share 电梯, while "电梯坏了" and
    "3栋楼道灯也不亮了" share nothing and are two problems.
    """
    return bool(_content_bigrams(a) & _content_bigrams(b))
