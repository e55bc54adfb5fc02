"""Matching of group chat titles to the compounds the groups belong to.

Chat exports name groups, not compounds: 翠湖苑业主2群, 【翠湖苑】业主交流群,
月光小区5栋楼栋群 and 阳光花园工作群 each belong to one compound. A replayed
log binds each group by its title, so the title is matched against the
compounds that exist before a new one is named after it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from models import Compound

_NUMBER = r"(?:\d+|[一二三四五六七八九十百]+)"
# The suffix that names one group of a compound rather than the compound
# itself (阳光花园3栋业主群 and 阳光花园志愿者群 both belong to 阳光花园):
# 3栋, 1-3栋, 二期, 业主交流, 工作 or 2群, in any order, up to the word 群.
_GROUP_SUFFIX = re.compile(
    rf"(?:[\s·\-_、（）()]*(?:{_NUMBER}(?:\s*[-~至到]\s*{_NUMBER})?\s*(?:栋|幢|号楼|楼|期|区|单元)"
    r"|业主|居民|住户|邻里|志愿者|党员|租户|交流|互助|服务|楼栋|物业|管理|通知|议事|大|总|新"
    r"|工作人员|工作组|工作|员工|职工))*"
    rf"[\s·\-_]*{_NUMBER}?\s*群\s*{_NUMBER}?\s*$"
)
# 【翠湖苑】业主群 and [翠湖苑]业主群: the bracketed part is the compound.
_BRACKETED = re.compile(r"^\s*[【\[（(]([^】\]）)]+)[】\]）)]")
# The word 小区 after a name is how people refer to it, not part of the name.
_COMPOUND_WORD = re.compile(r"(?<=.{2})小区$")
# A group of staff, not of residents: 阳光花园工作群, 物业员工2群, staff群.
_STAFF_GROUP = re.compile(rf"(?:工作人员|工作组|工作|员工|职工|staff)\s*{_NUMBER}?\s*群", re.IGNORECASE)
# Endings that belong to a compound's name but that people drop when they
# name a group: the group 翠湖业主群 of the compound 翠湖苑. Only a title
# without an ending of its own is read this way, because 阳光小区 and
# 阳光花园 name two compounds.
_NAME_ENDINGS = ("花园", "家园", "花苑", "苑", "新村", "公寓", "小区")
_SEPARATORS = " ·-_、"


@dataclass(frozen=True, slots=True)
class TitleMatch:
    """The compounds a group title names, and whether it is a staff group.

    Attributes:
        compounds: Existing compounds the title names equally well; one
            means a match, several an ambiguous title, none a title that
            names no existing compound.
        staff: The title marks a group of staff (工作群), whose messages are
            commands and discussion, not residents' reports.
        guessed_name: The compound name the title suggests, for a compound
            created when nothing matches.
    """

    compounds: tuple[Compound, ...]
    staff: bool
    guessed_name: str


def compound_name_from_group(group_title: str) -> str:
    """Guess the compound's name from a group's title by removing group suffixes.

    翠湖苑业主2群, 翠湖苑1-3栋群, 【翠湖苑】业主交流群 and 翠湖苑小区业主群
    all name 翠湖苑.
    """
    title = group_title.strip()
    bracketed = _BRACKETED.match(title)
    if bracketed:
        return bracketed.group(1).strip()
    name = _GROUP_SUFFIX.sub("", title).strip(_SEPARATORS)
    name = _COMPOUND_WORD.sub("", name)
    return name or title


def is_staff_title(group_title: str) -> bool:
    return bool(_STAFF_GROUP.search(unicodedata.normalize("NFKC", group_title)))


def match_title(group_title: str, compounds: Iterable[Compound]) -> TitleMatch:
    """Find the existing compounds a group title names.

    A compound matches when the title is its name, with or without 小区,
    followed only by group words (业主群, 5栋楼栋群, 工作群). The longest
    such name wins, so 阳光花园二期业主群 belongs to 阳光花园二期 and not to
    阳光花园. Only when no name matches that way, a title that drops the
    ending of exactly one compound's name (翠湖业主群 for 翠湖苑) matches it.
    """
    title = unicodedata.normalize("NFKC", group_title).strip()
    compounds = list(compounds)
    subject = _subject(title)
    best: list[Compound] = []
    best_length = 0
    for compound in compounds:
        for variant in _name_variants(compound):
            if not subject.startswith(variant) or not _only_group_words(subject[len(variant) :]):
                continue
            if len(variant) > best_length:
                best, best_length = [compound], len(variant)
            elif len(variant) == best_length and compound not in best:
                best.append(compound)
    if not best:
        best = _by_dropped_ending(title, compounds)
    return TitleMatch(
        compounds=tuple(sorted(best, key=lambda c: c.code)),
        staff=is_staff_title(title),
        guessed_name=compound_name_from_group(title),
    )


def _subject(title: str) -> str:
    """Return the part of a title that should start with the compound's name."""
    bracketed = _BRACKETED.match(title)
    return bracketed.group(1).strip() if bracketed else title


def _name_variants(compound: Compound) -> set[str]:
    name = unicodedata.normalize("NFKC", compound.name).strip()
    variants = {name}
    without_word = _COMPOUND_WORD.sub("", name)
    if without_word:
        variants.add(without_word)
    return variants


def _only_group_words(rest: str) -> bool:
    """Tell whether what follows a name in a title is only 小区 and group words."""
    rest = rest.lstrip(_SEPARATORS).removeprefix("小区").strip(_SEPARATORS)
    return not rest or _GROUP_SUFFIX.match(rest) is not None


def _by_dropped_ending(title: str, compounds: list[Compound]) -> list[Compound]:
    """Return the one compound whose name is the title's name plus a common ending."""
    core = _subject(title)
    core = _GROUP_SUFFIX.sub("", core).strip(_SEPARATORS)
    if len(core) < 2 or core.endswith(_NAME_ENDINGS):
        return []
    found = [
        compound
        for compound in compounds
        if any(variant in {core + ending for ending in _NAME_ENDINGS} for variant in _name_variants(compound))
    ]
    return found if len(found) == 1 else []
