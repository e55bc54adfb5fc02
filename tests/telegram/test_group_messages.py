"""Residents writing in a Telegram group: cases, duplicates, photos and edits."""

from __future__ import annotations

from sqlalchemy import select

from models import Attachment, MessageOutcome, RawMessage
from tests.telegram.updates import (
    DATE,
    NEIGHBOUR,
    RESIDENT,
    SUPERGROUP,
    group_message,
    next_message_id,
    photo,
    update,
    user,
)


async def test_supergroup_report_opens_case(telegram):
    await telegram.bind(SUPERGROUP)
    report = group_message("3栋2单元电梯坏了，卡在7楼不动", message_id=311)

    response = await telegram.deliver(update(report))

    assert response.status == 200
    cases = await telegram.cases()
    assert len(cases) == 1
    assert cases[0].category == "repair"
    sends = telegram.api.calls_of("sendMessage")
    assert len(sends) == 1
    assert sends[0].params["chat_id"] == str(SUPERGROUP)
    assert sends[0].params["reply_parameters"]["message_id"] == 311
    assert "已登记" in sends[0].params["_visible"]
    assert cases[0].number in sends[0].params["_visible"]


async def test_duplicate_update_opens_nothing_new(telegram):
    await telegram.bind(SUPERGROUP)
    report = update(group_message("5号楼楼道的灯坏了好几天，晚上一片漆黑"))

    first = await telegram.deliver(report)
    second = await telegram.deliver(report)

    assert first.status == 200
    assert second.status == 200
    assert len(await telegram.cases()) == 1
    assert len(telegram.api.calls_of("sendMessage")) == 1


async def test_same_message_id_in_two_groups_both_count(telegram):
    # Telegram numbers messages per chat, so two groups can both have message 77.
    await telegram.bind(SUPERGROUP)
    await telegram.bind(-1009876543210, "明月小区")

    await telegram.deliver(update(group_message("3栋电梯坏了，困了人", message_id=77)))
    await telegram.deliver(update(group_message("西门的路灯坏了", chat_id=-1009876543210, message_id=77)))

    assert len(await telegram.cases()) == 2


async def test_photo_caption_opens_case_with_attachment(telegram):
    await telegram.bind(SUPERGROUP)
    fields = photo("AgACAgUAAxkBAAIBm2photo", caption="2栋门口的下水道堵了，污水漫到路上")
    report = group_message(None, message_id=402, **fields)

    await telegram.deliver(update(report))

    cases = await telegram.cases()
    assert len(cases) == 1
    async with telegram.services.sessionmaker() as session:
        attachments = list(await session.scalars(select(Attachment)))
    assert len(attachments) == 1
    assert attachments[0].kind == "image"
    assert attachments[0].media_id == "AgACAgUAAxkBAAIBm2photo"
    assert attachments[0].case_id == cases[0].id
    raw = await telegram.raw(SUPERGROUP, 402)
    assert raw is not None
    assert raw.text == "2栋门口的下水道堵了，污水漫到路上"


async def test_photo_after_report_joins_its_case(telegram):
    await telegram.bind(SUPERGROUP)
    await telegram.deliver(update(group_message("地下车库B2漏水，地上全是水")))

    await telegram.deliver(update(group_message(None, **photo("AgACAgUAAxkBAAIBnFollowUp"))))

    cases = await telegram.cases()
    assert len(cases) == 1
    async with telegram.services.sessionmaker() as session:
        attachment = await session.scalar(select(Attachment))
    assert attachment is not None
    assert attachment.case_id == cases[0].id


async def test_edited_chat_becomes_report(telegram):
    await telegram.bind(SUPERGROUP)
    message_id = next_message_id()
    await telegram.deliver(update(group_message("大家早上好", message_id=message_id)))
    assert await telegram.cases() == []

    edited = group_message("大家早上好，3栋的电梯又坏了，老人下不了楼", message_id=message_id, edit_date=1772415100)
    await telegram.deliver(update(edited, kind="edited_message"))

    cases = await telegram.cases()
    assert len(cases) == 1
    raw = await telegram.raw(SUPERGROUP, message_id)
    assert raw is not None
    assert raw.text == "大家早上好，3栋的电梯又坏了，老人下不了楼"
    assert raw.case_id == cases[0].id
    assert len(telegram.api.sent_to(SUPERGROUP)) == 1


async def test_edit_after_case_keeps_case(telegram):
    await telegram.bind(SUPERGROUP)
    message_id = next_message_id()
    await telegram.deliver(update(group_message("6栋楼顶漏水，家里天花板在滴水", message_id=message_id)))
    opened = await telegram.cases()

    edited = group_message("6栋楼顶漏水，家里天花板在滴水，已经两天了", message_id=message_id, edit_date=1772415200)
    await telegram.deliver(update(edited, kind="edited_message"))
    await telegram.deliver(update(edited, kind="edited_message"))

    cases = await telegram.cases()
    assert [c.id for c in cases] == [c.id for c in opened]
    raw = await telegram.raw(SUPERGROUP, message_id)
    assert raw is not None
    assert raw.text.endswith("已经两天了")
    assert raw.outcome == MessageOutcome.OPENED
    assert len(telegram.api.sent_to(SUPERGROUP)) == 1


async def test_neighbour_me_too_joins_case(telegram):
    await telegram.bind(SUPERGROUP)
    first = next_message_id()
    await telegram.deliver(update(group_message("1栋单元门的门禁坏了，刷卡打不开", message_id=first)))

    await telegram.deliver(update(group_message("+1", sender=NEIGHBOUR, reply_to=first)))

    cases = await telegram.cases()
    assert len(cases) == 1
    assert cases[0].reporter_count == 2


async def test_unbound_group_gets_bind_hint_once(telegram):
    await telegram.deliver(update(group_message("电梯坏了", chat_id=-1005550000001)))
    await telegram.deliver(update(group_message("电梯还是坏的", chat_id=-1005550000001)))

    assert await telegram.cases() == []
    assert len(telegram.api.sent_to(-1005550000001)) == 1


async def test_private_chat_answered_privately(telegram):
    private = {
        "message_id": next_message_id(),
        "date": DATE,
        "chat": {"id": RESIDENT, "type": "private", "first_name": "王"},
        "from": user(RESIDENT),
        "text": "你好，我想反映个问题",
    }

    await telegram.deliver(update(private))

    assert len(telegram.api.sent_to(RESIDENT)) == 1
    chat = await telegram.chat(RESIDENT)
    assert chat is not None
    assert chat.kind == "private"


def private_text(text: str) -> dict:
    return {
        "message_id": next_message_id(),
        "date": DATE,
        "chat": {"id": RESIDENT, "type": "private", "first_name": "王"},
        "from": user(RESIDENT),
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if text.startswith("/")
        else [],
    }


async def test_start_asks_where_resident_lives(telegram):
    await telegram.deliver(update(private_text("/start")))

    replies = telegram.api.sent_to(RESIDENT)
    assert len(replies) == 1
    assert "住在哪个小区" in replies[0]
    assert "没有" not in replies[0]


async def test_start_link_binds_private_chat(telegram):
    compound = await telegram.bind(SUPERGROUP)

    await telegram.deliver(update(private_text(f"/start {compound.code}-3")))
    await telegram.deliver(update(private_text("楼道灯坏了好几天了")))

    replies = telegram.api.sent_to(RESIDENT)
    assert "已记录您住在阳光花园3栋" in replies[0]
    cases = await telegram.cases()
    assert len(cases) == 1
    assert cases[0].building == "3"


async def test_start_in_bound_chat_shows_help(telegram):
    compound = await telegram.bind(SUPERGROUP)
    await telegram.deliver(update(private_text(f"/start {compound.code}")))

    await telegram.deliver(update(private_text("/start")))

    replies = telegram.api.sent_to(RESIDENT)
    assert "可用指令如下" in replies[-1]


async def test_service_and_bot_messages_ignored(telegram):
    await telegram.bind(SUPERGROUP)
    joined = group_message(None, new_chat_members=[user(NEIGHBOUR)])
    from_bot = group_message("电梯坏了", **{"from": {"id": 777, "is_bot": True, "first_name": "别的机器人"}})

    await telegram.deliver(update(joined))
    await telegram.deliver(update(from_bot))

    assert await telegram.count(RawMessage) == 0
    assert telegram.api.calls_of("sendMessage") == []


async def test_mention_report_opens_case_without_mention(telegram):
    # With privacy mode on, residents @mention the bot so that it sees the message.
    await telegram.bind(SUPERGROUP)
    text = "@CompoundDeskBot 10栋的电梯坏了，一直停在顶楼"
    mention = {"type": "mention", "offset": 0, "length": len("@CompoundDeskBot")}

    await telegram.deliver(update(group_message(text, message_id=512, entities=[mention])))

    cases = await telegram.cases()
    assert len(cases) == 1
    raw = await telegram.raw(SUPERGROUP, 512)
    assert raw is not None
    assert raw.text == "10栋的电梯坏了，一直停在顶楼"
    assert "@" not in cases[0].summary
