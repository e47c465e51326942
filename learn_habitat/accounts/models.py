"""Accounts, roles and personal access tokens."""

from __future__ import annotations

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


class User(UserMixin, db.Model):
    """Someone with an account."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # as services.normalize_email gives it
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="en")
    role: Mapped[str] = mapped_column(String(16), default=Role.LEARNER.value)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # None until the owner opens the link mailed at registration (or resets the password): no sign-in before.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set when the owner deleted the account: the row stays, anonymised, so course statistics keep their counts.
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    tokens: Mapped[list[AccessToken]] = relationship(back_populates="user", cascade="all, delete-orphan")
    sessions: Mapped[list[UserSession]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # The key of the session this request runs in (set by services.start_session / user_for_session).
    session_key = None

    def get_id(self) -> str | None:
        """Flask-Login keeps this in the session and remember cookie: the key of one server-side session."""
        return self.session_key

    # Rows are compared as objects, not through Flask-Login's get_id (None outside a session).
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        """Only accounts whose owner proved the address may sign in (Flask-Login refuses the others)."""
        return self.email_confirmed_at is not None and self.deleted_at is None

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


class UserSession(db.Model):
    """One signed-in browser; signing out deletes it, so a copied cookie stops working. Only a hash is stored."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="sessions")
