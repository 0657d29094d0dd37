"""The intake room's one table: drafts in progress, stored only as ciphertext."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from database import Base


class Draft(Base):
    """An answer set in progress. The key that opens it lives only in the reporter's cookie, so
    a draft left behind is unreadable on the server and is deleted when it expires."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(index=True)
