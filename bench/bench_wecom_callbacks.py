"""Benchmark how fast the WeCom app callback answers, and how fast the backlog drains.

The platforms resend a callback that gets no response within 5 seconds, so
the route must answer well inside that window however busy the background
is. This posts encrypted text callbacks (built with wechatpy's crypto) to
the aiohttp app on 127.0.0.1, first one at a time and then in concurrent
batches, with replies going to a fake WeCom API on 127.0.0.1. It prints the
response times and the drain rate as Markdown for docs/benchmarks.md.

    python -m bench.bench_wecom_callbacks --messages 300 --concurrency 20

Without --database-url it uses a scratch SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.adapters.wecom import WeComAppAdapter
from bot.server import build_web_app
from bot.services import build_services
from bot.settings import Settings
from handlers.directory import bind_chat, chat_for, create_compound
from models import utcnow
from tests.wecom.platform import FakeWeChat, PlatformSigner, app_text_xml

CORP_ID = "wwbench000000001"
AGENT_ID = "1000002"
TOKEN = "BenchToken"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SENDERS = 50
TEXTS = [
    "3号楼电梯坏了，有人被困在里面",
    "5栋楼道灯不亮好几天了",
    "小区门口垃圾堆了三天没人清",
    "地下车库有人乱停车，堵住出口了",
    "楼上装修太吵了，中午也不停",
    "谢谢物业的师傅，态度特别好",
    "今天几点停水？",
    "8栋2单元楼下有电动车在楼道里充电，很危险",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(messages: int, concurrency: int, database_url: str) -> str:
    fake = FakeWeChat()
    await fake.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        wecom_corp_id=CORP_ID,
        wecom_agent_id=AGENT_ID,
        wecom_secret="bench-secret",
        wecom_token=TOKEN,
        wecom_aes_key=AES_KEY,
        wecom_api_base_url=fake.base_url,
    )
    started = time.perf_counter()
    services = await build_services(settings)
    load_seconds = time.perf_counter() - started
    async with services.sessionmaker() as session, session.begin():
        compound = await create_compound(session, "阳光花园")
        for index in range(SENDERS):
            chat = await chat_for(session, "wecom", f"resident-{index}", private=True)
            await bind_chat(session, chat, compound, utcnow())

    adapter = WeComAppAdapter()
    web_app = build_web_app(services)
    await adapter.start(services, web_app)
    server = TestServer(web_app, host="127.0.0.1")
    await server.start_server()
    signer = PlatformSigner(TOKEN, AES_KEY, CORP_ID)
    ids = itertools.count(1)
    url = str(server.make_url("/wechat/work/callback"))

    async def post_one(session: ClientSession) -> float:
        number = next(ids)
        xml = app_text_xml(
            f"resident-{number % SENDERS}",
            TEXTS[number % len(TEXTS)],
            str(number),
            corp_id=CORP_ID,
            agent_id=AGENT_ID,
        )
        request = signer.encrypted_xml(xml)
        begin = time.perf_counter()
        async with session.post(url, params=request.query, data=request.body) as response:
            await response.read()
            if response.status != 200:
                msg = f"callback {number} answered {response.status}"
                raise RuntimeError(msg)
        return (time.perf_counter() - begin) * 1000

    async with ClientSession() as session:
        one_at_a_time = [await post_one(session) for _ in range(messages)]
        await adapter.tasks.wait_idle()

        batches: list[float] = []
        drain_started = time.perf_counter()
        for _ in range(messages // concurrency):
            batches.extend(await asyncio.gather(*(post_one(session) for _ in range(concurrency))))
        answered = time.perf_counter() - drain_started
        await adapter.tasks.wait_idle()
        drained = time.perf_counter() - drain_started

    sent = len(fake.sent("message/send"))
    await adapter.stop()
    await server.close()
    await services.close()
    await fake.close()

    rows = [
        ("one at a time", one_at_a_time),
        (f"{concurrency} concurrent", batches),
    ]
    lines = [
        f"Machine: `nproc` {os.cpu_count()}, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; database {database_url.split(':')[0]}; "
        f"services and classifier loaded in {load_seconds:.1f} s.",
        "",
        "| mode | callbacks | response p50 (ms) | p95 (ms) | max (ms) |",
        "|---|---|---|---|---|",
    ]
    for name, values in rows:
        lines.append(
            f"| {name} | {len(values)} | {statistics.median(values):.1f} | "
            f"{percentile(values, 0.95):.1f} | {max(values):.1f} |"
        )
    lines += [
        "",
        f"Concurrent phase: {len(batches)} callbacks answered in {answered:.1f} s; "
        f"the background finished classifying, opening cases and replying "
        f"{drained:.1f} s after the first one ({len(batches) / drained:.0f} messages/s). "
        f"Replies sent to the fake API in total: {sent}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300, help="callbacks per phase")
    parser.add_argument(
        "--concurrency", type=int, default=20, help="callbacks in flight at once in phase two"
    )
    parser.add_argument(
        "--database-url", default="", help="SQLAlchemy async URL; default a scratch SQLite file"
    )
    args = parser.parse_args()
    # Parties without staff accounts log a warning per case; that is expected here.
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        print(asyncio.run(run(args.messages, args.concurrency, url)))  # noqa: T201 - a command-line tool


if __name__ == "__main__":
    main()
