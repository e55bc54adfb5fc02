"""The register commands in chat: writing, reading, privacy and access to tags."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from handlers.directory import member_for
from handlers.permissions import grant_role
from models import Community, Compound, Delivery, Dwelling, MessageOutcome, Occupant, RawMessage, RoleKind
from tests.helpers import later
from tests.workflow.desk import STAFF_GROUP, Desk, open_desk

ZHANG = "登记住户 3栋2单元1002 张三 业主 13812345678 独居老人 备注 腿脚不便"


async def officer(desk: Desk, text: str) -> list[str]:
    return await desk.say(text, sender="officer", chat_id="officer-private", private=True)


async def privately(desk: Desk, sender: str, text: str, *, name: str = "") -> list[str]:
    return await desk.say(text, sender=sender, chat_id=f"{sender}-private", private=True, name=name)


async def count(desk: Desk, model: type) -> int:
    async with desk.services.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def occupants(desk: Desk) -> list[Occupant]:
    async with desk.services.sessionmaker() as session:
        return list(await session.scalars(select(Occupant).order_by(Occupant.id)))


async def add_area_staff(desk: Desk) -> None:
    """Put the compound under a community and give 社区小赵 community staff rights there."""
    async with desk.services.sessionmaker() as session, session.begin():
        community = Community(name="东湖社区")
        session.add(community)
        await session.flush()
        compound = await session.get_one(Compound, desk.compound.id)
        compound.community_id = community.id
        member = await member_for(session, "test", "zhao", "社区小赵")
        await grant_role(session, member, RoleKind.COMMUNITY_STAFF, community=community)


async def test_officer_registers_person(db_url):
    async with open_desk(db_url) as desk:
        replies = await officer(desk, ZHANG)

        assert replies == ["已登记：3栋2单元1002室 张三 业主 138****5678 【独居老人】 备注：腿脚不便"]
        [stored] = await occupants(desk)
        assert stored.phone == "13812345678"
        assert stored.tags == ["独居老人"]
        assert stored.note == "腿脚不便"
        assert stored.moved_out_at is None


async def test_update_changes_given_fields_only(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)

        replies = await officer(desk, "登记住户 3-2-1002 张三 空巢老人 残疾人")

        assert replies == ["已更新：3栋2单元1002室 张三 业主 138****5678 【空巢老人、残疾人】 备注：腿脚不便"]
        [stored] = await occupants(desk)
        assert stored.phone == "13812345678"
        assert stored.tags == ["空巢老人", "残疾人"]
        assert await count(desk, Dwelling) == 1


async def test_no_tags_word_clears_tags(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)

        await officer(desk, "登记住户 3栋2单元1002 张三 无标签")

        [stored] = await occupants(desk)
        assert stored.tags == []


async def test_secretary_registers_in_staff_group(db_url):
    async with open_desk(db_url) as desk:
        await desk.grant("sec", RoleKind.BRANCH_SECRETARY, name="书记老周")

        replies = await desk.say("登记住户 5号楼1201 李四 租户", sender="sec", chat_id=STAFF_GROUP)

        assert replies == ["已登记：5栋1201室 李四 租户\n（标签和备注只在私聊机器人时显示。）"]
        assert await count(desk, Occupant) == 1


async def test_staff_group_hides_tags_and_notes(db_url):
    async with open_desk(db_url) as desk:
        registered = await desk.say(ZHANG, sender="officer", chat_id=STAFF_GROUP)
        shown = await desk.say("住户 3栋2单元1002", sender="officer", chat_id=STAFF_GROUP)
        found = await desk.say("住户查询 张", sender="officer", chat_id=STAFF_GROUP)
        stats = await desk.say("住户统计", sender="officer", chat_id=STAFF_GROUP)
        private = await officer(desk, "住户 3栋2单元1002")

        for reply in (registered[0], shown[0], found[0], stats[0]):
            assert "独居老人" not in reply
            assert "腿脚不便" not in reply
            assert "13812345678" not in reply
        assert "只在私聊机器人时显示" in shown[0]
        assert "按标签" not in stats[0]
        assert "独居老人" in private[0]


@pytest.mark.parametrize(
    "text",
    ["住户 3栋的电梯又坏了，困了人", "住户：11栋3单元的下水道堵了", "迁出 的人把旧家具全堆在6栋楼道"],
)
async def test_resident_line_with_command_word_reported(db_url, text):
    async with open_desk(db_url) as desk:
        replies = await desk.say(text, sender="r1")

        assert any("工单 0001" in reply for reply in replies), replies
        case = await desk.case(1)
        assert case.summary == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("登记住户", "请写上房号"),
        ("登记住户 三期1002 张三 业主", "无法识别房号“三期1002”"),
        ("登记住户 3栋2单元1002", "请写上住户姓名"),
        ("登记住户 3栋2单元1002 业主 张三", "不像姓名"),
        ("登记住户 3栋2单元1002 张三 业主 1381234", "手机号“1381234”无效"),
        ("登记住户 3栋2单元1002 张三 业主 嗜酒", "无法识别“嗜酒”"),
        ("登记住户 3栋2单元1002 张三 13812345678", "请写明张三与该户的关系"),
        ("登记住户 3栋2单元1002 张三 业主 110101199003071234", "不登记身份证号"),
        ("登记住户 0栋2单元1002 张三 业主", "房号“0栋2单元1002”中的楼栋不能为 0"),
        ("登记住户 3栋0单元1002 张三 业主", "房号“3栋0单元1002”中的单元不能为 0"),
        ("登记住户 3栋2单元0000 张三 业主", "房号“3栋2单元0000”中的房号不能为 0"),
        ("登记住户 3栋2单元1002 张三 业主 入住2026-03-03", "入住日期 2026-03-03 晚于今天（2026-03-02）"),
        ("登记住户 3栋2单元1002 @所有人 业主", "姓名“@所有人”中的“@”不能用在姓名里"),
        ("登记住户 3栋2单元1002 😀😀 业主", "姓名“😀😀”中的“😀”不能用在姓名里"),
        ("登记住户 3栋2单元1002 ！！ 业主", "不能用在姓名里"),
        (f"登记住户 3栋2单元1002 {'张' * 21} 业主", "超过20个字"),
    ],
)
async def test_bad_register_input_writes_nothing(db_url, text, expected):
    async with open_desk(db_url) as desk:
        replies = await officer(desk, text)

        assert len(replies) == 1
        assert expected in replies[0]
        assert await count(desk, Occupant) == 0
        assert await count(desk, Dwelling) == 0


async def test_move_in_date_read_in_shanghai(db_url):
    async with open_desk(db_url) as desk:
        # 17:00 UTC on 2 March is already 3 March in Shanghai.
        evening = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
        replies = await desk.say(
            "登记住户 3栋2单元1002 张三 业主 入住2026-03-03",
            sender="officer",
            chat_id="officer-private",
            private=True,
            at=evening,
        )

        assert replies == ["已登记：3栋2单元1002室 张三 业主 2026-03-03入住"]
        [stored] = await occupants(desk)
        assert stored.moved_in_on == date(2026, 3, 3)


async def test_raw_message_keeps_no_personal_data(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)
        await officer(desk, "登记住户 3栋2单元1002 李四 业主 110101199003071234")

        async with desk.services.sessionmaker() as session:
            texts = list(await session.scalars(select(RawMessage.text)))

        assert texts == ["登记住户（内容含个人信息，未保存）"] * 2


async def test_crashed_register_keeps_no_personal_data(db_url, monkeypatch):
    async def save_fails(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("handlers.commands.register.save_occupant", save_fails)
    async with open_desk(db_url) as desk:
        replies = await officer(desk, ZHANG)

        async with desk.services.sessionmaker() as session:
            (raw,) = await session.scalars(select(RawMessage))

        assert desk.results[-1].outcome == MessageOutcome.FAILED
        assert len(replies) == 1
        assert "13812345678" not in replies[0]
        assert raw.outcome == MessageOutcome.FAILED
        assert raw.text == "登记住户（内容含个人信息，未保存）"
        assert await count(desk, Occupant) == 0


async def test_resident_group_refused_without_data(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)

        register = await desk.say("登记住户 3栋2单元1002 李四 家属 13900001111", sender="officer")
        show = await desk.say("住户 3栋2单元1002", sender="officer")
        mine = await desk.say("我的信息", sender="officer")

        refusal = "住户档案涉及个人信息，不在居民群中使用。请私聊机器人，或在工作群发送。"
        assert register == [refusal]
        assert show == [refusal]
        assert mine == ["为保护您的个人信息，请私聊机器人发送“我的信息”。"]
        assert await count(desk, Occupant) == 1


async def test_resident_own_record_in_group_hinted(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)

        mine = await desk.say("我的信息", sender="r1")
        erase = await desk.say("删除我的信息 确认", sender="r1", at=later(1))

        assert mine == ["为保护您的个人信息，请私聊机器人发送“我的信息”。"]
        assert erase == ["为保护您的个人信息，请私聊机器人发送“删除我的信息”。"]
        assert await count(desk, Occupant) == 1
        assert await desk.case(1) is None


async def test_resident_line_opening_with_own_record_is_report(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("我的信息被物业泄露给中介了，天天接到推销电话", sender="r1")

        assert not any("私聊" in reply for reply in replies)
        assert (await desk.case(1)).summary.startswith("我的信息被物业泄露")


async def test_tags_and_notes_only_for_keepers(db_url):
    async with open_desk(db_url) as desk:
        await desk.grant("sec", RoleKind.BRANCH_SECRETARY, name="书记老周")
        await desk.grant("hu", RoleKind.PARTY_MEMBER, name="党员老胡")
        await add_area_staff(desk)
        await officer(desk, ZHANG)

        seen = {
            sender: (await privately(desk, sender, "住户 3栋2单元1002"))[0]
            for sender in ("officer", "sec", "wang", "chen", "hu", "zhao")
        }

        for sender in ("officer", "sec"):
            assert "张三 业主 138****5678 【独居老人】 备注：腿脚不便" in seen[sender], sender
        for sender in ("wang", "chen", "hu", "zhao"):
            assert "张三 业主 138****5678" in seen[sender], sender
            assert "独居老人" not in seen[sender], sender
            assert "腿脚不便" not in seen[sender], sender
        for text in seen.values():
            assert "13812345678" not in text


async def test_resident_cannot_read_register(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)
        await desk.say("3栋电梯坏了", sender="r1")

        replies = [await privately(desk, "r1", text) for text in ("住户 3栋2单元1002", "住户查询 张", "住户统计")]

        for reply in replies:
            assert reply == ["抱歉，住户档案只对小区工作人员开放。居民可私聊发送“我的信息”查看本人登记。"]


async def test_only_keepers_write(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)
        await add_area_staff(desk)

        for sender in ("wang", "chen", "zhao"):
            added = await privately(desk, sender, "登记住户 3栋2单元1002 李四 家属")
            moved = await privately(desk, sender, "迁出 3栋2单元1002 张三")

            assert added == ["抱歉，只有小区专员或党组织书记可以登记住户。"], sender
            assert moved == ["抱歉，只有小区专员或党组织书记可以办理迁出。"], sender
        [stored] = await occupants(desk)
        assert stored.moved_out_at is None


async def test_search_by_name_and_phone(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)
        await officer(desk, "登记住户 5栋1201 张小红 租户 13900001111")
        await officer(desk, "登记住户 5栋1202 王五 业主 13700005678")

        by_name = await privately(desk, "wang", "住户查询 张")
        by_tail = await privately(desk, "officer", "住户查询 5678")
        by_mask = await privately(desk, "officer", "住户查询 139****1111")
        nothing = await privately(desk, "officer", "住户查询 赵")

        assert by_name == [
            "“张”的查询结果：\n· 3栋2单元1002室 张三 业主 138****5678\n· 5栋1201室 张小红 租户 139****1111"
        ]
        assert by_tail == [
            "“5678”的查询结果：\n· 3栋2单元1002室 张三 业主 138****5678 【独居老人】 备注：腿脚不便\n"
            "· 5栋1202室 王五 业主 137****5678"
        ]
        assert by_mask == ["“139****1111”的查询结果：\n· 5栋1201室 张小红 租户 139****1111"]
        assert nothing == ["住户档案中没有找到“赵”。"]


async def test_search_by_full_phone(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)
        await officer(desk, "登记住户 5栋1201 张小红 租户 13900001111")

        plain = await privately(desk, "wang", "住户查询 13812345678")
        spaced = await privately(desk, "wang", "住户查询 138 1234-5678")
        wide = await privately(desk, "wang", "住户查询 １３８１２３４５６７８")
        in_group = await desk.say("住户查询 13812345678", sender="officer", chat_id=STAFF_GROUP)
        unknown = await privately(desk, "wang", "住户查询 13700000000")

        expected = ["“138****5678”的查询结果：\n· 3栋2单元1002室 张三 业主 138****5678"]
        assert plain == expected
        assert spaced == expected
        assert wide == expected
        assert in_group == [
            "“138****5678”的查询结果：\n· 3栋2单元1002室 张三 业主 138****5678\n"
            "（标签和备注只在私聊机器人时显示。）"
        ]
        assert unknown == ["住户档案中没有找到“137****0000”。"]


async def test_search_by_full_phone_only_for_staff(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)
        await desk.say("3栋电梯坏了", sender="r1")

        replies = await privately(desk, "r1", "住户查询 13812345678")

        assert replies == ["抱歉，住户档案只对小区工作人员开放。居民可私聊发送“我的信息”查看本人登记。"]


@pytest.mark.parametrize("query", ["123", "1381234", "12812345678", "138123456789"])
async def test_search_by_partial_digits_explained(db_url, query):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)

        replies = await privately(desk, "wang", f"住户查询 {query}")

        assert len(replies) == 1
        assert replies[0].startswith("按手机号查询请写后四位")
        assert query not in replies[0]


async def test_move_out_keeps_history_without_contact(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)

        moved = await officer(desk, "迁出 3栋2单元1002 张三")
        shown = await officer(desk, "住户 3栋2单元1002")
        searched = await officer(desk, "住户查询 张")

        assert moved == ["已为 3栋2单元1002室 张三 办理迁出，手机号、标签和备注已清除，姓名和关系留作历史记录。"]
        assert shown == ["3栋2单元1002室 目前没有在住登记。\n另有1条迁出记录。"]
        assert searched == ["住户档案中没有找到“张”。"]
        [stored] = await occupants(desk)
        assert stored.moved_out_at is not None
        assert stored.phone is None
        assert stored.tags == []
        assert stored.note == ""
        assert stored.name == "张三"


async def test_move_out_with_delete_removes_row(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)

        replies = await officer(desk, "迁出 3栋2单元1002 张三 删除")

        assert replies == ["已删除 3栋2单元1002室 张三 的登记。"]
        assert await count(desk, Occupant) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("迁出 3栋2单元1002", "请写上迁出人的姓名"),
        ("迁出 3栋2单元1002 李四", "没有在住的“李四”"),
        ("迁出 9栋1101 张三", "住户档案中没有 9栋1101室"),
        ("迁出 3栋2单元1002 张三 马上", "无法识别“马上”"),
        ("住户 9栋1101", "住户档案中没有 9栋1101室"),
        ("住户 九栋", "无法识别房号"),
        ("住户查询", "请写上姓名中的字、手机号后四位或完整手机号"),
    ],
)
async def test_bad_dwelling_or_person_rejected(db_url, text, expected):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)

        replies = await officer(desk, text)

        assert len(replies) == 1
        assert expected in replies[0]
        [stored] = await occupants(desk)
        assert stored.moved_out_at is None


async def test_statistics_by_building_and_tag(db_url):
    async with open_desk(db_url) as desk:
        await add_area_staff(desk)
        await officer(desk, ZHANG)
        await officer(desk, "登记住户 3栋2单元1002 张小明 家属 留守儿童")
        await officer(desk, "登记住户 10栋101 赵六 业主 独居老人")
        await officer(desk, "登记住户 2栋1101 钱七 租户")

        keeper = await officer(desk, "住户统计")
        property_staff = await privately(desk, "wang", "住户统计")
        community = await privately(desk, "zhao", "住户统计")

        by_building = "按楼栋：\n· 2栋：1户 1人\n· 3栋：1户 2人\n· 10栋：1户 1人"
        assert keeper == [f"阳光花园住户档案：3户，在住4人。\n{by_building}\n按标签：独居老人2人，留守儿童1人"]
        assert property_staff == [f"阳光花园住户档案：3户，在住4人。\n{by_building}"]
        assert community == keeper


async def test_slash_form_reads_dwelling(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)

        replies = await officer(desk, "/household 3栋2单元1002")

        assert replies == ["3栋2单元1002室 在住登记1人：\n· 张三 业主 138****5678 【独居老人】 备注：腿脚不便"]


async def test_my_info_after_link_through_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await officer(desk, ZHANG)
        before = await privately(desk, "r1", "我的信息")

        linked = await officer(desk, "关联住户 3栋2单元1002 张三 0001 确认")
        after = await privately(desk, "r1", "我的信息")
        other = await privately(desk, "r2", "我的信息")

        assert "没有与您的账号关联的登记" in before[0]
        assert linked == [
            "已把 3栋2单元1002室 张三 的登记关联到工单 0001 的反映人（居民r1），对方私聊发送“我的信息”即可查看。"
        ]
        assert after == [
            "住户档案中关于您的登记：\n"
            "· 阳光花园 3栋2单元1002室 张三 业主 13812345678 【独居老人】 备注：腿脚不便\n"
            "如需更正请联系小区专员；如需删除，请发送“删除我的信息”。"
        ]
        assert "没有与您的账号关联的登记" in other[0]


async def test_my_info_by_member_phone(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)
        async with desk.services.sessionmaker() as session, session.begin():
            member = await member_for(session, "test", "r3", "居民r3")
            member.phone = "13812345678"

        replies = await privately(desk, "r3", "我的信息")

        assert "张三 业主 13812345678" in replies[0]


async def test_erase_my_info_asks_then_deletes(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await officer(desk, ZHANG)
        await officer(desk, "关联住户 3栋2单元1002 张三 0001 确认")

        asked = await privately(desk, "r1", "删除我的信息")
        still_there = await count(desk, Occupant)
        done = await privately(desk, "r1", "删除我的信息 确认")
        to_officer = desk.last_to_user("officer")

        assert asked[0].startswith("以下登记将被删除：\n· 阳光花园 3栋2单元1002室 张三")
        assert "删除我的信息 确认" in asked[0]
        assert still_there == 1
        assert done[0] == "已删除您的1条住户登记。小区专员会收到通知。"
        assert to_officer == [
            "【住户档案】阳光花园 3栋2单元1002室 的住户张*已按本人要求删除了登记信息。如需重新登记，请征得本人同意。"
        ]
        assert await count(desk, Occupant) == 0


async def test_moved_out_history_shown_and_erased(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await officer(desk, ZHANG)
        await officer(desk, "关联住户 3栋2单元1002 张三 0001 确认")
        await officer(desk, "迁出 3栋2单元1002 张三")

        shown = await privately(desk, "r1", "我的信息")
        await privately(desk, "r1", "删除我的信息 确认")

        assert "· 阳光花园 3栋2单元1002室 张三 业主（已迁出）" in shown[0]
        assert await count(desk, Occupant) == 0


async def test_erase_without_entries(db_url):
    async with open_desk(db_url) as desk:
        replies = await privately(desk, "r1", "删除我的信息 确认")

        assert replies == ["住户档案中没有与您的账号关联的登记，无需删除。"]


async def test_link_needs_known_case_and_person(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)

        no_case = await officer(desk, "关联住户 3栋2单元1002 张三 0009")
        no_person = await officer(desk, "关联住户 3栋2单元1002 李四 0009")

        assert no_case == ["没有找到工单 0009，请核对工单号。"]
        assert "没有在住的“李四”" in no_person[0]
        [stored] = await occupants(desk)
        assert stored.member_id is None


async def report_leak_twice(desk: Desk) -> None:
    """Open case 0001 about 3栋2单元1002 with two reporters: 王小明, then 李大伟."""
    await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", name="王小明", message_id="leak-1")
    await desk.say("我也是", sender="r2", name="李大伟", reply_to="leak-1", at=later(2))


async def test_link_asks_which_reporter(db_url):
    async with open_desk(db_url) as desk:
        await report_leak_twice(desk)
        await officer(desk, ZHANG)

        replies = await officer(desk, "关联住户 3栋2单元1002 张三 0001")

        assert replies == [
            "工单 0001 有2位反映人，请在工单号后加上要关联的反映人序号：\n"
            "1. 王小明（03-02 09:30 反映）\n"
            "2. 李大伟（03-02 09:32 反映）\n"
            "例如：关联住户 3栋2单元1002室 张三 0001 2"
        ]
        [stored] = await occupants(desk)
        assert stored.member_id is None


async def test_link_second_reporter(db_url):
    async with open_desk(db_url) as desk:
        await report_leak_twice(desk)
        await officer(desk, ZHANG)

        linked = await officer(desk, "关联住户 3栋2单元1002 张三 0001 2 确认")
        first = await privately(desk, "r1", "我的信息", name="王小明")
        second = await privately(desk, "r2", "我的信息", name="李大伟")

        assert linked == [
            "已把 3栋2单元1002室 张三 的登记关联到工单 0001 的第2位反映人（李大伟），对方私聊发送“我的信息”即可查看。"
        ]
        assert "没有与您的账号关联的登记" in first[0]
        assert "张三 业主 13812345678" in second[0]


async def test_link_replacing_earlier_says_so(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", name="王小明")
        await desk.say("5栋门口的路灯坏了", sender="r2", name="李大伟", at=later(10))
        await officer(desk, ZHANG)
        await officer(desk, "关联住户 3栋2单元1002 张三 0001 确认")

        replaced = await officer(desk, "关联住户 3栋2单元1002 张三 0002 确认")
        first = await privately(desk, "r1", "我的信息", name="王小明")
        second = await privately(desk, "r2", "我的信息", name="李大伟")

        assert replaced == [
            "已把 3栋2单元1002室 张三 的登记关联到工单 0002 的反映人（李大伟），对方私聊发送“我的信息”即可查看。\n"
            "这条登记原先关联的居民（王小明）已被替换，对方的“我的信息”不再显示这条登记。"
        ]
        assert "没有与您的账号关联的登记" in first[0]
        assert "张三 业主 13812345678" in second[0]


async def test_link_repeated_changes_nothing(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", name="王小明")
        await officer(desk, ZHANG)
        await officer(desk, "关联住户 3栋2单元1002 张三 0001 确认")

        again = await officer(desk, "关联住户 3栋2单元1002 张三 0001 1")

        assert again == ["3栋2单元1002室 张三 的登记已经关联到工单 0001 的反映人（王小明），无需重复关联。"]


async def test_link_names_other_entries_of_account(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", name="王小明")
        await officer(desk, ZHANG)
        await officer(desk, "登记住户 5栋1201 张小红 租户 13900001111")
        await officer(desk, "关联住户 3栋2单元1002 张三 0001 确认")

        linked = await officer(desk, "关联住户 5栋1201 张小红 0001 确认")
        mine = await privately(desk, "r1", "我的信息", name="王小明")

        assert linked == [
            "已把 5栋1201室 张小红 的登记关联到工单 0001 的反映人（王小明），对方私聊发送“我的信息”即可查看。\n"
            "该居民的账号还关联着 3栋2单元1002室 张* 的登记，“我的信息”会一并显示。"
        ]
        assert "张三 业主" in mine[0]
        assert "张小红 租户" in mine[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("关联住户 3栋2单元1002 张三 0001 3", "工单 0001 共有2位反映人，序号请填 1 到 2 之间的数字。"),
        ("关联住户 3栋2单元1002 张三 0001 0", "工单 0001 共有2位反映人，序号请填 1 到 2 之间的数字。"),
        (
            "关联住户 3栋2单元1002 张三 0001 二",
            "无法识别反映人序号“二”，请写数字，例如：关联住户 3栋2单元1002室 张三 0001 2",
        ),
        ("关联住户 3栋2单元1002 张三 0001 2 3", "工单有多位反映人时，在工单号后加上反映人序号"),
        ("关联住户 3栋2单元1002 张三", "请写上姓名和该住户反映过的工单号"),
    ],
)
async def test_link_bad_reporter_position_rejected(db_url, text, expected):
    async with open_desk(db_url) as desk:
        await report_leak_twice(desk)
        await officer(desk, ZHANG)

        replies = await officer(desk, text)

        assert len(replies) == 1
        assert expected in replies[0]
        [stored] = await occupants(desk)
        assert stored.member_id is None


async def test_link_position_on_single_reporter_case(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", name="王小明")
        await officer(desk, ZHANG)

        replies = await officer(desk, "关联住户 3栋2单元1002 张三 0001 2")

        assert replies == ["工单 0001 只有1位反映人，不用写序号。"]
        [stored] = await occupants(desk)
        assert stored.member_id is None


async def test_care_notice_goes_to_officer_only(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)
        await desk.grant("sec", RoleKind.BRANCH_SECRETARY, name="书记老周")

        sent = await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", at=later(5))

        notice = (
            "【关怀提示】阳光花园 工单 0001（3栋2单元1002室）：该户登记有独居老人，上门处理时请留意，必要时提醒承办方。"
        )
        assert desk.last_to_user("officer") == [notice]
        assert desk.last_to_user("sec") == [notice]
        assert sent.count(notice) == 2
        assert not any("独居" in text for text in desk.last_to_group())
        assert not any("独居" in text for text in desk.last_to_user("wang"))


async def test_no_care_notice_for_income_tag(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, "登记住户 3栋2单元1002 张三 业主 低保户")

        sent = await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", at=later(5))

        assert not any("关怀提示" in text for text in sent)
        assert not any("低保" in text for text in sent)


async def test_no_care_notice_for_other_dwelling(db_url):
    async with open_desk(db_url) as desk:
        await officer(desk, ZHANG)

        sent = await desk.say("3栋2单元1102室厨房天花板漏水了", sender="r1", at=later(5))

        assert (await desk.case(1)) is not None
        assert not any("关怀提示" in text for text in sent)



@pytest.mark.parametrize(
    ("note", "reason"),
    [
        ("身份证 430102 19800101 1234", "身份证号"),
        ("女儿电话 139-1234-5678", "手机号"),
        ("紧急联系 139 1234 5678", "手机号"),
    ],
)
async def test_note_with_spaced_number_refused(db_url, note, reason):
    async with open_desk(db_url) as desk:
        replies = await desk.say(f"登记住户 3栋2单元1002 张三 业主 备注 {note}", sender="officer", chat_id=STAFF_GROUP)

        assert reason in replies[0]
        assert "没有保存" in replies[0]
        assert await count(desk, Occupant) == 0


async def test_delivery_records_keep_no_register_data(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await officer(desk, ZHANG)
        await officer(desk, "关联住户 3栋2单元1002 张三 0001 确认")

        mine = await privately(desk, "r1", "我的信息")

        assert "13812345678" in mine[0]
        async with desk.services.sessionmaker() as session:
            texts = list(await session.scalars(select(Delivery.text)))
        assert texts
        assert not any("13812345678" in text or "独居老人" in text for text in texts)
