"""carry_places: the place a message names for its later problems."""

from __future__ import annotations

import pytest

from nlp import Classifier
from nlp.findings import Finding, Location, carry_places


def places(findings: list[Finding]) -> list[Location]:
    return [finding.location for finding in carry_places(findings)]


def test_empty_part_takes_whole_place_before_it() -> None:
    found = places(
        [
            Finding("repair", location=Location("3", "2", "1102")),
            Finding("repair"),
        ]
    )
    assert found == [Location("3", "2", "1102"), Location("3", "2", "1102")]


@pytest.mark.parametrize("place", ["楼道", "楼下", "天台"])
def test_place_in_building_takes_building_and_unit(place: str) -> None:
    found = places([Finding("repair", location=Location("34", "2")), Finding("repair", location=Location(place=place))])
    assert found[1] == Location("34", "2", place=place)


def test_own_unit_and_room_stay() -> None:
    found = places(
        [Finding("repair", location=Location("3", "2")), Finding("repair", location=Location(unit="1", room="601"))]
    )
    assert found[1] == Location("3", "1", "601")


def test_place_outside_buildings_stays() -> None:
    found = places([Finding("repair", location=Location("3")), Finding("repair", location=Location(place="东门"))])
    assert found[1] == Location(place="东门")


def test_nearest_place_before_wins() -> None:
    found = places(
        [
            Finding("repair", location=Location("3")),
            Finding("parking", location=Location("10")),
            Finding("sanitation"),
        ]
    )
    assert found[2] == Location("10")


def test_no_place_comes_from_later_parts() -> None:
    found = places([Finding("repair"), Finding("repair", location=Location("5"))])
    assert found == [Location(), Location("5")]


@pytest.mark.parametrize("category", ["fees", "fund", "committee"])
def test_compound_wide_matter_takes_and_gives_nothing(category: str) -> None:
    found = places(
        [
            Finding("parking", location=Location("10")),
            Finding(category),
            Finding("repair", location=Location(place="楼道")),
        ]
    )
    assert found == [Location("10"), Location(), Location("10", place="楼道")]

    assert places([Finding(category, location=Location("7")), Finding("repair")]) == [Location("7"), Location()]


def test_classifier_keeps_building_for_later_part(classifier: Classifier) -> None:
    findings = classifier.classify("34栋电梯坏了，另外楼道灯也不亮")
    assert [finding.location for finding in findings] == [Location("34"), Location("34", place="楼道")]


def test_classifier_gives_fee_part_no_place(classifier: Classifier) -> None:
    findings = classifier.classify("10栋门口有人乱停车，还有12栋楼下垃圾两天没清了，另外物业费涨价也没公示")
    assert [finding.category for finding in findings] == ["parking", "sanitation", "fees"]
    assert [finding.location for finding in findings] == [Location("10"), Location("12", place="楼下"), Location()]
