"""Several residents reporting one problem make one case with co-reporters."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Case, CaseReporter
from tests.helpers import later
from tests.workflow.desk import open_desk


async def count_cases(desk) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Case))


async def test_three_residents_one_leak_one_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", message_id="leak-1")
        second = await desk.say("3栋2单元1002室卫生间也在漏水，很严重", sender="r2", at=later(5))
        third = await desk.say("我也是", sender="r3", at=later(8), reply_to="leak-1")

        async with desk.services.sessionmaker() as session:
            cases = await session.scalar(select(func.count()).select_from(Case))
            reporters = list(
                await session.scalars(select(CaseReporter.member_id).order_by(CaseReporter.id))
            )
        case = await desk.case(1)
        assert cases == 1
        assert len(reporters) == 3
        assert case.reporter_count == 3
        assert case.priority == 1
        assert any("已有工单 0001" in r and "已有2位居民反映" in r for r in second)
        assert any("已有3位居民反映" in r for r in third)
        assert any("已有3位居民反映（优先级：高）" in r for r in desk.last_to_user("wang"))


async def test_count_shown_in_party_listing(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", message_id="leak-1")
        for n, sender in enumerate(("r2", "r3", "r4", "r5"), start=1):
            await desk.say("+1", sender=sender, at=later(n), reply_to="leak-1")

        listing = await desk.say("工单列表", sender="wang", chat_id="staff-group")

        assert (await desk.case(1)).priority == 2
        assert "5人（优先级：最高）" in listing[0]


async def test_same_resident_twice_counts_once(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", message_id="leak-1")
        again = await desk.say("我也是", sender="r1", at=later(3), reply_to="leak-1")

        assert (await desk.case(1)).reporter_count == 1
        assert any("您已反映过该问题" in r for r in again)


async def test_later_place_fills_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("电梯又坏了，停了好几天了", sender="r1")
        more = await desk.say("3栋2单元的电梯，一直停在五楼不动", sender="r1", at=later(10))

        cases = await count_cases(desk)
        case = await desk.case(1)
        assert cases == 1
        assert (case.building, case.unit) == ("3", "2")
        assert case.reporter_count == 1
        assert any("已补充位置：工单 0001" in r and "3栋2单元" in r for r in more)
        history = await desk.say("查询 0001", sender="r1", at=later(12))
        assert any("补充位置" in r for r in history)


async def test_later_place_joins_triage_case(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say("楼道里的东西到底有没有人管", sender="r1")
        more = await desk.say("3栋1单元楼道堆满了纸箱和旧家具", sender="r1", at=later(5))

        cases = await count_cases(desk)
        assert cases == 1
        assert (await desk.case(1)).building == "3"
        assert any("已补充位置" in r for r in more)


async def test_place_after_an_hour_opens_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("电梯又坏了，停了好几天了", sender="r1")
        await desk.say("3栋2单元的电梯，一直停在五楼不动", sender="r1", at=later(90))

        cases = await count_cases(desk)
        assert cases == 2


async def test_unsure_comment_joins_last_report(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say("11栋501被改成群租房了，住了十几个人", sender="r1")
        comment = await desk.say("这种情况能不能处理一下", sender="r2", at=later(2))
        late = await desk.say("这种情况能不能处理一下", sender="r3", at=later(40))

        cases = await count_cases(desk)
        assert (await desk.case(1)).reporter_count == 2
        assert any("已有工单 0001" in r for r in comment)
        # Forty minutes on, the same words are no longer a reply to that report.
        assert cases == 2
        assert any("工单 0002" in r for r in late)


async def test_bare_address_places_own_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("电梯又坏了，停了好几天了", sender="r1")
        placed = await desk.say("是3栋2单元的", sender="r1", at=later(3))
        stranger = await desk.say("是5栋的", sender="r2", at=later(4))

        case = await desk.case(1)
        assert (case.building, case.unit) == ("3", "2")
        assert any("已补充位置：工单 0001" in r for r in placed)
        # Someone else's bare address places nothing and gets no reply.
        assert stranger == []
        assert case.building == "3"


async def test_second_problem_keeps_own_place(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("电梯又坏了", sender="r1")
        await desk.say("3栋楼道灯也不亮了", sender="r1", at=later(3))

        first, second = await desk.case(1), await desk.case(2)
        assert first.building is None
        assert second.building == "3"
        assert "楼道灯" in second.summary


async def test_two_problems_one_building_two_cases(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("5栋电梯又坏了", sender="r1")
        await desk.say("5栋门禁也坏了，谁都能进", sender="r2", at=later(3))

        cases = await count_cases(desk)
        assert cases == 2


async def test_bare_building_number_places_case(db_url):
    async with open_desk(db_url, triage_threshold=0.45) as desk:
        await desk.say("电梯坏了", sender="r1")
        placed = await desk.say("在5号楼", sender="r1", at=later(2))

        cases = await count_cases(desk)
        assert cases == 1
        assert (await desk.case(1)).building == "5"
        assert any("已补充位置" in r for r in placed)


async def test_reporter_corrects_own_building(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("5栋电梯又坏了", sender="r1")
        corrected = await desk.say("是6栋的", sender="r1", at=later(2))

        assert (await desk.case(1)).building == "6"
        assert any("已更正位置：工单 0001 的位置改为6栋" in r for r in corrected)
        history = await desk.say("查询 0001", sender="r1", at=later(3))
        assert any("更正位置" in r for r in history)


async def test_me_too_with_place_joins(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("电梯又坏了", sender="r1")
        joined = await desk.say("我家也是，3栋的", sender="r2", at=later(2))

        assert (await desk.case(1)).reporter_count == 2
        assert any("已有工单 0001" in r for r in joined)


async def test_comment_and_new_problem_one_reply(db_url):
    async with open_desk(db_url, triage_threshold=0.45) as desk:
        await desk.say("5栋电梯又坏了", sender="r1")
        replies = await desk.say("这个要管管了，另外5栋门禁也坏了", sender="r2", at=later(3))

        cases = await count_cases(desk)
        assert cases == 2
        assert sum(r.count("已有工单 0001") for r in replies) == 1
        assert not any("您已反映过" in r for r in replies)


async def test_lamps_at_two_gates_two_cases(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("东门的路灯坏了，晚上黑漆漆的", sender="r1")
        second = await desk.say("西门的路灯坏了，晚上黑漆漆的", sender="r2", at=later(3))

        first_case, second_case = await desk.case(1), await desk.case(2)
        assert await count_cases(desk) == 2
        assert (first_case.place, second_case.place) == ("东门", "西门")
        assert not any("已有工单" in r for r in second)


async def test_leak_into_flat_below_one_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1202卫生间漏水，漏到楼下1102了", sender="r1")
        second = await desk.say("3栋2单元1102天花板漏水，是楼上1202漏下来的", sender="r2", at=later(20))

        case = await desk.case(1)
        assert await count_cases(desk) == 1
        assert case.room == "1202"
        assert case.reporter_count == 2
        assert any("已有工单 0001" in r for r in second)


async def test_comment_naming_the_place_joins(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say("东门的路灯坏了，晚上黑漆漆的", sender="r1")
        comment = await desk.say("东门这个要管管了", sender="r2", at=later(2))

        assert await count_cases(desk) == 1
        assert (await desk.case(1)).reporter_count == 2
        assert any("已有工单 0001" in r for r in comment)


async def test_bare_support_joins_the_report_under_discussion(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("11栋501被改成群租房了，住了十几个人", sender="r1")
        support = await desk.say("这个要管管了", sender="r2", at=later(2))
        await desk.say("支持！", sender="r3", at=later(30))

        assert await count_cases(desk) == 1
        assert (await desk.case(1)).reporter_count == 3
        assert any("0001" in r for r in support)


async def test_fire_seen_twice_one_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("打119！！8栋着火了！！", sender="r1")
        await desk.say("8栋冒烟了 快报警", sender="r2", at=later(1))

        async with desk.services.sessionmaker() as session:
            cases = await session.scalar(select(func.count()).select_from(Case))
        assert cases == 1
        assert (await desk.case(1)).reporter_count == 2


async def test_fires_in_two_buildings_two_cases(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("8栋着火了！！", sender="r1")
        await desk.say("9栋冒烟了 快报警", sender="r2", at=later(1))

        async with desk.services.sessionmaker() as session:
            cases = await session.scalar(select(func.count()).select_from(Case))
        assert cases == 2
