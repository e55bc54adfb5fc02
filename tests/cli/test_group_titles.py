"""Reading which compound a replayed group belongs to from the group's title."""

from __future__ import annotations

import pytest

from handlers.group_titles import compound_name_from_group, is_staff_title, match_title
from models import Compound


def compounds(*names: str) -> list[Compound]:
    return [Compound(name=name, code=f"XQ{index:04d}") for index, name in enumerate(names, start=1)]


def matched_names(title: str, existing: list[Compound]) -> list[str]:
    return [c.name for c in match_title(title, existing).compounds]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("月光小区业主群", "月光小区"),
        ("月光业主群", "月光小区"),
        ("月光小区", "月光小区"),
        ("月光小区5栋楼栋群", "月光小区"),
        ("【月光小区】业主交流群", "月光小区"),
        ("阳光花园业主群", "阳光花园"),
        ("阳光花园工作群", "阳光花园"),
        ("阳光花园小区业主2群", "阳光花园"),
        ("阳光花园1-3栋群", "阳光花园"),
        ("阳光花园群", "阳光花园"),
    ],
)
def test_title_matches_existing_compound(title, expected):
    assert matched_names(title, compounds("阳光花园", "月光小区")) == [expected]


def test_longest_name_wins():
    existing = compounds("阳光花园", "阳光花园二期")

    assert matched_names("阳光花园二期业主群", existing) == ["阳光花园二期"]
    assert matched_names("阳光花园3栋业主群", existing) == ["阳光花园"]


def test_compound_named_without_word_matches_title_with_it():
    assert matched_names("月光小区业主群", compounds("月光")) == ["月光"]


def test_name_is_not_cut_at_garden():
    # 阳光花园 is a whole name: it is not the compound 阳光 with 花园 after it.
    assert matched_names("阳光花园业主群", compounds("阳光")) == []
    assert matched_names("阳光新城业主群", compounds("阳光")) == []


def test_dropped_ending_matches_one_compound():
    assert matched_names("翠湖业主群", compounds("翠湖苑")) == ["翠湖苑"]
    assert matched_names("阳光业主群", compounds("阳光花园")) == ["阳光花园"]


def test_dropped_ending_ambiguous_matches_none():
    assert matched_names("阳光业主群", compounds("阳光花园", "阳光苑")) == []


def test_own_ending_blocks_dropped_ending_match():
    # 阳光小区 names its own ending, so it is not 阳光花园.
    assert matched_names("阳光小区业主群", compounds("阳光花园")) == []


def test_same_names_are_ambiguous():
    assert matched_names("阳光花园业主群", compounds("阳光花园", "阳光花园")) == ["阳光花园", "阳光花园"]


def test_no_compounds_no_match():
    match = match_title("和谐家园业主2群", [])

    assert match.compounds == ()
    assert match.guessed_name == "和谐家园"
    assert match.staff is False


@pytest.mark.parametrize(
    "title",
    ["阳光花园工作群", "阳光花园工作人员群", "阳光花园物业员工2群", "【阳光花园】工作群", "阳光花园staff群"],
)
def test_staff_titles(title):
    assert is_staff_title(title)


@pytest.mark.parametrize("title", ["阳光花园业主群", "阳光花园工作站居民群", "阳光花园5栋楼栋群", "阳光花园物业服务群"])
def test_resident_titles(title):
    assert not is_staff_title(title)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("翠湖苑业主2群", "翠湖苑"),
        ("翠湖苑1-3栋群", "翠湖苑"),
        ("【翠湖苑】业主交流群", "翠湖苑"),
        ("翠湖苑小区业主群", "翠湖苑"),
        ("翠湖苑工作群", "翠湖苑"),
        ("阳光花园", "阳光花园"),
    ],
)
def test_guessed_name(title, expected):
    assert compound_name_from_group(title) == expected
