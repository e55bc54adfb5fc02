"""The AI bot's long connection against a local gateway: residents @-mention the bot in a group."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.adapters.wecom_longconn import SubscribeRejected, WecomLongConnAdapter
from bot.adapters.wecom_longconn.client import ConnectionReplaced, ConnectionSettings, LongConnection
from bot.adapters.wecom_longconn.protocol import PLATFORM
from handlers.messages import UserTarget
from models import Case, RawMessage
from tests.longconn.conftest import Deployment, deploy
from tests.longconn.fake_gateway import GOOD_SECRET, FakeGateway, is_cmd, message_frame


async def test_handshake_subscribes_with_bot_id(deployed: Deployment) -> None:
    [subscribe] = await deployed.gateway.wait_for(is_cmd("aibot_subscribe"))

    assert subscribe["body"] == {"bot_id": "aib-test", "secret": GOOD_SECRET}
    assert subscribe["headers"]["req_id"]
    assert deployed.gateway.frames[0] is subscribe


async def test_heartbeat_pings_acknowledged(deployed: Deployment) -> None:
    pings = await deployed.gateway.wait_for(is_cmd("ping"), count=3)

    assert len({p["headers"]["req_id"] for p in pings}) == 3
    assert deployed.gateway.connections == 1


async def test_group_mention_opens_case_and_replies(deployed: Deployment) -> None:
    await deployed.gateway.push(message_frame("REQ-1", "MSG-1", "@物业小助手 3号楼电梯坏了，有人被困在里面"))

    [reply] = await deployed.gateway.wait_for(is_cmd("aibot_respond_msg"))

    assert reply["headers"]["req_id"] == "REQ-1"
    assert reply["body"]["msgtype"] == "stream"
    assert reply["body"]["stream"]["finish"] is True
    assert "已登记" in reply["body"]["stream"]["content"]
    assert "工单 0001" in reply["body"]["stream"]["content"]
    async with deployed.services.sessionmaker() as session:
        cases = await session.scalar(select(func.count()).select_from(Case))
        raw = await session.scalar(select(RawMessage))
    assert cases == 1
    assert raw is not None
    assert raw.text == "3号楼电梯坏了，有人被困在里面"
    assert raw.platform_message_id == "MSG-1"


async def test_redelivered_message_answered_once(deployed: Deployment) -> None:
    frame = message_frame("REQ-1", "MSG-1", "@物业小助手 5栋楼道的灯坏了好几天了")
    await deployed.gateway.push(frame)
    await deployed.gateway.wait_for(is_cmd("aibot_respond_msg"))
    await deployed.gateway.push(frame)
    await deployed.gateway.push(message_frame("REQ-2", "MSG-2", "@物业小助手 2单元楼顶漏水"))

    replies = await deployed.gateway.wait_for(is_cmd("aibot_respond_msg"), count=2)

    assert [r["headers"]["req_id"] for r in replies] == ["REQ-1", "REQ-2"]


async def test_private_message_answered(deployed: Deployment) -> None:
    await deployed.gateway.push(message_frame("REQ-9", "MSG-9", "你好", sender="lisi", group=False))

    [reply] = await deployed.gateway.wait_for(is_cmd("aibot_respond_msg"))

    assert reply["headers"]["req_id"] == "REQ-9"
    assert reply["body"]["stream"]["content"].startswith("您好")


async def test_push_to_person_uses_send_msg(deployed: Deployment) -> None:
    assert deployed.adapter.outbound is not None

    await deployed.adapter.outbound.send(UserTarget(PLATFORM, "wangwu"), "【新工单】测试")

    [push] = await deployed.gateway.wait_for(is_cmd("aibot_send_msg"))
    assert push["body"]["chatid"] == "wangwu"
    assert push["body"]["chat_type"] == 1
    assert push["body"]["markdown"]["content"] == "【新工单】测试"


async def test_stream_reply_escapes_resident_markup(deployed: Deployment) -> None:
    text = "@物业小助手 **7栋**水管爆了[点我报修](http://e.x/a)"
    await deployed.gateway.push(message_frame("REQ-5", "MSG-5", text))

    [reply] = await deployed.gateway.wait_for(is_cmd("aibot_respond_msg"))

    content = reply["body"]["stream"]["content"]
    assert "＊＊7栋＊＊" in content
    assert "**" not in content
    assert "[点我报修]" not in content


async def test_push_escapes_markup(deployed: Deployment) -> None:
    assert deployed.adapter.outbound is not None

    await deployed.adapter.outbound.send(UserTarget(PLATFORM, "wangwu"), "# 标题 <@all>")

    [push] = await deployed.gateway.wait_for(is_cmd("aibot_send_msg"))
    assert push["body"]["markdown"]["content"] == "＃ 标题 ＜@all＞"


async def test_dropped_connection_restored(
    db_url: str, gateway: tuple[FakeGateway, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.wecom_aibot")
    deployment = await deploy(db_url, gateway)
    deployment.gateway.drop_after_subscribe = 1
    await deployment.adapter.start(deployment.services, web.Application())
    try:
        await deployment.gateway.wait_for(is_cmd("aibot_subscribe"), count=2)
        await deployment.gateway.wait_for(is_cmd("ping"))
        await deployment.gateway.push(message_frame("REQ-5", "MSG-5", "@物业小助手 2单元楼顶漏水"))
        [reply] = await deployment.gateway.wait_for(is_cmd("aibot_respond_msg"))
    finally:
        await deployment.adapter.stop()
        await deployment.services.close()

    assert deployment.gateway.connections == 2
    assert reply["headers"]["req_id"] == "REQ-5"
    messages = [r.getMessage() for r in caplog.records]
    assert any("reconnecting in" in m for m in messages)
    assert any("long connection restored" in m for m in messages)


async def test_missed_heartbeats_reconnect(deployed: Deployment) -> None:
    deployed.gateway.ack_pings = False

    await deployed.gateway.wait_for(is_cmd("aibot_subscribe"), count=2)

    assert deployed.gateway.connections == 2


async def test_bad_secret_stops_start(db_url: str, gateway: tuple[FakeGateway, str]) -> None:
    deployment = await deploy(db_url, gateway, secret="wrong")
    try:
        with pytest.raises(SubscribeRejected, match="WECOM_AIBOT_SECRET"):
            await deployment.adapter.start(deployment.services, web.Application())
    finally:
        await deployment.adapter.stop()
        await deployment.services.close()

    assert deployment.gateway.connections == 1


async def test_replaced_connection_stops(gateway: tuple[FakeGateway, str]) -> None:
    fake, url = gateway

    async def ignore(_frame: dict) -> None:
        return None

    connection = LongConnection(
        ConnectionSettings(url=url, bot_id="aib-test", secret=GOOD_SECRET, heartbeat_seconds=5), ignore
    )
    stop = asyncio.Event()
    run = asyncio.create_task(connection.run(stop))
    await connection.connected.wait()
    await fake.push(
        {
            "cmd": "aibot_event_callback",
            "headers": {"req_id": "EV-1"},
            "body": {"msgtype": "event", "event": {"eventtype": "disconnected_event"}},
        }
    )

    with pytest.raises(ConnectionReplaced):
        await run
    assert fake.connections == 1


def test_mode_callback_leaves_adapter_off() -> None:
    from bot.settings import Settings

    settings = Settings(_env_file=None, wecom_aibot_bot_id="b", wecom_aibot_secret="s")  # type: ignore[call-arg]

    assert WecomLongConnAdapter().missing_settings(settings) == "WECOM_AIBOT_MODE is not longconn"
