"""A reporter who blocked the bot: the officer learns whom the update missed and what it contained."""

from __future__ import annotations

from handlers.directory import member_for
from handlers.permissions import grant_role
from models import Compound, PartyKind, RoleKind
from tests.telegram.updates import OFFICER, RESIDENT, SUPERGROUP, group_message, update


async def bound_with_officer(telegram) -> None:  # noqa: ANN001 - the TelegramHarness
    compound = await telegram.bind(SUPERGROUP)
    async with telegram.services.sessionmaker() as session, session.begin():
        row = await session.get_one(Compound, compound.id)
        officer = await member_for(session, "telegram", str(OFFICER), "李专员")
        await grant_role(session, officer, RoleKind.LIAISON_OFFICER, compound=row, party=row.party(PartyKind.PARTY))


async def test_blocked_reporter_named_to_officer(telegram):
    await bound_with_officer(telegram)
    await telegram.deliver(update(group_message("31栋电梯坏了，一直停在顶楼", sender=RESIDENT)))
    # The Bot API rejects every private message to the resident with 403.
    telegram.api.remove_bot_from(RESIDENT)

    await telegram.deliver(update(group_message("受理 0001", sender=OFFICER)))

    notices = [text for text in telegram.api.sent_to(OFFICER) if text.startswith("【发送失败】")]
    assert len(notices) == 1
    assert notices[0].startswith(
        "【发送失败】阳光花园 工单 0001 发给反映人王**的消息未能通过Telegram送达：“您好，您反映的工单 0001（设施报修）"
    )
    assert notices[0].endswith("请人工联系该反映人，发送“查询 0001”可在办理记录中查看未送达的消息。")


async def test_record_lists_missed_reporter(telegram):
    await bound_with_officer(telegram)
    await telegram.deliver(update(group_message("31栋电梯坏了，一直停在顶楼", sender=RESIDENT)))
    telegram.api.remove_bot_from(RESIDENT)
    await telegram.deliver(update(group_message("受理 0001", sender=OFFICER)))

    await telegram.deliver(update(group_message("查询 0001", sender=OFFICER)))

    record = telegram.api.sent_to(SUPERGROUP)[-1]
    assert "消息发送失败（系统）：Telegram，发给反映人王**" in record
