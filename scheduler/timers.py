"""Due work for one case at a given moment: reminders, the next rung, triage and rating follow-up.

`advance` looks at a case and its timer, decides the notifications that are
due now, applies escalations and unrated closes to the case, and sets the
timer's `due_at` to the next moment anything can happen. Every decision
carries a key that names its occasion, so deciding twice is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import notices
from handlers.ladder import Rung, Target, current_rung, party_target, role_targets, rung_targets, step_up
from handlers.workflow import close
from models import Case, CaseReporter, CaseStatus, CaseTimer, ChatGroup, Identity, PartyKind, RawMessage, RoleKind
from scheduler.config import TimerConfig
from scheduler.drafts import Draft, stamp
from scheduler.triage import advance_triage

log = logging.getLogger("scheduler.timers")

# States in which the acting party is on the clock.
CLOCK_STATUSES = frozenset(
    {
        CaseStatus.TRIAGE,
        CaseStatus.NEW,
        CaseStatus.ACKNOWLEDGED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.REOPENED,
    }
)
# States still waiting for the acknowledgement (受理).
UNACKNOWLEDGED = frozenset({CaseStatus.TRIAGE, CaseStatus.NEW, CaseStatus.REOPENED})
# Every state a timer is kept for; a resolved case waits for its rating.
TIMED_STATUSES = CLOCK_STATUSES | {CaseStatus.RESOLVED}


@dataclass(slots=True)
class Outcome:
    """The result of advancing one timer."""

    drafts: list[Draft] = field(default_factory=list)
    escalated_to: Rung | None = None
    closed_unrated: bool = False


async def advance(
    session: AsyncSession, case: Case, timer: CaseTimer, now: datetime, config: TimerConfig
) -> Outcome:
    """Decide what is due for a case at `now` and reschedule its timer."""
    outcome = Outcome()
    status = CaseStatus(case.status)
    # A case classified on the day it opened may keep its resolve deadline,
    # so leaving triage restarts the ladder as well.
    left_triage = timer.status_seen == CaseStatus.TRIAGE and status is not CaseStatus.TRIAGE
    if timer.resolve_due_seen != case.resolve_due_at or left_triage:
        # The clock was restarted (handed on, reopened, classified), so the
        # ladder waits for the new limits to run out before it climbs again.
        timer.rung = None
        timer.rung_due_at = None
        timer.overdue_since = None
    timer.status_seen = case.status
    timer.resolve_due_seen = case.resolve_due_at
    timer.updated_at = now

    if timer.paused_at is not None:
        timer.due_at = None
    elif status is CaseStatus.TRIAGE:
        # No party has the case yet, so the officer is chased instead of a party.
        drafts, timer.due_at = await advance_triage(session, case, now, config)
        outcome.drafts.extend(drafts)
    elif status in CLOCK_STATUSES:
        timer.due_at = await _advance_clock(session, case, timer, now, config, outcome)
    elif status is CaseStatus.RESOLVED and case.rating is None:
        timer.due_at = await _advance_rating(session, case, now, config, outcome)
    else:
        timer.due_at = None
    return outcome


async def _advance_clock(
    session: AsyncSession,
    case: Case,
    timer: CaseTimer,
    now: datetime,
    config: TimerConfig,
    outcome: Outcome,
) -> datetime | None:
    upcoming: list[datetime] = []
    exceeded: list[datetime] = []
    for limit, due in _limits(case):
        if due <= now:
            exceeded.append(due)
            continue
        upcoming.append(due)
        reminder = _reminder(case, limit, due, now, config, upcoming)
        if reminder is not None:
            outcome.drafts.append(reminder)

    if exceeded and timer.overdue_since is None:
        timer.overdue_since = min(exceeded)
        # An officer may have escalated the case by hand before it fell due,
        # so the ladder continues from its current rung, not its start rung.
        timer.rung = current_rung(case)
        timer.rung_due_at = timer.overdue_since
    # The ladder moves only while a limit is exceeded, so a late acknowledgement
    # stops the climb until the resolve limit runs out too.
    if exceeded and timer.rung_due_at is not None and timer.rung is not None:
        if timer.rung_due_at <= now:
            await _climb(session, case, timer, now, config, outcome)
        if timer.rung_due_at is not None:
            upcoming.append(timer.rung_due_at)
    return min(upcoming) if upcoming else None


def _limits(case: Case) -> list[tuple[str, datetime]]:
    limits: list[tuple[str, datetime]] = []
    if (
        CaseStatus(case.status) in UNACKNOWLEDGED
        and case.acknowledged_at is None
        and case.response_due_at
    ):
        limits.append(("acknowledge", case.response_due_at))
    if case.resolve_due_at is not None:
        limits.append(("resolve", case.resolve_due_at))
    return limits


def _late_limit(case: Case, now: datetime) -> str:
    """Name the limit an overdue case is late against: resolve once it passed, else acknowledge.

    The ladder climbs only while a limit is exceeded, so when the resolve
    limit has not passed, the acknowledge limit has.
    """
    if case.resolve_due_at is not None and case.resolve_due_at <= now:
        return "resolve"
    return "acknowledge"


def _reminder(
    case: Case,
    limit: str,
    due: datetime,
    now: datetime,
    config: TimerConfig,
    upcoming: list[datetime],
) -> Draft | None:
    """Return the reminder due now for one limit, and add the next reminder point to `upcoming`.

    Only the latest passed point is reminded: after a restart that missed the
    50% and the 90% point, one reminder (90%) goes out, not two.
    """
    span = due - case.opened_at
    passed: float | None = None
    for fraction in sorted(config.reminder_fractions):
        point = case.opened_at + span * fraction
        if point <= now:
            passed = fraction
        else:
            upcoming.append(point)
            break
    target = party_target(case)
    if passed is None or target is None:
        return None
    return Draft(
        key=f"reminder:{case.id}:{limit}:{stamp(due)}:{round(passed * 100)}",
        kind="reminder",
        text=notices.reminder(case, limit, due, config.zone),
        targets=[target],
        due_at=case.opened_at + span * passed,
        urgent=case.urgent,
        case_id=case.id,
        compound_id=case.compound_id,
    )


async def _climb(
    session: AsyncSession,
    case: Case,
    timer: CaseTimer,
    now: datetime,
    config: TimerConfig,
    outcome: Outcome,
) -> None:
    """Move a case one rung up, tell that rung and the first party, and set the rung's limit.

    One rung per sweep: after a long outage a case climbs one rung and gets
    that rung's full limit, instead of jumping to the top at once.
    """
    # When the limit ran out, which is what the escalation is late against.
    fell_due = timer.rung_due_at or now
    found = await step_up(session, case, now=now)
    if found is None:
        await _remind_at_top(session, case, timer, now, config, outcome, fell_due)
        return
    rung, targets = found.rung, found.targets
    late = _late_limit(case, now)
    limit = config.rung_limit(rung, urgent=case.urgent)
    due = limit.due(now, config.calendar)
    timer.rung = rung
    timer.rung_due_at = due
    outcome.escalated_to = rung
    key = (
        f"escalation:{case.id}:{stamp(case.resolve_due_at or case.opened_at)}:{rung.name.lower()}"
    )
    outcome.drafts.append(
        Draft(
            key=key,
            kind="escalation",
            text=notices.escalated_to_rung(case, rung, due, config.zone, late, found.skipped),
            targets=targets,
            due_at=fell_due,
            urgent=case.urgent,
            case_id=case.id,
            compound_id=case.compound_id,
        )
    )
    first_party = party_target(case)
    if first_party is not None and first_party not in targets:
        outcome.drafts.append(
            Draft(
                key=f"{key}:first_party",
                kind="escalation",
                text=notices.escalated_for_party(case, rung, late, found.skipped),
                targets=[first_party],
                due_at=fell_due,
                urgent=case.urgent,
                case_id=case.id,
                compound_id=case.compound_id,
            )
        )
    log.info("case %s escalated to rung %s", case.id, rung.name)


async def _remind_at_top(
    session: AsyncSession,
    case: Case,
    timer: CaseTimer,
    now: datetime,
    config: TimerConfig,
    outcome: Outcome,
    fell_due: datetime,
) -> None:
    """Remind everyone on an overdue case that no rung above can take, and watch it again later.

    Each time the current rung's limit runs out the reminder repeats, and the
    sweep tries to climb first, so staff registered above in the meantime
    take the case up.
    """
    rung = current_rung(case)
    due = config.rung_limit(rung, urgent=case.urgent).due(now, config.calendar)
    timer.rung = rung
    timer.rung_due_at = due
    outcome.drafts.append(
        Draft(
            key=f"overdue:{case.id}:{stamp(case.resolve_due_at or case.opened_at)}:{stamp(fell_due)}",
            kind="overdue",
            text=notices.overdue_at_top(case, rung, due, config.zone, _late_limit(case, now)),
            targets=await _overdue_targets(session, case, rung),
            due_at=fell_due,
            urgent=case.urgent,
            case_id=case.id,
            compound_id=case.compound_id,
        )
    )
    log.info(
        "case %s is overdue at rung %s with no rung above to escalate to; reminded, next at %s",
        case.id,
        rung.name,
        due.isoformat(),
    )


async def _overdue_targets(session: AsyncSession, case: Case, rung: Rung) -> list[Target]:
    """Return the acting party, the liaison officer and branch secretary, and the supervising rung."""
    targets: list[Target] = []
    acting = party_target(case)
    if acting is not None:
        targets.append(acting)
    # The branch as acting party already reaches its secretary and officer.
    if case.party is None or case.party.kind != PartyKind.PARTY:
        targets += await role_targets(
            session, [RoleKind.BRANCH_SECRETARY, RoleKind.LIAISON_OFFICER], compound_id=case.compound_id
        )
    if rung is not Rung.PARTY:
        targets += await rung_targets(session, case, rung)
    unique: list[Target] = []
    for target in targets:
        if target not in unique:
            unique.append(target)
    return unique


async def _advance_rating(
    session: AsyncSession, case: Case, now: datetime, config: TimerConfig, outcome: Outcome
) -> datetime | None:
    resolved_at = case.resolved_at or now
    remind_at = resolved_at + config.rating_reminder_after
    close_at = resolved_at + config.rating_close_after
    if close_at <= now:
        close(
            session,
            case,
            now=now,
            actor_label="scheduler",
            note="居民未在规定时间内评价，按未评价关闭（不计入满意）",
        )
        outcome.closed_unrated = True
        log.info("case %s closed as unrated", case.id)
        return None

    # The resolve command already asks the reporter to rate; the sweep only
    # reminds once, a day later.
    if remind_at > now:
        return remind_at
    reporter = await reporter_target(session, case)
    if reporter is None:
        log.warning("case %s has no reporter account to send the rating reminder to", case.id)
    # A reminder with no account is stored as such (see scheduler.notify),
    # so the case's record shows why the reporter was never reminded.
    outcome.drafts.append(
        Draft(
            key=f"rating_reminder:{case.id}:{stamp(resolved_at)}",
            kind="rating_reminder",
            text=notices.rating_reminder(case),
            targets=[reporter] if reporter is not None else [],
            due_at=remind_at,
            case_id=case.id,
            compound_id=case.compound_id,
            no_recipient_reason="" if reporter is not None else "the reporter has no account left",
        )
    )
    return close_at


async def reporter_target(session: AsyncSession, case: Case) -> dict[str, Any] | None:
    """Return the account to send the case's reporter a message on, or None when they have none.

    That is the account the reporter wrote their report of this case with,
    while it is still theirs. A co-reporter who wrote on Telegram and was
    split off (拆分) to a case of their own keeps the WeCom group of the
    original case as their case's chat, so the chat's platform alone would
    find no account. Without that account, the member's account on the
    platform of the case's chat is taken, then their first account. A case
    whose opener was split off to a case of their own reminds the earliest
    of the reporters left on it.
    """
    member_id = case.reporter_id
    if member_id is None:
        member_id = await session.scalar(
            select(CaseReporter.member_id)
            .where(CaseReporter.case_id == case.id)
            .order_by(CaseReporter.joined_at, CaseReporter.id)
            .limit(1)
        )
    if member_id is None:
        return None
    used = (
        await session.execute(
            select(Identity.platform, Identity.platform_user_id)
            .join(
                RawMessage,
                (RawMessage.platform == Identity.platform) & (RawMessage.sender_id == Identity.platform_user_id),
            )
            .join(CaseReporter, CaseReporter.raw_message_id == RawMessage.id)
            .where(
                CaseReporter.case_id == case.id,
                CaseReporter.member_id == member_id,
                Identity.member_id == member_id,
            )
            .limit(1)
        )
    ).first()
    if used is not None:
        return {"kind": "user", "platform": used[0], "user_id": used[1]}
    platform = None
    if case.chat_group_id is not None:
        platform = await session.scalar(
            select(ChatGroup.platform).where(ChatGroup.id == case.chat_group_id)
        )
    rows = (
        await session.execute(
            select(Identity.platform, Identity.platform_user_id)
            .where(Identity.member_id == member_id)
            .order_by(Identity.id)
        )
    ).all()
    preferred = [row for row in rows if row[0] == platform] or rows
    if not preferred:
        return None
    return {"kind": "user", "platform": preferred[0][0], "user_id": preferred[0][1]}
