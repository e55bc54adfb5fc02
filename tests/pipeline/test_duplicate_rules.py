"""find_duplicate on pairs of reports: one problem in other words, and two problems that share a place.

Each pair opens a case for the first report and asks two hours later, with
no chat named, whether the second report is about it. That leaves only the
rules that compare locations and texts, and the categories are fixed here
rather than taken from the model.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.cases import open_case
from handlers.directory import member_for
from handlers.duplicates import find_duplicate
from models import Compound
from nlp.findings import Finding, Location
from tests.helpers import T0, later, make_compound, make_services

Report = tuple[str, str, Location]


async def second_joins_first(db_url: str, first: Report, second: Report) -> bool:
    """Open a case for the first report; return whether the second report is found to be about it."""
    services, _console = await make_services(db_url)
    compound = await make_compound(services)
    async with services.sessionmaker() as session, session.begin():
        compound = await session.get_one(Compound, compound.id)
        reporter = await member_for(session, "test", "r1", "居民r1")
        text, category, location = first
        case, _deadlines = await open_case(
            session,
            compound,
            Finding(category, location=location, text=text),
            reporter=reporter,
            chat_group_id=None,
            raw_message_id=None,
            now=T0,
            triage=False,
        )
        text, category, location = second
        found = await find_duplicate(
            session,
            compound,
            Finding(category, location=location, text=text),
            now=later(120),
            window=timedelta(hours=72),
        )
        return found is not None and found.id == case.id


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            ("东门路灯不亮了", "repair", Location(place="东门")),
            ("西门路灯不亮了", "repair", Location(place="西门")),
            id="lamps-at-two-gates",
        ),
        pytest.param(
            ("南门的路灯坏了", "repair", Location(place="南门")),
            ("南门的监控坏了，晚上看不清", "repair", Location(place="南门")),
            id="two-things-at-one-gate",
        ),
        pytest.param(
            ("7栋2单元楼道墙皮脱落了", "repair", Location("7", "2", place="楼道")),
            ("7栋2单元楼道灯坏了", "repair", Location("7", "2", place="楼道")),
            id="two-things-in-one-stairwell",
        ),
        pytest.param(
            ("地下车库的灯坏了一半", "repair", Location(place="地下车库")),
            ("地下车库漏水，地上全是水", "repair", Location(place="地下车库")),
            id="two-things-in-the-garage",
        ),
        pytest.param(
            ("花园里的秋千坏了", "repair", Location(place="花园")),
            ("花园里的路灯坏了", "repair", Location(place="花园")),
            id="garden-swing-and-lamp",
        ),
        pytest.param(
            ("8栋楼上装修电钻声从早响到晚", "noise", Location("8")),
            ("8栋楼上有人半夜唱歌", "noise", Location("8")),
            id="two-noises-upstairs-in-one-building",
        ),
        pytest.param(
            ("6栋电梯里有人抽烟", "repair", Location("6")),
            ("6栋电梯里有狗撒尿没人清理", "sanitation", Location("6")),
            id="same-address-other-category",
        ),
        pytest.param(
            ("4栋1单元1202家里水管爆了，水流到1102了", "repair", Location("4", "1", "1202")),
            ("4栋1单元1502卫生间漏水", "repair", Location("4", "1", "1502")),
            id="leak-in-a-flat-neither-names",
        ),
        pytest.param(
            ("1栋1单元1101家里漏水了", "repair", Location("1", "1", "1101")),
            ("1栋1单元1101楼上装修太吵", "noise", Location("1", "1", "1101")),
            id="one-flat-two-things",
        ),
        pytest.param(
            ("物业费今年又涨价了", "fees", Location()),
            ("物业费发票一直不给开", "fees", Location()),
            id="fee-rise-and-fee-invoice",
        ),
        pytest.param(
            ("凭什么收停车费", "fees", Location()),
            ("物业费今年又涨了，凭什么", "fees", Location()),
            id="two-fees-sharing-a-comment",
        ),
        pytest.param(
            ("建议小区装几个充电桩", "suggestion", Location()),
            ("建议小区多种点树", "suggestion", Location()),
            id="two-suggestions",
        ),
        pytest.param(
            ("3栋电梯广告收益去哪了", "fund", Location("3")),
            ("5栋电梯广告收益去哪了", "fund", Location("5")),
            id="fund-of-two-named-buildings",
        ),
    ],
)
async def test_different_problems_stay_apart(db_url, first: Report, second: Report):
    assert not await second_joins_first(db_url, first, second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            ("1202卫生间往楼下渗水，1102天花板都湿了", "repair", Location(room="1202", place="楼下")),
            ("1102室天花板在滴水，应该是楼上1202漏的", "neighbor", Location(room="1102")),
            id="leak-into-flat-below-other-category",
        ),
        pytest.param(
            ("3栋1单元601卫生间顶上往下漏水", "repair", Location("3", "1", "601")),
            ("3栋1单元701家里地面漏水漏到601了", "repair", Location("3", "1", "701")),
            id="leak-named-by-the-flat-above-only",
        ),
        pytest.param(
            ("东大门的路灯坏了，晚上很黑", "repair", Location(place="东大门")),
            ("东门路灯不亮好几天了", "repair", Location(place="东门")),
            id="two-names-of-one-gate",
        ),
        pytest.param(
            ("小区大门的道闸坏了，车进不来", "repair", Location(place="小区大门")),
            ("正门栏杆抬不起来，门口堵了一排车", "repair", Location(place="正门")),
            id="two-words-for-the-barrier",
        ),
        pytest.param(
            ("2栋3单元楼道灯不亮了", "repair", Location("2", "3", place="楼道")),
            ("2号楼三单元楼梯间的灯坏了，黑乎乎的", "repair", Location("2", "3", place="楼梯间")),
            id="two-words-for-the-stair-light",
        ),
        pytest.param(
            ("3号楼电梯卡在12楼了，里面好像有人", "repair", Location("3")),
            ("3栋的电梯停在半空不动了，快来人看看", "repair", Location("3")),
            id="stuck-lift-reworded",
        ),
        pytest.param(
            ("物业费今年又涨了，凭什么", "fees", Location()),
            ("物业费涨价没有经过业主大会同意", "fees", Location()),
            id="one-fee-rise-two-residents",
        ),
        pytest.param(
            ("业委会换届选举什么时候搞", "committee", Location()),
            ("业委会选举一直不公开", "committee", Location()),
            id="one-committee-election",
        ),
        pytest.param(
            ("建议小区装几个充电桩", "suggestion", Location()),
            ("希望增加电动车充电桩", "suggestion", Location()),
            id="charging-points-suggested-twice",
        ),
    ],
)
async def test_same_problem_reworded_joins(db_url, first: Report, second: Report):
    assert await second_joins_first(db_url, first, second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            ("3栋电梯坏了", "repair", Location("3")),
            ("3栋店题又坏了", "repair", Location("3")),
            id="lift-typed-as-shop-topic",
        ),
        pytest.param(
            ("5号楼电体一直停在顶楼", "repair", Location("5")),
            ("5栋的电梯还是不动", "repair", Location("5")),
            id="typo-in-the-first-report",
        ),
        pytest.param(
            ("东门路灯不亮了", "repair", Location(place="东门")),
            ("东门路等黑了好几天", "repair", Location(place="东门")),
            id="street-lamp-typo",
        ),
        pytest.param(
            ("2栋1单元楼道灯坏了", "repair", Location("2", "1", place="楼道")),
            ("2栋1单元楼到灯还是不亮", "repair", Location("2", "1")),
            id="stair-light-typo",
        ),
        pytest.param(
            ("7栋门禁坏了，刷卡没反应", "repair", Location("7")),
            ("7栋们进还没修好", "repair", Location("7")),
            id="door-entry-typo",
        ),
    ],
)
async def test_typo_of_thing_joins(db_url, first: Report, second: Report):
    assert await second_joins_first(db_url, first, second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            ("3栋电梯坏了", "repair", Location("3")),
            ("3栋门禁又坏了", "repair", Location("3")),
            id="other-thing-same-building",
        ),
        pytest.param(
            ("3栋门禁坏了", "repair", Location("3")),
            ("3栋店题又坏了", "repair", Location("3")),
            id="typo-of-a-thing-the-case-does-not-name",
        ),
        pytest.param(
            ("6栋1单元楼道灯坏了", "repair", Location("6", "1", place="楼道")),
            ("6栋1单元门口等了半天没人修门禁", "repair", Location("6", "1")),
            id="one-character-sound-alike",
        ),
        pytest.param(
            ("东门路灯不亮了", "repair", Location(place="东门")),
            ("东门路面塌了个坑", "repair", Location(place="东门")),
            id="lamp-and-road-at-one-gate",
        ),
    ],
)
async def test_sound_alike_other_problem_stays_apart(db_url, first: Report, second: Report):
    assert not await second_joins_first(db_url, first, second)
