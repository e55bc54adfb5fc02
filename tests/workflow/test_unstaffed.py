"""Parties with no registered staff: escalation skips them, and officers hear about cases routed to them."""

from __future__ import annotations

from handlers.messages import UserTarget
from models import CaseStatus
from tests.workflow.desk import STAFF_GROUP, open_desk

LEAK = "3栋2单元1002室厨房天花板漏水了"
UNCLEAR = "垃圾桶好几天没人清理了"
COMMITTEE = "阳光花园业主委员会"
PROPERTY = "阳光花园物业服务中心"


def sent_to_party(desk, name: str) -> list[str]:
    """Texts the console addressed to a party by its name, which it does for a party without accounts."""
    return [text for target, text in desk.console.sent if isinstance(target, UserTarget) and target.user_id == name]


async def test_escalation_skips_committee_without_staff(db_url):
    async with open_desk(db_url) as desk:
        await desk.revoke("chen")
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("升级 0001 物业三天未响应", sender="officer", chat_id=STAFF_GROUP)

        case = await desk.case(1)
        event = (await desk.events(1))[-1]
        assert replies[0] == (
            "工单 0001 已升级为小区党组织和小区专员督办，已通知小区党组织和小区专员。"
            "业委会没有登记工作人员，已跳过。"
        )
        assert case.escalation_level == 2
        assert event.data["rung"] == "party"
        assert event.data["skipped_rungs"] == ["committee"]
        assert sent_to_party(desk, COMMITTEE) == []
        assert any("【督办·小区党组织和小区专员督办】" in r for r in desk.last_to_user("wang"))


async def test_escalation_with_staff_names_no_skip(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("升级 0001 物业三天未响应", sender="officer", chat_id=STAFF_GROUP)

        assert replies[0] == "工单 0001 已升级为业委会督办，已通知业委会。"
        assert "skipped_rungs" not in (await desk.events(1))[-1].data


async def test_new_case_for_unstaffed_party_tells_officer(db_url):
    async with open_desk(db_url) as desk:
        await desk.revoke("wang")

        await desk.say(LEAK, sender="r1")

        case = await desk.case(1)
        assert case.party.name == PROPERTY
        notices = [r for r in desk.last_to_user("officer") if r.startswith("【无人承办】")]
        assert len(notices) == 1
        assert f"已派{PROPERTY}" in notices[0]
        assert f"{PROPERTY}没有登记工作人员，通知无法送达" in notices[0]
        assert "转派 0001 承办方" in notices[0]


async def test_new_case_for_staffed_party_sends_no_warning(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LEAK, sender="r1")

        assert not any(r.startswith("【无人承办】") for r in desk.last_to_user("officer"))


async def test_triage_to_unstaffed_party_warns_officer(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.revoke("wang")
        await desk.say(UNCLEAR, sender="r1")

        replies = await desk.say("分类 0001 物业服务", sender="officer", chat_id=STAFF_GROUP)

        assert (await desk.case(1)).status == CaseStatus.NEW
        assert replies[0].startswith(f"工单 0001 已确认为“物业服务”，已派{PROPERTY}处理。")
        assert f"{PROPERTY}没有登记工作人员，通知无法送达" in replies[0]


async def test_assign_to_unstaffed_party_warns_officer(db_url):
    async with open_desk(db_url) as desk:
        await desk.revoke("chen")
        await desk.say(LEAK, sender="r1")

        replies = await desk.say("转派 0001 业委会", sender="officer", chat_id=STAFF_GROUP)

        assert replies[0].startswith(f"工单 0001 已转派{COMMITTEE}。")
        assert f"{COMMITTEE}没有登记工作人员，通知无法送达" in replies[0]
