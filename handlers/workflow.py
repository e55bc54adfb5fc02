"""The case life cycle: which changes are legal in which state, and applying them.

The legal transitions are data (TRANSITIONS), so the rules can be read in one
place and tested row by row. Every change goes through `apply_transition`,
which refuses an illegal one with a Chinese message and writes one CaseEvent
with the actor, the time and the note. Nothing here deletes a row.
"""

from __future__ import annotations

import enum
import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.cases import next_case_seq, priority_for, record_event
from handlers.errors import BadCommand, InvalidTransition
from handlers.limits import deadlines_for
from handlers.rounds import end_round, pass_round, start_round
from handlers.routing import party_for, route_for
from handlers.rungs import current_rung, keep_rung, start_rung
from handlers.split_place import reported_place
from models import (
    STATUS_LABELS,
    Case,
    CaseEvent,
    CaseOutcome,
    CaseReporter,
    CaseStatus,
    Member,
    Party,
    RawMessage,
)
from nlp.cues import ME_TOO
from nlp.labels import CATEGORY_LABELS

log = logging.getLogger("handlers.workflow")

S = CaseStatus
OPEN = frozenset(CaseStatus.open_statuses())
# States in which the acting party has taken the case on.
WORKING = frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS})
# The deadlines a merge passes to its target when the merged case's are
# earlier; the "merged_in" event stores each one passed, in ISO format.
MERGED_DEADLINES = ("response_due_at", "resolve_due_at")


class Action(enum.StrEnum):
    """A change to a case; the value is also the kind of its CaseEvent."""

    CLASSIFY = "classified"
    ACKNOWLEDGE = "acknowledged"
    START = "started"
    RESOLVE = "resolved"
    CANNOT_RESOLVE = "cannot_resolve"
    NOT_OUR_DUTY = "not_our_duty"
    HAND_ON = "handed_on"
    ASSIGN = "assigned"
    WITHDRAW = "withdrawn"
    REOPEN = "reopened"
    MERGE = "merged"
    CLOSE = "closed"
    ESCALATE = "escalated"
    RATE = "rated"
    RECATEGORIZE = "recategorized"
    NOT_A_CASE = "not_a_case"
    RELOCATE = "relocated"


@dataclass(frozen=True, slots=True)
class Transition:
    """One legal change: the states it starts from, where it leads, and its outcome.

    Attributes:
        sources: States the case may be in.
        target: The new state, or None when the state stays as it is.
        outcome: The final outcome the change records, if any.
        verb: The Chinese verb used in messages, e.g. 办结.
    """

    sources: frozenset[CaseStatus]
    target: CaseStatus | None
    outcome: CaseOutcome | None
    verb: str


TRANSITIONS: dict[Action, Transition] = {
    Action.CLASSIFY: Transition(frozenset({S.TRIAGE}), S.NEW, None, "分类"),
    Action.ACKNOWLEDGE: Transition(frozenset({S.NEW, S.REOPENED}), S.ACKNOWLEDGED, None, "受理"),
    Action.START: Transition(frozenset({S.ACKNOWLEDGED}), S.IN_PROGRESS, None, "标记为处理中"),
    Action.RESOLVE: Transition(WORKING, S.RESOLVED, CaseOutcome.RESOLVED, "办结"),
    Action.CANNOT_RESOLVE: Transition(
        WORKING, S.CLOSED, CaseOutcome.CANNOT_RESOLVE, "标记为无法解决"
    ),
    # Handing a case to a body outside the compound (a department, a utility)
    # closes it for the compound, and the note names where it went.
    Action.NOT_OUR_DUTY: Transition(
        OPEN - {S.TRIAGE}, S.CLOSED, CaseOutcome.NOT_OUR_DUTY, "标记为非本方职责"
    ),
    # Handing it to another party of the compound restarts the clock there.
    Action.HAND_ON: Transition(OPEN - {S.TRIAGE}, S.NEW, None, "转交"),
    Action.ASSIGN: Transition(OPEN, S.NEW, None, "转派"),
    Action.WITHDRAW: Transition(OPEN, S.CLOSED, CaseOutcome.WITHDRAWN, "撤回"),
    Action.REOPEN: Transition(frozenset({S.RESOLVED, S.CLOSED}), S.REOPENED, None, "重新打开"),
    Action.MERGE: Transition(OPEN, S.MERGED, CaseOutcome.MERGED, "合并"),
    Action.CLOSE: Transition(frozenset({S.RESOLVED}), S.CLOSED, None, "关闭"),
    # The party of a case awaiting triage is the classifier's guess and never
    # received it, so no rung above it has anybody's work to supervise.
    Action.ESCALATE: Transition(OPEN - {S.TRIAGE}, None, None, "升级"),
    Action.RATE: Transition(frozenset({S.RESOLVED, S.CLOSED}), None, None, "评价"),
    # Statistics read the category of resolved and closed cases too, so a
    # wrong one can be fixed until the case is merged. In triage, 分类 sets it.
    Action.RECATEGORIZE: Transition(frozenset(CaseStatus) - {S.TRIAGE, S.MERGED}, None, None, "更改类别"),
    Action.NOT_A_CASE: Transition(OPEN, S.CLOSED, CaseOutcome.NOT_A_CASE, "标记为误报"),
    # An officer's 改位置. Like the category, the place stays correctable
    # after the case ends, because the record keeps where the problem was.
    Action.RELOCATE: Transition(frozenset(CaseStatus) - {S.MERGED}, None, None, "更正位置"),
}


class Rating(enum.StrEnum):
    """A reporter's rating of a resolved case."""

    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"


RATING_LABELS: dict[Rating, str] = {
    Rating.SATISFIED: "满意",
    Rating.BASIC: "基本满意",
    Rating.UNSATISFIED: "不满意",
}


def rating_for_score(score: int) -> Rating:
    """Map a 1-5 score to a rating: 4-5 满意, 3 基本满意, 1-2 不满意.

    Raises:
        BadCommand: The score is outside 1-5.
    """
    if not 1 <= score <= 5:
        msg = f"评分“{score}”无效，请填 1 到 5 分，或“满意 / 基本满意 / 不满意”。"
        raise BadCommand(msg)
    if score >= 4:
        return Rating.SATISFIED
    if score == 3:
        return Rating.BASIC
    return Rating.UNSATISFIED


def actor_name(actor: Member | None, actor_label: str) -> str:
    """Return the label stored with an event: the given one, the member's name or "bot" without a member.

    A member with no display name gets an empty label, which 查询 shows as
    the member's role, so the row never claims that the bot acted.
    """
    if actor_label:
        return actor_label
    if actor is None:
        return "bot"
    return actor.display_name


def status_label(case: Case) -> str:
    """Return the Chinese label of a case's state."""
    return STATUS_LABELS[CaseStatus(case.status)]


def check_transition(case: Case, action: Action) -> Transition:
    """Return the transition for an action, or refuse it in Chinese.

    Raises:
        InvalidTransition: The case's state does not allow the action.
    """
    transition = TRANSITIONS[action]
    if CaseStatus(case.status) in transition.sources:
        return transition
    if action is Action.ACKNOWLEDGE and CaseStatus(case.status) is CaseStatus.ACKNOWLEDGED:
        # A second 受理 is a repeat by a busy person, not a mistake.
        msg = f"工单 {case.number} 当前状态为“{status_label(case)}”，不能重复受理，无需再次操作。"
        raise InvalidTransition(msg)
    msg = (
        f"工单 {case.number} 当前状态为“{status_label(case)}”，"
        f"不能{transition.verb}。{_hint(case, action)}"
    )
    raise InvalidTransition(msg)


# Advice on a case closed as a false alarm, which only staff may reopen.
FALSE_ALARM_ADVICE = "该工单已由小区专员核实为误报并关闭。如问题确实存在，请直接重新描述问题，或联系小区专员。"


def _hint(case: Case, action: Action) -> str:
    status = CaseStatus(case.status)
    if action is Action.RATE and status.is_open:
        return "工单办结后您会收到评价邀请。"
    if status is S.MERGED:
        return "该工单已并入其他工单，请对合并后的工单操作。"
    if status is S.TRIAGE:
        return f"请小区专员先发送“分类 {case.number} 类别”确认类别。"
    if status in (S.NEW, S.REOPENED) and action in (
        Action.RESOLVE,
        Action.CANNOT_RESOLVE,
        Action.START,
    ):
        return f"请先发送“受理 {case.number}”。"
    if status in (S.RESOLVED, S.CLOSED) and action is Action.NOT_A_CASE:
        return "只有未办结的工单可以标记为误报。"
    if case.outcome == CaseOutcome.NOT_A_CASE:
        return FALSE_ALARM_ADVICE
    if status in (S.RESOLVED, S.CLOSED) and action is not Action.REOPEN:
        return f"如问题仍未解决，可发送“重开 {case.number} 原因”。"
    return ""


def apply_transition(
    session: AsyncSession,
    case: Case,
    action: Action,
    *,
    now: datetime,
    actor: Member | None = None,
    actor_label: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Check and apply one change, and add its event to the case's audit trail.

    Raises:
        InvalidTransition: The case's state does not allow the action.
    """
    transition = check_transition(case, action)
    previous = case.status
    if transition.target is not None:
        case.status = transition.target
    if transition.outcome is not None:
        case.outcome = transition.outcome
        case.outcome_note = note or None
        case.closed_at = now
        end_round(session, case, action.value, now)
    case.updated_at = now
    event_data = {"from": previous, "to": case.status, **(data or {})}
    log.debug("case %s: %s -> %s by %s", case.id, previous, case.status, action.value)
    return record_event(
        session,
        case,
        action.value,
        actor=actor,
        actor_label=actor_name(actor, actor_label),
        note=note,
        at=now,
        data=event_data,
    )


def _require_note(note: str, example: str) -> str:
    note = note.strip()
    if not note:
        msg = f"请写明说明或原因，例如：{example}"
        raise BadCommand(msg)
    return note


def acknowledge(
    session: AsyncSession, case: Case, *, actor: Member | None, now: datetime, note: str = ""
) -> CaseEvent:
    """Record that the acting party has taken the case on (受理)."""
    event = apply_transition(session, case, Action.ACKNOWLEDGE, actor=actor, now=now, note=note)
    case.acknowledged_at = now
    return event


def start(
    session: AsyncSession, case: Case, *, actor: Member | None, now: datetime, note: str = ""
) -> CaseEvent:
    """Record that work on the case has begun (处理中)."""
    return apply_transition(session, case, Action.START, actor=actor, now=now, note=note)


def resolve(
    session: AsyncSession, case: Case, *, actor: Member | None, now: datetime, note: str
) -> CaseEvent:
    """Resolve a case with a note saying what was done (办结).

    Raises:
        BadCommand: The note is empty.
        InvalidTransition: The case has not been acknowledged, or is final.
    """
    note = _require_note(note, f"办结 {case.number} 已更换控制板")
    event = apply_transition(session, case, Action.RESOLVE, actor=actor, now=now, note=note)
    case.resolved_at = now
    return event


def cannot_resolve(
    session: AsyncSession, case: Case, *, actor: Member | None, now: datetime, reason: str
) -> CaseEvent:
    """Close a case that cannot be resolved, with the reason.

    Raises:
        BadCommand: The reason is empty.
        InvalidTransition: The case has not been acknowledged, or is final.
    """
    reason = _require_note(reason, f"无法解决 {case.number} 需全体业主表决，暂不具备条件")
    return apply_transition(session, case, Action.CANNOT_RESOLVE, actor=actor, now=now, note=reason)


def hand_on(
    session: AsyncSession,
    case: Case,
    party: Party,
    *,
    actor: Member | None,
    now: datetime,
    reason: str,
    action: Action = Action.HAND_ON,
) -> CaseEvent:
    """Give a case to another party of its compound, with fresh time limits.

    Used both for 转派 (an officer assigns) and for a party saying the case is
    not its duty and naming who should take it. The old party stays in the
    event's data.

    Raises:
        BadCommand: The party already has the case, or belongs to another compound.
        InvalidTransition: The case is final.
    """
    if party.compound_id != case.compound_id:
        msg = f"“{party.name}”不属于工单 {case.number} 所在的小区。"
        raise BadCommand(msg)
    if case.party_id == party.id and CaseStatus(case.status) is not S.TRIAGE:
        msg = f"工单 {case.number} 已由“{party.name}”承办，无需转派。"
        raise BadCommand(msg)
    previous_party = case.party_id
    from_triage = CaseStatus(case.status) is S.TRIAGE
    event = apply_transition(
        session,
        case,
        action,
        actor=actor,
        now=now,
        note=reason,
        data={"from_party_id": previous_party, "to_party_id": party.id, "route": party.kind},
    )
    # Awaiting triage, no party had the case yet, so no party's round ends.
    if not from_triage:
        pass_round(session, case, action.value, now)
    move_to_party(case, party, now)
    return event


def move_to_party(case: Case, party: Party, now: datetime, *, route: str | None = None) -> None:
    """Give a case to a party as a new case for it: not yet acknowledged, with limits from `now`.

    The limits follow the case's category, so a caller that changes the
    category sets it first. The escalation rung stays where it was.
    """
    rung = current_rung(case)
    case.party_id = party.id
    case.party = party
    case.route = route or party.kind
    keep_rung(case, rung)
    case.acknowledged_at = None
    _restart_clock(case, now)


def not_our_duty(
    session: AsyncSession, case: Case, *, actor: Member | None, now: datetime, reason: str
) -> CaseEvent:
    """Close a case that belongs to a body outside the compound; the reason names that body.

    The reason reaches the reporters, so they learn where the case went and
    it is never a dead end.

    Raises:
        BadCommand: The reason is empty.
        InvalidTransition: The case is awaiting triage or final.
    """
    reason = _require_note(reason, f"非本方职责 {case.number} 已转交市政供水热线处理")
    return apply_transition(session, case, Action.NOT_OUR_DUTY, actor=actor, now=now, note=reason)


def withdraw(
    session: AsyncSession, case: Case, *, actor: Member | None, now: datetime, reason: str = ""
) -> CaseEvent:
    """Close a case its reporter withdrew (撤回)."""
    return apply_transition(session, case, Action.WITHDRAW, actor=actor, now=now, note=reason)


def reopen(
    session: AsyncSession,
    case: Case,
    *,
    now: datetime,
    reason: str,
    actor: Member | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Reopen a resolved or closed case with fresh time limits.

    Raises:
        BadCommand: The reason is empty.
        InvalidTransition: The case is open or was merged.
    """
    reason = _require_note(reason, f"重开 {case.number} 维修后仍然漏水")
    event = apply_transition(
        session,
        case,
        Action.REOPEN,
        actor=actor,
        actor_label=actor_label,
        now=now,
        note=reason,
        data={"outcome": case.outcome, **(data or {})},
    )
    case.outcome = None
    case.outcome_note = None
    case.resolved_at = None
    case.closed_at = None
    case.acknowledged_at = None
    _restart_clock(case, now)
    start_round(case, now)
    return event


def close(
    session: AsyncSession,
    case: Case,
    *,
    now: datetime,
    actor: Member | None = None,
    actor_label: str = "",
    note: str = "",
) -> CaseEvent:
    """Close a resolved case, after a good rating or when no rating came in time."""
    return apply_transition(
        session, case, Action.CLOSE, actor=actor, actor_label=actor_label, now=now, note=note
    )


def escalate(
    session: AsyncSession,
    case: Case,
    actor_label: str,
    reason: str,
    now: datetime,
    *,
    actor: Member | None = None,
    level: int | None = None,
) -> CaseEvent:
    """Raise a case's escalation level and record why.

    Signature: ``escalate(session, case, actor_label, reason, now, *, actor=None, level=None)``.
    The scheduler calls it with ``actor_label="scheduler"`` when a time limit
    has passed; the 升级 command calls it with the officer as ``actor``.
    ``level`` sets the rung directly (the scheduler's ladder); without it the
    level goes up by one. The case's state does not change and its party
    stays on the case. The caller sends the messages and commits.

    Args:
        session: The open session; nothing is committed here.
        case: An open case that is not awaiting triage.
        actor_label: Who escalated when no member did ("scheduler").
        reason: The reason, shown in every message about the escalation.
        now: The time of the escalation, time-zone aware.
        actor: The member who escalated by command, if any.
        level: The new escalation level; must be above the current one.

    Returns:
        The "escalated" CaseEvent, whose data contains from_level and to_level.

    Raises:
        BadCommand: The reason is empty, or the level is not above the current one.
        InvalidTransition: The case is final or awaits triage.
    """
    reason = _require_note(reason, f"升级 {case.number} 物业三天未响应")
    current = case.escalation_level
    target = current + 1 if level is None else level
    if target <= current:
        msg = f"工单 {case.number} 已处于第{current}级督办，不能降为第{target}级。"
        raise BadCommand(msg)
    event = apply_transition(
        session,
        case,
        Action.ESCALATE,
        actor=actor,
        actor_label=actor_label,
        now=now,
        note=reason,
        data={"from_level": current, "to_level": target},
    )
    case.escalation_level = target
    return event


async def classify(
    session: AsyncSession, case: Case, category: str, *, actor: Member | None, now: datetime
) -> CaseEvent:
    """Set the category of a case awaiting triage, route it and start its clock.

    The event keeps the case's text with the old and new label, so the
    correction can be exported as a labelled example for retraining.

    Raises:
        BadCommand: The category is not a known key.
        InvalidTransition: The case is not awaiting triage.
    """
    if category not in CATEGORY_LABELS:
        msg = f"“{category}”不是已知的类别。"
        raise BadCommand(msg)
    check_transition(case, Action.CLASSIFY)
    route = await route_for(session, case.compound, category, external=case.external)
    party = party_for(case.compound, route)
    event = apply_transition(
        session,
        case,
        Action.CLASSIFY,
        actor=actor,
        now=now,
        note=CATEGORY_LABELS[category],
        data={
            "text": case.summary,
            "label": category,
            "previous_label": case.category,
            "confidence": case.confidence,
            "route": route,
            "urgent": case.urgent,
        },
    )
    rung = current_rung(case)
    case.category = category
    case.route = route
    keep_rung(case, rung)
    case.party_id = party.id if party else None
    case.party = party
    _restart_clock(case, now)
    # Awaiting triage, no party had the case, so its first response limit starts now.
    case.first_response_due_at = case.response_due_at
    return event


async def merge(
    session: AsyncSession, source: Case, target: Case, *, actor: Member | None, now: datetime
) -> CaseEvent:
    """Merge a case into another: its reporters join the target and it forwards there.

    The source keeps its rows and its history; later messages about it are
    followed to the target through Case.merged_into_id.

    Raises:
        BadCommand: The two cases are one, or belong to different compounds.
        InvalidTransition: Either case is not open.
    """
    if source.id == target.id:
        msg = "不能把工单合并到它自己。"
        raise BadCommand(msg)
    if source.compound_id != target.compound_id:
        msg = "只能合并同一小区的工单。"
        raise BadCommand(msg)
    if not CaseStatus(target.status).is_open:
        # The target is the case that would receive the other one.
        msg = f"工单 {target.number} 当前状态为“{status_label(target)}”，不能把其他工单并入它。"
        merged_into = await session.get(Case, target.merged_into_id) if target.merged_into_id else None
        if merged_into is not None:
            msg += f"它已并入工单 {merged_into.number}，请发送“合并 {source.number} {merged_into.number}”。"
        raise InvalidTransition(msg)
    check_transition(source, Action.MERGE)

    target_members = set(
        await session.scalars(
            select(CaseReporter.member_id).where(CaseReporter.case_id == target.id)
        )
    )
    moved = 0
    for reporter in await session.scalars(
        select(CaseReporter).where(CaseReporter.case_id == source.id).order_by(CaseReporter.id)
    ):
        if reporter.member_id in target_members:
            continue
        session.add(
            CaseReporter(
                case_id=target.id,
                member_id=reporter.member_id,
                raw_message_id=reporter.raw_message_id,
                joined_at=now,
            )
        )
        target_members.add(reporter.member_id)
        moved += 1

    event = apply_transition(
        session,
        source,
        Action.MERGE,
        actor=actor,
        now=now,
        note=f"并入工单 {target.number}",
        data={"into_case_id": target.id, "into_number": target.number},
    )
    source.merged_into_id = target.id
    target.reporter_count += moved
    target.priority = max(target.priority, source.priority, priority_for(target.reporter_count))
    target.urgent = target.urgent or source.urgent
    # Merging an older, escalated case into a newer one must not lose its
    # supervision level or its earlier deadlines. The event keeps each
    # deadline the merge brought in, so a later 改类 can keep it too.
    # The levels count rungs climbed from each case's own start rung, so the
    # rungs are compared: a committee case escalated to the branch lifts a
    # property case to the branch, not to the committee.
    if source.escalation_level > 0 and current_rung(source) > current_rung(target):
        target.escalation_level = int(current_rung(source)) - int(start_rung(target))
    brought_in: dict[str, str] = {}
    for deadline in MERGED_DEADLINES:
        theirs = getattr(source, deadline)
        if theirs is not None and (getattr(target, deadline) is None or theirs < getattr(target, deadline)):
            setattr(target, deadline, theirs)
            brought_in[deadline] = theirs.isoformat()
    target.updated_at = now
    record_event(
        session,
        target,
        "merged_in",
        actor=actor,
        actor_label=actor_name(actor, ""),
        note=f"工单 {source.number}",
        at=now,
        data={
            "from_case_id": source.id,
            "from_number": source.number,
            "reporters_added": moved,
            **brought_in,
        },
    )
    return event


async def split(
    session: AsyncSession,
    source: Case,
    position: int,
    *,
    actor: Member | None,
    now: datetime,
    note: str = "",
) -> Case:
    """Move one reporter of a case, by position in join order, into a new case of their own.

    The new case copies the category and party, takes the text of the
    reporter's message as its summary and the place of their report
    (split_place.reported_place), and starts with fresh time limits.

    Raises:
        BadCommand: The position names no reporter, or the case has only one.
        InvalidTransition: The case is not open.
    """
    if not CaseStatus(source.status).is_open:
        msg = f"工单 {source.number} 当前状态为“{status_label(source)}”，不能拆分。"
        raise InvalidTransition(msg)
    reporters = list(
        await session.scalars(
            select(CaseReporter)
            .where(CaseReporter.case_id == source.id)
            .order_by(CaseReporter.joined_at, CaseReporter.id)
        )
    )
    if len(reporters) < 2:
        msg = f"工单 {source.number} 只有一位反映人，无需拆分。"
        raise BadCommand(msg)
    if not 1 <= position <= len(reporters):
        msg = (
            f"工单 {source.number} 共有{len(reporters)}位反映人，"
            f"请填 1 到 {len(reporters)} 之间的序号。"
        )
        raise BadCommand(msg)
    moving = reporters[position - 1]
    text = ""
    if moving.raw_message_id is not None:
        raw = await session.get(RawMessage, moving.raw_message_id)
        text = raw.text if raw is not None else ""
    # A bare "+1" carries no words of its own, so the new case keeps the source's.
    if ME_TOO.match(unicodedata.normalize("NFKC", text)):
        text = ""

    deadlines = deadlines_for(source.category, source.urgent, now)
    place = await reported_place(session, source, moving, text)
    new_case = Case(
        compound_id=source.compound_id,
        seq=await next_case_seq(session, source.compound),
        building=place.building,
        unit=place.unit,
        room=place.room,
        place=place.place,
        category=source.category,
        urgent=source.urgent,
        confidence=source.confidence,
        route=source.route,
        party_id=source.party_id,
        external=source.external,
        summary=text or note or source.summary,
        status=S.NEW,
        reporter_id=moving.member_id,
        chat_group_id=source.chat_group_id,
        thread_id=source.thread_id,
        opened_at=now,
        updated_at=now,
        round_started_at=now,
        response_due_at=deadlines.response_due,
        resolve_due_at=deadlines.resolve_due,
    )
    new_case.compound = source.compound
    new_case.party = source.party
    session.add(new_case)
    await session.flush()

    # The row moves with the reporter, so each report counts on one case only.
    moving.case_id = new_case.id
    source.reporter_count = max(1, source.reporter_count - 1)
    if source.reporter_id == moving.member_id:
        # The source keeps the summary and place of the report that opened
        # it, so no remaining reporter takes over the opener's role. Each
        # may leave it with 撤回, and none can read the opener's phone number.
        source.reporter_id = None
    source.updated_at = now
    record_event(
        session,
        source,
        "split",
        actor=actor,
        actor_label=actor_name(actor, ""),
        at=now,
        note=note or f"第{position}位反映人的问题另立为工单 {new_case.number}",
        data={"new_case_id": new_case.id, "member_id": moving.member_id},
    )
    record_event(
        session,
        new_case,
        "opened",
        actor=actor,
        actor_label=actor_name(actor, ""),
        at=now,
        note=f"从工单 {source.number} 拆分",
        data={"split_from_case_id": source.id},
    )
    return new_case


def rate(
    session: AsyncSession,
    case: Case,
    rating: Rating,
    *,
    actor: Member,
    now: datetime,
    score: int | None = None,
    comment: str = "",
) -> CaseEvent:
    """Record a reporter's rating; 不满意 reopens the case, a good rating closes it.

    The event keeps the party that was rated, so an unsatisfied rating counts
    against that party even after the case moves on.

    Raises:
        InvalidTransition: The case was not resolved, or ended otherwise.
    """
    check_transition(case, Action.RATE)
    if case.outcome == CaseOutcome.NOT_A_CASE:
        msg = f"工单 {case.number} 无需评价。{FALSE_ALARM_ADVICE}"
        raise InvalidTransition(msg)
    if case.outcome != CaseOutcome.RESOLVED:
        msg = (
            f"工单 {case.number} 未以“已解决”结束，无需评价。"
            f"如问题仍在，可发送“重开 {case.number} 原因”。"
        )
        raise InvalidTransition(msg)
    label = RATING_LABELS[rating]
    event = apply_transition(
        session,
        case,
        Action.RATE,
        actor=actor,
        now=now,
        note=f"{label} {comment}".strip(),
        data={
            "rating": rating.value,
            "score": score,
            "party_id": case.party_id,
            "route": case.route,
        },
    )
    case.rating = rating.value
    case.rating_comment = comment or None
    if rating is Rating.UNSATISFIED:
        reopen(
            session,
            case,
            actor=actor,
            now=now,
            reason=f"居民评价不满意：{comment}" if comment else "居民评价不满意",
            data={"unsatisfied_party_id": case.party_id},
        )
    elif CaseStatus(case.status) is S.RESOLVED:
        close(session, case, actor=actor, now=now, note=f"居民评价{label}")
    return event


def _restart_clock(case: Case, now: datetime) -> None:
    deadlines = deadlines_for(case.category, case.urgent, now)
    case.response_due_at = deadlines.response_due
    case.resolve_due_at = deadlines.resolve_due
