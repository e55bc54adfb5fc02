"""Every command against every case state, through the real pipeline."""

from __future__ import annotations

import pytest

from handlers.errors import InvalidTransition
from handlers.workflow import TRANSITIONS, Action, check_transition
from models import Case, CaseOutcome, CaseStatus, MessageOutcome
from tests.workflow.desk import open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"
LIFT = "5号楼电梯又坏了"

# Each command as people type it, who types it, and the change it asks for.
COMMANDS: list[tuple[str, str, Action]] = [
    ("受理 0001", "wang", Action.ACKNOWLEDGE),
    ("处理中 0001 师傅已到现场", "wang", Action.START),
    ("办结 0001 已更换防水层", "wang", Action.RESOLVE),
    ("无法解决 0001 需业主大会表决", "wang", Action.CANNOT_RESOLVE),
    ("非本方职责 0001 已转交市供水热线", "wang", Action.NOT_OUR_DUTY),
    ("非本方职责 0001 转业委会 属于公共收益问题", "wang", Action.HAND_ON),
    ("转派 0001 业委会", "officer", Action.ASSIGN),
    ("重开 0001 仍然漏水", "officer", Action.REOPEN),
    ("升级 0001 物业三天未响应", "officer", Action.ESCALATE),
    ("分类 0001 环境卫生", "officer", Action.CLASSIFY),
    ("改类 0001 环境卫生", "officer", Action.RECATEGORIZE),
    ("合并 0001 0002", "officer", Action.MERGE),
    ("撤回 0001", "r1", Action.WITHDRAW),
    ("评价 0001 满意", "r1", Action.RATE),
    ("误报 0001", "officer", Action.NOT_A_CASE),
    ("改位置 0001 5栋", "officer", Action.RELOCATE),
]
# 分类 and 改类 are one command: in triage it confirms the category, after it corrects it.
OTHERWISE: dict[Action, Action] = {
    Action.CLASSIFY: Action.RECATEGORIZE,
    Action.RECATEGORIZE: Action.CLASSIFY,
}


async def test_every_command_in_every_state(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say(LIFT, sender="r2")

        for status in CaseStatus:
            for text, sender, action in COMMANDS:
                outcome = (
                    CaseOutcome.RESOLVED
                    if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
                    else None
                )
                await desk.put_case(1, status, outcome=outcome, category="repair", building="3")
                await desk.put_case(2, CaseStatus.NEW)
                events_before = len(await desk.events(1))

                replies = await desk.say(text, sender=sender)

                if status not in TRANSITIONS[action].sources and action in OTHERWISE:
                    action = OTHERWISE[action]
                legal = status in TRANSITIONS[action].sources
                case = await desk.case(1)
                events = await desk.events(1)
                where = f"{text!r} from {status.value}"
                assert desk.results[-1].outcome == MessageOutcome.COMMAND, where
                if legal:
                    assert events[events_before].kind == action.value, where
                    assert not any("不能" in r for r in replies), where
                else:
                    assert len(events) == events_before, where
                    assert case.status == status, where
                    assert any("当前状态为“" in r and "不能" in r for r in replies), (
                        where,
                        replies,
                    )


@pytest.mark.parametrize("action", list(Action))
def test_transition_table_refuses_other_states(action):
    transition = TRANSITIONS[action]
    for status in CaseStatus:
        case = Case(seq=1, status=status)
        if status in transition.sources:
            assert check_transition(case, action) is transition
        else:
            with pytest.raises(InvalidTransition, match="不能"):
                check_transition(case, action)


async def test_life_cycle_leaves_event_for_each_change(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang")
        await desk.say("处理中 0001 师傅已到现场", sender="wang")
        await desk.say("办结 0001 已更换防水层", sender="wang")
        thanks = await desk.say("评价 0001 满意 师傅很负责", sender="r1")

        case = await desk.case(1)
        events = await desk.events(1)
        assert case.status == CaseStatus.CLOSED
        assert case.outcome == CaseOutcome.RESOLVED
        assert case.rating == "satisfied"
        assert [e.kind for e in events] == [
            "opened",
            "acknowledged",
            "started",
            "resolved",
            "rated",
            "closed",
        ]
        assert all(e.at is not None and e.actor_label for e in events)
        assert events[3].note == "已更换防水层"
        assert any("感谢您的评价（满意）" in r for r in thanks)


async def test_resolve_before_acknowledge_refused(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("办结 0001 已修好", sender="wang")

        assert replies == ["工单 0001 当前状态为“待受理”，不能办结。请先发送“受理 0001”。"]
        assert [e.kind for e in await desk.events(1)] == ["opened"]


async def test_resolve_without_note_refused(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang")

        replies = await desk.say("办结 0001", sender="wang")

        assert "请写明说明或原因" in replies[0]
        assert (await desk.case(1)).status == CaseStatus.ACKNOWLEDGED


async def test_cannot_resolve_keeps_its_own_outcome(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")
        await desk.say("受理 0001", sender="wang")

        await desk.say("无法解决 0001 需全体业主表决动用维修基金", sender="wang")

        case = await desk.case(1)
        assert case.status == CaseStatus.CLOSED
        assert case.outcome == CaseOutcome.CANNOT_RESOLVE
        assert case.outcome_note == "需全体业主表决动用维修基金"


async def test_not_our_duty_hands_on_to_named_party(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("非本方职责 0001 转业委会 属于公共部位维修基金", sender="wang")

        case = await desk.case(1)
        assert case.status == CaseStatus.NEW
        assert case.route == "committee"
        assert case.outcome is None
        assert any("已转由阳光花园业主委员会处理" in r for r in replies)
        assert any("回复“受理 0001”确认受理" in r for r in desk.last_to_user("chen"))


async def test_not_our_duty_with_spaced_party(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        await desk.say("非本方职责 0001 转 党组织 楼上住户拒绝配合检修", sender="wang")

        case = await desk.case(1)
        event = (await desk.events(1))[-1]
        assert case.route == "party"
        assert event.kind == "handed_on"
        assert event.note == "楼上住户拒绝配合检修"


async def test_not_our_duty_outside_closes(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("非本方职责 0001 已转交区供水热线，报修编号A123", sender="wang")

        case = await desk.case(1)
        assert case.status == CaseStatus.CLOSED
        assert case.outcome == CaseOutcome.NOT_OUR_DUTY
        assert case.outcome_note == "已转交区供水热线，报修编号A123"
        assert any("不属于小区内部职责，由小区专员负责转交相关部门。说明：已转交区供水热线" in r for r in replies)


async def test_withdraw_by_reporter(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        await desk.say("撤回 0001 已经自己修好了", sender="r1")

        case = await desk.case(1)
        assert case.status == CaseStatus.CLOSED
        assert case.outcome == CaseOutcome.WITHDRAWN
