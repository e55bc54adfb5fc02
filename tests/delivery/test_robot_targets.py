"""A group robot holding an officer's role gets case notices but never register notices."""

from __future__ import annotations

from bot.admin import grant
from handlers.messages import UserTarget
from handlers.register_notices import keeper_targets
from models import RoleKind
from tests.helpers import make_compound, make_services


async def test_register_notices_skip_group_robot(db_url):
    services, _console = await make_services(db_url)
    compound = await make_compound(services)
    async with services.sessionmaker() as session, session.begin():
        for platform, user_id in (("wecom", "lina"), ("wecom_webhook", "党支部群")):
            await grant(
                session,
                RoleKind.LIAISON_OFFICER,
                platform=platform,
                user_id=user_id,
                compound_code=compound.code,
                robots=["党支部群"],
            )

    async with services.sessionmaker() as session:
        targets = await keeper_targets(session, compound.id)

    assert targets == [UserTarget("wecom", "lina")]
