"""Community and street staff using list, statistics and digest commands in a private chat."""

from __future__ import annotations

from dataclasses import replace

from handlers.directory import bind_chat, chat_for, create_compound
from models import Community, Identity, Member, Role, RoleKind, Street
from tests.helpers import T0, later, make_services, message, send


async def make_area(services) -> None:
    """Build a street with two communities: 阳光花园 and 翠竹园 in one, 和平里 in the other."""
    async with services.sessionmaker() as session, session.begin():
        street = Street(name="青山街道")
        session.add(street)
        await session.flush()
        east = Community(name="东苑社区", street_id=street.id)
        west = Community(name="西苑社区", street_id=street.id)
        session.add_all([east, west])
        await session.flush()
        for name, code, community in (
            ("阳光花园", "XQ0001", east),
            ("翠竹园", "XQ0002", east),
            ("和平里", "XQ0003", west),
        ):
            compound = await create_compound(session, name, code)
            compound.community_id = community.id
            chat = await chat_for(session, "test", f"group-{code}", title=f"{name}业主群")
            await bind_chat(session, chat, compound, T0)
        for user_id, role in (
            ("shequ1", Role(role=RoleKind.COMMUNITY_STAFF, community_id=east.id)),
            ("jiedao1", Role(role=RoleKind.STREET_STAFF, street_id=street.id)),
        ):
            member = Member(display_name=user_id)
            member.identities.append(Identity(platform="test", platform_user_id=user_id))
            member.roles.append(role)
            session.add(member)


def private(text: str, sender: str, minutes: float):  # noqa: ANN201 - InboundMessage
    return replace(message(text, sender=sender, chat_id=sender, at=later(minutes)), is_private=True)


async def report_in_each_compound(services) -> None:
    await send(services, message("3栋电梯坏了，上不去", sender="a", chat_id="group-XQ0001", at=later(0)))
    await send(services, message("5栋楼道灯坏了好几天了", sender="b", chat_id="group-XQ0002", at=later(1)))
    await send(services, message("7栋门口垃圾两天没清了", sender="c", chat_id="group-XQ0003", at=later(2)))


async def test_community_staff_list_their_compounds(db_url):
    services, _console = await make_services(db_url)
    await make_area(services)
    await report_in_each_compound(services)

    listing = await send(services, private("工单列表", "shequ1", 10))
    one = await send(services, private("工单列表 XQ0002", "shequ1", 11))

    text = listing.replies[0].text
    assert "您负责的2个小区未办结工单" in text
    assert "阳光花园 0001" in text
    assert "翠竹园 0001" in text
    assert "和平里" not in text
    assert "查不到" not in text
    assert one.replies[0].text.startswith("翠竹园未办结工单")
    assert "电梯" not in one.replies[0].text
    await services.close()


async def test_street_staff_stats_cover_street(db_url):
    services, _console = await make_services(db_url)
    await make_area(services)
    await report_in_each_compound(services)

    result = await send(services, private("统计 本月", "jiedao1", 10))
    one = await send(services, private("统计 XQ0003 本月", "jiedao1", 11))

    text = result.replies[0].text
    assert "您负责的3个小区 本月工单统计" in text
    for name in ("阳光花园（XQ0001）", "翠竹园（XQ0002）", "和平里（XQ0003）"):
        assert name in text
    assert "合计：新登记3件" in text
    assert one.replies[0].text.startswith("和平里 本月工单统计")
    assert "新登记 1 件" in one.replies[0].text
    await services.close()


async def test_street_staff_digest_names_compound(db_url):
    services, _console = await make_services(db_url)
    await make_area(services)
    await report_in_each_compound(services)

    named = await send(services, private("简报 XQ0001", "jiedao1", 10))
    stranger = await send(services, private("统计", "nobody", 12))

    assert named.replies[0].text.startswith("【简报】阳光花园")
    assert "近24小时新增工单 1 件" in named.replies[0].text
    assert "翠竹园" not in named.replies[0].text
    assert "还不知道您住在哪个小区" in stranger.replies[0].text
    await services.close()


async def test_street_staff_digest_covers_street(db_url):
    services, _console = await make_services(db_url)
    await make_area(services)
    await report_in_each_compound(services)

    result = await send(services, private("简报", "jiedao1", 10))

    text = result.replies[0].text
    assert text.startswith("【简报】您负责的3个小区")
    assert "近24小时新增工单 3 件" in text
    assert "各小区：" in text
    for line in ("阳光花园（XQ0001）：新增 1", "翠竹园（XQ0002）：新增 1", "和平里（XQ0003）：新增 1"):
        assert line in text
    assert "请在指令后加上小区编码" not in text
    await services.close()


async def test_community_staff_weekly_digest(db_url):
    services, _console = await make_services(db_url)
    await make_area(services)
    await report_in_each_compound(services)

    weekly = await send(services, private("简报 周", "shequ1", 10))
    resident = await send(services, private("简报", "a", 11))

    text = weekly.replies[0].text
    assert text.startswith("【每周简报】您负责的2个小区")
    assert "近7天新增工单 2 件" in text
    assert "阳光花园（XQ0001）" in text
    assert "翠竹园（XQ0002）" in text
    assert "和平里" not in text
    assert "只有小区专员" in resident.replies[0].text
    await services.close()


async def test_case_commands_take_code_on_either_side(db_url):
    services, _console = await make_services(db_url)
    await make_area(services)
    await report_in_each_compound(services)

    # Each command names its compound by code, before or after the case number.
    conversation = (
        ("查询 XQ0001 0001", "工单 0001"),
        ("查询 0001 XQ0002", "工单 0001"),
        ("时限 XQ0001 0001", "工单 0001 的办理时限"),
        ("时限 0001 XQ0001", "工单 0001 的办理时限"),
        ("受理 XQ0001 0001", "已受理工单 0001"),
        ("受理 0001 XQ0002", "已受理工单 0001"),
        ("处理中 XQ0001 0001 师傅已到现场", "工单 0001 已标记为处理中"),
        ("吹哨 XQ0001 0001 住建", "已向住建吹哨"),
        ("吹哨 0001 住建 XQ0002", "已向住建吹哨"),
        ("报到 XQ0001 0001 住建", "住建已就工单 0001 报到"),
        ("挂起 XQ0001 0001 等待配件到货", "工单 0001 已挂起"),
        ("恢复计时 XQ0001 0001", "已恢复计时"),
        ("升级 XQ0002 0001 物业未响应", "工单 0001 已升级"),
    )
    for minutes, (text, expected) in enumerate(conversation, start=10):
        result = await send(services, private(text, "shequ1", minutes))
        reply = result.replies[0].text
        assert expected in reply, (text, reply)
        assert "只能" not in reply, (text, reply)
        assert "不是有效的工单号" not in reply, (text, reply)

    # The compound code selects the case: 阳光花园's elevator, 翠竹园's corridor light.
    sunny = await send(services, private("查询 XQ0001 0001", "shequ1", 40))
    bamboo = await send(services, private("查询 0001 XQ0002", "shequ1", 41))
    assert "电梯" in sunny.replies[0].text
    assert "电梯" not in bamboo.replies[0].text
    await services.close()


async def test_code_first_still_rejects_second_case(db_url):
    services, _console = await make_services(db_url)
    await make_area(services)
    await report_in_each_compound(services)

    result = await send(services, private("受理 XQ0001 0001 0002", "shequ1", 10))

    assert "一条指令只能受理一个工单" in result.replies[0].text
    assert "“受理 0001”和“受理 0002”" in result.replies[0].text
    await services.close()
