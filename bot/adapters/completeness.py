"""Detect an adapter whose settings are partly filled in, so the start stops instead of leaving it off.

An adapter with none of its settings stays off quietly. Filling some of them
requests the adapter, so a missing one is a configuration error, reported in
Chinese with the names of the settings.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.settings import Settings


def filled(settings: Settings, name: str) -> bool:
    """Tell whether a setting (field name) has a non-empty value."""
    value = getattr(settings, name)
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    return bool(value)


def incomplete(label: str, settings: Settings, own: Sequence[str], required: Sequence[str]) -> str | None:
    """Describe what `label` lacks when any of its `own` settings is filled but a `required` one is not.

    Args:
        label: The adapter's name as operators know it, in Chinese.
        own: Settings that only this adapter uses; filling one requests the adapter.
        required: Settings the adapter cannot start without.
    """
    present = [name for name in own if filled(settings, name)]
    missing = [name for name in required if not filled(settings, name)]
    if not present or not missing:
        return None
    # Chinese text puts a space between a Latin word and the characters after it.
    subject = f"{label} 的" if label[-1].isascii() else f"{label}的"
    return (
        f"{subject}配置不完整：已填写 {_names(present)}，还缺少 {_names(missing)}；"
        "要启用就补全这些配置，不用就把已填写的留空"
    )


def _names(fields: Sequence[str]) -> str:
    return "、".join(name.upper() for name in fields)
