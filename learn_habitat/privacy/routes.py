"""Your data: download everything the site keeps about you, or delete your account."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from learn_habitat.accounts import services as accounts
from learn_habitat.database import utcnow
from learn_habitat.extensions import db, limiter
from learn_habitat.privacy import forms, services

blueprint = Blueprint("privacy", __name__)


@blueprint.get("/profile/data")
@login_required
def download_data():
    """My data as one JSON file (profile, enrolments, progress, attempts, certificates, sessions, tokens)."""
    data = services.personal_data(current_user, current_user.session_key)
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", mimetype="application/json"
    )
    filename = f"learn-habitat-data-{utcnow().date().isoformat()}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/profile/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def delete_account():
    """What deleting keeps and removes, and the form (with the password) that does it."""
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user, form.password.data)
        except accounts.AccountError as error:
            db.session.rollback()
            if error.field:
                form.password.errors = [*form.password.errors, _(error.message, **error.params)]
            else:
                flash(_(error.message, **error.params), "error")
        else:
            db.session.commit()
            session.clear()
            logout_user()
            flash(_("Your account is deleted. Thank you for learning with us."), "info")
            return redirect(url_for("catalog.index"))
    status = 422 if form.errors else 200
    return render_template("privacy/delete_account.html", form=form), status
