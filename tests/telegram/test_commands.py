"""Slash commands in a Telegram group, served by the same handlers as the Chinese text commands."""

from __future__ import annotations

import re

from models import MessageOutcome
from tests.telegram.fake_bot_api import BOT_USERNAME
from tests.telegram.updates import OFFICER, SUPERGROUP, group_message, next_message_id, update


async def open_case(telegram) -> str:
    """Let a resident report a problem and return the new case's number."""
    await telegram.deliver(update(group_message("7栋地下车库的排水沟堵了，积水很深")))
    cases = await telegram.cases()
    assert len(cases) == 1
    return cases[0].number


async def test_menu_lists_registry_commands_in_chinese(telegram):
    registry = telegram.services.commands

    menu = {c["command"]: c["description"] for c in telegram.api.commands}

    assert menu == {spec.name: spec.help for spec in registry.specs}
    for name in ("help", "case", "bind"):
        assert name in menu
        assert re.search(r"[\u4e00-\u9fff]", menu[name]), f"/{name} has no Chinese description"


async def test_username_from_get_me_reaches_registry(telegram):
    assert telegram.services.commands.bot_username == BOT_USERNAME
    assert telegram.api.calls_of("getMe")


async def test_case_command_answers_status(telegram):
    await telegram.bind(SUPERGROUP)
    number = await open_case(telegram)

    await telegram.deliver(update(group_message(f"/case {number}", sender=OFFICER)))

    replies = telegram.api.sent_to(SUPERGROUP)
    assert len(replies) == 2
    assert "状态" in replies[1]
    assert number in replies[1]


async def test_case_command_addressed_to_us(telegram):
    await telegram.bind(SUPERGROUP)
    number = await open_case(telegram)

    await telegram.deliver(update(group_message(f"/case@{BOT_USERNAME} {number}", sender=OFFICER)))

    replies = telegram.api.sent_to(SUPERGROUP)
    assert len(replies) == 2
    assert number in replies[1]


async def test_command_for_other_bot_ignored(telegram):
    await telegram.bind(SUPERGROUP)
    number = await open_case(telegram)
    message_id = next_message_id()

    await telegram.deliver(update(group_message(f"/case@OtherBot {number}", sender=OFFICER, message_id=message_id)))

    assert len(telegram.api.sent_to(SUPERGROUP)) == 1
    raw = await telegram.raw(SUPERGROUP, message_id)
    assert raw is not None
    assert raw.outcome != MessageOutcome.COMMAND


async def test_chinese_verb_works_in_telegram(telegram):
    await telegram.bind(SUPERGROUP)
    number = await open_case(telegram)

    await telegram.deliver(update(group_message(f"查询 {number}")))

    replies = telegram.api.sent_to(SUPERGROUP)
    assert len(replies) == 2
    assert number in replies[1]


async def test_unknown_command_gets_chinese_hint(telegram):
    await telegram.bind(SUPERGROUP)

    await telegram.deliver(update(group_message("/nosuchthing 12")))

    replies = telegram.api.sent_to(SUPERGROUP)
    assert len(replies) == 1
    assert "/help" in replies[0]


async def test_help_shows_slash_forms(telegram):
    await telegram.bind(SUPERGROUP)

    await telegram.deliver(update(group_message("/help", sender=OFFICER)))

    reply = telegram.api.sent_to(SUPERGROUP)[-1]
    assert "可用指令如下（也可以发送斜杠指令）：" in reply
    assert "· 查询（/case）：" in reply
