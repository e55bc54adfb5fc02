from __future__ import annotations

from pathlib import Path

import pytest

from nlp.corrections import Correction, append_correction, export_corrections, read_corrections
from nlp.dataset import read_examples


def test_append_then_read(tmp_path: Path) -> None:
    path = tmp_path / "var" / "corrections.csv"
    append_correction(path, Correction("电梯坏了", "repair", "normal", "property"))
    append_correction(path, Correction("着火了", "safety", "urgent", "party"))
    corrections = read_corrections(path)
    assert [c.category for c in corrections] == ["repair", "safety"]
    assert path.read_text(encoding="utf-8").splitlines()[0] == "text,category,urgency,route"


def test_append_rejects_unknown_route(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown route 'police'"):
        append_correction(tmp_path / "c.csv", Correction("着火了", "safety", "urgent", "police"))
    assert not (tmp_path / "c.csv").exists()


def test_append_rejects_empty_text(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty"):
        append_correction(tmp_path / "c.csv", Correction("  ", "chat", "normal", "none"))


def test_export_keeps_last_label_per_text(tmp_path: Path) -> None:
    source = tmp_path / "corrections.csv"
    append_correction(source, Correction("楼下好吵", "noise", "normal", "property"))
    append_correction(source, Correction("物业费涨价", "fees", "normal", "committee"))
    append_correction(source, Correction("楼下好吵", "noise", "normal", "party"))
    target = tmp_path / "export.csv"
    assert export_corrections(source, target) == 2
    examples = read_examples(target)
    assert [(e.text, e.route) for e in examples] == [("楼下好吵", "party"), ("物业费涨价", "committee")]


def test_read_missing_file_is_empty(tmp_path: Path) -> None:
    assert read_corrections(tmp_path / "none.csv") == []
