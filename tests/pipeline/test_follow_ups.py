"""Follow-up lines in a chat: detail on one's own report, places, corrections and me-too replies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers.directory import bind_chat, chat_for
from models import Case, CaseStatus, Compound, MessageOutcome
from tests.helpers import later
from tests.workflow.desk import Desk, open_desk


async def count_cases(desk: Desk) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Case)) or 0


async def event_kinds(desk: Desk, seq: int) -> list[str]:
    return [event.kind for event in await desk.events(seq)]


async def bind_group(desk: Desk, chat_id: str, title: str) -> None:
    async with desk.services.sessionmaker() as session, session.begin():
        chat = await chat_for(session, "test", chat_id, title=title)
        await bind_chat(session, chat, await session.get_one(Compound, desk.compound.id), later(0))


async def test_place_line_places_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("垃圾桶满了没人倒", sender="r1")
        replies = await desk.say("10栋楼下", sender="r1", at=later(1))

        case = await desk.case(1)
        assert await count_cases(desk) == 1
        assert (case.building, case.place) == ("10", "楼下")
        assert replies[0].startswith("已补充位置：工单 0001 的位置记为10栋楼下")
        assert desk.results[-1].located == 1


@pytest.mark.parametrize(
    ("report", "address", "expected"),
    [
        ("楼道灯坏了", "8栋2单元，谢谢", ("8", "2")),
        ("我一个人住，腿脚不方便，家里灯泡坏了换不了，有没有志愿者能帮个忙", "2栋1单元，谢谢你啊姑娘", ("2", "1")),
        ("路灯不亮", "12栋的，麻烦你们了", ("12", None)),
    ],
)
async def test_address_with_thanks_places_case(db_url, report: str, address: str, expected: tuple):
    async with open_desk(db_url) as desk:
        await desk.say(report, sender="r1")
        replies = await desk.say(address, sender="r1", at=later(2))

        case = await desk.case(1)
        assert (case.building, case.unit) == expected
        assert replies[0].startswith("已补充位置：工单 0001")
        assert await count_cases(desk) == 1


async def test_correction_after_neighbour_joined(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("路灯不亮", sender="r1")
        await desk.say("是12栋的", sender="r1", at=later(1))
        await desk.say("+1", sender="r2", at=later(2))
        replies = await desk.say("不对，是13栋的", sender="r1", at=later(3))

        assert desk.last_to_group() == [
            "工单 0001 已有2位居民反映，位置暂不更改。已转告小区专员核实，确在13栋的，小区专员会用“改位置 0001”更正。"
        ]
        assert desk.last_to_user("officer") == [
            "【位置待核实】阳光花园 工单 0001（设施报修）\n现记位置：12栋\n反映人（居**）说应为：13栋\n"
            "该工单已有2位居民反映，位置没有自动更改。核实属实请回复“改位置 0001 13栋”。"
        ]
        assert len(replies) == 2
        assert desk.results[-1].outcome == MessageOutcome.IGNORED
        assert (await desk.case(1)).building == "12"
        assert "location_corrected" not in await event_kinds(desk, 1)


async def test_me_too_joins_case_discussed_here(db_url):
    async with open_desk(db_url) as desk:
        await bind_group(desk, "group-2", "阳光花园二号业主群")
        await desk.say("3号楼电梯坏了", sender="r1")
        await desk.say("阳光花园 6栋", sender="r6", chat_id="r6", private=True, at=later(1))
        await desk.say("6栋楼上邻居天天半夜剁肉吵得睡不着", sender="r6", chat_id="r6", private=True, at=later(2))
        await desk.say("3号楼电梯坏了", sender="r3", chat_id="group-2", at=later(3))
        replies = await desk.say("我也是", sender="r4", chat_id="group-2", at=later(4))

        lift, noise = await desk.case(1), await desk.case(2)
        assert "剁肉" in noise.summary
        assert lift.reporter_count == 3
        assert noise.reporter_count == 1
        assert any("已有工单 0001" in text for text in replies)
        assert not any("0002" in text for text in replies)


async def test_me_too_without_case_here_is_ignored(db_url):
    async with open_desk(db_url) as desk:
        await bind_group(desk, "group-2", "阳光花园二号业主群")
        await desk.say("阳光花园 6栋", sender="r6", chat_id="r6", private=True)
        await desk.say("6栋楼上邻居天天半夜剁肉吵得睡不着", sender="r6", chat_id="r6", private=True, at=later(1))
        replies = await desk.say("我也是", sender="r4", chat_id="group-2", at=later(2))

        assert replies == []
        assert desk.results[-1].outcome == MessageOutcome.IGNORED
        assert (await desk.case(1)).reporter_count == 1


async def test_detail_lines_join_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("地下车库入口的栏杆坏了，一直抬不起来", sender="r1")
        cars = await desk.say("车都堵在外面了", sender="r1", at=later(2))
        party_note = desk.last_to_user("wang")
        hurry = await desk.say("赶紧来人修一下", sender="r1", at=later(3))

        assert await count_cases(desk) == 1
        assert cars[0] == "已收到，补充信息已记入工单 0001，并转告阳光花园物业服务中心。发送“查询 0001”可看进度。"
        assert hurry[0].startswith("已收到，补充信息已记入工单 0001")
        assert len(party_note) == 1
        assert party_note[0].startswith("【补充信息】阳光花园 工单 0001")
        assert "说明：车都堵在外面了" in party_note[0]
        result = desk.results[-1]
        assert result.outcome == MessageOutcome.ATTACHED
        assert (result.opened, result.attached, result.detailed) == (0, 0, 1)
        notes = [event.note for event in await desk.events(1) if event.kind == "info_added"]
        assert notes == ["车都堵在外面了", "赶紧来人修一下"]
        assert (await desk.case(1)).reporter_count == 1


async def test_detail_shows_in_case_history(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("晚饭后广场舞音响太大了，能不能小声点，孩子要写作业", sender="r1")
        await desk.say("我们跳舞也就一个小时，大家互相体谅一下嘛", sender="r2", at=later(2))
        replies = await desk.say("每天都放到九点，这叫一个小时？", sender="r1", at=later(5))
        history = await desk.say("查询 0001", sender="r1", at=later(6))

        assert await count_cases(desk) == 1
        assert replies[0].startswith("已收到，补充信息已记入工单 0001")
        assert "补充信息" in history[0]


async def test_detail_on_triage_case_sends_no_party_note(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say("地下车库入口的栏杆坏了，一直抬不起来", sender="r1")
        replies = await desk.say("车都堵在外面了", sender="r1", at=later(2))

        assert await count_cases(desk) == 1
        assert replies[0] == "已收到，补充信息已记入工单 0001，小区专员确认类别后将尽快派单。发送“查询 0001”可看进度。"
        assert desk.last_to_user("wang") == []


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("电梯又坏了", "3栋楼道灯也不亮了", id="another-thing"),
        pytest.param("楼道灯坏了", "另外门禁也坏了", id="connective"),
        pytest.param("垃圾桶满了没人倒", "小区门口有人乱停车", id="other-category-and-thing"),
        pytest.param("3栋电梯坏了", "5栋电梯也坏了", id="other-building"),
        pytest.param("东门的路灯坏了", "西门的路灯也坏了", id="other-gate"),
        pytest.param("楼道灯坏了", "外墙瓷砖掉下来了", id="urgent-line"),
        pytest.param("楼道灯坏了", "物业催费的天天打电话，还说要上征信", id="pair-reads-as-fees"),
    ],
)
async def test_second_problem_opens_own_case(db_url, first: str, second: str):
    async with open_desk(db_url) as desk:
        await desk.say(first, sender="r1")
        await desk.say(second, sender="r1", at=later(2))

        result = desk.results[-1]
        assert result.outcome == MessageOutcome.OPENED
        assert result.detailed == 0
        assert await count_cases(desk) == 2
        assert "info_added" not in await event_kinds(desk, 1)


async def test_neighbour_line_is_no_detail(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("地下车库入口的栏杆坏了，一直抬不起来", sender="r1")
        await desk.say("车都堵在外面了", sender="r2", at=later(2))

        assert desk.results[-1].detailed == 0
        assert "info_added" not in await event_kinds(desk, 1)


async def test_detail_window_ends(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("地下车库入口的栏杆坏了，一直抬不起来", sender="r1")
        await desk.say("车都堵在外面了", sender="r1", at=later(20))

        assert desk.results[-1].detailed == 0
        assert "info_added" not in await event_kinds(desk, 1)


async def test_detail_in_private_chat_joins_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("阳光花园 6栋", sender="r6", chat_id="r6", private=True)
        await desk.say("地下车库入口的栏杆坏了，一直抬不起来", sender="r6", chat_id="r6", private=True, at=later(1))
        replies = await desk.say("车都堵在外面了", sender="r6", chat_id="r6", private=True, at=later(2))

        assert await count_cases(desk) == 1
        assert replies[0].startswith("已收到，补充信息已记入工单 0001")
        assert desk.results[-1].detailed == 1


async def test_readme_follow_up_example(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("地下车库入口的栏杆坏了", sender="r1")
        cars = await desk.say("车都堵在外面了", sender="r1", at=later(2))
        hurry = await desk.say("赶紧来人修一下", sender="r1", at=later(3))

        assert await count_cases(desk) == 1
        assert cars[0].startswith("已收到，补充信息已记入工单 0001")
        assert hurry[0].startswith("已收到，补充信息已记入工单 0001")
        notes = [event.note for event in await desk.events(1) if event.kind == "info_added"]
        assert notes == ["车都堵在外面了", "赶紧来人修一下"]


async def test_urgent_line_makes_own_case_urgent(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("电梯又坏了", sender="r1")
        await desk.say("11栋2单元的，谢谢", sender="r1", at=later(1))
        await desk.say("不对，是12栋的", sender="r1", at=later(2))
        replies = await desk.say("人都困在里面了，快来人", sender="r1", at=later(3))
        to_firm = desk.last_to_user("wang")
        to_branch = desk.last_to_user("officer")

        assert await count_cases(desk) == 1
        case = await desk.case(1)
        assert case.urgent
        assert (case.building, case.unit) == ("12", "2")
        assert case.response_due_at == later(3 + 120)
        assert case.resolve_due_at == later(3 + 24 * 60)
        assert replies[0].startswith("被困人员请按电梯警铃")
        assert "工单 0001（设施报修·紧急）已改为紧急工单" in replies[0]
        assert "紧急工单：2小时内响应，24小时内办结" in replies[0]
        assert len(to_firm) == 1
        assert to_firm[0].startswith("【转为紧急】阳光花园 工单 0001（设施报修·紧急）")
        assert "位置：12栋2单元" in to_firm[0]
        assert "紧急情况：人都困在里面了，快来人" in to_firm[0]
        assert "回复“受理 0001”确认受理" in to_firm[0]
        assert len(to_branch) == 1
        assert to_branch[0].startswith("【抄送·转为紧急】")
        assert "受理 0001" not in to_branch[0]
        result = desk.results[-1]
        assert result.outcome == MessageOutcome.ATTACHED
        assert (result.opened, result.detailed) == (0, 1)
        assert [e.note for e in await desk.events(1) if e.kind == "urgent_raised"] == ["人都困在里面了，快来人"]


async def test_urgent_line_on_acknowledged_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("5栋电梯又坏了", sender="r1")
        await desk.say("受理 0001", sender="wang", chat_id="staff-group", at=later(1))
        replies = await desk.say("人都困在里面了，快来人", sender="r1", at=later(2))
        to_firm = desk.last_to_user("wang")

        case = await desk.case(1)
        assert case.urgent
        assert case.resolve_due_at == later(2 + 24 * 60)
        assert "紧急工单：24小时内办结" in replies[0]
        assert "确认受理" not in to_firm[0]


async def test_urgent_line_of_other_kind_opens_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("电梯又坏了", sender="r1")
        await desk.say("有个老人晕倒了快叫120", sender="r1", at=later(2))

        assert await count_cases(desk) == 2
        assert not (await desk.case(1)).urgent
        fainted = await desk.case(2)
        assert fainted.urgent
        assert fainted.category == "care"


async def test_urgent_line_routes_triage_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋电梯又坏了", sender="r1")
        # Held for the officer's category, as an unsure guess would be.
        async with desk.services.sessionmaker() as session, session.begin():
            case = await session.get_one(Case, (await desk.case(1)).id)
            case.status = CaseStatus.TRIAGE
        replies = await desk.say("人都困在里面了，快来人", sender="r1", at=later(2))
        to_firm = desk.last_to_user("wang")

        assert await count_cases(desk) == 1
        case = await desk.case(1)
        assert case.urgent
        assert case.status == CaseStatus.NEW
        assert case.response_due_at == case.first_response_due_at == later(2 + 120)
        assert "工单 0001（设施报修·紧急）已改为紧急工单" in replies[0]
        assert len(to_firm) == 1
        assert to_firm[0].startswith("【转为紧急】")
        raised = [e for e in await desk.events(1) if e.kind == "urgent_raised"]
        assert [(e.data["from"], e.data["to"]) for e in raised] == [("triage", "new")]


async def test_urgent_add_info_makes_case_urgent(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("9栋电梯坏了", sender="r1")
        replies = await desk.say("补充 0001 电梯里有人被困了！快来人", sender="r1", at=later(30))
        to_firm = desk.last_to_user("wang")

        assert await count_cases(desk) == 1
        case = await desk.case(1)
        assert case.urgent
        assert case.response_due_at == later(30 + 120)
        assert replies[0].startswith("被困人员请按电梯警铃")
        assert "工单 0001（设施报修·紧急）已改为紧急工单" in replies[0]
        assert len(to_firm) == 1
        assert to_firm[0].startswith("【转为紧急】阳光花园 工单 0001")
        assert "紧急情况：电梯里有人被困了！快来人" in to_firm[0]
        assert await event_kinds(desk, 1) == ["opened", "info_added", "urgent_raised"]


async def test_routine_add_info_keeps_case_routine(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("9栋电梯坏了", sender="r1")
        replies = await desk.say("补充 0001 按钮也没反应", sender="r1", at=later(30))

        assert not (await desk.case(1)).urgent
        assert replies[0].startswith("已收到，补充信息已记入工单 0001")
