"""Reports and course administration: admins see every course, authors their own."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from learn_habitat.accounts import services as accounts
from learn_habitat.accounts.auth import admin_required
from learn_habitat.accounts.models import Role, User
from learn_habitat.admin import audit, charts, definitions, forms, services
from learn_habitat.catalog import services as catalog
from learn_habitat.course_library import current_library
from learn_habitat.extensions import db
from learn_habitat.i18n import current_language
from learn_habitat.learning import services as learning

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


def _reportable_course(course_id):
    """The course if the signed-in user may see its reports; 404 or 403 otherwise."""
    try:
        course = catalog.find_course(current_library(), course_id)
    except catalog.NotFound:
        abort(404)
    if not learning.is_course_author(current_user, course.id):
        abort(403)
    return course


@blueprint.context_processor
def figure_definitions():
    """Every admin page can say what its figures count."""
    return {"defined": definitions.FIGURES}


@blueprint.before_request
@login_required
def require_sign_in():
    """Every admin page needs a signed-in admin or author (checked per course further on)."""
    if not current_user.is_author:
        abort(403)


@blueprint.get("/")
def index():
    """The courses I may report on, with their headline figures."""
    courses = services.courses_for(current_user, current_library())
    return render_template("admin/index.html", rows=[(c, services.course_summary(c)) for c in courses])


@blueprint.get("/translations")
def translations():
    """Which lessons are missing or outdated in each language, per course."""
    from learn_habitat.content.translations import translation_status

    courses = services.courses_for(current_user, current_library())
    return render_template(
        "admin/translations.html", statuses=[(course, translation_status(course)) for course in courses]
    )


@blueprint.get("/export")
def export_form():
    """Choose a course, a language and a SCORM version to download."""
    from scorm_export import exporters

    courses = services.courses_for(current_user, current_library())
    chosen = request.args.get("course")
    return render_template(
        "admin/export.html",
        courses=courses,
        chosen=chosen if any(c.id == chosen for c in courses) else None,
        standards=sorted(exporters()),
    )


@blueprint.get("/export/download")
def export_download():
    """The package chosen in the export form, as a zip download."""
    from scorm_export import exporters, package_filename

    course = _reportable_course(request.args.get("course", ""))
    language = request.args.get("language", course.source_language)
    standard = request.args.get("standard", "")
    if language not in course.languages or standard not in exporters():
        flash(_("Choose one of the offered languages and SCORM versions."), "error")
        return redirect(url_for("admin.export_form", course=course.id))
    data = services.scorm_package(course, language, standard)
    audit.record(current_user, "export_scorm", course.id, language=language, standard=standard)
    db.session.commit()
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{package_filename(course.id, language, standard)}"'
    )
    return response


@blueprint.get("/audit")
@admin_required
def audit_log():
    """What admins did, newest first."""
    page = _page_number()
    size = current_app.config["REPORT_PAGE_SIZE"]
    events, total = audit.recent(page, size)
    return render_template("admin/audit.html", events=events, page=page, pages=max(1, -(-total // size)))


@blueprint.get("/courses/<course_id>/")
def course_report(course_id):
    """Enrolment, completion, drop-off per lesson and correct rate per question."""
    course = _reportable_course(course_id)
    lessons = services.lesson_stats(course)
    scores = services.score_distribution(course)
    return render_template(
        "admin/course_report.html",
        course=course,
        summary=services.course_summary(course),
        lessons=lessons,
        questions=services.question_stats(course),
        scores=scores,
        bands=_score_bands(),
        funnel=_funnel_chart(course, lessons),
        distribution=charts.bar_chart(
            list(zip(_score_bands(), ((count,) for count in scores), strict=True)),
            (("scores", _("Best scores")),),
        ),
        enrol_form=forms.UserEmailForm(formdata=None),
        author_form=forms.AuthorForm(formdata=None),
        key_form=forms.EnrolmentKeyForm(formdata=None),
    )


def _funnel_chart(course, lessons):
    """Opened and completed, per lesson in course order, labelled with the lessons' titles."""
    language = current_language()
    return charts.bar_chart(
        [(course.lesson(stat.lesson_id, language).title, (stat.viewed, stat.completed)) for stat in lessons],
        (("opened", _("Opened")), ("completed", _("Completed"))),
    )


def _score_bands() -> list[str]:
    """The names of the ten score bands: 0%–9%, 10%–19%, … 90%–100%."""
    return [
        _(
            "%(low)s–%(high)s",
            low=format_percent(tenth / 10),
            high=format_percent(tenth / 10 + (0.1 if tenth == 9 else 0.09)),
        )
        for tenth in range(services.SCORE_BANDS)
    ]


def _page_number() -> int:
    try:
        return min(max(1, int(request.args.get("page", 1))), 1_000_000)
    except ValueError:
        return 1


@blueprint.get("/courses/<course_id>/learners")
def learners(course_id):
    """The learners of a course with their progress, filterable and paged."""
    course = _reportable_course(course_id)
    status = request.args.get("status", "all")
    search = request.args.get("q", "")[:100]
    page = _page_number()
    size = current_app.config["REPORT_PAGE_SIZE"]
    rows, total = services.learner_page(course, status, search, page, size)
    return render_template(
        "admin/learners.html",
        course=course,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // size)),
        status=status if status in services.LEARNER_STATUSES else "all",
        statuses=services.LEARNER_STATUSES,
        search=search,
    )


@blueprint.get("/courses/<course_id>/learners.csv")
def learners_csv(course_id):
    """The learner list as CSV, streamed."""
    course = _reportable_course(course_id)
    audit.record(current_user, "export_learners_csv", course.id)
    db.session.commit()
    chunks = services.learner_csv(course, request.args.get("status", "all"), request.args.get("q", ""))
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{course.id}-learners.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/courses/<course_id>/enrolments")
@admin_required
def enrol_learner(course_id):
    """Enrol someone by email, whatever the course's mode."""
    course = _reportable_course(course_id)
    form = forms.UserEmailForm()
    user = accounts.find_user_by_email(form.email.data) if form.validate_on_submit() else None
    if user is None:
        flash(_("No account uses this email."), "error")
    else:
        learning.enrol(user, course, by_admin=True)
        audit.record(current_user, "enrol", course.id, learner=user.email)
        db.session.commit()
        flash(_("%(name)s is enrolled.", name=user.name), "success")
    return redirect(url_for("admin.course_report", course_id=course.id))


@blueprint.get("/courses/<course_id>/learners/<int(max=2147483647):user_id>")
def learner(course_id, user_id):
    """One learner in one course: progress per module, quiz attempts and certificate."""
    course = _reportable_course(course_id)
    record = services.learner_record(course, user_id)
    if record is None:
        abort(404)
    return render_template("admin/learner.html", course=course, record=record)


# One rule for both methods: an id beyond the database's range then fails the converter for both and is a
# plain 404, where two rules would answer 405 (tests/security/test_headers_and_limits.py).
@blueprint.route(
    "/courses/<course_id>/enrolments/<int(max=2147483647):user_id>/delete", methods=["GET", "POST"]
)
@admin_required
def unenrol_learner(course_id, user_id):
    """GET asks before removing an enrolment; the POST of its form removes it (their progress is kept)."""
    course = _reportable_course(course_id)
    user = db.session.get(User, user_id)
    if request.method == "GET":
        if user is None or learning.find_enrolment(user, course.id) is None:
            abort(404)
        return render_template("admin/confirm_unenrol.html", course=course, learner=user, form=FlaskForm())
    if FlaskForm().validate_on_submit() and user is not None and learning.unenrol(user, course.id):
        audit.record(current_user, "unenrol", course.id, learner=user.email)
        db.session.commit()
        flash(_("%(name)s is no longer enrolled.", name=user.name), "success")
    return redirect(url_for("admin.learners", course_id=course.id))


@blueprint.post("/courses/<course_id>/authors")
@admin_required
def add_author(course_id):
    """Let someone see this course's reports (they become an author)."""
    course = _reportable_course(course_id)
    form = forms.AuthorForm()
    user = accounts.find_user_by_email(form.email.data) if form.validate_on_submit() else None
    if user is None:
        flash(_("No account uses this email."), "error")
    else:
        if not user.is_author:
            accounts.set_role(user, Role.AUTHOR)
        learning.assign_author(user, course.id)
        audit.record(current_user, "add_author", course.id, author=user.email)
        db.session.commit()
        flash(_("%(name)s can now see this course's reports.", name=user.name), "success")
    return redirect(url_for("admin.course_report", course_id=course.id))


@blueprint.post("/courses/<course_id>/key")
@admin_required
def set_key(course_id):
    """Set the enrolment key of a course in ``key`` mode."""
    course = _reportable_course(course_id)
    form = forms.EnrolmentKeyForm()
    if form.validate_on_submit():
        learning.set_enrolment_key(course.id, form.key.data)
        audit.record(current_user, "set_enrolment_key", course.id)
        db.session.commit()
        flash(_("The enrolment key is saved."), "success")
    else:
        flash(_("An enrolment key has 4 to 100 characters."), "error")
    return redirect(url_for("admin.course_report", course_id=course.id))
