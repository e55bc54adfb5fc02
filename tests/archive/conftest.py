"""Fixtures for the archive poller: real services and database, a fake archive behind the SDK seam."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleOutbound
from bot.adapters.wecom_archive.adapter import ArchiveOutbound
from bot.adapters.wecom_archive.keys import PrivateKeys
from bot.adapters.wecom_archive.media import MediaStore
from bot.adapters.wecom_archive.poller import ArchivePoller
from bot.adapters.wecom_archive.records import PLATFORM
from bot.services import Services
from handlers.directory import bind_chat, chat_for, create_compound, member_for
from models import Compound, PartyKind, Role, RoleKind
from tests.archive.fake_sdk import CORP, ROOM, FakeArchive, new_key_pair
from tests.helpers import T0, make_services

OFFICER_ID = "officer-li"


@dataclass
class ArchiveWorld:
    services: Services
    console: ConsoleOutbound
    archive: FakeArchive
    keys: PrivateKeys
    compound: Compound
    media_dir: Path

    def poller(self, *, include_private: bool = False, batch_size: int = 100) -> ArchivePoller:
        """A new poller, as after a restart of the process."""
        return ArchivePoller(
            self.archive,
            self.keys,
            self.services.pipeline,
            MediaStore(self.media_dir, max_bytes=1024 * 1024),
            corp_id=CORP,
            batch_size=batch_size,
            include_private=include_private,
        )


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[ArchiveWorld]:
    services, console = await make_services(db_url)
    services.outbox.register(ArchiveOutbound(services.outbox, services.sessionmaker))
    private_key = new_key_pair()
    archive = FakeArchive(public_keys={1: private_key.public_key()})
    async with services.sessionmaker() as session, session.begin():
        compound = await create_compound(session, "阳光花园")
        chat = await chat_for(session, PLATFORM, ROOM, title="阳光花园业主群")
        await bind_chat(session, chat, compound, T0)
        officer = await member_for(session, "test", OFFICER_ID, "李专员")
        branch = compound.party(PartyKind.PARTY)
        assert branch is not None
        session.add(
            Role(member_id=officer.id, role=RoleKind.LIAISON_OFFICER, compound_id=compound.id, party_id=branch.id)
        )
    try:
        yield ArchiveWorld(services, console, archive, PrivateKeys({1: private_key}), compound, tmp_path / "media")
    finally:
        await services.close()
