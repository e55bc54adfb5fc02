"""Officer corrections of the classifier after triage: a new category (改类) and a false alarm (误报).

Both changes keep the case's text with the old and the new label in their
CaseEvent, as the triage correction ("classified") does. So every officer
correction can be exported as a labelled example for retraining
(handlers.corrections).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.calendar import WorkCalendar
from handlers.errors import BadCommand
from handlers.limits import LimitUnit, current_table, deadlines_for, extend_for_pause
from handlers.rounds import pass_round
from handlers.routing import party_for, route_for
from handlers.rungs import current_rung, keep_rung
from handlers.workflow import MERGED_DEADLINES, Action, apply_transition, check_transition, move_to_party
from models import Case, CaseEvent, CaseStatus, Member, Party
from nlp.labels import CATEGORY_LABELS, CHAT, default_route

# Event kinds that start a case's clock again. A recategorization does so
# only when it moved the case to another party (data["handed_on"]).
CLOCK_RESTARTS = ("classified", "handed_on", "assigned", "reopened", Action.RECATEGORIZE.value)


@dataclass(frozen=True, slots=True)
class Recategorized:
    """The effect of a category change on a case, for the messages about it.

    Attributes:
        event: The "recategorized" CaseEvent.
        previous_category: The category key before the change.
        previous_party: The party that had the case before, if any.
        handed_on: The case was open and went to another party.
    """

    event: CaseEvent
    previous_category: str
    previous_party: Party | None
    handed_on: bool


async def recategorize(
    session: AsyncSession, case: Case, category: str, *, actor: Member | None, now: datetime
) -> Recategorized:
    """Correct the category of a case that left triage, and route it again if it is open.

    The route comes from the compound's routing table for the new category.
    Time limits change as follows:

    - An open case whose party changes goes to the new party as 转派 gives
      it: state 待受理, not acknowledged, limits counted from `now`, and the
      escalation rung kept.
    - An open case that stays with its party keeps its clock start, the
      latest of its opening, classification, hand-over and reopening. The
      limits of the new category are counted from that start, and every
      pause that ended since (恢复计时) is added again. The party does not
      lose time it already spent on the case, and gets no time back either.
      A deadline that a merge brought in from an older case stays unless
      the new category's is earlier.
    - A resolved or closed case keeps its party, route and limits, because
      they record who handled it and by when. Only the category changes,
      so statistics count the case under the right one.

    A change of party ends the old party's handling round (CaseRound) and
    begins the new party's, so each party's figures keep its own round.

    Raises:
        BadCommand: The category is unknown, is chat, or is the current one.
        InvalidTransition: The case awaits triage or was merged.
    """
    if category not in CATEGORY_LABELS:
        msg = f"“{category}”不是已知的类别。"
        raise BadCommand(msg)
    if category == CHAT:
        msg = f"闲聊不是工单类别。如这条消息不需要处理，请发送“误报 {case.number}”。"
        raise BadCommand(msg)
    check_transition(case, Action.RECATEGORIZE)
    if category == case.category:
        msg = f"工单 {case.number} 的类别已是“{CATEGORY_LABELS[category]}”，无需更改。"
        raise BadCommand(msg)

    route = await route_for(session, case.compound, category, external=case.external)
    party = party_for(case.compound, route)
    is_open = CaseStatus(case.status).is_open
    handed_on = is_open and party is not None and party.id != case.party_id
    previous_category = case.category
    previous_party = case.party
    event = apply_transition(
        session,
        case,
        Action.RECATEGORIZE,
        actor=actor,
        now=now,
        note=f"由“{CATEGORY_LABELS.get(previous_category, previous_category)}”改为“{CATEGORY_LABELS[category]}”",
        data={
            "text": case.summary,
            "label": category,
            "previous_label": previous_category,
            "confidence": case.confidence,
            "route": route,
            "urgent": case.urgent,
            "from_party_id": case.party_id,
            "to_party_id": party.id if handed_on and party is not None else case.party_id,
            "handed_on": handed_on,
            **({"to": CaseStatus.NEW.value} if handed_on else {}),
        },
    )
    case.category = category
    if handed_on and party is not None:
        case.status = CaseStatus.NEW
        pass_round(session, case, Action.RECATEGORIZE.value, now)
        move_to_party(case, party, now, route=route)
    elif is_open:
        rung = current_rung(case)
        case.route = route
        keep_rung(case, rung)
        await _recount_limits(session, case)
    return Recategorized(event, previous_category, previous_party, handed_on)


async def clock_start(session: AsyncSession, case: Case) -> datetime:
    """Return when the case's current clock started: its opening or the latest restart."""
    rows = await session.execute(
        select(CaseEvent.kind, CaseEvent.at, CaseEvent.data)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(CLOCK_RESTARTS))
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
    )
    for kind, at, data in rows:
        if kind != Action.RECATEGORIZE.value or (data or {}).get("handed_on"):
            return at
    return case.opened_at


async def _recount_limits(session: AsyncSession, case: Case) -> None:
    """Count the limits of the case's category from its clock start, with past pauses added.

    A deadline that a merge since the clock start brought in from an older
    case (workflow.merge) stays when it is earlier. Its residents have
    waited since that case's report, and the party has known of the problem
    since then, so a category fix must not give the party that time again.
    The new category's deadline replaces it only when that one is earlier.
    """
    start = await clock_start(session, case)
    table = current_table()
    rule = table.rule_for(case.category, case.urgent)
    deadlines = deadlines_for(case.category, case.urgent, start)
    due = {"response_due_at": deadlines.response_due, "resolve_due_at": deadlines.resolve_due}
    units = {"response_due_at": rule.acknowledge.unit, "resolve_due_at": rule.resolve.unit}
    pauses = await _pauses_since(session, case, start)
    for name in due:
        due[name] = _past_pauses(due[name], units[name], start, pauses, table.calendar)
    for merged_at, data in await _merges_since(session, case, start):
        for name in MERGED_DEADLINES:
            if name not in data:
                continue
            brought_in = _past_pauses(
                datetime.fromisoformat(data[name]), units[name], merged_at, pauses, table.calendar
            )
            due[name] = min(due[name], brought_in)
    case.response_due_at = due["response_due_at"]
    case.resolve_due_at = due["resolve_due_at"]


async def merged_deadline_sources(session: AsyncSession, case: Case) -> dict[str, str]:
    """Map each deadline the case still has from a merge to the number of the merged case.

    Keys are names in workflow.MERGED_DEADLINES. A deadline counts as the
    merge's when it equals the one a merge since the clock start brought in,
    moved past the later pauses as 恢复计时 moved it. A deadline that a
    later step replaced (改类 to a stricter category, for one) is not
    listed.
    """
    start = await clock_start(session, case)
    table = current_table()
    rule = table.rule_for(case.category, case.urgent)
    units = {"response_due_at": rule.acknowledge.unit, "resolve_due_at": rule.resolve.unit}
    pauses = await _pauses_since(session, case, start)
    sources: dict[str, str] = {}
    for merged_at, data in await _merges_since(session, case, start):
        for name in MERGED_DEADLINES:
            if name not in data or "from_number" not in data:
                continue
            brought_in = _past_pauses(
                datetime.fromisoformat(data[name]), units[name], merged_at, pauses, table.calendar
            )
            if brought_in == getattr(case, name):
                sources[name] = data["from_number"]
    return sources


async def _pauses_since(session: AsyncSession, case: Case, start: datetime) -> list[tuple[datetime, datetime]]:
    """Return the (paused, resumed) times of the case's pauses that ended at or after `start`."""
    resumed = await session.execute(
        select(CaseEvent.at, CaseEvent.data)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "clock_resumed", CaseEvent.at >= start)
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    return [
        (resumed_at - timedelta(seconds=int((data or {}).get("paused_seconds", 0))), resumed_at)
        for resumed_at, data in resumed
    ]


def _past_pauses(
    due: datetime,
    unit: LimitUnit,
    since: datetime,
    pauses: list[tuple[datetime, datetime]],
    calendar: WorkCalendar,
) -> datetime:
    """Move a deadline that applied from `since` past each pause that ended at or after that moment.

    A pause counts whole, as 恢复计时 moved the case's deadlines by all of it.
    """
    for paused_at, resumed_at in pauses:
        if resumed_at >= since:
            due = extend_for_pause(due, unit, paused_at, resumed_at, calendar)
    return due


async def _merges_since(session: AsyncSession, case: Case, start: datetime) -> list[tuple[datetime, dict]]:
    """Return the time and data of each merge into the case at or after `start`."""
    rows = await session.execute(
        select(CaseEvent.at, CaseEvent.data)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "merged_in", CaseEvent.at >= start)
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    return [(merged_at, data or {}) for merged_at, data in rows]


def mark_false_alarm(
    session: AsyncSession, case: Case, *, actor: Member | None, now: datetime, note: str = ""
) -> CaseEvent:
    """Close an open case whose message was no problem at all (误报), such as chat or a joke.

    The outcome NOT_A_CASE keeps the case out of every count and rate. The
    event stores the text under the label chat, the class of messages that
    open no case, so the export teaches the model to leave such lines alone.

    Raises:
        InvalidTransition: The case is resolved, closed or merged.
    """
    return apply_transition(
        session,
        case,
        Action.NOT_A_CASE,
        actor=actor,
        now=now,
        note=note,
        data={
            "text": case.summary,
            "label": CHAT,
            "previous_label": case.category,
            "confidence": case.confidence,
            # The training data labels every chat line urgency normal and route none.
            "route": default_route(CHAT),
            "urgent": False,
            "party_id": case.party_id,
        },
    )

