"""Officers merge and split cases; a merged case forwards later messages to its target."""

from __future__ import annotations

from sqlalchemy import select

from handlers.masking import mask_name
from handlers.messages import InboundAttachment
from handlers.rungs import Rung, current_rung
from models import Attachment, CaseStatus, Member
from tests.helpers import later
from tests.workflow.desk import open_desk


async def two_reports_of_one_lamp(desk) -> None:
    await desk.say("东门路灯不亮了", sender="r1", message_id="lamp-1")
    await desk.say("5号楼电梯又坏了", sender="r2", message_id="lift-1", at=later(1))


async def test_merged_case_forwards_me_too(db_url):
    async with open_desk(db_url) as desk:
        await two_reports_of_one_lamp(desk)

        merged = await desk.say("合并 0002 0001", sender="officer")
        joined = await desk.say("我也是", sender="r3", reply_to="lift-1", at=later(5))

        source, target = await desk.case(2), await desk.case(1)
        assert source.status == CaseStatus.MERGED
        assert source.merged_into_id == target.id
        assert target.reporter_count == 3
        assert any("与工单 0001 是同一问题，已合并" in r for r in merged)
        assert any("已有工单 0001" in r for r in joined)
        assert [e.kind for e in await desk.events(1)][-2:] == ["merged_in", "co_reporter_added"]


async def test_add_info_to_merged_case_goes_to_target(db_url):
    async with open_desk(db_url) as desk:
        await two_reports_of_one_lamp(desk)
        await desk.say("合并 0002 0001", sender="officer")
        photo = (InboundAttachment(kind="image", media_id="photo-7"),)

        replies = await desk.say("补充 0002 晚上整条路都是黑的", sender="r2", attachments=photo)

        target = await desk.case(1)
        added = [e for e in await desk.events(1) if e.kind == "info_added"]
        async with desk.services.sessionmaker() as session:
            stored = await session.scalar(select(Attachment))
        assert "已记入工单 0001" in replies[0]
        assert added[0].note == "晚上整条路都是黑的"
        assert stored.case_id == target.id
        assert any("【补充信息】" in r for r in desk.last_to_user("wang"))


async def test_query_merged_case_shows_target(db_url):
    async with open_desk(db_url) as desk:
        await two_reports_of_one_lamp(desk)
        await desk.say("合并 0002 0001", sender="officer")

        replies = await desk.say("查询 0002", sender="r2")

        assert replies[0].startswith("工单 0002 与工单 0001 是同一问题，已合并")
        assert "反映人数：2" in replies[0]


async def test_merge_into_closed_case_refused(db_url):
    async with open_desk(db_url) as desk:
        await two_reports_of_one_lamp(desk)
        await desk.say("撤回 0001", sender="r1")

        replies = await desk.say("合并 0002 0001", sender="officer")

        assert replies == ["工单 0001 当前状态为“已关闭”，不能把其他工单并入它。"]
        assert (await desk.case(2)).status == CaseStatus.NEW


async def test_merge_into_merged_case_names_target(db_url):
    async with open_desk(db_url) as desk:
        await two_reports_of_one_lamp(desk)
        await desk.say("西门的垃圾桶满了没人清", sender="r3", at=later(3))
        await desk.say("合并 0002 0001", sender="officer")

        replies = await desk.say("合并 0003 0002", sender="officer")

        assert replies == [
            "工单 0002 当前状态为“已合并”，不能把其他工单并入它。它已并入工单 0001，请发送“合并 0003 0001”。"
        ]
        assert (await desk.case(3)).status == CaseStatus.NEW


async def test_split_moves_reporter_to_new_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", message_id="leak-1")
        await desk.say("我也是", sender="r2", reply_to="leak-1", at=later(2))

        replies = await desk.say("拆分 0001 2", sender="officer", chat_id="staff-group")

        source, new_case = await desk.case(1), await desk.case(2)
        assert "拆分出工单 0002" in replies[0]
        assert source.reporter_count == 1
        assert new_case.reporter_count == 1
        assert new_case.status == CaseStatus.NEW
        assert new_case.category == source.category
        assert [e.kind for e in await desk.events(1)][-1] == "split"
        assert any("已单独登记" in r for r in desk.last_to_user("r2"))
        async with desk.services.sessionmaker() as session:
            reporter = await session.get(Member, new_case.reporter_id)
        masked = mask_name(reporter.display_name)
        assert f"（{masked}反映）" in replies[0]
        assert any(f"{masked}反映的问题已从工单 0001 中拆出" in r for r in desk.last_to_group())
        # The co-reporter only wrote 我也是, so the new case keeps the leak's words.
        assert new_case.summary == source.summary
        assert any(f"反映人：{masked}" in r for r in desk.last_to_user("wang"))


async def test_split_single_reporter_refused(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")

        replies = await desk.say("拆分 0001 1", sender="officer")

        assert "只有一位反映人" in replies[0]


async def test_merge_keeps_escalation_and_earlier_deadline(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("升级 0001 物业三天未响应", sender="officer", chat_id="staff-group", at=later(5))
        await desk.say("8栋地下车库入口的排水沟堵了", sender="r2", at=later(60 * 24))
        older = await desk.case(1)

        await desk.say("合并 0001 0002", sender="officer", chat_id="staff-group", at=later(60 * 25))

        target = await desk.case(2)
        assert target.escalation_level == older.escalation_level == 1
        assert target.response_due_at == older.response_due_at
        notices = desk.last_to_user("r1")
        assert any("查询 0002" in n and "查询 0001" not in n for n in notices)


async def test_split_opener_leaves_co_reporters(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了，电话13912345678", sender="r1", message_id="leak-1")
        await desk.say("我也是", sender="r2", reply_to="leak-1", at=later(2))
        await desk.say("我也是", sender="r3", reply_to="leak-1", at=later(3))
        await desk.say("拆分 0001 1", sender="officer", chat_id="staff-group", at=later(10))

        seen = await desk.say("查询 0001", sender="r2", chat_id="r2-private", private=True, at=later(15))
        left = await desk.say("撤回 0001 不是我的问题", sender="r2", at=later(20))
        source = await desk.case(1)

        assert source.reporter_id is None
        assert "13912345678" not in seen[0]
        assert left[0].startswith("已撤回您在工单 0001 中的反映，该工单仍由其他居民跟进")
        assert source.reporter_count == 1
        assert source.status == CaseStatus.NEW

        closed = await desk.say("撤回 0001 已经修好了", sender="r3", at=later(25))

        assert closed[0].endswith("反映人已撤回。")
        assert (await desk.case(1)).status == CaseStatus.CLOSED


async def test_merge_tells_source_party_to_stop(db_url):
    # The lamp went to the property firm and the fee case to the committee.
    # Once the lamp case joins the committee's, the firm has nothing left to do.
    async with open_desk(db_url) as desk:
        await desk.say("东门路灯不亮了", sender="r1")
        await desk.say("物业费又涨了凭什么", sender="r2", at=later(1))

        await desk.say("合并 0001 0002", sender="officer", at=later(5))

        to_firm = desk.last_to_user("wang")
        to_committee = desk.last_to_user("chen")
        assert len(to_firm) == 1
        assert "工单 0001" in to_firm[0]
        assert "已并入工单 0002" in to_firm[0]
        assert "贵方无需再处理" in to_firm[0]
        assert any("【工单合并】" in text and "工单 0001 已并入本工单" in text for text in to_committee)


async def test_merge_within_party_sends_one_notice(db_url):
    async with open_desk(db_url) as desk:
        await two_reports_of_one_lamp(desk)

        await desk.say("合并 0002 0001", sender="officer", at=later(5))

        to_firm = desk.last_to_user("wang")
        assert len(to_firm) == 1
        assert "工单 0002 已并入本工单" in to_firm[0]


async def test_merge_keeps_source_rung_across_parties(db_url):
    # The fee case starts on the committee's rung, and one escalation puts it
    # on the branch's; the lamp case starts on the property firm's rung.
    async with open_desk(db_url) as desk:
        await desk.say("东门路灯不亮了", sender="r1")
        await desk.say("物业费又涨了凭什么", sender="r2", at=later(1))
        await desk.say("升级 0002 业委会一直不回复", sender="officer", chat_id="staff-group", at=later(5))

        await desk.say("合并 0002 0001", sender="officer", chat_id="staff-group", at=later(10))

        assert current_rung(await desk.case(2)) == Rung.PARTY
        assert current_rung(await desk.case(1)) == Rung.PARTY


async def test_merge_does_not_raise_higher_target(db_url):
    # The lamp case escalated once is on the committee's rung, below the
    # branch's, where the safety case starts.
    async with open_desk(db_url) as desk:
        await desk.say("东门路灯不亮了", sender="r1")
        await desk.say("升级 0001 物业三天未响应", sender="officer", chat_id="staff-group", at=later(5))
        await desk.say("5栋楼道里有人推电瓶车进去充电，太危险了", sender="r2", at=later(6))

        await desk.say("合并 0001 0002", sender="officer", chat_id="staff-group", at=later(10))

        assert current_rung(await desk.case(1)) == Rung.COMMITTEE
        assert current_rung(await desk.case(2)) == Rung.PARTY


async def test_merge_numbers_joined_by_comma(db_url):
    async with open_desk(db_url) as desk:
        await two_reports_of_one_lamp(desk)

        replies = await desk.say("合并 0002，0001", sender="officer")

        assert (await desk.case(2)).status == CaseStatus.MERGED
        assert "与工单 0001 是同一问题，已合并" in replies[0]


async def test_split_takes_place_of_merged_case(db_url):
    # 孙阿姨 named her building in a second message, which placed her case
    # 0002 at 9栋; her first message, the one her report row keeps, names none.
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002厨房天花板漏水了", sender="r1", name="王阿姨")
        await desk.say("电梯坏了", sender="r2", name="孙阿姨", at=later(5))
        await desk.say("9栋的", sender="r2", name="孙阿姨", at=later(6))
        assert (await desk.case(2)).building == "9"
        await desk.say("合并 0002 0001", sender="officer", chat_id="staff-group", at=later(10))

        replies = await desk.say("拆分 0001 2", sender="officer", chat_id="staff-group", at=later(20))

        source, new_case = await desk.case(1), await desk.case(3)
        assert "拆分出工单 0003" in replies[0]
        assert (new_case.building, new_case.unit, new_case.room, new_case.place) == ("9", None, None, None)
        assert (source.building, source.unit, source.room) == ("3", "2", "1002")
        assert new_case.summary == "电梯坏了"
        assert new_case.category == source.category
        assert any("9栋" in text for text in desk.last_to_user("wang"))


async def test_split_takes_place_of_own_words(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", message_id="leak-1")
        await desk.say("我也是，5栋1单元也漏水了", sender="r2", reply_to="leak-1", at=later(2))

        await desk.say("拆分 0001 2", sender="officer", chat_id="staff-group", at=later(10))

        new_case = await desk.case(2)
        assert (new_case.building, new_case.unit, new_case.room) == ("5", "1", None)


async def test_split_of_bare_me_too_has_no_place(db_url):
    # A "我也是" names no place of its own, and the source's place belongs
    # to the opener, whose problem the split marks as another one.
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", message_id="leak-1")
        await desk.say("我也是", sender="r2", reply_to="leak-1", at=later(2))

        await desk.say("拆分 0001 2", sender="officer", chat_id="staff-group", at=later(10))

        new_case = await desk.case(2)
        assert (new_case.building, new_case.unit, new_case.room, new_case.place) == (None, None, None, None)
