"""The things a report is about, such as 电梯, 路灯, 垃圾 or 广场舞.

A resident's second line minutes after their own report either adds to it
("车都堵在外面了", "赶紧来人修一下") or raises another problem ("楼道灯也不亮了").
A line of the second kind usually names a thing that the first report does
not, so handlers.follow_ups compares the subjects of the two texts. The
classifier compares the clauses of one listed message the same way.

NOTE: the list covers the problems residents report most often. A thing
missing from it counts as no subject, which leaves handlers.follow_ups only
its other checks to tell a second problem from more detail.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Each group lists the words residents use for one subject. The first word
# names the group.
_SUBJECT_GROUPS: tuple[tuple[str, ...], ...] = (
    # Facilities.
    ("电梯", "轿厢", "扶梯"),
    ("楼道灯", "声控灯", "楼梯灯", "感应灯", "楼道的灯", "楼梯间的灯", "楼道里的灯"),
    ("路灯", "庭院灯", "草坪灯"),
    ("灯", "灯泡", "灯管"),
    ("门禁", "门禁卡", "刷卡", "人脸识别"),
    ("单元门", "楼道门", "防盗门", "门锁"),
    ("道闸", "栏杆", "抬杆", "闸杆"),
    ("监控", "摄像头"),
    ("水管", "管道", "阀门", "水龙头"),
    ("漏水", "渗水", "滴水", "渗漏", "漏雨", "返水"),
    ("下水道", "下水管", "化粪池", "污水井", "污水", "地漏"),
    ("井盖",),
    ("停水", "没水", "水压", "二次供水", "水箱", "水泵"),
    ("停电", "没电", "跳闸", "电箱", "配电"),
    ("燃气", "煤气", "天然气"),
    ("暖气", "供暖", "采暖"),
    ("外墙", "瓷砖", "墙皮", "墙面", "空调外机"),
    ("窗户", "玻璃"),
    ("马桶", "厕所", "坐便器", "蹲坑"),
    ("消防通道", "消防栓", "灭火器", "消防设施", "消防门", "烟感"),
    ("快递柜", "快递", "丰巢"),
    ("充电桩", "充电棚", "飞线", "插线板", "拉线充电"),
    ("电动车", "电瓶车"),
    ("滑梯", "秋千", "健身器材", "游乐设施"),
    ("树", "树枝", "树木"),
    ("绿化", "草坪", "绿地", "花坛", "种菜"),
    ("路面", "坑", "地砖", "台阶"),
    # Nuisances.
    ("垃圾", "垃圾桶", "垃圾站", "垃圾房"),
    ("杂物", "纸箱", "家具", "堆放", "当仓库"),
    ("小广告", "牛皮癣"),
    ("噪音", "吵", "音响", "喇叭"),
    ("广场舞", "跳舞"),
    ("装修", "电钻", "砸墙"),
    ("油烟", "烧烤", "排风扇"),
    ("狗", "犬", "宠物", "遛狗", "拴绳"),
    ("猫",),
    ("马蜂窝", "蜂窝", "马蜂", "黄蜂", "胡蜂", "蛇"),
    ("抽烟", "吸烟", "烟头"),
    ("高空抛物", "高空坠物", "往下扔", "扔东西"),
    ("停车", "车位", "乱停", "地锁", "僵尸车"),
    ("群租", "隔断"),
    ("违建", "违章", "搭建", "铁皮房", "阳光房"),
    # Fees, money and committees.
    ("物业费", "收费", "涨价", "涨费"),
    ("维修基金", "维修资金", "公共收益", "广告费", "账目"),
    ("业委会", "业主委员会", "业主大会", "换届", "选举"),
    ("保安", "门岗", "岗亭"),
    ("保洁", "打扫"),
)
_SUBJECT = {word: group[0] for group in _SUBJECT_GROUPS for word in group}
_GROUP = {group[0]: group for group in _SUBJECT_GROUPS}
# Longest first, so 楼道灯 is read as one word rather than as its 灯.
_SUBJECT_WORDS = re.compile("|".join(sorted(map(re.escape, _SUBJECT), key=len, reverse=True)))
# A general word that any more specific subject of its kind covers: "灯一直不亮"
# after "楼道灯坏了" is about the same lamp.
_COVERED_BY = {"灯": frozenset({"楼道灯", "路灯"})}
# Subjects that one problem often names together, usually a cause and what it
# does: "水管爆了，整栋没水", "门禁坏了，单元门关不上", "广场舞音响震天响".
# Each pair reads both ways.
# NOTE: the pairs are picked by hand. A cause and effect missing here makes
# a confident two-clause list of one category two findings.
_ONE_PROBLEM_PAIRS = (
    *(("漏水", source) for source in ("水管", "下水道", "暖气", "外墙", "窗户", "停水")),
    ("停水", "水管"),
    *(("停电", outage) for outage in ("电梯", "楼道灯", "路灯", "灯", "门禁", "停水", "监控")),
    ("下水道", "井盖"),
    ("门禁", "单元门"),
    ("道闸", "停车"),
    ("停车", "消防通道"),
    ("电动车", "充电桩"),
    ("垃圾", "杂物"),
    ("高空抛物", "垃圾"),
    ("树", "绿化"),
    ("外墙", "窗户"),
    ("路面", "井盖"),
    *(("噪音", source) for source in ("广场舞", "装修", "狗", "油烟", "电动车")),
)
_ONE_PROBLEM = frozenset({*_ONE_PROBLEM_PAIRS, *((second, first) for first, second in _ONE_PROBLEM_PAIRS)})


@lru_cache(maxsize=4096)
def subjects(text: str) -> frozenset[str]:
    """Return the subjects a text names, each as the first word of its group.

    Args:
        text: Normalised text, see nlp.normalize.normalize.
    """
    return frozenset(_SUBJECT[match.group(0)] for match in _SUBJECT_WORDS.finditer(text))


def subject_words() -> frozenset[str]:
    """Return every word of every subject group."""
    return frozenset(_SUBJECT)


def words_of(names: frozenset[str]) -> frozenset[str]:
    """Return the words of the subject groups with these names, as subjects() returns them."""
    return frozenset(word for name in names for word in _GROUP[name])


def subject_spans(text: str) -> list[tuple[int, int]]:
    """Return where a text names a subject word, as (start, end) offsets in text order.

    A longer word wins over a shorter one that starts at the same place, as in subjects().
    """
    return [match.span() for match in _SUBJECT_WORDS.finditer(text)]


def names_new_subject(line: str, report: str) -> bool:
    """Tell whether a line names a subject that an earlier report does not.

    Args:
        line: Normalised text of the later line.
        report: Normalised text of the earlier report.
    """
    known = subjects(report)
    return any(
        subject not in known and not (_COVERED_BY.get(subject, frozenset()) & known)
        for subject in subjects(line)
    )


def names_other_subject(clause: str, topic: str) -> bool:
    """Tell whether a clause is about another thing than the topic before it in one message.

    "楼道里还漏水" after "33栋电梯坏了" is a second problem, while "按钮没反应"
    names nothing and "整栋都没水了" after "水管爆了" describes what the burst did.
    Both must name a subject, and no subject of the clause may be one of the
    topic's, a general word for one (灯 for 路灯), or often part of one
    problem with one (see _ONE_PROBLEM_PAIRS).

    Args:
        clause: Normalised text of the later clause.
        topic: Normalised text of the clauses before it about one problem.
    """
    belongs = _belongs_to_topic(clause, topic)
    return bool(belongs) and not any(belongs)


def names_only_known_subjects(clause: str, topic: str) -> bool:
    """Return whether every thing a clause names belongs to the topic before it.

    "堆满纸箱" after "有人把楼道当仓库" describes the same clutter,
    while "电梯里还有人抽烟" after "电梯坏了" also names smoking. Both must
    name a subject, as in names_other_subject.

    Args:
        clause: Normalised text of the later clause.
        topic: Normalised text of the clauses before it about one problem.
    """
    belongs = _belongs_to_topic(clause, topic)
    return bool(belongs) and all(belongs)


def _belongs_to_topic(clause: str, topic: str) -> list[bool]:
    """Return, for each subject a clause names, whether it is part of one problem with a subject of the topic.

    The list is empty when either text names no subject.
    """
    known = subjects(topic)
    named = subjects(clause)
    if not known or not named:
        return []
    return [any(_one_problem(subject, other) for other in known) for subject in named]


# Subjects that alone name a fault or a danger ("漏水", "停电", "煤气"), so a
# line of that one word may be a report.
_FAULT_SUBJECTS = frozenset({"漏水", "停水", "停电", "燃气", "噪音", "高空抛物"})
# The maximum length of a subject word plus room for closing marks and particles.
_MAX_BARE_LINE = max(map(len, _SUBJECT)) + 6
# Punctuation, spaces and the particles that may close a one-word line.
_LINE_DECORATION = re.compile(r"[\s\W_啊呀吧呢嘛哦么]+")


def is_bare_thing(text: str) -> bool:
    """Return whether a line is nothing but the name of a thing, such as "垃圾" or "电梯?".

    Such a line names no fault of the thing. Names of a fault or a danger
    (see _FAULT_SUBJECTS) do not count.

    Args:
        text: Normalised text.
    """
    # A cheap length test first, because most lines are longer than any subject word.
    if len(text) > _MAX_BARE_LINE:
        return False
    word = _LINE_DECORATION.sub("", text)
    name = _SUBJECT.get(word)
    return name is not None and name not in _FAULT_SUBJECTS


def _one_problem(first: str, second: str) -> bool:
    return (
        first == second
        or second in _COVERED_BY.get(first, frozenset())
        or first in _COVERED_BY.get(second, frozenset())
        or (first, second) in _ONE_PROBLEM
    )
