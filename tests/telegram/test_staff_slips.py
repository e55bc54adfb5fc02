"""Staff mistyping commands in a Telegram work group or private chat get a reply through the Bot API."""

from __future__ import annotations

from handlers.directory import bind_chat, chat_for, member_for
from handlers.permissions import grant_role
from models import ChatKind, Compound, PartyKind, RoleKind
from tests.helpers import T0
from tests.telegram.updates import DATE, OFFICER, SUPERGROUP, group_message, next_message_id, update, user

WORK_GROUP = -1005550000777


async def staffed_compound(telegram) -> None:  # noqa: ANN001 - the TelegramHarness fixture
    """Bind the residents' group and a work group, and make OFFICER the liaison officer."""
    compound = await telegram.bind(SUPERGROUP)
    async with telegram.services.sessionmaker() as session, session.begin():
        row = await session.get_one(Compound, compound.id)
        work = await chat_for(session, "telegram", str(WORK_GROUP), title="阳光花园工作群")
        work.kind = ChatKind.STAFF_GROUP
        await bind_chat(session, work, row, T0)
        officer = await member_for(session, "telegram", str(OFFICER), "李专员")
        await grant_role(session, officer, RoleKind.LIAISON_OFFICER, compound=row, party=row.party(PartyKind.PARTY))


def officer_private(text: str) -> dict:
    return {
        "message_id": next_message_id(),
        "date": DATE,
        "chat": {"id": OFFICER, "type": "private", "first_name": "李"},
        "from": user(OFFICER, "李", "专员"),
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if text.startswith("/")
        else [],
    }


async def test_work_group_slips_answered(telegram):
    await staffed_compound(telegram)
    await telegram.deliver(update(group_message("3栋2单元电梯坏了，卡在7楼不动")))

    for text in ("關閉 0001", "foo 0001", "查詢 0001"):
        await telegram.deliver(update(group_message(text, chat_id=WORK_GROUP, sender=OFFICER)))

    answers = telegram.api.sent_to(WORK_GROUP)
    assert len(answers) == 3
    assert answers[0].startswith("没有“关闭”这个指令。您可能想发送：“办结 0001”")
    assert answers[1] == "没有“foo”这个指令。发送“帮助”查看全部指令。"
    assert answers[2].startswith("工单 0001")
    assert len(await telegram.cases()) == 1


async def test_officer_private_gets_no_welcome(telegram):
    await staffed_compound(telegram)
    await telegram.deliver(update(group_message("3栋2单元电梯坏了，卡在7楼不动")))

    await telegram.deliver(update(officer_private("辦結 0001 已修好")))
    await telegram.deliver(update(officer_private("你好")))

    # The compound has no property staff, so the officer is also told that
    # the new case's notice reaches nobody.
    sent = telegram.api.sent_to(OFFICER)
    assert sum(text.startswith("【无人承办】") for text in sent) == 1
    answers = [text for text in sent if not text.startswith("【无人承办】")]
    assert len(answers) == 2
    assert all("住在哪个小区" not in answer for answer in answers)
    assert "工单 0001" in answers[0]
    assert answers[1].startswith("您好，您是小区工作人员")


async def test_officer_start_shows_help(telegram):
    await staffed_compound(telegram)

    await telegram.deliver(update(officer_private("/start")))

    [answer] = telegram.api.sent_to(OFFICER)
    assert "住在哪个小区" not in answer
    assert "可用指令如下" in answer
