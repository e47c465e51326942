"""LTI services: platform registrations, accounts and links made by launches, content items for deep
linking, scores for Assignment and Grade Services, members from Names and Roles.

Services take explicit arguments and never read the request; the caller commits.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from pylti1p3.roles import DesignerRole, TeacherRole, TeachingAssistantRole
from sqlalchemy import select

from learn_habitat.accounts.models import Role, User
from learn_habitat.content import SUPPORTED_LANGUAGES
from learn_habitat.database import utcnow
from learn_habitat.extensions import db
from learn_habitat.learning import services as learning
from learn_habitat.lti.models import (
    LtiDeployment,
    LtiGradeLink,
    LtiIdentity,
    LtiPlatform,
    LtiResourceLink,
)
from learn_habitat.text import N_

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
# LTI accounts get an address under a reserved top-level domain: it can never be registered, mailed or
# confused with a local account, so no launch can ever take one over.
LTI_EMAIL_DOMAIN = "lti.invalid"
UNUSABLE_PASSWORD = "!lti"  # not a Werkzeug hash: no password ever matches it


class LtiError(ValueError):
    """A registration or launch that cannot be accepted; ``code`` is stable, ``message`` translatable."""

    def __init__(self, code: str, message: str, **params):
        super().__init__(message % params if params else message)
        self.code = code
        self.message = message
        self.params = params


# Platform registrations --------------------------------------------------------------------------


def _check_url(url: str, field: str) -> str:
    url = str(url or "").strip()
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    # Keys and tokens travel over these: https, except to this machine (a platform under test).
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback) or not host or len(url) > 1000:
        raise LtiError("invalid_url", N_("%(field)s must be an https:// address."), field=field)
    return url


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _clean_origins(text: str) -> str:
    origins = []
    for item in str(text or "").split():
        origin = _origin(_check_url(item, "frame origin"))
        if origin not in origins:
            origins.append(origin)
    return " ".join(origins)


def register_platform(
    name: str,
    issuer: str,
    client_id: str,
    login_url: str,
    token_url: str,
    jwks_url: str,
    deployment_ids: list[str],
    frame_origins: str = "",
) -> LtiPlatform:
    """Register a partner LMS; :class:`LtiError` if a field is wrong or (issuer, client id) is taken."""
    issuer = _check_url(issuer, "issuer")
    client_id = str(client_id or "").strip()
    if not client_id or len(client_id) > 255:
        raise LtiError("invalid_client_id", N_("Give the client id the platform assigned."))
    if find_registration(issuer, client_id) is not None:
        raise LtiError("platform_taken", N_("This issuer and client id are already registered."))
    platform = LtiPlatform(
        name=" ".join(str(name or issuer).split())[:120] or issuer[:120],
        issuer=issuer,
        client_id=client_id,
        login_url=_check_url(login_url, "login URL"),
        token_url=_check_url(token_url, "token URL"),
        jwks_url=_check_url(jwks_url, "JWKS URL"),
        frame_origins=_clean_origins(frame_origins),
    )
    db.session.add(platform)
    db.session.flush()
    for deployment_id in deployment_ids:
        add_deployment(platform, deployment_id)
    return platform


def add_deployment(platform: LtiPlatform, deployment_id: str) -> None:
    """Accept launches with this deployment id too. Idempotent."""
    deployment_id = str(deployment_id or "").strip()
    if not deployment_id or len(deployment_id) > 255:
        raise LtiError("invalid_deployment", N_("A deployment id has 1 to 255 characters."))
    if deployment_id not in {d.deployment_id for d in platform.deployments}:
        platform.deployments.append(LtiDeployment(deployment_id=deployment_id))
        db.session.flush()


def remove_platform(platform: LtiPlatform) -> None:
    """Forget a registration: its launches stop at once (accounts and progress stay)."""
    db.session.delete(platform)
    db.session.flush()


def find_registration(issuer: str, client_id: str) -> LtiPlatform | None:
    """The registration for exactly this issuer and client id."""
    return db.session.scalar(
        select(LtiPlatform).where(LtiPlatform.issuer == issuer, LtiPlatform.client_id == client_id)
    )


def platforms() -> list[LtiPlatform]:
    """Every registration, oldest first."""
    return list(db.session.scalars(select(LtiPlatform).order_by(LtiPlatform.id)))


def frame_origins() -> tuple[str, ...]:
    """The origins allowed to frame the site: each platform's own list, else its issuer's and login URL's."""
    origins: list[str] = []
    for platform in platforms():
        listed = platform.frame_origins.split() or [_origin(platform.issuer), _origin(platform.login_url)]
        origins.extend(origin for origin in listed if origin not in origins)
    return tuple(origins)


# What a launch opens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A course, or one lesson of it, in a language."""

    course_id: str
    lesson_id: str | None
    language: str | None


def launch_target(claims: dict, library) -> Target:
    """What the resource link opens: its custom parameters (``course``, ``lesson``, ``language``) as deep
    linking writes them, else the same names in the target link URI's query. :class:`LtiError` if unknown."""
    values = dict(parse_qsl(urlsplit(str(claims.get(CLAIM + "target_link_uri") or "")).query))
    custom = claims.get(CLAIM + "custom") or {}
    if isinstance(custom, dict) and custom.get("course"):
        values = {key: str(value) for key, value in custom.items()}
    course = library.get(values.get("course", ""))
    if course is None:
        raise LtiError("unknown_course", N_("This link names no course on this site."))
    lesson_id = values.get("lesson") or None
    if lesson_id is not None and not course.has_lesson(lesson_id):
        raise LtiError("unknown_lesson", N_("This link names no lesson of the course."))
    language = values.get("language") or None
    if language is not None and language not in course.languages:
        language = None
    return Target(course.id, lesson_id, language)


def claimed_language(claims: dict) -> str | None:
    """The language the platform's locale claim asks for, if the site offers it (``fr-CA`` gives ``fr``)."""
    presentation = claims.get(CLAIM + "launch_presentation") or {}
    for locale in (
        presentation.get("locale") if isinstance(presentation, dict) else None,
        claims.get("locale"),
    ):
        code = str(locale or "").replace("_", "-").split("-")[0].lower()
        if code in SUPPORTED_LANGUAGES:
            return code
    return None


def is_instructor(claims: dict) -> bool:
    """Whether the role claims make the person an instructor of the context (teacher, assistant, designer).
    No claim ever grants a site role beyond learner: admin stays local."""
    return any(role(claims).check() for role in (TeacherRole, TeachingAssistantRole, DesignerRole))


# Accounts ----------------------------------------------------------------------------------------


def _placeholder_email(issuer: str, subject: str) -> str:
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:32]
    return f"lti-{digest}@{LTI_EMAIL_DOMAIN}"


def _claimed_name(claims: dict) -> str:
    name = claims.get("name") or " ".join(
        str(part) for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return " ".join(str(name or "").split())[:120] or N_("Learner")


def account_for_launch(issuer: str, claims: dict) -> tuple[User, bool]:
    """The account bound to (issuer, subject), created at the first launch; true when created.

    The email claim is stored but never matched against accounts: a launch whose address belongs to a
    local account gets its own LTI account, so no partner can sign in as a local user.
    """
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        raise LtiError("no_subject", N_("The platform did not say who is launching."))
    email = str(claims.get("email") or "")[:254] or None
    identity = db.session.scalar(
        select(LtiIdentity).where(LtiIdentity.issuer == issuer, LtiIdentity.subject == subject)
    )
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        if user.deleted_at is not None:
            raise LtiError("account_deleted", N_("This account was deleted."))
        user.name = _claimed_name(claims) if claims.get("name") or claims.get("given_name") else user.name
        identity.claimed_email = email
        return user, False
    user = User(
        email=_placeholder_email(issuer, subject),
        name=_claimed_name(claims),
        password_hash=UNUSABLE_PASSWORD,
        language=claimed_language(claims) or "en",
        role=Role.LEARNER.value,
        email_confirmed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    db.session.add(LtiIdentity(issuer=issuer, subject=subject, user_id=user.id, claimed_email=email))
    db.session.flush()
    return user, True


def is_lti_account(user: User) -> bool:
    """Accounts created by launches (their address is the reserved placeholder)."""
    return user.email.endswith("@" + LTI_EMAIL_DOMAIN)


# Resource links ----------------------------------------------------------------------------------


def record_resource_launch(
    platform: LtiPlatform, claims: dict, user: User, target: Target, course
) -> LtiResourceLink:
    """Note the resource link, its services and the learner's place in it; enrol the learner.

    Registering a platform is the admin's consent that its learners may enrol in the courses it links.
    """
    link_claim = claims.get(CLAIM + "resource_link") or {}
    context = claims.get(CLAIM + "context") or {}
    ags = claims.get(AGS_CLAIM) or {}
    nrps = claims.get(NRPS_CLAIM) or {}
    link = db.session.scalar(
        select(LtiResourceLink).where(
            LtiResourceLink.platform_id == platform.id,
            LtiResourceLink.resource_link_id == str(link_claim.get("id", ""))[:255],
        )
    )
    if link is None:
        link = LtiResourceLink(platform_id=platform.id, resource_link_id=str(link_claim.get("id", ""))[:255])
        db.session.add(link)
    link.deployment_id = str(claims.get(CLAIM + "deployment_id"))[:255]
    link.context_id = str(context["id"])[:255] if context.get("id") else None
    link.context_title = str(context.get("title") or context.get("label") or "")[:255] or None
    link.course_id = target.course_id
    link.lesson_id = target.lesson_id
    link.language = target.language or course.source_language
    link.lineitem_url = str(ags["lineitem"])[:1000] if ags.get("lineitem") else None
    link.ags_scopes = [str(scope) for scope in ags.get("scope") or []]
    link.memberships_url = (
        str(nrps["context_memberships_url"])[:1000] if nrps.get("context_memberships_url") else None
    )
    link.updated_at = utcnow()
    db.session.flush()
    instructor = is_instructor(claims)
    grade_link = db.session.scalar(
        select(LtiGradeLink).where(LtiGradeLink.user_id == user.id, LtiGradeLink.resource_link_id == link.id)
    )
    if grade_link is None:
        grade_link = LtiGradeLink(user_id=user.id, resource_link_id=link.id, course_id=course.id)
        db.session.add(grade_link)
    grade_link.subject = str(claims["sub"])
    grade_link.instructor = instructor
    grade_link.course_id = course.id
    db.session.flush()
    learning.enrol(user, course, by_admin=True)
    if target.language or claimed_language(claims):
        user.language = target.language or claimed_language(claims)
    return link


def instructor_link(user: User, link_id: int) -> LtiResourceLink | None:
    """The resource link, if ``user`` launched it as an instructor (the only way to see its context)."""
    return db.session.scalar(
        select(LtiResourceLink)
        .join(LtiGradeLink, LtiGradeLink.resource_link_id == LtiResourceLink.id)
        .where(LtiResourceLink.id == link_id, LtiGradeLink.user_id == user.id, LtiGradeLink.instructor)
    )


def identity_for(user: User) -> LtiIdentity | None:
    """The LTI binding of an account, if it has one."""
    return db.session.scalar(select(LtiIdentity).where(LtiIdentity.user_id == user.id))


# What the platform admin types in, and deep linking ----------------------------------------------


def tool_configuration() -> dict:
    """The tool's URLs for a platform's registration form, all built from PUBLIC_URL."""
    from learn_habitat.urls import external_url, public_root

    launch_url = external_url("lti.launch")
    return {
        "tool_url": public_root(),
        "login_url": external_url("lti.login"),
        "launch_url": launch_url,
        "redirect_uris": [launch_url],
        "deep_linking_url": launch_url,
        "jwks_url": external_url("lti.jwks"),
        "domain": urlsplit(public_root()).netloc,
    }


@dataclass(frozen=True)
class ContentItem:
    """A course or lesson chosen in the deep linking page, with its title in the chosen language."""

    course_id: str
    lesson_id: str | None
    language: str
    title: str
    graded: bool


def content_item(library, choice: str, language: str | None) -> ContentItem:
    """The course (``course``) or lesson (``course/lesson``) chosen, in ``language`` if the course has it."""
    course_id, _, lesson_id = str(choice or "").partition("/")
    course = library.get(course_id)
    if course is None or (lesson_id and not course.has_lesson(lesson_id)):
        raise LtiError("unknown_choice", N_("Choose a course or a lesson from the list."))
    language = language if language in course.languages else course.source_language
    if lesson_id:
        lesson = course.lesson(lesson_id, language)
        return ContentItem(course.id, lesson_id, language, lesson.title, lesson.type == "quiz")
    return ContentItem(course.id, None, language, course.title(language), True)


def deep_link_resource(item: ContentItem, launch_url: str):
    """The signed content item's body: an LTI resource link carrying the choice in custom parameters,
    with a line item when it is graded (a course, or a quiz)."""
    from pylti1p3.deep_link_resource import DeepLinkResource
    from pylti1p3.lineitem import LineItem

    custom = {"course": item.course_id, "language": item.language}
    if item.lesson_id:
        custom["lesson"] = item.lesson_id
    resource = DeepLinkResource().set_url(launch_url).set_title(item.title).set_custom_params(custom)
    if item.graded:
        resource.set_lineitem(
            LineItem()
            .set_label(item.title)
            .set_score_maximum(100)
            .set_resource_id("/".join(filter(None, (item.course_id, item.lesson_id))))
        )
    return resource
