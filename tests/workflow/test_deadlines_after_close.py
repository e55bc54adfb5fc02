"""时限 on a case that ended shows its clocks stopped, not running towards their deadlines."""

from __future__ import annotations

from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, open_desk

LIFT = "3栋电梯坏了，停在5楼不动"


async def test_false_alarm_stops_clocks(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        await desk.say("误报 0001 只是闲聊", sender="officer", chat_id=STAFF_GROUP, at=later(5))

        answer = await desk.say("时限 0001", sender="officer", chat_id=STAFF_GROUP, at=later(10))

        lines = answer[0].splitlines()
        assert lines[1].startswith("响应：期限")
        assert lines[1].endswith("工单于3月2日（周一）09:35结束时未响应，停止计时")
        assert lines[2].endswith("工单于3月2日（周一）09:35结束时未办结，停止计时")
        assert lines[3] == "工单已关闭（误报·非诉求），不再计时。"
        assert "未到期" not in answer[0]
        assert "已超时" not in answer[0]


async def test_cannot_resolve_keeps_response_time(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")
        await desk.say("受理 0001", sender="wang", chat_id=STAFF_GROUP, at=later(5))
        await desk.say("无法解决 0001 需要业主大会表决", sender="wang", chat_id=STAFF_GROUP, at=later(30))

        answer = await desk.say("时限 0001", sender="r1", at=later(60 * 24 * 30))

        lines = answer[0].splitlines()
        assert lines[1].endswith("已于3月2日（周一）09:35完成（按时）")
        assert lines[2].endswith("工单于3月2日（周一）10:00结束时未办结，停止计时")
        assert lines[3] == "工单已关闭（无法解决），不再计时。"
        assert "已超时" not in answer[0]


async def test_open_case_clocks_still_run(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(LIFT, sender="r1")

        answer = await desk.say("时限 0001", sender="r1", at=later(10))

        assert "未到期" in answer[0]
        assert "不再计时" not in answer[0]
