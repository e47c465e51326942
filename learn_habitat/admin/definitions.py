"""What each report figure counts, in the words shown next to it: one place, so every page says the same."""

from flask_babel import lazy_gettext as _l

FIGURES = {
    "enrolled": _l(
        "Learners enrolled in the course now. Unenrolled learners are not counted; their progress is kept."
    ),
    "active": _l("Enrolled learners who enrolled, opened a lesson or submitted a quiz in the last 30 days."),
    "completed": _l(
        "Learners who met the course's requirements and received its certificate, even if no longer enrolled."
    ),
    "completion_rate": _l("Completed divided by enrolled."),
    "average_quiz_score": _l("The mean of each learner's best score at each quiz they took."),
    "opened": _l("Learners who opened the lesson at least once."),
    "lesson_completed": _l("Learners who completed the lesson: they read it, or passed its quiz."),
    "stopped_here": _l(
        "Enrolled learners who have not completed the course and whose last opened lesson is this one."
    ),
    "answers": _l("Answers to the question in every attempt by every learner."),
    "correct_rate": _l("The share of those answers that were right."),
    "best_scores": _l("Each learner's best score at each quiz they took, in bands of ten percentage points."),
    "progress": _l("Lessons completed out of all the lessons of the course."),
    "last_active": _l("The last time the learner enrolled, opened a lesson or submitted a quiz."),
    "course_completed": _l("The day the learner completed the course."),
}
