"""Starting the archive adapter from settings, as the service does."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from bot.adapters.wecom_archive import WecomArchiveAdapter
from bot.settings import Settings
from handlers.errors import ConfigError
from models import ArchiveCursor, RawMessage
from tests.archive.fake_sdk import CORP, FakeArchive, new_key_pair, text
from tests.helpers import make_services


def write_key(folder: Path, name: str, key) -> Path:  # noqa: ANN001
    path = folder / name
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return path


def test_adapter_off_without_secret() -> None:
    settings = Settings(_env_file=None, wecom_corp_id=CORP)  # type: ignore[call-arg]

    reason = WecomArchiveAdapter().missing_settings(settings)

    assert reason == "missing WECOM_ARCHIVE_SECRET, WECOM_ARCHIVE_PRIVATE_KEYS"


async def test_adapter_polls_with_configured_keys(db_url: str, tmp_path: Path) -> None:
    key = new_key_pair()
    archive = FakeArchive(public_keys={3: key.public_key()})
    archive.add(text("m1", "wmResidentA", "今天天气不错"), version=3)
    services, _console = await make_services(
        db_url,
        wecom_corp_id=CORP,
        wecom_archive_secret="archive-secret",
        wecom_archive_private_keys={3: write_key(tmp_path, "v3.pem", key)},
        wecom_archive_media_dir=str(tmp_path / "media"),
        wecom_archive_poll_seconds=60,
    )
    adapter = WecomArchiveAdapter(sdk_factory=lambda _settings: archive)
    try:
        assert adapter.missing_settings(services.settings) is None
        await adapter.start(services, web.Application())
        async with asyncio.timeout(10):
            while True:
                async with services.sessionmaker() as session:
                    if await session.get(ArchiveCursor, CORP) is not None:
                        break
                await asyncio.sleep(0.01)
        await adapter.stop()
        async with services.sessionmaker() as session:
            ids = (await session.scalars(select(RawMessage.platform_message_id))).all()
    finally:
        await adapter.stop()
        await services.close()

    assert ids == ["m1"]


async def test_unreadable_key_file_named(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "v1.pem"
    bad.write_text("not a key")
    services, _console = await make_services(
        db_url, wecom_corp_id=CORP, wecom_archive_secret="s", wecom_archive_private_keys={1: bad}
    )
    try:
        with pytest.raises(ConfigError, match="WECOM_ARCHIVE_PRIVATE_KEYS 无效：版本 1 的私钥文件"):
            await WecomArchiveAdapter(sdk_factory=lambda _settings: FakeArchive({})).start(
                services, web.Application()
            )
    finally:
        await services.close()


def test_native_sdk_missing_names_extra() -> None:
    from importlib.util import find_spec

    from bot.adapters.wecom_archive.sdk import NativeArchiveSdk

    if find_spec("pywecomarchive") is not None:
        pytest.skip("pywecomarchive is installed here; this checks the message without it")

    with pytest.raises(ConfigError, match=r"compound-bot\[archive\]"):
        NativeArchiveSdk(CORP, "secret")
