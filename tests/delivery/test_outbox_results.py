"""The outbox reports what became of every delivery, and sends one copy per person."""

from __future__ import annotations

import io

from bot.adapters.console import ConsoleOutbound
from handlers.directory import member_for
from handlers.messages import PartyTarget, Reply, UserTarget
from handlers.outbox import Outbox
from handlers.permissions import grant_role
from models import Compound, PartyKind, RoleKind
from tests.helpers import make_compound, make_services


class RejectingOutbound:
    platform = "flaky"

    async def send(self, target, text: str, *, reply_to: str | None = None) -> None:  # noqa: ANN001
        msg = "connection reset"
        raise RuntimeError(msg)


async def test_party_and_own_account_reach_person_once(db_url):
    services, _console = await make_services(db_url)
    compound = await make_compound(services)
    async with services.sessionmaker() as session, session.begin():
        # The console's test platform is no platform the grant command accepts.
        member = await member_for(session, "test", "liaison", "liaison")
        row = await session.get_one(Compound, compound.id)
        await grant_role(session, member, RoleKind.LIAISON_OFFICER, compound=row, party=row.party(PartyKind.PARTY))
    branch = compound.party(PartyKind.PARTY)
    console = ConsoleOutbound(io.StringIO(), platform="test", quiet=True)
    outbox = Outbox(services.sessionmaker, [console])

    results = await outbox.deliver(
        [
            Reply(PartyTarget(branch.id, branch.name), "工单 0001 待分类"),
            Reply(UserTarget("test", "liaison"), "工单 0001 待分类"),
        ]
    )

    assert console.sent == [(UserTarget("test", "liaison"), "工单 0001 待分类")]
    assert [r.delivered for r in results] == [True]


async def test_results_tell_failures_apart(db_url):
    services, _console = await make_services(db_url)
    compound = await make_compound(services)
    firm = compound.party(PartyKind.PROPERTY)
    console = ConsoleOutbound(io.StringIO(), platform="test", quiet=True)
    outbox = Outbox(services.sessionmaker, [console, RejectingOutbound()])

    results = await outbox.deliver(
        [
            Reply(UserTarget("test", "liaison"), "工单 0001 待受理"),
            Reply(UserTarget("flaky", "liaison"), "工单 0001 待受理"),
            Reply(UserTarget("replay", "专员小林"), "工单 0001 待受理"),
            # No member of the firm has an account, and this outbox has no fallback.
            Reply(PartyTarget(firm.id, firm.name), "工单 0001 待受理"),
        ]
    )

    assert len(results) == 4
    delivered = [r for r in results if r.delivered]
    assert [(r.platform, r.target) for r in delivered] == [("test", "liaison")]
    rejected = next(r for r in results if r.platform == "flaky")
    assert rejected.retryable
    assert "connection reset" in rejected.error
    missing = next(r for r in results if r.platform == "replay")
    assert not missing.retryable
    assert missing.error == "no adapter for platform replay"
    unreachable = next(r for r in results if r.target == f"party:{firm.id}")
    assert unreachable.platform is None
    assert not unreachable.retryable
    assert "no member with an account" in unreachable.error
