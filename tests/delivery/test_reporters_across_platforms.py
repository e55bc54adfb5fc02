"""One case, reporters on Telegram and on WeCom: the real adapters tell each of them where they wrote.

Both fake platforms run on 127.0.0.1; the bot reaches them through its real
aiogram and WeCom clients, and receives real encrypted callbacks and webhook updates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.telegram import TelegramAdapter
from bot.adapters.wecom import OfficialAccountAdapter, WeComAibotAdapter, WeComAppAdapter, WeComWebhookAdapter
from bot.server import build_web_app
from handlers.directory import bind_chat, chat_for, create_compound, member_for
from handlers.permissions import grant_role
from models import Compound, PartyKind, RoleKind
from tests.helpers import T0, make_services
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.telegram.updates import group_message, update, user
from tests.wecom.aibot_group import GROUP, OFFICER, aibot_answers, aibot_message
from tests.wecom.conftest import (
    AGENT_ID,
    AIBOT_AES_KEY,
    AIBOT_TOKEN,
    APP_AES_KEY,
    APP_TOKEN,
    CORP_ID,
    MP_AES_KEY,
    MP_APP_ID,
    MP_TOKEN,
    FakeTime,
    WeChatBot,
)
from tests.wecom.platform import FakeWeChat, PlatformSigner
from tests.wecom.test_callbacks import AIBOT, app_says, texts_to

TELEGRAM_GROUP = -1005550000001
TELEGRAM_OFFICER = 5551001
TELEGRAM_RESIDENT = 5551002
WEBHOOK_SECRET = "cross-platform_secret"


@dataclass
class TwoPlatforms:
    """The bot with its WeCom and Telegram adapters on one web app."""

    wechat: WeChatBot
    telegram_api: FakeBotApi
    telegram: TelegramAdapter

    async def telegram_says(self, text: str, sender: int) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        payload = update(group_message(text, chat_id=TELEGRAM_GROUP, sender=sender))
        payload["message"]["from"] = user(sender, "小", str(sender)[-2:])
        response = await self.wechat.client.post("/telegram/webhook", json=payload, headers=headers)
        assert response.status == 200
        await self.wechat.settle()

    async def aibot_says(self, msgid: str, sender: str, text: str) -> None:
        payload = aibot_message(self.wechat, msgid, sender, text)
        response = await self.wechat.post(AIBOT, self.wechat.aibot_signer.encrypted_json(payload))
        assert response.status == 200
        await self.wechat.settle()

    def telegram_private(self, user_id: int) -> list[str]:
        return self.telegram_api.sent_to(user_id)

    def telegram_group(self) -> list[str]:
        return self.telegram_api.sent_to(TELEGRAM_GROUP)


@pytest.fixture
async def both(db_url: str) -> AsyncIterator[TwoPlatforms]:
    fake_wechat = FakeWeChat()
    await fake_wechat.start()
    telegram_api = FakeBotApi()

    await telegram_api.start()
    services, _console = await make_services(
        db_url,
        wecom_corp_id=CORP_ID,
        wecom_agent_id=AGENT_ID,
        wecom_secret="app-secret",
        wecom_token=APP_TOKEN,
        wecom_aes_key=APP_AES_KEY,
        wecom_aibot_token=AIBOT_TOKEN,
        wecom_aibot_aes_key=AIBOT_AES_KEY,
        wecom_api_base_url=fake_wechat.base_url,
        wechat_mp_app_id=MP_APP_ID,
        wechat_mp_secret="mp-secret",
        wechat_mp_token=MP_TOKEN,
        wechat_mp_aes_key=MP_AES_KEY,
        wechat_mp_api_base_url=fake_wechat.base_url,
        telegram_bot_token=TOKEN,
        telegram_mode="webhook",
        telegram_webhook_secret=WEBHOOK_SECRET,
        telegram_api_base_url=telegram_api.base_url,
    )

    fake_time = FakeTime()
    seams = {"backoff": (2.0, 10.0, 30.0), "sleep": fake_time.sleep, "monotonic": fake_time.monotonic}
    wecom_adapters = (
        WeComAppAdapter(**seams),
        WeComAibotAdapter(**seams),
        OfficialAccountAdapter(**seams),
        WeComWebhookAdapter(**seams),
    )
    telegram = TelegramAdapter(sleep=fake_time.sleep, polling_timeout=1)

    web_app = build_web_app(services)
    for adapter in wecom_adapters:
        await adapter.start(services, web_app)
    await telegram.start(services, web_app)
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()

    wechat = WeChatBot(
        services,
        client,
        fake_wechat,
        fake_time,
        *wecom_adapters,
        app_signer=PlatformSigner(APP_TOKEN, APP_AES_KEY, CORP_ID),
        aibot_signer=PlatformSigner(AIBOT_TOKEN, AIBOT_AES_KEY, ""),
        mp_signer=PlatformSigner(MP_TOKEN, MP_AES_KEY, MP_APP_ID, official_account=True),
    )
    await _compound_with_officers(wechat)

    try:
        yield TwoPlatforms(wechat, telegram_api, telegram)
    finally:
        await wechat.settle()
        await client.close()
        await telegram.stop()
        for adapter in wecom_adapters:
            await adapter.stop()
        await services.close()
        await telegram_api.close()
        await fake_wechat.close()


async def _compound_with_officers(wechat: WeChatBot) -> None:
    """Create 阳光花园 with a liaison officer on each platform, and bind a Telegram group and an AI-bot group."""
    async with wechat.services.sessionmaker() as session, session.begin():
        compound = await create_compound(session, "阳光花园", "XQ0001")
        telegram_group = await chat_for(session, "telegram", str(TELEGRAM_GROUP), title="阳光花园业主群")
        await bind_chat(session, telegram_group, compound, T0)
        aibot_group = await chat_for(session, "wecom_aibot", GROUP, title="阳光花园业主二群")
        await bind_chat(session, aibot_group, compound, T0)
        row = await session.get_one(Compound, compound.id)
        for platform, user_id in (("telegram", str(TELEGRAM_OFFICER)), ("wecom_aibot", OFFICER)):
            member = await member_for(session, platform, user_id, "李专员")
            await grant_role(
                session, member, RoleKind.LIAISON_OFFICER, compound=row, party=row.party(PartyKind.PARTY)
            )


async def test_app_co_reporter_hears_telegram_acknowledgement(both: TwoPlatforms):
    await both.telegram_says("6栋2单元楼道里堆满了杂物，消防通道都堵了", TELEGRAM_RESIDENT)
    await app_says(both.wechat, "newbie1", "XQ0001 6栋", "app-1")
    await app_says(both.wechat, "newbie1", "6栋2单元楼道里杂物堆满了，消防通道堵了", "app-2")
    assert "已有工单 0001" in texts_to(both.wechat, "newbie1")[-1]

    await both.telegram_says("受理 0001", TELEGRAM_OFFICER)

    detail = texts_to(both.wechat, "newbie1")[-1]
    assert detail.startswith("您好，您反映的工单 0001")
    assert "响应，正在处理" in detail
    assert any("您好，您反映的工单 0001" in text for text in both.telegram_private(TELEGRAM_RESIDENT))


async def test_telegram_reporter_hears_aibot_officer(both: TwoPlatforms):
    await both.aibot_says("a-1", "zhangsan", "3栋电梯坏了，停在5楼不动")
    await both.telegram_says("东门的路灯不亮了", TELEGRAM_RESIDENT)
    await both.aibot_says("a-2", OFFICER, "合并 0002 0001")
    await both.aibot_says("a-3", OFFICER, "受理 0001")

    await both.aibot_says("a-4", OFFICER, "无法解决 0001 需业主大会表决动用维修基金")

    private = both.telegram_private(TELEGRAM_RESIDENT)
    assert any("暂无法解决" in text and "需业主大会表决动用维修基金" in text for text in private)
    assert any("暂无法解决" in text for text in both.telegram_group())
    assert any("暂无法解决" in text for text in texts_to(both.wechat, "zhangsan"))
    answers = aibot_answers(both.wechat)
    assert "暂无法解决" in answers[-1]
