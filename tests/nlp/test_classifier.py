from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from nlp import Classifier, Finding, Location
from nlp.classifier import MAX_CONFIDENCE
from nlp.labels import CATEGORIES


def test_classify_returns_findings(classifier: Classifier) -> None:
    findings = classifier.classify("3栋电梯坏了 物业快来修")
    assert findings
    assert all(isinstance(finding, Finding) for finding in findings)
    assert findings[0].category in CATEGORIES
    assert 0.0 <= findings[0].confidence <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "[捂脸]", "😂😂"])
def test_empty_message_is_chat(classifier: Classifier, text: str) -> None:
    findings = classifier.classify(text)
    assert [finding.category for finding in findings] == ["chat"]


@pytest.mark.parametrize(
    "text", ["https://example.com/a", "help", "OK!!!", "?!...", "👍👍", "http://t.cn/abc 看看", "www.example.com"]
)
def test_text_without_chinese_is_chat(classifier: Classifier, text: str) -> None:
    assert [finding.category for finding in classifier.classify(text)] == ["chat"]


@pytest.mark.parametrize("text", ["+1", "同楼+1", "我家也是！", "＋１", "这个要管管了", "支持！", "早该管了"])
def test_bare_me_too_is_chat(classifier: Classifier, text: str) -> None:
    assert [finding.category for finding in classifier.classify(text)] == ["chat"]


@pytest.mark.parametrize(
    "text", ["谢谢,再见", "已解决谢谢", "好的收到，辛苦师傅了！", "谢谢物业", "问题已解决，谢谢物业"]
)
def test_bare_thanks_are_chat(classifier: Classifier, text: str) -> None:
    assert [finding.category for finding in classifier.classify(text)] == ["chat"]


def test_thanks_with_a_problem_are_not_chat(classifier: Classifier) -> None:
    assert classifier.classify("谢谢物业，不过3栋电梯又坏了")[0].category == "repair"


@pytest.mark.parametrize("text", ["大家早上好", "谢谢大家", "今天好热啊", "收到"])
def test_chit_chat_is_one_chat_finding(classifier: Classifier, text: str) -> None:
    findings = classifier.classify(text)
    assert len(findings) == 1
    assert findings[0].category == "chat"
    assert not findings[0].actionable


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("3栋2单元的电梯又坏了 物业啥时候修", "repair"),
        ("物业费凭什么又涨了", "fees"),
        ("业委会换届选举什么时候开始", "committee"),
        ("楼道里有人给电瓶车飞线充电", "safety"),
        ("楼下有人群租 一套房住了十几个人", "illegal_use"),
        ("维修基金怎么申请使用", "fund"),
    ],
)
def test_clear_problems_get_their_category(classifier: Classifier, text: str, category: str) -> None:
    assert classifier.classify(text)[0].category == category


@pytest.mark.parametrize(
    "text",
    [
        "着火了 9栋15楼冒黑烟 快打119",
        "2单元楼道里一股煤气味 大家别开灯",
        "电梯困人了 5栋2单元 里面有老人 快来",
        "地库水管爆了 水哗哗往外喷",
        "东门有人晕倒了 快叫120",
        "楼上刚掉下来一个花盆 差点砸到人",
        "电梯又坏了，困了人！！",
        "8号楼电梯里困了一个老人",
        "4栋电梯停在半路上，困了两个小孩",
        "11栋电梯卡在半空，里面有人",
        "电梯里关着人出不来",
        "@物业管家，3栋电梯困人了快来",
        "@管家，5栋楼道着火了",
        "8栋电梯里有人被困了 快打电话",
        "有个老人倒在单元门口不动了",
        "楼下那个人倒在花坛边起不来",
        "12栋的天然气管子有异味 好像漏了",
        "燃气管子嘶嘶响 一股臭鸡蛋味",
        "6栋1单元 楼道里有股焦味 好像电线烧了",
        "小区池塘有个小孩掉进去了",
        "有人掉井里了",
        "电梯里困了好几个人",
        "3栋电梯停在5楼，有人被关在里面了",
        "电梯停了 有人关在里面",
        "小区南门外面的马路上有人被车撞了",
        "我家老人在卫生间滑倒了 头上流了好多血 怎么办",
        "小孩从滑梯上摔下来 胳膊好像断了",
        "家里燃气报警器一直响 怎么回事",
        "着火了要打119啊",
        "3栋电梯里有人被困了，按警铃没人应",
    ],
)
def test_danger_now_is_urgent(classifier: Classifier, text: str) -> None:
    findings = classifier.classify(text)
    assert any(finding.urgent for finding in findings)
    assert findings[0].actionable


@pytest.mark.parametrize(
    "text",
    [
        "电梯经常困人 上个月又困了一次",
        "楼道老有人给电动车充电",
        "门口那条路挖开快一个月了 晚上骑车差点摔了",
        "电梯坏了好几天 里面有人贴小广告",
        "物业能不能把小区门口那个坑填一下,好几个人摔了",
    ],
)
def test_chronic_danger_is_not_urgent(classifier: Classifier, text: str) -> None:
    findings = classifier.classify(text)
    assert not any(finding.urgent for finding in findings)
    assert findings[0].actionable


@pytest.mark.parametrize(
    "text",
    [
        "火锅店着火了吗哈哈",
        "困死了",
        "困了困了 睡觉",
        "这家奶茶店火了 天天排队",
        "困了一天了 终于下班",
        "我家猫从楼上掉下来了,还好没事",
        "手机掉到水里了",
        "钥匙掉进水沟了",
        "刚才看到新闻说有个小区电梯坠落了 太吓人了",
        "这天气热得要着火了",
        "我家煤气灶打不着火 有没有师傅",
        "老人出门注意别滑倒",
        "爬了十八层 腿都断了",
        "大家注意，电梯里被困了要按警铃",
        "被困电梯时记得按警铃",
        "着火时要走楼梯，不要坐电梯",
    ],
)
def test_alarming_chatter_is_not_urgent(classifier: Classifier, text: str) -> None:
    findings = classifier.classify(text)
    assert not any(finding.urgent for finding in findings)


def test_two_problems_give_two_findings(classifier: Classifier) -> None:
    findings = classifier.classify("3栋电梯又坏了 爬楼累死了。另外物业费凭什么涨价 服务一点没变")
    categories = [finding.category for finding in findings]
    assert len(findings) == 2
    assert categories[0] == "repair"
    assert categories[1] == "fees"


def test_another_building_opens_a_second_finding(classifier: Classifier) -> None:
    findings = classifier.classify("3栋电梯坏了，5栋楼道灯也不亮")
    buildings = [finding.location.building for finding in findings]
    assert len(findings) == 2
    assert buildings == ["3", "5"]
    assert all(finding.category == "repair" for finding in findings)


@pytest.mark.parametrize(
    "text",
    ["5栋电梯坏了，另外5栋楼道灯也不亮", "5栋电梯里有人被困了！另外5栋1单元楼道灯也不亮"],
)
def test_another_thing_after_connective_at_same_building(classifier: Classifier, text: str) -> None:
    findings = classifier.classify(text)
    assert len(findings) == 2
    assert [finding.location.building for finding in findings] == ["5", "5"]
    assert findings[1].location.place == "楼道"
    assert not findings[1].urgent


def test_same_thing_after_connective_stays_one_finding(classifier: Classifier) -> None:
    findings = classifier.classify("5栋电梯坏了，还有5栋电梯按钮也没反应")
    assert len(findings) == 1


@pytest.mark.parametrize("text", ["楼下垃圾桶满了没人倒", "单元门口的垃圾两天没人收了"])
def test_rubbish_in_the_compound_is_the_firms(classifier: Classifier, text: str) -> None:
    finding = classifier.classify(text)[0]
    assert finding.category == "sanitation"
    assert not finding.external


def test_person_on_a_roof_is_not_chat(classifier: Classifier) -> None:
    finding = classifier.classify("有人在2栋天台上坐着好久了，好吓人")[0]
    assert finding.actionable
    assert finding.category == "care"


def test_finding_location_fields(classifier: Classifier) -> None:
    finding = classifier.classify("5号楼2单元1002室楼上漏水")[0]
    assert finding.location == Location(building="5", unit="2", room="1002")


def test_outside_cause_is_external(classifier: Classifier) -> None:
    finding = classifier.classify("旁边工地半夜还在打桩 吵得睡不着")[0]
    assert finding.category == "noise"
    assert finding.external


def test_inside_noise_is_not_external(classifier: Classifier) -> None:
    finding = classifier.classify("楼上邻居天天半夜拖椅子 吵死了")[0]
    assert finding.category == "noise"
    assert not finding.external


def test_normalize_method_matches_module(classifier: Classifier) -> None:
    assert classifier.normalize("３栋[捂脸]") == "3栋"


def test_classify_prints_and_logs_nothing(
    classifier: Classifier, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        classifier.classify("着火了 快来人")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""
    assert caplog.records == []


def test_nlp_imports_no_other_layer() -> None:
    # A fresh interpreter, because this test process imports every layer.
    code = (
        "import sys, nlp, nlp.evaluate, nlp.train\n"
        "layers = {'bot', 'handlers', 'models', 'scheduler'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in layers))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("楼下那家火锅店每天开到凌晨，划拳声吵得人睡不着，抽油烟机也嗡嗡响", "noise"),
        ("5号楼的污水井堵住了，脏水已经流到单元门口了", "repair"),
        ("楼上住户天天半夜剁骨头，咚咚的，孩子都被吵醒好几次", "noise"),
    ],
)
def test_one_problem_in_clauses_is_one_finding(classifier: Classifier, text: str, category: str) -> None:
    findings = classifier.classify(text)
    assert len(findings) == 1
    assert findings[0].category == category


def test_restaurant_noise_is_external(classifier: Classifier) -> None:
    finding = classifier.classify("楼下那家火锅店每天开到凌晨，划拳声吵得人睡不着，抽油烟机也嗡嗡响")[0]
    assert finding.external


def test_second_topic_after_connective(classifier: Classifier) -> None:
    findings = classifier.classify("地库的灯坏了好几盏，另外物业费的发票什么时候开")
    assert [finding.category for finding in findings] == ["repair", "fees"]
    assert findings[0].text == "地库的灯坏了好几盏"
    assert findings[1].text == "物业费的发票什么时候开"


def test_list_of_problems_gives_one_finding_each(classifier: Classifier) -> None:
    findings = classifier.classify("9栋楼道灯坏了,垃圾没人清,车库有人飞线充电")
    assert [finding.category for finding in findings] == ["repair", "sanitation", "safety"]
    assert [finding.text for finding in findings] == ["9栋楼道灯坏了", "垃圾没人清", "车库有人飞线充电"]


@pytest.mark.parametrize(
    "text",
    [
        "电梯坏了，物业也不管",
        "电梯坏了，老人下不了楼，物业也不管",
        "烧烤店还在吵, 排风扇轰轰响, 油烟往家里灌",
        "小区门口停满了车，救护车都进不来",
        "顶楼露台加盖了个玻璃房 物业说管不了",
        "垃圾桶能不能挪远点 就在我家窗户底下",
        "有个老人晕倒了，快叫120",
        "楼道里有煤气味，大家别开灯",
        "楼上1202天天往下滴水，天花板都泡坏了",
        "卫生间漏水好几天了，墙都发霉了",
        "3号楼外墙瓷砖掉下来了 砸坏了一辆车",
        "垃圾分类站臭死了 能不能挪个地方",
        "家里老人行动不便 能不能上门办理",
        "物业费凭啥又涨，业委会知道吗？？",
        "楼上邻居家的孩子天天在家跑跳 咚咚咚的",
        "楼下烧烤店油烟太大了 窗户都不敢开",
        "东门的道闸又坏了 车都出不去",
        "楼道堆满杂物 消防车进不来",
    ],
)
def test_one_problem_listed_is_one_finding(classifier: Classifier, text: str) -> None:
    assert len(classifier.classify(text)) == 1


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        ("4栋电梯坏了，单元门禁也刷不开", "4栋电梯坏了", "单元门禁也刷不开"),
        ("7栋电梯坏了，下水道也堵了", "7栋电梯坏了", "下水道也堵了"),
        ("12号楼门禁坏了，电梯也停了", "12号楼门禁坏了", "电梯也停了"),
        ("8栋单元门关不上，楼道灯也不亮", "8栋单元门关不上", "楼道灯也不亮"),
        ("地库的灯全黑了，下水道又堵了", "地库的灯全黑了", "下水道又堵了"),
        ("地库漏水了，车库的灯也坏了几盏", "地库漏水了", "车库的灯也坏了几盏"),
        ("3栋水管漏水，电梯也不动了", "3栋水管漏水", "电梯也不动了"),
        ("电梯又坏了，门禁也不灵了", "电梯又坏了", "门禁也不灵了"),
        ("东门路灯坏了，西门监控也坏了", "东门路灯坏了", "西门监控也坏了"),
        ("1单元电梯停了，2单元电梯也停了", "1单元电梯停了", "2单元电梯也停了"),
    ],
)
def test_list_of_one_category_splits_by_thing(classifier: Classifier, text: str, first: str, second: str) -> None:
    findings = classifier.classify(text)
    assert [finding.category for finding in findings] == ["repair", "repair"]
    assert [finding.text for finding in findings] == [first, second]


def test_list_split_carries_the_building(classifier: Classifier) -> None:
    findings = classifier.classify("6栋电梯坏了，楼道灯也坏了")
    assert len(findings) == 2
    assert findings[1].location == Location(building="6", place="楼道")


@pytest.mark.parametrize(
    "text",
    [
        "电梯不动了，按了没反应，停在12楼",
        "2栋电梯停了 困在6楼 应该没人在里面",
        "7栋水管裂了，地下室全是水",
        "水管爆了，整栋都没水了",
        "下水道堵了，井盖冒污水",
        "门禁坏了，单元门关不上",
        "暖气漏水，地板湿了一片",
        "窗户关不严，雨天漏水",
        "广场舞音响太大，吵得睡不着",
        "电动车在楼道充电，插线板冒烟",
        "垃圾堆满了，纸箱杂物到处都是",
        "外墙瓷砖掉了，窗户玻璃砸碎了",
    ],
)
def test_one_problem_over_things_is_one_finding(classifier: Classifier, text: str) -> None:
    assert len(classifier.classify(text)) == 1


def test_trailing_address_places_every_finding(classifier: Classifier) -> None:
    findings = classifier.classify("9栋楼道灯坏了,垃圾没人清,车库有人飞线充电,是9栋2单元的")
    assert len(findings) == 3
    assert findings[0].location.building == "9"
    assert findings[2].location == Location(building="9", unit="2", place="车库")


def test_trailing_address_after_connective(classifier: Classifier) -> None:
    findings = classifier.classify("5栋楼道灯不亮了，另外垃圾桶也满了没人倒，还有地库有积水，是5栋1单元的")
    assert [finding.category for finding in findings] == ["repair", "sanitation", "repair"]
    assert findings[2].location == Location(building="5", unit="1", place="地库")
    assert findings[2].text.startswith("地库有积水")
    assert findings[1].text == "垃圾桶也满了没人倒"


def test_same_category_at_two_places(classifier: Classifier) -> None:
    findings = classifier.classify("单元门禁又坏了，还有南门的路灯也不亮")
    assert [finding.category for finding in findings] == ["repair", "repair"]
    assert findings[1].location.place == "南门"


@pytest.mark.parametrize(
    "text",
    [
        "感谢物业的王师傅，昨天下午帮我换好了水管阀门，服务很热情",
        "对对对，我也这么觉得",
        "先别开灯，赶紧出门再打电话给燃气公司",
        "各位居民好，我是街道派来联系咱们小区的工作人员小吴，大家提的问题系统都会登记",
        "在3栋电梯里捡到一个蓝色保温杯，放物业前台了",
        "救命 这个蛋糕甜得我牙疼 哈哈",
    ],
)
def test_chatter_opens_no_case(classifier: Classifier, text: str) -> None:
    findings = classifier.classify(text)
    assert [finding.category for finding in findings] == ["chat"]
    assert not findings[0].urgent


def test_advice_after_alarm_is_not_urgent(classifier: Classifier) -> None:
    findings = classifier.classify("大家别慌 先打119 别坐电梯走楼梯")
    assert not any(finding.urgent for finding in findings)


def test_hypothetical_danger_is_not_urgent(classifier: Classifier) -> None:
    findings = classifier.classify("楼道灭火器全过期了，万一着火拿什么灭")
    assert not any(finding.urgent for finding in findings)
    assert findings[0].actionable


def test_classify_does_not_load_jieba() -> None:
    fresh = Classifier.load()
    fresh.classify("3栋电梯坏了")
    assert fresh._segmenter is None


@pytest.mark.parametrize(
    ("text", "danger"),
    [
        ("救命！8栋3楼着火了！！", "fire"),
        ("5栋有煤气味，好大", "gas"),
        ("有个老人晕倒了 快叫120", "medical"),
        ("3栋电梯困人了，里面有人在喊", "lift"),
    ],
)
def test_urgent_finding_names_its_danger(classifier: Classifier, text: str, danger: str) -> None:
    (finding,) = classifier.classify(text)
    assert finding.urgent
    assert finding.danger == danger


def test_routine_finding_names_no_danger(classifier: Classifier) -> None:
    (finding,) = classifier.classify("5栋楼道灯坏了好几天了")
    assert not finding.urgent
    assert finding.danger is None


@pytest.mark.parametrize("text", ["垃圾桶好几天没人清理了", "3栋电梯坏了", "楼道灯不亮了"])
def test_confidence_stays_below_one(classifier: Classifier, text: str) -> None:
    # A triage threshold of 1 is how an operator sends every case to a person.
    (finding,) = classifier.classify(text)
    assert finding.category != "chat"
    assert finding.confidence <= MAX_CONFIDENCE < 1.0


def test_category_scores_cover_every_category(classifier: Classifier) -> None:
    scores = classifier.category_scores("地下车库入口的栏杆坏了，车都堵在外面了")
    assert set(scores) == set(CATEGORIES)
    assert sum(scores.values()) == pytest.approx(1.0)
    assert all(0.0 <= value <= 1.0 for value in scores.values())


def test_category_scores_follow_the_model(classifier: Classifier) -> None:
    text = "3栋电梯坏了"
    scores = classifier.category_scores(text)
    assert max(scores, key=scores.__getitem__) == classifier.classify(text)[0].category


def test_pet_mess_on_the_lawn_opens_a_case(classifier: Classifier) -> None:
    findings = classifier.classify("谁家的狗在草坪上拉屎不收拾")
    assert [finding.category for finding in findings] == ["sanitation"]


def test_dark_street_lamps_are_repair(classifier: Classifier) -> None:
    assert classifier.classify("路灯不亮 晚上黑灯瞎火的")[0].category == "repair"


def test_request_to_the_group_owner_is_chat(classifier: Classifier) -> None:
    findings = classifier.classify("群主能不能把广告踢了")
    assert [finding.category for finding in findings] == ["chat"]


def test_stairwell_storeroom_is_one_safety_worry(classifier: Classifier) -> None:
    findings = classifier.classify("有人把楼道当仓库 堆满纸箱 着火了咋办")
    assert [finding.category for finding in findings] == ["safety"]
    assert not findings[0].urgent


def test_burst_water_heater_is_urgent_repair(classifier: Classifier) -> None:
    findings = classifier.classify("热水器爆了 水喷得到处都是")
    assert findings[0].category == "repair"
    assert findings[0].urgent


def test_leak_reaching_my_flat_too_opens_a_case(classifier: Classifier) -> None:
    findings = classifier.classify("我家也开始渗水了")
    assert findings[0].actionable


@pytest.mark.parametrize("text", ["怎么用", "这事怎么办啊", "在哪里？", "多少钱", "有人知道吗", "什么情况", "那我找谁"])
def test_question_naming_nothing_is_chat(classifier: Classifier, text: str) -> None:
    assert [finding.category for finding in classifier.classify(text)] == ["chat"]


@pytest.mark.parametrize(
    ("text", "category"),
    [("怎么交物业费", "fees"), ("电梯怎么了", "repair"), ("为什么又停水了", "utilities")],
)
def test_question_naming_a_subject_is_read(classifier: Classifier, text: str, category: str) -> None:
    assert [finding.category for finding in classifier.classify(text)] == [category]


@pytest.mark.parametrize("text", ["垃圾", "垃圾！", "电梯?"])
def test_bare_thing_is_chat(classifier: Classifier, text: str) -> None:
    assert [finding.category for finding in classifier.classify(text)] == ["chat"]


def test_renovation_noise_and_rubble_are_two_findings(classifier: Classifier) -> None:
    findings = classifier.classify("楼上装修太吵了 而且楼道里堆满了建筑垃圾")
    assert [finding.category for finding in findings] == ["noise", "sanitation"]
    assert findings[1].text == "楼道里堆满了建筑垃圾"


def test_request_naming_another_thing_is_another_problem(classifier: Classifier) -> None:
    findings = classifier.classify("楼道灯坏了 希望小区多装几个充电桩")
    assert [finding.category for finding in findings] == ["repair", "suggestion"]


@pytest.mark.parametrize(
    "text",
    ["我家厕所堵了", "我家马桶堵了", "我家跳闸了", "3栋一单元602楼上吵", "楼下的树上有马蜂窝", "3栋门口有条蛇"],
)
def test_named_fault_is_not_chat(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text)[0].actionable


@pytest.mark.parametrize(
    "text", ["群里谁懂电脑 我家路由器灯不亮了", "哈哈我家狗把沙发咬坏了", "【停水通知】明天上午停水", "你们别吵了"]
)
def test_fault_in_chatter_or_a_notice_is_chat(classifier: Classifier, text: str) -> None:
    assert not classifier.classify(text)[0].actionable


@pytest.mark.parametrize(
    ("text", "external"),
    [
        ("银杏苑3号楼北边路灯坏了，晚上好黑", False),
        ("3栋楼下的饭店油烟太大", True),
        ("5栋后面工地天天晚上施工", True),
    ],
)
def test_building_keeps_problem_inside(classifier: Classifier, text: str, external: bool) -> None:
    assert [finding.external for finding in classifier.classify(text)] == [external]


@pytest.mark.parametrize("text", ["同上，家里老人也下不去", "+1，物业赶紧的", "附议 能不能快点"])
def test_agreement_that_presses_the_report_is_chat(classifier: Classifier, text: str) -> None:
    assert [finding.category for finding in classifier.classify(text)] == ["chat"]


@pytest.mark.parametrize("text", ["+1 楼道灯也坏了", "同上 里面还有人被困"])
def test_agreement_with_new_problem_read(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text)[0].actionable


def test_danger_after_connective_split(classifier: Classifier) -> None:
    findings = classifier.classify("明天业委会开会讨论停车费的事 大家有空来 对了刚才路过5栋看到二楼窗户在冒烟")
    assert [finding.urgent for finding in findings] == [False, True]
    assert findings[1].location.building == "5"
