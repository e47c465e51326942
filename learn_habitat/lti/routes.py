"""LTI 1.3 endpoints: login initiation, launch, the tool's keys, deep linking, the context's members,
linking a platform's account to a local one, and the admin pages for registrations and keys."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from pylti1p3.exception import LtiException, OIDCException

from learn_habitat.accounts import services as accounts
from learn_habitat.accounts.auth import admin_required
from learn_habitat.accounts.rate_limits import sign_in_limits
from learn_habitat.admin import audit
from learn_habitat.course_library import current_library
from learn_habitat.extensions import db
from learn_habitat.lti import framing, keys, linking, members, services
from learn_habitat.lti.forms import DeleteForm, EditPlatformForm, LinkAccountForm, PlatformForm
from learn_habitat.lti.launch import find_platform, message_launch, oidc_login, restored_launch
from learn_habitat.urls import external_url

log = logging.getLogger(__name__)

blueprint = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates", static_folder="static")

LOGIN_PARAMS = ("iss", "login_hint", "target_link_uri", "lti_message_hint", "lti_deployment_id", "client_id")


def _key():
    return keys.signing_key(current_app.instance_path)


def _refused(message: str, status: int = 400, retry_url: str | None = None):
    return render_template("lti/refused.html", message=message, retry_url=retry_url), status


@blueprint.get("/jwks.json")
def jwks():
    """The tool's public keys (never a private part)."""
    response = jsonify(keys.public_jwks(current_app.instance_path))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """OIDC third-party-initiated login: check the platform, keep a nonce, send the browser back to the
    platform's authentication endpoint with state and nonce."""
    params = {name: request.values[name] for name in LOGIN_PARAMS if request.values.get(name)}
    try:
        initiation = oidc_login(_key(), params)
        initiation.pass_params_to_launch({"login": params})
        response = initiation.redirect(external_url("lti.launch"))
    except OIDCException as error:
        db.session.rollback()
        log.info("LTI login refused: %s", error)
        return _refused(_("This platform is not registered here, or the login request is incomplete."))
    db.session.commit()
    return response


@blueprint.post("/launch")
def launch():
    """The authentication response: validate the id_token, sign the person in, open what the link names."""
    launch = message_launch(_key())
    try:
        claims = launch.get_launch_data()
    except LtiException as error:
        db.session.rollback()
        log.info("LTI launch refused: %s", error)
        if str(error) == "State not found":
            return _cookie_fallback(launch)
        return _refused(_("The launch could not be verified. Please start it again from your course."))
    platform = find_platform(claims["iss"], launch.get_client_id())
    try:
        user, created = services.account_for_launch(platform.issuer, claims)
        if launch.is_deep_link_launch():
            if not services.is_instructor(claims):
                abort(403)
            _sign_in(user)
            db.session.commit()
            return render_template(
                "lti/deep_link.html", launch_id=launch.get_launch_id(), courses=list(current_library())
            )
        if not launch.is_resource_launch():
            return _refused(_("This kind of launch is not supported."))
        target = services.launch_target(claims, current_library())
        course = current_library().get(target.course_id)
        link = services.record_resource_launch(platform, claims, user, target, course)
    except services.LtiError as error:
        db.session.rollback()
        return _refused(_(error.message, **error.params))
    _sign_in(user)
    db.session.commit()
    if services.is_instructor(claims) and link.memberships_url:
        flash(_("You launched this as an instructor: see who is in your course."), "info")
        session["lti_instructor_link"] = link.id
    if created:
        flash(
            _(
                "Already have an account on this site? Link it on your profile page, "
                "and what you do here joins your progress there."
            ),
            "info",
        )
    if target.lesson_id:
        return redirect(url_for("learning.lesson", course_id=course.id, lesson_id=target.lesson_id))
    return redirect(url_for("learning.resume", course_id=course.id))


def _sign_in(user):
    if current_user.is_authenticated:
        accounts.end_session(current_user.get_id())
        logout_user()
    accounts.start_session(user)
    login_user(user, remember=False)
    session[framing.LTI_SESSION_FLAG] = True


def _cookie_fallback(launch):
    """The state cookie did not come back (a browser that blocks cookies in frames): offer to start the
    login again in a new window, where the cookie is first-party."""
    try:
        params = (launch.get_params_from_login() or {}).get("login")
    except LtiException:
        params = None
    retry = url_for("lti.login", **params) if params else None
    return _refused(
        _("Your browser did not keep the sign-in cookie inside the frame. Open the course in a new window."),
        retry_url=retry,
    )


@blueprint.post("/deep-link")
@login_required
def deep_link():
    """The instructor's choice: a course or a lesson in a language, returned to the platform signed."""
    try:
        launch = restored_launch(_key(), request.form.get("launch_id", ""))
        claims = launch.get_launch_data()
    except LtiException:
        return _refused(_("This choice has expired. Please start it again from your course."))
    if not services.has_identity(current_user, claims.get("iss"), claims.get("sub")):
        abort(403)
    try:
        item = services.content_item(
            current_library(), request.form.get("item", ""), request.form.get("language")
        )
    except services.LtiError as error:
        flash(_(error.message, **error.params), "error")
        return render_template(
            "lti/deep_link.html", launch_id=launch.get_launch_id(), courses=list(current_library())
        ), 400
    deep_link = launch.get_deep_link()
    token = deep_link.get_response_jwt([services.deep_link_resource(item, external_url("lti.launch"))])
    return_url = claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"][
        "deep_link_return_url"
    ]
    response = current_app.make_response(
        render_template("lti/deep_link_response.html", return_url=return_url, token=token)
    )
    parts = urlsplit(return_url)
    response.headers["Content-Security-Policy"] = framing.content_security_policy(
        framing.allowed_frame_origins(), [f"{parts.scheme}://{parts.netloc}"]
    )
    return response


@blueprint.get("/links/<int:link_id>/members")
@login_required
def context_members(link_id):
    """The members of the platform course a link sits in (Names and Roles), with their progress here:
    only for someone who launched that link as an instructor."""
    link = services.instructor_link(current_user, link_id)
    if link is None:
        abort(403)
    try:
        rows = members.context_report(link, _key(), current_library())
    except members.MembersUnavailable:
        return _refused(_("The platform did not answer with its member list. Try again later."), 502)
    return render_template("lti/members.html", link=link, rows=rows)


# Linking a platform's account to a local one ------------------------------------------------------


@blueprint.route("/link", methods=["GET", "POST"])
@login_required
@sign_in_limits
def link_account():
    """For an account made by a launch: prove a local account by its email and password, and the
    platform's launches sign in that account from now on, with this account's progress merged into it."""
    if not services.is_lti_account(current_user):
        # Also where a second submission of the form lands: the first one signed the local account in.
        flash(
            _(
                "You are signed in with your own account here; the platform accounts linked to it are on this page."
            ),
            "info",
        )
        return redirect(url_for("accounts.profile"))
    form = LinkAccountForm()
    status = 200
    if request.method == "GET":
        identities = linking.linked_identities(current_user)
        # A convenience only: the address is typed or kept by the person, and the password is the proof.
        form.email.data = next((row.claimed_email for row in identities if row.claimed_email), None)
    elif form.validate_on_submit():
        lti_user = current_user._get_current_object()
        local = accounts.authenticate(form.email.data, form.password.data)
        if local is None:
            # The sign-in page's words: no account enumeration.
            flash(_("The email or password is not right."), "error")
            status = 401
        else:
            try:
                summary = linking.link_account(lti_user, local, current_library())
            except services.LtiError as error:
                db.session.rollback()
                status = 403 if error.code == "privileged_account" else 409
                if error.code == "privileged_account":
                    # Someone who knows an author's or admin's password tried it from a platform.
                    audit.record(lti_user, "lti_link_refused", local.email, role=local.role)
                    db.session.commit()
                flash(_(error.message, **error.params), "error")
            else:
                _sign_in(local)
                audit.record(
                    local,
                    "lti_link",
                    local.email,
                    identities=" ".join(f"{issuer} {subject}" for issuer, subject in summary.identities),
                    removed_account=summary.removed_account,
                    enrolments=summary.enrolments,
                    lessons=summary.lessons,
                    attempts=summary.attempts,
                    certificates=summary.certificates,
                    certificates_replaced=" ".join(summary.certificates_replaced),
                    checklists=summary.checklists,
                    scores=summary.scores,
                )
                db.session.commit()
                flash(
                    _(
                        "Your accounts are linked: you are signed in with %(email)s, and launches from "
                        "your platform sign you in with it from now on.",
                        email=local.email,
                    ),
                    "success",
                )
                return redirect(url_for("accounts.profile"))
    else:
        status = 422
    return render_template("lti/link.html", form=form), status


@blueprint.post("/identities/<int(max=2147483647):identity_id>/unlink")
@login_required
def unlink_identity(identity_id):
    """Unbind a platform account from mine: its launches no longer sign me in."""
    if not DeleteForm().validate_on_submit():
        abort(400)
    try:
        issuer, subject = linking.unlink_identity(current_user, identity_id)
    except services.LtiError as error:
        db.session.rollback()
        if error.code == "unknown_identity":
            abort(404)
        flash(_(error.message, **error.params), "error")
        return redirect(url_for("accounts.profile"))
    audit.record(current_user, "lti_unlink", current_user.email, issuer=issuer, subject=subject)
    db.session.commit()
    flash(_("The platform account is unlinked: its launches no longer sign you in here."), "success")
    return redirect(url_for("accounts.profile"))


def profile_section(user):
    """The profile's section on platform accounts: an invitation to link for an account made by a launch,
    the linked platform accounts (each with a way to unlink it) for a local one, nothing otherwise."""
    if services.is_lti_account(user):
        return {"launch_account": True, "identities": linking.linked_identities(user)}
    identities = linking.linked_identities(user)
    if not identities:
        return None
    return {"launch_account": False, "identities": identities, "form": DeleteForm()}


# Admin pages -------------------------------------------------------------------------------------


def _show_errors(form, error: services.LtiError) -> None:
    """Each problem next to its field (and so in the page's summary), else as a message."""
    for problem in getattr(error, "errors", [error]):
        field = getattr(form, problem.form_field, None) if problem.form_field else None
        message = _(problem.message, **problem.params)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")


def _render_platforms(form, status=200):
    key_list = keys.tool_keys(current_app.instance_path)
    return render_template(
        "lti/platforms.html",
        form=form,
        delete_form=DeleteForm(),
        platforms=services.platforms(),
        config=services.tool_configuration(),
        keys=key_list,
        signing_kid=key_list[-1].kid,
    ), status


@blueprint.route("/platforms", methods=["GET", "POST"])
@admin_required
def platforms():
    """The registered platforms, what to type into a platform, the tool's keys, and a form to register one."""
    form = PlatformForm()
    if form.validate_on_submit():
        try:
            platform = services.register_platform(
                form.name.data,
                form.issuer.data,
                form.client_id.data,
                form.login_url.data,
                form.token_url.data,
                form.jwks_url.data,
                (form.deployment_ids.data or "").split(),
                form.frame_origins.data or "",
            )
        except services.LtiError as error:
            db.session.rollback()
            _show_errors(form, error)
        else:
            audit.record(
                current_user,
                "lti_add_platform",
                platform.issuer,
                client_id=platform.client_id,
                deployments=" ".join(d.deployment_id for d in platform.deployments),
            )
            db.session.commit()
            framing.forget_frame_origins()
            flash(_("The platform is registered."), "success")
            return redirect(url_for("lti.platforms"))
    return _render_platforms(form, 422 if form.errors else 200)


@blueprint.route("/platforms/<int(max=2147483647):platform_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_platform(platform_id):
    """Change a registration: its name, URLs, deployment ids and frame origins."""
    platform = db.get_or_404(services.LtiPlatform, platform_id)
    form = EditPlatformForm(obj=platform if request.method == "GET" else None)
    if request.method == "GET":
        form.deployment_ids.data = "\n".join(d.deployment_id for d in platform.deployments)
    elif form.validate_on_submit():
        try:
            changes = services.update_platform(
                platform,
                form.name.data,
                form.login_url.data,
                form.token_url.data,
                form.jwks_url.data,
                (form.deployment_ids.data or "").split(),
                form.frame_origins.data or "",
            )
        except services.LtiError as error:
            db.session.rollback()
            _show_errors(form, error)
        else:
            if changes:
                audit.record(
                    current_user,
                    "lti_edit_platform",
                    platform.issuer,
                    client_id=platform.client_id,
                    **changes,
                )
                db.session.commit()
                framing.forget_frame_origins()
                flash(_("The registration is saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("lti.platforms"))
    status = 422 if form.errors else 200
    return render_template("lti/edit_platform.html", form=form, platform=platform), status


@blueprint.post("/platforms/<int(max=2147483647):platform_id>/delete")
@admin_required
def delete_platform(platform_id):
    """Forget a platform's registration."""
    if not DeleteForm().validate_on_submit():
        abort(400)
    platform = db.get_or_404(services.LtiPlatform, platform_id)
    audit.record(current_user, "lti_remove_platform", platform.issuer, client_id=platform.client_id)
    services.remove_platform(platform)
    db.session.commit()
    framing.forget_frame_origins()
    flash(_("The platform is no longer registered."), "success")
    return redirect(url_for("lti.platforms"))


@blueprint.post("/keys/rotate")
@admin_required
def rotate_key():
    """Make a new signing key; the older ones stay published until retired."""
    if not DeleteForm().validate_on_submit():
        abort(400)
    key = keys.generate_key(current_app.instance_path)
    audit.record(current_user, "lti_rotate_key", key.kid)
    db.session.commit()
    flash(
        _("A new key signs from now on. Retire the older one once every platform has read the new keyset."),
        "success",
    )
    return redirect(url_for("lti.platforms", _anchor="keys"))


@blueprint.post("/keys/<kid>/retire")
@admin_required
def retire_key(kid):
    """Stop publishing an older key (never the signing one)."""
    if not DeleteForm().validate_on_submit():
        abort(400)
    if kid == keys.signing_key(current_app.instance_path).kid:
        flash(_("This key signs now, so it cannot be retired: make a new key first."), "error")
    elif keys.retire_key(current_app.instance_path, kid):
        audit.record(current_user, "lti_retire_key", kid)
        db.session.commit()
        flash(_("The key is retired: platforms no longer accept what it signs."), "success")
    else:
        flash(_("There is no such key."), "error")
    return redirect(url_for("lti.platforms", _anchor="keys"))
