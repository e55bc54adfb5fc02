"""Personal tokens that open the district dashboard for one person and one area."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.org import Community, Street


class DashboardViewer(Base):
    """A person who may open the dashboard, limited to the whole district, one street or one community.

    Only the SHA-256 of the token is stored. The token is shown once when it
    is issued, so a copy of the database opens nothing.
    """

    __tablename__ = "dashboard_viewer"
    # Neither area means the whole district. A community needs no street beside it, because it lies in one.
    __table_args__ = (CheckConstraint("street_id IS NULL OR community_id IS NULL", name="one_area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Hex SHA-256 of the token. Its unique index serves the lookup of every request.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    # Set when the token is revoked. From then on the token opens nothing.
    revoked_at: Mapped[datetime | None]
    # Rewritten at most once per bot.dashboard.access.LAST_USED_INTERVAL (a minute),
    # so reading the dashboard does not write on every request.
    last_used_at: Mapped[datetime | None]

    street: Mapped[Street | None] = relationship(lazy="joined")
    community: Mapped[Community | None] = relationship(lazy="joined")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now
