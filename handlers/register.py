"""Reading and showing household register entries: people, relations and tags.

The chat commands and the CSV import share these checks, so a row that the
import accepts is one that 登记住户 would accept too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from handlers.errors import BadCommand
from handlers.masking import contains_id_number, mask_phone
from models import Occupant

# The relations a person may have to the dwelling.
RELATIONS = ("业主", "家属", "租户", "借住", "其他")
# Other words that registers and residents use for each relation. They are
# read as the relation and never stored, so one relation has one spelling.
RELATION_SYNONYMS = {
    "业主": ("房主", "户主", "屋主", "产权人"),
    "家属": ("家人", "亲属", "配偶", "爱人", "老伴", "妻子", "丈夫", "子女", "儿子", "女儿", "父母", "父亲", "母亲"),
    "租户": ("租客", "房客", "承租人"),
    "借住": ("暂住", "寄住", "借住人"),
    "其他": ("其它",),
}
_RELATION_BY_WORD = {
    **{relation: relation for relation in RELATIONS},
    **{word: relation for relation, words in RELATION_SYNONYMS.items() for word in words},
}

# The sensitive tags the register accepts, and nothing else. They mark people
# whom staff should look after during a repair or an emergency.
TAGS = (
    "独居老人",
    "空巢老人",
    "高龄老人",
    "残疾人",
    "重病患者",
    "留守儿童",
    "低保户",
    "特困人员",
)
# Tags that an officer's notice about a new case in the dwelling mentions.
# Income support (低保户, 特困人员) does not change how a repair is handled,
# so it stays out of case notices.
CARE_TAGS = ("独居老人", "空巢老人", "高龄老人", "残疾人", "重病患者", "留守儿童")
# Typed in place of tags, it clears a person's tags on update.
NO_TAGS = "无标签"

MAX_NAME_LENGTH = 20
# Characters allowed between the letters of a name: the middle dot of
# transliterated names (阿依古丽·买买提), and the hyphen, apostrophe and
# full stop of Latin ones (Anne-Marie, O'Neil, J.Smith).
NAME_SEPARATORS = frozenset("·・•-'’.")
MAX_NOTE_LENGTH = 200

# The country code, as contact lists and exports write it (+86, 0086 or 86), may come first.
_MOBILE = re.compile(r"^(?:\+86|0086|86)?(1[3-9][0-9]{9})$")
# A date as officers type it: 2023-05-01, 2023/5/1, 2023.5.1 or 2023年5月1日,
# optionally after the word 入住.
_DATE = re.compile(r"^(?:入住)?([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?$")
_NOTE_START = re.compile(r"备注[:：]?")
# Spaces and dashes people type inside long numbers (138 1234 5678, 4301-...).
_NUMBER_BREAKS = re.compile(r"[\s\-‐‑–—－]")
# A leading 86 or 0086 is the country code that _MOBILE accepts, not a digit
# that makes the number longer.
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:0086|86)?1[3-9]\d{9}(?!\d)")


@dataclass(slots=True)
class OccupantEntry:
    """The fields of one 登记住户 line or one import row.

    None means "not given", so the stored value stays. A field named in
    `clear` is emptied instead; the import uses it for empty cells.
    """

    name: str
    relation: str | None = None
    phone: str | None = None
    moved_in_on: date | None = None
    tags: list[str] | None = None
    note: str | None = None
    clear: set[str] = field(default_factory=set)


def fold(text: str) -> str:
    """Fold full-width letters, digits and spaces (Chinese keyboards type them) to ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


def reject_id_number(text: str) -> None:
    """Raise when a chat line contains an ID-card number, which the register never stores.

    Raises:
        BadCommand: The text contains an ID number of 18 characters or an old one of 15 digits.
    """
    if contains_id_number(fold(text)):
        msg = "住户档案不登记身份证号，请删去身份证号后重新发送。系统没有保存这条内容。"
        raise BadCommand(msg)


def has_id_number(field: str) -> bool:
    """Tell whether one field contains an ID-card number, also one typed with spaces or dashes.

    Only a single field is joined up like this. Across a whole line, joining
    would run a phone number and a date together into one long number.
    """
    return contains_id_number(_NUMBER_BREAKS.sub("", fold(field)))


def parse_phone(text: str) -> str:
    """Return an 11-digit mainland mobile number, with spaces and dashes removed.

    Raises:
        BadCommand: The text is no mobile number.
    """
    digits = full_mobile(text)
    if digits is None:
        msg = f"手机号“{text}”无效，请写11位手机号，例如 13812345678。"
        raise BadCommand(msg)
    return digits


def full_mobile(text: str) -> str | None:
    """Return the 11 digits of a text that is a whole mainland mobile number, or None.

    Spaces, dashes, full-width digits and the country code are allowed, so
    138 1234 5678 and +86 138-1234-5678 give the number stored for 13812345678.
    """
    digits = re.sub(r"[\s-]", "", fold(text))
    match = _MOBILE.match(digits)
    return match.group(1) if match else None


def parse_date(text: str) -> date:
    """Read a move-in date such as 2023-05-01 or 入住2023年5月1日.

    Raises:
        BadCommand: The text is no date, or no real one.
    """
    match = _DATE.match(fold(text))
    if match is None:
        msg = f"无法识别日期“{text}”，请写成 2023-05-01。"
        raise BadCommand(msg)
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        msg = f"日期“{text}”不存在，请核对。"
        raise BadCommand(msg) from None


def parse_moved_in(text: str, today: date) -> date:
    """Read a move-in date no later than `today`, the current date in the bot's time zone.

    Raises:
        BadCommand: The text is no date, no real one, or a date after today.
    """
    day = parse_date(text)
    if day > today:
        msg = f"入住日期 {day:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），请核对。"
        raise BadCommand(msg)
    return day


def parse_tags(words: list[str]) -> list[str]:
    """Check tags against TAGS and return them without repeats, in the order given.

    Raises:
        BadCommand: A word is no known tag.
    """
    tags: list[str] = []
    for word in words:
        if word not in TAGS:
            msg = f"“{word}”不是可用的标签。可用标签：{'、'.join(TAGS)}。"
            raise BadCommand(msg)
        if word not in tags:
            tags.append(word)
    return tags


def relation_of(word: str) -> str | None:
    """Return the relation of RELATIONS that `word` names (租客 names 租户), or None."""
    return _RELATION_BY_WORD.get(fold(word))


def parse_relation(text: str) -> str:
    """Return the relation of RELATIONS that `text` names, itself or by a synonym such as 租客.

    Raises:
        BadCommand: The text is no known relation.
    """
    relation = relation_of(text)
    if relation is None:
        msg = f"“{text}”不是可用的关系，请写{'、'.join(RELATIONS)}之一（也可写租客、户主、家人等常用说法）。"
        raise BadCommand(msg)
    return relation


def check_name(text: str) -> str:
    """Return a person's name, rejecting digits, tags and relations in its place.

    A name is letters (汉字 or Latin and other scripts) with the separators
    of NAME_SEPARATORS between them. Spaces are rejected too, because 迁出
    and 关联住户 read the name as one word.

    Raises:
        BadCommand: The name is missing, too long, looks like another field,
            or contains a character no name has (@, an emoji, punctuation).
    """
    name = fold(text)
    if not name:
        msg = "请写上住户姓名，例如：登记住户 3栋2单元1002 张三 业主 13812345678"
        raise BadCommand(msg)
    if relation_of(name) is not None or name in TAGS or re.search(r"[0-9]", name):
        msg = f"请先写住户姓名，再写关系和手机号。“{text}”不像姓名。"
        raise BadCommand(msg)
    if len(name) > MAX_NAME_LENGTH:
        msg = f"姓名“{text}”超过{MAX_NAME_LENGTH}个字，请核对。"
        raise BadCommand(msg)
    _check_name_characters(text, name)
    return name


def _check_name_characters(text: str, name: str) -> None:
    # Each typed character is folded on its own, so the message quotes it as typed (！ rather than !).
    for typed in text.strip():
        if _allowed_in_name(typed):
            continue
        if typed.isspace():
            msg = f"姓名“{text}”中不能有空格，外文或少数民族姓名请用“·”连接，例如：阿依古丽·买买提。"
        elif not typed.isprintable():
            msg = f"姓名“{text}”中有看不见的字符，请删去后重新输入。"
        else:
            msg = f"姓名“{text}”中的“{typed}”不能用在姓名里。姓名只能由汉字或字母组成，外文姓名可用“·”分隔。"
        raise BadCommand(msg)
    if not (_is_letter(name[0]) and (_is_letter(name[-1]) or _is_mark(name[-1]))):
        msg = f"姓名“{text}”应以汉字或字母开头和结尾，请核对。"
        raise BadCommand(msg)


def _allowed_in_name(typed: str) -> bool:
    folded = fold(typed)
    if not folded:
        return False
    return all(_is_letter(char) or _is_mark(char) or char in NAME_SEPARATORS for char in folded)


def _is_letter(char: str) -> bool:
    # Nl lets in 〇, which some names use as a character.
    category = unicodedata.category(char)
    return category.startswith("L") or category == "Nl"


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


def check_note(text: str, *, in_import: bool = False) -> str:
    """Return a note fit for the register.

    Notes are shown to the keepers as written, so a number typed with spaces
    or dashes is joined up before the checks. An ID number is rejected, as
    everywhere in the register. A mobile number belongs in its own field,
    where it is masked. With `in_import` the messages speak of the file's
    columns instead of a chat line.

    Raises:
        BadCommand: The note is too long or contains an ID or mobile number.
    """
    note = text.strip()
    if len(note) > MAX_NOTE_LENGTH:
        msg = f"备注超过{MAX_NOTE_LENGTH}个字，请精简。"
        raise BadCommand(msg)
    if has_id_number(note):
        if in_import:
            msg = "备注中有身份证号。住户档案不登记身份证号，请删去后重新导入。"
        else:
            msg = "住户档案不登记身份证号，请删去身份证号后重新发送。系统没有保存这条内容。"
        raise BadCommand(msg)
    if _MOBILE_IN_TEXT.search(_NUMBER_BREAKS.sub("", fold(note))):
        if in_import:
            msg = "备注中有手机号。备注里不写手机号，请填在手机号一列（导出时默认打码）。"
        else:
            msg = "备注里不写手机号，请写在手机号一栏（显示时会打码）。系统没有保存这条内容。"
        raise BadCommand(msg)
    return note


def parse_entry(text: str, *, today: date) -> OccupantEntry:
    """Read the part of 登记住户 after the dwelling: name, then fields in any order.

    Each later word is a relation, a mobile number, a move-in date no later
    than `today`, a tag or 无标签; everything after 备注 is the note. Anything
    else is an error, so a typo never lands silently in the note.

    Raises:
        BadCommand: The name is missing or invalid, or a word fits no field.
    """
    reject_id_number(text)
    # Only the fields are folded; the note keeps the punctuation it was typed with.
    head, note_mark, note = text.partition("备注")
    if note_mark:
        note = _NOTE_START.sub("", "备注" + note, count=1)
    words = fold(head).split()
    if not words:
        check_name("")
    entry = OccupantEntry(name=check_name(words[0]))
    tags: list[str] = []
    for word in words[1:]:
        if (relation := relation_of(word)) is not None:
            entry.relation = relation
        elif word == NO_TAGS:
            entry.tags = []
        elif word in TAGS:
            tags.append(word)
        elif _DATE.match(word):
            entry.moved_in_on = parse_moved_in(word, today)
        elif re.fullmatch(r"\+?[0-9-]+", word):
            entry.phone = parse_phone(word)
        else:
            msg = (
                f"无法识别“{word}”。姓名之后可写关系（{'、'.join(RELATIONS)}）、11位手机号、"
                f"入住日期、标签（{'、'.join(TAGS)}），说明请写在“备注”之后。"
            )
            raise BadCommand(msg)
    if tags:
        entry.tags = parse_tags(tags)
    if note_mark:
        entry.note = check_note(note)
    return entry


def occupant_line(occupant: Occupant, *, with_tags: bool, full_phone: bool = False) -> str:
    """Describe one person for a reply.

    The phone is masked unless full_phone. Tags and the note, which may
    describe health or income, appear only when with_tags is set.
    """
    parts = [occupant.name, occupant.relation]
    if occupant.phone:
        parts.append(occupant.phone if full_phone else mask_phone(occupant.phone))
    if occupant.moved_in_on is not None:
        parts.append(f"{occupant.moved_in_on:%Y-%m-%d}入住")
    if with_tags and occupant.tags:
        parts.append("【" + "、".join(occupant.tags) + "】")
    if with_tags and occupant.note:
        parts.append(f"备注：{occupant.note}")
    return " ".join(parts)
