"""Benchmark the dashboard's aggregate queries on a district-sized database.

Seeds a scratch database with compounds under streets and communities, and
with cases opened over the half year before the reference time, their
acknowledgements, ratings and escalations. Then it times the ranking
(build_report) and the property-firm assessment the way the dashboard
requests them and prints Markdown for docs/benchmarks.md.

    python -m bench.bench_dashboard --compounds 300 --cases 50000
    python -m bench.bench_dashboard --database-url sqlite+aiosqlite:///var/bench-dashboard.sqlite3

Without --database-url it creates and drops a PostgreSQL database on the
server named by TEST_POSTGRES_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.bench_sweep import drop_postgres, peak_rss_mib, scratch_postgres
from bot.dashboard.params import quarter_period
from handlers.district_report import build_report
from handlers.property_assessment import assess_property_firms
from handlers.statistics import parse_period
from models import Case, CaseEvent, CaseOutcome, CaseRound, CaseStatus, Community, Compound, Party, PartyKind, Street
from models.db import create_engine, create_sessionmaker, migrate

ZONE = ZoneInfo("Asia/Shanghai")
# 10:00 on Wednesday 18 March 2026 in Shanghai.
NOW = datetime(2026, 3, 18, 10, 0, tzinfo=ZONE)
CATEGORIES = ["repair", "sanitation", "parking", "noise", "fees", "property_service", "safety", "utilities"]
BATCH = 5000


async def seed(engine: AsyncEngine, compounds: int, cases: int) -> None:
    rng = random.Random(11)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        streets = [Street(name=f"基准街道{index}") for index in range(max(1, compounds // 30))]
        session.add_all(streets)
        await session.flush()
        communities = [
            Community(name=f"基准社区{index}", street_id=streets[index % len(streets)].id)
            for index in range(max(1, compounds // 10))
        ]
        session.add_all(communities)
        await session.flush()
        for index in range(compounds):
            compound = Compound(
                code=f"B{index:05d}", name=f"基准小区{index}", community_id=communities[index % len(communities)].id
            )
            # Compounds 10k and 10k+1 share a firm, so the assessment groups some compounds.
            firm = index - 1 if index % 10 == 1 else index
            compound.parties.append(Party(kind=PartyKind.PROPERTY, name=f"基准物业{firm}"))
            session.add(compound)
        await session.flush()
        property_of = dict((await session.execute(select(Party.compound_id, Party.id))).all())

    compound_ids = sorted(property_of)
    case_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    round_rows: list[dict[str, Any]] = []
    seq = dict.fromkeys(compound_ids, 0)
    async with engine.begin() as connection:
        for case_id in range(1, cases + 1):
            compound_id = rng.choice(compound_ids)
            seq[compound_id] += 1
            opened = NOW - timedelta(seconds=rng.uniform(0, 182 * 24 * 3600))
            acknowledged = opened + timedelta(hours=rng.uniform(0.2, 36)) if rng.random() < 0.9 else None
            roll = rng.random()
            outcome = None
            if acknowledged is not None and roll < 0.75:
                outcome = CaseOutcome.RESOLVED
            elif acknowledged is not None and roll < 0.8:
                outcome = CaseOutcome.CANNOT_RESOLVE
            elif roll > 0.95:
                outcome = CaseOutcome.WITHDRAWN
            closed = (acknowledged or opened) + timedelta(days=rng.uniform(0.1, 10)) if outcome else None
            if closed is not None and closed > NOW:
                outcome = closed = None
            if outcome:
                status = CaseStatus.CLOSED
            elif acknowledged:
                status = CaseStatus.IN_PROGRESS
            else:
                status = CaseStatus.NEW
            case_rows.append(
                {
                    "id": case_id,
                    "compound_id": compound_id,
                    "seq": seq[compound_id],
                    "category": rng.choice(CATEGORIES),
                    "route": "property",
                    "party_id": property_of[compound_id],
                    "summary": "基准工单",
                    "status": status,
                    "outcome": outcome,
                    "opened_at": opened,
                    "updated_at": opened,
                    "acknowledged_at": acknowledged,
                    "closed_at": closed,
                    "response_due_at": opened + timedelta(hours=24),
                    "resolve_due_at": opened + timedelta(days=7),
                }
            )
            if outcome is not None:
                round_rows.append(_round(case_rows[-1], closed, outcome))
            if acknowledged is not None and acknowledged < NOW:
                event_rows.append(_event(case_id, "acknowledged", acknowledged, {}))
            if outcome is CaseOutcome.RESOLVED and rng.random() < 0.4:
                rating = rng.choice(["satisfied", "satisfied", "basic", "unsatisfied"])
                rated = closed + timedelta(hours=5)
                if rated < NOW:
                    event_rows.append(
                        _event(case_id, "rated", rated, {"rating": rating, "party_id": property_of[compound_id]})
                    )
            if rng.random() < 0.02:
                event_rows.append(_event(case_id, "escalated", opened + timedelta(days=2), {"rung": "street"}))
            if len(case_rows) == BATCH:
                await _flush(connection, case_rows, event_rows, round_rows)
        await _flush(connection, case_rows, event_rows, round_rows)


def _event(case_id: int, kind: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"case_id": case_id, "kind": kind, "actor_label": "bench", "note": "", "data": data, "at": at}


def _round(case: dict[str, Any], closed: datetime, outcome: CaseOutcome) -> dict[str, Any]:
    """Return the one ended round of a closed case, as the workflow writes it."""
    return {
        "case_id": case["id"],
        "compound_id": case["compound_id"],
        "number": 1,
        "party_id": case["party_id"],
        "route": case["route"],
        "started_at": case["opened_at"],
        "response_due_at": case["response_due_at"],
        "resolve_due_at": case["resolve_due_at"],
        "responded_at": case["acknowledged_at"],
        "ended_at": closed,
        "end_kind": outcome.value,
        "outcome": outcome.value,
    }


async def _flush(connection: Any, *batches: list[dict[str, Any]]) -> None:
    # Cases first: events and rounds refer to them.
    for model, rows in zip((Case, CaseEvent, CaseRound), batches, strict=True):
        if rows:
            await connection.execute(insert(model), rows)
        rows.clear()


async def timed(rounds: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    await call()  # warm-up: connections, statement caches
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        seconds.append(time.perf_counter() - started)
    return seconds


async def run(url: str, compounds: int, cases: int, rounds: int) -> str:
    engine = create_engine(url)
    await migrate(engine)
    started = time.perf_counter()
    await seed(engine, compounds, cases)
    seed_seconds = time.perf_counter() - started
    sessionmaker = create_sessionmaker(engine)
    month = parse_period("本月", NOW, ZONE)
    quarter = quarter_period(NOW, ZONE)
    this_year = parse_period("今年", NOW, ZONE)

    async def report(period: Any, **filters: int) -> object:
        async with sessionmaker() as session:
            return await build_report(session, period, NOW, **filters)

    async def assessment() -> object:
        async with sessionmaker() as session:
            return await assess_property_firms(session, quarter, NOW, fee_threshold_per_compound=3)

    measured = {
        "ranking, 本月, whole district": await timed(rounds, lambda: report(month)),
        "ranking, 本季度, whole district": await timed(rounds, lambda: report(quarter)),
        "ranking, 今年, whole district": await timed(rounds, lambda: report(this_year)),
        "ranking, 本季度, one street": await timed(rounds, lambda: report(quarter, street_id=1)),
        "property-firm assessment, 本季度": await timed(rounds, assessment),
    }
    await engine.dispose()

    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    lines = [
        "| measure | result |",
        "|---|---|",
        f"| database | {dialect} |",
        f"| data | {compounds} compounds, {cases:,} cases over 182 days, seeded in {seed_seconds:.1f} s |",
    ]
    for name, seconds in measured.items():
        lines.append(
            f"| {name} | median {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms "
            f"over {rounds} runs |"
        )
    lines.append(f"| peak resident memory (seeding included) | {peak_rss_mib():.0f} MiB |")
    lines.append(f"| machine | {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()} |")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compounds", type=int, default=300, help="compounds to seed")
    parser.add_argument("--cases", type=int, default=50_000, help="cases to seed")
    parser.add_argument("--rounds", type=int, default=5, help="timed runs of each request after one warm-up")
    parser.add_argument("--database-url", default="", help="an empty database to use; default: scratch PostgreSQL")
    args = parser.parse_args()

    if args.database_url:
        print(await run(args.database_url, args.compounds, args.cases, args.rounds))
        return
    server = os.environ.get("TEST_POSTGRES_URL", "")
    if not server:
        parser.error("set TEST_POSTGRES_URL or pass --database-url")
    url, name = await scratch_postgres(server)
    try:
        print(await run(url, args.compounds, args.cases, args.rounds))
    finally:
        await drop_postgres(server, name)


if __name__ == "__main__":
    asyncio.run(main())
