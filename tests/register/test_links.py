"""关联住户 links an entry only once it is checked, and 我的信息 follows checked links only."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection

from handlers.directory import member_for
from handlers.register_links import names_match
from models import Occupant
from models.db import alembic_config, create_engine, migrate
from tests.register.test_commands import ZHANG, count, occupants, officer, privately
from tests.workflow.desk import STAFF_GROUP, open_desk

LINK_REVISION = "b8d4e6f2a1c9"
CONFIRM_NOTE = (
    "关联后，对方私聊发送“我的信息”能看到这条登记的完整手机号、标签和备注，还能删除这条登记。"
    "请先核实对方就是张三本人（例如拨打登记的电话确认），再发送：\n"
)


async def test_masked_name_needs_confirmation(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", name="小*")
        await officer(desk, ZHANG)

        prompt = await officer(desk, "关联住户 3栋2单元1002 张三 0001")
        before = await privately(desk, "r1", "我的信息", name="小*")
        erase_before = await privately(desk, "r1", "删除我的信息 确认", name="小*")
        [unlinked] = await occupants(desk)
        confirmed = await officer(desk, "关联住户 3栋2单元1002 张三 0001 确认")
        after = await privately(desk, "r1", "我的信息", name="小*")

        assert prompt == [
            "工单 0001 的反映人（03-02 09:30 反映）在聊天中的名字是“小*”，"
            "无法与登记的姓名“张三”核对，暂未关联。\n" + CONFIRM_NOTE + "关联住户 3栋2单元1002室 张三 0001 确认"
        ]
        assert unlinked.member_id is None
        assert "没有与您的账号关联的登记" in before[0]
        assert erase_before == ["住户档案中没有与您的账号关联的登记，无需删除。"]
        assert confirmed == [
            "已把 3栋2单元1002室 张三 的登记关联到工单 0001 的反映人（小*），对方私聊发送“我的信息”即可查看。"
        ]
        assert "张三 业主 13812345678 【独居老人】" in after[0]
        [linked] = await occupants(desk)
        assert linked.link_confirmed is True


async def test_other_name_confirmation_names_reporter(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", name="王小明", message_id="leak-1")
        await desk.say("我也是", sender="r2", reply_to="leak-1")
        await officer(desk, ZHANG)
        async with desk.services.sessionmaker() as session, session.begin():
            # Some platforms give no name for a sender.
            nameless = await member_for(session, "test", "r2")
            nameless.display_name = ""

        second = await officer(desk, "关联住户 3栋2单元1002 张三 0001 2")
        first = await desk.say("关联住户 3栋2单元1002 张三 0001 1", sender="officer", chat_id=STAFF_GROUP)

        assert second == [
            "工单 0001 的第2位反映人（03-02 09:30 反映）在聊天中没有显示名字，"
            "无法与登记的姓名“张三”核对，暂未关联。\n" + CONFIRM_NOTE + "关联住户 3栋2单元1002室 张三 0001 2 确认"
        ]
        # A staff group also includes other staff, so the chat name is masked there.
        assert first[0].startswith("工单 0001 的第1位反映人（03-02 09:30 反映）在聊天中的名字是“王**”")
        assert first[0].endswith("关联住户 3栋2单元1002室 张三 0001 1 确认")
        [stored] = await occupants(desk)
        assert stored.member_id is None


async def test_matching_name_links_at_once(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", name="张 三")
        await officer(desk, ZHANG)

        linked = await officer(desk, "关联住户 3栋2单元1002 张三 0001")
        mine = await privately(desk, "r1", "我的信息", name="张 三")

        assert linked == [
            "已把 3栋2单元1002室 张三 的登记关联到工单 0001 的反映人（张 三），对方私聊发送“我的信息”即可查看。"
        ]
        assert "张三 业主 13812345678" in mine[0]


async def test_unchecked_link_shows_nothing(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", name="小明")
        await officer(desk, ZHANG)
        # A link made before links were checked: the neighbour's account, unchecked.
        async with desk.services.sessionmaker() as session, session.begin():
            neighbour = await member_for(session, "test", "r1", "小明")
            await session.execute(update(Occupant).values(member_id=neighbour.id, link_confirmed=False))

        my_info = await privately(desk, "r1", "我的信息", name="小明")
        erased = await privately(desk, "r1", "删除我的信息 确认", name="小明")
        relinked = await officer(desk, "关联住户 3栋2单元1002 张三 0001")

        assert "没有与您的账号关联的登记" in my_info[0]
        assert erased == ["住户档案中没有与您的账号关联的登记，无需删除。"]
        assert await count(desk, Occupant) == 1
        assert "暂未关联" in relinked[0]
        [stored] = await occupants(desk)
        assert stored.link_confirmed is False


@pytest.mark.parametrize(
    ("display_name", "name", "expected"),
    [
        ("张三", "张三", True),
        ("张 三", "张三", True),
        ("ＡＮＮＥ-marie", "Anne-Marie", True),
        ("阿依古丽 买买提", "阿依古丽·买买提", True),
        ("小*", "张三", False),
        ("张*", "张三", False),
        ("张三丰", "张三", False),
        ("3栋张三", "张三", False),
        ("", "张三", False),
    ],
)
def test_names_match(display_name, name, expected):
    assert names_match(display_name, name) is expected


async def test_migration_checks_old_links_by_name(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1", name="张三")
        await desk.say("5栋门口的路灯坏了", sender="r2", name="小*")
        await officer(desk, ZHANG)
        await officer(desk, "登记住户 5栋1201 李四 租户")
        async with desk.services.sessionmaker() as session:
            same = await member_for(session, "test", "r1", "张三")
            other = await member_for(session, "test", "r2", "小*")
            ids = {o.name: o.id for o in await session.scalars(select(Occupant))}
    engine = create_engine(db_url)

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), f"{LINK_REVISION}-1")

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), LINK_REVISION)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
            for name, member in (("张三", same), ("李四", other)):
                await connection.execute(
                    text("UPDATE occupant SET member_id = :member WHERE id = :id"),
                    {"member": member.id, "id": ids[name]},
                )
        async with engine.begin() as connection:
            await connection.run_sync(upgrade)
        async with engine.connect() as connection:
            rows = dict((await connection.execute(text("SELECT name, link_confirmed FROM occupant"))).all())
    finally:
        await migrate(engine)
        await engine.dispose()

    assert rows == {"张三": True, "李四": False}
