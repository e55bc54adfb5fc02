"""One WeCom member writing through both the AI bot and the self-built app is one resident."""

from __future__ import annotations

from sqlalchemy import select

from bot.adapters.wecom_archive.adapter import ArchiveOutbound
from handlers.directory import member_for
from models import Case, CaseReporter, Identity, Member
from tests.wecom.aibot_group import OFFICER, aibot_answers, aibot_says, bound_aibot_group
from tests.wecom.conftest import WeChatBot
from tests.wecom.test_callbacks import add_compound, app_says, texts_to


async def test_group_reporter_rates_in_app(wechat: WeChatBot):
    await bound_aibot_group(wechat)
    await aibot_says(wechat, "a-1", "wangfang", "2号楼电梯坏了，困人了")
    await aibot_says(wechat, "a-2", OFFICER, "受理 0001")
    await aibot_says(wechat, "a-3", OFFICER, "办结 0001 已修好")

    await app_says(wechat, "wangfang", "评价 0001 满意", "m-1")

    assert "已登记：工单 0001" in aibot_answers(wechat)[1]
    assert texts_to(wechat, "wangfang")[-1] == "感谢您的评价（满意）！工单 0001 已记录。"
    members = await wechat.rows(
        select(Identity.member_id).where(Identity.platform_user_id == "wangfang")
    )
    assert len(members) == 2
    assert len(set(members)) == 1


async def test_app_home_carries_to_aibot_chat(wechat: WeChatBot):
    await add_compound(wechat)
    await app_says(wechat, "lina", "XQ0001 3栋", "m-1")

    await aibot_says(wechat, "a-1", "lina", "楼道灯不亮好几天了", group=False)
    await aibot_says(wechat, "a-2", "lina", "我的工单", group=False)

    first, listing = aibot_answers(wechat)
    assert first.startswith("已登记：工单 0001")
    assert "0001" in listing
    cases = await wechat.rows(select(Case))
    assert len(cases) == 1
    assert cases[0].building == "3"
    reporters = await wechat.rows(select(CaseReporter.member_id))
    app_member = await wechat.rows(
        select(Identity.member_id).where(Identity.platform == "wecom", Identity.platform_user_id == "lina")
    )
    assert reporters == app_member
    assert await wechat.count(Member) == 1


async def test_officer_on_aibot_and_archive_told_once(wechat: WeChatBot):
    outbox = wechat.services.outbox
    outbox.register(ArchiveOutbound(outbox, wechat.services.sessionmaker))
    await bound_aibot_group(wechat)
    async with wechat.services.sessionmaker() as session, session.begin():
        archived = (await member_for(session, "wecom_archive", OFFICER)).id

    await aibot_says(wechat, "a-1", "wangfang", "2号楼电梯坏了，困人了")

    officer = await wechat.rows(
        select(Identity.member_id).where(Identity.platform == "wecom_aibot", Identity.platform_user_id == OFFICER)
    )
    assert officer == [archived]
    notes = [t for t in texts_to(wechat, OFFICER) if t.startswith("【抄送")]
    assert len(notes) == 1
    assert "0001" in notes[0]
