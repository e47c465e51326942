"""deleted accounts

Revision ID: c3d8e5f1a7b2
Revises: b7c4e2a91d30
Create Date: 2026-12-15 10:00:00.000000

``user_account.deleted_at`` marks an account its owner deleted: the row stays, anonymised, so enrolment,
progress and attempt rows keep counting in course statistics without naming anyone.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d8e5f1a7b2'
down_revision = 'b7c4e2a91d30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
