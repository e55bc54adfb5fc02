"""The guide's table of the states each command works in matches the states the code accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.commands.timers import PAUSABLE
from models import STATUS_LABELS

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.zh-CN.md"


def guide_states(command: str) -> set[str]:
    """Return the state labels the guide's table lists for a command."""
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] == command:
            return set(cells[1].split("（")[0].split("、"))
    return set()


@pytest.mark.parametrize("command", ["挂起", "恢复计时"])
def test_clock_commands_listed_with_states(command):
    assert guide_states(command) == {STATUS_LABELS[status] for status in PAUSABLE}
