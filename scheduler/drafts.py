"""A notification decided by the sweep, before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Draft:
    """A notification decided by the sweep, before it is stored."""

    key: str
    kind: str
    text: str
    targets: list[dict[str, Any]]
    due_at: datetime
    urgent: bool = False
    case_id: int | None = None
    compound_id: int | None = None
    street_id: int | None = None
    image_path: str | None = None
    # Why `targets` is empty, for the log and the stored row; empty when there are targets.
    no_recipient_reason: str = ""


def stamp(moment: datetime) -> int:
    """Return a moment as whole Unix seconds, the form it takes in notification keys."""
    return int(moment.timestamp())
