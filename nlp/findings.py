"""The classifier's output types: the problems one message reports, in fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from nlp.labels import CATEGORY_LABELS, CHAT

# Places named relative to the writer's own flat: two residents' 楼下 are
# different spots, so these never make two reports the same problem.
RELATIVE_PLACES = frozenset({"楼上", "楼下", "隔壁", "对门", "对面", "家里", "我家", "门口", "楼道", "窗外"})


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
        by both; an empty location overlaps nothing.
        """
        shared = 0
        mine_place = None if self.place in RELATIVE_PLACES else self.place
        their_place = None if other.place in RELATIVE_PLACES else other.place
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
    """

    category: str
    urgent: bool = False
    confidence: float = 1.0
    location: Location = field(default_factory=Location)
    external: bool = False
    text: str = ""

    @property
    def actionable(self) -> bool:
        return self.category != CHAT

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self.category]
