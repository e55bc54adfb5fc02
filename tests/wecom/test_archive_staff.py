"""Staff whose corp user id starts like an external one, and replies to archive reporters, with the app running."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapters.wecom_archive.adapter import ArchiveOutbound
from bot.adapters.wecom_archive.keys import PrivateKeys
from bot.adapters.wecom_archive.media import MediaStore
from bot.adapters.wecom_archive.poller import ArchivePoller
from handlers.commands.common import told_phrase
from handlers.directory import bind_chat, chat_for, create_compound, member_for
from models import ChatGroup, Delivery, Identity, PartyKind, Role, RoleKind
from tests.archive.fake_sdk import ROOM, FakeArchive, new_key_pair, text
from tests.wecom.conftest import CORP_ID, WeChatBot
from tests.wecom.test_callbacks import app_says, texts_to

OFFICER = "officer-li"
MANAGER = "manager-wang"
# Shaped like the external_userids WeCom generates: a prefix and 30 more characters.
RESIDENT = "wmQ3kTBwAAx5Jf0cZ2mNf8LqW1sVyR0A"
LIFT = "3栋电梯坏了，停在5楼不动"


@dataclass
class Archive:
    remote: FakeArchive
    poller: ArchivePoller
    compound_id: int
    count: int = 0

    async def says(self, sender: str, content: str, *, room: str = ROOM) -> None:
        """Add a record from `sender` in a customer group, as WeCom archives it, and poll once."""
        self.count += 1
        msgtime = int(datetime.now(UTC).timestamp() * 1000)
        self.remote.add(text(f"arc-{self.count}", sender, content, room=room, msgtime=msgtime))
        await self.poller.poll_once()


@pytest.fixture
async def archive(wechat: WeChatBot, tmp_path: Path) -> Archive:
    """The archive poller on the bot's services, a bound customer group, a liaison officer and a property manager."""
    services = wechat.services
    services.outbox.register(ArchiveOutbound(services.outbox, services.sessionmaker))
    key = new_key_pair()
    remote = FakeArchive(public_keys={1: key.public_key()})
    poller = ArchivePoller(
        remote, PrivateKeys({1: key}), services.pipeline, MediaStore(tmp_path / "media", 1 << 20), corp_id=CORP_ID
    )
    async with services.sessionmaker() as session, session.begin():
        compound = await create_compound(session, "阳光花园", "XQ0001")
        chat = await chat_for(session, "wecom_archive", ROOM, title="阳光花园业主群")
        await bind_chat(session, chat, compound, datetime.now(UTC))
        branch = compound.party(PartyKind.PARTY)
        assert branch is not None
        officer = await member_for(session, "wecom", OFFICER, "李专员")
        session.add(
            Role(member_id=officer.id, role=RoleKind.LIAISON_OFFICER, compound_id=compound.id, party_id=branch.id)
        )
        manager = await member_for(session, "wecom", MANAGER, "王经理")
        session.add(Role(member_id=manager.id, role=RoleKind.PROPERTY_MANAGER, compound_id=compound.id))
    return Archive(remote, poller, compound.id)


async def members_of(wechat: WeChatBot, user_id: str) -> dict[str, int]:
    rows = await wechat.rows(select(Identity).where(Identity.platform_user_id == user_id))
    return {row.platform: row.member_id for row in rows}


async def deliveries_to(wechat: WeChatBot, user_id: str) -> list[Any]:
    return await wechat.rows(select(Delivery).where(Delivery.target_id == user_id))


async def test_wolf_binds_group_from_archive(wechat: WeChatBot, archive: Archive):
    async with wechat.services.sessionmaker() as session, session.begin():
        wolf = await member_for(session, "wecom", "wolf", "吴专员")
        session.add(Role(member_id=wolf.id, role=RoleKind.LIAISON_OFFICER, compound_id=archive.compound_id))

    await archive.says("wolf", "绑定 XQ0001", room="wrSecondGroup")

    [compound_id] = await wechat.rows(select(ChatGroup.compound_id).where(ChatGroup.chat_id == "wrSecondGroup"))
    assert compound_id == archive.compound_id
    members = await members_of(wechat, "wolf")
    assert members["wecom_archive"] == members["wecom"]


async def test_short_archive_id_merged_on_app_message(wechat: WeChatBot, archive: Archive):
    await archive.says("wmz", "东门的路灯不亮了")
    assert set(await members_of(wechat, "wmz")) == {"wecom_archive"}

    await app_says(wechat, "wmz", "你好", "m-1")

    members = await members_of(wechat, "wmz")
    assert set(members) == {"wecom", "wecom_archive"}
    assert members["wecom"] == members["wecom_archive"]


async def test_generated_external_id_stays_apart(wechat: WeChatBot, archive: Archive):
    async with wechat.services.sessionmaker() as session, session.begin():
        await member_for(session, "wecom", RESIDENT, "")

    await archive.says(RESIDENT, LIFT)

    members = await members_of(wechat, RESIDENT)
    assert members["wecom"] != members["wecom_archive"]


@pytest.mark.parametrize("staff", ["zhangsan", "wolf"])
async def test_archive_reporter_reached_through_app(wechat: WeChatBot, archive: Archive, staff: str):
    async with wechat.services.sessionmaker() as session, session.begin():
        await member_for(session, "wecom", staff, "吴师傅")
    await archive.says(staff, LIFT)

    await app_says(wechat, MANAGER, "受理 0001", "m-1")

    received = texts_to(wechat, staff)
    assert len(received) == 1
    assert "工单 0001" in received[0]
    [delivery] = await deliveries_to(wechat, staff)
    assert delivery.platform == "wecom_archive"
    assert delivery.status == "sent"


async def test_app_rejection_recorded_as_failure(wechat: WeChatBot, archive: Archive):
    async with wechat.services.sessionmaker() as session, session.begin():
        await member_for(session, "wecom", "zhangsan", "张师傅")
    await archive.says("zhangsan", LIFT)
    wechat.fake.fail("message/send", 60111, touser="zhangsan")

    await app_says(wechat, MANAGER, "受理 0001", "m-1")

    [delivery] = await deliveries_to(wechat, "zhangsan")
    assert delivery.status == "failed"
    assert "60111" in (delivery.last_error or "")


async def test_confirmation_counts_unreachable_resident(wechat: WeChatBot, archive: Archive):
    async with wechat.services.sessionmaker() as session, session.begin():
        await member_for(session, "wecom", "wolf", "吴师傅")
    await archive.says("wolf", LIFT)
    await archive.says(RESIDENT, "3栋电梯又坏了，停在5楼")
    await app_says(wechat, MANAGER, "受理 0001", "m-1")

    await app_says(wechat, MANAGER, "无法解决 0001 需业主大会表决动用维修基金", "m-2")

    confirmation = texts_to(wechat, MANAGER)[-1]
    assert confirmation == (
        "工单 0001 已标记为无法解决。原因已告知1位反映人，另有1位没有可联系的账号，请人工告知。"
    )
    received = [t for t in texts_to(wechat, "wolf") if "暂无法解决" in t]
    assert len(received) == 1
    statuses = {d.status for d in await deliveries_to(wechat, RESIDENT)}
    assert statuses == {"failed"}
    failures = [t for t in texts_to(wechat, OFFICER) if t.startswith("【发送失败】")]
    assert failures
    assert all("未能通过企业微信会话内容存档送达" in t for t in failures)


async def test_officer_hears_of_archive_resident_once(wechat: WeChatBot, archive: Archive):
    async with wechat.services.sessionmaker() as session, session.begin():
        await member_for(session, "wecom", "wolf", "吴师傅")
    await archive.says("wolf", LIFT)
    await archive.says(RESIDENT, "3栋电梯又坏了，停在5楼")
    await app_says(wechat, MANAGER, "受理 0001", "m-1")
    before = len(texts_to(wechat, OFFICER))

    await app_says(wechat, OFFICER, "无法解决 0001 需业主大会表决动用维修基金", "m-2")

    received = texts_to(wechat, OFFICER)[before:]
    (confirmation,) = [t for t in received if t.startswith("工单 0001 已标记为无法解决")]
    # The failure notice names the archive resident, so the confirmation does not count them again.
    assert confirmation == "工单 0001 已标记为无法解决。原因已告知1位反映人。"
    (failure,) = [t for t in received if t.startswith("【发送失败】")]
    assert "发给一位反映人的消息未能通过企业微信会话内容存档送达" in failure
    assert "请人工联系该反映人" in failure
    assert not [t for t in received if "请人工告知" in t]


@pytest.mark.parametrize(
    ("sent", "unreachable", "named_later", "expected"),
    [
        (2, 0, 0, "原因已告知反映人。"),
        (2, 0, 1, "原因已告知2位反映人。"),
        (0, 0, 1, ""),
        (1, 1, 1, "原因已告知1位反映人，另有1位没有可联系的账号，请人工告知。"),
        (0, 1, 1, "反映人没有可联系的账号，请人工告知原因。"),
    ],
)
def test_told_phrase_counts(sent: int, unreachable: int, named_later: int, expected: str):
    assert told_phrase("原因", sent, unreachable, named_later=named_later) == expected
