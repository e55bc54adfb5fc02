"""A "我也是" that quotes a message in an AI-bot group joins the quoted message's case."""

from __future__ import annotations

from sqlalchemy import select

from models import Case, CaseReporter, RawMessage
from tests.wecom.aibot_group import aibot_says, bound_aibot_group
from tests.wecom.conftest import WeChatBot

LIFT = "2号楼电梯坏了，困人了"


def quote_of(text: str) -> dict:
    return {"quote": {"msgtype": "text", "text": {"content": f"@物业小助手 {text}"}}}


async def _reporters(bot: WeChatBot, seq: int) -> list[int]:
    return await bot.rows(
        select(CaseReporter.member_id).join(Case, Case.id == CaseReporter.case_id).where(Case.seq == seq)
    )


async def test_quoted_me_too_joins_quoted_case(wechat: WeChatBot):
    await bound_aibot_group(wechat)
    await aibot_says(wechat, "a-1", "wangfang", LIFT)
    await aibot_says(wechat, "a-2", "zhaolei", "5栋楼道灯不亮好几天了")

    await aibot_says(wechat, "a-3", "sunli", "我也是", **quote_of(LIFT))

    assert len(await _reporters(wechat, 1)) == 2
    assert len(await _reporters(wechat, 2)) == 1
    raw = (await wechat.rows(select(RawMessage).where(RawMessage.platform_message_id == "a-3")))[0]
    assert raw.quoted_text == LIFT


async def test_unknown_quote_joins_latest_case(wechat: WeChatBot):
    await bound_aibot_group(wechat)
    await aibot_says(wechat, "a-1", "wangfang", LIFT)
    await aibot_says(wechat, "a-2", "zhaolei", "5栋楼道灯不亮好几天了")

    await aibot_says(wechat, "a-3", "sunli", "我也是", **quote_of("今天天气不错"))

    assert len(await _reporters(wechat, 1)) == 1
    assert len(await _reporters(wechat, 2)) == 2
