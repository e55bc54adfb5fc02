"""The bot with its WeChat adapters on a test database, facing a fake platform on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.adapters.wecom import (
    OfficialAccountAdapter,
    WeComAibotAdapter,
    WeComAppAdapter,
    WeComWebhookAdapter,
)
from bot.server import build_web_app
from bot.services import Services
from tests.helpers import ServiceTestServer, make_services
from tests.wecom.platform import FakeWeChat, PlatformSigner, SignedRequest

CORP_ID = "ww5f3a9c0d1e2b4a67"
AGENT_ID = "1000002"
APP_TOKEN = "AppCallbackToken"
APP_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
AIBOT_TOKEN = "AibotCallbackToken"
AIBOT_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
MP_APP_ID = "wx2c8d1f0e3b4a5968"
MP_TOKEN = "MpCallbackToken"
MP_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
MAX_BODY_BYTES = 16 * 1024
# Short, so the tests of a locked database wait one second per callback.
STORE_TIMEOUT_SECONDS = 1.0


@dataclass
class FakeTime:
    """Monotonic time that moves only when the adapter sleeps, so backoff costs no real time."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class WeChatBot:
    """The running bot as the platform sees it: an HTTP client for callbacks and the adapters."""

    services: Services
    client: TestClient
    fake: FakeWeChat
    time: FakeTime
    app: WeComAppAdapter
    aibot: WeComAibotAdapter
    mp: OfficialAccountAdapter
    webhook: WeComWebhookAdapter
    app_signer: PlatformSigner
    aibot_signer: PlatformSigner
    mp_signer: PlatformSigner

    async def post(self, path: str, request: SignedRequest):  # noqa: ANN201 - aiohttp's response
        return await self.client.post(path, params=request.query, data=request.body)

    async def settle(self) -> None:
        """Wait until the background work of every callback so far is done."""
        for adapter in (self.app, self.aibot, self.mp, self.webhook):
            await adapter.tasks.wait_idle()

    async def count(self, model) -> int:  # noqa: ANN001
        async with self.services.sessionmaker() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0

    async def rows(self, query):  # noqa: ANN001, ANN201
        async with self.services.sessionmaker() as session:
            return list(await session.scalars(query))


@pytest.fixture
async def fake_wechat() -> AsyncIterator[FakeWeChat]:
    fake = FakeWeChat()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def wechat(db_url: str, fake_wechat: FakeWeChat) -> AsyncIterator[WeChatBot]:
    bot = await start_bot(db_url, fake_wechat)
    try:
        yield bot
    finally:
        await stop_bot(bot)


async def start_bot(db_url: str, fake_wechat: FakeWeChat, **settings: object) -> WeChatBot:
    """Start the services and the four WeChat adapters behind a test server, as `python -m bot run` does.

    Args:
        settings: Settings to add or override.
    """
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
        wecom_webhook_keys="物业工作群=robot-key-1",
        wechat_mp_app_id=MP_APP_ID,
        wechat_mp_secret="mp-secret",
        wechat_mp_token=MP_TOKEN,
        wechat_mp_aes_key=MP_AES_KEY,
        wechat_mp_api_base_url=fake_wechat.base_url,
        http_max_body_bytes=MAX_BODY_BYTES,
        callback_store_timeout_seconds=STORE_TIMEOUT_SECONDS,
        **settings,
    )
    fake_time = FakeTime()
    seams = {
        "backoff": (2.0, 10.0, 30.0),
        "sleep": fake_time.sleep,
        "monotonic": fake_time.monotonic,
    }
    adapters = (
        WeComAppAdapter(**seams),
        WeComAibotAdapter(**seams),
        OfficialAccountAdapter(**seams),
        WeComWebhookAdapter(**seams),
    )
    web_app = build_web_app(services)
    for adapter in adapters:
        assert adapter.missing_settings(services.settings) is None
        await adapter.start(services, web_app)
    client = TestClient(ServiceTestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    return WeChatBot(
        services,
        client,
        fake_wechat,
        fake_time,
        *adapters,
        app_signer=PlatformSigner(APP_TOKEN, APP_AES_KEY, CORP_ID),
        aibot_signer=PlatformSigner(AIBOT_TOKEN, AIBOT_AES_KEY, ""),
        mp_signer=PlatformSigner(MP_TOKEN, MP_AES_KEY, MP_APP_ID, official_account=True),
    )


async def stop_bot(bot: WeChatBot) -> None:
    await bot.settle()
    await bot.client.close()
    for adapter in (bot.app, bot.aibot, bot.mp, bot.webhook):
        await adapter.stop()
    await bot.services.close()
