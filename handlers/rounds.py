"""Handling rounds: each party's turn on a case, kept so that past figures never change.

A round starts when a case is opened, reopened or given to another party,
and ends with a closing act or when the case goes to another party. The
running round lives on the case row (party, limits, acknowledged_at,
round_started_at). Ending it writes a CaseRound row, which nothing changes
later. Every function here only adds to the session, so the round is
written in the transaction of the change that ended it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseOutcome, CaseRound

# Closing acts by which the acting party itself responds to a case.
RESPONDING_OUTCOMES = frozenset({CaseOutcome.RESOLVED, CaseOutcome.CANNOT_RESOLVE, CaseOutcome.NOT_OUR_DUTY})


def end_round(session: AsyncSession, case: Case, end_kind: str, now: datetime) -> CaseRound:
    """Write the case's running round as ended by an event of kind `end_kind`.

    The outcome is the case's outcome, so a caller ending a round by a
    closing act sets the outcome first. A caller handing the case on ends
    the round before the new party replaces the old one on the case row.
    """
    responded_at = case.acknowledged_at
    if responded_at is None and case.outcome in RESPONDING_OUTCOMES:
        responded_at = now
    ended = CaseRound(
        case_id=case.id,
        compound_id=case.compound_id,
        number=case.round_number or 1,
        party_id=case.party_id,
        route=case.route,
        started_at=case.round_started_at or case.opened_at,
        response_due_at=case.response_due_at,
        resolve_due_at=case.resolve_due_at,
        responded_at=responded_at,
        ended_at=now,
        end_kind=end_kind,
        outcome=case.outcome,
    )
    session.add(ended)
    return ended


def start_round(case: Case, now: datetime) -> None:
    """Begin the next round on the case row; the caller sets its party and limits."""
    case.round_number = (case.round_number or 1) + 1
    case.round_started_at = now


def pass_round(session: AsyncSession, case: Case, end_kind: str, now: datetime) -> None:
    """End the running round because the case goes to another party, and begin the next one."""
    end_round(session, case, end_kind, now)
    start_round(case, now)
