"""Telegram adapter (aiogram 3): long polling or webhook in, sendMessage out.

Modules: transport (webhook route and polling), convert (Update to
InboundMessage), routes (aiogram router), outbound (sending with flood-control
retries), markup (HTML escaping and 4096-character splitting), chats
(migration and removal of the bot), commands (setMyCommands menu).
"""

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.adapters.telegram.convert import PLATFORM

__all__ = ["PLATFORM", "TelegramAdapter"]
