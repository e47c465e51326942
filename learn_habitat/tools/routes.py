"""Checklist answers (a summary from the server, without JavaScript) and the explicit "Save"."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from learn_habitat.accounts.auth import signed_in_user
from learn_habitat.activities.checklist import summarise
from learn_habitat.catalog import services as catalog
from learn_habitat.course_library import current_library
from learn_habitat.extensions import db
from learn_habitat.i18n import current_language
from learn_habitat.learning import services as learning
from learn_habitat.tools import services

blueprint = Blueprint("tools", __name__)


def checklist_state(course, lesson, answers=None, summary=None):
    """What the checklist form of a lesson page shows: the learner's saved answers and their summary unless
    ``answers`` (just submitted) are given."""
    user = signed_in_user()
    saved = services.saved_checklist(user, course.id, lesson.id)
    if answers is None and saved is not None:
        answers = saved.answers
        summary = summarise(lesson.activity, answers)
    enrolled = user is not None and learning.find_enrolment(user, course.id) is not None
    return {
        "checklist": lesson.activity,
        "answers": answers or {},
        "summary": summary,
        "saved": saved,
        "can_save": enrolled,
        "signed_in": user is not None,
        "form": FlaskForm(formdata=None),
    }


@blueprint.app_context_processor
def tool_helpers():
    """Template helpers for the pages that show tools: the lesson, the dashboard and the course report."""

    def my_saved_checklists():
        user = signed_in_user()
        return services.my_saved_checklists(user, current_library()) if user else []

    return {
        "checklist_state": checklist_state,
        "my_saved_checklists": my_saved_checklists,
        "tool_usage": services.tool_usage,
        "saved_checklist_summaries": services.saved_checklist_summaries,
    }


@blueprint.post("/courses/<course_id>/<lesson_id>/checklist")
def answer(course_id, lesson_id):
    """Show the summary of the submitted answers (nothing stored), or, with "Save", keep them."""
    try:
        view = catalog.lesson_view(current_library(), course_id, lesson_id, current_language())
    except catalog.NotFound:
        abort(404)
    course, lesson = view.course, view.lesson
    if lesson.type != "checklist":
        abort(404)
    user = signed_in_user()
    here = url_for("learning.lesson", course_id=course.id, lesson_id=lesson.id)
    if not learning.can_read_lesson(user, course, lesson.id):
        return redirect(here)
    if not FlaskForm().validate_on_submit():
        flash(_("The form had expired. Please answer again."), "error")
        return redirect(here)
    answers, summary = services.answer_checklist(lesson.activity, request.form)
    if request.form.get("action") == "save":
        if user is None:
            return redirect(url_for("accounts.account_needed", next=here))
        try:
            services.save_checklist(user, course, lesson.id, answers, current_language())
        except learning.LearningError as error:
            db.session.rollback()
            flash(_(error.message), "error")
            return redirect(here)
        db.session.commit()
        flash(_("Your checklist is saved. You find it on your dashboard."), "success")
        return redirect(here + "#checklist-summary")
    enrolment = learning.find_enrolment(user, course.id) if user else None
    return render_template(
        "learning/lesson.html",
        view=view,
        course=course,
        lesson=lesson,
        quiz=None,
        progress=learning.course_progress(user, course) if enrolment is not None else None,
        enrolled=enrolment is not None,
        contents=learning.lesson_contents(lesson),
        checklist=checklist_state(course, lesson, answers, summary),
    )
