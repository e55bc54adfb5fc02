"""WeCom session archive (会话内容存档): every message of archived chats, pulled by sequence number."""

from bot.adapters.wecom_archive.adapter import ArchiveOutbound, WecomArchiveAdapter
from bot.adapters.wecom_archive.sdk import ArchiveSdk, ChatRecord, MediaChunk

__all__ = ["ArchiveOutbound", "ArchiveSdk", "ChatRecord", "MediaChunk", "WecomArchiveAdapter"]
