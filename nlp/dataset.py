"""Reading labelled examples: CSV files with text, category, urgency and route."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nlp.labels import CATEGORY_LABELS, ROUTE_LABELS, URGENCY_LABELS

REQUIRED_COLUMNS = ("text", "category", "urgency", "route")


@dataclass(frozen=True, slots=True)
class LabelledExample:
    """One labelled message."""

    text: str
    category: str
    urgency: str
    route: str

    @property
    def urgent(self) -> bool:
        return self.urgency == "urgent"


def read_examples(path: Path) -> list[LabelledExample]:
    """Read a labelled CSV; columns other than the four labels are ignored.

    Args:
        path: A UTF-8 CSV with a header row holding at least the columns
            text, category, urgency and route.

    Raises:
        ValueError: A required column is missing or a row has an unknown label.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in REQUIRED_COLUMNS if name not in (reader.fieldnames or [])]
        if missing:
            msg = f"{path} 缺少列 {','.join(missing)}；表头须包含 {','.join(REQUIRED_COLUMNS)}"
            raise ValueError(msg)
        examples = []
        for line, row in enumerate(reader, start=2):
            example = LabelledExample(
                text=row["text"],
                category=row["category"].strip(),
                urgency=row["urgency"].strip(),
                route=row["route"].strip(),
            )
            _check_labels(path, line, example)
            examples.append(example)
    return examples


def _check_labels(path: Path, line: int, example: LabelledExample) -> None:
    for value, known, name in (
        (example.category, CATEGORY_LABELS, "category"),
        (example.urgency, URGENCY_LABELS, "urgency"),
        (example.route, ROUTE_LABELS, "route"),
    ):
        if value not in known:
            msg = f"{path} 第 {line} 行：{name} 列的值 {value!r} 无效，可选：{', '.join(known)}"
            raise ValueError(msg)
