"""Replay of an exported group-chat log through the live pipeline.

The log is CSV with the header time,group,sender,text (UTF-8; other columns
are ignored). Each line becomes an InboundMessage on the platform "replay".
A group not bound yet is bound to the existing compound its title names;
see ensure_bound for when a compound is created instead.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.adapters.replay_groups import PLATFORM, BindingKind, GroupBinding, binding_line, ensure_bound
from handlers.intake import IntakeResult, Pipeline
from handlers.messages import InboundAttachment, InboundMessage
from models import MessageOutcome

log = logging.getLogger("bot.replay")

REQUIRED_COLUMNS = ("time", "group", "sender", "text")
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
)
MAX_TEXT_CHARS = 5000

# Chat exports write media as placeholders; each becomes an attachment with no text.
PLACEHOLDERS = {
    "[图片]": "image",
    "[照片]": "image",
    "[语音]": "voice",
    "[视频]": "video",
    "[文件]": "file",
    "[位置]": "location",
    "[链接]": "link",
    "[表情]": "sticker",
    "[动画表情]": "sticker",
}


class ReplayFormatError(ValueError):
    """The file is not a chat log this replay can read."""


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    reason: str


@dataclass(slots=True)
class ReplaySummary:
    messages: int = 0
    # Cases opened and joins to open cases; one message may do several.
    opened: int = 0
    attached: int = 0
    # Messages by what happened to them; these add up to `messages`.
    opening_messages: int = 0
    joining_messages: int = 0
    # Lines such as "是12栋的" that give or correct the place of the sender's own case.
    locating_messages: int = 0
    # Lines such as "车都堵在外面了" recorded as detail on the sender's own case.
    detail_messages: int = 0
    ignored: int = 0
    commands: int = 0
    unbound: int = 0
    failed: int = 0
    duplicates: int = 0
    bad_lines: list[BadLine] = field(default_factory=list)
    new_compounds: list[str] = field(default_factory=list)
    # Groups left unbound because their title named no compound or several.
    unbound_groups: list[str] = field(default_factory=list)
    by_route: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)


def parse_time(value: str, zone: ZoneInfo) -> datetime:
    """Parse a log time; times without a zone are local to the compound's zone."""
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
        for fmt in TIME_FORMATS:
            try:
                parsed = datetime.strptime(value, fmt)  # noqa: DTZ007 - zone attached below
                break
            except ValueError:
                continue
        if parsed is None:
            msg = f"时间格式无法识别：{value!r}"
            raise ValueError(msg) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def read_log(stream: TextIO, zone: ZoneInfo) -> Iterator[InboundMessage | BadLine]:
    """Yield a message for each good line and a BadLine for each malformed one.

    Raises:
        ReplayFormatError: The header lacks one of the required columns.
    """
    reader = csv.DictReader(stream)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        msg = (
            f"表头必须包含 {','.join(REQUIRED_COLUMNS)} 这几列（逗号分隔），"
            f"缺少：{','.join(missing)}"
        )
        raise ReplayFormatError(msg)
    reader.fieldnames = header
    seen: Counter[str] = Counter()
    for row in reader:
        line = reader.line_num
        if None in row:
            yield BadLine(line, "列数多于表头，可能是文本中的逗号没有加引号")
            continue
        if row.get("text") is None:
            yield BadLine(line, "缺少字段：text（这一行的列数少于表头）")
            continue
        values = {k: (row.get(k) or "").strip() for k in REQUIRED_COLUMNS}
        empty = [k for k in ("time", "group", "sender") if not values[k]]
        if empty:
            yield BadLine(line, f"缺少字段：{','.join(empty)}")
            continue
        try:
            sent_at = parse_time(values["time"], zone)
        except ValueError as exc:
            yield BadLine(line, str(exc))
            continue
        if len(values["text"]) > MAX_TEXT_CHARS:
            yield BadLine(line, f"文本超过 {MAX_TEXT_CHARS} 字")
            continue
        # The same line replayed twice keeps its id, so a second replay of a
        # log stores and opens nothing new.
        text, attachments = _split_placeholder(values["text"])

        # The parsed time keys the id, so 08:00 and 08:00:00 are the same line.
        key = "\x1f".join((sent_at.isoformat(), values["group"], values["sender"], values["text"]))
        seen[key] += 1
        digest = hashlib.sha1(f"{key}\x1f{seen[key]}".encode()).hexdigest()[:20]
        yield InboundMessage(
            platform=PLATFORM,
            account="replay",
            chat_id=values["group"],
            chat_title=values["group"],
            sender_id=values["sender"],
            sender_name=values["sender"],
            message_id=digest,
            sent_at=sent_at,
            text=text,
            attachments=attachments,
        )


def _split_placeholder(text: str) -> tuple[str, tuple[InboundAttachment, ...]]:
    kind = PLACEHOLDERS.get(text)
    if kind is None:
        return text, ()
    return "", (InboundAttachment(kind=kind, meta={"placeholder": text}),)


async def replay(
    path: Path,
    pipeline: Pipeline,
    *,
    zone: ZoneInfo,
    progress: TextIO | None = None,
    echo: TextIO | None = None,
) -> ReplaySummary:
    """Send every line of a chat log through the pipeline and count the outcomes.

    Raises:
        ReplayFormatError: The file is not UTF-8 CSV with the required header.
    """
    summary = ReplaySummary()
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            items = list(read_log(handle, zone))
    except UnicodeDecodeError as exc:
        msg = f"{path} 不是 UTF-8 编码（第 {exc.start} 字节处出错），请用 UTF-8 编码重新保存后再试"
        raise ReplayFormatError(msg) from exc
    total = len(items)
    step = max(total // 10, 1)
    bound: set[str] = set()
    last_day = None
    for index, item in enumerate(items, start=1):
        if isinstance(item, BadLine):
            summary.bad_lines.append(item)
            log.warning("replay line %s skipped: %s", item.line, item.reason)
        else:
            if item.chat_id not in bound:
                binding = await ensure_bound(pipeline.sessionmaker, item.chat_id)
                if binding is not None:
                    _note_binding(summary, item.chat_id, binding)
                    if echo is not None:
                        echo.write(binding_line(item.chat_id, binding) + "\n")
                bound.add(item.chat_id)
            if echo is not None:
                local = item.sent_at.astimezone(zone)
                if local.date() != last_day:
                    last_day = local.date()
                    echo.write(f"—— {last_day:%Y-%m-%d} ——\n")
                shown = item.text or " ".join(a.meta.get("placeholder", f"[{a.kind}]") for a in item.attachments)
                echo.write(f"[{local:%H:%M}] {item.chat_id} | {item.sender_name}：{shown}\n")
            result = await pipeline.handle(item, now=item.sent_at)
            _count(summary, result)
        if progress is not None and total >= 200 and (index % step == 0 or index == total):
            progress.write(f"进度：{index}/{total} 行\n")
            progress.flush()
    return summary


def _note_binding(summary: ReplaySummary, group: str, binding: GroupBinding) -> None:
    if binding.kind is BindingKind.CREATED:
        summary.new_compounds.append(binding.compound)
    elif binding.kind in (BindingKind.STAFF_UNMATCHED, BindingKind.AMBIGUOUS):
        summary.unbound_groups.append(group)


def _count(summary: ReplaySummary, result: IntakeResult) -> None:
    summary.messages += 1
    if result.duplicate:
        summary.duplicates += 1
        return
    summary.opened += result.opened
    summary.attached += result.attached
    summary.by_route.update(result.routes)
    summary.by_category.update(result.categories)
    outcome = MessageOutcome(result.outcome)
    if outcome is MessageOutcome.OPENED:
        summary.opening_messages += 1
    elif outcome is MessageOutcome.ATTACHED and result.located and not result.attached:
        summary.locating_messages += 1
    elif outcome is MessageOutcome.ATTACHED and result.detailed:
        summary.detail_messages += 1
    elif outcome is MessageOutcome.ATTACHED:
        summary.joining_messages += 1
    elif outcome is MessageOutcome.IGNORED:
        summary.ignored += 1
    elif outcome is MessageOutcome.COMMAND:
        summary.commands += 1
    elif outcome is MessageOutcome.UNBOUND:
        summary.unbound += 1
    elif outcome is MessageOutcome.FAILED:
        summary.failed += 1
