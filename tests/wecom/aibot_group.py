"""An AI-bot group bound to 阳光花园 with its liaison officer, as several tests need it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Compound, Identity, Member, Role, RoleKind
from tests.wecom.conftest import WeChatBot
from tests.wecom.test_callbacks import AIBOT, add_compound

GROUP = "wrkSFfCgAA-group-1"
OFFICER = "officer-li"


def aibot_message(
    bot: WeChatBot, msgid: str, sender: str, text: str, *, group: bool = True, **extra: Any
) -> dict[str, Any]:
    """Build a decrypted AI-bot text callback with its own response_url."""
    return {
        "msgid": msgid,
        "aibotid": "aib-1",
        "chatid": GROUP if group else "",
        "chattype": "group" if group else "single",
        "from": {"userid": sender},
        "response_url": bot.fake.response_url(),
        "msgtype": "text",
        "text": {"content": f"@物业小助手 {text}" if group else text},
        **extra,
    }


async def aibot_says(
    bot: WeChatBot, msgid: str, sender: str, text: str, *, group: bool = True, **extra: Any
):  # noqa: ANN201 - aiohttp's response
    payload = aibot_message(bot, msgid, sender, text, group=group, **extra)
    response = await bot.post(AIBOT, bot.aibot_signer.encrypted_json(payload))
    await bot.settle()
    return response


async def bound_aibot_group(bot: WeChatBot) -> None:
    """Create 阳光花园 and its officer, and bind the AI-bot group to it."""
    await add_compound(bot)
    async with bot.services.sessionmaker() as session, session.begin():
        compound = (await session.scalars(select(Compound))).one()
        officer = Member(display_name="李专员")
        officer.identities.append(Identity(platform="wecom_aibot", platform_user_id=OFFICER))
        session.add(officer)
        await session.flush()
        session.add(Role(member_id=officer.id, role=RoleKind.LIAISON_OFFICER, compound_id=compound.id))
    await aibot_says(bot, "bind-1", OFFICER, "绑定 XQ0001")


def aibot_answers(bot: WeChatBot) -> list[str]:
    return [p["markdown"]["content"] for p in bot.fake.sent("aibot/response")]
