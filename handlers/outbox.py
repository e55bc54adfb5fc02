"""Delivery of replies through the adapters, with a record of every send.

The outbox resolves a party to the accounts of the people who act for it and
hands each text to the adapter of its platform. Every send leaves a Delivery
row, so a send that fails is recorded on its case and reported, not lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.cases import record_event
from handlers.errors import PlatformError
from handlers.messages import ChatTarget, Outbound, PartyTarget, Reply, SendsImages, UserTarget
from models import Case, Delivery, Identity, Party, PartyKind, Role, RoleKind, utcnow

log = logging.getLogger("handlers.outbox")

# What a delivery record keeps of a reply that holds personal data.
PERSONAL_PLACEHOLDER = "（内容含个人信息，已发出，未保存）"
WECOM_APP = "wecom"
WECOM_AIBOT = "wecom_aibot"

# Names of the delivery channels as staff know them.
PLATFORM_LABELS = {
    "wecom": "企业微信",
    "wecom_aibot": "企业微信智能机器人",
    "wecom_webhook": "企业微信群机器人",
    "wechat_mp": "公众号",
    "telegram": "Telegram",
}

PARTY_ROLES: dict[PartyKind, frozenset[RoleKind]] = {
    PartyKind.PROPERTY: frozenset({RoleKind.PROPERTY_MANAGER, RoleKind.PROPERTY_STAFF}),
    PartyKind.COMMITTEE: frozenset({RoleKind.COMMITTEE_DIRECTOR, RoleKind.COMMITTEE_MEMBER}),
    PartyKind.PARTY: frozenset(
        {RoleKind.BRANCH_SECRETARY, RoleKind.LIAISON_OFFICER, RoleKind.PARTY_MEMBER}
    ),
}


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The outcome of one reply to one account, or to a party with no reachable account.

    Attributes:
        platform: The platform tried; None when no account was found to try.
        target: The account or party it was meant for, for logs.
        error: Why it was not delivered; None when it was.
        retryable: Whether a later attempt may succeed. True when an adapter
            ran and the platform failed or rejected the message. False when
            no adapter or account exists, which only a new setup changes.
    """

    platform: str | None
    target: str
    error: str | None = None
    retryable: bool = False

    @property
    def delivered(self) -> bool:
        return self.error is None


class Outbox:
    """Sends replies through the registered adapters."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        adapters: Iterable[Outbound] = (),
        *,
        fallback: Outbound | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._adapters: dict[str, Outbound] = {a.platform: a for a in adapters}
        self._fallback = fallback

    def register(self, adapter: Outbound) -> None:
        self._adapters[adapter.platform] = adapter

    def adapter(self, platform: str) -> Outbound | None:
        return self._adapters.get(platform)

    async def deliver(self, replies: Iterable[Reply], *, report_failures: bool = True) -> list[DeliveryResult]:
        """Send each reply and return one result per account tried or party not reachable.

        Failures are recorded and never raised to the caller. A failed message
        about a case is also reported to the compound's branch, unless
        `report_failures` is False: then the caller reports it with
        `report_failure` once it stops retrying.
        """
        results: list[DeliveryResult] = []
        sends: list[tuple[Reply, ChatTarget | UserTarget]] = []
        for reply in replies:
            targets = await self._resolve(reply.target)
            if not targets and isinstance(reply.target, PartyTarget):
                party_id = reply.target.party_id
                error = f"party {party_id} has no member with an account on a running adapter"
                results.append(DeliveryResult(None, f"party:{party_id}", error))
            sends.extend((reply, target) for target in targets)
        for reply, target in _drop_repeats(self._one_wecom_route(sends)):
            results.append(await self._send_one(reply, target, report_failure=report_failures))
        return results

    def _one_wecom_route(
        self, sends: list[tuple[Reply, ChatTarget | UserTarget]]
    ) -> list[tuple[Reply, ChatTarget | UserTarget]]:
        """Drop the AI-bot copy of a text that the WeCom app sends to the same person.

        The app and the AI bot of one corp address a member by the same
        WeCom user id, so an officer known on both would get every notice
        twice. The app copy is kept, unless the app adapter is not running.
        """
        if WECOM_APP not in self._adapters:
            return sends
        on_app = {
            (reply.text, target.user_id)
            for reply, target in sends
            if isinstance(target, UserTarget) and target.platform == WECOM_APP
        }
        return [
            (reply, target)
            for reply, target in sends
            if not (
                isinstance(target, UserTarget)
                and target.platform == WECOM_AIBOT
                and (reply.text, target.user_id) in on_app
            )
        ]

    async def _resolve(self, target: ChatTarget | UserTarget | PartyTarget) -> list[ChatTarget | UserTarget]:
        if not isinstance(target, PartyTarget):
            return [target]
        async with self._sessionmaker() as session:
            targets = await party_accounts(session, target.party_id, set(self._adapters))
        if not targets and self._fallback is not None:
            # The replay and the console have no accounts for staff, so they
            # address the party by its name.
            return [UserTarget(platform=self._fallback.platform, user_id=target.name)]
        if not targets:
            log.warning(
                "party %s has no member with an account on a running adapter; message not sent", target.party_id
            )
        return targets

    async def _send_one(
        self, reply: Reply, target: ChatTarget | UserTarget, *, report_failure: bool = True
    ) -> DeliveryResult:
        adapter = self._adapters.get(target.platform) or self._fallback
        target_id = target.chat_id if isinstance(target, ChatTarget) else target.user_id
        delivery = Delivery(
            case_id=reply.case_id,
            platform=target.platform,
            target_kind="chat" if isinstance(target, ChatTarget) else "user",
            target_id=target_id,
            text=PERSONAL_PLACEHOLDER if reply.personal else reply.text,
        )
        error: str | None = None
        if adapter is None:
            error = f"no adapter for platform {target.platform}"
        else:
            try:
                await adapter.send(target, reply.text, reply_to=reply.reply_to)
                if reply.image_path:
                    await self._send_image(adapter, target, Path(reply.image_path))
            except PlatformError as exc:
                error = str(exc)
            except Exception as exc:
                # A bug or an unexpected client error in one adapter must not
                # stop the other replies of the same message.
                log.exception("adapter %s raised while sending", target.platform)
                error = f"{type(exc).__name__}: {exc}"
        delivery.attempts = 1
        if error is None:
            delivery.status = "sent"
            delivery.sent_at = utcnow()
        else:
            delivery.status = "failed"
            delivery.last_error = error[:1000]
            log.error(
                "delivery failed: platform=%s target=%s case=%s error=%s",
                target.platform,
                target_id,
                reply.case_id,
                error,
            )
        async with self._sessionmaker() as session, session.begin():
            session.add(delivery)
            if error is not None and reply.case_id is not None:
                await _record_failure(session, reply.case_id, target.platform, error)
        if error is not None and reply.case_id is not None and reply.audience != "officer" and report_failure:
            await self.report_failure(reply.case_id, target.platform)
        return DeliveryResult(target.platform, target_id, error, retryable=error is not None and adapter is not None)

    async def _send_image(self, adapter: Outbound, target: ChatTarget | UserTarget, path: Path) -> None:
        if not isinstance(adapter, SendsImages):
            # The text already contains the figures the chart shows, so a
            # platform without image support sends the text alone.
            log.info("adapter %s sends no images; %s not sent", adapter.platform, path.name)
            return
        await adapter.send_image(target, path)

    async def report_failure(self, case_id: int, platform: str) -> None:
        """Tell the case's party branch that a message about the case did not arrive through `platform`.

        The liaison officer hears of every message that never arrived, so no
        resident waits on it unknowingly. A failed report to the officer is
        recorded on the case but not reported again.
        """
        async with self._sessionmaker() as session:
            case = await session.get(Case, case_id)
            branch = case.compound.party(PartyKind.PARTY) if case is not None else None
            if case is None or branch is None:
                return
            channel = PLATFORM_LABELS.get(platform, platform)
            text = (
                f"【发送失败】{case.compound.name} 工单 {case.number} 有一条消息未能通过{channel}送达，"
                f"请人工联系相关人员。"
            )
        await self.deliver([Reply(PartyTarget(branch.id, branch.name), text, case_id, "officer")])


def _drop_repeats(
    sends: list[tuple[Reply, ChatTarget | UserTarget]],
) -> list[tuple[Reply, ChatTarget | UserTarget]]:
    """Keep one copy of each text per account.

    A notice addressed to a party and to some of its members by their own
    accounts (the branch and its liaison officer) would otherwise reach
    those members twice.
    """
    seen: set[tuple[str, ChatTarget | UserTarget]] = set()
    unique: list[tuple[Reply, ChatTarget | UserTarget]] = []
    for reply, target in sends:
        if (reply.text, target) in seen:
            continue
        seen.add((reply.text, target))
        unique.append((reply, target))
    return unique


async def party_accounts(
    session: AsyncSession, party_id: int, platforms: set[str]
) -> list[ChatTarget | UserTarget]:
    """Return the platform accounts of everyone who acts for a party."""
    party = await session.get(Party, party_id)
    if party is None:
        return []
    roles = PARTY_ROLES[PartyKind(party.kind)]
    rows = await session.execute(
        select(Identity.platform, Identity.platform_user_id)
        .join(Role, Role.member_id == Identity.member_id)
        .where(
            Role.compound_id == party.compound_id,
            Role.role.in_([r.value for r in roles]),
            Identity.platform.in_(platforms),
        )
        .distinct()
    )
    return [UserTarget(platform=p, user_id=u) for p, u in rows]


async def _record_failure(session: AsyncSession, case_id: int, platform: str, error: str) -> None:
    case = await session.get(Case, case_id)
    if case is None:
        return
    record_event(
        session,
        case,
        "delivery_failed",
        actor_label="bot",
        note=PLATFORM_LABELS.get(platform, platform),
        at=utcnow(),
        data={"platform": platform, "error": error[:500]},
    )
