"""Case updates for an AI-bot group after its one-time response_url is spent."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.admin import grant
from models import Case, CaseEvent, CaseReporter, Delivery, Identity, RoleKind, utcnow
from tests.wecom.aibot_group import GROUP, OFFICER, aibot_answers, aibot_says, bound_aibot_group
from tests.wecom.conftest import WeChatBot, start_bot, stop_bot
from tests.wecom.platform import FakeWeChat
from tests.wecom.test_callbacks import app_says, texts_to


@pytest.fixture
async def with_group_robot(db_url: str, fake_wechat: FakeWeChat) -> AsyncIterator[WeChatBot]:
    bot = await start_bot(db_url, fake_wechat, wecom_aibot_group_robots=f"{GROUP}=物业工作群")
    try:
        yield bot
    finally:
        await stop_bot(bot)


async def _officer_acknowledges_in_app(bot: WeChatBot) -> None:
    await bound_aibot_group(bot)
    async with bot.services.sessionmaker() as session, session.begin():
        await grant(session, RoleKind.LIAISON_OFFICER, platform="wecom", user_id="officer-wu", compound_code="XQ0001")
    await aibot_says(bot, "a-1", "wangfang", "2号楼电梯坏了，困人了")
    await app_says(bot, "officer-wu", "受理 0001", "m-1")


async def test_update_without_url_reaches_reporter(wechat: WeChatBot):
    await _officer_acknowledges_in_app(wechat)

    reporter_texts = texts_to(wechat, "wangfang")
    assert len(reporter_texts) == 1
    assert "工单 0001" in reporter_texts[0]
    assert not any("发送失败" in t for t in texts_to(wechat, OFFICER))
    assert not any("发送失败" in t for t in texts_to(wechat, "officer-wu"))
    to_people = select(Delivery.status).where(Delivery.target_kind == "user")
    assert set(await wechat.rows(to_people)) == {"sent"}
    assert await wechat.rows(select(CaseEvent).where(CaseEvent.kind == "delivery_failed")) == []


async def test_group_note_without_route_recorded_skipped(wechat: WeChatBot, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING, logger="handlers.outbox")

    await _officer_acknowledges_in_app(wechat)

    skipped = await wechat.rows(select(Delivery).where(Delivery.status == "skipped"))
    assert len(skipped) == 1
    note = skipped[0]
    assert (note.platform, note.target_kind, note.target_id) == ("wecom_aibot", "chat", GROUP)
    assert "0001" in note.text
    assert note.sent_at is None
    assert note.attempts == 1
    assert note.next_attempt_at is None
    assert "WECOM_AIBOT_GROUP_ROBOTS" in (note.last_error or "")
    logged = [r.getMessage() for r in caplog.records if "delivery skipped" in r.getMessage()]
    assert len(logged) == 1
    assert GROUP in logged[0]
    assert "WECOM_AIBOT_GROUP_ROBOTS" in logged[0]


async def test_skipped_group_note_not_retried(wechat: WeChatBot):
    await _officer_acknowledges_in_app(wechat)
    requests_before = len(wechat.fake.requests)

    claimed = await wechat.services.outbox.retry_due(utcnow() + timedelta(days=2))

    assert claimed == 0
    assert len(wechat.fake.requests) == requests_before
    statuses = await wechat.rows(select(Delivery.status).where(Delivery.target_kind == "chat"))
    assert statuses.count("skipped") == 1
    assert await wechat.rows(select(CaseEvent).where(CaseEvent.kind == "delivery_failed")) == []


async def test_update_without_url_uses_group_robot(with_group_robot: WeChatBot):
    await _officer_acknowledges_in_app(with_group_robot)

    notes = [p["markdown"]["content"] for p in with_group_robot.fake.sent("webhook/send")]
    assert len(notes) == 1
    assert "0001" in notes[0]
    assert len(texts_to(with_group_robot, "wangfang")) == 1


async def test_resident_history_hides_failed_sends(wechat: WeChatBot):
    await _officer_acknowledges_in_app(wechat)
    async with wechat.services.sessionmaker() as session, session.begin():
        case = (await session.scalars(select(Case))).one()
        session.add(
            CaseEvent(case_id=case.id, kind="delivery_failed", data={"platform": "wecom_aibot"}, at=utcnow())
        )

    await app_says(wechat, "wangfang", "查询 0001", "m-2")
    await app_says(wechat, "officer-wu", "查询 0001", "m-3")

    resident_view = texts_to(wechat, "wangfang")[-1]
    officer_view = texts_to(wechat, "officer-wu")[-1]
    assert "办理记录" in resident_view
    assert "消息发送失败" not in resident_view
    assert "消息发送失败" in officer_view


async def test_report_before_binding_registered(wechat: WeChatBot):
    await aibot_says(wechat, "a-1", "wangfang", "楼下垃圾没人清")

    await bound_aibot_group(wechat)

    [case] = await wechat.rows(select(Case))
    [reporter] = await wechat.rows(select(CaseReporter.member_id))
    [sender] = await wechat.rows(select(Identity.member_id).where(Identity.platform_user_id == "wangfang"))
    assert case.category
    assert reporter == sender
    hint, bound = aibot_answers(wechat)
    assert "绑定后会自动登记为工单" in hint
    # The bind command's own response_url is the only way into the group.
    assert bound.startswith("本群已绑定到“阳光花园”")
    assert "\n本群绑定小区前反映的问题已转为工单：\n" in bound
    assert "工单 0001" in bound
    assert "楼下垃圾没人清" in bound
    assert set(await wechat.rows(select(Delivery.status))) == {"sent"}
