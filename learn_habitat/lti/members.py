"""Names and Roles Provisioning Service: who is in a platform course, and how far each member is here."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import select

from learn_habitat.accounts.models import User
from learn_habitat.extensions import db
from learn_habitat.learning import services as learning
from learn_habitat.lti.models import LtiIdentity, LtiPlatform, LtiResourceLink
from learn_habitat.lti.outbox import _with_timeout, course_score


class MembersUnavailable(Exception):
    """The platform's membership service failed or is not offered for this link."""


@dataclass(frozen=True)
class MemberRow:
    """One member of the platform course and their progress here (``None``: never launched)."""

    name: str
    roles: tuple[str, ...]
    status: str
    percent: int | None
    score: float | None
    completed: bool


def fetch_members(link: LtiResourceLink, key) -> list[dict]:
    """The context's members from the platform (every page), with a token signed by the tool's key."""
    from learn_habitat.lti.launch import registration_for

    if not link.memberships_url:
        raise MembersUnavailable("no membership service for this link")
    platform = db.session.get(LtiPlatform, link.platform_id)
    session = requests.Session()
    session.request = _with_timeout(session.request)
    connector = ServiceConnector(registration_for(platform, key), session)
    service = NamesRolesProvisioningService(connector, {"context_memberships_url": link.memberships_url})
    try:
        return service.get_members()
    except (LtiServiceException, LtiException, requests.RequestException, ValueError) as error:
        raise MembersUnavailable(str(error)) from error


def context_report(link: LtiResourceLink, key, library) -> list[MemberRow]:
    """The members with their progress in the link's course, by name."""
    platform = db.session.get(LtiPlatform, link.platform_id)
    course = library.get(link.course_id)
    found = fetch_members(link, key)
    subjects = [str(member.get("user_id")) for member in found]
    users = dict(
        db.session.execute(
            select(LtiIdentity.subject, User)
            .join(User, User.id == LtiIdentity.user_id)
            .where(LtiIdentity.issuer == platform.issuer, LtiIdentity.subject.in_(subjects))
        ).all()
    )
    rows = []
    for member in found:
        user = users.get(str(member.get("user_id")))
        progress = learning.course_progress(user, course) if user is not None and course else None
        name = member.get("name") or " ".join(
            filter(None, (member.get("given_name"), member.get("family_name")))
        )
        rows.append(
            MemberRow(
                name=str(name or (user.name if user else member.get("user_id"))),
                roles=tuple(str(role).rsplit("#", 1)[-1] for role in member.get("roles") or ()),
                status=str(member.get("status") or "Active"),
                percent=progress.percent if progress else None,
                score=round(course_score(course, progress) * 100, 1) if progress else None,
                completed=bool(progress and progress.completed),
            )
        )
    return sorted(rows, key=lambda row: row.name.casefold())
