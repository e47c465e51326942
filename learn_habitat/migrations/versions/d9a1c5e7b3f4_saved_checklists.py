"""saved checklists: one copy per learner and checklist lesson

Revision ID: d9a1c5e7b3f4
Revises: c3d8e5f1a7b2
Create Date: 2026-12-10 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d9a1c5e7b3f4"
down_revision = "c3d8e5f1a7b2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_checklist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.String(length=100), nullable=False),
        sa.Column("lesson_id", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_saved_checklist_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_checklist")),
        sa.UniqueConstraint(
            "user_id", "course_id", "lesson_id", name=op.f("uq_saved_checklist_user_id_course_id_lesson_id")
        ),
    )
    with op.batch_alter_table("saved_checklist", schema=None) as batch_op:
        batch_op.create_index("ix_saved_checklist_course_lesson", ["course_id", "lesson_id"], unique=False)


def downgrade():
    with op.batch_alter_table("saved_checklist", schema=None) as batch_op:
        batch_op.drop_index("ix_saved_checklist_course_lesson")

    op.drop_table("saved_checklist")
