"""Lessons, enrolment, quizzes, the learner's dashboard and certificates."""

from __future__ import annotations

import random

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from learn_habitat.accounts.auth import signed_in_user
from learn_habitat.activities.calculator import calculator_views
from learn_habitat.catalog import services as catalog
from learn_habitat.course_library import current_library
from learn_habitat.extensions import db
from learn_habitat.i18n import current_language
from learn_habitat.learning import certificates, forms, services
from learn_habitat.learning.rate_limits import enrolment_key_limits
from learn_habitat.site.routes import current_identity
from learn_habitat.urls import external_url
from scorm_export.base import script_json

blueprint = Blueprint("learning", __name__)
# Calculators hand their data to calculator.js in <script type="application/json"> (learning/_calculator.html).
blueprint.add_app_template_filter(script_json, "script_json")
blueprint.add_app_template_global(services.lesson_contents, "lesson_contents")


@blueprint.app_template_global()
def calculator_page(lesson):
    """The calculators of a calculator lesson, computed for this request's query string and language."""
    return calculator_views(lesson.activity, request.args, current_language(), _)


def _course_or_404(course_id):
    try:
        return catalog.find_course(current_library(), course_id)
    except catalog.NotFound:
        abort(404)


@blueprint.get("/courses/<course_id>/<lesson_id>")
def lesson(course_id, lesson_id):
    """A lesson (recording the view for enrolled learners), or a quiz form."""
    try:
        view = catalog.lesson_view(current_library(), course_id, lesson_id, current_language())
    except catalog.NotFound:
        abort(404)
    user = signed_in_user()
    course = view.course
    # The enrolment and progress are read once (one statement) and shared by every step below.
    state = services.learner_state(user, course) if user is not None else None
    enrolled = state is not None and state.enrolled
    # An author's preview (learn-habitat preview, on their own machine) shows every lesson to guests.
    if not (current_app.config["PREVIEW"] or services.can_read_lesson(user, course, lesson_id, enrolled)):
        if user is None:  # offered an account first (most guests have none), with sign-in beside it
            return redirect(url_for("accounts.account_needed", next=request.path))
        flash(_("Enrol in the course to read this lesson."), "info")
        return redirect(url_for("catalog.course", course_id=course.id))
    if enrolled:
        state = services.record_lesson_viewed(user, course, lesson_id, state)
        if state.wrote:  # a repeat view writes nothing: no commit, no reload of expired rows
            db.session.commit()
    retry = request.args.get("retry") == "1"
    quiz_state = (
        _quiz_state(user, course, view.lesson, enrolled, retry) if view.lesson.type == "quiz" else None
    )
    progress = state.progress if enrolled else None
    return render_template(
        "learning/lesson.html",
        view=view,
        course=course,
        lesson=view.lesson,
        quiz=quiz_state,
        progress=progress,
        enrolled=enrolled,
    )


def _quiz_state(user, course, lesson, enrolled, retry):
    """The quiz form, and the learner's standing: after a pass the form shows only when they ask to retry."""
    quiz = lesson.activity
    standing = services.quiz_standing(user, course, lesson.id, quiz) if enrolled else None
    used = standing.used if standing else 0
    questions = []
    # Shuffle per learner and attempt, so the order is stable across a reload of the same form.
    rng = random.Random(f"{getattr(user, 'id', 0)}:{course.id}:{lesson.id}:{used}")
    for question in quiz.questions:
        options = list(question.options)
        if quiz.shuffle:
            rng.shuffle(options)
        questions.append((question, options))
    can_attempt = enrolled and standing.can_attempt
    return {
        "quiz": quiz,
        "questions": questions,
        "used": used,
        "left": None if quiz.max_attempts is None else max(0, quiz.max_attempts - used),
        "can_attempt": can_attempt,
        "standing": standing,
        "show_form": can_attempt and (retry or not standing.passed),
        "submission_id": services.new_submission_id(),
        "form": FlaskForm(),
        "enrolled": enrolled,
    }


@blueprint.post("/courses/<course_id>/<lesson_id>/attempts")
@login_required
def submit_attempt(course_id, lesson_id):
    """Grade a quiz on the server and show the result (a second submit of one form records nothing new)."""
    course = _course_or_404(course_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please answer again."), "error")
        return redirect(url_for("learning.lesson", course_id=course.id, lesson_id=lesson_id))
    try:
        quiz = services.quiz_for(course, lesson_id, current_language())
        answers = {
            question.id: (
                request.form.getlist(question.id)
                if question.kind == "multiple"
                else request.form.get(question.id)
            )
            for question in quiz.questions
        }
        outcome = services.submit_quiz(
            current_user,
            course,
            lesson_id,
            answers,
            request.form.get("submission_id", ""),
            current_language(),
        )
    except services.LearningError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(_(error.message), "error")
        return redirect(url_for("learning.lesson", course_id=course.id, lesson_id=lesson_id))
    db.session.commit()
    return redirect(
        url_for("learning.attempt", course_id=course.id, lesson_id=lesson_id, number=outcome.attempt.number)
    )


@blueprint.get("/courses/<course_id>/<lesson_id>/attempts/<int(max=2147483647):number>")
@login_required
def attempt(course_id, lesson_id, number):
    """The result of one of my attempts, with feedback."""
    course = _course_or_404(course_id)
    try:
        view = catalog.lesson_view(current_library(), course_id, lesson_id, current_language())
        outcome = services.find_attempt(current_user, course, lesson_id, number)
    except (catalog.NotFound, services.LearningError):
        abort(404)
    if outcome is None:
        abort(404)
    progress = services.course_progress(current_user, course)
    return render_template(
        "learning/attempt.html",
        view=view,
        course=course,
        lesson=view.lesson,
        outcome=outcome,
        progress=progress,
        quiz=outcome.grade,
    )


@blueprint.post("/courses/<course_id>/enrol")
@login_required
@enrolment_key_limits(lambda: current_user.id if current_user.is_authenticated else None)
def enrol(course_id):
    """Enrol myself (with the key when the course asks for one)."""
    course = _course_or_404(course_id)
    form = forms.EnrolForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(url_for("catalog.course", course_id=course.id))
    try:
        services.enrol(current_user, course, key=form.key.data)
    except services.LearningError as error:
        db.session.rollback()
        flash(_(error.message), "error")
        return redirect(url_for("catalog.course", course_id=course.id))
    db.session.commit()
    flash(_("You are enrolled. Enjoy the course!"), "success")
    return redirect(url_for("learning.lesson", course_id=course.id, lesson_id=course.lesson_ids[0]))


@blueprint.post("/courses/<course_id>/unenrol")
@login_required
def unenrol(course_id):
    """Leave a course; progress is kept should I come back."""
    course = _course_or_404(course_id)
    if FlaskForm().validate_on_submit() and services.unenrol(current_user, course.id):
        db.session.commit()
        flash(_("You have left the course. Your progress is kept if you come back."), "info")
    return redirect(url_for("catalog.course", course_id=course.id))


@blueprint.get("/courses/<course_id>/continue")
@login_required
def resume(course_id):
    """Continue where I left off, on any device."""
    course = _course_or_404(course_id)
    if services.find_enrolment(current_user, course.id) is None:
        return redirect(url_for("catalog.course", course_id=course.id))
    progress = services.course_progress(current_user, course)
    return redirect(
        url_for("learning.lesson", course_id=course.id, lesson_id=services.resume_lesson(progress, course))
    )


@blueprint.get("/dashboard")
@login_required
def dashboard():
    """My courses with progress, and the way back into each."""
    library = current_library()
    items = [(course, state.progress) for course, state in services.learner_states(current_user, library)]
    return render_template("learning/dashboard.html", items=items)


@blueprint.get("/courses/<course_id>/certificate")
@login_required
def my_certificate(course_id):
    """My certificate for a completed course, ready to print or to download as PDF."""
    course = _course_or_404(course_id)
    completion = services.my_certificate(current_user, course.id)
    if completion is None:
        flash(_("Complete the course to get your certificate."), "info")
        return redirect(url_for("catalog.course", course_id=course.id))
    return _certificate_page(course, completion, owner=True)


@blueprint.get("/courses/<course_id>/certificate.pdf")
@login_required
def certificate_pdf(course_id):
    """My certificate as a PDF made here, with its fonts embedded; a page naming missing fonts otherwise."""
    course = _course_or_404(course_id)
    completion = services.my_certificate(current_user, course.id)
    if completion is None:
        return redirect(url_for("learning.my_certificate", course_id=course.id))
    facts = _certificate_facts(course, completion)
    try:
        pdf = certificates.certificate_pdf(
            facts,
            current_language(),
            certificates.pdf_texts(facts),
            current_identity().accent,
            current_app.config.get("CERTIFICATE_FONTS_DIR"),
        )
    except certificates.MissingFonts as missing:
        return render_template(
            "learning/certificate_fonts_missing.html", course=course, needs=missing.needs
        ), 503
    response = current_app.response_class(pdf, mimetype="application/pdf")
    filename = f"certificate-{course.id}-{completion.certificate_code}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/certificates/<code>")
def verify_certificate(code):
    """Public verification: the certificate's facts (never the learner's email)."""
    completion = services.find_certificate(code)
    if completion is None:
        return render_template("learning/certificate_unknown.html", code=code[:40]), 404
    return _certificate_page(current_library().get(completion.course_id), completion, owner=False)


def _certificate_facts(course, completion):
    url = external_url("learning.verify_certificate", code=completion.certificate_code)
    return certificates.certificate_facts(completion, course, current_language(), current_identity(), url)


def _certificate_page(course, completion, owner):
    facts = _certificate_facts(course, completion)
    qr = certificates.qr_svg(facts.verification_url, _("QR code of the verification address"))
    return render_template(
        "learning/certificate.html", course=course, completion=completion, facts=facts, qr=qr, owner=owner
    )
