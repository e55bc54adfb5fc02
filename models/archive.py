"""Progress of the WeCom session-archive poller."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class ArchiveCursor(Base):
    """The last archive sequence number whose record is stored, per corp.

    The poller writes it in the same transaction as the raw messages of the
    batch it covers, so after a crash the next fetch starts exactly after the
    last stored record.
    """

    __tablename__ = "archive_cursor"

    corp_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    records: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
