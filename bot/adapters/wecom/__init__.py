"""WeChat and WeCom adapters on wechatpy.

Transport (`transport`: aiohttp routes), protocol (`crypto`, `guard`,
`parsing`: signatures, decryption, hardening, message types) and the outgoing
API clients (`api`, `outbound`) are kept apart, so tests fake the platform at
the HTTP boundary only. `ingest` stores each message before the response and
processes it in the background. Routes and their platform strings:

- `/wechat/work/callback`: WeCom self-built app, platform "wecom".
- `/wechat/work/aibot`: WeCom AI bot (智能机器人), platform "wecom_aibot".
- `/wechat/mp/callback`: Official Account, platform "wechat_mp".
- Group robots of staff groups send only, platform "wecom_webhook".
"""

from bot.adapters.wecom.adapters import (
    OfficialAccountAdapter,
    WeComAibotAdapter,
    WeComAppAdapter,
    WeComWebhookAdapter,
    wechat_adapters,
)

__all__ = [
    "OfficialAccountAdapter",
    "WeComAibotAdapter",
    "WeComAppAdapter",
    "WeComWebhookAdapter",
    "wechat_adapters",
]
