"""AI-bot replies through a message's response_url, which takes one markdown of at most 20480 bytes."""

from __future__ import annotations

import pytest

from bot.adapters.wecom.limits import MARKDOWN_MAX_BYTES, RESPONSE_URL_MAX_BYTES
from handlers.errors import PlatformError
from handlers.messages import ChatTarget
from tests.helpers import two_part_text
from tests.wecom.conftest import WeChatBot

GROUP = ChatTarget("wecom_aibot", "wrk-group-9")
FIRST, SECOND = two_part_text(RESPONSE_URL_MAX_BYTES)


def replies(wechat: WeChatBot) -> list[str]:
    return [p["markdown"]["content"] for p in wechat.fake.sent("aibot/response")]


async def test_reply_over_robot_limit_sent_whole(wechat: WeChatBot):
    # Longer than a group robot's 4096 bytes, shorter than the response_url's 20480.
    text = "三号楼电梯维修进展：维修人员已到场，正在更换曳引机钢丝绳。\n" * 80
    assert MARKDOWN_MAX_BYTES < len(text.encode("utf-8")) <= RESPONSE_URL_MAX_BYTES
    wechat.aibot.outbound.urls.remember(GROUP.chat_id, "msg-1", wechat.fake.response_url())

    await wechat.aibot.outbound.send(GROUP, text, reply_to="msg-1")

    assert replies(wechat) == [text]


async def test_reply_cut_at_response_url_limit(wechat: WeChatBot):
    wechat.aibot.outbound.urls.remember(GROUP.chat_id, "msg-1", wechat.fake.response_url())

    with pytest.raises(PlatformError, match="needs 2 messages but a response_url takes one"):
        await wechat.aibot.outbound.send(GROUP, FIRST + SECOND, reply_to="msg-1")

    assert replies(wechat) == [FIRST]
    assert len(FIRST.encode("utf-8")) <= RESPONSE_URL_MAX_BYTES
