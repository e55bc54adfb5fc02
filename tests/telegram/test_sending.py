"""Replies on their way to Telegram: flood control, escaping and the 4096-character limit."""

from __future__ import annotations

import pytest

from bot.adapters.telegram.chats import ChatBindings
from bot.adapters.telegram.markup import escape, split_text, utf16_units
from bot.adapters.telegram.outbound import TelegramOutbound
from handlers.errors import PlatformError
from handlers.messages import ChatTarget, UserTarget
from tests.telegram.fake_bot_api import MAX_TEXT_UNITS
from tests.telegram.updates import RESIDENT, SUPERGROUP, group_message, update

GROUP = ChatTarget("telegram", str(SUPERGROUP))


async def test_flood_control_waits_retry_after(telegram):
    await telegram.bind(SUPERGROUP)
    telegram.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)

    await telegram.deliver(update(group_message("8栋楼下的路灯坏了，晚上很黑")))

    assert len(await telegram.cases()) == 1
    assert telegram.waits == [7]
    attempts = telegram.api.calls_of("sendMessage")
    assert len(attempts) == 2
    assert attempts[0].params["text"] == attempts[1].params["text"]
    assert len(telegram.api.sent_to(SUPERGROUP)) == 1


async def test_flood_control_beyond_limit_fails(telegram):
    outbound = TelegramOutbound(
        telegram.adapter.bot,
        ChatBindings(telegram.services.sessionmaker),
        max_retry_after=60,
        sleep=telegram.adapter._sleep,
    )
    telegram.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3600", retry_after=3600)

    with pytest.raises(PlatformError, match="3600"):
        await outbound.send(GROUP, "您好，工单已受理")

    assert telegram.waits == []


async def test_repeated_flood_control_gives_up(telegram):
    for _ in range(5):
        telegram.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)

    with pytest.raises(PlatformError, match="5 tries"):
        await telegram.adapter.outbound.send(GROUP, "您好，工单已受理")

    assert telegram.waits == [2, 2, 2, 2, 2]


async def test_server_error_retried_with_backoff(telegram):
    telegram.api.fail_next("sendMessage", 502, "Bad Gateway")

    await telegram.adapter.outbound.send(GROUP, "您好，正在处理")

    assert telegram.waits == [1.0]
    assert telegram.api.sent_to(SUPERGROUP) == ["您好，正在处理"]


async def test_special_characters_sent_without_parse_error(telegram):
    text = "请勿在<3栋>门口堆放杂物，file_name_v2 和 *重要* 通知 & 提醒 </b>"

    await telegram.adapter.outbound.send(GROUP, text)

    sends = telegram.api.calls_of("sendMessage")
    assert len(sends) == 1
    assert sends[0].params["parse_mode"] == "HTML"
    assert sends[0].params["_visible"] == text


async def test_resident_text_with_markup_characters_delivered(telegram):
    await telegram.bind(SUPERGROUP)

    await telegram.deliver(update(group_message("3栋<2单元>电梯坏了 *急* 困了_人 & 没人管")))

    assert len(await telegram.cases()) == 1
    assert len(telegram.api.sent_to(SUPERGROUP)) == 1


async def test_long_reply_split_without_breaking_entities(telegram):
    # Every < becomes &lt; on the wire; a chunk must never end inside one.
    text = "<" * 5000 + "\n" + "工单进度：" * 1000

    await telegram.adapter.outbound.send(GROUP, text, reply_to=f"{SUPERGROUP}:311")

    sends = telegram.api.calls_of("sendMessage")
    assert len(sends) >= 3
    assert all(s.params.get("_delivered") for s in sends)
    assert all(utf16_units(s.params["_visible"]) <= MAX_TEXT_UNITS for s in sends)
    assert "".join(s.params["_visible"] for s in sends) == text
    assert sends[0].params["reply_parameters"]["message_id"] == 311
    assert all("reply_parameters" not in s.params for s in sends[1:])


async def test_private_message_to_user(telegram):
    await telegram.adapter.outbound.send(UserTarget("telegram", str(RESIDENT)), "您好，您反映的问题已办结，请评价")

    assert telegram.api.sent_to(RESIDENT) == ["您好，您反映的问题已办结，请评价"]


async def test_quote_from_other_chat_dropped(telegram):
    await telegram.adapter.outbound.send(GROUP, "您好", reply_to="-100999:12")

    sends = telegram.api.calls_of("sendMessage")
    assert "reply_parameters" not in sends[0].params


def test_escape_covers_html_specials():
    assert escape("a<b>&c_d*e") == "a&lt;b&gt;&amp;c_d*e"


def test_split_prefers_line_breaks():
    text = "第一行\n" + "字" * 10 + "\n第三行"

    chunks = split_text(text, limit=12)

    assert chunks == ["第一行\n", "字" * 10 + "\n", "第三行"]


def test_split_counts_emoji_as_two_units():
    text = "😀" * 5

    chunks = split_text(text, limit=4)

    assert chunks == ["😀😀", "😀😀", "😀"]
    assert all(utf16_units(c) <= 4 for c in chunks)


def test_split_of_empty_text_is_empty():
    assert split_text("") == []


def chart_file(tmp_path):
    path = tmp_path / "weekly.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return path


async def test_chart_sent_as_photo(telegram, tmp_path):
    await telegram.bind(SUPERGROUP)
    outbound = TelegramOutbound(
        telegram.adapter.bot, ChatBindings(telegram.services.sessionmaker), sleep=telegram.adapter._sleep
    )
    telegram.api.fail_next("sendPhoto", 429, "Too Many Requests: retry after 4", retry_after=4)

    await outbound.send_image(GROUP, chart_file(tmp_path))

    photos = telegram.api.calls_of("sendPhoto")
    assert len(photos) == 2
    assert photos[1].params["_delivered"] is True
    assert telegram.waits == [4]


async def test_missing_chart_rejected(telegram, tmp_path):
    await telegram.bind(SUPERGROUP)
    outbound = TelegramOutbound(telegram.adapter.bot, ChatBindings(telegram.services.sessionmaker))

    with pytest.raises(PlatformError, match="not found"):
        await outbound.send_image(GROUP, tmp_path / "missing.png")
    assert telegram.api.calls_of("sendPhoto") == []
