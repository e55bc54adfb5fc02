"""The rungs of the escalation ladder and the rung a case is on.

Kept apart from handlers.ladder, which acts on the ladder, so that the
workflow can keep a case's rung when it changes hands without importing
the ladder, which imports the workflow.
"""

from __future__ import annotations

import enum

from models import Case, PartyKind


class Rung(enum.IntEnum):
    PROPERTY = 0
    COMMITTEE = 1
    PARTY = 2
    COMMUNITY = 3
    STREET = 4


RUNG_LABELS: dict[Rung, str] = {
    Rung.PROPERTY: "物业公司",
    Rung.COMMITTEE: "业委会",
    Rung.PARTY: "小区党组织和小区专员",
    Rung.COMMUNITY: "社区",
    Rung.STREET: "街道三方办",
}

_RUNG_OF_ROUTE = {PartyKind.PROPERTY: Rung.PROPERTY, PartyKind.COMMITTEE: Rung.COMMITTEE}


def start_rung(case: Case) -> Rung:
    """Return the rung a case starts on: its party's, or the branch for anything else."""
    try:
        return _RUNG_OF_ROUTE.get(PartyKind(case.route), Rung.PARTY)
    except ValueError:
        return Rung.PARTY


def current_rung(case: Case) -> Rung:
    """Return the current rung of a case: its start rung plus the rungs climbed."""
    return Rung(min(int(Rung.STREET), int(start_rung(case)) + case.escalation_level))


def keep_rung(case: Case, rung: Rung) -> None:
    """Set the rungs climbed so that an escalated case whose route changed stays on `rung`.

    A case supervised by the community (社区督办) stays so when the branch
    hands it from the property firm to the committee. A case given to a
    party above its rung starts on that party's rung, and a case that has
    not climbed starts on its new party's rung.
    """
    if case.escalation_level > 0:
        case.escalation_level = max(0, int(rung) - int(start_rung(case)))
