"""时限: an ended case shows its clocks stopped, and the heading names deadlines a merge carried over."""

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


async def test_merged_limits_named_in_heading(db_url):
    # The utilities case, counted from its report at 09:40, brings in its 4
    # and 24 hour deadlines, both earlier than the repair case's 1 and 7 working days.
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("5栋一早就停水了", sender="r2", at=later(10))
        await desk.say("改类 0002 水电气暖", sender="officer", chat_id=STAFF_GROUP, at=later(15))
        await desk.say("合并 0002 0001", sender="officer", chat_id=STAFF_GROUP, at=later(30))

        answer = await desk.say("时限 0001", sender="officer", chat_id=STAFF_GROUP, at=later(40))

        lines = answer[0].splitlines()
        assert lines[0] == "工单 0001 的办理时限（合并时沿用工单 0002 的期限）："
        assert lines[1] == "响应：期限3月2日（周一）13:40，未到期"
        assert lines[2] == "办结：期限3月3日（周二）09:40，未到期"


async def test_merged_response_limit_only(db_url):
    # The neighbour dispute of Monday must be acknowledged by the end of
    # Tuesday, before the repair case of Tuesday. Its 15 working days to
    # resolve end after the repair case's 7, so the repair case keeps its own.
    async with open_desk(db_url) as desk:
        await desk.say("楼上邻居天天半夜吵闹", sender="r1")
        await desk.say("改类 0001 邻里纠纷", sender="officer", chat_id=STAFF_GROUP, at=later(5))
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r2", at=later(24 * 60))
        await desk.say("合并 0001 0002", sender="officer", chat_id=STAFF_GROUP, at=later(24 * 60 + 30))

        answer = await desk.say("时限 0002", sender="officer", chat_id=STAFF_GROUP, at=later(24 * 60 + 40))

        lines = answer[0].splitlines()
        assert lines[0] == "工单 0002 的办理时限（合并时沿用工单 0001 的响应期限，7个工作日内办结）："
        assert lines[1].startswith("响应：期限3月3日（周二）24:00")


async def test_unmerged_limits_from_rule(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("5栋路灯不亮了", sender="r2", at=later(10))
        await desk.say("合并 0002 0001", sender="officer", chat_id=STAFF_GROUP, at=later(30))

        answer = await desk.say("时限 0001", sender="officer", chat_id=STAFF_GROUP, at=later(40))

        assert answer[0].splitlines()[0] == "工单 0001 的办理时限（1个工作日内响应，7个工作日内办结）："


async def test_merged_limits_named_after_pause(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("5栋一早就停水了", sender="r2", at=later(10))
        await desk.say("改类 0002 水电气暖", sender="officer", chat_id=STAFF_GROUP, at=later(15))
        await desk.say("合并 0002 0001", sender="officer", chat_id=STAFF_GROUP, at=later(30))
        # Paused from 10:30 to 12:30, which moves both hour-counted deadlines by two hours.
        await desk.say("挂起 0001 等待自来水公司", sender="officer", chat_id=STAFF_GROUP, at=later(60))
        await desk.say("恢复计时 0001", sender="officer", chat_id=STAFF_GROUP, at=later(180))

        answer = await desk.say("时限 0001", sender="officer", chat_id=STAFF_GROUP, at=later(190))

        lines = answer[0].splitlines()
        assert lines[0] == "工单 0001 的办理时限（合并时沿用工单 0002 的期限）："
        assert lines[1] == "响应：期限3月2日（周一）15:40，未到期"
        assert lines[2] == "办结：期限3月3日（周二）11:40，未到期"
