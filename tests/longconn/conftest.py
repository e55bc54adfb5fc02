"""A local long-connection gateway and the bot deployed against it, shared by the long-connection tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.adapters.wecom_longconn import WecomLongConnAdapter
from bot.adapters.wecom_longconn.protocol import PLATFORM
from bot.services import Services
from handlers.directory import bind_chat, chat_for, create_compound
from tests.helpers import T0, make_services
from tests.longconn.fake_gateway import GOOD_SECRET, FakeGateway

GROUP = "wrkSFfCgAAtNyCb3cZ"


@dataclass
class Deployment:
    gateway: FakeGateway
    services: Services
    adapter: WecomLongConnAdapter


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[FakeGateway, str]]:
    fake = FakeGateway()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield fake, f"ws://127.0.0.1:{server.port}/"
    finally:
        await server.close()


async def deploy(db_url: str, gateway: tuple[FakeGateway, str], *, secret: str = GOOD_SECRET) -> Deployment:
    fake, url = gateway
    services, _console = await make_services(
        db_url,
        wecom_aibot_mode="longconn",
        wecom_aibot_bot_id="aib-test",
        wecom_aibot_secret=secret,
        wecom_aibot_ws_url=url,
        wecom_aibot_heartbeat_seconds=0.05,
        wecom_aibot_reconnect_base_seconds=0.01,
        wecom_aibot_reconnect_max_seconds=0.05,
        wecom_aibot_request_timeout_seconds=2,
    )
    async with services.sessionmaker() as session, session.begin():
        compound = await create_compound(session, "阳光花园")
        chat = await chat_for(session, PLATFORM, GROUP, title="阳光花园3栋群")
        await bind_chat(session, chat, compound, T0)
    return Deployment(fake, services, WecomLongConnAdapter())


@pytest.fixture
async def deployed(db_url: str, gateway: tuple[FakeGateway, str]) -> AsyncIterator[Deployment]:
    deployment = await deploy(db_url, gateway)
    await deployment.adapter.start(deployment.services, web.Application())
    try:
        yield deployment
    finally:
        await deployment.adapter.stop()
        await deployment.services.close()
