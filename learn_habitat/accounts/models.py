"""Accounts, roles and personal access tokens."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learn_habitat.database import UtcDateTime, utcnow
from learn_habitat.extensions import db


class Role(StrEnum):
    """What a user may do: learners learn, authors also see their courses' reports, admins everything."""

    LEARNER = "learner"
    AUTHOR = "author"
    ADMIN = "admin"


def new_session_token() -> str:
    """A random value that identifies a user's sessions; changing it signs every session out."""
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """Someone with an account."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored in lower case
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="en")
    role: Mapped[str] = mapped_column(String(16), default=Role.LEARNER.value)
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    tokens: Mapped[list[AccessToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def get_id(self) -> str:
        """Flask-Login keeps this in the session: a password reset changes it and ends old sessions."""
        return self.session_token

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_author(self) -> bool:
        return self.role in (Role.AUTHOR, Role.ADMIN)


class AccessToken(db.Model):
    """A personal access token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")
