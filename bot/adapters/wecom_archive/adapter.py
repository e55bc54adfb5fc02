"""The session-archive adapter as the service starts and stops it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.completeness import incomplete
from bot.adapters.wecom_archive.keys import PrivateKeys
from bot.adapters.wecom_archive.media import MediaStore
from bot.adapters.wecom_archive.poller import ArchivePoller
from bot.adapters.wecom_archive.records import PLATFORM
from bot.adapters.wecom_archive.sdk import ArchiveSdk, NativeArchiveSdk
from bot.adapters.wecom_archive.store import WECOM_APP_PLATFORM
from bot.services import Services
from bot.settings import Settings
from handlers.directory import linked_platforms
from handlers.errors import PlatformError
from handlers.messages import ChatTarget, UserTarget
from handlers.outbox import Outbox

log = logging.getLogger("bot.wecom_archive")


def native_sdk(settings: Settings) -> ArchiveSdk:
    return NativeArchiveSdk(
        settings.wecom_corp_id,
        settings.wecom_archive_secret.get_secret_value(),
        timeout_seconds=settings.wecom_archive_timeout_seconds,
        library_path=settings.wecom_archive_sdk_library,
    )


class ArchiveOutbound:
    """Replies for archived chats, which the archive itself cannot send.

    Customer groups accept only mass sends that the group owner confirms, so
    a group reply fails and is recorded on its case. Archive user ids of staff
    are the corp's own user ids, so a staff member is reached through the
    WeCom app adapter when one runs, and the delivery counts as sent only
    when the app accepted it.
    """

    platform = PLATFORM

    def __init__(self, outbox: Outbox, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._outbox = outbox
        self._sessionmaker = sessionmaker

    async def send(self, target: ChatTarget | UserTarget, text: str, *, reply_to: str | None = None) -> None:
        app = self._outbox.adapter(WECOM_APP_PLATFORM)
        if isinstance(target, UserTarget) and app is not None and await self._is_member(target.user_id):
            # The outbox drops this copy when the same text also goes to the
            # member's app account, so sending it here reaches them once.
            await app.send(UserTarget(WECOM_APP_PLATFORM, target.user_id), text)
            return
        msg = (
            "archived chats are read-only: WeCom customer groups accept no bot messages, "
            "so this reply must be posted by the liaison officer"
        )
        raise PlatformError(msg)

    async def _is_member(self, user_id: str) -> bool:
        async with self._sessionmaker() as session:
            return bool(await linked_platforms(session, PLATFORM, user_id))


class WecomArchiveAdapter:
    """Polls the session archive in the background and feeds the pipeline."""

    name = PLATFORM

    def __init__(self, sdk_factory: Callable[[Settings], ArchiveSdk] = native_sdk) -> None:
        self._sdk_factory = sdk_factory
        self._sdk: ArchiveSdk | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.poller: ArchivePoller | None = None

    def incomplete_settings(self, settings: Settings) -> str | None:
        """Describe what a partly configured session archive lacks, in Chinese, else None."""
        return incomplete(
            "企业微信会话内容存档",
            settings,
            ("wecom_archive_secret", "wecom_archive_private_keys"),
            ("wecom_corp_id", "wecom_archive_secret", "wecom_archive_private_keys"),
        )

    def missing_settings(self, settings: Settings) -> str | None:
        missing = [
            name
            for name, value in (
                ("WECOM_CORP_ID", settings.wecom_corp_id),
                ("WECOM_ARCHIVE_SECRET", settings.wecom_archive_secret.get_secret_value()),
                ("WECOM_ARCHIVE_PRIVATE_KEYS", settings.wecom_archive_private_keys),
            )
            if not value
        ]
        return f"missing {', '.join(missing)}" if missing else None

    async def start(self, services: Services, app: web.Application) -> None:
        settings = services.settings
        keys = PrivateKeys.from_files(settings.wecom_archive_private_keys)
        self._sdk = self._sdk_factory(settings)
        media_dir = Path(settings.wecom_archive_media_dir or settings.data_dir / "media" / PLATFORM)
        self.poller = ArchivePoller(
            self._sdk,
            keys,
            services.pipeline,
            MediaStore(media_dir, settings.wecom_archive_media_max_bytes),
            corp_id=settings.wecom_corp_id,
            batch_size=settings.wecom_archive_batch_size,
            interval_seconds=settings.wecom_archive_poll_seconds,
            include_private=settings.wecom_archive_include_private,
        )
        services.outbox.register(ArchiveOutbound(services.outbox, services.sessionmaker))
        self._stop.clear()
        self._task = asyncio.create_task(self.poller.run(self._stop), name="wecom-archive-poller")
        log.info(
            "archive poller started: corp=%s key_versions=%s interval=%ss",
            settings.wecom_corp_id,
            keys.versions,
            settings.wecom_archive_poll_seconds,
        )

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            # A batch in flight finishes its transaction before the task ends.
            await asyncio.shield(self._task)
            self._task = None
        close = getattr(self._sdk, "close", None)
        if callable(close):
            close()
        log.info("archive poller stopped")
