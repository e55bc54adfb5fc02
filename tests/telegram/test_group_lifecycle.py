"""What Telegram does to groups: upgrade to a supergroup, and the bot being removed or added back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.directory import bind_chat, chat_for
from handlers.messages import ChatTarget, Reply
from models import Compound, Delivery, RawMessage, utcnow
from tests.helpers import T0
from tests.telegram.updates import (
    OFFICER,
    OLD_GROUP,
    SUPERGROUP,
    bot_membership,
    chat,
    group_message,
    private_message,
    update,
    user,
)


def service_message(chat_id: int, **fields) -> dict:
    return {"message_id": 55, "date": 1772415000, "chat": chat(chat_id), "from": user(OFFICER, "李", "专员"), **fields}


async def deliveries(telegram) -> list[Delivery]:
    async with telegram.services.sessionmaker() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.id)))


async def test_migrate_to_notice_moves_binding(telegram):
    compound = await telegram.bind(OLD_GROUP)

    await telegram.deliver(update(service_message(OLD_GROUP, migrate_to_chat_id=SUPERGROUP)))

    assert await telegram.chat(OLD_GROUP) is None
    moved = await telegram.chat(SUPERGROUP)
    assert moved is not None
    assert moved.compound_id == compound.id

    await telegram.deliver(update(group_message("9栋的电梯按钮失灵了", chat_id=SUPERGROUP)))
    cases = await telegram.cases()
    assert len(cases) == 1
    assert cases[0].compound_id == compound.id


async def test_migrate_from_notice_moves_binding(telegram):
    compound = await telegram.bind(OLD_GROUP)

    await telegram.deliver(update(service_message(SUPERGROUP, migrate_from_chat_id=OLD_GROUP)))
    # The old group's notice may arrive second; nothing changes then.
    await telegram.deliver(update(service_message(OLD_GROUP, migrate_to_chat_id=SUPERGROUP)))

    moved = await telegram.chat(SUPERGROUP)
    assert moved is not None
    assert moved.compound_id == compound.id
    assert moved.active


async def test_supergroup_row_from_early_message_gets_binding(telegram):
    compound = await telegram.bind(OLD_GROUP)
    # A resident writes in the supergroup before the migration notice arrives.
    await telegram.deliver(update(group_message("大家好", chat_id=SUPERGROUP)))

    await telegram.deliver(update(service_message(OLD_GROUP, migrate_to_chat_id=SUPERGROUP)))

    new = await telegram.chat(SUPERGROUP)
    assert new is not None
    assert new.compound_id == compound.id
    assert new.active
    assert await telegram.chat(OLD_GROUP) is None


async def old_group_case(telegram) -> Compound:  # noqa: ANN001 - the TelegramHarness fixture
    """Bind the old group, give it an officer, and let a resident open case 0001 there."""
    compound = await telegram.bind(OLD_GROUP)
    await telegram.make_officer(compound)
    await telegram.deliver(update(group_message("9栋的电梯按钮失灵了", chat_id=OLD_GROUP)))
    assert len(telegram.api.sent_to(OLD_GROUP)) == 1
    return compound


async def assert_case_in_supergroup(telegram) -> None:  # noqa: ANN001
    """Check that case 0001 and the old group's messages now belong to the supergroup's chat row."""
    assert await telegram.chat(OLD_GROUP) is None
    new = await telegram.chat(SUPERGROUP)
    assert new is not None
    [case] = await telegram.cases()
    assert case.chat_group_id == new.id
    async with telegram.services.sessionmaker() as session:
        group_messages = select(RawMessage.chat_group_id).where(RawMessage.is_private.is_(False))
        chats = set(await session.scalars(group_messages))
    assert chats == {new.id}


async def test_case_of_old_group_updated_in_supergroup(telegram):
    await old_group_case(telegram)
    # A resident writes in the supergroup before the migration notice arrives.
    await telegram.deliver(update(group_message("大家好", chat_id=SUPERGROUP)))
    await telegram.deliver(update(service_message(OLD_GROUP, migrate_to_chat_id=SUPERGROUP)))
    telegram.api.migrate_chat(OLD_GROUP, SUPERGROUP)

    await telegram.deliver(update(private_message("受理 0001")))

    assert "正在处理" in telegram.api.sent_to(SUPERGROUP)[-1]
    await assert_case_in_supergroup(telegram)


async def test_supergroup_bound_first_takes_old_cases(telegram):
    compound = await old_group_case(telegram)
    # An officer bound the supergroup before the migration notice arrived.
    async with telegram.services.sessionmaker() as session, session.begin():
        row = await session.get_one(Compound, compound.id)
        supergroup = await chat_for(session, "telegram", str(SUPERGROUP), title="阳光花园业主群")
        await bind_chat(session, supergroup, row, T0)
    await telegram.deliver(update(service_message(SUPERGROUP, migrate_from_chat_id=OLD_GROUP)))

    await telegram.deliver(update(private_message("受理 0001")))

    [note] = telegram.api.sent_to(SUPERGROUP)
    assert "正在处理" in note
    await assert_case_in_supergroup(telegram)


async def test_reply_queued_for_old_group_reaches_supergroup(telegram):
    await telegram.bind(OLD_GROUP)
    telegram.api.behind_broken_proxy = True
    await telegram.deliver(update(group_message("4栋门口消防通道被车堵死了", chat_id=OLD_GROUP)))
    telegram.api.behind_broken_proxy = False
    await telegram.deliver(update(group_message("大家好", chat_id=SUPERGROUP)))
    await telegram.deliver(update(service_message(SUPERGROUP, migrate_from_chat_id=OLD_GROUP)))
    telegram.api.migrate_chat(OLD_GROUP, SUPERGROUP)

    await telegram.services.outbox.retry_due(utcnow() + timedelta(hours=1))

    hint, receipt = telegram.api.sent_to(SUPERGROUP)
    assert "绑定" in hint
    assert receipt.startswith("已登记：工单 0001")
    assert [d.status for d in await deliveries(telegram)] == ["sent", "sent"]


async def test_send_to_upgraded_group_follows_new_id(telegram):
    compound = await telegram.bind(OLD_GROUP)
    telegram.api.migrate_chat(OLD_GROUP, SUPERGROUP)

    await telegram.deliver(update(group_message("4栋门口消防通道被车堵死了", chat_id=OLD_GROUP)))

    assert telegram.api.sent_to(OLD_GROUP) == []
    assert len(telegram.api.sent_to(SUPERGROUP)) == 1
    moved = await telegram.chat(SUPERGROUP)
    assert moved is not None
    assert moved.compound_id == compound.id
    assert [d.status for d in await deliveries(telegram)] == ["sent"]


async def test_removed_bot_marks_chat_inactive(telegram):
    await telegram.bind(SUPERGROUP)

    await telegram.deliver(bot_membership(SUPERGROUP, "member", "kicked"))

    chat_row = await telegram.chat(SUPERGROUP)
    assert chat_row is not None
    assert not chat_row.active

    await telegram.services.outbox.deliver([Reply(ChatTarget("telegram", str(SUPERGROUP)), "工单 0001 已办结")])
    assert telegram.api.calls_of("sendMessage") == []
    recorded = await deliveries(telegram)
    assert [d.status for d in recorded] == ["failed"]
    assert "inactive" in (recorded[0].last_error or "")


async def test_bot_added_back_sends_again(telegram):
    await telegram.bind(SUPERGROUP)
    await telegram.deliver(bot_membership(SUPERGROUP, "member", "left"))

    await telegram.deliver(bot_membership(SUPERGROUP, "left", "member"))

    chat_row = await telegram.chat(SUPERGROUP)
    assert chat_row is not None
    assert chat_row.active
    await telegram.services.outbox.deliver([Reply(ChatTarget("telegram", str(SUPERGROUP)), "您好，服务已恢复")])
    assert telegram.api.sent_to(SUPERGROUP) == ["您好，服务已恢复"]


async def test_forbidden_send_marks_chat_inactive(telegram):
    await telegram.bind(SUPERGROUP)
    telegram.api.remove_bot_from(SUPERGROUP)

    await telegram.deliver(update(group_message("12栋水管爆了，楼道里全是水")))

    chat_row = await telegram.chat(SUPERGROUP)
    assert chat_row is not None
    assert not chat_row.active
    assert len(await telegram.cases()) == 1
    assert [d.status for d in await deliveries(telegram)] == ["failed"]


async def test_bot_added_to_new_group_asks_binding(telegram):
    new_group = -1005550000099

    await telegram.deliver(bot_membership(new_group, "left", "member"))
    await telegram.deliver(update(group_message("大家好，新群建好了", chat_id=new_group)))

    greetings = telegram.api.sent_to(new_group)
    assert len(greetings) == 1
    assert "/bind" in greetings[0]
    chat_row = await telegram.chat(new_group)
    assert chat_row is not None
    assert chat_row.compound_id is None


async def test_bot_added_back_to_bound_group_silent(telegram):
    await telegram.bind(SUPERGROUP)
    await telegram.deliver(bot_membership(SUPERGROUP, "member", "kicked"))

    response = await telegram.deliver(bot_membership(SUPERGROUP, "kicked", "administrator"))

    assert response.status == 200
    assert telegram.api.sent_to(SUPERGROUP) == []
    chat_row = await telegram.chat(SUPERGROUP)
    assert chat_row is not None
    assert chat_row.active
