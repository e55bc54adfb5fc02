"""How updates reach the bot: the webhook with its secret token, long polling, and start-up checks."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy.exc import OperationalError

from bot.adapters.telegram import TelegramAdapter
from bot.server import build_web_app
from bot.settings import Settings, load_settings
from handlers.errors import ConfigError
from models import RawMessage
from tests.helpers import make_services
from tests.telegram.conftest import start_harness, stop_harness
from tests.telegram.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotApi
from tests.telegram.updates import SUPERGROUP, group_message, update


async def wait_for_send(api: FakeBotApi, chat_id: int) -> list[str]:
    """Wait until the fake received a message for a chat; polling delivers in the background."""

    async def sent() -> list[str]:
        while not api.sent_to(chat_id):
            await asyncio.sleep(0.05)
        return api.sent_to(chat_id)

    return await asyncio.wait_for(sent(), timeout=20)


@pytest.mark.parametrize("secret", ["guessed", "s3cret-Token_for-tests-x", "s3cret-Token_for-test", ""])
async def test_webhook_rejects_wrong_secret(telegram, secret):
    # A bound group, so an update that got through would open a case and get a reply.
    await telegram.bind(SUPERGROUP)

    response = await telegram.deliver(update(group_message("3栋电梯坏了，困人了")), secret=secret)

    assert response.status == 401
    assert await telegram.count(RawMessage) == 0
    assert await telegram.cases() == []
    assert telegram.api.calls_of("sendMessage") == []


async def test_webhook_rejects_missing_secret(telegram):
    response = await telegram.client.post("/telegram/webhook", json=update(group_message("电梯坏了")))

    assert response.status == 401
    assert await telegram.count(RawMessage) == 0


@pytest.mark.parametrize("body", [b"not json", b'{"message": {}}', b"[1, 2]"])
async def test_webhook_rejects_malformed_body(telegram, body):
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_for-tests", "Content-Type": "application/json"}

    response = await telegram.client.post("/telegram/webhook", data=body, headers=headers)

    assert response.status == 400
    assert await telegram.count(RawMessage) == 0


async def test_webhook_failure_lets_telegram_retry(telegram, monkeypatch):
    await telegram.bind(SUPERGROUP)
    report = update(group_message("11栋电梯门夹人，太危险了"))
    pipeline = telegram.services.pipeline
    real_store = pipeline.store
    failures = []

    async def store_once_down(message):
        if not failures:
            failures.append(message.message_id)
            raise OperationalError("INSERT INTO raw_message", {}, ConnectionError("database restarting"))
        return await real_store(message)

    monkeypatch.setattr(pipeline, "store", store_once_down)

    first = await telegram.deliver(report)
    again = await telegram.deliver(report)

    assert first.status == 500
    assert again.status == 200
    assert len(await telegram.cases()) == 1
    assert len(telegram.api.sent_to(SUPERGROUP)) == 1


async def test_webhook_redelivery_processes_message_left_pending(telegram, monkeypatch):
    await telegram.bind(SUPERGROUP)
    report = update(group_message("12栋电梯停了，老人下不了楼"))
    pipeline = telegram.services.pipeline
    real_process = pipeline._process

    async def database_gone(*args, **kwargs):
        raise OperationalError("UPDATE raw_message", {}, ConnectionError("server closed the connection"))

    # The message is stored, then the database goes away before it is processed.
    monkeypatch.setattr(pipeline, "_process", database_gone)
    first = await telegram.deliver(report)
    monkeypatch.setattr(pipeline, "_process", real_process)
    again = await telegram.deliver(report)

    assert first.status == 500
    assert again.status == 200
    assert await telegram.count(RawMessage) == 1
    assert len(await telegram.cases()) == 1
    (receipt,) = telegram.api.sent_to(SUPERGROUP)
    assert "工单" in receipt


async def test_webhook_mode_sets_webhook(db_url):
    harness = await start_harness(db_url, telegram_webhook_url="https://bot.example.org/telegram/webhook")
    try:
        assert harness.api.webhook is not None
        assert harness.api.webhook["url"] == "https://bot.example.org/telegram/webhook"
        assert harness.api.webhook["secret_token"] == "s3cret-Token_for-tests"
        assert "my_chat_member" in harness.api.webhook["allowed_updates"]
        assert "edited_message" in harness.api.webhook["allowed_updates"]
    finally:
        await stop_harness(harness)


def test_plain_http_webhook_url_rejected():
    with pytest.raises(ConfigError, match="^TELEGRAM_WEBHOOK_URL=http://bot.example.org/telegram/webhook 无效"):
        load_settings(_env_file=None, telegram_webhook_url="http://bot.example.org/telegram/webhook")


async def test_rejected_webhook_url_stops_start(db_url):
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_URL=https://bot.invalid/telegram/webhook 无效"):
        await start_harness(db_url, telegram_webhook_url="https://bot.invalid/telegram/webhook")


async def test_polling_receives_and_replies(db_url):
    harness = await start_harness(db_url, mode="polling")
    try:
        await harness.bind(SUPERGROUP)

        await harness.api.push_update(update(group_message("2栋楼道里有人堆了很多纸箱，挡住了消防通道")))

        replies = await wait_for_send(harness.api, SUPERGROUP)
        assert len(replies) == 1
        assert len(await harness.cases()) == 1
        assert harness.api.calls_of("deleteWebhook")
        response = await harness.deliver(update(group_message("电梯坏了")))
        assert response.status == 404
    finally:
        await stop_harness(harness)


async def test_polling_keeps_update_until_database_is_back(db_url, monkeypatch):
    harness = await start_harness(db_url, mode="polling")
    try:
        await harness.bind(SUPERGROUP)
        pipeline = harness.services.pipeline
        real_store = pipeline.store
        attempts = []
        back = asyncio.Event()

        async def store_while_down(message):
            attempts.append(message.message_id)
            if not back.is_set():
                raise OperationalError("INSERT INTO raw_message", {}, ConnectionError("database restarting"))
            return await real_store(message)

        monkeypatch.setattr(pipeline, "store", store_while_down)
        report = update(group_message("8栋地下室进水了，水已经漫到配电箱"))
        await harness.api.push_update(report)

        async def failed_three_times() -> None:
            while len(attempts) < 3:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(failed_three_times(), timeout=20)
        # Still unconfirmed: no getUpdates call has moved past the update.
        offsets = [int(call.params.get("offset") or 0) for call in harness.api.calls_of("getUpdates")]
        assert max(offsets) <= report["update_id"]
        assert harness.waits[:2] == sorted(harness.waits[:2])
        assert all(wait >= 0.9 for wait in harness.waits)

        back.set()
        replies = await wait_for_send(harness.api, SUPERGROUP)

        assert len(replies) == 1
        assert len(await harness.cases()) == 1
        assert await harness.count(RawMessage) == 1
    finally:
        await stop_harness(harness)


async def test_polling_skips_update_with_bug(db_url, monkeypatch):
    harness = await start_harness(db_url, mode="polling")
    try:
        await harness.bind(SUPERGROUP)
        pipeline = harness.services.pipeline
        real_store = pipeline.store
        broken = group_message("这条消息让处理出错")

        async def store_or_fail(message):
            if message.message_id.endswith(f":{broken['message_id']}"):
                raise ValueError("a bug in handling, not the database")
            return await real_store(message)

        monkeypatch.setattr(pipeline, "store", store_or_fail)
        await harness.api.push_update(update(broken))
        await harness.api.push_update(update(group_message("5栋门禁坏了，刷卡进不去")))

        replies = await wait_for_send(harness.api, SUPERGROUP)

        assert len(replies) == 1
        assert len(await harness.cases()) == 1
        assert harness.waits == []
    finally:
        await stop_harness(harness)


async def test_failed_menu_registration_not_fatal(db_url, caplog):
    api = FakeBotApi()
    await api.start()
    api.fail_next("setMyCommands", 400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    caplog.set_level(logging.ERROR, logger="bot.telegram")

    harness = await start_harness(db_url, api=api)
    try:
        await harness.bind(SUPERGROUP)
        await harness.deliver(update(group_message("/help")))

        assert len(harness.api.sent_to(SUPERGROUP)) == 1
        assert any("setMyCommands failed" in r.getMessage() for r in caplog.records)
    finally:
        await stop_harness(harness)


async def test_failed_polling_setup_retried(db_url):
    api = FakeBotApi()
    await api.start()
    api.fail_next("deleteWebhook", 502, "Bad Gateway")

    harness = await start_harness(db_url, mode="polling", api=api)
    try:

        async def polling() -> None:
            while not api.calls_of("getUpdates"):
                await asyncio.sleep(0.05)

        await asyncio.wait_for(polling(), timeout=20)
        assert len(api.calls_of("deleteWebhook")) == 2
    finally:
        await stop_harness(harness)


async def test_privacy_mode_warned_at_start(db_url, caplog):
    caplog.set_level(logging.WARNING, logger="bot.telegram")

    harness = await start_harness(db_url)
    await stop_harness(harness)

    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.telegram"]
    assert any("privacy mode is on" in w and "/setprivacy" in w for w in warnings)


async def test_stop_lets_message_in_progress_finish(db_url, monkeypatch):
    harness = await start_harness(db_url, mode="polling")
    stopped = False
    try:
        await harness.bind(SUPERGROUP)
        pipeline = harness.services.pipeline
        real_handle = pipeline.handle
        entered = asyncio.Event()
        release = asyncio.Event()

        async def slow_handle(message, **kwargs):
            entered.set()
            await release.wait()
            return await real_handle(message, **kwargs)

        monkeypatch.setattr(pipeline, "handle", slow_handle)
        await harness.api.push_update(update(group_message("13栋的消防栓被人拆走了")))
        await asyncio.wait_for(entered.wait(), timeout=20)

        stopping = asyncio.create_task(harness.adapter.stop())

        async def poller_stopped() -> None:
            while harness.adapter._poller is not None:
                await asyncio.sleep(0.01)

        # Stopping the poller cancels the update's handler; the pipeline work goes on.
        await asyncio.wait_for(poller_stopped(), timeout=20)
        release.set()
        await asyncio.wait_for(stopping, timeout=20)
        stopped = True

        assert len(await harness.cases()) == 1
        assert len(harness.api.sent_to(SUPERGROUP)) == 1
    finally:
        if not stopped:
            await harness.adapter.stop()
        await harness.client.close()
        await harness.api.close()
        await harness.services.close()


def test_off_without_token():
    settings = Settings(_env_file=None)

    assert "TELEGRAM_BOT_TOKEN" in (TelegramAdapter().missing_settings(settings) or "")


def test_webhook_mode_needs_secret():
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, telegram_mode="webhook")

    problem = TelegramAdapter().incomplete_settings(settings) or ""
    assert problem.startswith("Telegram 的配置不完整：TELEGRAM_MODE=webhook 时还需要 TELEGRAM_WEBHOOK_SECRET")


async def test_webhook_without_secret_not_registered(db_url):
    # Reached only by a caller that skips the start checks: the route must not
    # open with an empty secret, which a request without the header matches.
    services, _console = await make_services(db_url, telegram_bot_token=TOKEN, telegram_mode="webhook")
    try:
        with pytest.raises(ValueError, match="the webhook needs a secret token"):
            await TelegramAdapter().start(services, build_web_app(services))
    finally:
        await services.close()


async def test_polling_mode_needs_no_secret():
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, telegram_mode="polling")

    assert TelegramAdapter().missing_settings(settings) is None


async def test_rejected_token_stops_start(db_url):
    api = FakeBotApi()
    await api.start()
    api.unauthorized = True
    services, _console = await make_services(db_url, telegram_bot_token=TOKEN, telegram_api_base_url=api.base_url)
    adapter = TelegramAdapter()
    try:
        with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
            await adapter.start(services, build_web_app(services))
    finally:
        await adapter.stop()
        await services.close()
        await api.close()


async def test_malformed_token_stops_start(db_url):
    services, _console = await make_services(db_url, telegram_bot_token="not-a-token")
    try:
        with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
            await TelegramAdapter().start(services, build_web_app(services))
    finally:
        await services.close()


def test_malformed_webhook_secret_stops_start():
    # The settings reject it, so the service stops before it opens the database.
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET 无效") as error:
        load_settings(
            telegram_bot_token=TOKEN, telegram_mode="webhook", telegram_webhook_secret="has spaces!", _env_file=None
        )

    assert "has spaces" not in str(error.value)


async def test_unreachable_api_connects_later(db_url):
    # Nothing listens on the port at first, as when the Bot API is blocked.
    probe = TestServer(web.Application(), host="127.0.0.1")
    await probe.start_server()
    port = probe.port
    await probe.close()
    api = FakeBotApi()
    services, _console = await make_services(
        db_url, telegram_bot_token=TOKEN, telegram_api_base_url=f"http://127.0.0.1:{port}"
    )
    adapter = TelegramAdapter(polling_timeout=1)
    try:
        await adapter.start(services, build_web_app(services))

        assert services.outbox.adapter("telegram") is adapter.outbound
        assert services.commands.bot_username is None

        await api.start(port=port)

        async def connected() -> None:
            while services.commands.bot_username is None or not api.calls_of("getUpdates"):
                await asyncio.sleep(0.05)

        await asyncio.wait_for(connected(), timeout=20)
        assert services.commands.bot_username == BOT_USERNAME
        assert api.commands
    finally:
        await adapter.stop()
        await services.close()
        await api.close()
