"""Accounts: two first messages of one new sender, handled at once, share one member."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from handlers.directory import member_for
from models import Identity
from tests.helpers import make_services


async def test_concurrent_first_contact_shares_member(db_url):
    services, _console = await make_services(db_url)
    try:
        async with services.sessionmaker() as first:
            await first.begin()
            created = await member_for(first, "wecom", "new-resident", "王")

            async def second_contact() -> int:
                async with services.sessionmaker() as second, second.begin():
                    return (await member_for(second, "wecom", "new-resident", "王")).id

            # The second insert waits on the first transaction's uncommitted row.
            racing = asyncio.create_task(second_contact())
            await asyncio.sleep(0.3)
            await first.commit()
            shared = await asyncio.wait_for(racing, timeout=30)

        assert shared == created.id
        async with services.sessionmaker() as session:
            count = await session.scalar(select(func.count()).select_from(Identity))
        assert count == 1
    finally:
        await services.close()
