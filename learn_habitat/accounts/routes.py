"""Register, sign in and out, reset a password, profile, change of address and API tokens."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from learn_habitat.accounts import forms, mail, services
from learn_habitat.accounts.background import run_in_background
from learn_habitat.accounts.rate_limits import account_key, sign_in_limits
from learn_habitat.database import utcnow
from learn_habitat.extensions import db, limiter
from learn_habitat.redirects import safe_next

blueprint = Blueprint("accounts", __name__)
PROFILE_SECTIONS = "learn_habitat.profile_sections"


def _account_key() -> str:
    """Rate-limit key for the account named in the form, so one account cannot be guessed at from many IPs
    (every spelling of an address counts against the same account)."""
    return account_key()


def _sign_in(user, remember: bool = False) -> None:
    """Start a server-side session for ``user`` and put its key in the cookie (the caller commits)."""
    session.clear()  # nothing from before sign-in carries over (no session fixation)
    services.start_session(user)
    login_user(user, remember=remember)


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_limit():
    return current_app.config["ACCOUNT_RATE_LIMIT"]


def _show_errors(form, error: services.AccountError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, _(error.message, **error.params)]
    else:
        flash(_(error.message, **error.params), "error")


@blueprint.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_key)
def register():
    """Sign up: every problem shown at once; the same answer whether or not the address has an account
    (the mail tells which). ``next`` (a path here) is carried through the mailed link, back to a lesson."""
    next_path = safe_next(request.args.get("next"), "")
    if current_user.is_authenticated:
        return redirect(next_path or url_for("learning.dashboard"))
    form = forms.RegisterForm()
    if request.method == "GET":
        form.language.data = (
            request.accept_languages.best_match([c for c, _ in form.language.choices]) or "en"
        )
    if form.is_submitted():
        form_valid = form.validate()  # every field, so all the problems show together
        try:
            registration = services.prepare_registration(
                form.email.data, form.name.data, form.password.data, form.language.data
            )
        except services.AccountErrors as errors:
            for error in errors.errors:
                field = getattr(form, error.field, None) if error.field else None
                if field is None or not field.errors:  # one plain message per field
                    _show_errors(form, error)
        else:
            if form_valid:
                run_in_background(mail.deliver_registration, registration, next_path or None)
                flash(
                    _(
                        "Check your mail: we have sent a message to %(email)s. "
                        "Open its link to finish signing up.",
                        email=registration.email,
                    ),
                    "info",
                )
                return redirect(url_for("accounts.login", next=next_path or None))
    return render_template("accounts/register.html", form=form), 200 if not form.errors else 422


@blueprint.get("/account-needed")
def account_needed():
    """Where a guest lands from a lesson that needs an account: create one first, or sign in."""
    next_path = safe_next(request.args.get("next"), "")
    if current_user.is_authenticated:
        return redirect(next_path or url_for("learning.dashboard"))
    return render_template("accounts/account_needed.html", next_path=next_path or None)


@blueprint.route("/register/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def confirm_email(token):
    """Finish signing up from the mailed link, with the password chosen at sign-up."""
    form = forms.ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            user = services.confirm_email(token, form.password.data, current_app.config["SECRET_KEY"])
        except services.AccountError as error:
            db.session.rollback()
            if error.field is None:
                flash(_(error.message, **error.params), "error")
                return redirect(url_for("accounts.register"))
            _show_errors(form, error)
        else:
            _sign_in(user)
            db.session.commit()
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("learning.dashboard")))
    return render_template("accounts/confirm_email.html", form=form), 200 if not form.errors else 422


@blueprint.route("/login", methods=["GET", "POST"])
@sign_in_limits
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    form = forms.LoginForm()
    status = 200
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _sign_in(user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), url_for("learning.dashboard")))
        # The same words whether the email is unknown or the password wrong: no account enumeration.
        flash(_("The email or password is not right."), "error")
        status = 401
    elif form.errors:
        status = 422
    return render_template("accounts/login.html", form=form), status


@blueprint.post("/logout")
def logout():
    """Sign out (a POST with a CSRF token, so another site cannot sign you out)."""
    form = forms.EmptyForm()
    if form.validate_on_submit():
        # The server forgets this session, so the cookie (or a copy of it, or the remember cookie) is dead.
        if current_user.is_authenticated:
            services.end_session(current_user.session_key)
            db.session.commit()
        session.clear()
        logout_user()  # after clear(): it marks the remember cookie for deletion in the session
        flash(_("You are signed out."), "info")
    return redirect(url_for("catalog.index"))


@blueprint.post("/profile/sessions/end")
@login_required
def sign_out_everywhere():
    """End every session of this account on every device, this one included."""
    if forms.EmptyForm().validate_on_submit():
        services.end_all_sessions(current_user)
        db.session.commit()
        session.clear()
        logout_user()
        flash(_("You are signed out on every device."), "info")
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.profile"))


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_key)
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the account exists."""
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        # Even the lookup runs in the background: this request does the same work for every address.
        run_in_background(mail.deliver_password_reset, form.email.data)
        flash(_("If an account uses this email, a message with a reset link is on its way."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form), 200 if not form.errors else 422


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token):
    """Choose a new password from a mailed link; every session ends and every API token is revoked."""
    try:
        user = services.user_for_reset_token(token, current_app.config["SECRET_KEY"])
    except services.AccountError as error:
        flash(_(error.message, **error.params), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            _show_errors(form, error)
        else:
            _sign_in(user)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("learning.dashboard"))
    return render_template("accounts/reset_password.html", form=form), 200 if not form.errors else 422


@blueprint.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Name and language, address, password, sessions, and the way to my data and the developer page."""
    form = forms.ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, form.name.data, form.language.data)
        except services.AccountError as error:
            db.session.rollback()
            _show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
    return _render_profile(form), 200 if not form.errors else 422


def add_profile_section(app, template: str, values) -> None:
    """Show another package's section on the profile page: ``template``, rendered with ``section`` set to
    ``values(user)``, and left out when that is ``None``. Packages above accounts (LTI: the linked platform
    accounts) add theirs this way, so accounts never imports them."""
    app.extensions.setdefault(PROFILE_SECTIONS, []).append((template, values))


def _render_profile(form, password_form=None, email_form=None):
    user = current_user._get_current_object()
    sections = []
    for template, values in current_app.extensions.get(PROFILE_SECTIONS, ()):
        section = values(user)
        if section is not None:
            sections.append((template, section))
    return render_template(
        "accounts/profile.html",
        form=form,
        password_form=password_form or forms.ChangePasswordForm(formdata=None),
        email_form=email_form or forms.ChangeEmailForm(formdata=None),
        action_form=forms.EmptyForm(),
        sections=sections,
    )


@blueprint.post("/profile/password")
@login_required
@limiter.limit(_login_limit)
def change_password():
    """Change the password: every other session ends and every API token is revoked."""
    password_form = forms.ChangePasswordForm()
    if password_form.validate_on_submit():
        try:
            services.change_password(
                current_user, password_form.current_password.data, password_form.password.data
            )
        except services.AccountError as error:
            db.session.rollback()
            _show_errors(password_form, error)
        else:
            user = current_user._get_current_object()
            _sign_in(user)  # this browser gets a new session; every other one has ended
            db.session.commit()
            flash(_("Your password has been changed. Every other session is signed out."), "success")
            return redirect(url_for("accounts.profile"))
    profile_form = forms.ProfileForm(obj=current_user, formdata=None)
    return _render_profile(profile_form, password_form=password_form), 422


@blueprint.post("/profile/email")
@login_required
@limiter.limit(_login_limit)
def change_email():
    """Ask to move the account to another address: a link goes to the new address, and nothing changes
    until it is opened. The answer is the same whether or not that address has an account."""
    email_form = forms.ChangeEmailForm()
    if email_form.validate_on_submit():
        try:
            change = services.request_email_change(
                current_user, email_form.email.data, email_form.password.data
            )
        except services.AccountError as error:
            _show_errors(email_form, error)
        else:
            run_in_background(mail.deliver_email_change, change)
            flash(
                _(
                    "Check your mail at %(email)s: open the link we sent there to finish the change. "
                    "Until then your address stays as it is.",
                    email=change.new_email,
                ),
                "info",
            )
            return redirect(url_for("accounts.profile"))
    profile_form = forms.ProfileForm(obj=current_user, formdata=None)
    return _render_profile(profile_form, email_form=email_form), 422


@blueprint.route("/profile/email/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def confirm_email_change(token):
    """Make the change of address from the link mailed to the new address (a button, so a mail scanner
    that opens links changes nothing); the old address is told."""
    try:
        change = services.email_change_for_token(token, current_app.config["SECRET_KEY"])
    except services.AccountError as error:
        flash(_(error.message, **error.params), "error")
        return redirect(url_for("accounts.profile" if current_user.is_authenticated else "accounts.login"))
    form = forms.EmptyForm()
    if form.validate_on_submit():
        try:
            user = services.apply_email_change(change)
            db.session.commit()
        except (services.AccountError, IntegrityError):
            db.session.rollback()
            flash(_("This link has already been used or is not valid."), "error")
        else:
            run_in_background(mail.deliver_email_changed_notice, user.id, change.old_email, utcnow())
            flash(_("Your email address is now %(email)s.", email=user.email), "success")
        return redirect(url_for("accounts.profile" if current_user.is_authenticated else "accounts.login"))
    return render_template("accounts/confirm_email_change.html", form=form, new_email=change.new_email)


@blueprint.get("/profile/developer")
@login_required
def developer():
    """Personal access tokens for the JSON API: for people who write programs, so not on the profile."""
    return _render_developer(new_token=None)


def _render_developer(new_token):
    return render_template(
        "accounts/developer.html",
        token_form=forms.TokenForm(formdata=None),
        action_form=forms.EmptyForm(),
        tokens=sorted(current_user.tokens, key=lambda t: t.created_at, reverse=True),
        new_token=new_token,
    )


@blueprint.post("/profile/tokens")
@login_required
def create_token():
    """Create a personal access token and show it once."""
    token_form = forms.TokenForm()
    if not token_form.validate_on_submit():
        flash(_("Give the token a name of up to 80 characters."), "error")
        return redirect(url_for("accounts.developer"))
    _token, plain = services.create_access_token(current_user, token_form.name.data)
    db.session.commit()
    response = current_app.make_response(_render_developer(plain))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/profile/tokens/<int(max=2147483647):token_id>/revoke")
@login_required
def revoke_token(token_id):
    """Revoke one of my tokens."""
    if forms.EmptyForm().validate_on_submit() and services.revoke_access_token(current_user, token_id):
        db.session.commit()
        flash(_("The token is revoked."), "success")
    return redirect(url_for("accounts.developer"))


@blueprint.post("/language")
def set_language():
    """The language switcher: remembered in a cookie, and in the profile of a signed-in learner."""
    from learn_habitat.content import SUPPORTED_LANGUAGES
    from learn_habitat.i18n import LANGUAGE_COOKIE

    language = request.form.get("language", "")
    target = safe_next(request.form.get("next"), url_for("catalog.index"))
    if not forms.EmptyForm().validate_on_submit() or language not in SUPPORTED_LANGUAGES:
        return redirect(target)
    if current_user.is_authenticated:
        current_user.language = language
        db.session.commit()
    response = redirect(target)
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    return response
