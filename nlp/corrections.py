"""Officer corrections kept as labelled examples for the next training run.

When an officer fixes a case's category, urgency or route, the corrected
example is appended to a CSV in the training format (text, category,
urgency, route). The functions take a path and touch no database; the caller
decides where the file lives. Exported files can be copied into nlp/data/ and
picked up by `python -m nlp train`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nlp.labels import CATEGORY_LABELS, ROUTE_LABELS, URGENCY_LABELS

COLUMNS = ("text", "category", "urgency", "route")


@dataclass(frozen=True, slots=True)
class Correction:
    """One officer-corrected labelled example."""

    text: str
    category: str
    urgency: str
    route: str


def check_correction(correction: Correction) -> None:
    """Check that a correction can be a training example.

    Raises:
        ValueError: The text is empty or a label is not a known key.
    """
    if not correction.text.strip():
        msg = "correction text is empty"
        raise ValueError(msg)
    for value, known, name in (
        (correction.category, CATEGORY_LABELS, "category"),
        (correction.urgency, URGENCY_LABELS, "urgency"),
        (correction.route, ROUTE_LABELS, "route"),
    ):
        if value not in known:
            msg = f"unknown {name} {value!r}; expected one of {', '.join(known)}"
            raise ValueError(msg)


def append_correction(path: str | Path, correction: Correction) -> None:
    """Append one corrected example to a CSV, writing the header for a new file.

    Args:
        path: The corrections CSV; created with its folder if missing.
        correction: The corrected labels and the message text.

    Raises:
        ValueError: The text is empty or a label is not a known key.
    """
    check_correction(correction)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.exists() or path.stat().st_size == 0
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if new_file:
            writer.writerow(COLUMNS)
        writer.writerow([correction.text, correction.category, correction.urgency, correction.route])


def read_corrections(path: str | Path) -> list[Correction]:
    """Read every correction from a CSV written by append_correction.

    Args:
        path: The corrections CSV; a missing file has no corrections.
    """
    path = Path(path)
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Correction(row["text"], row["category"], row["urgency"], row["route"])
            for row in csv.DictReader(handle)
        ]


def export_corrections(source: str | Path, target: str | Path) -> int:
    """Write the corrections as a training CSV, without duplicates, and count them.

    The last correction of a text wins (latest_per_text).

    Args:
        source: The corrections CSV kept by append_correction.
        target: The training CSV to write, e.g. nlp/data/corrections.csv.

    Returns:
        The number of rows written.
    """
    latest = latest_per_text(read_corrections(source))
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for correction in latest:
            writer.writerow(
                [correction.text, correction.category, correction.urgency, correction.route]
            )
    return len(latest)


def latest_per_text(corrections: list[Correction]) -> list[Correction]:
    """Keep the last correction of each text, in the order the texts first appeared.

    An officer may correct the same message twice, and the later label is
    the one meant.
    """
    latest: dict[str, Correction] = {}
    for correction in corrections:
        latest[correction.text] = correction
    return list(latest.values())
