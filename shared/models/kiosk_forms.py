"""Half-filled kiosk request forms, kept on the server so no name or number sits in a cookie."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base


class KioskForm(Base):
    """The answers one senior has given so far, keyed by the hash of a random id in their session.

    Deleted when the request is sent, on idle reset, and once ``updated_at`` is too old.
    """

    __tablename__ = "kiosk_forms"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(index=True)
