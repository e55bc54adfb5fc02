"""Label keys shared by the classifier, the router and the evaluation.

The keys are the stable identifiers stored in the database and read from
labelled CSV files; the Chinese labels are what people see.
"""

from __future__ import annotations

from typing import Final

CATEGORY_LABELS: Final[dict[str, str]] = {
    "repair": "设施报修",
    "sanitation": "环境卫生",
    "safety": "安全隐患",
    "parking": "停车交通",
    "noise": "噪音扰民",
    "neighbor": "邻里纠纷",
    "property_service": "物业服务",
    "fees": "物业收费",
    "fund": "维修基金与公共收益",
    "committee": "业委会事务",
    "illegal_use": "违建群租",
    "utilities": "水电气暖",
    "policy": "政策咨询",
    "care": "求助关爱",
    "suggestion": "建议",
    "chat": "闲聊",
    "other": "其他",
}

CATEGORIES: Final[tuple[str, ...]] = tuple(CATEGORY_LABELS)

# The category that never opens a case.
CHAT: Final = "chat"

ROUTE_LABELS: Final[dict[str, str]] = {
    "property": "物业公司",
    "committee": "业委会",
    "party": "小区党组织和小区专员",
    "none": "不立案",
}

ROUTES: Final[tuple[str, ...]] = tuple(ROUTE_LABELS)

# Default party for each category when the cause lies inside the compound.
DEFAULT_ROUTES: Final[dict[str, str]] = {
    "repair": "property",
    "sanitation": "property",
    "parking": "property",
    "property_service": "property",
    "noise": "property",
    "fees": "committee",
    "fund": "committee",
    "committee": "committee",
    "safety": "party",
    "neighbor": "party",
    "illegal_use": "party",
    "utilities": "party",
    "policy": "party",
    "care": "party",
    "suggestion": "party",
    "other": "party",
    "chat": "none",
}

# Categories whose route moves to the party branch when the cause lies
# outside the compound or only a government department can act on it
# (a KTV under the building, a construction site next door, the road outside).
EXTERNAL_SENSITIVE: Final[frozenset[str]] = frozenset(
    {"repair", "sanitation", "parking", "property_service", "noise"}
)

# Categories of matters that concern the whole compound rather than one
# dwelling or building: fees, the maintenance fund and common income, the
# owners' committee, the property company's service as a whole, policy
# questions and suggestions. The building a resident lives in does not
# show where such a matter is. So the home building given in a private
# chat is not filled in for them, and reports of one matter from residents
# of different buildings join one case. The other categories (a leak, a
# noisy neighbour, a broken lamp, a car on the fire lane) happen at a
# dwelling or a spot. For them the home building is filled in when the text
# names no building and no place outside the buildings.
COMPOUND_WIDE: Final[frozenset[str]] = frozenset(
    {"fees", "fund", "committee", "property_service", "policy", "suggestion"}
)

URGENCY_LABELS: Final[dict[str, str]] = {"urgent": "紧急", "normal": "一般"}


def default_route(category: str, *, external: bool = False) -> str:
    """Return the default route key for a category.

    Args:
        category: A key of CATEGORY_LABELS.
        external: Whether the cause lies outside the compound.

    Raises:
        KeyError: The category is not a known key.
    """
    route = DEFAULT_ROUTES[category]
    if external and category in EXTERNAL_SENSITIVE:
        return "party"
    return route
