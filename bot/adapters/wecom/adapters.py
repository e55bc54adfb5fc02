"""The WeChat adapters as the service starts them: one per route, each with its settings."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
from aiohttp import web
from sqlalchemy import select

from bot.adapters.completeness import incomplete
from bot.adapters.wecom.api import (
    DEFAULT_BACKOFF_SECONDS,
    ApiTransport,
    TokenApi,
    WebhookApi,
    mp_token,
    wecom_token,
)
from bot.adapters.wecom.crypto import CallbackCrypto
from bot.adapters.wecom.guard import NonceRegistry
from bot.adapters.wecom.ingest import BackgroundTasks, Ingestor
from bot.adapters.wecom.limits import MEMBER_PER_MINUTE, WEBHOOK_PER_MINUTE, SlidingWindowLimiter
from bot.adapters.wecom.outbound import (
    AibotOutbound,
    OfficialAccountOutbound,
    ResponseUrls,
    WebhookOutbound,
    WeComAppOutbound,
)
from bot.adapters.wecom.transport import (
    PATH_AIBOT,
    PATH_APP,
    PATH_MP,
    CallbackSecurity,
    EncryptedCallback,
    EncryptedEcho,
    OfficialAccountCallback,
    OfficialAccountEcho,
    aibot_parser,
    app_parser,
    guarded,
)
from bot.services import Services
from bot.settings import Settings
from models import Identity, Role

log = logging.getLogger("bot.wecom")


class _WeChatAdapter:
    """Base of the WeChat adapters: an HTTP session, background tasks and test seams.

    Args:
        backoff: Seconds to wait before each retry of a rate-limited or failed send.
        sleep: The coroutine that waits; tests pass one that returns at once.
        clock: Wall-clock seconds for the callback timestamp window.
        monotonic: Seconds for rate-limit windows; tests advance it in `sleep`.
    """

    name = ""
    # The route as operators know it, for configuration errors.
    label = ""
    # Settings the route needs, and the ones only it uses. Filling any of
    # those requests the route, so a missing required one stops the start.
    required: tuple[str, ...] = ()
    own: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        backoff: Sequence[float] = DEFAULT_BACKOFF_SECONDS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backoff = tuple(backoff)
        self.sleep = sleep
        self.clock = clock
        self.monotonic = monotonic
        self.tasks = BackgroundTasks()
        self.session: aiohttp.ClientSession | None = None

    def incomplete_settings(self, settings: Settings) -> str | None:
        """Describe the missing settings of a route that is partly configured, else None."""
        return incomplete(self.label, settings, self.own, self.required)

    def _transport(self) -> ApiTransport:
        self.session = aiohttp.ClientSession()
        return ApiTransport(self.session, backoff=self.backoff, sleep=self.sleep)

    def _ingestor(self, services: Services) -> Ingestor:
        return Ingestor(
            services.pipeline,
            self.tasks,
            store_sessionmaker=services.quick_sessionmaker,
            store_timeout=services.settings.callback_store_timeout_seconds,
        )

    def _security(self, services: Services, crypto: CallbackCrypto) -> CallbackSecurity:
        return CallbackSecurity(
            crypto, NonceRegistry(self.clock), services.settings.http_max_body_bytes, self.clock
        )

    async def stop(self) -> None:
        await self.tasks.close()
        if self.session is not None:
            await self.session.close()
            self.session = None


def _missing(settings: Settings, names: Sequence[str]) -> str | None:
    missing = []
    for name in names:
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        if not value:
            missing.append(name.upper())
    return f"missing {', '.join(missing)}" if missing else None


class WeComAppAdapter(_WeChatAdapter):
    """WeCom self-built app: member messages in, app messages and app group chats out."""

    name = "wecom"
    label = "企业微信自建应用"
    required = ("wecom_corp_id", "wecom_agent_id", "wecom_secret", "wecom_token", "wecom_aes_key")
    # WECOM_CORP_ID is left out because the session archive uses it too.
    own = ("wecom_agent_id", "wecom_secret", "wecom_token", "wecom_aes_key")

    def missing_settings(self, settings: Settings) -> str | None:
        return _missing(settings, self.required)

    async def start(self, services: Services, app: web.Application) -> None:
        settings = services.settings
        crypto = CallbackCrypto(
            settings.wecom_token.get_secret_value(),
            settings.wecom_aes_key.get_secret_value(),
            settings.wecom_corp_id,
        )
        security = self._security(services, crypto)
        account = f"{settings.wecom_corp_id}:{settings.wecom_agent_id}"
        ingestor = self._ingestor(services)
        app.router.add_get(PATH_APP, guarded("wecom", EncryptedEcho(security)))
        app.router.add_post(
            PATH_APP,
            guarded(
                "wecom",
                EncryptedCallback(security, ingestor, app_parser(account), json_envelope=False),
            ),
        )

        transport = self._transport()
        token = wecom_token(
            transport,
            settings.wecom_api_base_url,
            settings.wecom_corp_id,
            settings.wecom_secret.get_secret_value(),
        )
        self.outbound = WeComAppOutbound(
            TokenApi(transport, settings.wecom_api_base_url, token),
            int(settings.wecom_agent_id),
            services.sessionmaker,
            SlidingWindowLimiter(MEMBER_PER_MINUTE, clock=self.monotonic, sleep=self.sleep),
        )
        services.outbox.register(self.outbound)


class WeComAibotAdapter(_WeChatAdapter):
    """WeCom AI bot (智能机器人): group @mentions and one-to-one chats, replies by response_url."""

    name = "wecom_aibot"
    label = "企业微信智能机器人（回调模式）"
    required = ("wecom_aibot_token", "wecom_aibot_aes_key")
    own = required

    def missing_settings(self, settings: Settings) -> str | None:
        # In long-connection mode the WebSocket adapter owns the AI bot.
        if settings.wecom_aibot_mode != "callback":
            return "WECOM_AIBOT_MODE is not callback"
        return _missing(settings, self.required)

    def incomplete_settings(self, settings: Settings) -> str | None:
        # Callback settings left over in long-connection mode are unused, not wrong.
        if settings.wecom_aibot_mode != "callback":
            return None
        return super().incomplete_settings(settings)

    async def start(self, services: Services, app: web.Application) -> None:
        settings = services.settings
        # The AI bot's receive id is empty: it belongs to no corp or app id.
        crypto = CallbackCrypto(
            settings.wecom_aibot_token.get_secret_value(),
            settings.wecom_aibot_aes_key.get_secret_value(),
            "",
        )
        security = self._security(services, crypto)
        urls = ResponseUrls()
        ingestor = self._ingestor(services)
        app.router.add_get(PATH_AIBOT, guarded("wecom_aibot", EncryptedEcho(security)))
        app.router.add_post(
            PATH_AIBOT,
            guarded(
                "wecom_aibot",
                EncryptedCallback(security, ingestor, aibot_parser(urls), json_envelope=True),
            ),
        )

        app_outbound = services.outbox.adapter("wecom")
        def webhook() -> WebhookOutbound | None:
            robots = services.outbox.adapter("wecom_webhook")
            return robots if isinstance(robots, WebhookOutbound) else None

        self.outbound = AibotOutbound(
            self._transport(),
            urls,
            app_outbound if isinstance(app_outbound, WeComAppOutbound) else None,
            group_robots=settings.aibot_group_robots,
            webhook=webhook,
            sessionmaker=services.sessionmaker,
        )
        services.outbox.register(self.outbound)


class OfficialAccountAdapter(_WeChatAdapter):
    """WeChat Official Account (公众号): one-to-one chats, replies as customer-service messages."""

    name = "wechat_mp"
    label = "微信公众号"
    required = ("wechat_mp_app_id", "wechat_mp_secret", "wechat_mp_token")
    own = (*required, "wechat_mp_aes_key")

    def missing_settings(self, settings: Settings) -> str | None:
        return _missing(settings, self.required)

    async def start(self, services: Services, app: web.Application) -> None:
        settings = services.settings
        # Without an EncodingAESKey the account runs in plain mode.
        crypto = CallbackCrypto(
            settings.wechat_mp_token.get_secret_value(),
            settings.wechat_mp_aes_key.get_secret_value(),
            settings.wechat_mp_app_id,
        )
        security = self._security(services, crypto)
        ingestor = self._ingestor(services)
        app.router.add_get(PATH_MP, guarded("wechat_mp", OfficialAccountEcho(security)))
        app.router.add_post(
            PATH_MP,
            guarded(
                "wechat_mp", OfficialAccountCallback(security, ingestor, settings.wechat_mp_app_id)
            ),
        )

        transport = self._transport()
        token = mp_token(
            transport,
            settings.wechat_mp_api_base_url,
            settings.wechat_mp_app_id,
            settings.wechat_mp_secret.get_secret_value(),
        )
        self.outbound = OfficialAccountOutbound(
            TokenApi(transport, settings.wechat_mp_api_base_url, token)
        )
        services.outbox.register(self.outbound)


class WeComWebhookAdapter(_WeChatAdapter):
    """Group robots of WeCom staff groups: send only, 20 messages a minute each.

    A robot receives the notices of the roles granted to it with
    `grant ROLE --platform wecom_webhook --user NAME`.
    """

    name = "wecom_webhook"
    label = "企业微信群机器人"
    required = ("wecom_webhook_keys",)
    own = required

    def missing_settings(self, settings: Settings) -> str | None:
        return _missing(settings, self.required)

    async def start(self, services: Services, app: web.Application) -> None:
        settings = services.settings
        limiter = SlidingWindowLimiter(WEBHOOK_PER_MINUTE, clock=self.monotonic, sleep=self.sleep)
        api = WebhookApi(
            self._transport(), settings.wecom_api_base_url, settings.webhook_keys, limiter
        )
        self.outbound = WebhookOutbound(api)
        services.outbox.register(self.outbound)
        await self._warn_unlinked(services)

    async def _warn_unlinked(self, services: Services) -> None:
        """Log robots that hold roles but have no key, and keys of robots without a role."""
        async with services.sessionmaker() as session:
            granted = set(
                await session.scalars(
                    select(Identity.platform_user_id)
                    .join(Role, Role.member_id == Identity.member_id)
                    .where(Identity.platform == self.name)
                    .distinct()
                )
            )
        configured = set(services.settings.webhook_keys)
        for robot in sorted(granted - configured):
            log.warning(
                "group robot %r has roles but is not in WECOM_WEBHOOK_KEYS; its notices will fail", robot
            )
        for robot in sorted(configured - granted):
            log.warning(
                "group robot %r has no role, so it receives nothing; "
                "grant one with: python -m bot grant ROLE --platform wecom_webhook --user %s ...",
                robot,
                robot,
            )


def wechat_adapters() -> list[_WeChatAdapter]:
    """Return the WeChat adapters in start order: the AI bot reuses the app's sender."""
    return [WeComAppAdapter(), WeComAibotAdapter(), OfficialAccountAdapter(), WeComWebhookAdapter()]
