"""The Telegram harness: real services, the real adapter and aiogram, a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.adapters.telegram import TelegramAdapter
from bot.server import build_web_app
from bot.services import Services
from handlers.directory import bind_chat, chat_for, create_compound, member_for
from handlers.permissions import grant_role
from models import Case, ChatGroup, Compound, PartyKind, RawMessage, RoleKind
from tests.helpers import T0, make_services
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.telegram.updates import OFFICER

WEBHOOK_SECRET = "s3cret-Token_for-tests"


@dataclass
class TelegramHarness:
    """One bot process under test: the fake platform, the webhook client and the database."""

    services: Services
    api: FakeBotApi
    adapter: TelegramAdapter
    client: TestClient
    waits: list[float] = field(default_factory=list)

    async def deliver(self, update: dict[str, Any], *, secret: str = WEBHOOK_SECRET) -> ClientResponse:
        """POST an update to the webhook as Telegram does."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        return await self.client.post("/telegram/webhook", json=update, headers=headers)

    async def bind(self, chat_id: int, name: str = "阳光花园") -> Compound:
        """Create a compound and bind a Telegram group to it, as the liaison officer would."""
        async with self.services.sessionmaker() as session, session.begin():
            compound = await create_compound(session, name)
            chat = await chat_for(session, "telegram", str(chat_id), title=f"{name}业主群")
            await bind_chat(session, chat, compound, T0)
        return compound

    async def make_officer(self, compound: Compound, user_id: int = OFFICER) -> None:
        """Make a Telegram user the compound's liaison officer, who may run every case command."""
        async with self.services.sessionmaker() as session, session.begin():
            row = await session.get_one(Compound, compound.id)
            officer = await member_for(session, "telegram", str(user_id), "李专员")
            branch = row.party(PartyKind.PARTY)
            await grant_role(session, officer, RoleKind.LIAISON_OFFICER, compound=row, party=branch)

    async def chat(self, chat_id: int) -> ChatGroup | None:
        async with self.services.sessionmaker() as session:
            return await session.scalar(
                select(ChatGroup).where(ChatGroup.platform == "telegram", ChatGroup.chat_id == str(chat_id))
            )

    async def cases(self) -> list[Case]:
        async with self.services.sessionmaker() as session:
            return list(await session.scalars(select(Case).order_by(Case.id)))

    async def raw(self, chat_id: int, message_id: int) -> RawMessage | None:
        async with self.services.sessionmaker() as session:
            return await session.scalar(
                select(RawMessage).where(
                    RawMessage.platform == "telegram",
                    RawMessage.platform_message_id == f"{chat_id}:{message_id}",
                )
            )

    async def count(self, model: type) -> int:
        async with self.services.sessionmaker() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0


async def start_harness(
    db_url: str, *, mode: str = "webhook", api: FakeBotApi | None = None, **settings: Any
) -> TelegramHarness:
    """Start the fake Bot API (unless given, already started), the services, the adapter and the web app."""
    if api is None:
        api = FakeBotApi()
        await api.start()
    services, _console = await make_services(
        db_url,
        telegram_bot_token=TOKEN,
        telegram_mode=mode,
        telegram_webhook_secret=WEBHOOK_SECRET,
        telegram_api_base_url=api.base_url,
        **settings,
    )
    waits: list[float] = []

    async def record_wait(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    adapter = TelegramAdapter(sleep=record_wait, polling_timeout=1)
    app = build_web_app(services)
    try:
        await adapter.start(services, app)
    except Exception:
        await services.close()
        await api.close()
        raise
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return TelegramHarness(services, api, adapter, client, waits)


async def stop_harness(harness: TelegramHarness) -> None:
    await harness.adapter.stop()
    await harness.client.close()
    await harness.api.close()
    await harness.services.close()


@pytest.fixture
async def telegram(db_url: str) -> AsyncIterator[TelegramHarness]:
    """A bot in webhook mode whose Bot API is the fake on 127.0.0.1."""
    harness = await start_harness(db_url)
    try:
        yield harness
    finally:
        await stop_harness(harness)
