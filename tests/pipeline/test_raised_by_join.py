"""A danger reported now about an open routine case makes it urgent, from a neighbour as from its reporter."""

from __future__ import annotations

import pytest

from handlers.directory import bind_chat, chat_for
from models import Compound, MessageOutcome
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, Desk, open_desk

LIFT = "3栋电梯坏了"
TRAPPED = "电梯里有人被困"
LIFT_ADVICE = "被困人员请按电梯警铃，并拨打电梯内的救援电话或119。"
RAISED = "【转为紧急】"


def raised_for_firm(desk: Desk) -> list[str]:
    return [text for text in desk.last_to_user("wang") if text.startswith(RAISED)]


async def raised_events(desk: Desk, seq: int) -> list[dict]:
    return [event.data for event in await desk.events(seq) if event.kind == "urgent_raised"]


async def test_neighbour_danger_raises_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        replies = await desk.say(TRAPPED, sender="r2", at=later(3))
        to_firm = desk.last_to_user("wang")
        to_branch = desk.last_to_user("officer")

        case = await desk.case(1)
        assert case.urgent
        assert case.reporter_count == 2
        assert case.response_due_at == later(3 + 120)
        assert case.resolve_due_at == later(3 + 24 * 60)
        (group,) = desk.last_to_group()
        assert group == replies[0]
        advice, news, limits = group.split("\n")
        assert advice == LIFT_ADVICE
        assert news.startswith("已收到：工单 0001（设施报修·紧急）已改为紧急工单")
        assert limits.startswith("紧急工单：2小时内响应，24小时内办结。")
        # The 【转为紧急】 notice replaces the 催办 a second reporter would bring.
        (notice,) = to_firm
        assert notice.startswith("【转为紧急】阳光花园 工单 0001（设施报修·紧急）")
        assert "紧急情况：电梯里有人被困" in notice
        assert "回复“受理 0001”确认受理" in notice
        (copy,) = to_branch
        assert copy.startswith("【抄送·转为紧急】阳光花园 工单 0001")
        result = desk.results[-1]
        assert result.outcome == MessageOutcome.ATTACHED
        assert (result.opened, result.attached, result.detailed) == (0, 1, 0)
        assert len(await raised_events(desk, 1)) == 1
        assert (await raised_events(desk, 1))[0]["joined"] is True


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("我担心电梯里会有人被困", id="worry"),
        pytest.param("昨天电梯里有人被困了", id="past-event"),
        pytest.param("上次电梯里有人被困了好久", id="earlier-time"),
        pytest.param("要是电梯里有人被困怎么办", id="what-if"),
        pytest.param("万一有人被困在电梯里就麻烦了", id="in-case"),
    ],
)
async def test_alarming_chat_keeps_case_routine(db_url, line: str):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        replies = await desk.say(line, sender="r2", at=later(3))

        case = await desk.case(1)
        assert not case.urgent
        assert case.reporter_count == 2
        assert raised_for_firm(desk) == []
        assert not any("紧急" in text for text in replies)
        assert await raised_events(desk, 1) == []


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("大家注意，电梯里被困了要按警铃", id="if-trapped"),
        pytest.param("被困电梯时记得按警铃", id="when-trapped"),
    ],
)
async def test_safety_advice_keeps_case_routine(db_url, line: str):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        replies = await desk.say(line, sender="r2", at=later(3))

        case = await desk.case(1)
        assert not case.urgent
        assert raised_for_firm(desk) == []
        assert not any(LIFT_ADVICE in text for text in replies)
        assert await raised_events(desk, 1) == []


async def test_urgent_case_not_raised_twice(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        await desk.say(TRAPPED, sender="r2", at=later(3))
        replies = await desk.say("3栋电梯里有人被困，快来人", sender="r3", at=later(4))

        assert raised_for_firm(desk) == []
        assert not any("已改为紧急工单" in text for text in replies)
        # The third reporter still gets the advice, as any joiner of an urgent case does.
        assert replies[0].startswith(LIFT_ADVICE)
        assert "已有3位居民反映" in replies[0]
        assert len(await raised_events(desk, 1)) == 1


async def test_case_opened_urgent_not_raised(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋电梯里有人被困，快来人", sender="r1")
        replies = await desk.say(TRAPPED, sender="r2", at=later(3))

        assert (await desk.case(1)).reporter_count == 2
        assert raised_for_firm(desk) == []
        assert replies[0].startswith(LIFT_ADVICE)
        assert await raised_events(desk, 1) == []


async def test_me_too_with_danger_raises_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        replies = await desk.say("我也是，电梯里有人被困", sender="r2", at=later(3))

        assert (await desk.case(1)).urgent
        assert replies[0].startswith(LIFT_ADVICE)
        assert len(raised_for_firm(desk)) == 1
        # The line is kept once, as the note of the urgent_raised event.
        notes = [(event.kind, event.note) for event in await desk.events(1) if event.note]
        assert notes == [("urgent_raised", "我也是，电梯里有人被困")]


async def test_reporter_after_detail_window_raises_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        replies = await desk.say(TRAPPED, sender="r1", at=later(30))

        case = await desk.case(1)
        assert case.urgent
        assert case.reporter_count == 1
        assert replies[0].startswith(LIFT_ADVICE)
        assert len(raised_for_firm(desk)) == 1
        result = desk.results[-1]
        assert (result.attached, result.detailed) == (0, 1)
        assert (await raised_events(desk, 1))[0]["follow_up"] is True


async def test_other_group_told_in_its_own_chat(db_url):
    async with open_desk(db_url) as desk:
        async with desk.services.sessionmaker() as session, session.begin():
            chat = await chat_for(session, "test", "group-2", title="阳光花园3栋楼栋群")
            await bind_chat(session, chat, await session.get_one(Compound, desk.compound.id), later(0))
        await desk.say(LIFT, sender="r1")
        await desk.say("3栋电梯又坏了，停在5楼", sender="r3", chat_id="group-2", at=later(1))
        assert (await desk.case(1)).reporter_count == 2

        await desk.say(TRAPPED, sender="r2", at=later(3))

        (here,) = desk.last_to_group("group-1")
        assert "本群反映过此问题的居民" not in here
        (there,) = desk.last_to_group("group-2")
        advice, news = there.split("\n")
        assert advice == LIFT_ADVICE
        assert "已改为紧急工单" in news
        assert "本群反映过此问题的居民请注意安全" in news


async def test_other_problem_in_raising_line_opened(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("5栋电梯坏了", sender="r1")
        replies = await desk.say("5栋电梯里有人被困了！另外5栋楼道灯也不亮", sender="r2", at=later(3))

        assert (await desk.case(1)).urgent
        lamp = await desk.case(2)
        assert not lamp.urgent
        assert lamp.building == "5"
        (group,) = desk.last_to_group()
        assert group == replies[0]
        assert "已改为紧急工单" in group
        assert "已登记：工单 0002（设施报修）「5栋楼道灯也不亮」" in group


async def test_new_party_told_why_case_is_urgent(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        await desk.say(TRAPPED, sender="r2", at=later(3))

        await desk.say("改类 0001 安全隐患", sender="officer", chat_id=STAFF_GROUP, at=later(5))

        (notice,) = [text for text in desk.last_to_user("officer") if text.startswith("【新工单】")]
        assert notice.startswith("【新工单】阳光花园 工单 0001（安全隐患·紧急）")
        assert "内容：3栋电梯坏了" in notice
        assert notice.endswith("紧急情况：电梯里有人被困")


async def test_assigned_party_told_why_case_is_urgent(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        await desk.say(TRAPPED, sender="r2", at=later(3))

        await desk.say("转派 0001 党组织", sender="officer", chat_id=STAFF_GROUP, at=later(5))

        (notice,) = [text for text in desk.last_to_user("officer") if text.startswith("【派单】")]
        assert notice.endswith("紧急情况：电梯里有人被困")


async def test_agreement_with_bare_danger_raises_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("5栋电梯也坏了", sender="r1")
        replies = await desk.say("同上，里面有人被困了！", sender="r2", at=later(1))

        case = await desk.case(1)
        assert case.urgent
        assert case.reporter_count == 2
        assert replies[0].startswith(LIFT_ADVICE)
        assert "已改为紧急工单" in replies[0]
        assert desk.results[-1].opened == 0


async def test_trapped_without_lift_word_raises_lift_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("5栋电梯坏了", sender="r1")
        replies = await desk.say("里面有人被困了！", sender="r2", at=later(1))

        assert (await desk.case(1)).urgent
        assert replies[0].startswith(LIFT_ADVICE)
        assert "已改为紧急工单" in replies[0]
        assert desk.results[-1].opened == 0


async def test_fire_after_lift_report_opens_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("5栋电梯坏了", sender="r1")
        await desk.say("着火了！快来人", sender="r2", at=later(1))

        assert not (await desk.case(1)).urgent
        assert desk.results[-1].opened == 1


async def test_agreement_with_fire_opens_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("5栋电梯坏了", sender="r1")
        await desk.say("同上，着火了！", sender="r2", at=later(1))

        assert not (await desk.case(1)).urgent
        assert desk.results[-1].opened == 1
        assert (await desk.case(2)).urgent


async def test_agreement_with_trapped_person_leaves_noise_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼上天天半夜拖椅子", sender="r1")
        await desk.say("同上，里面有人被困了！", sender="r2", at=later(1))

        assert not (await desk.case(1)).urgent
        assert desk.results[-1].opened == 1


async def test_handed_party_told_urgency(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        await desk.say(TRAPPED, sender="r2", at=later(3))

        await desk.say("非本方职责 0001 转业委会 电梯由业委会另行委托维保", sender="wang", at=later(5))

        (notice,) = [text for text in desk.last_to_user("chen") if text.startswith("【转交工单】")]
        assert notice.endswith("紧急情况：电梯里有人被困")
