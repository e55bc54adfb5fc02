"""WeCom AI bot (智能机器人) over the WebSocket long connection, for deployments without a public callback URL."""

from bot.adapters.wecom_longconn.adapter import LongConnOutbound, WecomLongConnAdapter
from bot.adapters.wecom_longconn.client import ConnectionSettings, LongConnection, SubscribeRejected

__all__ = [
    "ConnectionSettings",
    "LongConnOutbound",
    "LongConnection",
    "SubscribeRejected",
    "WecomLongConnAdapter",
]
