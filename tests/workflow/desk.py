"""A service desk for workflow tests: one compound, its staff, and a way to talk to the bot."""

from __future__ import annotations

import io
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select

from bot.adapters.console import ConsoleOutbound
from bot.services import Services, build_services
from bot.settings import Settings
from handlers.directory import bind_chat, chat_for, member_for
from handlers.intake import Classifies, IntakeResult
from handlers.messages import ChatTarget, InboundMessage, UserTarget
from handlers.permissions import grant_role
from models import Case, CaseEvent, ChatKind, Compound, PartyKind, Role, RoleKind
from nlp.findings import Finding
from tests.helpers import T0, make_compound, message, shared_classifier

STAFF_GROUP = "staff-group"


@dataclass
class Desk:
    """The bot with one compound, a resident group, a staff group and the replies it sent."""

    services: Services
    console: ConsoleOutbound
    compound: Compound
    sent_before: int = 0
    results: list[IntakeResult] = field(default_factory=list)

    async def say(
        self,
        text: str,
        *,
        sender: str,
        chat_id: str = "group-1",
        at: datetime | None = None,
        private: bool = False,
        **kwargs,
    ) -> list[str]:
        """Send a message and return the texts the bot delivered because of it."""
        inbound = message(text, sender=sender, chat_id=chat_id, at=at or T0, **kwargs)
        if private:
            inbound = replace(inbound, is_private=True)
        return await self.send(inbound)

    async def send(self, inbound: InboundMessage) -> list[str]:
        self.sent_before = len(self.console.sent)
        # The message's time is the pipeline's clock, so deadlines follow the conversation.
        self.results.append(await self.services.pipeline.handle(inbound, now=inbound.sent_at))
        return [text for _target, text in self.console.sent[self.sent_before :]]

    def last_to_group(self, chat_id: str = "group-1") -> list[str]:
        return [
            text
            for target, text in self.console.sent[self.sent_before :]
            if isinstance(target, ChatTarget) and target.chat_id == chat_id
        ]

    def last_to_user(self, user_id: str) -> list[str]:
        return [
            text
            for target, text in self.console.sent[self.sent_before :]
            if isinstance(target, UserTarget) and target.user_id == user_id
        ]

    async def case(self, seq: int) -> Case:
        async with self.services.sessionmaker() as session:
            return await session.scalar(
                select(Case).where(Case.compound_id == self.compound.id, Case.seq == seq)
            )

    async def events(self, seq: int) -> list[CaseEvent]:
        case = await self.case(seq)
        async with self.services.sessionmaker() as session:
            return list(
                await session.scalars(
                    select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
                )
            )

    async def event_count(self) -> int:
        async with self.services.sessionmaker() as session:
            return await session.scalar(select(func.count()).select_from(CaseEvent)) or 0

    async def put_case(
        self,
        seq: int,
        status: str,
        *,
        outcome: str | None = None,
        category: str | None = None,
        building: str | None = None,
    ) -> None:
        """Put a case into a state with the property firm acting, to test a command from there.

        A category or building, when given, replaces the one a command such as 改类 or 改位置 left.
        """
        async with self.services.sessionmaker() as session, session.begin():
            case = await session.scalar(
                select(Case).where(Case.compound_id == self.compound.id, Case.seq == seq)
            )
            compound = await session.get_one(Compound, self.compound.id)
            case.status = status
            case.outcome = outcome
            case.merged_into_id = None
            case.escalation_level = 0
            case.party_id = compound.party(PartyKind.PROPERTY).id
            case.route = PartyKind.PROPERTY.value
            # The forced state starts a round of its own, so a command that
            # ends it writes a new round number, as after a real reopen.
            case.round_number += 1
            if category is not None:
                case.category = category
            if building is not None:
                case.building = building

    async def grant(
        self, user_id: str, role: RoleKind, *, party: PartyKind | None = None, name: str = ""
    ) -> None:
        """Give a platform account a role in the desk's compound."""
        async with self.services.sessionmaker() as session, session.begin():
            compound = await session.get_one(Compound, self.compound.id)
            member = await member_for(session, "test", user_id, name or user_id)
            await grant_role(
                session,
                member,
                role,
                compound=compound,
                party=compound.party(party) if party else None,
            )

    async def revoke(self, user_id: str) -> None:
        """Remove every role of a platform account, so its party has nobody registered."""
        async with self.services.sessionmaker() as session, session.begin():
            member = await member_for(session, "test", user_id, user_id)
            await session.execute(delete(Role).where(Role.member_id == member.id))


@asynccontextmanager
async def open_desk(db_url: str, **settings: object) -> AsyncIterator[Desk]:
    """Start the services with a compound and its staff: 专员小李, 物业老王 and 业委会老陈.

    Cases open without triage unless a test sets triage_threshold, so the
    conversations do not depend on how sure the current model is.
    """
    with tempfile.TemporaryDirectory() as folder:
        settings.setdefault("data_dir", Path(folder))
        settings.setdefault("triage_threshold", 0.0)
        async with _desk(db_url, settings) as desk:
            yield desk


# The category each test sentence is about, whatever the current model thinks:
# routing follows the category, and the conversations here test the workflow
# after routing, not the model. Location, urgency and splitting stay the model's.
PINNED_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("漏水", "repair"),
    ("电梯", "repair"),
    ("路灯", "repair"),
    ("垃圾桶", "sanitation"),
)


class PinnedClassifier:
    """The real classifier, with the category of known test sentences pinned."""

    def __init__(self, classifier: Classifies) -> None:
        self._classifier = classifier

    def classify(self, text: str) -> list[Finding]:
        findings = self._classifier.classify(text)
        for word, category in PINNED_CATEGORIES:
            if word in text:
                return [replace(finding, category=category) for finding in findings]
        return findings

    def category_scores(self, text: str) -> Mapping[str, float]:
        return self._classifier.category_scores(text)


@asynccontextmanager
async def _desk(db_url: str, settings: dict[str, object]) -> AsyncIterator[Desk]:
    console = ConsoleOutbound(io.StringIO(), platform="test")
    services = await build_services(
        Settings(database_url=db_url, _env_file=None, **settings),  # type: ignore[arg-type]
        outbound=[console],
        classifier=PinnedClassifier(shared_classifier()),
    )
    try:
        compound = await make_compound(services)
        async with services.sessionmaker() as session, session.begin():
            staff_group = await chat_for(session, "test", STAFF_GROUP, title="阳光花园工作群")
            staff_group.kind = ChatKind.STAFF_GROUP
            await bind_chat(session, staff_group, await session.get_one(Compound, compound.id), T0)
        desk = Desk(services, console, compound)
        await desk.grant("officer", RoleKind.LIAISON_OFFICER, name="专员小李")
        await desk.grant("wang", RoleKind.PROPERTY_STAFF, name="物业老王")
        await desk.grant("chen", RoleKind.COMMITTEE_DIRECTOR, name="业委会老陈")
        yield desk
    finally:
        await services.close()
