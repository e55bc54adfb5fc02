"""The classifier's output types: the problems one message reports, in fields."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from nlp.cues import DangerKind
from nlp.labels import CATEGORY_LABELS, CHAT, COMPOUND_WIDE

# Places named relative to the writer's own flat: two residents' 楼下 are
# different spots, so these never make two reports the same problem.
RELATIVE_PLACES = frozenset({"楼上", "楼下", "隔壁", "对门", "对面", "家里", "我家", "门口", "楼道", "窗外"})
# Places inside or at the foot of a building. A report that names one
# without a building is about the writer's own building, or about the one
# they named earlier in the same message.
PLACES_IN_BUILDING = RELATIVE_PLACES | {
    "楼道",
    "楼梯间",
    "电梯间",
    "电梯口",
    "楼顶",
    "天台",
    "屋顶",
    "架空层",
    "单元门口",
    "地下室",
}

# Names residents use for one spot: "车库还在漏水" follows "8栋地下车库漏水".
# Each name maps to the first name of its group. The gates and the garage
# levels each get a group of their own, because a compound has several.
# NOTE: where the main gate is also called 南门 (or another side), reports
# of one problem at 小区大门 and at 南门 open two cases for an officer to merge.
_SAME_SPOT_GROUPS = (
    ("地下车库", "地下停车场", "车库", "地库"),
    ("小区大门", "小区门口", "大门口", "正门", "小区门外"),
    ("东门", "东大门"),
    ("西门", "西大门"),
    ("南门", "南大门"),
    ("北门", "北大门"),
    ("负一楼", "负一层", "B1", "地下车库B1"),
    ("负二楼", "负二层", "B2", "地下车库B2"),
    ("负三楼", "负三层", "B3", "地下车库B3"),
    ("楼顶", "天台", "屋顶"),
    ("花园", "小花园"),
    ("中心广场", "广场"),
    ("游乐场", "儿童乐园"),
    ("垃圾站", "垃圾房"),
    ("门岗", "岗亭"),
    ("物业中心", "物业办公室"),
    ("电梯间", "电梯口"),
)
_SPOT = {name: group[0] for group in _SAME_SPOT_GROUPS for name in group}
# Spots that are part of a larger one: a report about 负一楼 may be about the
# same leak as one about 地下车库, but 负一楼 and 负二楼 are two places.
# nlp.locate stores a garage named with its level as 地下车库B1 to B3, in its
# level's group. So reports at B1 and B2 of the garage conflict, and a report
# at the garage without a level conflicts with neither.
_PART_OF = {"负一楼": "地下车库", "负二楼": "地下车库", "负三楼": "地下车库"}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is, as far as the text names it.

    Attributes:
        building: Building number as written without its unit word ("3" for 3栋).
        unit: Unit (entrance) number ("2" for 2单元).
        room: Room number ("1002" for 1002室).
        place: A named place such as 东门, 地下车库 or 5号楼楼道.
    """

    building: str | None = None
    unit: str | None = None
    room: str | None = None
    place: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.building or self.unit or self.room or self.place)

    def describe(self) -> str:
        """Render the location the way residents write it, e.g. 3栋2单元1002室."""
        parts = []
        if self.building:
            parts.append(f"{self.building}栋")
        if self.unit:
            parts.append(f"{self.unit}单元")
        if self.room:
            parts.append(f"{self.room}室")
        if self.place:
            parts.append(self.place)
        return "".join(parts)

    def overlaps(self, other: Location) -> bool:
        """Tell whether two locations may name the same spot.

        Fields that both sides give must agree, and at least one must be given
        by both; an empty location overlaps nothing. Two names of one spot
        (车库 and 地下车库) agree.
        """
        shared = 0
        mine_place = _spot(self.place)
        their_place = _spot(other.place)
        for mine, theirs in (
            (self.building, other.building),
            (self.unit, other.unit),
            (self.room, other.room),
            (mine_place, their_place),
        ):
            if mine and theirs:
                if mine != theirs:
                    return False
                shared += 1
        return shared > 0

    def conflicts(self, other: Location) -> bool:
        """Tell whether two locations name different spots, so they cannot be one problem.

        They do when both give a building, unit or room and these differ, or
        when both name a place and the places are different spots (东门 and
        西门, 东门 and 地下车库). Relative places such as 楼下 conflict with
        nothing, and neither does a part of a spot with the spot (负一楼 and
        车库).
        """
        for mine, theirs in ((self.building, other.building), (self.unit, other.unit), (self.room, other.room)):
            if mine and theirs and mine != theirs:
                return True
        return _different_spots(_spot(self.place), _spot(other.place))


def _different_spots(first: str | None, second: str | None) -> bool:
    if first is None or second is None or first == second:
        return False
    return _PART_OF.get(first) != second and _PART_OF.get(second) != first


def _spot(place: str | None) -> str | None:
    """Return the first name of a place's group of names, or None for a relative place."""
    if place is None or place in RELATIVE_PLACES:
        return None
    return _SPOT.get(place, place)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or the lack of one) found in a message.

    Attributes:
        category: A key of nlp.labels.CATEGORY_LABELS.
        urgent: Danger to life or property right now.
        confidence: The model's probability for the category, 0 to 1.
        location: Where the problem is.
        external: The cause lies outside the compound or needs a government
            department, which moves the route to the party branch.
        text: The part of the message this finding is about.
        danger: For an urgent finding, the kind of danger its words name
            (fire, gas...); None when it is not urgent or names no kind.
    """

    category: str
    urgent: bool = False
    confidence: float = 1.0
    location: Location = field(default_factory=Location)
    external: bool = False
    text: str = ""
    danger: DangerKind | None = None

    @property
    def actionable(self) -> bool:
        return self.category != CHAT

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self.category]


def carry_places(findings: list[Finding]) -> list[Finding]:
    """Give each finding of one message the place the message named before it, when it names none itself.

    Residents name the building once. In "34栋电梯坏了，另外楼道灯也不亮"
    the stairwell lamp is at 34栋 too, and reading it without a building
    would let it join another building's lamp case. A finding with no
    location at all takes the whole location of the nearest finding before
    it that has one. A finding with a place inside a building (楼道,
    楼下), a unit or a room, but no building, takes the building of the
    nearest finding before it that names one, and its unit when it names
    none. A place outside the buildings (东门, 车库) stays as it is.

    Only places named earlier count, because "单元门禁坏了，还有南门路灯不亮"
    does not put the door entry system at 南门.

    Findings of compound-wide matters (nlp.labels.COMPOUND_WIDE) neither
    take a place nor give one, because the fee rise in
    "10栋门口乱停车，另外物业费涨价了" is not at 10栋.
    """
    carried: list[Finding] = []
    last_known: Location | None = None
    last_building: Location | None = None
    for finding in findings:
        if finding.category in COMPOUND_WIDE:
            carried.append(finding)
            continue
        own = finding.location
        if own.is_empty and last_known is not None:
            finding = replace(finding, location=last_known)
        elif (
            own.building is None
            and last_building is not None
            and (own.place is None or own.place in PLACES_IN_BUILDING)
        ):
            unit = own.unit or last_building.unit
            finding = replace(finding, location=replace(own, building=last_building.building, unit=unit))
        carried.append(finding)
        if not finding.location.is_empty:
            last_known = finding.location
        if finding.location.building is not None:
            last_building = finding.location
    return carried
