"""One notice per person when an officer is known on both WeCom routes."""

from __future__ import annotations

import io

from bot.adapters.console import ConsoleOutbound
from bot.admin import grant
from handlers.directory import member_for
from handlers.messages import PartyTarget, Reply, UserTarget
from handlers.outbox import Outbox
from models import PartyKind, RoleKind
from tests.helpers import make_compound, make_services


async def _property_party(db_url: str):  # noqa: ANN202
    services, _console = await make_services(db_url)
    compound = await make_compound(services)
    async with services.sessionmaker() as session, session.begin():
        for platform, user_id in (("wecom", "zhangwei"), ("wecom_aibot", "lisi")):
            await grant(
                session,
                RoleKind.PROPERTY_MANAGER,
                platform=platform,
                user_id=user_id,
                compound_code=compound.code,
            )
        # Both WeCom routes name zhangwei by the same user id, so he is one
        # member with an account on each.
        await member_for(session, "wecom_aibot", "zhangwei")
    party = compound.party(PartyKind.PROPERTY)
    return services, PartyTarget(party.id, party.name)


def _recorders(*platforms: str) -> dict[str, ConsoleOutbound]:
    return {platform: ConsoleOutbound(io.StringIO(), platform=platform, quiet=True) for platform in platforms}


async def test_app_copy_kept_aibot_copy_dropped(db_url):
    services, target = await _property_party(db_url)
    adapters = _recorders("wecom", "wecom_aibot")
    outbox = Outbox(services.sessionmaker, adapters.values())

    await outbox.deliver([Reply(target, "工单 0001 待受理")])

    assert adapters["wecom"].sent == [(UserTarget("wecom", "zhangwei"), "工单 0001 待受理")]
    assert adapters["wecom_aibot"].sent == [(UserTarget("wecom_aibot", "lisi"), "工单 0001 待受理")]


async def test_aibot_used_when_app_not_running(db_url):
    services, target = await _property_party(db_url)
    adapters = _recorders("wecom_aibot")
    outbox = Outbox(services.sessionmaker, adapters.values())

    await outbox.deliver([Reply(target, "工单 0001 待受理")])

    assert sorted(t.user_id for t, _ in adapters["wecom_aibot"].sent) == ["lisi", "zhangwei"]


async def test_different_texts_both_sent(db_url):
    services, _target = await _property_party(db_url)
    adapters = _recorders("wecom", "wecom_aibot")
    outbox = Outbox(services.sessionmaker, adapters.values())

    await outbox.deliver(
        [
            Reply(UserTarget("wecom", "zhangwei"), "工单 0001 待受理"),
            Reply(UserTarget("wecom_aibot", "zhangwei"), "工单 0002 待受理"),
        ]
    )

    assert [text for _, text in adapters["wecom"].sent] == ["工单 0001 待受理"]
    assert [text for _, text in adapters["wecom_aibot"].sent] == ["工单 0002 待受理"]
