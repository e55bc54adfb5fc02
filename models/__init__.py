"""The data layer: typed SQLAlchemy models, the database engine and migrations."""

from models.archive import ArchiveCursor
from models.base import Base, utcnow
from models.case import (
    OUTCOME_LABELS,
    STATUS_LABELS,
    Attachment,
    Case,
    CaseEvent,
    CaseOutcome,
    CaseReporter,
    CaseRound,
    CaseStatus,
    Delivery,
    RouteOverride,
    StatusCategory,
)
from models.chat import ChatGroup, ChatKind, MessageOutcome, RawMessage
from models.onboarding import PrivateChatHome
from models.org import (
    PARTY_KIND_LABELS,
    PARTY_ROLES,
    ROLE_LABELS,
    Community,
    Compound,
    Identity,
    Member,
    Party,
    PartyKind,
    Role,
    RoleKind,
    Street,
)
from models.register import CareNotice, Dwelling, Occupant
from models.scheduling import CaseTimer, DepartmentCall, Notification, NotificationStatus
from models.viewer import DashboardViewer

__all__ = [
    "OUTCOME_LABELS",
    "PARTY_KIND_LABELS",
    "PARTY_ROLES",
    "ROLE_LABELS",
    "STATUS_LABELS",
    "ArchiveCursor",
    "Attachment",
    "Base",
    "CareNotice",
    "Case",
    "CaseTimer",
    "CaseEvent",
    "CaseOutcome",
    "CaseReporter",
    "CaseRound",
    "CaseStatus",
    "ChatGroup",
    "ChatKind",
    "Community",
    "Compound",
    "DashboardViewer",
    "Delivery",
    "DepartmentCall",
    "Dwelling",
    "Identity",
    "Member",
    "MessageOutcome",
    "Notification",
    "NotificationStatus",
    "Occupant",
    "Party",
    "PartyKind",
    "PrivateChatHome",
    "RawMessage",
    "Role",
    "RoleKind",
    "RouteOverride",
    "StatusCategory",
    "Street",
    "utcnow",
]
