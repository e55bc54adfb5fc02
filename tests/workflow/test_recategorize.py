"""改类: an officer corrects the category of a case the classifier routed wrongly."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.case_figures import categories_by_compound
from handlers.statistics import parse_period
from models import CaseStatus, PartyKind
from nlp.corrections import Correction, read_corrections
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk

SHANGHAI = ZoneInfo("Asia/Shanghai")
LEAK = "3栋2单元1002室厨房天花板漏水了"
DAY = 24 * 60


async def test_new_party_takes_case(db_url, tmp_path):
    async with open_desk(db_url, data_dir=tmp_path) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang", at=later(5))

        replies = await desk.say("改类 0001 物业收费", sender="officer", chat_id=STAFF_GROUP, at=later(60))

        case = await desk.case(1)
        assert case.category == "fees"
        assert case.route == "committee"
        assert case.party_id == desk.compound.party(PartyKind.COMMITTEE).id
        assert case.status == CaseStatus.NEW
        assert case.acknowledged_at is None
        assert case.response_due_at.astimezone(SHANGHAI) == datetime(2026, 3, 4, tzinfo=SHANGHAI)
        assert case.resolve_due_at.astimezone(SHANGHAI) == datetime(2026, 3, 12, tzinfo=SHANGHAI)
        assert "已由“设施报修”更正为“物业收费”" in replies[0]
        assert any("【新工单】" in text for text in desk.last_to_user("chen"))
        assert any("【工单转出】" in text and "贵方无需再处理" in text for text in desk.last_to_user("wang"))
        group = desk.last_to_group("group-1")
        assert any("（物业收费）" in text and "类别由“设施报修”更正为“物业收费”" in text for text in group)
        assert any("类别已由“设施报修”更正为“物业收费”" in text for text in desk.last_to_user("r1"))

        event = (await desk.events(1))[-1]
        assert event.kind == "recategorized"
        assert event.data["text"] == LEAK
        assert event.data["label"] == "fees"
        assert event.data["previous_label"] == "repair"
        assert event.data["route"] == "committee"
        assert event.data["urgent"] is False
        assert event.data["handed_on"] is True
        assert event.data["from"] == CaseStatus.ACKNOWLEDGED
        assert event.data["to"] == CaseStatus.NEW
        assert read_corrections(tmp_path / "corrections.csv") == [
            Correction(LEAK, "fees", "normal", "committee")
        ]


async def test_same_party_limits_from_clock_start(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        # Handed to the committee at 10:30 on Monday 2 March: the clock starts again there.
        await desk.say("改类 0001 物业收费", sender="officer", chat_id=STAFF_GROUP, at=later(60))
        await desk.say("受理 0001", sender="chen", at=later(120))
        # Paused from Tuesday to Thursday, which gives back two working days.
        await desk.say("挂起 0001 等业主大会", sender="officer", chat_id=STAFF_GROUP, at=later(DAY))
        await desk.say("恢复计时 0001", sender="officer", chat_id=STAFF_GROUP, at=later(3 * DAY))
        assert (await desk.case(1)).resolve_due_at.astimezone(SHANGHAI) == datetime(2026, 3, 14, tzinfo=SHANGHAI)

        replies = await desk.say(
            "改类 0001 维修基金与公共收益", sender="officer", chat_id=STAFF_GROUP, at=later(4 * DAY)
        )

        case = await desk.case(1)
        assert case.category == "fund"
        assert case.party_id == desk.compound.party(PartyKind.COMMITTEE).id
        assert case.status == CaseStatus.ACKNOWLEDGED
        assert case.acknowledged_at is not None
        # 15 working days from Monday end on 23 March; the pause adds two.
        assert case.resolve_due_at.astimezone(SHANGHAI) == datetime(2026, 3, 26, tzinfo=SHANGHAI)
        assert "仍由" in replies[0]
        assert "3月25日（周三）24:00" in replies[0]
        assert any("【类别更正】" in text and "3月25日" in text for text in desk.last_to_user("chen"))
        assert desk.last_to_user("r1") == []
        assert any("更正为“维修基金与公共收益”" in text for text in desk.last_to_group("group-1"))
        event = (await desk.events(1))[-1]
        assert event.data["handed_on"] is False
        assert event.data["from"] == event.data["to"] == CaseStatus.ACKNOWLEDGED


async def test_closed_case_keeps_party_and_limits(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang", at=later(5))
        await desk.say("办结 0001 已修好", sender="wang", at=later(60))
        before = await desk.case(1)

        replies = await desk.say("改类 0001 业委会事务", sender="officer", chat_id=STAFF_GROUP, at=later(90))

        case = await desk.case(1)
        assert case.category == "committee"
        assert case.status == CaseStatus.RESOLVED
        assert case.party_id == before.party_id
        assert case.route == "property"
        assert case.resolve_due_at == before.resolve_due_at
        assert "统计将按新类别计算" in replies[0]
        assert desk.last_to_user("wang") == []
        assert desk.last_to_user("chen") == []
        assert desk.last_to_user("r1") == []
        assert any("更正为“业委会事务”" in text for text in desk.last_to_group("group-1"))
        async with desk.services.sessionmaker() as session:
            period = parse_period("本月", later(90), SHANGHAI)
            counts = await categories_by_compound(session, [desk.compound.id], period)
        assert counts[desk.compound.id] == {"committee": 1}


@pytest.mark.parametrize(
    "command", ["分类 0001 噪音扰民", "更正类别 0001 噪音扰民", "/recategorize 0001 噪音扰民", "改类 0001 噪音"]
)
async def test_other_forms_recategorize(db_url, command):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say(command, sender="officer", chat_id=STAFF_GROUP, at=later(10))

        assert "已由“设施报修”更正为“噪音扰民”" in replies[0]
        assert (await desk.case(1)).category == "noise"
        assert (await desk.events(1))[-1].kind == "recategorized"


async def test_recategorize_in_triage_classifies(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("改类 0001 噪音扰民", sender="officer", chat_id=STAFF_GROUP)

        assert "已确认为“噪音扰民”" in replies[0]
        assert (await desk.case(1)).status == CaseStatus.NEW
        assert (await desk.events(1))[-1].kind == "classified"


@pytest.mark.parametrize(
    ("command", "sender", "expected"),
    [
        ("改类 0001 设施报修", "officer", "类别已是“设施报修”，无需更改"),
        ("改类 0001 闲聊", "officer", "请发送“误报 0001”"),
        ("改类 0001 修东西", "officer", "“修东西”不是已知的类别"),
        ("改类 0001 物业", "officer", "“物业”可以指多个类别：物业服务、物业收费，请写出完整类别。"),
        ("改类 0001 闲", "officer", "请发送“误报 0001”"),
        ("改类 0001", "officer", "请写上类别，例如：改类 0001 设施报修"),
        ("改类", "officer", "请写上工单号"),
        ("改类 0099 噪音扰民", "officer", "没有找到工单 0099"),
        ("改类 abc 噪音扰民", "officer", "“abc”不是有效的工单号"),
        ("改类 0001 噪音扰民", "r1", "可以更改工单类别"),
        ("改类 0001 噪音扰民", "wang", "可以更改工单类别"),
        ("改类 0002 噪音扰民", "officer", "不能更改类别"),
    ],
)
async def test_recategorize_rejected(db_url, command, sender, expected):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("5号楼电梯又坏了", sender="r2")
        await desk.say("合并 0002 0001", sender="officer", chat_id=STAFF_GROUP)
        events_before = await desk.event_count()

        replies = await desk.say(command, sender=sender, at=later(10))

        assert expected in replies[0]
        assert await desk.event_count() == events_before
        assert (await desk.case(1)).category == "repair"


async def test_history_shows_recategorized(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("改类 0001 噪音扰民", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        replies = await desk.say("查询 0001", sender="r1", chat_id="r1", private=True, at=later(20))

        assert "更正类别" in replies[0]
        assert "由“设施报修”改为“噪音扰民”" in replies[0]
        assert "recategorized" not in replies[0]


async def test_help_lists_corrections_for_officers(db_url):
    async with open_desk(db_url) as desk:
        officer_help = await desk.say("帮助", sender="officer", chat_id=STAFF_GROUP)
        resident_help = await desk.say("帮助", sender="r1")

        assert "· 改类：" in officer_help[0]
        assert "例：改类 0034 噪音扰民" in officer_help[0]
        assert "· 误报：" in officer_help[0]
        assert "改类" not in resident_help[0]
        assert "误报" not in resident_help[0]


async def merged_older_case(desk) -> None:
    """Merge a safety case of Monday 2 March into one of Wednesday 4 March, which takes its earlier deadlines."""
    await desk.say("3栋1单元楼道里堆满了纸箱杂物，消防通道都堵了", sender="r1")
    await desk.say("8栋楼下有人飞线给电动车充电", sender="r2", at=later(2 * DAY))
    await desk.say("合并 0001 0002", sender="officer", chat_id=STAFF_GROUP, at=later(2 * DAY + 60))
    case = await desk.case(2)
    assert case.category == "safety"
    assert case.party_id == desk.compound.party(PartyKind.PARTY).id
    # Monday's limits: respond by the end of Tuesday, resolve in 7 working days.
    assert case.response_due_at.astimezone(SHANGHAI) == datetime(2026, 3, 4, tzinfo=SHANGHAI)
    assert case.resolve_due_at.astimezone(SHANGHAI) == datetime(2026, 3, 12, tzinfo=SHANGHAI)


async def test_merged_deadline_kept_on_looser_category(db_url):
    async with open_desk(db_url) as desk:
        await merged_older_case(desk)

        # A neighbour dispute gets 15 working days, counted from Wednesday they would end on 25 March.
        await desk.say("改类 0002 邻里纠纷", sender="officer", chat_id=STAFF_GROUP, at=later(2 * DAY + 90))

        case = await desk.case(2)
        assert case.category == "neighbor"
        assert case.party_id == desk.compound.party(PartyKind.PARTY).id
        assert case.response_due_at.astimezone(SHANGHAI) == datetime(2026, 3, 4, tzinfo=SHANGHAI)
        assert case.resolve_due_at.astimezone(SHANGHAI) == datetime(2026, 3, 12, tzinfo=SHANGHAI)


async def test_stricter_category_replaces_merged_deadline(db_url):
    async with open_desk(db_url) as desk:
        await merged_older_case(desk)

        # Utilities get 4 hours to respond and 24 to resolve, from Wednesday 09:30.
        await desk.say("改类 0002 水电气暖", sender="officer", chat_id=STAFF_GROUP, at=later(2 * DAY + 90))

        case = await desk.case(2)
        assert case.category == "utilities"
        assert case.party_id == desk.compound.party(PartyKind.PARTY).id
        # The merged response deadline, at the end of Tuesday, is still the earlier one.
        assert case.response_due_at.astimezone(SHANGHAI) == datetime(2026, 3, 4, tzinfo=SHANGHAI)
        assert case.resolve_due_at.astimezone(SHANGHAI) == datetime(2026, 3, 5, 9, 30, tzinfo=SHANGHAI)


async def test_merged_deadline_keeps_later_pause(db_url):
    async with open_desk(db_url) as desk:
        await merged_older_case(desk)
        # Paused from Thursday to Monday, which gives back two working days (Friday and Monday).
        await desk.say("挂起 0002 等待消防部门意见", sender="officer", chat_id=STAFF_GROUP, at=later(3 * DAY))
        await desk.say("恢复计时 0002", sender="officer", chat_id=STAFF_GROUP, at=later(7 * DAY))
        assert (await desk.case(2)).resolve_due_at.astimezone(SHANGHAI) == datetime(2026, 3, 14, tzinfo=SHANGHAI)

        await desk.say("改类 0002 邻里纠纷", sender="officer", chat_id=STAFF_GROUP, at=later(7 * DAY + 60))

        assert (await desk.case(2)).resolve_due_at.astimezone(SHANGHAI) == datetime(2026, 3, 14, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("word", "category"), [("物业费", "fees"), ("群租", "illegal_use"), ("停水", "utilities")])
async def test_short_category_names(db_url, word, category):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say(f"改类 0001 {word}", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        assert "不是已知的类别" not in replies[0]
        assert (await desk.case(1)).category == category
