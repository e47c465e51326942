"""LTI services: platform registrations, accounts and links made by launches, content items for deep
linking, scores for Assignment and Grade Services, members from Names and Roles.

Services take explicit arguments and never read the request; the caller commits.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from flask_babel import lazy_gettext as _l
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
    """A registration or launch that cannot be accepted; ``code`` is stable, ``message`` translatable,
    ``form_field`` the name of the form field it is about, if any."""

    def __init__(self, code: str, message: str, form_field: str | None = None, **params):
        super().__init__(code)
        self.code = code
        self.message = message
        self.form_field = form_field
        self.params = params

    def __str__(self) -> str:
        # Formatted when shown: a field name in the params is a lazy string, in the language of the moment.
        return self.message % self.params if self.params else self.message


class LtiErrors(LtiError):
    """Several problems with one registration, so the admin can mend them all at once."""

    def __init__(self, errors: list[LtiError]):
        first = errors[0]
        super().__init__(first.code, first.message, first.form_field, **first.params)
        self.errors = errors

    def __str__(self) -> str:
        return " ".join(str(error) for error in self.errors)


# Platform registrations --------------------------------------------------------------------------

# Field names in messages, translated when a message is shown: the words of the registration form's labels.
ISSUER_LABEL = _l("Issuer (platform ID)")
LOGIN_URL_LABEL = _l("Authentication request URL")
TOKEN_URL_LABEL = _l("Access token URL")
JWKS_URL_LABEL = _l("Public keyset URL")
FRAME_ORIGIN_LABEL = _l("Origin that frames the site")


def _has_control_characters(text: str) -> bool:
    # Nor spaces: no address or id needs them, and PostgreSQL refuses NUL in text.
    return any(ord(character) <= 32 or ord(character) == 127 for character in text)


def _check_url(url: str, label, form_field: str, max_length: int = 1000) -> str:
    url = str(url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:  # "http://[::1", "https://host:port"
        parts, host = urlsplit(""), ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    # Keys and tokens travel over these: https, except to this machine (a platform under test).
    if (
        parts.scheme != "https"
        and not (parts.scheme == "http" and loopback)
        or not host
        or len(url) > max_length
        or _has_control_characters(url)
    ):
        raise LtiError("invalid_url", N_("%(field)s must be an https:// address."), form_field, field=label)
    return url


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _clean_origins(text: str) -> str:
    origins = []
    for item in str(text or "").split():
        origin = _origin(_check_url(item, FRAME_ORIGIN_LABEL, "frame_origins"))
        if origin not in origins:
            origins.append(origin)
    joined = " ".join(origins)
    if len(joined) > 1000:
        raise LtiError(
            "too_many_origins", N_("List at most 1,000 characters of frame origins."), "frame_origins"
        )
    return joined


def _clean_deployment_id(deployment_id: str) -> str:
    deployment_id = str(deployment_id or "").strip()
    if not deployment_id or len(deployment_id) > 255 or _has_control_characters(deployment_id):
        raise LtiError("invalid_deployment", N_("A deployment id has 1 to 255 characters."), "deployment_ids")
    return deployment_id


def _clean_deployment_ids(deployment_ids) -> list[str]:
    cleaned: list[str] = []
    for deployment_id in deployment_ids or ():
        deployment_id = _clean_deployment_id(deployment_id)
        if deployment_id not in cleaned:
            cleaned.append(deployment_id)
    if not cleaned:
        # Without one, every launch would be refused: removing the platform says that more plainly.
        raise LtiError("no_deployment", N_("Give at least one deployment id."), "deployment_ids")
    return cleaned


def _checked(checks: dict) -> dict:
    """Run every check; the cleaned values, or :class:`LtiErrors` naming every problem at once."""
    values, errors = {}, []
    for key, check in checks.items():
        try:
            values[key] = check()
        except LtiError as error:
            errors.append(error)
    if errors:
        raise LtiErrors(errors)
    return values


def _clean_name(name: str, issuer: str) -> str:
    printable = "".join(
        character for character in str(name or "") if character.isprintable() or character.isspace()
    )
    return " ".join(printable.split())[:120] or issuer[:120]


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
    """Register a partner LMS; :class:`LtiErrors` if fields are wrong or (issuer, client id) is taken."""

    def client() -> str:
        cleaned = str(client_id or "").strip()
        if not cleaned or len(cleaned) > 255 or _has_control_characters(cleaned):
            raise LtiError("invalid_client_id", N_("Give the client id the platform assigned."), "client_id")
        return cleaned

    values = _checked(
        {
            "issuer": lambda: _check_url(issuer, ISSUER_LABEL, "issuer", max_length=255),
            "client_id": client,
            "login_url": lambda: _check_url(login_url, LOGIN_URL_LABEL, "login_url"),
            "token_url": lambda: _check_url(token_url, TOKEN_URL_LABEL, "token_url"),
            "jwks_url": lambda: _check_url(jwks_url, JWKS_URL_LABEL, "jwks_url"),
            "deployment_ids": lambda: _clean_deployment_ids(deployment_ids),
            "frame_origins": lambda: _clean_origins(frame_origins),
        }
    )
    if find_registration(values["issuer"], values["client_id"]) is not None:
        raise LtiErrors(
            [LtiError("platform_taken", N_("This issuer and client id are already registered."), "client_id")]
        )
    platform = LtiPlatform(
        name=_clean_name(name, values["issuer"]),
        issuer=values["issuer"],
        client_id=values["client_id"],
        login_url=values["login_url"],
        token_url=values["token_url"],
        jwks_url=values["jwks_url"],
        frame_origins=values["frame_origins"],
    )
    db.session.add(platform)
    db.session.flush()
    for deployment_id in values["deployment_ids"]:
        add_deployment(platform, deployment_id)
    return platform


def update_platform(
    platform: LtiPlatform,
    name: str,
    login_url: str,
    token_url: str,
    jwks_url: str,
    deployment_ids: list[str],
    frame_origins: str = "",
) -> dict[str, str]:
    """Change a registration (never its issuer or client id, which name it): its name, URLs, deployment
    ids and frame origins. Checked as a new registration is, all fields at once (:class:`LtiErrors`), and
    nothing changes unless all are right. Returns what changed, for the audit log ({} when nothing did)."""
    values = _checked(
        {
            "login_url": lambda: _check_url(login_url, LOGIN_URL_LABEL, "login_url"),
            "token_url": lambda: _check_url(token_url, TOKEN_URL_LABEL, "token_url"),
            "jwks_url": lambda: _check_url(jwks_url, JWKS_URL_LABEL, "jwks_url"),
            "deployment_ids": lambda: _clean_deployment_ids(deployment_ids),
            "frame_origins": lambda: _clean_origins(frame_origins),
        }
    )
    values["name"] = _clean_name(name, platform.issuer)
    changes = {}
    for attribute in ("name", "login_url", "token_url", "jwks_url", "frame_origins"):
        before, after = getattr(platform, attribute), values[attribute]
        if before != after:
            changes[attribute] = f"{before or '-'} → {after or '-'}"
            setattr(platform, attribute, after)
    wanted = values["deployment_ids"]
    current = [deployment.deployment_id for deployment in platform.deployments]
    removed = [deployment_id for deployment_id in current if deployment_id not in wanted]
    added = [deployment_id for deployment_id in wanted if deployment_id not in current]
    for deployment in list(platform.deployments):
        if deployment.deployment_id in removed:
            platform.deployments.remove(deployment)  # delete-orphan: the row goes
    for deployment_id in added:
        platform.deployments.append(LtiDeployment(deployment_id=deployment_id))
    if removed:
        changes["deployments_removed"] = " ".join(removed)
    if added:
        changes["deployments_added"] = " ".join(added)
    db.session.flush()
    return changes


def add_deployment(platform: LtiPlatform, deployment_id: str) -> None:
    """Accept launches with this deployment id too. Idempotent."""
    deployment_id = _clean_deployment_id(deployment_id)
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
        if user.role != Role.LEARNER:
            # Linking refuses these accounts; one given more rights after it was linked is refused here,
            # so a partner platform never signs anyone in with more than a learner's rights.
            raise LtiError(
                "privileged_account",
                N_(
                    "This account has more than a learner's rights, so a partner platform cannot sign it in. "
                    "Sign in on this site instead."
                ),
            )
        if is_lti_account(user) and (claims.get("name") or claims.get("given_name")):
            # The platform names its own accounts; a linked local account keeps the name its owner chose.
            user.name = _claimed_name(claims)
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


def has_identity(user: User, issuer: str, subject: str) -> bool:
    """Whether (issuer, subject) is bound to ``user`` (a linked local account may have several bindings)."""
    return (
        db.session.scalar(
            select(LtiIdentity.id).where(
                LtiIdentity.user_id == user.id,
                LtiIdentity.issuer == str(issuer or ""),
                LtiIdentity.subject == str(subject or ""),
            )
        )
        is not None
    )


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
