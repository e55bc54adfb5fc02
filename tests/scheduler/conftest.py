"""A compound with people on every rung of the ladder, and a sweeper with a chosen clock."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.adapters.console import ConsoleOutbound
from bot.services import Services, build_services
from bot.settings import Settings
from handlers.calendar import WorkCalendar
from handlers.directory import member_for
from handlers.ladder import use_rung_limits
from handlers.limits import DEFAULT_RULES, LimitTable, use_table
from handlers.messages import UserTarget
from handlers.permissions import grant_role
from models import Case, Community, Compound, PartyKind, RoleKind, Street
from nlp.findings import Finding, Location
from scheduler.config import TimerConfig
from scheduler.sweep import Sweeper
from tests.helpers import make_compound, message

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Who holds which role, by their account on the test platform.
STAFF = {
    "pm": RoleKind.PROPERTY_MANAGER,
    "director": RoleKind.COMMITTEE_DIRECTOR,
    "secretary": RoleKind.BRANCH_SECRETARY,
    "liaison": RoleKind.LIAISON_OFFICER,
    "community": RoleKind.COMMUNITY_STAFF,
    "street": RoleKind.STREET_STAFF,
}


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in Shanghai time, as tests read dates."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass(slots=True)
class Desk:
    """One compound's services, its console and a sweeper factory."""

    services: Services
    console: ConsoleOutbound
    compound: Compound
    config: TimerConfig

    def sweeper(
        self, *, instance: str = "test-1", dry_run: bool = False, services: Services | None = None
    ) -> Sweeper:
        chosen = services or self.services
        return Sweeper(
            chosen.sessionmaker, chosen.outbox, self.config, instance=instance, dry_run=dry_run
        )

    def sent_to(self, user_id: str) -> list[str]:
        """Texts the console delivered privately to one account."""
        return [
            t
            for target, t in self.console.sent
            if isinstance(target, UserTarget) and target.user_id == user_id
        ]

    async def report(self, text: str, *, at: datetime, sender: str = "resident-1") -> Case:
        """A resident reports a problem in the group; return the case it opened."""
        result = await self.services.pipeline.handle(message(text, sender=sender, at=at), now=at)
        assert result.case_ids, f"no case opened for {text!r}: {result.outcome}"
        async with self.services.sessionmaker() as session:
            return await session.get_one(Case, result.case_ids[0])


async def staff_compound(services: Services, name: str = "阳光花园") -> Compound:
    """Create a compound in a community and street, with one person per role."""
    compound = await make_compound(services, name)
    async with services.sessionmaker() as session, session.begin():
        street = Street(name="幸福街道")
        session.add(street)
        await session.flush()
        community = Community(name="幸福社区", street_id=street.id)
        session.add(community)
        await session.flush()
        row = await session.get_one(Compound, compound.id)
        row.community_id = community.id
        for account, role in STAFF.items():
            member = await member_for(session, "test", account, account)
            party_kind = {
                RoleKind.PROPERTY_MANAGER: PartyKind.PROPERTY,
                RoleKind.COMMITTEE_DIRECTOR: PartyKind.COMMITTEE,
                RoleKind.BRANCH_SECRETARY: PartyKind.PARTY,
                RoleKind.LIAISON_OFFICER: PartyKind.PARTY,
            }.get(role)
            await grant_role(
                session,
                member,
                role,
                compound=row
                if role not in (RoleKind.COMMUNITY_STAFF, RoleKind.STREET_STAFF)
                else None,
                party=row.party(party_kind) if party_kind else None,
                community=community if role is RoleKind.COMMUNITY_STAFF else None,
                street=street if role is RoleKind.STREET_STAFF else None,
            )
    async with services.sessionmaker() as session:
        return await session.scalar(select(Compound).where(Compound.id == compound.id))


def make_config(chart_dir: Path, **overrides: object) -> TimerConfig:
    table = LimitTable(DEFAULT_RULES, WorkCalendar(zone=SHANGHAI))
    use_table(table)
    config = TimerConfig(table=table, chart_dir=str(chart_dir), **overrides)  # type: ignore[arg-type]
    use_rung_limits(config.rung_limit)
    return config


# The phrases these tests report, with what the classifier finds in them.
# The scheduler is tested on its clocks, so a fixed table stands in for the
# trained model, which has tests of its own and changes as it is retrained.
PHRASES: dict[str, tuple[str, bool]] = {
    "楼道灯坏了": ("repair", False),
    "单元门坏了": ("repair", False),
    "垃圾好几天没人清": ("sanitation", False),
    "停水了": ("utilities", False),
    "燃气味道": ("safety", True),
    "维修基金": ("fund", False),
}
# Phrases the classifier is unsure of, so their cases wait for triage.
UNSURE_PHRASES: dict[str, str] = {"卫生间漏水": "repair"}
_BUILDING = re.compile(r"(\d+)(?:栋|号楼)")


class PhraseClassifier:
    """Finds the category of a known phrase, and the last building the text names."""

    def classify(self, text: str) -> list[Finding]:
        known = [(phrase, category, urgent, 0.95) for phrase, (category, urgent) in PHRASES.items()]
        known += [(phrase, category, False, 0.3) for phrase, category in UNSURE_PHRASES.items()]
        for phrase, category, urgent, confidence in known:
            if phrase in text:
                buildings = _BUILDING.findall(text)
                location = Location(building=buildings[-1] if buildings else None)
                return [
                    Finding(
                        category=category,
                        urgent=urgent,
                        confidence=confidence,
                        location=location,
                        text=text,
                    )
                ]
        return [Finding(category="chat", confidence=0.9, text=text)]

    def category_scores(self, text: str) -> dict[str, float]:
        finding = self.classify(text)[0]
        return {finding.category: finding.confidence}


async def scheduler_services(db_url: str) -> tuple[Services, ConsoleOutbound]:
    """Wire the real services on a test database, with the phrase classifier."""
    console = ConsoleOutbound(io.StringIO(), platform="test")
    services = await build_services(
        Settings(database_url=db_url, _env_file=None),  # type: ignore[call-arg]
        outbound=[console],
        classifier=PhraseClassifier(),
    )
    return services, console


@pytest.fixture
async def desk(db_url: str, tmp_path: Path) -> AsyncIterator[Desk]:
    services, console = await scheduler_services(db_url)
    compound = await staff_compound(services)
    yield Desk(services, console, compound, make_config(tmp_path / "charts"))
    await services.close()


def hours(value: float) -> timedelta:
    return timedelta(hours=value)
