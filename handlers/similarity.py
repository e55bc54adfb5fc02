"""Cheap text similarity for spotting two reports of the same problem.

Reports are compared on the problem they describe, with the addresses and
place names cut out. The locations are compared field by field elsewhere,
and two reports about 南门 share the bigram 南门 whatever each is about.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlp.homophones import fold_typos
from nlp.locate import split_at_locations
from nlp.normalize import normalize
from nlp.subjects import subjects

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
    the other a long complaint about the same thing. Addresses and places do
    not count: the 6栋 that "6栋电梯里有人抽烟" and "6栋电梯里有狗撒尿"
    share adds nothing.
    """
    a, b = _typos_undone(a, b)
    first, second = _problem_bigrams(a), _problem_bigrams(b)
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


# Words residents use for one thing, each group written as its first word
# before bigrams are taken: "正门栏杆抬不起来" is about the 道闸 of
# "小区大门的道闸坏了". The lamp words also keep 楼道灯 from losing its
# lamp when the place 楼道 is cut out.
_SAME_THING_GROUPS = (
    ("漏水", "渗水", "滴水", "渗漏", "漏雨"),
    ("道闸", "栏杆", "抬杆", "闸杆"),
    ("声控灯", "楼道灯", "楼梯灯", "感应灯", "楼道的灯", "楼梯间的灯", "楼道里的灯"),
    ("监控", "摄像头"),
    ("涨价", "上涨", "涨了", "涨到", "提价"),
    # "养狗的能不能文明一点" is about the 狗狗 of "楼下狗狗每天不拴绳".
    ("养狗", "狗狗", "遛狗", "宠物狗", "狗"),
    # Neighbours see one fire from different sides: "8栋着火了", "8栋冒烟了".
    # The group is written as 火灾, because 着 is a particle that no bigram keeps.
    ("火灾", "着火", "起火", "失火", "冒烟", "冒黑烟", "浓烟", "烧起来"),
)
_SAME_THING = {word: group[0] for group in _SAME_THING_GROUPS for word in group[1:]}
_SAME_THING_WORDS = re.compile("|".join(sorted(map(re.escape, _SAME_THING), key=len, reverse=True)))


# find_duplicate compares one finding with up to 200 open cases, so the
# cases' summaries are cut up once rather than once per message.
@lru_cache(maxsize=4096)
def _problem_pieces(text: str) -> tuple[str, ...]:
    folded = _SAME_THING_WORDS.sub(lambda match: _SAME_THING[match.group(0)], normalize(text))
    return tuple(split_at_locations(folded))


@lru_cache(maxsize=4096)
def _typos_undone(a: str, b: str) -> tuple[str, str]:
    """Return both texts normalised, each with its misspellings of the other's subjects undone.

    "3栋店题又坏了" then shares 电梯 with "3栋电梯坏了" (see nlp.homophones).
    """
    first, second = normalize(a), normalize(b)
    return fold_typos(first, subjects(second)), fold_typos(second, subjects(first))


def _problem_bigrams(text: str) -> set[str]:
    return set().union(*(bigrams(piece) for piece in _problem_pieces(text)))


def _thing_bigrams(text: str) -> set[str]:
    return set().union(*(_content_bigrams(piece) for piece in _problem_pieces(text)))


def has_topic(text: str) -> bool:
    """Tell whether a report names a thing of its own, such as 电梯 or 小广告.

    "这个要管管了" names nothing: it is a comment on whatever was reported
    just before, while "电梯坏了" is a problem of its own. A place is no
    thing, so "东门这个要管管了" is a comment too.
    """
    return any(not any(char in _COMMENT_CHARS for char in gram) for gram in _thing_bigrams(text))


def same_topic(a: str, b: str) -> bool:
    """Tell whether two reports share at least one content bigram, such as 电梯 or 漏水.

    "电梯坏了" and "3栋的电梯一直停着" share 电梯, while "电梯坏了" and
    "3栋楼道灯也不亮了" share nothing and are two problems. Places do not
    count: "南门路灯坏了" and "南门监控坏了" share only where they are.
    """
    a, b = _typos_undone(a, b)
    return bool(_thing_bigrams(a) & _thing_bigrams(b))


# Words that nearly every report of a compound-wide category names, so
# sharing them does not show a common matter. Two fee complaints both name
# 物业费, and two suggestions both open with 建议. Longer words come first, so
# 物业费 is taken whole.
_COMPOUND_WORDS = re.compile(
    "|".join(
        sorted(
            "物业公司 物业费 物业 业主委员会 业委会 业主 小区 收费 乱收费 费用 "
            "维修基金 专项维修资金 公共收益 建议 希望 咨询 反映 投诉".split(),
            key=len,
            reverse=True,
        )
    )
)


def _matter_bigrams(text: str) -> set[str]:
    parts = (part for piece in _problem_pieces(text) for part in _COMPOUND_WORDS.split(piece))
    return {
        gram
        for gram in set().union(*(_content_bigrams(part) for part in parts))
        if not any(char in _COMMENT_CHARS for char in gram)
    }


def same_matter(a: str, b: str) -> bool:
    """Tell whether two reports of a compound-wide matter name a common thing beyond the words all such reports use.

    "物业费今年又涨了" and "物业费涨价没有经过业主大会同意" share 涨价, so
    they are one matter. "物业费涨价了" and "物业费发票开不出来" share only
    物业费, and "凭什么" or "什么时候" are comments, not things, so such
    pairs stay apart.
    """
    a, b = _typos_undone(a, b)
    return bool(_matter_bigrams(a) & _matter_bigrams(b))
