"""The HTTP server's listening sockets, bound before the service changes anything."""

from __future__ import annotations

import errno
import os
import socket
import sys

from handlers.errors import BotError

# aiohttp's default listen backlog (web.TCPSite and web.SockSite).
BACKLOG = 128


class ListenError(BotError):
    """The HTTP server cannot listen on HTTP_HOST:HTTP_PORT; the message is Chinese, for the operator."""


def bind_sockets(host: str, port: int) -> list[socket.socket]:
    """Bind and listen on every address of host:port, as asyncio's create_server does.

    The sockets listen at once, so a second process that starts meanwhile
    fails to bind. Connections wait in the backlog until the server serves.
    With port 0 each address gets a port of its own.

    Raises:
        ListenError: The host is unknown, or an address cannot be bound.
    """
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ListenError(listen_problem(host, port, exc)) from exc

    sockets: list[socket.socket] = []
    try:
        # getaddrinfo can return one address several times.
        for family, kind, proto, _name, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            # The same options as asyncio's create_server: a restart can bind
            # while old connections are in TIME_WAIT, and an IPv6 socket
            # leaves IPv4 to its own socket.
            if os.name == "posix" and sys.platform != "cygwin":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
            sock.setblocking(False)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise ListenError(listen_problem(host, port, exc)) from exc
    return sockets


def listen_problem(host: str, port: int, exc: OSError) -> str:
    """Describe in Chinese why the server cannot listen on host:port, and what to change."""
    address = f"{host}:{port}"
    if isinstance(exc, socket.gaierror):
        return f"HTTP_HOST={host} 无效：找不到这个主机名（{exc.strerror}）；应为本机的 IP 地址或主机名"
    if exc.errno == errno.EADDRINUSE:
        return f"无法监听 {address}：端口已被占用；请换一个 HTTP_PORT，或停掉占用它的进程"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"HTTP_HOST={host} 无效：这不是本机网卡的地址；应为本机的 IP 地址，或用 0.0.0.0 监听所有地址"
    if exc.errno == errno.EACCES:
        return f"无法监听 {address}：没有权限；1024 以下的端口需要管理员权限，请换一个 HTTP_PORT"
    return f"无法监听 {address}（{type(exc).__name__}: {exc}）；请检查 HTTP_HOST 和 HTTP_PORT"
