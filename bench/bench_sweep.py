"""Benchmark the due-work sweep with many open cases.

Seeds a scratch database with open cases spread over the last two weeks and
runs one catch-up pass, which creates every timer and decides what is
overdue. Then it runs a series of passes 30 seconds of simulated time apart,
as the service runs them. It prints the pass times, the reminder lag and the
process's resident memory as Markdown for docs/benchmarks.md.

    python -m bench.bench_sweep --cases 100000
    python -m bench.bench_sweep --cases 100000 --database-url sqlite+aiosqlite:///var/bench.sqlite3

Without --database-url it creates and drops a PostgreSQL database on the
server named by TEST_POSTGRES_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import platform
import random
import resource
import statistics
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.console import ConsoleOutbound
from handlers.calendar import WorkCalendar
from handlers.limits import DEFAULT_RULES, LimitTable, use_table
from handlers.outbox import Outbox
from models import Case, CaseStatus, Compound, Notification, NotificationStatus, Party, PartyKind
from models.db import create_engine, create_sessionmaker, migrate
from scheduler.config import TimerConfig
from scheduler.sweep import Sweeper

ZONE = ZoneInfo("Asia/Shanghai")
# A Tuesday afternoon: after the digest time, inside working hours.
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=ZONE)
CATEGORIES = ["repair", "sanitation", "parking", "noise", "fees", "fund", "utilities", "safety"]
ROUTES = {
    "repair": "property",
    "sanitation": "property",
    "parking": "property",
    "noise": "property",
    "fees": "committee",
    "fund": "committee",
    "utilities": "party",
    "safety": "party",
}
STATUSES = [CaseStatus.NEW, CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS]


def rss_mib() -> float:
    """Return the current resident set size of this process in MiB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def seed(engine: AsyncEngine, cases: int, compounds: int, table: LimitTable) -> None:
    sessionmaker = create_sessionmaker(engine)
    rng = random.Random(7)
    async with sessionmaker() as session, session.begin():
        for index in range(compounds):
            compound = Compound(code=f"B{index:05d}", name=f"基准小区{index}", last_case_seq=0)
            compound.parties.extend(
                Party(kind=kind, name=f"基准小区{index}{label}")
                for kind, label in (
                    (PartyKind.PROPERTY, "物业"),
                    (PartyKind.COMMITTEE, "业委会"),
                    (PartyKind.PARTY, "党支部"),
                )
            )
            session.add(compound)
        await session.flush()
        rows = (await session.execute(select(Party.compound_id, Party.kind, Party.id))).all()
    party_of = {(c, k): p for c, k, p in rows}
    compound_ids = sorted({c for c, _, _ in rows})

    batch: list[dict[str, object]] = []
    seq: dict[int, int] = dict.fromkeys(compound_ids, 0)
    async with engine.begin() as connection:
        for _ in range(cases):
            compound_id = rng.choice(compound_ids)
            seq[compound_id] += 1
            category = rng.choice(CATEGORIES)
            urgent = category == "safety"
            # Seconds, not whole minutes, so reminder points do not line up with passes.
            opened = NOW - timedelta(seconds=rng.uniform(0, 14 * 24 * 3600))
            deadlines = table.deadlines(category, urgent, opened)
            status = rng.choice(STATUSES)
            route = ROUTES[category]
            batch.append(
                {
                    "compound_id": compound_id,
                    "seq": seq[compound_id],
                    "category": category,
                    "urgent": urgent,
                    "confidence": 0.9,
                    "route": route,
                    "party_id": party_of[(compound_id, route)],
                    "external": False,
                    "summary": "基准工单",
                    "status": status,
                    "reporter_count": 1,
                    "escalation_level": 0,
                    "priority": 0,
                    "opened_at": opened,
                    "updated_at": opened,
                    "acknowledged_at": None
                    if status is CaseStatus.NEW
                    else opened + timedelta(hours=1),
                    "response_due_at": deadlines.response_due,
                    "resolve_due_at": deadlines.resolve_due,
                }
            )
            if len(batch) == 5000:
                await connection.execute(insert(Case), _known_columns(batch))
                batch.clear()
        if batch:
            await connection.execute(insert(Case), _known_columns(batch))


def _known_columns(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    # Other columns may come and go with migrations; keep only what the table has.
    columns = set(Case.__table__.columns.keys())
    return [{k: v for k, v in row.items() if k in columns} for row in rows]


async def run(url: str, cases: int, compounds: int, passes: int) -> str:
    engine = create_engine(url)
    await migrate(engine)
    table = LimitTable(DEFAULT_RULES, WorkCalendar(zone=ZONE))
    use_table(table)
    started = time.perf_counter()
    await seed(engine, cases, compounds, table)
    seed_seconds = time.perf_counter() - started

    sessionmaker = create_sessionmaker(engine)
    console = ConsoleOutbound(io.StringIO(), platform="bench", quiet=True)
    outbox = Outbox(sessionmaker, [console], fallback=console)
    config = TimerConfig(table=table, chart_dir="/tmp/bench-charts", weekly_digest=False)
    sweeper = Sweeper(sessionmaker, outbox, config, instance="bench")

    # The catch-up pass creates every timer and decides what is overdue. Its
    # notifications count as sent before the benchmark window, as they would
    # be in a service that has been running, so the steady passes below see
    # only work that falls due while they run.
    catch_up = await sweeper.run_once(NOW, send=False)
    memory_after_catch_up = rss_mib()
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Notification)
            .where(Notification.status == NotificationStatus.PENDING)
            .values(status=NotificationStatus.SENT, sent_at=NOW)
        )

    timings: list[float] = []
    steps: dict[str, list[float]] = {}
    lags: list[float] = []
    sent = 0
    for step in range(1, passes + 1):
        moment = NOW + timedelta(seconds=30 * step)
        report = await sweeper.run_once(moment)
        timings.append(report.seconds)
        for step, seconds in report.steps.items():
            steps.setdefault(step, []).append(seconds)
        sent += report.notifications_sent
        async with sessionmaker() as session:
            due = list(
                await session.scalars(
                    select(Notification.due_at).where(
                        Notification.sent_at == moment, Notification.due_at >= NOW
                    )
                )
            )
        # Lag is from the moment a reminder or escalation fell due to the end of
        # the pass that sent it; 14:00 on a Tuesday has no quiet hours to wait for.
        lags.extend((moment - due_at).total_seconds() + report.seconds for due_at in due)

    async with sessionmaker() as session:
        open_cases = await session.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.status.in_(CaseStatus.open_statuses()))
        )
    await engine.dispose()

    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    lines = [
        f"| database | {dialect} |",
        f"| open cases | {open_cases:,} in {compounds} compounds |",
        f"| seeding | {seed_seconds:.1f} s |",
        f"| catch-up pass (creates every timer, decides what is overdue, sends nothing) | {catch_up.seconds:.2f} s, "
        f"{catch_up.timers_created:,} timers, {catch_up.escalations:,} escalations, "
        f"{catch_up.notifications_stored:,} notifications stored |",
        f"| steady passes ({passes}, 30 s of simulated time apart) | "
        f"median {statistics.median(timings) * 1000:.0f} ms, "
        f"max {max(timings) * 1000:.0f} ms, {sent} notifications sent |",
        "| steady pass by step (median) | "
        + ", ".join(
            f"{step} {statistics.median(values) * 1000:.0f} ms" for step, values in steps.items()
        )
        + " |",
        f"| reminder lag (due to sent, 30 s between passes) | max {max(lags):.1f} s over {len(lags)} sends |"
        if lags
        else "| reminder lag | no notification fell due during the steady passes |",
        f"| resident memory | {rss_mib():.0f} MiB now, {memory_after_catch_up:.0f} MiB after catch-up, "
        f"peak {peak_rss_mib():.0f} MiB (includes seeding) |",
        f"| machine | {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()} |",
    ]
    return "\n".join(lines)


async def scratch_postgres(server: str) -> tuple[str, str]:
    name = f"bench_sweep_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    dsn = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(server).set(database=name).render_as_string(hide_password=False), name


async def drop_postgres(server: str, name: str) -> None:
    dsn = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="open cases to seed")
    parser.add_argument(
        "--compounds", type=int, default=200, help="compounds the cases spread over"
    )
    parser.add_argument(
        "--passes", type=int, default=20, help="steady passes after the catch-up pass"
    )
    parser.add_argument(
        "--database-url", default="", help="an empty database to use; default: scratch PostgreSQL"
    )
    args = parser.parse_args()
    # Seeded compounds have no staff, so every digest logs a warning about missing recipients.
    logging.basicConfig(level=logging.ERROR)

    if args.database_url:
        print(await run(args.database_url, args.cases, args.compounds, args.passes))  # noqa: T201 - CLI output
        return
    server = os.environ.get("TEST_POSTGRES_URL", "")
    if not server:
        parser.error("set TEST_POSTGRES_URL or pass --database-url")
    url, name = await scratch_postgres(server)
    try:
        print(await run(url, args.cases, args.compounds, args.passes))  # noqa: T201 - CLI output
    finally:
        await drop_postgres(server, name)


if __name__ == "__main__":
    asyncio.run(main())
