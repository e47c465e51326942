"""covering indexes for the report queries

The per-lesson, per-question and best-score reports read only their indexes; the learner list pages
through a course in enrolment order; "stopped here" and the completion counts come from indexes alone.
Each replaced index was a prefix of its successor, so every query it served is served still.

Revision ID: a6e2f8c4d1b9
Revises: f403d4cf6e75
Create Date: 2026-12-07 06:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a6e2f8c4d1b9"
down_revision = "f403d4cf6e75"
branch_labels = None
depends_on = None

# (table, old index name, old columns, new index name, new columns); old is None for a new index.
CHANGES = (
    ("enrolment", None, None, "ix_enrolment_course_order", ["course_id", "id"]),
    (
        "enrolment",
        None,
        None,
        "ix_enrolment_course_last_lesson",
        ["course_id", "last_lesson_id", "user_id"],
    ),
    (
        "lesson_progress",
        "ix_lesson_progress_course_lesson",
        ["course_id", "lesson_id"],
        "ix_lesson_progress_course_lesson_done",
        ["course_id", "lesson_id", "completed_at"],
    ),
    (
        "quiz_attempt",
        "ix_quiz_attempt_course_lesson",
        ["course_id", "lesson_id"],
        "ix_quiz_attempt_course_lesson_score",
        ["course_id", "lesson_id", "user_id", "score"],
    ),
    (
        "question_answer",
        "ix_question_answer_question",
        ["course_id", "lesson_id", "question_id"],
        "ix_question_answer_question_correct",
        ["course_id", "lesson_id", "question_id", "correct"],
    ),
    (
        "completion",
        "ix_completion_course_id",
        ["course_id"],
        "ix_completion_course_user",
        ["course_id", "user_id"],
    ),
)


def upgrade():
    for table, old_name, _old_columns, new_name, new_columns in CHANGES:
        op.create_index(new_name, table, new_columns, unique=False)
        if old_name:
            op.drop_index(old_name, table_name=table)


def downgrade():
    for table, old_name, old_columns, new_name, _new_columns in reversed(CHANGES):
        if old_name:
            op.create_index(old_name, table, old_columns, unique=False)
        op.drop_index(new_name, table_name=table)
