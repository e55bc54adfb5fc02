"""Chinese labels of the audit-trail events that 查询 shows."""

from __future__ import annotations

import ast
from pathlib import Path

from handlers.commands.query import EVENT_LABELS
from handlers.workflow import Action
from tests.helpers import later
from tests.workflow.desk import open_desk

ROOT = Path(__file__).resolve().parents[2]
# Packages whose code writes CaseEvent rows.
EVENT_WRITERS = ("handlers", "bot")


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """Return the module-level NAME = "text" assignments of a module."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _kind_value(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def recorded_kinds() -> tuple[set[str], list[str]]:
    """Scan the event writers for the kinds they record.

    Returns the kinds found and the places whose kind is an expression the
    scan cannot read, apart from the workflow's `action.value`, whose kinds
    are the Action values.
    """
    kinds = {action.value for action in Action}
    unreadable = []
    for package in EVENT_WRITERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants = _string_constants(tree)
            for node in ast.walk(tree):
                expression = None
                if isinstance(node, ast.Call):
                    name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                    if name == "record_event" and len(node.args) >= 3:
                        expression = node.args[2]
                elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = node.targets[0]
                    if isinstance(target, ast.Attribute) and target.attr == "kind" and isinstance(node.value, ast.Name):
                        expression = node.value
                if expression is None or ast.unparse(expression) == "action.value":
                    continue
                kind = _kind_value(expression, constants)
                if kind is None:
                    unreadable.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                else:
                    kinds.add(kind)
    return kinds, unreadable


def test_scan_finds_known_kinds():
    kinds, _unreadable = recorded_kinds()

    for kind in ("opened", "co_reporter_removed", "rating_replaced", "clock_paused", "message_withdrawn"):
        assert kind in kinds


def test_every_recorded_kind_has_label():
    kinds, unreadable = recorded_kinds()

    assert unreadable == []
    missing = sorted(kind for kind in kinds if kind not in EVENT_LABELS)
    assert missing == []


def test_labels_are_chinese():
    for kind, label in EVENT_LABELS.items():
        assert label, kind
        assert not label.isascii(), kind


async def test_history_labels_withdrawal_and_new_rating(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("3栋2单元1002室卫生间也在漏水", sender="r2", at=later(2))
        await desk.say("撤回 0001", sender="r2", at=later(3))
        await desk.say("受理 0001", sender="wang", at=later(10))
        await desk.say("办结 0001 已重做防水层", sender="wang", at=later(20))
        await desk.say("评价 0001 满意", sender="r1", at=later(30))
        await desk.say("评价 0001 基本满意", sender="r1", at=later(31))

        replies = await desk.say("查询 0001", sender="r1", chat_id="r1", private=True, at=later(40))

        history = replies[0]
        assert "办理记录" in history
        assert "撤回反映" in history
        assert "旧评价" in history
        assert "co_reporter_removed" not in history
        assert "rating_replaced" not in history
