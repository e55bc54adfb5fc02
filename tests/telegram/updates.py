"""Builders for Update JSON as the Bot API delivers it to a webhook or getUpdates."""

from __future__ import annotations

import itertools
from typing import Any

from tests.telegram.fake_bot_api import BOT_ID, BOT_USERNAME

SUPERGROUP = -1001234567890
OLD_GROUP = -4012345678
OFFICER = 5550001
RESIDENT = 5550002
NEIGHBOUR = 5550003
DATE = 1772415000  # 2026-03-02 01:30 UTC, 09:30 in Shanghai

_update_ids = itertools.count(700001)
_message_ids = itertools.count(101)


def next_message_id() -> int:
    return next(_message_ids)


def user(user_id: int, first_name: str = "王", last_name: str = "阿姨") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "last_name": last_name}


def chat(chat_id: int, title: str = "阳光花园业主群") -> dict[str, Any]:
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": title}


def group_message(
    text: str | None,
    *,
    chat_id: int = SUPERGROUP,
    sender: int = RESIDENT,
    message_id: int | None = None,
    reply_to: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Return the message object of a resident's group message."""
    message: dict[str, Any] = {
        "message_id": message_id or next_message_id(),
        "date": DATE,
        "chat": chat(chat_id),
        "from": user(sender),
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            # Bot API entity offsets and lengths count UTF-16 code units.
            length = len(command.encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    if reply_to is not None:
        message["reply_to_message"] = {
            "message_id": reply_to,
            "date": DATE,
            "chat": chat(chat_id),
            "from": user(NEIGHBOUR),
        }
    message.update(extra)
    return message


def private_message(text: str, *, sender: int = OFFICER) -> dict[str, Any]:
    """Return the message object of someone writing to the bot one-to-one."""
    return {
        "message_id": next_message_id(),
        "date": DATE,
        "chat": {"id": sender, "type": "private", "first_name": "李"},
        "from": user(sender, "李", "专员"),
        "text": text,
    }


def in_topic(topic: int, *, chat_id: int = SUPERGROUP) -> dict[str, Any]:
    """Return the fields that place a message in a forum topic, for group_message(**in_topic(n)).

    Telegram sends every message of a topic as a reply to the service
    message that opened the topic, whose id is the topic's id.
    """
    forum = {**chat(chat_id), "is_forum": True}
    opener = {
        "message_id": topic,
        "date": DATE,
        "chat": forum,
        "from": user(OFFICER, "李", "专员"),
        "message_thread_id": topic,
        "forum_topic_created": {"name": f"话题{topic}", "icon_color": 7322096},
    }
    return {"chat": forum, "message_thread_id": topic, "is_topic_message": True, "reply_to_message": opener}


def update(message: dict[str, Any], *, kind: str = "message", update_id: int | None = None) -> dict[str, Any]:
    """Wrap a message in an Update of the given kind (message or edited_message)."""
    return {"update_id": update_id or next(_update_ids), kind: message}


def photo(file_id: str = "AgACAgUAAxkBAAIBaWZfake", caption: str | None = None) -> dict[str, Any]:
    """Return the fields of a photo message: three sizes, smallest first."""
    sizes = [
        {"file_id": f"{file_id}-s", "file_unique_id": "AQADs", "width": 90, "height": 67},
        {"file_id": f"{file_id}-m", "file_unique_id": "AQADm", "width": 320, "height": 240},
        {"file_id": file_id, "file_unique_id": "AQADx", "width": 1280, "height": 960},
    ]
    fields: dict[str, Any] = {"photo": sizes}
    if caption is not None:
        fields["caption"] = caption
    return fields


def bot_membership(chat_id: int, old_status: str, new_status: str) -> dict[str, Any]:
    """Return a my_chat_member update: the bot's own status in a chat changed."""
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "小区服务台", "username": BOT_USERNAME}

    def member(status: str) -> dict[str, Any]:
        if status == "kicked":
            return {"status": status, "user": bot, "until_date": 0}
        if status == "administrator":
            rights = (
                "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
                "can_edit_stories", "can_delete_stories", "can_send_welcome_messages",
            )
            return {
                "status": status,
                "user": bot,
                "can_be_edited": False,
                "is_anonymous": False,
                **dict.fromkeys(rights, False),
            }
        return {"status": status, "user": bot}

    event = {
        "chat": chat(chat_id),
        "from": user(OFFICER, "李", "专员"),
        "date": DATE,
        "old_chat_member": member(old_status),
        "new_chat_member": member(new_status),
    }
    return {"update_id": next(_update_ids), "my_chat_member": event}
