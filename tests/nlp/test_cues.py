from __future__ import annotations

import re

import pytest

from nlp import cues
from nlp.cues import ME_TOO, DangerKind, find_cues, find_danger, first_characters, literal_first, split_alternatives
from nlp.data.generate import SEED, generate

FAMILIES = ["HAZARD", "CALL", "ADVICE", "HYPOTHETICAL", "NOW", "CHRONIC", "DEFUSE", "EXTERNAL"]
FAMILIES += ["COMPLAINT", "NOTICE", "STRUCTURAL", "SEEMS", "WORRY"]


def test_split_alternatives_keeps_groups_and_classes() -> None:
    assert split_alternatives(r"a|(?:b|c)|[|]|\||d") == ["a", "(?:b|c)", "[|]", r"\|", "d"]


@pytest.mark.parametrize(
    ("alternative", "expected"),
    [
        ("着火", "着"),
        ("(?:起火|冒烟)", "起冒"),
        (r"(?<!\d)119(?!\d)", "1"),
        (".{0,4}煤气", None),
        ("[甲乙]方", "甲乙"),
        ("[^甲]方", None),
        (r"\d+年", r"\d"),
        ("(?:起火|冒烟).{0,4}了", "起冒"),
        ("(?:起火|冒烟)?了", None),
        ("冒?烟", None),
    ],
)
def test_first_characters(alternative: str, expected: str | None) -> None:
    assert first_characters(alternative) == expected


@pytest.mark.parametrize(
    ("alternative", "expected"),
    [
        ("着火", ["着火"]),
        ("(?:煤气|燃气).{0,4}泄漏", ["煤气.{0,4}泄漏", "燃气.{0,4}泄漏"]),
        ("(?:砸|拆)(?:坏|掉)?承重墙", ["砸(?:坏|掉)?承重墙", "拆(?:坏|掉)?承重墙"]),
        ("(?<![风呼])往里灌", ["往(?<!(?:[风呼])往)里灌"]),
        (r"(?<=\d)号", [r"号(?<=(?:\d)号)"]),
        ("(?:起火|冒烟)?了", None),
        (r"\d+年", None),
        ("冒+烟", None),
        (".{0,2}来一直", None),
    ],
)
def test_literal_first(alternative: str, expected: list[str] | None) -> None:
    assert literal_first(alternative) == expected


@pytest.mark.parametrize("name", FAMILIES)
def test_prefilter_matches_plain_alternation(name: str) -> None:
    compiled = getattr(cues, name)
    plain = re.compile(cues.PLAIN_ALTERNATIONS[compiled])
    texts = [example.text for example in generate(SEED)][::3]
    texts += ["3栋着火了 快打119", "不要开灯", "(?<!", "119", "2119", "1190", "119号", "【通知】明天停水"]
    texts += ["往里灌", "冷风呼呼往里灌", "水往里灌", "往下掉", "毛往下掉", "石头往下掉", "这家店火了", "着火了"]
    texts += ["住了三年了", "3年来一直漏水", "两年来一直", "来一直", "经常停电"]
    mismatched = [t for t in texts if bool(compiled.search(t)) != bool(plain.search(t))]
    assert mismatched == []


def test_call_with_advice_is_not_urgent() -> None:
    assert not find_cues("赶紧打119 别坐电梯").urgent


def test_call_alone_is_urgent() -> None:
    assert find_cues("快打119 快来人").urgent


def test_past_call_is_not_urgent() -> None:
    assert not find_cues("昨天晚上那辆救护车是来接谁的").urgent


@pytest.mark.parametrize(
    "text",
    [
        "楼下业主装修把承重墙砸了一半，楼上地板都在晃",
        "有人在地下室往下挖，地基里的钢筋都露出来了",
        "开发商两年前把架空层挖深卖掉，到现在也没恢复",
    ],
)
def test_damage_to_the_structure_is_urgent_however_old(text: str) -> None:
    assert find_cues(text).urgent


@pytest.mark.parametrize(
    "text",
    [
        "担心以后有人拆承重墙，物业要不要提前提醒一下",
        "交房三年了，卧室承重墙上的裂缝现在还能看到",
        "门前那条路是我们的救命消防通道，长期被车堵着",
        "请问排水管设计多深才不会倒灌？",
        "楼上装修动静好大，听着像在砸承重墙",
        "毛毛虫从树上往下掉，孩子身上起疹子了",
        "楼道窗户破了，冷风呼呼往里灌",
    ],
)
def test_worries_and_old_damage_are_not_urgent(text: str) -> None:
    assert not find_cues(text).urgent


def test_smoke_in_the_fuse_box_is_urgent() -> None:
    assert find_cues("3栋楼道的电箱里在冒烟，一股焦味").urgent
    assert find_cues("家里配电箱往外漏油烟").urgent


def test_power_cut_for_an_oxygen_machine_is_urgent() -> None:
    assert find_cues("停电了，我妈在用制氧机，备用电池撑不了多久").urgent


def test_find_cues_chronic_matches_chronic_pattern() -> None:
    texts = [example.text for example in generate(SEED)][::3]
    texts += ["住了三年了", "两个多月", "3年", "12 个月", "半年来一直", "年月", "月初", "经常停电", "自去年以来"]
    mismatched = [text for text in texts if find_cues(text).chronic != bool(cues.CHRONIC.search(text))]
    assert mismatched == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("救命!8栋3楼着火了!!", DangerKind.FIRE),
        ("3栋楼道的电箱里在冒烟", DangerKind.FIRE),
        ("5栋2单元一股煤气味,很浓", DangerKind.GAS),
        ("7栋燃气管道有股怪味", DangerKind.GAS),
        ("天然气表那里味道很冲", DangerKind.GAS),
        ("燃气管子嘶嘶响", DangerKind.GAS),
        ("厨房一股臭鸡蛋味 是不是煤气漏了", DangerKind.GAS),
        ("楼下有人拿着刀追人", DangerKind.POLICE),
        ("有个小孩掉河里了", DangerKind.POLICE),
        ("电梯里有个老人晕倒了", DangerKind.MEDICAL),
        ("3栋电梯困人了,里面有人在喊", DangerKind.LIFT),
        ("电梯停在5楼,有人被关在里面了", DangerKind.LIFT),
        ("楼道漏电了,别碰扶手", DangerKind.ELECTRIC),
        ("9栋水管爆了,水漫到一楼大厅", DangerKind.FLOOD),
        ("楼上空调外机摇摇欲坠", DangerKind.FALLING),
        ("隔壁在砸承重墙", DangerKind.FALLING),
        ("救命!", None),
    ],
)
def test_find_danger_names_the_graver_kind(text: str, kind: DangerKind | None) -> None:
    assert find_danger(text) == kind


def _alternatives(pattern: re.Pattern[str]) -> set[str]:
    groups = split_alternatives(cues.PLAIN_ALTERNATIONS[pattern])
    return {alternative for group in groups for alternative in split_alternatives(group[3:-1])}


def test_hazard_words_without_a_kind_are_bare_cries() -> None:
    """A hazard word outside every kind gets only the general advice, so only cries for help may be."""
    named = set().union(*(_alternatives(pattern) for _, pattern in cues.DANGER_KINDS))
    unnamed = _alternatives(cues.HAZARD) - named
    assert unnamed == {"救命(?![路钱稻通消])", "喊救命", *split_alternatives(cues._IMMINENT[0])}


@pytest.mark.parametrize("text", ["我也是我也是我也是", "+1+1+1", "同上 +1", "支持支持！", "我也是+"])
def test_repeated_me_too_phrases(text):
    assert ME_TOO.match(text)


@pytest.mark.parametrize("text", ["我也是我也是漏水", "我也是，楼上天天吵", "+1 +1 漏水"])
def test_me_too_with_words_not_bare(text):
    assert ME_TOO.match(text) is None


def test_worry_after_a_condition_is_not_urgent() -> None:
    assert not find_cues("楼梯间全是旧家具,着火了往哪跑").urgent
    assert not find_cues("走廊堆满快递箱 出了事谁负责").urgent


@pytest.mark.parametrize("text", ["着火了怎么办", "厨房起火了咋办 快来人"])
def test_fire_that_opens_the_message_stays_urgent(text: str) -> None:
    assert find_cues(text).urgent


def test_rotten_egg_smell_alone_is_no_gas_leak() -> None:
    # Drains smell of rotten eggs too: only a gas word makes it a leak.
    assert find_danger("下水道一股臭鸡蛋味") is None



def test_downpipe_is_nobody_in_the_water() -> None:
    assert find_danger("屋顶落水管被挖烂了") is None


@pytest.mark.parametrize("name", [name for name in FAMILIES if name != "CHRONIC"])
def test_family_opens_each_alternative_with_a_literal(name: str) -> None:
    # One alternative that cannot be rewritten sends the whole family back to
    # the slow plain alternation, which tripled the search time of HAZARD once.
    groups = split_alternatives(cues.PLAIN_ALTERNATIONS[getattr(cues, name)])
    alternatives = [alternative for group in groups for alternative in split_alternatives(group[3:-1])]
    assert [alternative for alternative in alternatives if literal_first(alternative) is None] == []
