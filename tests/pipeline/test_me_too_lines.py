"""Me-too lines with words of their own, and bare support written in traditional characters."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Case, MessageOutcome
from tests.helpers import later
from tests.workflow.desk import Desk, open_desk


async def count_cases(desk: Desk) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Case)) or 0


async def test_me_too_with_own_words_joins(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼上又在拖椅子蹦迪，都快十二点了！1502的能不能注意点", sender="r1")
        replies = await desk.say("我也是，楼上每天半夜噪音，根本睡不着", sender="r2", at=later(2))

        case = await desk.case(1)
        assert await count_cases(desk) == 1
        assert desk.results[-1].outcome == MessageOutcome.ATTACHED
        assert case.reporter_count == 2
        assert any("已有工单 0001" in text for text in replies)
        details = [e.note for e in await desk.events(1) if e.kind == "info_added"]
        assert details == ["我也是，楼上每天半夜噪音，根本睡不着"]


async def test_me_too_short_noise_line_joins(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼上又在拖椅子蹦迪，都快十二点了！1502的能不能注意点", sender="r1")
        await desk.say("我也是，楼上天天吵得睡不着", sender="r2", at=later(3))

        assert await count_cases(desk) == 1
        assert (await desk.case(1)).reporter_count == 2


async def test_me_too_other_problem_opens_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼上又在拖椅子蹦迪，都快十二点了！1502的能不能注意点", sender="r1")
        await desk.say("我也是，楼道灯坏了好几天了", sender="r2", at=later(2))

        assert await count_cases(desk) == 2
        assert (await desk.case(1)).reporter_count == 1
        assert (await desk.case(2)).category != (await desk.case(1)).category


async def test_me_too_after_window_opens_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼上又在拖椅子蹦迪，都快十二点了！1502的能不能注意点", sender="r1")
        await desk.say("我也是，楼上每天半夜噪音，根本睡不着", sender="r2", at=later(90))

        assert await count_cases(desk) == 2
        assert (await desk.case(1)).reporter_count == 1


async def test_traditional_support_line_joins(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("7栋楼下垃圾两天没清了，臭死了", sender="r1")
        replies = await desk.say("這個要管管了", sender="r2", at=later(2))

        assert desk.results[-1].outcome == MessageOutcome.ATTACHED
        assert (await desk.case(1)).reporter_count == 2
        assert any("已有工单 0001" in text for text in replies)


async def test_repeated_me_too_joins(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("7栋楼下垃圾两天没清了，臭死了", sender="r1")
        replies = await desk.say("我也是我也是我也是", sender="r2", at=later(2))
        await desk.say("+1 +1！", sender="r3", at=later(3))

        assert desk.results[-2].outcome == MessageOutcome.ATTACHED
        assert any("已有工单 0001" in text for text in replies)
        assert await count_cases(desk) == 1
        assert (await desk.case(1)).reporter_count == 3


async def test_traditional_me_too_with_words_joins(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("楼上又在拖椅子蹦迪，都快十二点了！1502的能不能注意点", sender="r1")
        await desk.say("我們家也是，樓上每天半夜噪音，根本睡不着", sender="r2", at=later(2))

        assert await count_cases(desk) == 1
        assert (await desk.case(1)).reporter_count == 2


async def test_dog_complaint_joins_dog_case(db_url):
    async with open_desk(db_url, triage_threshold=0.45) as desk:
        await desk.say("楼下狗狗每天不拴绳到处跑，今天差点扑到我家孩子", sender="r1")
        await desk.say("养狗的能不能文明一点", sender="r2", at=later(2))

        assert await count_cases(desk) == 1
        assert desk.results[-1].outcome == MessageOutcome.ATTACHED
        assert (await desk.case(1)).reporter_count == 2


async def test_plus_one_with_comment_joins(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("12栋1单元电梯又停了！！我妈腿脚不好下不去", sender="r1")
        replies = await desk.say("+1 早上我也是走楼梯下来的", sender="r2", at=later(1))
        await desk.say("同上 这都第三次了", sender="r3", at=later(2))

        assert await count_cases(desk) == 1
        assert desk.results[-2].outcome == MessageOutcome.ATTACHED
        assert any("已有工单 0001" in text for text in replies)
        assert (await desk.case(1)).reporter_count == 3


async def test_greeting_after_me_too_stays_chat(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("12栋1单元电梯又停了！！我妈腿脚不好下不去", sender="r1")
        await desk.say("我也是，早上好", sender="r2", at=later(1))

        assert desk.results[-1].outcome == MessageOutcome.IGNORED
        assert (await desk.case(1)).reporter_count == 1


async def test_smelled_too_joins_urgent_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("各位注意！！7栋楼道有很大的煤气味，谁家没关阀门？？", sender="r1")
        placed = await desk.say("我也闻到了 7栋2单元", sender="r2", at=later(1))
        await desk.say("我家也闻到了", sender="r3", at=later(2))

        assert await count_cases(desk) == 1
        assert any("已有工单 0001" in text for text in placed)
        assert (await desk.case(1)).reporter_count == 3


async def test_plus_one_that_presses_the_report_joins_it(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("12栋1单元电梯又停了！！", sender="r1")
        await desk.say("同上，家里老人也下不去", sender="r2", at=later(1))
        await desk.say("+1，物业赶紧的", sender="r3", at=later(2))

        assert await count_cases(desk) == 1
        assert desk.results[-1].outcome == MessageOutcome.ATTACHED
        assert (await desk.case(1)).reporter_count == 3
