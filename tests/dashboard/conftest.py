"""The dashboard on a real aiohttp server on 127.0.0.1, over cases written with exact timestamps.

Cases are inserted as rows rather than played through the chat pipeline, so
each test states every timestamp that decides a rate and can compute the
expected figures by hand. The chat workflow behind the same counts is
covered by tests/workflow/test_stats.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.dashboard import CLOCK_KEY
from bot.server import build_web_app
from bot.services import Services
from handlers.directory import create_compound
from models import (
    Case,
    CaseEvent,
    CaseOutcome,
    CaseRound,
    CaseStatus,
    Community,
    Compound,
    DepartmentCall,
    PartyKind,
    Street,
)
from tests.helpers import ServiceTestServer, make_services

TOKEN = "dash-token-7Q2xLw9vRk"
# 10:00 on Wednesday 18 March 2026 in Shanghai.
NOW = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)
# 09:30 on Monday 2 March 2026 in Shanghai, inside 本月 and 本季度.
MARCH = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


@dataclass
class Seeder:
    """Writes compounds, areas and cases with the timestamps a test names."""

    services: Services
    seqs: dict[int, int] = field(default_factory=dict)

    async def street(self, name: str) -> Street:
        async with self.services.sessionmaker() as session, session.begin():
            street = Street(name=name)
            session.add(street)
        return street

    async def community(self, name: str, street: Street | None = None) -> Community:
        async with self.services.sessionmaker() as session, session.begin():
            community = Community(name=name, street_id=street.id if street else None)
            session.add(community)
        return community

    async def compound(self, name: str, community: Community | None = None, *, firm: str = "") -> Compound:
        """Create a compound; `firm` renames its property party, as a firm's name."""
        async with self.services.sessionmaker() as session, session.begin():
            compound = await create_compound(session, name)
            compound.community_id = community.id if community else None
            if firm:
                compound.party(PartyKind.PROPERTY).name = firm
        return compound

    async def case(
        self,
        compound: Compound,
        *,
        opened: datetime = MARCH,
        category: str = "repair",
        acknowledged: datetime | None = None,
        closed: datetime | None = None,
        outcome: CaseOutcome | None = None,
        response_hours: float = 24,
        resolve_days: float = 7,
        status: CaseStatus | None = None,
        ratings: tuple[str, ...] = (),
        rated: datetime | None = None,
        events: tuple[tuple[str, datetime, dict[str, Any]], ...] = (),
        department_called: datetime | None = None,
        party: PartyKind = PartyKind.PROPERTY,
    ) -> Case:
        """Insert one case routed to a party of the compound (the property firm by default), with its events.

        Without a status, a case with an outcome is closed (resolved when the
        outcome is RESOLVED), an acknowledged one is in progress, else new.
        """
        if status is None:
            if outcome is CaseOutcome.RESOLVED:
                status = CaseStatus.CLOSED
            elif outcome is CaseOutcome.MERGED:
                status = CaseStatus.MERGED
            elif outcome is not None:
                status = CaseStatus.CLOSED
            elif acknowledged is not None:
                status = CaseStatus.IN_PROGRESS
            else:
                status = CaseStatus.NEW
        seq = self.seqs.get(compound.id, 0) + 1
        self.seqs[compound.id] = seq
        acting_party = compound.party(party)
        async with self.services.sessionmaker() as session, session.begin():
            case = Case(
                compound_id=compound.id,
                seq=seq,
                category=category,
                route=party.value,
                party_id=acting_party.id if acting_party else None,
                summary="种子工单",
                status=status,
                outcome=outcome,
                opened_at=opened,
                updated_at=opened,
                acknowledged_at=acknowledged,
                closed_at=closed,
                resolved_at=closed if outcome is CaseOutcome.RESOLVED else None,
                response_due_at=opened + timedelta(hours=response_hours),
                resolve_due_at=opened + timedelta(days=resolve_days),
            )
            session.add(case)
            await session.flush()
            if outcome is not None and closed is not None:
                session.add(_only_round(case))
            if acknowledged is not None:
                session.add(CaseEvent(case_id=case.id, kind="acknowledged", at=acknowledged, data={}))
            for rating in ratings:
                session.add(
                    CaseEvent(
                        case_id=case.id,
                        kind="rated",
                        at=rated or closed or opened,
                        data={"rating": rating, "party_id": case.party_id},
                    )
                )
            for kind, at, data in events:
                session.add(CaseEvent(case_id=case.id, kind=kind, at=at, data=data))
            if department_called is not None:
                session.add(DepartmentCall(case_id=case.id, department="城管", called_at=department_called))
        return case

    async def handled(self, compound: Compound, count: int, *, category: str = "repair") -> None:
        """Insert `count` cases acknowledged in an hour and resolved on time on 5 March."""
        for _ in range(count):
            await self.case(
                compound,
                category=category,
                acknowledged=MARCH + timedelta(hours=1),
                closed=MARCH + timedelta(days=3),
                outcome=CaseOutcome.RESOLVED,
            )


def _only_round(case: Case) -> CaseRound:
    """Return the ended round of a case with a single round, as the workflow writes it."""
    responded = case.acknowledged_at
    if responded is None and case.outcome in (CaseOutcome.RESOLVED, CaseOutcome.NOT_OUR_DUTY):
        responded = case.closed_at
    return CaseRound(
        case_id=case.id,
        compound_id=case.compound_id,
        number=1,
        party_id=case.party_id,
        route=case.route,
        started_at=case.opened_at,
        response_due_at=case.response_due_at,
        resolve_due_at=case.resolve_due_at,
        responded_at=responded,
        ended_at=case.closed_at,
        end_kind=case.outcome,
        outcome=case.outcome,
    )


@dataclass
class Dashboard:
    services: Services
    client: TestClient
    seed: Seeder

    async def get_json(self, **params: str) -> tuple[int, Any]:
        response = await self.client.get("/dashboard.json", params=params, headers=_bearer())
        return response.status, await response.json()

    async def get_html(self, path: str = "/dashboard", **params: str) -> tuple[int, str]:
        response = await self.client.get(path, params=params, headers=_bearer())
        return response.status, await response.text()

    async def get_assessment(self, **params: str) -> tuple[int, Any]:
        response = await self.client.get("/dashboard/property.json", params=params, headers=_bearer())
        return response.status, await response.json()


def _bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


async def start_dashboard(
    db_url: str, *, clock: Callable[[], datetime] = lambda: NOW, **settings: object
) -> tuple[Services, TestClient]:
    """Start the real web app on 127.0.0.1 with the dashboard's clock pinned to NOW, or to `clock`.

    The server runs with the runner of bot.server.serve, so the access log
    and the pages for unparsable requests are the ones the service writes.
    """
    services, _console = await make_services(db_url, **settings)
    app = build_web_app(services)
    app[CLOCK_KEY] = clock
    client = TestClient(ServiceTestServer(app, host="127.0.0.1"))
    await client.start_server()
    return services, client


@pytest.fixture
async def dashboard(db_url: str) -> AsyncIterator[Dashboard]:
    services, client = await start_dashboard(db_url, dashboard_token=TOKEN)
    try:
        yield Dashboard(services, client, Seeder(services))
    finally:
        await client.close()
