"""Generate the project's training examples from the hand-written phrase bank.

Run `python -m nlp.data.generate` to rewrite nlp/data/examples.csv. The
output depends only on the phrase bank and SEED, so a rerun gives the same
bytes; `python -m nlp train` then reads every CSV in this folder.

Each phrase is rendered several times with different buildings, rooms,
compound names, chat openings and endings, typos and character forms, so the
model learns the words of the problem rather than one sentence.
"""

from __future__ import annotations

import csv
import importlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import zhconv

from nlp.data.chatter import compose_chatter
from nlp.data.letters import LETTER_PHRASES
from nlp.data.more import (
    CITY_PHRASES,
    LETTER_MORE,
    LETTER_ROUND_FIVE,
    LETTER_ROUND_FOUR,
    LETTER_ROUND_THREE,
    LETTER_ROUND_TWO,
    MORE_PHRASES,
)
from nlp.data.phrasebank import (
    CHAT_ENDINGS,
    CHAT_OPENINGS,
    FORMAL_ENDINGS,
    FORMAL_OPENINGS,
    PHRASES,
    SUBJECT_FORMS,
)
from nlp.data.variants import BURIED_OPENERS, CHRONIC, MIXED_TAILS
from nlp.labels import CHAT, default_route

# Modules of phrases, each written for one group of confusions. Every one
# exports PHRASES in the phrase-bank format.
TOPIC_MODULES = ("land_use", "hazards", "nuisance", "facilities", "governance", "requests", "group_chat")
# Modules rendered last, each with a random generator of its own seeded from
# SEED. A line added to one of them then changes no earlier row, so a
# retraining measures the new lines rather than a reshuffle of all others.
LATE_MODULES = ("boundaries",)

SEED = 20240611
OUTPUT = Path(__file__).with_name("examples.csv")

# Renderings per phrase, by voice. Chat lines get more because the chat voice
# has more surface variety (openings, emoji, typos) to cover.
RENDERINGS = {"c": 7, "f": 5, "t": 5}
CHAT_RENDERINGS = 9
# Composed everyday chit-chat lines, see nlp.data.chatter.
CHATTER_LINES = 1800

_CN_DIGITS = "一二三四五六七八九十"
# Compound names are drawn from many made-up parts, so that no part of a
# name becomes a clue to one category. Letters to the city often put a
# masked district code (A市A3区, K2县) and a street office or road first.
_COMPOUND_HEADS = ["阳光", "幸福", "锦绣", "金桂", "翠湖", "和园", "东方", "滨江", "紫荆", "碧水"]
_COMPOUND_HEADS += ["丽景", "明珠", "龙湖", "梧桐", "书香", "盛世", "康乐", "绿洲", "新城", "华府"]
_COMPOUND_HEADS += ["金湾", "星河", "御澜", "枫林", "麓原", "湘水", "清溪", "银杏", "嘉禾", "恒安"]
_COMPOUND_HEADS += ["泰和", "瑞丰", "青竹", "望江", "云锦", "橘洲", "天元", "长丰", "福源", "兴业"]
_COMPOUND_HEADS += ["凤栖", "雅塘", "芙蓉", "玉兰", "荷塘", "松涛", "柏庭", "新河", "北辰", "南湖"]
_COMPOUND_TAILS = ["花园", "小区", "家园", "名苑", "雅居", "新村", "公馆", "佳园", "城", "苑"]
_COMPOUND_TAILS += ["国际", "广场", "世纪城", "湾", "府", "壹号", "一期", "二期", "公寓", "大厦"]
_COMPOUND_TAILS += ["安置区", "宿舍", "山庄", "水岸", "华庭", "明苑", "天地", "尚城", "时代", "首府"]
_CITIES = ["", "", "", "", "A市", "B市", "本市", "市里", "某区", "A市A3区"]
_DISTRICT_LETTERS = "ABCK"
_STREETS = ["东塘", "望城", "新桥", "枫溪", "青园", "洞井", "桂花", "白沙", "荷花", "雨花"]
_ROADS = ["建设", "人民", "解放", "芙蓉", "湘府", "银杉", "桐梓", "车站", "劳动", "韶山"]
_PLACES = [
    "东门",
    "西门",
    "南门",
    "北门",
    "小区门口",
    "地下车库",
    "地库",
    "负一楼",
    "车棚",
    "中心广场",
    "小花园",
    "儿童乐园",
    "篮球场",
    "垃圾站",
    "物业中心",
    "快递柜旁边",
    "岗亭",
    "楼下",
]
# Common slips in typed Chinese: homophones and near-homophones.
_TYPOS = [("的", "得"), ("在", "再"), ("已经", "以经"), ("那", "哪"), ("么", "嘛"), ("账", "帐")]
_TYPOS += [("做", "作"), ("坐", "座"), ("吗", "嘛"), ("里", "哩")]


@dataclass(frozen=True)
class Example:
    """One labelled training row."""

    text: str
    category: str
    urgency: str
    route: str


@dataclass(frozen=True)
class Phrase:
    """One line of the phrase bank with its labels."""

    category: str
    voice: str
    urgent: bool
    external: bool
    text: str


def parse_phrases() -> list[Phrase]:
    """Read every `MARK|phrase` line of the phrase bank, except LATE_MODULES."""
    blocks = [
        *PHRASES.items(),
        *LETTER_PHRASES.items(),
        *MORE_PHRASES.items(),
        *CITY_PHRASES.items(),
        *LETTER_MORE.items(),
        *LETTER_ROUND_TWO.items(),
        *LETTER_ROUND_THREE.items(),
        *LETTER_ROUND_FOUR.items(),
        *LETTER_ROUND_FIVE.items(),
    ]
    for name in TOPIC_MODULES:
        module = importlib.import_module(f"nlp.data.{name}")
        blocks.extend(module.PHRASES.items())
    return _parse_blocks(blocks)


def _parse_blocks(blocks: list[tuple[str, str]]) -> list[Phrase]:
    phrases = []
    for category, block in blocks:
        for line in block.strip().splitlines():
            mark, text = line.split("|", 1)
            phrases.append(Phrase(category, mark[0], "u" in mark[1:], "e" in mark[1:], text))
    return phrases


def _number(rng: random.Random, top: int) -> int:
    return rng.randint(1, top)


def _building(rng: random.Random) -> str:
    number = _number(rng, 30)
    form = rng.randrange(7)
    if form == 0:
        return f"{number}栋"
    if form == 1:
        return f"{number}号楼"
    if form == 2:
        return f"{_CN_DIGITS[number % 10 - 1] if number % 10 else '十'}栋"
    if form == 3:
        return f"{_CN_DIGITS[number % 9]}号楼"
    if form == 4:
        return f"{number}幢"
    if form == 5:
        return f"{number}#楼"
    return "X栋"


def _unit(rng: random.Random) -> str:
    number = _number(rng, 6)
    return f"{number}单元" if rng.random() < 0.7 else f"{_CN_DIGITS[number - 1]}单元"


def _room(rng: random.Random) -> str:
    floor = _number(rng, 28)
    door = _number(rng, 4)
    room = f"{floor}{door:02d}"
    form = rng.randrange(6)
    if form == 0:
        return f"{room}室"
    if form == 1:
        return f"{_number(rng, 20)}-{_number(rng, 4)}-{room}"
    if form == 2:
        return f"{_number(rng, 20)}栋{room}"
    return room


def _district(rng: random.Random) -> str:
    letter = rng.choice(_DISTRICT_LETTERS)
    kind = rng.choice("区区县")
    city = f"{letter}市" if rng.random() < 0.5 else ""
    return f"{city}{letter}{_number(rng, 9)}{kind}"


def _compound(rng: random.Random) -> str:
    name = rng.choice(_COMPOUND_HEADS) + rng.choice(_COMPOUND_TAILS)
    draw = rng.random()
    if draw < 0.45:
        return rng.choice(_CITIES) + name
    prefix = _district(rng)
    if draw < 0.6:
        prefix += rng.choice(_STREETS) + "街道"
    elif draw < 0.7:
        prefix += f"{rng.choice(_ROADS)}路{_number(rng, 300)}号"
    return prefix + name


def fill_slots(text: str, rng: random.Random) -> str:
    """Replace {b} {u} {r} {p} {c} {n} {m} with random values."""
    return (
        text.replace("{b}", _building(rng))
        .replace("{u}", _unit(rng))
        .replace("{r}", _room(rng))
        .replace("{p}", rng.choice(_PLACES))
        .replace("{c}", _compound(rng))
        .replace("{n}", str(_number(rng, 30)))
        .replace("{m}", str(_number(rng, 12)))
    )


def roughen(text: str, rng: random.Random) -> str:
    """Add the noise of typed chat: typos, full-width digits, traditional forms."""
    if rng.random() < 0.25:
        wrong, right = rng.choice(_TYPOS)
        text = text.replace(wrong, right, 1)
    if rng.random() < 0.08:
        text = text.translate({code: code + 0xFEE0 for code in range(0x30, 0x3A)})
    if rng.random() < 0.05:
        text = zhconv.convert(text, "zh-tw")
    if rng.random() < 0.15:
        text = text.replace(" ", "，")
    return text


def render(phrase: Phrase, rng: random.Random) -> str:
    """Render one phrase once in its own voice."""
    body = fill_slots(phrase.text, rng)
    if phrase.voice == "c":
        opening = rng.choice(CHAT_OPENINGS) if phrase.category != CHAT else ""
        ending = rng.choice(CHAT_ENDINGS) if phrase.category != CHAT or rng.random() < 0.2 else ""
        return roughen(opening + body + ending, rng)
    if phrase.voice == "f":
        opening = fill_slots(rng.choice(FORMAL_OPENINGS), rng)
        return opening + body + rng.choice(FORMAL_ENDINGS)
    return rng.choice(SUBJECT_FORMS).replace("{t}", body)


def _label(phrase: Phrase) -> tuple[str, str]:
    urgency = "urgent" if phrase.urgent else "normal"
    return urgency, default_route(phrase.category, external=phrase.external)


def generate(seed: int = SEED) -> Iterator[Example]:
    """Yield every generated example, in a fixed order for a fixed seed."""
    rng = random.Random(seed)
    phrases = parse_phrases()
    yield from _rendered(phrases, rng)
    for text in compose_chatter(rng, CHATTER_LINES):
        yield Example(text, CHAT, "normal", "none")
    yield from _chronic_examples(rng)
    yield from _buried_examples(phrases, rng)
    for number, name in enumerate(LATE_MODULES, start=1):
        module = importlib.import_module(f"nlp.data.{name}")
        yield from _rendered(_parse_blocks(list(module.PHRASES.items())), random.Random(seed + number))


def _rendered(phrases: list[Phrase], rng: random.Random) -> Iterator[Example]:
    """Render each phrase several times in its own voice, dropping repeats."""
    for phrase in phrases:
        count = CHAT_RENDERINGS if phrase.category == CHAT else RENDERINGS[phrase.voice]
        urgency, route = _label(phrase)
        seen: set[str] = set()
        for _ in range(count):
            text = render(phrase, rng)
            if text not in seen:
                seen.add(text)
                yield Example(text, phrase.category, urgency, route)


def _chronic_examples(rng: random.Random) -> Iterator[Example]:
    """Danger words in chronic complaints: the category stays, urgency is normal."""
    for category, lines in CHRONIC.items():
        for line in lines:
            for _ in range(4):
                text = roughen(rng.choice(CHAT_OPENINGS) + fill_slots(line, rng), rng)
                yield Example(text, category, "normal", default_route(category))


def _buried_examples(phrases: list[Phrase], rng: random.Random) -> Iterator[Example]:
    """Urgent reports after small talk or another topic; the urgent part labels them."""
    urgent = [p for p in phrases if p.urgent and p.voice == "c"]
    for phrase in urgent:
        urgency, route = _label(phrase)
        for _ in range(2):
            opener = fill_slots(rng.choice(BURIED_OPENERS), rng)
            text = roughen(f"{opener} {fill_slots(phrase.text, rng)}", rng)
            yield Example(text, phrase.category, urgency, route)
    # Two ordinary problems in one line: labelled by the first, which is the
    # main finding the evaluation scores.
    ordinary = [p for p in phrases if p.voice == "c" and not p.urgent and p.category != CHAT]
    for _ in range(300):
        first, second = rng.sample(ordinary, 2)
        tail = rng.choice(MIXED_TAILS)
        text = roughen(f"{fill_slots(first.text, rng)}{tail}{fill_slots(second.text, rng)}", rng)
        urgency, route = _label(first)
        yield Example(text, first.category, urgency, route)


def write_examples(path: Path = OUTPUT, seed: int = SEED) -> int:
    """Write the generated examples as CSV and return how many rows were written."""
    rows = list(generate(seed))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["text", "category", "urgency", "route"])
        for row in rows:
            writer.writerow([row.text, row.category, row.urgency, row.route])
    return len(rows)


if __name__ == "__main__":
    write_examples()
