"""Telegram messages as the pipeline sees them."""

from __future__ import annotations

from aiogram.types import Message

from bot.adapters.telegram.convert import message_key, split_message_key, to_inbound
from tests.telegram.fake_bot_api import BOT_USERNAME
from tests.telegram.updates import SUPERGROUP, chat, group_message, in_topic


def convert(fields: dict):
    return to_inbound(Message.model_validate(fields), account="123456789", bot_username=BOT_USERNAME)


def test_document_caption_becomes_text():
    document = {
        "file_id": "BQACAgUAAxkBAAIBdocument",
        "file_unique_id": "AgADdoc",
        "file_name": "漏水照片.pdf",
        "mime_type": "application/pdf",
    }

    inbound = convert(group_message(None, message_id=88, document=document, caption="物业费收据有误，附件是收据"))

    assert inbound is not None
    assert inbound.text == "物业费收据有误，附件是收据"
    assert len(inbound.attachments) == 1
    assert inbound.attachments[0].kind == "file"
    assert inbound.attachments[0].media_id == "BQACAgUAAxkBAAIBdocument"
    assert inbound.attachments[0].meta["file_name"] == "漏水照片.pdf"
    assert inbound.message_id == f"{SUPERGROUP}:88"
    assert inbound.platform == "telegram"
    assert inbound.account == "123456789"


def test_mention_found_after_emoji():
    # Entity offsets count UTF-16 units: the emoji is two of them.
    text = f"😀请问 @{BOT_USERNAME} 电梯什么时候修好"
    mention = {"type": "mention", "offset": 5, "length": len(BOT_USERNAME) + 1}

    inbound = convert(group_message(text, entities=[mention]))

    assert inbound is not None
    assert inbound.mentions_bot
    assert inbound.text == "😀请问 电梯什么时候修好"


def test_mention_of_other_user_not_ours():
    text = "@zhangsan 你家漏水了"
    mention = {"type": "mention", "offset": 0, "length": 9}

    inbound = convert(group_message(text, entities=[mention]))

    assert inbound is not None
    assert not inbound.mentions_bot
    assert inbound.text == "@zhangsan 你家漏水了"


def test_leading_mention_keeps_lines():
    text = f"@{BOT_USERNAME}  3栋电梯坏了\n已经两天了"
    mention = {"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}

    inbound = convert(group_message(text, entities=[mention]))

    assert inbound is not None
    assert inbound.text == "3栋电梯坏了\n已经两天了"


def test_anonymous_admin_writes_as_group():
    fields = group_message("通知：明天上午停水", sender_chat=chat(SUPERGROUP))
    fields["from"] = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}

    inbound = convert(fields)

    assert inbound is not None
    assert inbound.sender_id == str(SUPERGROUP)


def test_reply_keeps_chat_in_key():
    inbound = convert(group_message("+1", reply_to=311))

    assert inbound is not None
    assert inbound.reply_to == f"{SUPERGROUP}:311"


def test_channel_post_ignored():
    fields = group_message("频道消息")
    fields["chat"] = {"id": -1007777, "type": "channel", "title": "公告频道"}

    assert convert(fields) is None


def test_message_key_round_trip():
    assert split_message_key(message_key(-1001234, 57)) == ("-1001234", 57)
    assert split_message_key("wx-100") is None


def test_topic_message_carries_topic_without_quote():
    inbound = convert(group_message("5栋门禁坏了", message_id=90, **in_topic(42)))

    assert inbound is not None
    assert inbound.thread_id == "42"
    # The message that opened the topic is no quote of the resident's.
    assert inbound.reply_to is None


def test_reply_inside_topic_keeps_quote():
    fields = group_message("我家也是", message_id=91, **in_topic(42))
    fields["reply_to_message"] = {**fields["reply_to_message"], "message_id": 77}
    fields["reply_to_message"].pop("forum_topic_created")

    inbound = convert(fields)

    assert inbound is not None
    assert inbound.thread_id == "42"
    assert inbound.reply_to == message_key(SUPERGROUP, 77)
