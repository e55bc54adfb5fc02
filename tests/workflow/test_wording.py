"""How the texts residents and staff read put the bot's words and the residents' apart."""

from __future__ import annotations

from handlers.digests import _hours
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk

LEAK = "3栋2单元电梯又坏了，困了半小时"
UNCLEAR = "楼下烧烤店油烟太大了"


async def test_opened_note_quotes_resident(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        opened = desk.last_to_group("group-1")
        assert len(opened) == 1
        assert opened[0].startswith("已登记：工单 0001（设施报修）")
        assert "「3栋2单元电梯又坏了，困了半小时」，已转" in opened[0]


async def test_triage_note_separates_number(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        opened = await desk.say(UNCLEAR, sender="r1")

        assert opened[0].startswith("已收到：工单 0001（待分类）「楼下烧烤店油烟太大了」，")


async def test_triage_note_parts_number_and_place(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        opened = await desk.say("5-1-1203楼下烧烤店油烟太大了", sender="r1")

        assert opened[0].startswith("已收到：工单 0001（待分类）5栋1单元****楼下「")
        assert "00015" not in opened[0]


async def test_update_note_has_one_colon(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP)

        notes = desk.last_to_group("group-1")

        assert len(notes) == 1
        assert notes[0] == (
            "工单 0001（设施报修）「3栋2单元电梯又坏了，困了半小时」：阳光花园物业服务中心已响应，正在处理。"
        )
        assert notes[0].count("：") == 1


async def test_officer_acknowledgement_names_officer(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        await desk.say("受理 0001", sender="officer", chat_id=STAFF_GROUP)

        group = desk.last_to_group("group-1")
        reporter = desk.last_to_user("r1")
        assert "小区专员已响应，正在处理" in group[0]
        assert "物业服务中心已响应" not in group[0]
        assert "已由小区专员响应" in reporter[0]


async def test_merge_notice_spaces_number(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("5栋楼道灯坏了好几天了", sender="r2", at=later(60))

        await desk.say("合并 0002 0001", sender="officer", chat_id=STAFF_GROUP, at=later(61))

        detail = desk.last_to_user("r2")
        assert len(detail) == 1
        assert "与工单 0001 是同一问题" in detail[0]


async def test_deadlines_use_response_word(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        answer = await desk.say("时限 0001", sender="r1")

        assert "内响应" in answer[0]
        assert "响应：期限" in answer[0]
        assert "受理" not in answer[0]


async def test_triage_notice_names_reporter(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(UNCLEAR, sender="r1", name="张三丰")

        await desk.say("分类 0001 物业服务", sender="officer", chat_id=STAFF_GROUP)

        # The model reads the restaurant as outside the compound, so the branch gets the case.
        notice = [r for r in desk.last_to_user("officer") if r.startswith("【新工单】")]
        assert len(notice) == 1
        assert "反映人：张**" in notice[0]


def test_mean_duration_under_hour_in_minutes():
    assert _hours(0.4) == "24分钟"
    assert _hours(0.001) == "不到1分钟"
    assert _hours(None) == "—"
    assert _hours(1.0) == "1.0小时"
    assert _hours(50) == "2.1天"
