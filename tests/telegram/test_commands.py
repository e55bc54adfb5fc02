"""Slash commands in a Telegram group, served by the same handlers as the Chinese text commands."""

from __future__ import annotations

import re

import pytest

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


@pytest.mark.parametrize(
    ("glued", "spaced"),
    [("/stats本月", "/stats 本月"), ("/cases超时", "/cases 超时"), (f"/stats@{BOT_USERNAME}上个月", "/stats 上月")],
)
async def test_glued_argument_matches_spaced(telegram, glued, spaced):
    await telegram.make_officer(await telegram.bind(SUPERGROUP))
    await open_case(telegram)

    await telegram.deliver(update(group_message(glued, sender=OFFICER)))
    await telegram.deliver(update(group_message(spaced, sender=OFFICER)))

    replies = telegram.api.sent_to(SUPERGROUP)
    assert len(replies) == 3
    assert replies[1] == replies[2]


async def test_glued_stats_reply_names_period(telegram):
    await telegram.make_officer(await telegram.bind(SUPERGROUP))

    await telegram.deliver(update(group_message("/stats本月", sender=OFFICER)))

    replies = telegram.api.sent_to(SUPERGROUP)
    assert len(replies) == 1
    assert "本月工单统计" in replies[0]


async def test_glued_unknown_name_gets_hint(telegram):
    await telegram.bind(SUPERGROUP)

    await telegram.deliver(update(group_message("/list超时", sender=OFFICER)))

    replies = telegram.api.sent_to(SUPERGROUP)
    assert replies == ["没有“/list”这个指令。发送“帮助”或 /help 查看可用指令。"]


@pytest.mark.parametrize("text", ["/home/wang/照片", "/stats一下大家的意见", "/stats@OtherBot本月"])
async def test_glued_text_not_command(telegram, text):
    await telegram.bind(SUPERGROUP)
    message_id = next_message_id()

    await telegram.deliver(update(group_message(text, sender=OFFICER, message_id=message_id)))

    assert telegram.api.sent_to(SUPERGROUP) == []
    raw = await telegram.raw(SUPERGROUP, message_id)
    assert raw is not None
    assert raw.outcome != MessageOutcome.COMMAND
