"""LTI 1.3 endpoints: login initiation, launch, the tool's keys, deep linking, the context's members,
and the admin pages that register platforms."""

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
from learn_habitat.admin import audit
from learn_habitat.course_library import current_library
from learn_habitat.extensions import db
from learn_habitat.lti import framing, keys, members, services
from learn_habitat.lti.forms import DeleteForm, PlatformForm
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
        user, _created = services.account_for_launch(platform.issuer, claims)
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
    identity = services.identity_for(current_user)
    if identity is None or (identity.issuer, identity.subject) != (claims.get("iss"), claims.get("sub")):
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


# Admin pages -------------------------------------------------------------------------------------


@blueprint.route("/platforms", methods=["GET", "POST"])
@admin_required
def platforms():
    """The registered platforms, what to type into a platform, and a form to register one."""
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
                form.deployment_ids.data.split(),
                form.frame_origins.data or "",
            )
        except services.LtiError as error:
            db.session.rollback()
            flash(_(error.message, **error.params), "error")
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
    return render_template(
        "lti/platforms.html",
        form=form,
        delete_form=DeleteForm(),
        platforms=services.platforms(),
        config=services.tool_configuration(),
    )


@blueprint.post("/platforms/<int:platform_id>/delete")
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
