"""Registered platforms, their deployments, the accounts and links launches create, launch state, and the
queue of scores waiting to be sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learn_habitat.database import UtcDateTime, utcnow
from learn_habitat.extensions import db

URL = String(1000)


class LtiPlatform(db.Model):
    """A partner LMS registered by an admin: one (issuer, client id) pair."""

    __tablename__ = "lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    login_url: Mapped[str] = mapped_column(URL)
    token_url: Mapped[str] = mapped_column(URL)
    jwks_url: Mapped[str] = mapped_column(URL)
    # Origins allowed to frame the site (space separated); empty: those of the issuer and login URL.
    frame_origins: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    deployments: Mapped[list[LtiDeployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="LtiDeployment.id"
    )


class LtiDeployment(db.Model):
    """A deployment id the platform may launch with; any other is refused."""

    __tablename__ = "lti_deployment"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiIdentity(db.Model):
    """The account bound to one person at one platform: (issuer, subject) is the only key, never the email."""

    __tablename__ = "lti_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # The address the platform claims: shown to the person, never used to sign in or to match accounts.
    claimed_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LtiResourceLink(db.Model):
    """A placement in a platform's course (resource link) and what it opens here, with its services."""

    __tablename__ = "lti_resource_link"
    __table_args__ = (
        UniqueConstraint("platform_id", "resource_link_id"),
        Index("ix_lti_resource_link_context", "platform_id", "context_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str | None] = mapped_column(String(255))
    context_title: Mapped[str | None] = mapped_column(String(255))
    course_id: Mapped[str] = mapped_column(String(100))
    lesson_id: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8))
    lineitem_url: Mapped[str | None] = mapped_column(URL)
    ags_scopes: Mapped[list] = mapped_column(JSON, default=list)
    memberships_url: Mapped[str | None] = mapped_column(URL)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LtiGradeLink(db.Model):
    """A learner who launched a graded resource link: their progress there is sent to its line item."""

    __tablename__ = "lti_grade_link"
    __table_args__ = (
        UniqueConstraint("user_id", "resource_link_id"),
        Index("ix_lti_grade_link_user_course", "user_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(255))  # the platform's user id, the score's userId
    instructor: Mapped[bool] = mapped_column(default=False)


class LtiScore(db.Model):
    """A score waiting to be sent to a platform (the queue: nothing is lost when the platform is down)."""

    __tablename__ = "lti_score"
    __table_args__ = (Index("ix_lti_score_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    lineitem_url: Mapped[str] = mapped_column(URL)
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    score: Mapped[dict] = mapped_column(JSON)  # the AGS score body
    score_given: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class LtiLaunchValue(db.Model):
    """pylti1p3's launch data (nonces, state, validated launches), kept server-side rather than in a cookie."""

    __tablename__ = "lti_launch_value"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
