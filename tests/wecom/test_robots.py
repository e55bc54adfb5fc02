"""Group robots granted a role receive that role's notices in their staff group."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select

from bot.adapters.wecom import WeComWebhookAdapter
from bot.admin import grant
from handlers.directory import create_compound
from models import Case, CaseEvent, Delivery, RoleKind
from scheduler import timer_config
from scheduler.sweep import Sweeper
from tests.helpers import make_services
from tests.wecom.conftest import WeChatBot
from tests.wecom.test_callbacks import add_compound, app_says

ROBOT = "物业工作群"
ROBOT_KEY = "robot-key-1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def grant_robot(bot: WeChatBot, role: RoleKind) -> None:
    async with bot.services.sessionmaker() as session, session.begin():
        await grant(
            session,
            role,
            platform="wecom_webhook",
            user_id=ROBOT,
            compound_code="XQ0001",
            robots=bot.services.settings.webhook_keys,
        )


def robot_messages(bot: WeChatBot) -> list[str]:
    return [
        call.payload["markdown"]["content"]
        for call in bot.fake.calls("webhook/send")
        if call.query.get("key") == ROBOT_KEY and call.errcode == 0
    ]


async def test_new_case_reaches_property_robot(wechat: WeChatBot):
    await add_compound(wechat)
    await grant_robot(wechat, RoleKind.PROPERTY_STAFF)

    await app_says(wechat, "zhangwei", "XQ0001 3栋", "r-1")
    await app_says(wechat, "zhangwei", "3号楼电梯坏了，按钮**失灵**", "r-2")

    [case] = await wechat.rows(select(Case))
    assert case.route == "property"
    notices = [text for text in robot_messages(wechat) if f"工单 {case.number}" in text]
    assert notices, robot_messages(wechat)
    assert "＊＊失灵＊＊" in notices[0]
    deliveries = await wechat.rows(select(Delivery).where(Delivery.platform == "wecom_webhook"))
    assert {d.status for d in deliveries} == {"sent"}
    failures = await wechat.rows(select(CaseEvent).where(CaseEvent.kind == "delivery_failed"))
    assert failures == []


async def test_digest_reaches_officer_robot(wechat: WeChatBot):
    await add_compound(wechat)
    await grant_robot(wechat, RoleKind.LIAISON_OFFICER)
    sweeper = Sweeper(
        wechat.services.sessionmaker,
        wechat.services.outbox,
        timer_config(wechat.services.settings),
        instance="robot-test",
    )

    # Monday 2 March 2026 is a working day; the digest goes out from 08:30.
    await sweeper.run_once(datetime(2026, 3, 2, 8, 31, tzinfo=SHANGHAI))

    digests = [text for text in robot_messages(wechat) if text.startswith("【每日简报】阳光花园")]
    assert len(digests) == 1


async def test_start_warns_about_unlinked_robots(db_url, fake_wechat, caplog):
    services, _console = await make_services(
        db_url, wecom_webhook_keys=f"{ROBOT}=k1,保安群=k2", wecom_api_base_url=fake_wechat.base_url
    )
    async with services.sessionmaker() as session, session.begin():
        await create_compound(session, "阳光花园", "XQ0001")
        await grant(
            session,
            RoleKind.PROPERTY_STAFF,
            platform="wecom_webhook",
            user_id=ROBOT,
            compound_code="XQ0001",
            robots=[ROBOT, "旧机器人"],
        )
        await grant(
            session,
            RoleKind.PROPERTY_STAFF,
            platform="wecom_webhook",
            user_id="旧机器人",
            compound_code="XQ0001",
            robots=[ROBOT, "旧机器人"],
        )
    adapter = WeComWebhookAdapter()

    with caplog.at_level(logging.WARNING, logger="bot.wecom"):
        await adapter.start(services, web.Application())
    await adapter.stop()

    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any("'旧机器人' has roles but is not in WECOM_WEBHOOK_KEYS" in w for w in warnings)
    assert any("'保安群' has no role" in w for w in warnings)
    assert not any(f"'{ROBOT}'" in w for w in warnings)
